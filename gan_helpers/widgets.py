"""ipywidgets explorers (notebooks 01-03) and the static fallback every course widget carries.

A widget renders only beside a running kernel. Everywhere else (a code host, the course
website, a notebook just opened in JupyterLab and not yet run) the reader gets the next
format in the widget's output instead, which for a bare widget is its ``repr``:
``VBox(children=(HBox(...``. :func:`with_static_fallback` puts a static figure of the same
thing (a PNG) and a one-line sentence in that place, so the reader still sees the idea.
"""
from __future__ import annotations

import base64
import io
import math
from typing import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .theory import gaussian_pdf, js_divergence, optimal_discriminator, value_function
from .training import History

__all__ = ["LABEL_STYLE", "with_static_fallback", "StaticFallbackBox", "draw_optimal_discriminator",
           "optimal_discriminator_explorer", "snapshot_slider"]

WIDGET_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"
LABEL_STYLE = {"description_width": "initial"}   # slider labels in full, never cut to "temperat…"
MASS_Z = 3.5   # a Gaussian keeps 99.95% of its mass within 3.5 std of its mean


class StaticFallbackBox(widgets.VBox):
    """A VBox that shows as its widgets where a kernel runs and as a static PNG figure (and,
    in plain text, a sentence) where widgets cannot render. Made by :func:`with_static_fallback`."""

    def __init__(self, children, *, png: bytes, text: str, **kwargs):
        super().__init__(children, **kwargs)
        self.fallback_png, self.fallback_text = png, text

    def _repr_mimebundle_(self, **kwargs):
        # Front ends pick the richest format they can show: the live widget where a kernel
        # runs, else the PNG (an untrusted notebook, a code host, the website), else the text.
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.fallback_png).decode("ascii")
        bundle["text/plain"] = self.fallback_text
        return bundle


def _figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)       # shown only as the fallback, never a second time below the cell
    return buf.getvalue()


def with_static_fallback(widget: widgets.Widget, figure, text: str) -> StaticFallbackBox:
    """Wrap ``widget`` so that where it cannot render, its cell shows ``figure`` (a matplotlib
    figure of the same thing, e.g. a grid of representative slider positions; it is closed
    here) and, in plain text, the sentence ``text`` (notebook 01; every course widget)."""
    if not isinstance(widget, widgets.Widget):
        raise TypeError(f"widget must be an ipywidgets widget, got {type(widget).__name__}")
    if not hasattr(figure, "savefig"):
        raise TypeError(f"figure must be a matplotlib figure, got {type(figure).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a sentence saying what the widget does and how to use it")
    return StaticFallbackBox([widget], png=_figure_png(figure), text=text.strip())


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
