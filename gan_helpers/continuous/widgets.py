"""ipywidgets explorers of notebooks 01 and 02: move p_g and watch D* and the JSD; step
through a training run's snapshots. Each carries a static fallback figure
(:func:`~gan_helpers.common.display.with_static_fallback`) for readers without a kernel.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..common.display import LABEL_STYLE, with_static_fallback
from ..common.history import History
from .theory import gaussian_pdf, js_divergence, optimal_discriminator, value_function

__all__ = ["draw_optimal_discriminator", "optimal_discriminator_explorer", "snapshot_slider"]

MASS_Z = 3.5   # a Gaussian keeps 99.95% of its mass within 3.5 std of its mean

def _num(value: float) -> str:
    return f"{value:.3f}".replace("-0.000", "0.000")     # V is exactly 0 when the supports part


def draw_optimal_discriminator(ax, x, p_data, p_g):
    """Plot p_data, p_g and D* on one axis; return (JSD, V(D*, G)) (notebook 01)."""
    d_star = optimal_discriminator(p_data, p_g)
    jsd, v = js_divergence(p_data, p_g, x), value_function(d_star, p_data, p_g, x)
    ax.plot(x, p_data, label="$p_{data}$")
    ax.plot(x, p_g, label="$p_g$")
    ax.plot(x, d_star, "k--", label="$D^*(x)$")
    ax.set_ylim(0, max(1.05, p_data.max() * 1.1, p_g.max() * 1.1))
    ax.set_title(f"JSD = {jsd:.3f} nats,  V(D*, G) = {_num(v)}  (-log 4 = {-math.log(4):.3f})", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    return jsd, v


def _explorer_ranges(x: np.ndarray, std_range, step: float):
    lo_std, hi_std = (float(s) for s in std_range)
    dx = float(x[1] - x[0])
    if not 0 < lo_std < hi_std:
        raise ValueError(f"std_range must be (low, high) with 0 < low < high, got {std_range}")
    if lo_std < 10 * dx:
        raise ValueError(f"the smallest std {lo_std} is under 10 grid steps ({10 * dx:.3g}); use a finer grid x")
    # Every slider position keeps >= 99.9% of p_g on the grid: the mean stays MASS_Z of the
    # widest std inside its ends, rounded inwards to the slider's step.
    half = min(-float(x[0]), float(x[-1])) - MASS_Z * hi_std
    half = math.floor(round(half / step, 9)) * step
    if half <= 0:
        raise ValueError(f"the grid [{x[0]:g}, {x[-1]:g}] is too narrow for p_g's std up to {hi_std}: "
                         f"widen x to more than ±{MASS_Z * hi_std:g} or lower std_range")
    return (-half, half), (lo_std, hi_std)


def optimal_discriminator_explorer(p_data: np.ndarray, x: np.ndarray, *, mean: float = 0.0, std: float = 1.0,
                                   std_range=(0.1, 2.0), step: float = 0.1,
                                   fallback_positions: Sequence[tuple[float, float]] | None = None):
    """Sliders for the mean and std of a Gaussian p_g; redraws p_data, p_g and D*, and reads out
    the JSD, V(D*, G), -log 4 + 2 JSD and p_g's mass on the grid as you move them (notebook 01).

    The mean's range is set from the grid so that every slider position keeps at least 99.9%
    of p_g on ``x``: off the grid the integrals would break the identity being explored.
    ``fallback_positions`` are the (mean, std) pairs of the static figure shown where the
    widget cannot render (default: the start, and either end of the mean at the widest std)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < 3 or np.any(np.diff(x) <= 0) or np.asarray(p_data).shape != x.shape:
        raise ValueError("x must be an increasing 1-D grid and p_data an array of the same shape")
    (mean_lo, mean_hi), (std_lo, std_hi) = _explorer_ranges(x, std_range, step)
    if not (mean_lo <= mean <= mean_hi and std_lo <= std <= std_hi):
        raise ValueError(f"start (mean={mean}, std={std}) is outside the sliders: mean in [{mean_lo:g}, {mean_hi:g}], "
                         f"std in [{std_lo:g}, {std_hi:g}]")
    mean_slider = widgets.FloatSlider(value=mean, min=mean_lo, max=mean_hi, step=step, description="p_g mean",
                                      style=LABEL_STYLE)
    std_slider = widgets.FloatSlider(value=std, min=std_lo, max=std_hi, step=0.05, description="p_g std",
                                     style=LABEL_STYLE)
    readout, out = widgets.HTML(), widgets.Output()

    def redraw(_=None):
        p_g = gaussian_pdf(x, mean_slider.value, std_slider.value)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 3))
            jsd, v = draw_optimal_discriminator(ax, x, p_data, p_g)
            plt.show()
            plt.close(fig)
        readout.value = (f"JSD = {jsd:.3f} nats &nbsp;·&nbsp; V(D*, G) = {_num(v)} &nbsp;·&nbsp; "
                         f"−log 4 + 2·JSD = {_num(2 * jsd - math.log(4))} &nbsp;·&nbsp; "
                         f"p_g's mass on the grid: {100 * np.trapezoid(p_g, x):.2f}%")

    mean_slider.observe(redraw, "value")
    std_slider.observe(redraw, "value")
    redraw()
    box = widgets.VBox([widgets.HBox([mean_slider, std_slider]), readout, out])

    positions = list(fallback_positions or [(mean, std), (mean_lo, std_hi), (mean_hi, std_hi)])
    fig, axes = plt.subplots(1, len(positions), figsize=(4 * len(positions), 2.9), squeeze=False)
    for ax, (m, s) in zip(axes[0], positions):
        draw_optimal_discriminator(ax, x, p_data, gaussian_pdf(x, m, s))
        ax.set_title(ax.get_title().split(",")[0], fontsize=9)
        ax.set_xlabel(f"p_g mean {m:g}, std {s:g}")
        ax.set_xlim(mean_lo - 2 * std_hi, mean_hi + 2 * std_hi)
    fig.suptitle("The D* explorer at a few slider positions (run the notebook to move the sliders)", fontsize=10)
    fig.tight_layout()
    return with_static_fallback(box, fig, "D* explorer: sliders for p_g's mean and std that redraw p_data, "
                                          "p_g, D* and the JSD. Run the notebook to use them.")


def snapshot_slider(history: History, draw: Callable[[plt.Axes, np.ndarray, int], None], *,
                    figsize=(5, 3.5), fallback_panels: int = 4):
    """A slider over the snapshot steps of a training run; ``draw(ax, samples, step)`` draws
    one (notebooks 02, 03). Where the widget cannot render, its cell shows ``fallback_panels``
    snapshots side by side, from the first step to the last."""
    if not isinstance(history, History) or not history.snapshots:
        raise ValueError("snapshot_slider needs a History with snapshots; pass snapshot_steps= to train_gan")
    if not isinstance(fallback_panels, int) or fallback_panels < 1:
        raise ValueError(f"fallback_panels must be a positive integer, got {fallback_panels!r}")
    steps = sorted(history.snapshots)
    out = widgets.Output()
    slider = widgets.SelectionSlider(options=steps, value=steps[-1], description="step", style=LABEL_STYLE,
                                     layout=widgets.Layout(width="60%"))

    def redraw(_=None):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=figsize)
            draw(ax, history.snapshots[slider.value], slider.value)
            plt.show()
            plt.close(fig)

    slider.observe(redraw, "value")
    redraw()
    shown = [steps[round(i)] for i in np.linspace(0, len(steps) - 1, min(fallback_panels, len(steps)))]
    scale = min(1.0, 16 / (figsize[0] * len(shown)))         # at most 16 inches wide in all
    fig, axes = plt.subplots(1, len(shown), figsize=(figsize[0] * len(shown) * scale, figsize[1] * scale),
                             squeeze=False)
    for ax, step in zip(axes[0], shown):
        draw(ax, history.snapshots[step], step)
    fig.tight_layout()
    return with_static_fallback(widgets.VBox([slider, out]), fig,
                                f"Snapshot slider over {len(steps)} training steps; run the notebook to move it.")
