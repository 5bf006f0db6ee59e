"""Reviews as rows of a table: TF-IDF, optional word selection, truncated SVD, and min-max
scaling to [0, 1] (notebook 04). Every step is a fitted scikit-learn object, so a row can be
mapped back to words and a column explained.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.preprocessing import MinMaxScaler

from ...common.checks import check_int
from .checks import check_labels, check_table

__all__ = ["ReviewEmbedder", "fit_review_embedder"]


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
