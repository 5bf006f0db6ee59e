"""Unit tests of gan_helpers.tabular (notebook 04) on tiny tables."""
import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gan_helpers import (History, Reviews, ConditionalGenerator, TrainGANConfig, CorrelationGap, c2st_auc, check_labels,  # noqa: E402
                         check_scores, check_table, classic_tabular_discriminator, classic_tabular_generator,
                         conditional_samplers, correlation_gap, correlation_matrix, dcr_summary, epoch_losses,
                         evaluate_synthetic, fit_review_embedder, ks_statistic, gaussian_baseline, gaussian_copula, generate_rows, ks_per_column, mean_gap,
                         mlp_generator, mlp_discriminator, nearest_records, nearest_reviews_table, one_hot,
                         plot_column_pairs, plot_correlation_gap, plot_dcr, plot_ks_per_column, plot_run_curves, real_reference,
                         row_sampler, score_auc, train_gan, tstr_accuracy)

TEXTS = ["a great and moving film", "a great cast and a moving story", "moving , funny and great",
         "funny and great fun", "a dull and boring mess", "boring , dull , too long",
         "a long and dull story", "the cast is boring", "great fun for the family", "a mess of a film"]
LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0, 1, 0])


def _two_class_table(n=200, d=3, shift=2.0, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return rng.normal(size=(n, d)) + shift * y[:, None], y


# --------------------------------------------------------------------------- validation

def test_check_table_accepts_arrays_and_tensors():
    assert check_table(torch.ones(3, 2)).dtype == np.float64
    assert check_table([[1, 2], [3, 4]]).shape == (2, 2)


@pytest.mark.parametrize("table, kwargs, message", [
    (np.zeros((0, 3)), {}, "empty"),
    (np.zeros(5), {}, "2-D"),
    (np.array([[0.1, np.nan], [0.2, 0.3]]), {}, "1 NaN or infinite value"),
    (np.zeros((4, 3)), {"num_columns": 2}, "3 columns but the real table has 2"),
])
def test_check_table_errors_say_what_is_wrong(table, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_table(table, "synthetic table", **kwargs)


def test_check_labels_errors():
    assert check_labels([0, 1, 1.0]).dtype == np.int64
    with pytest.raises(ValueError, match="single class"):
        check_labels(np.ones(5))
    with pytest.raises(ValueError, match="one label per row"):
        check_labels([0, 1], num_rows=3)
    with pytest.raises(ValueError, match="class ids"):
        check_labels([0, 0.5, 1])
    with pytest.raises(ValueError, match="non-empty"):
        check_labels([])


# --------------------------------------------------------------------------- embedding

def test_review_embedder_round_trip_and_words():
    emb = fit_review_embedder(TEXTS, LABELS, num_columns=3, num_words=12, min_df=1)
    table = emb.transform(TEXTS)
    assert table.shape == (10, 3) and table.dtype == np.float32
    assert table.min() >= 0 and table.max() <= 1 and np.allclose(table.min(0), 0) and np.allclose(table.max(0), 1)
    svd = emb.svd.transform(emb.selector.transform(emb.vectorizer.transform(TEXTS)))
    assert np.allclose(emb.to_svd(table), svd, atol=1e-5)
    assert len(emb.vocabulary()) == 12
    words = emb.top_words(2)
    assert isinstance(words, pd.DataFrame) and len(words) == 3 and len(words.iloc[0, 0].split()) == 2
    assert len(emb.row_words(table[:2], 3)) == 2
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    shown = " ".join(emb.row_words(table, 3, hide_stop_words=True) + list(emb.top_words(2, hide_stop_words=True).iloc[:, 0]))
    assert shown and not set(shown.split()) & ENGLISH_STOP_WORDS


def test_review_embedder_bad_input():
    with pytest.raises(ValueError, match="non-empty list"):
        fit_review_embedder([])
    with pytest.raises(ValueError, match="single class"):
        fit_review_embedder(TEXTS, np.ones(10), min_df=1)
    with pytest.raises(ValueError, match="below the vocabulary size"):
        fit_review_embedder(TEXTS, num_columns=500, min_df=1)
    emb = fit_review_embedder(TEXTS, num_columns=2, min_df=1)
    with pytest.raises(ValueError, match="columns"):
        emb.to_svd(np.zeros((2, 3)))


# --------------------------------------------------------------------------- networks and plumbing

def test_classic_networks_and_epoch_losses():
    g, d = classic_tabular_generator(4, 3), classic_tabular_discriminator(3)
    out = g(torch.randn(5, 4))
    assert out.shape == (5, 3) and (out > 0).all() and (out < 1).all() and d(out).shape == (5, 1)
    steps = np.arange(40, dtype=float)
    h = History(d_loss=steps, g_loss=-steps, d_real=np.full(40, 0.5), d_fake=np.full(40, 0.5))
    table = epoch_losses(h, steps_per_epoch=2, every=10)
    assert list(table.index) == [10, 20] and table.loc[10, "D loss"] == pytest.approx(9.5)
    with pytest.raises(ValueError, match="fewer than every"):
        epoch_losses(h, steps_per_epoch=20, every=10)


def test_conditional_gan_plumbing_trains_with_train_gan():
    x, y = np.random.default_rng(0).random((50, 3)), np.r_[np.zeros(25), np.ones(25)]
    sample_real, sample_noise = conditional_samplers(x, y, noise_dim=2)
    real, noise = sample_real(8), sample_noise(8)
    assert real.shape == (8, 5) and noise.shape == (8, 4) and torch.all(real[:, 3:].sum(1) == 1)
    g = ConditionalGenerator(mlp_generator(4, 3, hidden=8, depth=1))
    fake = g(noise)
    assert fake.shape == (8, 5) and torch.equal(fake[:, 3:], noise[:, 2:])
    d = mlp_discriminator(5, hidden=8, depth=1)
    h = train_gan(g, d, sample_real, sample_noise, TrainGANConfig(num_steps=5, batch_size=8), progress=False,
                  opt_g=torch.optim.Adam(g.parameters()), opt_d=torch.optim.Adam(d.parameters()))
    assert len(h.d_loss) == 5
    assert generate_rows(g, [0, 1, 1], noise_dim=2).shape == (3, 3)
    assert row_sampler(x)(4).shape == (4, 3)
    with pytest.raises(ValueError, match="rows \\[z, one-hot label\\]"):
        g(torch.randn(3, 2))
    with pytest.raises(ValueError, match="single class"):
        conditional_samplers(x, np.zeros(50), noise_dim=2)


def test_conditional_generator_with_stacked_replicas_and_one_r1_weight_each():
    from gan_helpers import build_replicas
    x, y = np.random.default_rng(0).random((50, 3)), np.r_[np.zeros(25), np.ones(25)]
    sample_real, sample_noise = conditional_samplers(x, y, noise_dim=2)
    net, d = build_replicas(lambda: (mlp_generator(4, 3, hidden=8, depth=1), mlp_discriminator(5, hidden=8, depth=1)),
                            [0, 1, 2])
    g = ConditionalGenerator(net)
    noise = torch.stack([sample_noise(6) for _ in range(3)])
    fake = g(noise)
    assert fake.shape == (3, 6, 5) and torch.equal(fake[..., 3:], noise[..., 2:])
    hs = train_gan(g, d, sample_real, sample_noise, TrainGANConfig(num_steps=3, batch_size=8, r1_weight=(0.0, 1.0, 10.0)),
                   opt_g=torch.optim.Adam(g.parameters()), opt_d=torch.optim.Adam(d.parameters()), progress=False)
    assert len(hs) == 3


def test_one_hot():
    assert torch.equal(one_hot([0, 1]), torch.eye(2))
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        one_hot([0, 2])


def test_gaussian_baseline_matches_moments_per_class():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(500, int), np.ones(1500, int)]
    x = np.clip(0.5 + 0.05 * rng.normal(size=(2000, 2)) + 0.2 * y[:, None], 0, 1)
    rows, labels = gaussian_baseline(x, y, 20_000, seed=1)
    assert rows.min() >= 0 and rows.max() <= 1
    assert labels.mean() == pytest.approx(0.75, abs=0.02)
    assert np.allclose(rows[labels == 1].mean(0), x[y == 1].mean(0), atol=0.01)
    assert np.allclose(np.cov(rows[labels == 0], rowvar=False), np.cov(x[y == 0], rowvar=False), atol=5e-4)
    with pytest.raises(ValueError, match="class 0 has 1 row\\(s\\): a covariance needs at least 2"):
        gaussian_baseline(x[:3], [0, 1, 1], 10)


def _skewed_two_class_table(n=3000, seed=0):
    """Skewed, bounded, dependent columns, unlike in each class: what a clipped Gaussian gets wrong."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    z = rng.normal(size=(n, 2))
    z[:, 1] = 0.8 * z[:, 0] + 0.6 * z[:, 1]
    x = np.column_stack([np.exp(z[:, 0]) / (1 + 2 * y), 1 / (1 + np.exp(-2 * z[:, 1] - y))])
    return x / x.max(0), y


def test_gaussian_copula_matches_marginals_and_rank_correlation_per_class():
    from scipy.stats import spearmanr
    x, y = _skewed_two_class_table()
    rows, labels = gaussian_copula(x, y, 30_000, seed=1)
    clipped, _ = gaussian_baseline(x, y, 30_000, seed=1)
    assert rows.shape == (30_000, 2) and labels.mean() == pytest.approx(y.mean(), abs=0.01)
    for c in (0, 1):
        real, syn = x[y == c], rows[labels == c]
        assert (syn.min(0) >= real.min(0)).all() and (syn.max(0) <= real.max(0)).all()    # inside the real range
        assert ks_per_column(real, syn).max() < 0.04                    # marginals match (sampling noise only)
        assert ks_per_column(real, clipped[labels == c]).max() > 0.1    # ... which the clipped normal's do not
        assert spearmanr(syn).statistic == pytest.approx(spearmanr(real).statistic, abs=0.03)
    again, _ = gaussian_copula(x, y, 30_000, seed=1)
    assert np.array_equal(rows, again)


def test_gaussian_copula_bad_input_says_what_to_fix():
    x, y = _skewed_two_class_table(n=50)
    with pytest.raises(ValueError, match="needs at least 3 per class"):
        gaussian_copula(x[:4], [0, 0, 1, 1], 10)
    constant = x.copy()
    constant[y == 1, 1] = 0.5
    with pytest.raises(ValueError, match="column 1 is constant within class 1.*drop constant columns"):
        gaussian_copula(constant, y, 10)
    with pytest.raises(ValueError, match="NaN"):
        gaussian_copula(np.where(x > 0.9, np.nan, x), y, 10)
    with pytest.raises(ValueError, match="one label per row"):
        gaussian_copula(x, y[:-1], 10)


# --------------------------------------------------------------------------- fidelity

def test_correlation_matrix_and_gap_hand_cases():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 3))
    assert np.allclose(correlation_matrix(a), np.corrcoef(a, rowvar=False))
    const = np.column_stack([a[:, 0], np.ones(500)])
    assert np.array_equal(correlation_matrix(const), np.eye(2))
    assert correlation_gap(a, a).norm == 0.0
    # real: two columns with correlation 0.8; synthetic: independent -> off-diagonal gap 0.8 twice
    z = rng.normal(size=(20_000, 2))
    real = np.column_stack([z[:, 0], 0.8 * z[:, 0] + 0.6 * z[:, 1]])
    gap = correlation_gap(real, rng.normal(size=(20_000, 2)))
    assert isinstance(gap, CorrelationGap)
    assert gap.norm == pytest.approx(0.8 * np.sqrt(2), abs=0.03)
    with pytest.raises(ValueError, match="3 columns but the real table has 2"):
        correlation_gap(real, a)


def test_spearman_correlation_ignores_increasing_rescaling():
    from scipy.stats import spearmanr
    rng = np.random.default_rng(1)
    z = rng.normal(size=(2000, 2))
    x = np.column_stack([z[:, 0], z[:, 0] + 0.5 * z[:, 1]])
    bent = np.column_stack([np.exp(3 * x[:, 0]), x[:, 1] ** 3])        # increasing in each column
    assert correlation_matrix(x, method="spearman")[0, 1] == pytest.approx(spearmanr(x).statistic)
    assert correlation_gap(x, bent, method="spearman").norm < 1e-12
    assert correlation_gap(x, bent).norm > 0.2                          # Pearson's sees the new scale
    with pytest.raises(ValueError, match="'pearson' or 'spearman'"):
        correlation_gap(x, bent, method="kendall")


def test_mean_gap_hand_case():
    real = np.array([[0.0, 10.0], [2.0, 10.0]])            # column stds 1 and 0 (raw units then)
    assert mean_gap(real, real) == 0.0
    assert mean_gap(real, real + [3.0, 4.0]) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="3 columns but the real table has 2"):
        mean_gap(real, np.zeros((2, 3)))


def test_score_auc_and_check_scores():
    assert score_auc([2.0, 3.0], [0.0, 1.0]) == 1.0
    assert score_auc(torch.tensor([[0.0], [1.0]]), torch.tensor([[2.0], [3.0]])) == 0.0   # logits of shape (n, 1)
    assert score_auc([1.0, 3.0], [2.0, 2.0]) == 0.5
    assert check_scores(torch.ones(3, 1)).shape == (3,)
    with pytest.raises(ValueError, match="one score per row"):
        check_scores(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        score_auc([np.nan, 1.0], [0.0])


def test_ks_per_column():
    a = np.linspace(0, 1, 101)[:, None].repeat(2, 1)
    assert np.allclose(ks_per_column(a, a), 0)
    b = a.copy()
    b[:, 1] += 2
    assert np.allclose(ks_per_column(a, b), [0, 1])
    rng = np.random.default_rng(0)                        # the statistic scipy computes, ties included
    real, syn = rng.normal(size=(300, 3)), rng.normal(0.2, 1.3, size=(200, 3)).round(1)
    real[:50, 2] = 0.0
    assert np.allclose(ks_per_column(real, syn), [ks_statistic(syn[:, j], real[:, j]) for j in range(3)])
    with pytest.raises(ValueError, match="NaN"):
        ks_per_column(a, np.where(b > 2.5, np.nan, b))


def test_c2st_auc_separates_different_tables_only():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=(300, 2))
    assert abs(c2st_auc(a, b) - 0.5) < 0.12
    assert c2st_auc(a, b + 3) > 0.95
    # same mean, different spread: logistic regression is blind to it, boosting is not
    wide = 3 * rng.normal(size=(300, 2))
    assert c2st_auc(a, wide, classifier="logistic") < 0.65 < c2st_auc(a, wide)
    with pytest.raises(ValueError, match="'boosting' or 'logistic'"):
        c2st_auc(a, b, classifier="forest")
    with pytest.raises(ValueError, match="too small"):
        c2st_auc(a[:5], b)


# --------------------------------------------------------------------------- utility and privacy

def test_tstr_accuracy():
    x, y = _two_class_table(shift=6.0)
    assert tstr_accuracy(x, y, x, y) > 0.98
    assert tstr_accuracy(x, 1 - y, x, y) < 0.05
    with pytest.raises(ValueError, match="single class"):
        tstr_accuracy(x, np.zeros(len(x)), x, y)
    with pytest.raises(ValueError, match="3 columns but the real table has 2"):
        tstr_accuracy(x[:, :2], y, x, y)
    with pytest.raises(ValueError, match="empty"):
        tstr_accuracy(x, y, np.zeros((0, 3)), [])


def test_nearest_records_and_dcr():
    train = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    dist, idx = nearest_records(np.array([[0.9, 0.1], [0.0, 3.0]]), train)
    assert np.allclose(dist, [np.sqrt(0.02), 2.0]) and list(idx) == [1, 2]
    rng = np.random.default_rng(0)
    train, test, fresh = rng.random((400, 2)), rng.random((200, 2)), rng.random((400, 2))
    copies = train + 1e-6
    assert dcr_summary(copies, train, test).share_below > 0.95
    summary = dcr_summary(fresh, train, test, quantile=0.05)
    assert summary.share_below < 0.12 and summary.threshold == pytest.approx(np.quantile(summary.test_dcr, 0.05))
    with pytest.raises(ValueError, match="between 0 and 1"):
        dcr_summary(fresh, train, test, quantile=5)


def test_nearest_reviews_table():
    reviews = Reviews(["good film", "bad film"], np.array([1, 0]))
    table = nearest_reviews_table(np.array([[0.0], [0.9]]), [1, 0], np.array([[0.1], [1.0]]), reviews)
    assert list(table["closest training review"]) == ["good film", "bad film"]
    assert list(table["its label"]) == ["positive", "negative"]
    with pytest.raises(ValueError, match="2 reviews but the training table has 3"):
        nearest_reviews_table(np.zeros((1, 1)), [1], np.zeros((3, 1)), reviews)


def test_evaluate_synthetic_and_reference_rows():
    train, y_train = _two_class_table(seed=0)
    test, y_test = _two_class_table(seed=1)
    synth, y_synth = _two_class_table(seed=2)
    row = evaluate_synthetic(synth, y_synth, train, y_train, test, y_test)
    ref = real_reference(train, y_train, test, y_test)
    assert set(row) == set(ref) == {"corr_gap", "mean_ks", "c2st_auc", "tstr_acc", "dcr_share", "median_dcr"}
    assert row["mean_ks"] < 0.15 and row["tstr_acc"] > 0.75 and abs(ref["c2st_auc"] - 0.5) < 0.15
    with pytest.raises(ValueError, match="single class"):
        evaluate_synthetic(synth, np.zeros(len(synth)), train, y_train, test, y_test)


def test_plots_draw():
    rng = np.random.default_rng(0)
    a, b = rng.random((100, 4)), rng.random((100, 4))
    plot_correlation_gap(correlation_gap(a, b), title="t")
    plot_ks_per_column({"x": ks_per_column(a, b), "y": ks_per_column(a, a)})
    plot_column_pairs({"real": a, "synthetic": b}, pairs=[(0, 1)])
    plot_dcr({"synthetic": dcr_summary(b, a, a[:50])})
    plt.close("all")
    with pytest.raises(TypeError, match="CorrelationGap"):
        plot_correlation_gap(np.eye(2))
    with pytest.raises(ValueError, match="outside the tables' columns"):
        plot_column_pairs({"real": a}, pairs=[(0, 9)])
    with pytest.raises(ValueError, match="same number of columns"):
        plot_ks_per_column({"x": np.zeros(3), "y": np.zeros(4)})


def test_plot_run_curves_draws_groups_and_a_live_run():
    runs = [History(steps=[0, 10, 20], metrics={"mean KS": [0.5, 0.2 + s / 100, 0.1]}) for s in range(3)]
    live = History(steps=[0, 10, 20], metrics={"mean KS": [0.5, 0.25, 0.12]})
    ax = plot_run_curves({"record": runs}, "mean KS", live=live, log=True)
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.5, 0.21, 0.1])         # the median of the replicas
    plt.close("all")
    with pytest.raises(ValueError, match="pick a metric they all record"):
        plot_run_curves({"record": runs}, "corr. gap")
    with pytest.raises(ValueError, match="at least one History"):
        plot_run_curves({"record": []}, "mean KS")
    with pytest.raises(ValueError, match="different steps"):
        plot_run_curves({"record": [runs[0], History(steps=[0, 5], metrics={"mean KS": [0.5, 0.2]})]}, "mean KS")
    with pytest.raises(TypeError, match="must be a History"):
        plot_run_curves({"record": [{"mean KS": [0.1]}]}, "mean KS")
