import pytest
import torch

from gan_helpers import (MixtureSpec, grid_mixture, mixture_log_density, ring_mixture, sample_gaussian_1d,
                         sample_mixture, stratified_noise)


def test_gaussian_1d_moments():
    x = sample_gaussian_1d(50_000, 4.0, 0.5)
    assert x.shape == (50_000, 1)
    assert abs(x.mean().item() - 4.0) < 0.01 and abs(x.std().item() - 0.5) < 0.01


@pytest.mark.parametrize("kwargs, match", [(dict(n=0), "n must be at least 1"), (dict(n=5, std=0), "std must be"),
                                           (dict(n=5, std=-1.0), "std must be")])
def test_gaussian_1d_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_gaussian_1d(**kwargs)


def test_stratified_noise_covers_range_evenly():
    z = stratified_noise(9, 8.0)
    assert z.shape == (9, 1)
    assert z.min().item() >= -8.0 and z.max().item() <= 8.0 + 0.01
    gaps = z.squeeze().diff()
    assert torch.allclose(gaps, torch.full_like(gaps, 2.0), atol=0.02)
    with pytest.raises(ValueError, match="noise_range"):
        stratified_noise(4, 0.0)


def test_ring_and_grid_match_pacgan_settings():
    ring = ring_mixture()
    assert ring.num_modes == 8 and ring.sigma == 0.01
    assert torch.allclose(ring.centers.norm(dim=1), torch.ones(8))
    grid = grid_mixture()
    assert grid.num_modes == 25 and grid.sigma == 0.05
    assert sorted(set(grid.centers[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


def test_sample_mixture_hits_every_mode():
    spec = grid_mixture()
    x = sample_mixture(spec, 5000)
    nearest = torch.cdist(x, spec.centers).argmin(1)
    assert x.shape == (5000, 2) and len(nearest.unique()) == 25
    assert (torch.cdist(x, spec.centers).min(1).values < 5 * spec.sigma).all()


def test_mixture_density_integrates_to_one():
    spec = ring_mixture(num_modes=4, radius=1.0, sigma=0.2)
    g = torch.linspace(-2.5, 2.5, 401)
    xx, yy = torch.meshgrid(g, g, indexing="ij")
    dens = mixture_log_density(spec, torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)).exp()
    assert abs(dens.sum().item() * (g[1] - g[0]).item() ** 2 - 1.0) < 1e-3


def test_mixture_spec_validation():
    with pytest.raises(ValueError, match="centers must have shape"):
        MixtureSpec(torch.zeros(3), 0.1)
    with pytest.raises(ValueError, match="sigma must be"):
        MixtureSpec(torch.zeros(3, 2), 0.0)
    with pytest.raises(ValueError, match="x must have shape"):
        mixture_log_density(ring_mixture(), torch.zeros(5, 3))
