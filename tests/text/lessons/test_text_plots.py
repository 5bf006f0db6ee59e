"""The text package's top layer draws: history plots, estimator and sweep plots, the relaxed
word, the source display, and the temperature explorer's slider callback."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gan_helpers import History, show_source  # noqa: E402
from gan_helpers.text import (compare_estimators, draw_relaxed_sample, gumbel_noise, plot_estimators_vs_samples,  # noqa: E402
                              plot_estimators_vs_temperature, plot_histories, plot_history, plot_oracle_curves,
                              plot_sweep, policy_gradient_loss, temperature_explorer, toy_objective)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def run(method, values):
    h = History(method)
    h.log(0, nll_oracle=values[0], nll_test=values[0] - 1, val_nll=values[0])
    for step, v in enumerate(values[1:], 1):
        h.log(step, nll_oracle=v, nll_test=v - 1, train_nll=v + 0.1, val_nll=v)
        h.g_loss.append(v)
    h.best_step = 1
    return h


def test_history_plots_draw_one_line_per_run_and_metric():
    a, b = run("MLE", [5.0, 4.0, 4.2]), run("GAN", [5.0, 4.5, 4.8])
    ax = plot_history(a, baseline=4.5, baseline_label="unigram")
    assert len(ax.lines) == 4                            # train, val, the kept epoch, the baseline
    assert list(ax.lines[1].get_xdata()) == [1, 2]       # from the first epoch: epoch 0 has no training loss
    axes = plot_oracle_curves([a, b], floor=3.8)
    assert [len(ax.lines) for ax in axes] == [3, 3] and axes[0].get_title().startswith("NLL-oracle")
    axes = plot_histories({"a": a, "b": b}, ["val_nll", "g_loss"])
    assert list(axes[1].lines[0].get_xdata()) == [1, 2]  # per-update records: updates 1, 2, ...
    with pytest.raises(KeyError, match="no 'reward'"):
        plot_histories([a], ["reward"])
    with pytest.raises(TypeError, match="History"):
        plot_history({"val_nll": [1.0]})


def test_estimator_and_sweep_plots_draw():
    table = compare_estimators(torch.randn(4), toy_objective(4), num_samples=[2, 5], temperatures=[0.5, 1.0],
                               total_samples=400, min_repeats=20)
    axes = plot_estimators_vs_temperature(table[table.num_samples == 2])
    assert len(axes[0].lines) == 4
    assert len(plot_estimators_vs_samples(table).lines) == 6
    sweep = pd.DataFrame(dict(model=["MLE"] * 2 + ["GAN"] * 2, temperature=[0.5, 1.0] * 2, x=[1, 2, 3, 4], y=[4, 3, 2, 1]))
    ax = plot_sweep(sweep, x="x", y="y", title="t")
    assert len(ax.lines) == 2 and len(ax.texts) == 4
    seeds = pd.DataFrame(dict(model=["MLE"] * 2 + ["GAN s0"] * 2 + ["GAN s1"] * 2, method=["MLE"] * 2 + ["GAN"] * 4,
                              temperature=[0.5, 1.0] * 3, x=range(6), y=range(6)))
    ax = plot_sweep(seeds, x="x", y="y")
    assert len(ax.lines) == 3 and len(ax.texts) == 4            # the second GAN checkpoint is not labelled again
    assert ax.lines[1].get_color() == ax.lines[2].get_color() != ax.lines[0].get_color()


def test_relaxed_sample_shows_its_own_largest_words():
    logits = torch.zeros(500)                           # flat: the sample's word is almost never a top-logit word
    noise = gumbel_noise((1, 500), generator=torch.Generator().manual_seed(0))[0]
    fig, ax = plt.subplots()
    y = draw_relaxed_sample(ax, logits, noise, 0.1, top_k=12)
    heights = [bar.get_height() for bar in ax.patches[12:]]
    assert heights[0] == pytest.approx(float(y.max())) and heights[0] > 0.5   # the sample's bars show
    assert [t.get_text() for t in ax.get_xticklabels()][0] == str(int(y.argmax()))


def test_show_source_leaves_the_docstring_out():
    md = show_source(policy_gradient_loss).data
    assert md.startswith("```python\ndef policy_gradient_loss") and "mask = generator.token_mask(x)" in md
    assert "REINFORCE surrogate" not in md and "REINFORCE surrogate" in show_source(policy_gradient_loss,
                                                                                      docstring=True).data


def test_temperature_explorer_redraws_when_the_slider_moves(capsys):
    logits = torch.randn(40)
    box = temperature_explorer(logits, num_samples=50, top_k=8, temperature=1.0)
    assert box.fallback_png.startswith(b"\x89PNG") and "slider" in box.fallback_text     # shown where no kernel runs
    slider = box.children[0].children[0]
    assert slider.style.description_width == "initial"   # the label in full, not "temperat..."
    before = len(plt.get_fignums())
    slider.value = 0.05                                  # the callback runs and draws a new figure
    assert len(plt.get_fignums()) == before + 1
    fig = plt.figure(plt.get_fignums()[-1])
    bars = fig.axes[0].patches
    assert len(bars) == 16 and max(b.get_height() for b in bars[8:]) > 0.9     # tau 0.05: nearly one-hot
    assert "tau=0.050" in capsys.readouterr().out
    with pytest.raises(ValueError, match="1-D"):
        temperature_explorer(torch.randn(2, 3))
