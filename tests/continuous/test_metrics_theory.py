import math

import numpy as np
import pytest
import torch
from scipy import stats

from gan_helpers import (compare_with_optimal_discriminator, fit_discriminator, gaussian_pdf, kde_density, spread_push, grid_mixture, js_divergence, ks_statistic, mean_std,
                         mixture_pdf_1d, mode_metrics, optimal_discriminator, ring_mixture, sample_mixture,
                         value_function, wasserstein_1)


def test_mean_std_and_1d_distances_hand_cases():
    assert mean_std([1.0, 2.0, 3.0]) == (2.0, 1.0)
    assert ks_statistic([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert ks_statistic([0.0, 0.0], [1.0, 1.0]) == 1.0
    assert wasserstein_1([0.0, 1.0], [2.0, 3.0]) == pytest.approx(2.0)
    assert wasserstein_1(torch.zeros(5, 1), torch.ones(5, 1)) == pytest.approx(1.0)


@pytest.mark.parametrize("fn", [mean_std, lambda a: ks_statistic(a, [1.0, 2.0]), lambda a: wasserstein_1(a, [1.0])])
def test_1d_metrics_reject_nan_and_bad_shapes(fn):
    with pytest.raises(ValueError, match="NaN"):
        fn([1.0, float("nan"), 2.0])
    with pytest.raises(ValueError, match="1-D samples"):
        fn(np.zeros((4, 2)))


def test_mode_metrics_perfect_collapsed_and_off_mode():
    spec = ring_mixture()
    perfect = mode_metrics(sample_mixture(spec, 4000), spec)
    assert perfect["modes"] == 8 and perfect["high_quality"] > 0.98 and perfect["reverse_kl"] < 0.01
    one_mode = spec.centers[[0]].repeat(500, 1)
    collapsed = mode_metrics(one_mode, spec)
    assert collapsed["modes"] == 1 and collapsed["reverse_kl"] == pytest.approx(math.log(8))
    nowhere = mode_metrics(torch.zeros(100, 2), spec)   # the centre of the ring: no mode near
    assert nowhere["modes"] == 0 and nowhere["high_quality"] == 0 and math.isinf(nowhere["reverse_kl"])


def test_mode_metrics_hand_computed_reverse_kl():
    spec = grid_mixture()
    # 3 samples on mode 0, 1 on mode 1: q = (3/4, 1/4), p uniform over 25
    pts = spec.centers[[0, 0, 0, 1]]
    m = mode_metrics(pts, spec, min_count=1)
    expected = 0.75 * math.log(0.75 * 25) + 0.25 * math.log(0.25 * 25)
    assert m["reverse_kl"] == pytest.approx(expected) and m["modes"] == 2
    assert mode_metrics(pts, spec, min_count=2)["modes"] == 1


def test_mode_metrics_bad_input():
    spec = ring_mixture()
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        mode_metrics(torch.zeros(10, 3), spec)
    with pytest.raises(ValueError, match="NaN"):
        mode_metrics(torch.tensor([[0.0, float("nan")]]), spec)


def test_optimal_discriminator_and_value_identity():
    x = np.linspace(-10, 10, 4001)
    p, q = gaussian_pdf(x, 0, 1), gaussian_pdf(x, 1.5, 0.7)
    d = optimal_discriminator(p, q)
    assert np.all((d >= 0) & (d <= 1))
    assert value_function(d, p, q, x) == pytest.approx(-math.log(4) + 2 * js_divergence(p, q, x), abs=1e-6)
    assert js_divergence(p, p, x) == pytest.approx(0, abs=1e-12)
    assert js_divergence(p, gaussian_pdf(x, 8, 0.3), x) == pytest.approx(math.log(2), abs=1e-4)


def test_theory_bad_input():
    x = np.linspace(-1, 1, 11)
    with pytest.raises(ValueError, match="has shape"):
        js_divergence(np.ones(11), np.ones(10), x)
    with pytest.raises(ValueError, match="increasing"):
        js_divergence(np.ones(3), np.ones(3), np.array([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="negative"):
        value_function(np.full(11, 0.5), -np.ones(11), np.ones(11), x)
    with pytest.raises(ValueError, match="weights"):
        mixture_pdf_1d(x, [0, 1], [1, 1], weights=[0.9, 0.2])
    with pytest.raises(ValueError, match="std"):
        gaussian_pdf(x, 0, 0)


def test_fit_discriminator_approaches_optimum():
    real, fake = torch.randn(4000, 1) - 1, torch.randn(4000, 1) + 1
    d = fit_discriminator(real, fake, hidden=16, num_steps=300)
    x = np.linspace(-2, 2, 41)
    d_star = optimal_discriminator(gaussian_pdf(x, -1, 1), gaussian_pdf(x, 1, 1))
    with torch.no_grad():
        got = torch.sigmoid(d(torch.tensor(x, dtype=torch.float32)[:, None])).squeeze(1).numpy()
    assert np.abs(got - d_star).mean() < 0.05
    with pytest.raises(ValueError, match=r"real must have shape \(n, 1\)"):
        fit_discriminator(torch.randn(10), fake)


def test_kde_density_and_spread_push():
    x = np.linspace(-2, 10, 2401)
    samples = np.random.default_rng(0).normal(4.0, 0.5, 20_000)
    p = kde_density(samples, x)
    assert np.trapezoid(p, x) == pytest.approx(1.0, abs=1e-3)
    assert np.abs(p - gaussian_pdf(x, 4.0, 0.5)).max() < 0.05
    for few in (samples[:500], np.random.default_rng(2).gamma(2.0, 0.1, 700)):     # agrees with scipy's KDE
        exact = stats.gaussian_kde(few)(x)
        assert np.abs(kde_density(few, x) - exact).max() < 0.01 * exact.max()
    assert spread_push(samples, np.full_like(x, 0.5), x) == pytest.approx(0.0)    # a flat D asks nothing
    p_data = gaussian_pdf(x, 4.0, 0.5)
    for std, sign in ((0.1, 1), (1.0, -1)):           # D* spreads a narrow generator, gathers a wide one
        d_star = optimal_discriminator(p_data, gaussian_pdf(x, 4.0, std))
        assert sign * spread_push(np.random.default_rng(1).normal(4.0, std, 5000), d_star, x) > 0.1
    with pytest.raises(ValueError, match="not all equal"):
        kde_density(np.full(10, 4.0), x)


def test_compare_with_optimal_discriminator_hand_cases():
    x = np.linspace(-2, 10, 4001)
    p_data = gaussian_pdf(x, 4.0, 0.5)
    samples = np.random.default_rng(0).normal(3.94, 0.106, 10_000)
    # the example: a per-sample D* sees this narrowing (JSD 0.29 nats, E_data D* 0.74 exactly)
    chance = compare_with_optimal_discriminator(np.full_like(x, 0.5), samples, p_data, x)
    assert chance["JSD"] == pytest.approx(0.29, abs=0.01) and chance["E_data D*"] == pytest.approx(0.74, abs=0.01)
    assert chance["E_data D"] == pytest.approx(0.5, abs=1e-3) and chance["push of D"] == pytest.approx(0.0)
    assert chance["V(D*) - V(D)"] == pytest.approx(2 * chance["JSD"], abs=1e-3)    # a guess leaves 2 JSD
    assert chance["share of 2 JSD"] == pytest.approx(0.0, abs=1e-3)
    assert chance["push of D*"] > 0.1
    best = compare_with_optimal_discriminator(optimal_discriminator(p_data, kde_density(samples, x)), samples, p_data, x)
    assert best["V(D*) - V(D)"] == pytest.approx(0.0, abs=1e-9) and best["E_g D"] == pytest.approx(best["E_g D*"])
    assert best["share of 2 JSD"] == pytest.approx(1.0, abs=1e-3)
    with pytest.raises(ValueError, match="shape"):
        compare_with_optimal_discriminator(np.full(10, 0.5), samples, p_data, x)
