"""Toy distributions for the continuous GANs: the 1-D Gaussian and 2-D Gaussian mixtures.

Introduced in notebooks 01 (1-D densities), 02 (the 1-D Gaussian target and stratified
noise) and 03 (the ring of 8 and the 5x5 grid, in the PacGAN/VEEGAN settings).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..common.checks import check_int, check_positive

__all__ = [
    "sample_gaussian_1d",
    "stratified_noise",
    "MixtureSpec",
    "ring_mixture",
    "grid_mixture",
    "sample_mixture",
    "mixture_log_density",
    "noise_floor_samples",
]


def sample_gaussian_1d(n: int, mean: float = 4.0, std: float = 0.5, *,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` draws of N(mean, std^2) as an (n, 1) tensor: the target of notebook 02."""
    n = check_int(n, "n")
    std = check_positive(std, "std")
    return mean + std * torch.randn(n, 1, generator=generator)


def stratified_noise(n: int, noise_range: float = 8.0, *, jitter: float = 0.01,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """Generator input for notebook 02: ``n`` evenly spaced points on [-range, range] plus a
    little uniform jitter, as an (n, 1) tensor.

    Evenly spaced ("stratified") noise covers the input range in every batch, so the
    generator sees the whole of its input each step, as in the classic 1-D demo.
    """
    n = check_int(n, "n")
    noise_range = check_positive(noise_range, "noise_range")
    jitter = check_positive(jitter, "jitter", allow_zero=True)
    grid = torch.linspace(-noise_range, noise_range, n)
    return (grid + jitter * torch.rand(n, generator=generator)).unsqueeze(1)


@dataclass(frozen=True)
class MixtureSpec:
    """An equal-weight mixture of isotropic 2-D Gaussians (notebook 03)."""

    centers: torch.Tensor  # (num_modes, 2)
    sigma: float
    name: str = "mixture"

    def __post_init__(self):
        if self.centers.ndim != 2 or self.centers.shape[1] != 2 or len(self.centers) == 0:
            raise ValueError(f"centers must have shape (num_modes, 2), got {tuple(self.centers.shape)}")
        if len(self.centers) < 2:
            raise ValueError("a mixture needs at least two modes (one mode cannot collapse onto fewer); "
                             "use ring_mixture(num_modes >= 2) or grid_mixture(side >= 2)")
        check_positive(self.sigma, "sigma")

    @property
    def num_modes(self) -> int:
        return len(self.centers)


def ring_mixture(num_modes: int = 8, radius: float = 1.0, sigma: float = 0.01) -> MixtureSpec:
    """Ring of ``num_modes`` Gaussians on a circle of ``radius`` (PacGAN 2D-ring: 8 modes,
    radius 1, std 0.01)."""
    num_modes = check_int(num_modes, "num_modes")
    if num_modes < 2:
        raise ValueError(f"a ring needs at least two modes, got num_modes={num_modes}; use num_modes >= 2")
    radius = check_positive(radius, "radius")
    angles = torch.arange(num_modes, dtype=torch.float32) * (2 * math.pi / num_modes)
    centers = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return MixtureSpec(centers, sigma, name=f"ring of {num_modes}")


def grid_mixture(side: int = 5, spacing: float = 2.0, sigma: float = 0.05) -> MixtureSpec:
    """``side`` x ``side`` grid of Gaussians, ``spacing`` apart and centred on the origin
    (PacGAN 2D-grid: 5x5, centres at -4, -2, 0, 2, 4, std 0.05)."""
    side = check_int(side, "side")
    if side < 2:
        raise ValueError(f"a grid needs at least two modes, got side={side} (one mode); use side >= 2")
    spacing = check_positive(spacing, "spacing")
    coords = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    xx, yy = torch.meshgrid(coords, coords, indexing="ij")
    centers = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    return MixtureSpec(centers, sigma, name=f"{side}x{side} grid")


def sample_mixture(spec: MixtureSpec, n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` samples (n, 2) from an equal-weight Gaussian mixture (notebook 03)."""
    n = check_int(n, "n")
    idx = torch.randint(spec.num_modes, (n,), generator=generator)
    return spec.centers[idx] + spec.sigma * torch.randn(n, 2, generator=generator)


def mixture_log_density(spec: MixtureSpec, x: torch.Tensor) -> torch.Tensor:
    """Log density of the mixture at points ``x`` of shape (n, 2) (for contour plots)."""
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got {tuple(x.shape)}")
    d2 = torch.cdist(x, spec.centers) ** 2
    log_comp = -d2 / (2 * spec.sigma**2) - math.log(2 * math.pi * spec.sigma**2)
    return torch.logsumexp(log_comp, dim=1) - math.log(spec.num_modes)


def noise_floor_samples(spec: MixtureSpec, n: int, kind: str, *, std: float | None = None,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` samples (n, 2) that learned nothing about the modes, to show what a mode metric
    gives by chance (notebook 03). ``kind``:

    - ``"box"``: uniform over the mode centres' bounding box, widened on every side by half
      the distance between neighbouring modes (the grid's [-5, 5]^2; the ring's [-1.38, 1.38]^2);
    - ``"smeared"``: the modes smeared along the shape that joins them, with Gaussian blur of
      ``std`` across it (default: 3 sigma): for a ring, a uniform angle on the circle; for a
      grid, a uniform point on one of its lines. Every mode is touched, none is found.
    """
    n = check_int(n, "n")
    centers = spec.centers.double()
    radii = centers.norm(dim=1)
    gaps = torch.cdist(centers, centers) + torch.eye(len(centers), dtype=torch.float64) * 1e9
    spacing = float(gaps.min())
    std = check_positive(3 * spec.sigma if std is None else std, "std")
    if kind == "box":
        lo, hi = centers.min(0).values - spacing / 2, centers.max(0).values + spacing / 2
        out = lo + (hi - lo) * torch.rand(n, 2, generator=generator, dtype=torch.float64)
    elif kind == "smeared" and float(radii.max() - radii.min()) < 1e-6 * float(radii.max()):   # a ring
        angle = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
        radius = float(radii[0]) + std * torch.randn(n, generator=generator, dtype=torch.float64)
        out = radius[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    elif kind == "smeared":                                                   # a grid: its lines
        coords = torch.unique(centers[:, 0])
        lo, hi = float(coords.min()), float(coords.max())
        along = lo + (hi - lo) * torch.rand(n, generator=generator, dtype=torch.float64)
        across = coords[torch.randint(len(coords), (n,), generator=generator)]
        across = across + std * torch.randn(n, generator=generator, dtype=torch.float64)
        vertical = torch.rand(n, generator=generator) < 0.5
        out = torch.where(vertical[:, None], torch.stack([across, along], 1), torch.stack([along, across], 1))
    else:
        raise ValueError(f"kind must be 'box' or 'smeared', got {kind!r}")
    return out.float()
