"""Claim checks: a notebook states its lesson as a measured number inside bounds, and the
check fails the run when the lesson stops being true (introduced in notebook 01).

:func:`expect` prints ``✓ what = value (claim)`` or raises :class:`ClaimFailed`; when
``$GAN_HELPERS_CLAIMS_LOG`` names a file, every check is appended to it with its margin, so
the claims sweep (``python -m gan_helpers.course.sweep``) can count passes over seeds.
"""
from __future__ import annotations

import json
import math
import os
from numbers import Real

import numpy as np
import torch

__all__ = ["expect", "ClaimFailed", "CLAIMS_LOG_ENV"]


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


CLAIMS_LOG_ENV = "GAN_HELPERS_CLAIMS_LOG"


def _claim_margin(x: float, between, below, above) -> float:
    """How far ``x`` is inside its claim (negative: outside), in the value's own units."""
    if between is not None:
        return min(x - between[0], between[1] - x)
    return below - x if below is not None else x - above


def _log_claim(record: dict) -> None:
    """Append one check to the claims log named by ``$GAN_HELPERS_CLAIMS_LOG``, if set: the
    claims sweep reads it to count passes and worst margins over seeds."""
    path = os.environ.get(CLAIMS_LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def expect(value, *, between: tuple[float, float] | None = None, below: float | None = None,
           above: float | None = None, what: str = "value") -> None:
    """Check a measured number against the lesson's claim (notebook 01).

    Exactly one of ``between=(lo, hi)`` (inclusive), ``below=`` or ``above=`` (strict) is given.
    Prints ``✓ what = value (claim)`` when the claim holds; raises :class:`ClaimFailed`
    naming the claim and the measured value when it does not, so a notebook run fails.
    When ``$GAN_HELPERS_CLAIMS_LOG`` names a file, every check (passed or not) is appended
    to it with its margin, for the claims sweep (``python -m gan_helpers.course sweep``).
    """
    given = [x is not None for x in (between, below, above)]
    if sum(given) != 1:
        raise ValueError("expect() takes exactly one of between=(lo, hi), below=, above=")
    x = _as_float(value, what)
    if between is not None:
        lo, hi = (_as_float(b, f"{what}: bound") for b in between)
        if lo > hi:
            raise ValueError(f"between=({lo}, {hi}): the lower bound is above the upper bound")
        between = (lo, hi)
        claim = f"expected between {lo:g} and {hi:g}"
        ok = lo <= x <= hi
    elif below is not None:
        below = _as_float(below, f"{what}: bound")
        ok, claim = x < below, f"expected below {below:g}"
    else:
        above = _as_float(above, f"{what}: bound")
        ok, claim = x > above, f"expected above {above:g}"
    ok = ok and not math.isnan(x)
    margin = float("nan") if math.isnan(x) else _claim_margin(x, between, below, above)
    _log_claim({"what": what, "value": x, "between": between, "below": below, "above": above,
                "ok": ok, "margin": margin})
    if math.isnan(x):
        raise ClaimFailed(f"{what} is NaN: the computation that produced it broke down")
    if not ok:
        raise ClaimFailed(f"✗ {what} = {x:.6g}, {claim}")
    print(f"✓ {what} = {x:.4g} ({claim})")


