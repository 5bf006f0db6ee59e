"""Interactive explorers for the text notebooks (notebook 07). Where widgets do not render
(a code host, an unrun notebook, the course website) the explorer's cell shows a static
figure of what the slider controls instead (see :func:`gan_helpers.common.display.with_static_fallback`)."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from ...common.checks import check_int
from ..core.sampling import check_temperature, gumbel_noise, gumbel_softmax
from ..methods.gumbel_gan import relaxed_entropy
from .plots import draw_relaxed_sample

__all__ = ["temperature_explorer"]


def temperature_explorer(logits: torch.Tensor, *, num_samples: int = 500, top_k: int = 12, temperature: float = 1.0,
                         seed: int = 0):
    """A temperature slider (notebook 07): for next-word ``logits`` ``(K,)``, one Gumbel-softmax
    vector drawn over *its own* ``top_k`` largest entries next to softmax(logits), and the
    mean entropy and largest entry of ``num_samples`` relaxed vectors. The Gumbel noise is
    fixed (``seed``), so moving the slider changes only the temperature: the argmax stays,
    the spread around it changes. No training inside. Returns the widget; its ``redraw``
    attribute redraws at the slider's value."""
    import ipywidgets as widgets

    from ...common.display import LABEL_STYLE, with_static_fallback

    logits = logits.detach().float()
    if logits.dim() != 1 or len(logits) < 2:
        raise ValueError(f"logits must be a 1-D tensor of K >= 2 scores, got shape {tuple(logits.shape)}")
    noise = gumbel_noise((check_int(num_samples, "num_samples"), len(logits)),
                         generator=torch.Generator().manual_seed(seed))
    top_k = min(check_int(top_k, "top_k"), len(logits))
    slider = widgets.FloatLogSlider(value=check_temperature(temperature), base=10, min=-2, max=1, step=0.05,
                                    description="temperature", style=LABEL_STYLE)
    out = widgets.Output()

    def redraw(_=None):
        y = gumbel_softmax(logits, slider.value, noise=noise)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(8, 2.8))
            draw_relaxed_sample(ax, logits, noise[0], slider.value, top_k=top_k)
            plt.show()
            print(f"tau={slider.value:.3f}: mean entropy {relaxed_entropy(y):.3f} nats (one-hot: 0, uniform: "
                  f"{math.log(len(logits)):.2f}); mean largest entry {y.amax(-1).mean():.3f}")

    slider.observe(redraw, "value")
    redraw()
    box = with_static_fallback(widgets.VBox([slider, out]), _readout_figure(logits, noise, slider),
                               "Temperature explorer: a slider from 0.01 to 10 that redraws one relaxed sample and "
                               "prints the mean entropy and largest entry of the relaxed vectors. Run the notebook to "
                               "move it; without a running kernel, the figure shows both read-outs over the slider's "
                               "whole range.")
    box.redraw = redraw
    return box


def _readout_figure(logits: torch.Tensor, noise: torch.Tensor, slider):
    """The slider's two read-outs (mean entropy, mean largest entry) over its whole range."""
    taus = np.logspace(slider.min, slider.max, 31)
    ys = [gumbel_softmax(logits, float(t), noise=noise) for t in taus]
    fig, axes = plt.subplots(1, 2, figsize=(10, 2.6))
    axes[0].plot(taus, [relaxed_entropy(y) for y in ys])
    axes[0].axhline(math.log(len(logits)), color="grey", ls=":", label="uniform")
    axes[0].set(xscale="log", xlabel="temperature", ylabel="mean entropy (nats)")
    axes[0].legend(fontsize=8)
    axes[1].plot(taus, [float(y.amax(-1).mean()) for y in ys])
    axes[1].set(xscale="log", xlabel="temperature", ylabel="mean largest entry", ylim=(0, 1.05))
    fig.tight_layout()
    return fig
