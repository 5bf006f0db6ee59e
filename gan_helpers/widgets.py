"""ipywidgets explorers: the optimal discriminator (notebook 01) and a training-snapshot
scrubber (notebooks 02 and 03). On a code host widgets do not render, so each notebook also
draws a static figure of the same thing."""
from __future__ import annotations

import math
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .theory import gaussian_pdf, js_divergence, optimal_discriminator, value_function
from .training import History

__all__ = ["draw_optimal_discriminator", "optimal_discriminator_explorer", "snapshot_slider"]


def draw_optimal_discriminator(ax, x, p_data, p_g):
    """Plot p_data, p_g and D* on one axis; return (JSD, V(D*, G)) (notebook 01)."""
    d_star = optimal_discriminator(p_data, p_g)
    jsd, v = js_divergence(p_data, p_g, x), value_function(d_star, p_data, p_g, x)
    ax.plot(x, p_data, label="$p_{data}$")
    ax.plot(x, p_g, label="$p_g$")
    ax.plot(x, d_star, "k--", label="$D^*(x)$")
    ax.set_ylim(0, max(1.05, p_data.max() * 1.1, p_g.max() * 1.1))
    ax.set_title(f"JSD = {jsd:.3f} nats,  V(D*, G) = {v:.3f}  (-log 4 = {-math.log(4):.3f})", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    return jsd, v


def optimal_discriminator_explorer(p_data: np.ndarray, x: np.ndarray, *, mean: float = 0.0, std: float = 1.0):
    """Sliders for the mean and std of a Gaussian p_g; redraws p_data, p_g, D*, JSD and
    V(D*, G) as you move them (notebook 01)."""
    out = widgets.Output()
    mean_slider = widgets.FloatSlider(value=mean, min=float(x.min()) + 1, max=float(x.max()) - 1, step=0.1,
                                      description="p_g mean")
    std_slider = widgets.FloatSlider(value=std, min=0.1, max=3.0, step=0.05, description="p_g std")

    def redraw(_=None):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 3))
            draw_optimal_discriminator(ax, x, p_data, gaussian_pdf(x, mean_slider.value, std_slider.value))
            plt.show()

    mean_slider.observe(redraw, "value")
    std_slider.observe(redraw, "value")
    redraw()
    return widgets.VBox([widgets.HBox([mean_slider, std_slider]), out])


def snapshot_slider(history: History, draw: Callable[[plt.Axes, np.ndarray, int], None], *,
                    figsize=(5, 3.5)):
    """A slider over the snapshot steps of a training run; ``draw(ax, samples, step)`` draws
    one (notebooks 02, 03)."""
    if not isinstance(history, History) or not history.snapshots:
        raise ValueError("snapshot_slider needs a History with snapshots; pass snapshot_steps= to train_gan")
    steps = sorted(history.snapshots)
    out = widgets.Output()
    slider = widgets.SelectionSlider(options=steps, value=steps[-1], description="step",
                                     layout=widgets.Layout(width="60%"))

    def redraw(_=None):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=figsize)
            draw(ax, history.snapshots[slider.value], slider.value)
            plt.show()

    slider.observe(redraw, "value")
    redraw()
    return widgets.VBox([slider, out])
