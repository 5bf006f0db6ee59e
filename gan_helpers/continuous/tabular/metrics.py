"""The checks a data scientist asks of a synthetic table (notebook 04): correlations,
marginals (KS), indistinguishability (a classifier two-sample test), usefulness (train on
synthetic, test on real) and privacy (distance to the closest training record), each
against a real held-out reference.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ...common.checks import check_int, check_probability
from .checks import check_labels, check_scores, check_table

__all__ = [
    "correlation_matrix", "CorrelationGap", "correlation_gap", "mean_gap", "ks_per_column", "score_auc", "c2st_auc",
    "tstr_accuracy", "nearest_records", "DCRSummary", "dcr_summary", "nearest_reviews_table",
    "evaluate_synthetic", "real_reference",
]


# --------------------------------------------------------------------------- fidelity

def _pair(real, synthetic, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    real = check_table(real, "real table", min_rows=min_rows)
    return real, check_table(synthetic, "synthetic table", num_columns=real.shape[1], min_rows=min_rows)


def correlation_matrix(table, name: str = "table", *, method: str = "pearson") -> np.ndarray:
    """Correlations between columns (notebook 04): ``"pearson"`` (``np.corrcoef``, linear
    relationships on the table's own scale) or ``"spearman"`` (Pearson's of the columns'
    ranks, which any increasing change of a column's scale leaves alone). A constant column
    has no defined correlation: it gets 0 with every other column, so a generator that
    collapses a column is penalised instead of crashing the evaluation."""
    x = check_table(table, name, min_rows=2)
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    if method == "spearman":
        x = rankdata(x, axis=0)
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


def correlation_gap(real, synthetic, *, method: str = "pearson") -> CorrelationGap:
    """``||corr(synthetic) - corr(real)||_F`` with both matrices (notebook 04): 0 for identical
    correlation structure, larger for every pair of columns whose relationship is wrong.
    ``method`` is that of :func:`correlation_matrix` ("pearson" or "spearman")."""
    real, synthetic = _pair(real, synthetic)
    c_real = correlation_matrix(real, "real table", method=method)
    c_syn = correlation_matrix(synthetic, "synthetic table", method=method)
    diff = c_syn - c_real
    return CorrelationGap(c_real, c_syn, diff, float(np.linalg.norm(diff, "fro")))


def mean_gap(real, synthetic) -> float:
    """How far the synthetic column means are from the real ones (notebook 04): each column's
    difference in units of that real column's standard deviation, then the Euclidean norm
    over the columns. 0 when every mean matches; a constant real column counts in raw units."""
    real, synthetic = _pair(real, synthetic)
    scale = real.std(0)
    scale[scale == 0] = 1.0
    return float(np.linalg.norm((synthetic.mean(0) - real.mean(0)) / scale))


def ks_per_column(real, synthetic) -> np.ndarray:
    """Two-sample KS statistic of every column, real vs synthetic (notebook 04; the statistic
    of :func:`ks_statistic`): 0 for identical marginals, 1 for disjoint ones.

    Only the statistic is computed, as the largest gap between the two empirical CDFs at the
    pooled values of each column. ``scipy.stats.ks_2samp`` also computes an exact p-value for
    tables of up to 10,000 rows, which made one call on two 32-column tables take seconds."""
    real, synthetic = _pair(real, synthetic)
    real, synthetic = np.sort(real, axis=0), np.sort(synthetic, axis=0)
    gaps = []
    for a, b in zip(real.T, synthetic.T):
        pooled = np.concatenate([a, b])
        cdf_a = np.searchsorted(a, pooled, side="right") / len(a)
        cdf_b = np.searchsorted(b, pooled, side="right") / len(b)
        gaps.append(np.abs(cdf_a - cdf_b).max())
    return np.array(gaps)


def score_auc(real_scores, synthetic_scores) -> float:
    """ROC AUC of scores that should be higher for real rows than for synthetic ones, such as a
    discriminator's logits (notebook 04): the probability that a random real row outscores a
    random synthetic one. 0.5 is chance; below 0.5 the scores point the wrong way."""
    real_scores, synthetic_scores = check_scores(real_scores, "real scores"), check_scores(synthetic_scores, "synthetic scores")
    labels = np.r_[np.ones(len(real_scores)), np.zeros(len(synthetic_scores))]
    return float(roc_auc_score(labels, np.r_[real_scores, synthetic_scores]))


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
    scores = clf.fit(x_tr, y_tr).predict_proba(x_te)[:, 1]
    return score_auc(scores[y_te == 1], scores[y_te == 0])


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

def _comparison_row(rows, train, test, tstr_acc: float, seed: int) -> dict:
    dcr = dcr_summary(rows, train, test)
    return {"corr_gap": correlation_gap(train, rows).norm, "mean_ks": float(ks_per_column(train, rows).mean()),
            "c2st_auc": c2st_auc(train, rows, seed=seed), "tstr_acc": tstr_acc,
            "dcr_share": dcr.share_below, "median_dcr": float(np.median(dcr.synthetic_dcr))}


def evaluate_synthetic(synthetic, synthetic_labels, train, train_labels, test, test_labels, *, seed: int = 0) -> dict:
    """Every check of notebook 04 for one labelled synthetic table, as one row of the
    comparison table: correlation gap, mean KS, C2ST AUC (against the training rows), TSTR
    accuracy on the real test rows, share of rows closer to a training row than the real
    test rows' 1st percentile, and the median distance to the closest record."""
    synthetic = check_table(synthetic, "synthetic table")
    return _comparison_row(synthetic, train, test, tstr_accuracy(synthetic, synthetic_labels, test, test_labels), seed)


def real_reference(train, train_labels, test, test_labels, *, seed: int = 0) -> dict:
    """The same row for *real* held-out rows (notebook 04): what a perfect generator would
    score, up to sampling noise. Its ``tstr_acc`` is train-on-real, test-on-real; its
    ``dcr_share`` is the quantile by construction."""
    test = check_table(test, "test table")
    return _comparison_row(test, train, test, tstr_accuracy(train, train_labels, test, test_labels), seed)
