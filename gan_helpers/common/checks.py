"""Validation of arguments: every helper checks what it is given and fails with a message
that says what to fix (introduced in notebook 01, used by every module of the package)."""
from __future__ import annotations

import math
from numbers import Real

import numpy as np
import torch

__all__ = ["check_positive", "check_int", "check_probability", "check_finite", "check_finite_value"]


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Validate a positive (or non-negative) finite number; return it as float (notebook 01)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind} finite number, got {value}")
    return value


def check_int(value, name: str, *, minimum: int = 1) -> int:
    """Validate an integer of at least ``minimum``; return it (notebook 01)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_probability(value, name: str) -> float:
    """Validate a number in [0, 1] (notebook 01)."""
    value = check_positive(value, name, allow_zero=True)
    if value > 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def check_finite(x, name: str):
    """Raise if a tensor or array holds NaN or infinite values; return it unchanged (notebook 01)."""
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=float)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: it needs at least one value")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite value(s) of {arr.size}; "
                         "clean the input or check the step that produced it")
    return x


def check_finite_value(value: float, name: str, what: str, step: int) -> float:
    """Raise FloatingPointError naming the quantity, the step and the usual fix (notebooks 02-10:
    a training loop's loss or reward that became NaN or infinite)."""
    value = float(value)
    if not math.isfinite(value):
        raise FloatingPointError(f"{what}: the {name} became {value} at step {step}; lower the learning rate "
                                 "(or raise the temperature) and check the data")
    return value
