"""Notebook 03's coverage tools: mode counts and the strict rule, the noise floor, mode masses
over training, the tables and plots, PacGAN's packing in the shipped runs, and bad input."""
import math

import matplotlib
import numpy as np
import pytest
import torch

from gan_helpers import (MIXTURE_RUNS, MixtureSpec, TrainGANConfig, final_metrics, grid_mixture, mass_moved,
                         mean_se, mode_counts, mode_masses, mode_metrics, mode_report, mode_table,
                         noise_floor_samples, pack_samples, plot_metric_curves, plot_mode_masses, ring_mixture,
                         sample_mixture)
from gan_helpers.common.history import History

matplotlib.use("Agg")


def test_mode_counts_and_the_strict_rule():
    spec = ring_mixture()
    # 98 samples on mode 0, 2 on mode 1: both covered by one sample, only mode 0 holds a quarter
    # of its fair share (100 / 8 = 12.5 samples)
    pts = torch.cat([spec.centers[[0]].repeat(98, 1), spec.centers[[1]].repeat(2, 1)])
    counts, share = mode_counts(pts, spec)
    assert counts.tolist() == [98, 2, 0, 0, 0, 0, 0, 0] and share == 1.0
    m = mode_metrics(pts, spec)
    assert m["modes"] == 2 and m["strict_modes"] == 1
    assert mode_metrics(pts, spec, min_share=0.05)["strict_modes"] == 2
    with pytest.raises(ValueError, match="min_share"):
        mode_metrics(pts, spec, min_share=0.0)


@pytest.mark.parametrize("spec", [ring_mixture(), grid_mixture()], ids=["ring", "grid"])
def test_noise_floor_covers_modes_loosely_but_none_strictly(spec):
    torch.manual_seed(0)
    real = mode_metrics(sample_mixture(spec, 2500), spec)
    assert real["strict_modes"] == spec.num_modes
    for kind in ("box", "smeared"):
        x = noise_floor_samples(spec, 2500, kind)
        assert x.shape == (2500, 2)
        m = mode_metrics(x, spec)
        assert m["strict_modes"] == 0 and m["high_quality"] < 0.1
        assert m["modes"] >= spec.num_modes // 2          # the loose rule is fooled
    smeared = mode_metrics(noise_floor_samples(spec, 2500, "smeared"), spec)
    assert smeared["modes"] == spec.num_modes and smeared["reverse_kl"] < 0.1
    box = noise_floor_samples(grid_mixture(), 5000, "box")
    assert box.abs().max() <= 5.0 and box.abs().max() > 4.8


def test_noise_floor_bad_input():
    with pytest.raises(ValueError, match="kind must be 'box' or 'smeared'"):
        noise_floor_samples(ring_mixture(), 10, "gaussian")
    with pytest.raises(ValueError, match="std must be"):
        noise_floor_samples(ring_mixture(), 10, "smeared", std=0.0)


def test_a_mixture_needs_two_modes():
    with pytest.raises(ValueError, match="num_modes >= 2"):
        ring_mixture(1)
    with pytest.raises(ValueError, match="side >= 2"):
        grid_mixture(1)
    with pytest.raises(ValueError, match="at least two modes"):
        MixtureSpec(torch.zeros(1, 2), 0.1)


def _history(spec, shares_per_step):
    """A History whose evaluations put the given share of 1,000 samples on each mode."""
    h = History()
    for step, shares in enumerate(shares_per_step):
        counts = (np.asarray(shares) * 1000).astype(int)
        pts = torch.cat([spec.centers[[k]].repeat(int(c), 1) for k, c in enumerate(counts) if c] +
                        [torch.full((1000 - counts.sum(), 2), 9.0)])
        h.log(100 * step, **mode_report(pts, spec))
    return h


def test_mode_masses_follow_mass_moving_between_modes():
    spec = ring_mixture(4)
    h = _history(spec, [[0.5, 0.5, 0, 0], [0.5, 0, 0.5, 0], [0.25, 0, 0.25, 0]])
    masses = mode_masses(h)
    assert masses.shape == (3, 4) and np.allclose(masses[1], [0.5, 0, 0.5, 0])
    assert np.allclose(mass_moved(masses), [0.5, 0.0])       # blurring in place moves nothing
    gap = mass_moved(np.array([[0.5, 0.5], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))   # no HQ sample at the 2nd
    assert np.isnan(gap[:2]).all() and gap[2] == 1.0
    with pytest.raises(KeyError, match="mode_report"):
        mode_masses(History(metrics={"modes": [1.0]}, steps=[0]))
    with pytest.raises(ValueError, match="evaluations >= 2"):
        mass_moved(masses[:1])


def test_mean_se_and_the_table():
    assert mean_se([1.0, 2.0, 3.0]) == f"2.0 ± {1 / math.sqrt(3):.1f}"
    assert mean_se([0.5, math.inf], digits=2) == "0.50 ± nan (+1 runs: ∞)"
    assert mean_se([math.inf]) == "∞ (all 1 runs)"
    with pytest.raises(ValueError, match="at least one value"):
        mean_se([])
    spec = ring_mixture(4)
    runs = [_history(spec, [[0.25] * 4]), _history(spec, [[0.5, 0.5, 0, 0]])]
    table = mode_table({"two runs": final_metrics(runs), "noise": [mode_metrics(torch.full((10, 2), 9.0), spec)]})
    assert table.loc["two runs", "modes"] == "3.0 ± 1.0" and table.loc["two runs", "runs"] == 2
    assert table.loc["noise", "reverse KL"] == "∞ (all 1 runs)"
    with pytest.raises(TypeError, match="History"):
        final_metrics([{"modes": 1}])
    with pytest.raises(ValueError, match="has no runs"):
        mode_table({"empty": []})


def test_plots_draw():
    spec = ring_mixture(4)
    runs = [_history(spec, [[0.25] * 4, [0.5, 0.5, 0, 0]]) for _ in range(2)]
    fig = plot_mode_masses(runs, [mode_masses(h) for h in runs], titles=["a", "b"])
    assert len(fig.axes) >= 2
    ax = plot_metric_curves({"vanilla": runs}, "high_quality", scale=100)
    assert len(ax.lines) == 1
    with pytest.raises(ValueError, match="one mass array per history"):
        plot_mode_masses(runs, [])


def test_shipped_runs_pack_as_pacgan_packs():
    for name, run in MIXTURE_RUNS.items():
        assert run.config.batch_size == 100 * run.config.pack, name     # 100 packs of m samples per minibatch
        assert run.config.num_eval_samples == 2500
    assert {r.config.pack for r in MIXTURE_RUNS.values()} == {1, 2, 4}
    with pytest.raises(ValueError, match="use batch_size=300"):
        TrainGANConfig(num_steps=5, batch_size=100, pack=3)
    with pytest.raises(ValueError, match="use a batch_size divisible by pack"):
        pack_samples(torch.zeros(10, 2), 4)


@pytest.mark.parametrize("name", sorted(MIXTURE_RUNS))
def test_every_shipped_record_matches_its_recipe_and_rescores(name):
    from gan_helpers.continuous import recipes
    assert recipes.check(name) == "10 replicas, final samples re-scored"
