"""Seeding, device choice, claim checks and argument validation.

Introduced in notebook 01 and used by every notebook after it.
"""
from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from numbers import Real

import numpy as np
import torch

__all__ = [
    "set_seed",
    "get_device",
    "expect",
    "ClaimFailed",
    "CLAIMS_LOG_ENV",
    "progress_bar",
    "PROGRESS_ENV",
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


PROGRESS_ENV = "GAN_HELPERS_PROGRESS"


class _FinalLine:
    """A stand-in for a tqdm bar that prints one line when the loop ends: what a committed
    notebook should show (a widget bar is saved as its first frame, "0%")."""

    def __init__(self, iterable, desc: str, total: int | None):
        self.iterable, self.desc, self.postfix = iterable, desc, ""
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.n, self._start, self._closed = 0, time.perf_counter(), False

    def __iter__(self):
        try:
            for item in self.iterable:
                self.n += 1          # counted when handed out: a loop that breaks still ran it
                yield item
        finally:
            self.close()

    def set_postfix(self, **kwargs) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in kwargs.items())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        done = f"{self.n}/{self.total}" if self.total is not None else str(self.n)
        extra = f", {self.postfix}" if self.postfix else ""
        print(f"{self.desc}: {done} in {time.perf_counter() - self._start:.1f} s{extra}", file=sys.stdout, flush=True)


def progress_bar(iterable, *, desc: str = "", total: int | None = None, enabled: bool = True):
    """Wrap a training loop's iterable in a progress bar (every notebook with training).

    ``$GAN_HELPERS_PROGRESS`` picks the display: ``bar`` (default) is a live tqdm.auto bar
    that disappears when done; ``final`` prints one line with the count and the time when
    the loop ends (the course's executor, nbval and the claims sweep set it, so committed
    notebooks show finished runs, never a frozen "0%"); ``off`` shows nothing.
    ``enabled=False`` also shows nothing. The result supports ``set_postfix(**values)``.
    """
    mode = os.environ.get(PROGRESS_ENV, "bar")
    if mode not in ("bar", "final", "off"):
        raise ValueError(f"${PROGRESS_ENV} must be 'bar', 'final' or 'off', got {mode!r}")
    if not enabled or mode == "off":
        return _Silent(iterable)
    if mode == "final":
        return _FinalLine(iterable, desc, total)
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, total=total, mininterval=0.5, leave=False)


class _Silent:
    """No display; accepts the bar's calls."""

    def __init__(self, iterable):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def set_postfix(self, **kwargs) -> None:
        pass

    def close(self) -> None:
        pass


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
