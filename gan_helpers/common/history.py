"""The one training record of the course, for the continuous GANs (notebooks 02-04) and
every text model (05-11): what each update measured, what each evaluation measured, and
how long training took.

- Per update (each filled by the methods that have the quantity): ``g_loss``, ``d_loss``
  (a continuous GAN's per step; a text GAN's per discriminator round), ``d_real`` and
  ``d_fake`` (mean D(x) and D(G(z))), ``reward`` (REINFORCE methods), ``temperature``
  (Gumbel-softmax methods), ``d_pretrain_loss``.
- Per evaluation: ``steps`` (the update or epoch of each) and ``metrics`` (name -> one value
  per step); ``snapshots`` (step -> generated samples) where a trainer keeps them.
- ``best_step`` and ``stopped_early`` (early stopping), ``seconds`` of training.

Read any series as an array with ``history[name]`` (a metric or a per-update record) and
the last evaluation with ``history.final(name)``. Introduced in notebook 02.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
import torch

from .checks import check_finite_value

__all__ = ["History"]

# how as_row() names a few metrics in tables
_LABELS = {"nll_oracle": "NLL-oracle", "nll_test": "NLL-test"}


@dataclass
class History:
    """The training record of every model in the course (introduced in notebook 02; see the
    module's docstring for the fields)."""

    method: str = ""
    g_loss: list[float] | np.ndarray = field(default_factory=list)
    d_loss: list[float] | np.ndarray = field(default_factory=list)
    d_real: list[float] | np.ndarray = field(default_factory=list)
    d_fake: list[float] | np.ndarray = field(default_factory=list)
    reward: list[float] | np.ndarray = field(default_factory=list)
    temperature: list[float] | np.ndarray = field(default_factory=list)
    d_pretrain_loss: list[float] | np.ndarray = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)
    best_step: int | None = None
    stopped_early: bool = False
    seconds: float = 0.0

    PER_UPDATE = ("g_loss", "d_loss", "d_real", "d_fake", "reward", "temperature", "d_pretrain_loss")

    def __getitem__(self, name: str) -> np.ndarray:
        """The series ``name`` as an array: a metric (one value per evaluation step) or a
        per-update record such as ``"d_loss"``."""
        if name in self.metrics:
            return np.asarray(self.metrics[name], dtype=float)
        if name in self.PER_UPDATE and len(getattr(self, name)):
            return np.asarray(getattr(self, name))
        recorded = [f for f in self.PER_UPDATE if len(getattr(self, f))]
        raise KeyError(f"this history has no {name!r}: metrics {sorted(self.metrics)}, per-update records {recorded}")

    def final(self, name: str) -> float:
        """The metric's value at the last evaluation step."""
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r} recorded; recorded: {sorted(self.metrics)}")
        return float(self.metrics[name][-1])

    def log(self, step: int, **metrics: float) -> None:
        """Record evaluation ``metrics`` at ``step``. A metric missing at some step is NaN
        there (the training loss of epoch 0, before any training, for example)."""
        self.steps.append(int(step))
        n = len(self.steps)
        for name, value in metrics.items():
            self.metrics.setdefault(name, [math.nan] * (n - 1)).append(float(value))
        for values in self.metrics.values():
            if len(values) < n:
                values.append(math.nan)

    def add(self, what: str, step: int, **values: float) -> None:
        """Append per-update values (``g_loss``, ``reward``, ``temperature``, ...) after
        checking that each is finite: a NaN or infinite one stops training naming ``what``
        and ``step``."""
        for name, value in values.items():
            if name not in self.PER_UPDATE:
                raise KeyError(f"{what} returned {name!r}; an update reports any of {self.PER_UPDATE}")
            check_finite_value(value, name, what, step)
            series = getattr(self, name)
            if isinstance(series, np.ndarray):
                setattr(self, name, series := series.tolist())
            series.append(float(value))

    def best(self, name: str) -> float:
        """The value of metric ``name`` at ``best_step`` (the epoch early stopping kept)."""
        if self.best_step is None:
            raise ValueError("this history has no best_step: it was not trained with early stopping")
        return self.metrics[name][self.steps.index(self.best_step)]

    def as_row(self) -> dict:
        """Method, steps, start and end of every metric and seconds: one row of a table."""
        row = {"method": self.method, "steps": self.steps[-1] if self.steps else 0}
        for name, values in self.metrics.items():
            label = _LABELS.get(name, name)
            row[f"{label} start"], row[f"{label} end"] = values[0], values[-1]
        return {**row, "seconds": self.seconds}

    def as_dict(self) -> dict:
        """What a record stores (readable with ``torch.load(weights_only=True)``): numbers,
        strings and lists, with the per-update series and snapshots as float tensors."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in self.PER_UPDATE:
                value = torch.as_tensor(np.asarray(value, dtype=np.float32))
            elif f.name == "snapshots":
                value = {int(k): torch.as_tensor(np.asarray(v)) for k, v in value.items()}
            elif f.name in ("steps", "metrics"):
                value = list(value) if f.name == "steps" else {k: list(v) for k, v in value.items()}
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, stored: dict) -> "History":
        """The history that :meth:`as_dict` stored (notebooks 03, 06-11 load records this way)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(stored) - known)
        if unknown:
            raise ValueError(f"a stored history has unknown fields {unknown}: it was written by other code; "
                             "rebuild the record with `python -m gan_helpers.recipes --rebuild NAME`")
        values = dict(stored)
        for name in cls.PER_UPDATE:
            if name in values:
                values[name] = np.asarray(values[name])
        if "snapshots" in values:
            values["snapshots"] = {int(k): np.asarray(v) for k, v in values["snapshots"].items()}
        return cls(**values)
