"""Validation shared by the tabular helpers: a table of numbers, a vector of class labels, a score per row.

Introduced in notebook 04. Every tabular function passes its inputs through these, so a
wrong shape, a NaN or a single-class label vector fails with a message that says what to fix.
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["check_table", "check_labels", "check_scores"]


def _as_array(values) -> np.ndarray:
    return values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values)


def check_table(table, name: str = "table", *, num_columns: int | None = None, min_rows: int = 1) -> np.ndarray:
    """A 2-D, finite float64 copy of a table (array or tensor) of shape (rows, columns) (notebook 04).

    Raises a ``ValueError`` naming ``name`` when the table is not 2-D, has fewer than
    ``min_rows`` rows, has a number of columns other than ``num_columns``, or holds a NaN or
    infinite value.
    """
    arr = _as_array(table)
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
    arr = _as_array(labels)
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


def check_scores(scores, name: str = "scores") -> np.ndarray:
    """One score per row (a 1-D array, or a column of shape (rows, 1) such as a
    discriminator's logits) as a finite float64 vector (notebook 04)."""
    arr = _as_array(scores)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must hold one score per row, shape (rows,) or (rows, 1), got shape {arr.shape}")
    return check_table(arr[:, None], name)[:, 0]
