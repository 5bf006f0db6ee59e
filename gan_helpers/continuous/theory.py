"""GAN theory on a 1-D grid: the value function, the optimal discriminator and the JSD.

Introduced in notebook 01; notebook 02 compares a trained discriminator with D* for a
generator known only by its samples. Densities are arrays of values on an evenly spaced grid
``x``; integrals are computed with the trapezoid rule, so results are numeric, not symbolic.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ..common.checks import check_finite, check_int, check_positive
from ..common.losses import discriminator_loss
from .nets import mlp

__all__ = [
    "gaussian_pdf",
    "mixture_pdf_1d",
    "optimal_discriminator",
    "value_function",
    "js_divergence",
    "fit_discriminator",
    "kde_density",
    "spread_push",
    "compare_with_optimal_discriminator",
]

_TINY = 1e-300  # keeps log(0) out of integrands where a density underflows


def gaussian_pdf(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Density of N(mean, std^2) at the points ``x`` (notebook 01)."""
    std = check_positive(std, "std")
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def mixture_pdf_1d(x: np.ndarray, means, stds, weights=None) -> np.ndarray:
    """Density of a 1-D Gaussian mixture at ``x`` (notebook 01)."""
    means, stds = np.atleast_1d(means), np.atleast_1d(stds)
    if len(means) != len(stds) or len(means) == 0:
        raise ValueError(f"means and stds must be non-empty and of equal length, got {len(means)} and {len(stds)}")
    weights = np.full(len(means), 1 / len(means)) if weights is None else np.asarray(weights, dtype=float)
    if len(weights) != len(means) or np.any(weights < 0) or not math.isclose(weights.sum(), 1.0, abs_tol=1e-9):
        raise ValueError(f"weights must be {len(means)} non-negative numbers summing to 1, got {weights}")
    return sum(w * gaussian_pdf(x, m, s) for w, m, s in zip(weights, means, stds))


def _check_grid(x, *densities) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < 3 or np.any(np.diff(x) <= 0):
        raise ValueError("x must be an increasing 1-D grid of at least 3 points")
    for i, d in enumerate(densities):
        d = np.asarray(d)
        if d.shape != x.shape:
            raise ValueError(f"density {i} has shape {d.shape}, but the grid x has shape {x.shape}")
        check_finite(d, f"density {i}")
        if np.any(d < 0):
            raise ValueError(f"density {i} has negative values; a density is never negative")
    return x


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (notebook 01). Where both densities vanish,
    D* is undefined; we return 1/2 there, the value any D gets when nothing can be told apart."""
    p_data, p_g = np.asarray(p_data, float), np.asarray(p_g, float)
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > _TINY)


def value_function(d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, x: np.ndarray) -> float:
    """V(D, G) = E_data[log D(x)] + E_g[log(1 - D(x))], integrated on the grid ``x`` (notebook 01)."""
    x = _check_grid(x, d, p_data, p_g)
    d = np.clip(np.asarray(d, float), _TINY, 1 - 1e-16)
    integrand = p_data * np.log(d) + p_g * np.log1p(-d)
    return float(np.trapezoid(integrand, x))


def _kl(p, q, x) -> float:
    mask = p > _TINY
    integrand = np.zeros_like(p)
    integrand[mask] = p[mask] * np.log(p[mask] / np.maximum(q[mask], _TINY))
    return float(np.trapezoid(integrand, x))


def js_divergence(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """Jensen-Shannon divergence (nats) between two densities on the grid ``x`` (notebook 01):
    JSD = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2; between 0 and log 2."""
    x = _check_grid(x, p, q)
    p, q = np.asarray(p, float), np.asarray(q, float)
    m = 0.5 * (p + q)
    return 0.5 * _kl(p, m, x) + 0.5 * _kl(q, m, x)


class _Standardise(nn.Module):
    def __init__(self, center: float, scale: float):
        super().__init__()
        self.center, self.scale = center, scale

    def forward(self, x):
        return (x - self.center) / self.scale


def fit_discriminator(real: torch.Tensor, fake: torch.Tensor, *, hidden: int = 32, num_steps: int = 1500,
                      batch_size: int = 256, lr: float = 3e-3) -> nn.Module:
    """Train a small MLP to tell ``real`` from ``fake`` 1-D samples with the GAN's
    discriminator loss, holding the generator fixed (notebook 01). Returns a module mapping
    x of shape (n, 1) to logits; sigmoid(logit) approximates D*(x) when trained long enough."""
    for name, t in (("real", real), ("fake", fake)):
        if t.ndim != 2 or t.shape[1] != 1:
            raise ValueError(f"{name} must have shape (n, 1), got {tuple(t.shape)}")
        check_finite(t, name)
    num_steps, batch_size = check_int(num_steps, "num_steps"), check_int(batch_size, "batch_size")
    # Standardising the input lets one learning rate work wherever the densities sit.
    center, scale = real.mean().item(), real.std().item() + 1e-8
    net = mlp([1, hidden, hidden, 1], "tanh")
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(num_steps):
        r = real[torch.randint(len(real), (batch_size,))]
        f = fake[torch.randint(len(fake), (batch_size,))]
        loss = discriminator_loss(net((r - center) / scale), net((f - center) / scale))
        opt.zero_grad()
        loss.backward()
        opt.step()

    return nn.Sequential(_Standardise(center, scale), net).eval()


def kde_density(samples, x: np.ndarray) -> np.ndarray:
    """Density of 1-D ``samples`` on the grid ``x`` by a Gaussian kernel density estimate with
    Scott's bandwidth, as ``scipy.stats.gaussian_kde`` gives it (notebook 02): the p_g of a
    generator known by its samples. For speed the samples are first binned 25 times finer
    than the bandwidth and the bins smoothed by the kernel (the classic binned KDE); that
    moves the estimate by well under 1% of its peak."""
    samples = np.asarray(samples, dtype=np.float64).ravel()
    x = _check_grid(x)
    if samples.size < 2 or not np.isfinite(samples).all() or samples.std() == 0:
        raise ValueError("kde_density needs at least 2 finite samples that are not all equal")
    bandwidth = samples.std(ddof=1) * samples.size ** (-1 / 5)        # Scott's rule in 1-D
    step = bandwidth / 25
    reach = int(np.ceil(6 * bandwidth / step))
    edges = np.arange(samples.min() - (reach + 0.5) * step, samples.max() + (reach + 1) * step, step)
    counts, _ = np.histogram(samples, bins=edges)
    offsets = np.arange(-reach, reach + 1) * step
    kernel = np.exp(-0.5 * (offsets / bandwidth) ** 2) / (bandwidth * math.sqrt(2 * math.pi))
    density = np.convolve(counts / samples.size, kernel, mode="same")
    return np.interp(x, 0.5 * (edges[:-1] + edges[1:]), density, left=0.0, right=0.0)


def spread_push(samples, d: np.ndarray, x: np.ndarray) -> float:
    """E_g[(x - mean) * d/dx log D(x)] over the generator's ``samples``, for a discriminator
    given by its outputs ``d`` = D(x) on the grid ``x`` (notebook 02).

    The generator's loss -log D(G(z)) asks every sample to move along d/dx log D(x); if
    each moved freely at that speed, half the variance of the samples would change at this
    rate. Positive: D asks the samples to spread out; negative: to close in."""
    x = _check_grid(x, d)
    samples = np.asarray(samples, dtype=np.float64).ravel()
    grad = np.gradient(np.log(np.clip(np.asarray(d, float), _TINY, 1.0)), x)
    return float(np.mean((samples - samples.mean()) * np.interp(samples, x, grad)))


def compare_with_optimal_discriminator(d: np.ndarray, samples, p_data: np.ndarray, x: np.ndarray) -> dict:
    """How far a trained discriminator sits from the best one (notebook 02).

    ``d`` holds D(x) on the grid ``x``; the generator is known by its ``samples`` (p_g is
    their :func:`kde_density`) and the data by its density ``p_data``. Returns the JSD of
    the two densities, what D* = p_data / (p_data + p_g) and D score on average under each
    (E_data and E_g), V(D*, G) - V(D, G) (zero only when D = D* wherever there is mass: the
    value D leaves on the table, in nats), the share of the attainable 2 JSD that D does
    reach, (V(D, G) + log 4) / (V(D*, G) + log 4) (0 for a D that outputs 1/2 everywhere, 1
    for D*), and the :func:`spread_push` of each."""
    x = _check_grid(x, d, p_data)
    p_g = kde_density(samples, x)
    d_star = optimal_discriminator(p_data, p_g)
    jsd = js_divergence(p_data, p_g, x)
    v_star, v = value_function(d_star, p_data, p_g, x), value_function(d, p_data, p_g, x)
    return {"JSD": jsd,
            "E_data D*": float(np.trapezoid(p_data * d_star, x)), "E_data D": float(np.trapezoid(p_data * d, x)),
            "E_g D*": float(np.trapezoid(p_g * d_star, x)), "E_g D": float(np.trapezoid(p_g * d, x)),
            "V(D*) - V(D)": v_star - v, "share of 2 JSD": (v + math.log(4)) / (2 * jsd) if jsd > 1e-9 else math.nan,
            "push of D*": spread_push(samples, d_star, x), "push of D": spread_push(samples, d, x)}
