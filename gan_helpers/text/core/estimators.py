"""Gradient estimators for E_{x ~ Cat(softmax(theta))}[f(x)], the problem at the heart of
text GANs (notebook 05; REINFORCE returns in 06, Gumbel-softmax in 07).

``f`` is a function of a (possibly relaxed) one-hot vector: it receives a tensor
``(..., K)`` and returns ``(...)``. The discrete estimators call it on exact one-hots; the
Gumbel-softmax estimator on points inside the simplex, so f must make sense there too.

Every estimator returns ``(num_repeats, K)``: ``num_repeats`` independent estimates, each
the average of ``num_samples`` per-sample gradients. All samples of all repeats are
drawn at once and differentiated with one backward pass (no Python loop over samples),
so bias and variance can be measured over many repeats in well under a second.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import pandas as pd
import torch
import torch.nn.functional as F

from ...common.checks import check_finite, check_int
from .sampling import check_temperature, draw_categorical, gumbel_softmax

__all__ = ["toy_objective", "exact_gradient", "reinforce_estimates", "gumbel_softmax_estimates",
           "bias_variance", "ESTIMATORS", "estimates", "compare_estimators", "select_row", "most_accurate"]

Objective = Callable[[torch.Tensor], torch.Tensor]


def toy_objective(num_categories: int, target: float = 0.45) -> Objective:
    """f(y) = (y . v - target)^2 with v_k = k / (K - 1), the categorical version of the
    REBAR/RELAX toy problem (Tucker et al. 2017; Grathwohl et al. 2018), notebook 05.
    Nonlinear in y, so a relaxed sample y is scored differently from a hard one."""
    k = check_int(num_categories, "num_categories", minimum=2)
    values = torch.linspace(0, 1, k)
    return lambda y: (y @ values - target) ** 2


def _check_logits(logits) -> torch.Tensor:
    if not isinstance(logits, torch.Tensor) or logits.dim() != 1 or len(logits) < 2:
        raise ValueError("logits must be a 1-D tensor of K >= 2 category scores, got "
                         f"{getattr(logits, 'shape', type(logits).__name__)}")
    check_finite(logits, "logits")
    return logits.detach().float()


def _check_output(fx: torch.Tensor, shape) -> torch.Tensor:
    if fx.shape != shape:
        raise ValueError(f"f must map (..., K) one-hots to (...) values: expected shape {tuple(shape)}, "
                         f"got {tuple(fx.shape)}")
    return fx


def exact_gradient(logits: torch.Tensor, f: Objective) -> torch.Tensor:
    """The exact gradient d/dtheta sum_k softmax(theta)_k f(e_k): enumerate all K outcomes
    and let autograd differentiate the sum (notebook 05). Only possible because K is small;
    for a sentence, K would be vocab^length."""
    theta = _check_logits(logits).clone().requires_grad_(True)
    k = len(theta)
    values = _check_output(f(torch.eye(k)), (k,))
    (F.softmax(theta, -1) @ values).backward()
    return theta.grad


def _sample_onehots(theta: torch.Tensor, num_repeats: int, num_samples: int) -> tuple[torch.Tensor, torch.Tensor]:
    p = F.softmax(theta, -1).expand(num_repeats * num_samples, -1)
    x = draw_categorical(p).view(num_repeats, num_samples)
    return x, F.one_hot(x, len(theta)).float()


def reinforce_estimates(logits: torch.Tensor, f: Objective, num_samples: int, num_repeats: int = 1, *,
                        baseline: bool = False) -> torch.Tensor:
    """REINFORCE (score function) estimates ``(num_repeats, K)`` (notebook 05):
    mean_i (f(x_i) - b_i) grad log p(x_i), x_i ~ Cat(softmax(theta)).

    Unbiased. With ``baseline`` each sample's b_i is the mean f of the *other* samples in
    its batch (leave-one-out, Kool et al. 2019): still unbiased because b_i does not depend
    on x_i, and much less variance because f(x_i) - b_i is centred.
    """
    theta0 = _check_logits(logits)
    n, r = check_int(num_samples, "num_samples"), check_int(num_repeats, "num_repeats")
    if baseline and n < 2:
        raise ValueError("a leave-one-out baseline needs num_samples >= 2 (the other samples make the baseline)")
    x, onehot = _sample_onehots(theta0, r, n)
    fx = _check_output(f(onehot), (r, n))
    b = (fx.sum(1, keepdim=True) - fx) / (n - 1) if baseline else torch.zeros_like(fx)
    theta = theta0.expand(r, n, -1).clone().requires_grad_(True)      # one copy per sample: per-sample grads
    log_p = F.log_softmax(theta, -1).gather(2, x.unsqueeze(2)).squeeze(2)
    surrogate = ((fx - b).detach() * log_p).sum()                       # its gradient is the estimator
    surrogate.backward()
    return theta.grad.mean(1)


def gumbel_softmax_estimates(logits: torch.Tensor, f: Objective, num_samples: int, num_repeats: int = 1, *,
                             temperature: float = 1.0, straight_through: bool = False) -> torch.Tensor:
    """Gumbel-softmax (relaxed) or straight-through estimates ``(num_repeats, K)`` (notebook 05).

    y = softmax((theta + g) / temperature) with g_k = -log(-log u_k), u_k ~ U(0, 1):
    argmax(theta + g) is an exact sample (the Gumbel-max trick), y its smooth relaxation.
    The relaxed estimator differentiates f(y): low variance, but biased, because f is
    evaluated at y, not at a one-hot; the bias vanishes as temperature -> 0 while the
    variance grows. ``straight_through`` evaluates f at the hard one-hot and borrows the
    relaxed gradient (Bengio et al. 2013; Jang et al. 2017): also biased.
    """
    theta0 = _check_logits(logits)
    n, r = check_int(num_samples, "num_samples"), check_int(num_repeats, "num_repeats")
    tau = check_temperature(temperature)
    theta = theta0.expand(r, n, -1).clone().requires_grad_(True)
    y = gumbel_softmax(theta, tau, hard=straight_through)     # hard: one-hot forward, relaxed gradient backward
    _check_output(f(y), (r, n)).sum().backward()
    return theta.grad.mean(1)


def bias_variance(estimates: torch.Tensor, exact: torch.Tensor) -> dict:
    """Bias, variance and mean squared error of ``(num_repeats, K)`` estimates against the
    exact gradient ``(K,)`` (notebook 05): bias = ||mean - exact||, variance = mean
    ||estimate - mean||^2 (total over the K coordinates), mse = mean ||estimate - exact||^2,
    and ``rel_bias`` = bias / ||exact||. The bias of few repeats is itself noisy: its
    standard error is about sqrt(variance / num_repeats)."""
    if estimates.dim() != 2 or exact.dim() != 1 or estimates.shape[1] != len(exact):
        raise ValueError(f"estimates must be (num_repeats, K) and exact (K,), got {tuple(estimates.shape)} "
                         f"and {tuple(exact.shape)}")
    if len(estimates) < 2:
        raise ValueError("bias_variance needs at least 2 repeats to measure a variance")
    mean = estimates.mean(0)
    bias = float((mean - exact).norm())
    variance = float(((estimates - mean) ** 2).sum(1).mean() * len(estimates) / (len(estimates) - 1))
    mse = float(((estimates - exact) ** 2).sum(1).mean())
    return {"bias": bias, "variance": variance, "mse": mse, "rel_bias": bias / float(exact.norm()),
            "bias_se": (variance / len(estimates)) ** 0.5}


ESTIMATORS = ("REINFORCE", "REINFORCE + baseline", "Gumbel-softmax", "straight-through")
_USES_TEMPERATURE = {"Gumbel-softmax", "straight-through"}


def estimates(name: str, logits: torch.Tensor, f: Objective, num_samples: int, num_repeats: int = 1, *,
              temperature: float = 1.0) -> torch.Tensor:
    """Estimates ``(num_repeats, K)`` from the estimator called ``name``, one of
    :data:`ESTIMATORS` (notebook 05). ``temperature`` is used by the two relaxed ones."""
    if name not in ESTIMATORS:
        raise ValueError(f"unknown estimator {name!r}; choose from {ESTIMATORS}")
    if name.startswith("REINFORCE"):
        return reinforce_estimates(logits, f, num_samples, num_repeats, baseline=name.endswith("baseline"))
    return gumbel_softmax_estimates(logits, f, num_samples, num_repeats, temperature=temperature,
                                    straight_through=name == "straight-through")


def compare_estimators(logits: torch.Tensor, f: Objective, *, num_samples: Sequence[int],
                       temperatures: Sequence[float], estimators: Sequence[str] = ESTIMATORS,
                       total_samples: int = 100_000, min_repeats: int = 200) -> pd.DataFrame:
    """Bias, variance and MSE of each estimator, for every sample count and (for the relaxed
    ones) every temperature, as a table (notebook 05). Values are relative to the exact
    gradient: ``rel_bias`` = bias / ||g||, ``rel_variance`` and ``rel_mse`` divided by ||g||^2.
    Each cell uses max(min_repeats, total_samples // n) independent estimates."""
    exact = exact_gradient(logits, f)
    norm2 = float(exact.norm() ** 2)
    rows = []
    for n in num_samples:
        repeats = max(check_int(min_repeats, "min_repeats", minimum=2), check_int(total_samples, "total_samples") // n)
        for name in estimators:
            temps = temperatures if name in _USES_TEMPERATURE else [math.nan]
            for tau in temps:
                if name == "REINFORCE + baseline" and n < 2:
                    continue   # a leave-one-out baseline needs another sample
                bv = bias_variance(estimates(name, logits, f, n, repeats, temperature=1.0 if math.isnan(tau) else tau),
                                   exact)
                rows.append({"estimator": name, "temperature": tau, "num_samples": n, "rel_bias": bv["rel_bias"],
                             "bias_se": bv["bias_se"] / norm2 ** 0.5, "rel_variance": bv["variance"] / norm2,
                             "rel_mse": bv["mse"] / norm2})
    return pd.DataFrame(rows)


def select_row(table: pd.DataFrame, estimator: str, *, num_samples: int | None = None,
               temperature: float | None = None) -> pd.Series:
    """The one row of a :func:`compare_estimators` table for this estimator, sample count
    and temperature (notebook 05); raises unless exactly one row matches."""
    mask = table["estimator"] == estimator
    if num_samples is not None:
        mask &= table["num_samples"] == num_samples
    if temperature is not None:
        mask &= (table["temperature"] - temperature).abs() < 1e-12
    rows = table[mask]
    if len(rows) != 1:
        raise KeyError(f"{len(rows)} rows match estimator={estimator!r}, num_samples={num_samples}, "
                       f"temperature={temperature}; the table has estimators {sorted(set(table['estimator']))}, "
                       f"sample counts {sorted(set(table['num_samples']))}")
    return rows.iloc[0]


def most_accurate(*, num_categories: Sequence[int], num_draws: int, num_samples: Sequence[int],
                  temperatures: Sequence[float], seed: int = 0, total_samples: int = 20_000) -> pd.DataFrame:
    """Which estimator is most accurate, over many problems rather than one (notebook 05).

    For each K in ``num_categories``, ``num_draws`` logit vectors theta ~ N(0, I) (drawn
    with ``seed``) and the objective ``toy_objective(K)``: the relative MSE of every
    estimator at each sample count (the relaxed ones at their best temperature among
    ``temperatures``). One row per (K, draw, n): the winner, REINFORCE + baseline's MSE and
    the best MSE of the others, and ``ratio`` = best other / REINFORCE + baseline (> 1:
    REINFORCE + baseline is the most accurate)."""
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    rows = []
    for k in num_categories:
        f = toy_objective(k)
        for draw in range(check_int(num_draws, "num_draws")):
            theta = torch.randn(k, generator=gen)
            table = compare_estimators(theta, f, num_samples=num_samples, temperatures=temperatures,
                                       total_samples=total_samples)
            for n, cell in table.groupby("num_samples"):
                ranked = cell.sort_values("rel_mse")
                baseline = cell.loc[cell.estimator == "REINFORCE + baseline", "rel_mse"]
                other = ranked.loc[ranked.estimator != "REINFORCE + baseline", "rel_mse"].iloc[0]
                rfb = float(baseline.iloc[0]) if len(baseline) else math.nan
                rows.append({"K": k, "draw": draw, "num_samples": int(n), "winner": ranked.estimator.iloc[0],
                             "mse REINFORCE + baseline": rfb, "best other mse": float(other), "ratio": other / rfb})
    return pd.DataFrame(rows)
