"""Plots of GAN training: losses, 1-D density snapshots, 2-D scatter snapshots.

Introduced in notebook 02 (losses, densities, one panel per replica) and 03 (scatter grids,
one row per method).
"""
from __future__ import annotations

from typing import Callable

import matplotlib.pyplot as plt
import numpy as np

from ..common.history import History
from .toy_data import MixtureSpec

__all__ = ["plot_losses", "plot_density_snapshots", "plot_scatter_snapshots", "plot_density_step", "plot_scatter_step",
           "plot_replica_densities", "plot_snapshot_grid", "plot_mode_masses", "plot_metric_curves"]


def _check_history(history) -> None:
    if not isinstance(history, History):
        raise TypeError(f"expected the History returned by train_gan, got {type(history).__name__}")


def plot_losses(history: History, *, smooth: int = 50, ax=None, title: str | None = None):
    """Discriminator and generator losses, plus mean D(x) and D(G(z)), over training (notebook 02).
    ``smooth`` is a moving-average window in steps (1 to show raw values)."""
    _check_history(history)
    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(10, 3.2))
    window = max(1, min(smooth, len(history.d_loss)))
    kernel = np.ones(window) / window
    # "valid" averages only full windows, so the curve does not dip at either end;
    # each average is plotted at the last step of its window.
    steps = np.arange(window, len(history.d_loss) + 1)
    sm = lambda y: np.convolve(y, kernel, mode="valid")  # noqa: E731
    ax[0].plot(steps, sm(history["d_loss"]), label="D loss")
    ax[0].plot(steps, sm(history["g_loss"]), label="G loss")
    ax[0].axhline(np.log(4), color="grey", ls=":", lw=1, label="log 4 (D loss at equilibrium)")
    ax[0].set_xlabel("step"), ax[0].legend(fontsize=8), ax[0].set_title(title or "losses")
    ax[1].plot(steps, sm(history["d_real"]), label="mean D(x)")
    ax[1].plot(steps, sm(history["d_fake"]), label="mean D(G(z))")
    ax[1].axhline(0.5, color="grey", ls=":", lw=1)
    ax[1].set_ylim(0, 1), ax[1].set_xlabel("step"), ax[1].legend(fontsize=8), ax[1].set_title("discriminator outputs")
    return ax


def plot_density_step(ax, samples: np.ndarray, real: np.ndarray, *, bins: np.ndarray, label: str = "generated"):
    """One panel: histogram-density of real vs generated 1-D samples (notebook 02)."""
    ax.hist(real.ravel(), bins=bins, density=True, alpha=0.35, color="C0", label="real")
    ax.hist(samples.ravel(), bins=bins, density=True, histtype="step", lw=2, color="C1", label=label)


def plot_density_snapshots(history: History, real: np.ndarray, *, steps=None, bins=None, ncols: int = 5,
                           title: str = ""):
    """Generated vs real 1-D densities at the recorded snapshot steps (notebook 02)."""
    _check_history(history)
    steps = _check_steps(history, steps)
    real = np.asarray(real)
    bins = np.linspace(real.min() - 1.5, real.max() + 1.5, 60) if bins is None else bins
    fig, axes = _grid(len(steps), ncols, (2.6, 2.2))
    for ax, step in zip(axes.flat, steps):
        plot_density_step(ax, history.snapshots[step], real, bins=bins)
        ax.set_title(f"step {step}", fontsize=9)
        ax.set_yticks([])
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _grid(n: int, ncols: int, size: tuple[float, float]):
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    return fig, axes


def _check_steps(history: History, steps) -> list[int]:
    steps = sorted(history.snapshots) if steps is None else list(steps)
    missing = [s for s in steps if s not in history.snapshots]
    if missing or not steps:
        raise ValueError(f"no snapshot at steps {missing or steps}; recorded: {sorted(history.snapshots)}")
    return steps


def plot_scatter_step(ax, samples: np.ndarray, spec: MixtureSpec, *, lim: float | None = None, max_points: int = 1000):
    """One panel: generated 2-D samples with the mode centres marked (notebook 03)."""
    centers = spec.centers.numpy()
    lim = float(np.abs(centers).max() * 1.5 + 5 * spec.sigma) if lim is None else lim
    pts = np.asarray(samples)[:max_points]
    ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5, color="C1")
    ax.scatter(centers[:, 0], centers[:, 1], s=12, marker="x", color="k", lw=0.8)
    ax.set_xlim(-lim, lim), ax.set_ylim(-lim, lim), ax.set_aspect("equal")
    ax.set_xticks([]), ax.set_yticks([])


def plot_scatter_snapshots(history: History, spec: MixtureSpec, *, steps=None, ncols: int = 5, title: str = "",
                           max_points: int = 1000, lim: float | None = None):
    """Generated 2-D samples over training, mode centres marked (notebook 03)."""
    _check_history(history)
    steps = _check_steps(history, steps)
    fig, axes = _grid(len(steps), ncols, (2.3, 2.3))
    for ax, step in zip(axes.flat, steps):
        plot_scatter_step(ax, history.snapshots[step], spec, lim=lim, max_points=max_points)
        ax.set_title(f"step {step}", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_snapshot_grid(runs: dict[str, History], spec: MixtureSpec, *, steps, title: str = "",
                       max_points: int = 1000, lim: float | None = None):
    """One row per run (say, per method), one column per snapshot step (notebook 03)."""
    if not runs:
        raise ValueError("plot_snapshot_grid needs at least one run")
    steps = list(steps)
    for history in runs.values():
        _check_history(history)
        _check_steps(history, steps)
    fig, axes = plt.subplots(len(runs), len(steps), figsize=(1.8 * len(steps), 1.9 * len(runs)), squeeze=False)
    for row, (name, history) in zip(axes, runs.items()):
        for ax, step in zip(row, steps):
            plot_scatter_step(ax, history.snapshots[step], spec, lim=lim, max_points=max_points)
        row[0].set_ylabel(name, fontsize=9)
    for ax, step in zip(axes[0], steps):
        ax.set_title(f"step {step}", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_replica_densities(histories: list[History], real: np.ndarray, *, step: int | None = None, ncols: int = 5,
                           bins=None, title: str = "", label: Callable[[int, History], str] | None = None):
    """The generated density of every replica at one snapshot step (default: the last),
    one small panel each, against the real one (notebook 02). ``label(r, history)`` titles
    panel ``r``."""
    if not histories:
        raise ValueError("plot_replica_densities needs at least one history")
    for history in histories:
        _check_history(history)
    step = max(histories[0].snapshots) if step is None else step
    for history in histories:
        _check_steps(history, [step])
    real = np.asarray(real)
    bins = np.linspace(real.min() - 1.5, real.max() + 1.5, 60) if bins is None else bins
    fig, axes = _grid(len(histories), ncols, (2.2, 1.7))
    for r, (ax, history) in enumerate(zip(axes.flat, histories)):
        plot_density_step(ax, history.snapshots[step], real, bins=bins)
        ax.set_yticks([])
        ax.set_title(label(r, history) if label else f"replica {r}", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_mode_masses(histories: list[History], masses: list[np.ndarray], *, titles=None, ncols: int = 5):
    """Where each run's samples sit over training (notebook 03): one panel per run, one row
    per mode, one column per evaluation; the colour is the mode's mass (the share of all
    samples on it with high quality, from :func:`~gan_helpers.continuous.metrics.mode_masses`).
    A collapsing GAN shows bright rows that fade while others light up: mass moving."""
    if not histories or len(histories) != len(masses):
        raise ValueError("plot_mode_masses needs one mass array per history")
    fig, axes = _grid(len(histories), ncols, (2.6, 2.4))
    vmax = max(float(np.max(m)) for m in masses)
    for i, (ax, h, m) in enumerate(zip(axes.flat, histories, masses)):
        _check_history(h)
        steps = np.asarray(h.steps)
        image = ax.imshow(np.asarray(m).T, aspect="auto", origin="lower", cmap="magma", vmin=0, vmax=vmax,
                          extent=(steps[0], steps[-1], -0.5, m.shape[1] - 0.5), interpolation="nearest")
        ax.set_title(titles[i] if titles else f"replica {i}", fontsize=9)
        ax.set_xlabel("step", fontsize=8), ax.set_ylabel("mode", fontsize=8)
        ax.tick_params(labelsize=7), ax.grid(False)
    fig.subplots_adjust(hspace=0.55, wspace=0.3, right=0.86)
    fig.colorbar(image, cax=fig.add_axes((0.89, 0.15, 0.015, 0.7)), label="mass on the mode")
    return fig


def plot_metric_curves(runs: dict[str, list[History]], metric: str, *, ax=None, scale: float = 1.0,
                       styles: dict | None = None):
    """Mean ± standard error over replicas of ``metric`` against training steps, one curve per
    run (notebook 03: the high-quality share of every long run)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, histories in runs.items():
        for h in histories:
            _check_history(h)
        values = scale * np.stack([h[metric] for h in histories])
        mean, se = values.mean(0), values.std(0, ddof=1) / np.sqrt(len(values))
        steps = np.asarray(histories[0].steps)
        line, = ax.plot(steps, mean, label=label, **(styles or {}).get(label, {}))
        ax.fill_between(steps, mean - se, mean + se, color=line.get_color(), alpha=0.2)
    ax.set_xlabel("generator updates"), ax.legend(fontsize=8)
    return ax
