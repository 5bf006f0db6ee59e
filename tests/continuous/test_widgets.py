"""Course widgets: the D* explorer keeps p_g on its grid, and every widget carries a static
fallback that a code host or an unrun notebook shows instead of the widget's repr."""
import base64
import itertools
import re
import warnings

import ipywidgets as widgets
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest

from gan_helpers import (History, gaussian_pdf, js_divergence, mixture_pdf_1d, optimal_discriminator,
                         optimal_discriminator_explorer, snapshot_slider, value_function, with_static_fallback)
from gan_helpers.common.display import WIDGET_VIEW_MIMETYPE

X = np.linspace(-12, 12, 24_001)            # notebook 01's grid
P_DATA = mixture_pdf_1d(X, means=[-2, 2], stds=[0.6, 0.6])


@pytest.fixture(autouse=True)
def _quiet_plots():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)       # plt.show() on the Agg backend
        yield
    plt.close("all")


def _sliders(box):
    found = []
    for child in box.children:
        if isinstance(child, (widgets.FloatSlider, widgets.SelectionSlider)):
            found.append(child)
        elif isinstance(child, widgets.Box):
            found += _sliders(child)
    return found


def _readout(box):
    (html,) = [c for c in box.children[0].children if isinstance(c, widgets.HTML)]
    return html.value


def test_explorer_keeps_999_permille_of_p_g_on_the_grid_over_the_whole_slider_range():
    explorer = optimal_discriminator_explorer(P_DATA, X)
    mean_slider, std_slider = _sliders(explorer)
    means = np.arange(mean_slider.min, mean_slider.max + 1e-9, mean_slider.step)
    stds = np.arange(std_slider.min, std_slider.max + 1e-9, std_slider.step)
    worst = min(np.trapezoid(gaussian_pdf(X, m, s), X) for m, s in itertools.product(means, stds))
    assert worst >= 0.999, f"p_g keeps only {worst:.4%} of its mass on the grid at some slider position"
    for m, s in itertools.product((mean_slider.min, mean_slider.max), (std_slider.min, std_slider.max)):
        mean_slider.value, std_slider.value = m, s            # what a learner can reach
        mass = float(re.search(r"mass on the grid: ([\d.]+)%", _readout(explorer)).group(1))
        assert mass >= 99.9, f"readout at mean {m}, std {s}: {mass}%"
        p_g = gaussian_pdf(X, m, s)
        v = value_function(optimal_discriminator(P_DATA, p_g), P_DATA, p_g, X)
        assert v == pytest.approx(-np.log(4) + 2 * js_divergence(P_DATA, p_g, X), abs=1e-3)


def test_explorer_rejects_a_grid_too_narrow_for_its_sliders_and_a_start_off_the_sliders():
    x = np.linspace(-5, 5, 5001)
    with pytest.raises(ValueError, match="too narrow"):
        optimal_discriminator_explorer(mixture_pdf_1d(x, [-2, 2], [0.6, 0.6]), x)
    with pytest.raises(ValueError, match="outside the sliders"):
        optimal_discriminator_explorer(P_DATA, X, mean=8.0)
    with pytest.raises(ValueError, match="same shape"):
        optimal_discriminator_explorer(P_DATA[:-1], X)


def _bundle(widget):
    return widget._repr_mimebundle_()


def test_explorer_displays_as_a_widget_with_a_static_figure_and_a_sentence_behind_it():
    bundle = _bundle(optimal_discriminator_explorer(P_DATA, X))
    assert WIDGET_VIEW_MIMETYPE in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert not bundle["text/plain"].startswith(("VBox(", "HBox(")) and "Run the notebook" in bundle["text/plain"]
    assert not plt.get_fignums(), "the fallback figure must not also be shown below the cell"


def test_sliders_show_their_labels_in_full():
    for slider in _sliders(optimal_discriminator_explorer(P_DATA, X)):
        assert slider.style.description_width == "initial"


def _history(steps=(0, 100, 200, 300, 400, 500)):
    rng = np.random.default_rng(0)
    zeros = np.zeros(3)
    return History(d_loss=zeros, g_loss=zeros, d_real=zeros, d_fake=zeros, snapshots={s: rng.normal(size=(50, 1)) for s in steps})


def test_snapshot_slider_keeps_its_signature_and_draws_evenly_spread_fallback_panels():
    drawn = []

    def draw(ax, samples, step):
        drawn.append(step)
        ax.hist(samples[:, 0])

    box = snapshot_slider(_history(), draw)                 # the call notebooks 02 and 03 make
    (slider,) = _sliders(box)
    assert slider.value == 500 and slider.style.description_width == "initial"
    assert drawn == [500, 0, 200, 300, 500]                  # live view, then 4 fallback panels
    assert base64.b64decode(_bundle(box)["image/png"]).startswith(b"\x89PNG")
    drawn.clear()
    snapshot_slider(_history(), draw, fallback_panels=2)
    assert drawn == [500, 0, 500]
    with pytest.raises(ValueError, match="fallback_panels"):
        snapshot_slider(_history(), draw, fallback_panels=0)


def test_with_static_fallback_checks_what_it_is_given():
    fig = plt.figure()
    with pytest.raises(TypeError, match="ipywidgets widget"):
        with_static_fallback("slider", fig, "a sentence")
    with pytest.raises(TypeError, match="matplotlib figure"):
        with_static_fallback(widgets.IntSlider(), "fig", "a sentence")
    with pytest.raises(ValueError, match="sentence"):
        with_static_fallback(widgets.IntSlider(), fig, "  ")


def _notebook_with_output(bundle):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("explorer", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", data=bundle, execution_count=1)]
    nb.cells.append(cell)
    return nb


def test_a_code_host_shows_the_fallback_figure_not_the_widget_repr():
    # Code hosts render notebooks with nbconvert's HTML exporter; committed notebooks carry
    # no widget state (gan_helpers.course.execute drops it), so the widget view is skipped.
    from nbconvert import HTMLExporter

    bundle = _bundle(optimal_discriminator_explorer(P_DATA, X))
    html, _ = HTMLExporter().from_notebook_node(_notebook_with_output(bundle))
    assert bundle["image/png"][:200] in html
    assert "VBox(children" not in html and "Error displaying widget" not in html
