"""Seeding, device choice, claim checks and argument validation.

Introduced in notebook 01 and used by every notebook after it.
"""
from __future__ import annotations

import math
import os
import random
from numbers import Real

import numpy as np
import torch

__all__ = [
    "set_seed",
    "get_device",
    "expect",
    "ClaimFailed",
    "check_positive",
    "check_int",
    "check_finite",
    "check_probability",
]


def set_seed(seed: int, *, threads: int | None = 1) -> None:
    """Seed Python, NumPy and torch so a notebook's numbers repeat (notebook 01).

    Same seed, same numbers on one machine. ``threads`` also pins torch's CPU thread count
    (default 1): the course's models are small, so a second thread buys nothing, and an
    idle-spinning thread pool slows training several times over when anything else runs on
    the machine. Pass ``threads=None`` to leave torch's setting alone.
    """
    seed = check_int(seed, "seed", minimum=0)
    if threads is not None:
        torch.set_num_threads(check_int(threads, "threads"))
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best available device: cuda, then mps, then cpu (notebook 01).

    ``prefer="cpu"`` forces the CPU, which is what every notebook is budgeted for.
    """
    if prefer is not None:
        if prefer not in ("cuda", "mps", "cpu"):
            raise ValueError(f"prefer must be 'cuda', 'mps', 'cpu' or None, got {prefer!r}")
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class ClaimFailed(AssertionError):
    """Raised by :func:`expect` when a lesson's claim is not true for this run."""


def _as_float(value, what: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{what}: expect() needs a single number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f"{what}: expect() needs a single number, got an array of shape {value.shape}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{what}: expect() needs a number, got {type(value).__name__}")
    return float(value)


def expect(value, *, between: tuple[float, float] | None = None, below: float | None = None,
           above: float | None = None, what: str = "value") -> float:
    """Check a measured number against the lesson's claim (notebook 01).

    Exactly one of ``between=(lo, hi)`` (inclusive), ``below=`` or ``above=`` (strict) is given.
    Prints ``✓ what = value (claim)`` when the claim holds; raises :class:`ClaimFailed`
    naming the claim and the measured value when it does not, so a notebook run fails.
    Returns the value as a float.
    """
    given = [x is not None for x in (between, below, above)]
    if sum(given) != 1:
        raise ValueError("expect() takes exactly one of between=(lo, hi), below=, above=")
    x = _as_float(value, what)
    if math.isnan(x):
        raise ClaimFailed(f"{what} is NaN: the computation that produced it broke down")
    if between is not None:
        lo, hi = between
        if lo > hi:
            raise ValueError(f"between=({lo}, {hi}): the lower bound is above the upper bound")
        ok, claim = lo <= x <= hi, f"expected between {lo:g} and {hi:g}"
    elif below is not None:
        ok, claim = x < below, f"expected below {below:g}"
    else:
        ok, claim = x > above, f"expected above {above:g}"
    if not ok:
        raise ClaimFailed(f"✗ {what} = {x:.6g}, {claim}")
    print(f"✓ {what} = {x:.4g} ({claim})")
    return x


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Validate a positive (or non-negative) finite number; return it as float."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind} finite number, got {value}")
    return value


def check_int(value, name: str, *, minimum: int = 1) -> int:
    """Validate an integer of at least ``minimum``; return it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_probability(value, name: str) -> float:
    """Validate a number in [0, 1]."""
    value = check_positive(value, name, allow_zero=True)
    if value > 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def check_finite(x, name: str):
    """Raise if a tensor or array holds NaN or infinite values; return it unchanged."""
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, dtype=float)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: it needs at least one value")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite value(s) of {arr.size}; "
                         "clean the input or check the step that produced it")
    return x
