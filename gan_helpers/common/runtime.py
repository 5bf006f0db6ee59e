"""Seeding, the device, and the progress bar of every training loop (introduced in
notebook 01 and used by every notebook after it)."""
from __future__ import annotations

import os
import random
import sys
import time

import numpy as np
import torch

from .checks import check_int

__all__ = ["set_seed", "get_device", "progress_bar", "PROGRESS_ENV"]


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
