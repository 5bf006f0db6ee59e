"""Synthetic tabular data from text: review embeddings, a conditional GAN's plumbing, and
the checks a data scientist asks of a synthetic table.

Introduced in notebook 04. Reviews become rows of a table (TF-IDF, then truncated SVD,
then scaled to [0, 1]); a GAN learns to produce new rows; the functions below measure what
the synthetic rows preserve: correlations, marginals (KS), indistinguishability (a
classifier two-sample test), usefulness (train on synthetic, test on real) and privacy
(distance to the closest training record).
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from torch import nn

from .metrics import ks_statistic
from .utils import check_int, check_probability

__all__ = [
    "check_table", "check_labels",
    "ReviewEmbedder", "fit_review_embedder",
    "row_sampler", "classic_tabular_generator", "classic_tabular_discriminator", "epoch_losses",
    "one_hot", "ConditionalGenerator", "conditional_samplers", "generate_rows", "gaussian_baseline",
    "correlation_matrix", "CorrelationGap", "correlation_gap", "plot_correlation_gap",
    "ks_per_column", "plot_ks_per_column", "plot_column_pairs",
    "c2st_auc", "tstr_accuracy",
    "nearest_records", "DCRSummary", "dcr_summary", "plot_dcr", "nearest_reviews_table",
    "evaluate_synthetic", "real_reference",
]


# --------------------------------------------------------------------------- validation

def check_table(table, name: str = "table", *, num_columns: int | None = None, min_rows: int = 1) -> np.ndarray:
    """A 2-D, finite float64 copy of a table (array or tensor) of shape (rows, columns) (notebook 04).

    Raises a ``ValueError`` naming ``name`` when the table is not 2-D, has fewer than
    ``min_rows`` rows, has a number of columns other than ``num_columns``, or holds a NaN or
    infinite value.
    """
    arr = table.detach().cpu().numpy() if isinstance(table, torch.Tensor) else np.asarray(table)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D table of shape (rows, columns), got shape {arr.shape}")
    if arr.shape[0] < min_rows or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty or too small: it has shape {arr.shape} and needs at least "
                         f"{min_rows} row(s) and 1 column")
    if num_columns is not None and arr.shape[1] != num_columns:
        raise ValueError(f"{name} has {arr.shape[1]} columns but the real table has {num_columns}: "
                         "compare tables with the same columns (same embedding, same order)")
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite value(s), the first at row {rows[0]}, "
                         f"column {cols[0]}: drop or impute them before evaluating")
    return arr


def check_labels(labels, name: str = "labels", *, num_rows: int | None = None, min_classes: int = 2) -> np.ndarray:
    """Class ids as a 1-D int64 array (notebook 04). Raises when they are empty, not whole
    numbers, do not give one label per row (``num_rows``), or hold fewer than ``min_classes``
    classes (a sentiment classifier cannot be trained on one class)."""
    arr = labels.detach().cpu().numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of class labels, got shape {arr.shape}")
    if num_rows is not None and arr.size != num_rows:
        raise ValueError(f"{name} has {arr.size} entries but its table has {num_rows} rows: give one label per row")
    try:
        as_float = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be class ids 0, 1, ..., got dtype {arr.dtype}") from None
    if not np.all(np.isfinite(as_float)) or not np.all(as_float == np.round(as_float)) or as_float.min() < 0:
        raise ValueError(f"{name} must be class ids 0, 1, ... (whole numbers, no NaN), got values like {arr[:3]}")
    arr = as_float.astype(np.int64)
    classes = np.unique(arr)
    if classes.size < min_classes:
        raise ValueError(f"{name} hold a single class {classes.tolist()}: at least {min_classes} classes are needed; "
                         "check the data split or the generator's label sampling")
    return arr


# --------------------------------------------------------------------------- embedding

@dataclass
class ReviewEmbedder:
    """Texts -> a table in [0, 1]: TF-IDF, optional word selection, truncated SVD, min-max
    scaling (notebook 04). Every step is a fitted scikit-learn object, so a row can be mapped
    back (:meth:`to_svd`, :meth:`row_words`) and a column explained (:meth:`top_words`)."""

    vectorizer: TfidfVectorizer
    selector: SelectKBest | None
    svd: TruncatedSVD
    scaler: MinMaxScaler

    @property
    def num_columns(self) -> int:
        return int(self.svd.n_components)

    def transform(self, texts) -> np.ndarray:
        """Embed texts as float32 rows in [0, 1]; values outside the training range are clipped."""
        if isinstance(texts, str) or len(texts) == 0:
            raise ValueError("texts must be a non-empty list of strings")
        x = self.vectorizer.transform(texts)
        x = x if self.selector is None else self.selector.transform(x)
        return np.clip(self.scaler.transform(self.svd.transform(x)), 0.0, 1.0).astype(np.float32)

    def to_svd(self, table) -> np.ndarray:
        """Undo the [0, 1] scaling: the rows in SVD coordinates."""
        return self.scaler.inverse_transform(check_table(table, "table", num_columns=self.num_columns))

    def vocabulary(self) -> np.ndarray:
        """The words the SVD sees, in column order of its components."""
        words = self.vectorizer.get_feature_names_out()
        return words if self.selector is None else words[self.selector.get_support()]

    def _words(self, weights: np.ndarray, hide_stop_words: bool) -> tuple[np.ndarray, np.ndarray]:
        words = self.vocabulary()
        if hide_stop_words:
            keep = np.array([w not in ENGLISH_STOP_WORDS for w in words])
            return words[keep], weights[..., keep]
        return words, weights

    def top_words(self, num_words: int = 6, *, hide_stop_words: bool = False) -> pd.DataFrame:
        """For each column, the words with the largest positive and negative weights in its SVD
        component (optionally skipping English function words such as "of" and "and")."""
        num_words = check_int(num_words, "num_words")
        words, components = self._words(self.svd.components_, hide_stop_words)
        rows = []
        for j, comp in enumerate(components):
            order = np.argsort(comp)
            rows.append({"column": j, "high values mean": " ".join(words[order[::-1][:num_words]]),
                         "low values mean": " ".join(words[order[:num_words]])})
        return pd.DataFrame(rows).set_index("column")

    def row_words(self, table, num_words: int = 6, *, hide_stop_words: bool = False) -> list[str]:
        """Map rows back to the word space (inverse scaling, then the SVD's inverse) and list
        each row's heaviest words: what a (synthetic) row "is about"."""
        words, weights = self._words(self.svd.inverse_transform(self.to_svd(table)), hide_stop_words)
        return [" ".join(words[np.argsort(w)[::-1][:check_int(num_words, "num_words")]]) for w in weights]


def fit_review_embedder(texts, labels=None, *, num_columns: int = 32, num_words: int | None = 3000,
                        min_df: int = 2, stop_words: str | None = None, seed: int = 0) -> ReviewEmbedder:
    """Fit the review-to-table pipeline on *training* texts (notebook 04).

    TF-IDF (sublinear term frequency, words in at least ``min_df`` reviews); with ``labels``
    and ``num_words``, keep only the ``num_words`` words most associated with the label
    (chi-squared test on these training labels); truncated SVD to ``num_columns``
    dimensions; min-max scaling of each column to [0, 1].
    """
    if isinstance(texts, str) or len(texts) == 0:
        raise ValueError("texts must be a non-empty list of strings")
    num_columns = check_int(num_columns, "num_columns")
    vectorizer = TfidfVectorizer(min_df=check_int(min_df, "min_df"), sublinear_tf=True, stop_words=stop_words)
    x = vectorizer.fit_transform(texts)
    selector = None
    if labels is not None and num_words is not None:
        labels = check_labels(labels, num_rows=len(texts))
        if check_int(num_words, "num_words") < x.shape[1]:
            selector = SelectKBest(chi2, k=num_words).fit(x, labels)
            x = selector.transform(x)
    if num_columns >= x.shape[1]:
        raise ValueError(f"num_columns ({num_columns}) must be below the vocabulary size ({x.shape[1]}); "
                         "use fewer columns or more texts")
    svd = TruncatedSVD(num_columns, random_state=check_int(seed, "seed", minimum=0))
    scaler = MinMaxScaler().fit(svd.fit_transform(x))
    return ReviewEmbedder(vectorizer, selector, svd, scaler)


# --------------------------------------------------------------------------- networks and plumbing

def row_sampler(table):
    """``sample_real(n)``: ``n`` rows of ``table`` drawn with replacement, as a float tensor,
    for :func:`train_gan` (notebook 04)."""
    rows = torch.as_tensor(check_table(table, "table"), dtype=torch.float32)
    return lambda n: rows[torch.randint(len(rows), (n,))]


def classic_tabular_generator(noise_dim: int, data_dim: int) -> nn.Sequential:
    """The classic lesson's generator (notebook 04): one linear layer, then a sigmoid, so
    every output lies in (0, 1) like the scaled table."""
    return nn.Sequential(nn.Linear(check_int(noise_dim, "noise_dim"), check_int(data_dim, "data_dim")), nn.Sigmoid())


def classic_tabular_discriminator(data_dim: int) -> nn.Linear:
    """The classic lesson's discriminator (notebook 04): one linear layer. It returns the
    logit; the lesson's sigmoid sits inside the BCE loss (BCE-with-logits), which is the same
    function computed stably."""
    return nn.Linear(check_int(data_dim, "data_dim"), 1)


def epoch_losses(history, steps_per_epoch: int, every: int = 10) -> pd.DataFrame:
    """Mean D and G loss over each block of ``every`` epochs of a :func:`train_gan` history:
    the classic lesson's "print the losses every ten epochs" (notebook 04)."""
    steps_per_epoch, every = check_int(steps_per_epoch, "steps_per_epoch"), check_int(every, "every")
    num_epochs = len(history.loss_d) // steps_per_epoch
    if num_epochs < every:
        raise ValueError(f"the history holds {num_epochs} epochs of {steps_per_epoch} steps, fewer than every={every}")
    rows = []
    for end in range(every, num_epochs + 1, every):
        block = slice((end - every) * steps_per_epoch, end * steps_per_epoch)
        rows.append({"epoch": end, "D loss": float(history.loss_d[block].mean()),
                     "G loss": float(history.loss_g[block].mean()), "mean D(x)": float(history.d_real[block].mean()),
                     "mean D(G(z))": float(history.d_fake[block].mean())})
    return pd.DataFrame(rows).set_index("epoch")


def one_hot(labels, num_classes: int = 2) -> torch.Tensor:
    """Class ids -> float one-hot rows (notebook 04)."""
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    num_classes = check_int(num_classes, "num_classes", minimum=2)
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {labels.min().item()}..{labels.max().item()}")
    return nn.functional.one_hot(labels, num_classes).float()


class ConditionalGenerator(nn.Module):
    """Wraps a network ``net([z, y]) -> x`` so that it maps ``[z, y]`` to ``[x, y]`` (notebook 04).

    With real rows given as ``[x, one-hot y]``, the discriminator judges the *joint*
    (row, label), and :func:`train_gan` trains a conditional GAN unchanged.
    """

    def __init__(self, net: nn.Module, num_classes: int = 2):
        super().__init__()
        self.net = net
        self.num_classes = check_int(num_classes, "num_classes", minimum=2)

    def forward(self, zy: torch.Tensor) -> torch.Tensor:
        if zy.ndim != 2 or zy.shape[1] <= self.num_classes:
            raise ValueError(f"ConditionalGenerator expects rows [z, one-hot label] of width noise_dim + "
                             f"{self.num_classes}, got shape {tuple(zy.shape)}")
        return torch.cat([self.net(zy), zy[:, -self.num_classes:]], dim=1)


def conditional_samplers(table, labels, noise_dim: int, num_classes: int = 2):
    """``(sample_real, sample_noise)`` for a conditional GAN trained with :func:`train_gan` (notebook 04).

    ``sample_real(n)`` draws ``n`` training rows with replacement as ``[x, one-hot y]``;
    ``sample_noise(n)`` returns ``[z, one-hot y]`` with ``z ~ N(0, I)`` and ``y`` drawn with the
    training label frequencies.
    """
    x = check_table(table, "table")
    y = one_hot(check_labels(labels, num_rows=len(x)), num_classes)
    noise_dim = check_int(noise_dim, "noise_dim")
    sample_real = row_sampler(torch.cat([torch.as_tensor(x, dtype=torch.float32), y], dim=1))
    prior = y.mean(0)

    def sample_noise(n: int) -> torch.Tensor:
        return torch.cat([torch.randn(n, noise_dim), one_hot(torch.multinomial(prior, n, replacement=True), num_classes)], 1)

    return sample_real, sample_noise


def generate_rows(generator: nn.Module, labels, noise_dim: int, num_classes: int = 2) -> np.ndarray:
    """Rows from a trained :class:`ConditionalGenerator`, one per requested label, without the
    label columns (notebook 04)."""
    y = one_hot(check_labels(labels, min_classes=1), num_classes)
    with torch.no_grad():
        out = generator(torch.cat([torch.randn(len(y), check_int(noise_dim, "noise_dim")), y], 1))
    return out[:, :-num_classes].cpu().numpy()


def gaussian_baseline(table, labels, num_samples: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The non-GAN baseline (notebook 04): one Gaussian per class with that class's real mean
    and covariance, sampled with the real class frequencies and clipped to [0, 1].
    Returns ``(rows, labels)``."""
    x = check_table(table, "table", min_rows=2)
    labels = check_labels(labels, num_rows=len(x))
    num_samples = check_int(num_samples, "num_samples")
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < 2:
        raise ValueError(f"class {classes[counts.argmin()]} has a single row: a covariance needs at least 2 per class")
    out_y = rng.choice(classes, size=num_samples, p=counts / counts.sum())
    out_x = np.empty((num_samples, x.shape[1]))
    for c in classes:
        part = x[labels == c]
        out_x[out_y == c] = rng.multivariate_normal(part.mean(0), np.cov(part, rowvar=False), int((out_y == c).sum()))
    return np.clip(out_x, 0.0, 1.0), out_y


# --------------------------------------------------------------------------- fidelity

def _pair(real, synthetic, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    real = check_table(real, "real table", min_rows=min_rows)
    return real, check_table(synthetic, "synthetic table", num_columns=real.shape[1], min_rows=min_rows)


def correlation_matrix(table, name: str = "table") -> np.ndarray:
    """Pearson correlations between columns (``np.corrcoef``; notebook 04). A constant column
    has no defined correlation: it gets 0 with every other column, so a generator that
    collapses a column is penalised instead of crashing the evaluation."""
    x = check_table(table, name, min_rows=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.atleast_2d(np.corrcoef(x, rowvar=False))
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    return corr


@dataclass
class CorrelationGap:
    """Correlation matrices of a real and a synthetic table, their difference (synthetic minus
    real) and its Frobenius norm (notebook 04)."""

    real: np.ndarray
    synthetic: np.ndarray
    difference: np.ndarray
    norm: float


def correlation_gap(real, synthetic) -> CorrelationGap:
    """``||corr(synthetic) - corr(real)||_F`` with both matrices (notebook 04): 0 for identical
    correlation structure, larger for every pair of columns whose relationship is wrong."""
    real, synthetic = _pair(real, synthetic)
    c_real, c_syn = correlation_matrix(real, "real table"), correlation_matrix(synthetic, "synthetic table")
    diff = c_syn - c_real
    return CorrelationGap(c_real, c_syn, diff, float(np.linalg.norm(diff, "fro")))


def plot_correlation_gap(gap: CorrelationGap, *, title: str = "", vmax: float | None = None, axes=None):
    """Seaborn heatmaps side by side: real correlations, synthetic correlations, and their
    difference with its Frobenius norm (notebook 04). The diagonal (always 1) is masked, and
    the colour scale runs over +-``vmax``, by default the largest off-diagonal value shown,
    so weak structure stays visible."""
    if not isinstance(gap, CorrelationGap):
        raise TypeError(f"expected the CorrelationGap returned by correlation_gap, got {type(gap).__name__}")
    mask = np.eye(len(gap.real), dtype=bool)
    panels = [(gap.real, "real"), (gap.synthetic, "synthetic"),
              (gap.difference, f"difference, Frobenius norm {gap.norm:.2f}")]
    if vmax is None:
        vmax = max(float(np.abs(m[~mask]).max()) if len(m) > 1 else 0.0 for m, _ in panels) or 1.0
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (mat, name) in zip(axes, panels):
        sns.heatmap(mat, mask=mask, ax=ax, vmin=-vmax, vmax=vmax, cmap="vlag", square=True, cbar=ax is axes[-1],
                    xticklabels=8, yticklabels=8)
        ax.set_title(name, fontsize=10)
        ax.grid(False)
    axes[0].figure.suptitle(f"{title + ': ' if title else ''}off-diagonal correlations, colour scale ±{vmax:.2f}")
    return axes


def ks_per_column(real, synthetic) -> np.ndarray:
    """Two-sample KS statistic of every column, real vs synthetic (notebook 04; reuses
    :func:`ks_statistic`): 0 for identical marginals, 1 for disjoint ones."""
    real, synthetic = _pair(real, synthetic)
    return np.array([ks_statistic(synthetic[:, j], real[:, j]) for j in range(real.shape[1])])


def plot_ks_per_column(ks_by_name: dict, *, ax=None):
    """Grouped bar chart of per-column KS statistics, one colour per table (notebook 04)."""
    if not ks_by_name:
        raise ValueError("ks_by_name is empty: pass {name: ks_per_column(real, synthetic)} for at least one table")
    lengths = {len(v) for v in ks_by_name.values()}
    if len(lengths) != 1:
        raise ValueError(f"every KS array needs the same number of columns, got lengths {sorted(lengths)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3))
    n, width = lengths.pop(), 0.8 / len(ks_by_name)
    for i, (name, ks) in enumerate(ks_by_name.items()):
        ax.bar(np.arange(n) + i * width, ks, width=width, label=f"{name} (mean {np.mean(ks):.3f})")
    ax.set_xticks(np.arange(n) + 0.4 - width / 2, [str(j) for j in range(n)], fontsize=7)
    ax.set_xlabel("column"), ax.set_ylabel("KS statistic"), ax.legend(fontsize=8)
    return ax


def plot_column_pairs(tables: dict, pairs=((0, 1), (4, 5)), *, max_points: int = 3000, seed: int = 0):
    """Scatter plots of column pairs, one row of panels per table (notebook 04): the shapes
    that a mean, a covariance or a marginal do not describe."""
    if not tables:
        raise ValueError("tables is empty: pass {name: table}")
    arrays = {name: check_table(t, name) for name, t in tables.items()}
    widths = {a.shape[1] for a in arrays.values()}
    if len(widths) != 1:
        raise ValueError(f"tables have different numbers of columns {sorted(widths)}: compare like with like")
    width = widths.pop()
    if any(not 0 <= c < width for pair in pairs for c in pair):
        raise ValueError(f"a column in pairs={pairs} is outside the tables' columns 0..{width - 1}")
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(arrays), len(pairs), figsize=(3 * len(pairs), 2.8 * len(arrays)), squeeze=False)
    for r, (name, arr) in enumerate(arrays.items()):
        pts = arr[rng.permutation(len(arr))[:max_points]]
        for c, (i, j) in enumerate(pairs):
            ax = axes[r, c]
            ax.scatter(pts[:, i], pts[:, j], s=1, alpha=0.35, color=f"C{r}")
            ax.set_xlim(0, 1), ax.set_ylim(0, 1), ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(f"{name}: col {i} vs {j}", fontsize=9)
    fig.tight_layout()
    return fig


def c2st_auc(real, synthetic, *, classifier: str = "boosting", test_fraction: float = 0.3, seed: int = 0) -> float:
    """Classifier two-sample test (Lopez-Paz & Oquab 2017; notebook 04): train a classifier to
    tell real rows (1) from synthetic rows (0) and report its ROC AUC on held-out rows.

    0.5: the classifier cannot tell them apart (ideal); 1.0: every synthetic row is
    recognisable. Both tables are subsampled to the same size. ``classifier`` is
    ``"boosting"`` (scikit-learn's histogram gradient boosting, which finds non-linear
    differences) or ``"logistic"`` (logistic regression, which only sees linear ones).
    """
    real, synthetic = _pair(real, synthetic, min_rows=10)
    if classifier not in ("boosting", "logistic"):
        raise ValueError(f"classifier must be 'boosting' or 'logistic', got {classifier!r}")
    test_fraction = check_probability(test_fraction, "test_fraction")
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    n = min(len(real), len(synthetic))
    x = np.concatenate([real[rng.permutation(len(real))[:n]], synthetic[rng.permutation(len(synthetic))[:n]]])
    y = np.r_[np.ones(n), np.zeros(n)]
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_fraction, stratify=y, random_state=seed)
    if classifier == "boosting":
        clf = HistGradientBoostingClassifier(max_iter=200, random_state=seed)
    else:
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    clf.fit(x_tr, y_tr)
    return float(roc_auc_score(y_te, clf.predict_proba(x_te)[:, 1]))


# --------------------------------------------------------------------------- utility and privacy

def tstr_accuracy(train_table, train_labels, test_table, test_labels) -> float:
    """Accuracy on the test rows of a logistic regression (standardised inputs) fitted on the
    training rows (notebook 04). Train on synthetic and test on real (TSTR), next to train on
    real and test on real, says how much of the label information a synthetic table kept."""
    train = check_table(train_table, "training table", min_rows=2)
    test = check_table(test_table, "test table", num_columns=train.shape[1])
    y_train = check_labels(train_labels, "training labels", num_rows=len(train))
    y_test = check_labels(test_labels, "test labels", num_rows=len(test), min_classes=1)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(train, y_train)
    return float(clf.score(test, y_test))


def nearest_records(query, reference) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distance from each query row to its closest reference row, and that row's
    index (scikit-learn ``NearestNeighbors``; notebook 04)."""
    reference = check_table(reference, "reference table")
    query = check_table(query, "query table", num_columns=reference.shape[1])
    dist, idx = NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(query)
    return dist[:, 0], idx[:, 0]


@dataclass
class DCRSummary:
    """Distance to closest record (notebook 04). ``threshold`` is the ``quantile`` of the real
    test rows' distances to the training set; ``share_below`` is the fraction of synthetic
    rows strictly closer to a training row than that. A generator that copies training rows
    has a large share; one that draws new rows from the same distribution has about ``quantile``."""

    synthetic_dcr: np.ndarray
    synthetic_index: np.ndarray
    test_dcr: np.ndarray
    threshold: float
    share_below: float
    quantile: float


def dcr_summary(synthetic, train, test, *, quantile: float = 0.01) -> DCRSummary:
    """Distance to the closest training record for synthetic rows, next to the same distance
    for real held-out rows, which sets the scale of "too close" (notebook 04)."""
    train = check_table(train, "training table")
    synthetic = check_table(synthetic, "synthetic table", num_columns=train.shape[1])
    test = check_table(test, "test table", num_columns=train.shape[1])
    quantile = check_probability(quantile, "quantile")
    syn_d, syn_i = nearest_records(synthetic, train)
    test_d, _ = nearest_records(test, train)
    threshold = float(np.quantile(test_d, quantile))
    return DCRSummary(syn_d, syn_i, test_d, threshold, float((syn_d < threshold).mean()), quantile)


def plot_dcr(summaries: dict, *, ax=None, bins: int = 60):
    """Histograms of distance to the closest training record: real test rows and each
    synthetic table, with the real test rows' ``quantile`` marked (notebook 04)."""
    if not summaries or not all(isinstance(s, DCRSummary) for s in summaries.values()):
        raise ValueError("summaries must be a non-empty {name: DCRSummary} dict (from dcr_summary)")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    first = next(iter(summaries.values()))
    top = max(max(s.synthetic_dcr.max(), s.test_dcr.max()) for s in summaries.values())
    edges = np.linspace(0, top, bins)
    ax.hist(first.test_dcr, bins=edges, density=True, color="grey", alpha=0.5, label="real test rows")
    for name, s in summaries.items():
        ax.hist(s.synthetic_dcr, bins=edges, density=True, histtype="step", lw=2, label=name)
    ax.axvline(first.threshold, color="k", ls=":", label=f"{first.quantile:.0%} of real test rows")
    ax.set_xlabel("distance to the closest training row"), ax.set_yticks([]), ax.legend(fontsize=8)
    return ax


def nearest_reviews_table(rows, row_labels, train_table, train_reviews, *, max_chars: int = 110) -> pd.DataFrame:
    """For each (synthetic) row: its label, the closest training review, that review's label
    and the distance (notebook 04). ``train_reviews`` is the :class:`Reviews` whose texts were
    embedded as ``train_table``."""
    train = check_table(train_table, "training table")
    if len(train_reviews) != len(train):
        raise ValueError(f"train_reviews has {len(train_reviews)} reviews but the training table has {len(train)} rows")
    rows = check_table(rows, "rows", num_columns=train.shape[1])
    row_labels = check_labels(row_labels, "row labels", num_rows=len(rows), min_classes=1)
    dist, idx = nearest_records(rows, train)
    names = {0: "negative", 1: "positive"}
    return pd.DataFrame({"row label": [names.get(int(y), int(y)) for y in row_labels], "distance": dist.round(3),
                         "closest training review": [train_reviews.texts[i][:max_chars] for i in idx],
                         "its label": [names.get(int(train_reviews.labels[i]), int(train_reviews.labels[i])) for i in idx]})


# --------------------------------------------------------------------------- one row per method

def evaluate_synthetic(synthetic, synthetic_labels, train, train_labels, test, test_labels, *, seed: int = 0) -> dict:
    """Every check of notebook 04 for one labelled synthetic table, as one row of the
    comparison table: correlation gap, mean KS, C2ST AUC (against the training rows), TSTR
    accuracy on the real test rows, share of rows closer to a training row than the real
    test rows' 1st percentile, and the median distance to the closest record."""
    synthetic = check_table(synthetic, "synthetic table")
    dcr = dcr_summary(synthetic, train, test)
    return {"corr_gap": correlation_gap(train, synthetic).norm, "mean_ks": float(ks_per_column(train, synthetic).mean()),
            "c2st_auc": c2st_auc(train, synthetic, seed=seed),
            "tstr_acc": tstr_accuracy(synthetic, synthetic_labels, test, test_labels),
            "dcr_share": dcr.share_below, "median_dcr": float(np.median(dcr.synthetic_dcr))}


def real_reference(train, train_labels, test, test_labels, *, seed: int = 0) -> dict:
    """The same row for *real* held-out rows (notebook 04): what a perfect generator would
    score, up to sampling noise. Its ``tstr_acc`` is train-on-real, test-on-real; its
    ``dcr_share`` is the quantile by construction."""
    test = check_table(test, "test table")
    dcr = dcr_summary(test, train, test)
    return {"corr_gap": correlation_gap(train, test).norm, "mean_ks": float(ks_per_column(train, test).mean()),
            "c2st_auc": c2st_auc(train, test, seed=seed),
            "tstr_acc": tstr_accuracy(train, train_labels, test, test_labels),
            "dcr_share": dcr.share_below, "median_dcr": float(np.median(dcr.test_dcr))}
