import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gan_helpers import (History, plot_density_snapshots, plot_replica_densities, plot_scatter_snapshots,  # noqa: E402
                         plot_snapshot_grid, ring_mixture)


def _history(snapshots):
    return History(d_loss=np.zeros(3), g_loss=np.zeros(3), d_real=np.zeros(3), d_fake=np.zeros(3), snapshots=snapshots)


def test_replica_densities_one_panel_per_replica():
    rng = np.random.default_rng(0)
    hs = [_history({0: rng.normal(4, 0.5, (200, 1)), 10: rng.normal(4, 0.2, (200, 1))}) for _ in range(7)]
    fig = plot_replica_densities(hs, rng.normal(4, 0.5, 500), ncols=4, label=lambda r, h: f"run {r}")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [f"run {r}" for r in range(7)] and len(fig.axes) == 8
    plt.close(fig)
    with pytest.raises(ValueError, match="no snapshot at steps"):
        plot_replica_densities(hs, np.zeros(5), step=5)
    with pytest.raises(ValueError, match="at least one history"):
        plot_replica_densities([], np.zeros(5))
    with pytest.raises(TypeError, match="History"):
        plot_replica_densities([{"not": "a history"}], np.zeros(5))


def test_snapshot_grid_rows_are_runs_and_columns_steps():
    spec = ring_mixture()
    runs = {name: _history({s: np.random.default_rng(s).normal(size=(50, 2)) for s in (0, 5, 10)}) for name in "abc"}
    fig = plot_snapshot_grid(runs, spec, steps=[5, 10])
    assert len(fig.axes) == 6 and [ax.get_ylabel() for ax in fig.axes[::2]] == ["a", "b", "c"]
    assert fig.axes[1].get_title() == "step 10"
    plt.close(fig)
    with pytest.raises(ValueError, match="no snapshot at steps"):
        plot_snapshot_grid(runs, spec, steps=[7])
    fig = plot_scatter_snapshots(runs["a"], spec, ncols=2)
    assert sum(ax.axison for ax in fig.axes) == 3
    fig = plot_density_snapshots(_history({0: np.zeros((5, 1)) + 4}), np.random.default_rng(0).normal(4, 1, 100))
    plt.close("all")
