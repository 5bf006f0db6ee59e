"""What every text training loop records, the one update they all take, and the one epoch
loop of maximum-likelihood training (notebooks 05-09).

- :class:`History`: one record for every text trainer. Per update: ``g_loss``, ``d_loss``,
  ``reward``, ``temperature`` (each filled by the methods that have one); per evaluation:
  ``steps`` and named ``metrics`` (``history["nll_test"]``); and ``seconds`` of training.
- :func:`descend`: one optimizer step on a loss, with gradient clipping; a NaN or infinite
  loss stops training with the loss named, before any weight changes.
- :func:`train_epochs`: passes over shuffled minibatches of a data set with Adam, an
  evaluation after each epoch and optional early stopping. MLE pretraining (05), the
  seq2seq model (08) and the sentence VAE (09) supply only their batch loss.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch

from ..utils import check_int, check_positive, progress_bar

__all__ = ["History", "descend", "train_epochs"]

# how as_row() names a few metrics in tables
_LABELS = {"nll_oracle": "NLL-oracle", "nll_test": "NLL-test"}


@dataclass
class History:
    """The training record of every text model (notebooks 05-09).

    One entry per generator update, where the method has the quantity: ``g_loss`` (the
    generator's loss), ``reward`` (mean reward of REINFORCE methods), ``temperature``
    (Gumbel-softmax methods); ``d_loss`` holds one entry per discriminator round (the mean
    over its steps) and ``d_pretrain_loss`` one per pretraining step. Evaluations:
    ``steps`` (the update or epoch of each) and ``metrics`` (name -> one value per step),
    read as ``history["nll_test"]``. ``seconds`` counts training time, evaluations excluded.
    ``best_step`` and ``stopped_early`` are set by early stopping.
    """

    method: str = ""
    g_loss: list[float] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    reward: list[float] = field(default_factory=list)
    temperature: list[float] = field(default_factory=list)
    d_pretrain_loss: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    best_step: int | None = None
    stopped_early: bool = False
    seconds: float = 0.0

    PER_UPDATE = ("g_loss", "reward", "temperature")

    def __getitem__(self, name: str) -> list[float]:
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r} was recorded; this history has {sorted(self.metrics)}")
        return self.metrics[name]

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
        """Append per-update values (``g_loss``, ``reward``, ``temperature``) after checking
        that each is finite: a NaN or infinite one stops training naming ``what`` and ``step``."""
        for name, value in values.items():
            if name not in self.PER_UPDATE:
                raise KeyError(f"{what} returned {name!r}; a generator step reports any of {self.PER_UPDATE}")
            check_finite_value(value, name, what, step)
            getattr(self, name).append(float(value))

    def best(self, name: str) -> float:
        """The value of metric ``name`` at ``best_step`` (the epoch early stopping kept)."""
        if self.best_step is None:
            raise ValueError("this history has no best_step: it was not trained with early stopping")
        return self[name][self.steps.index(self.best_step)]

    def as_row(self) -> dict:
        """Method, steps, start and end of every metric and seconds: one row of a table."""
        row = {"method": self.method, "steps": self.steps[-1] if self.steps else 0}
        for name, values in self.metrics.items():
            label = _LABELS.get(name, name)
            row[f"{label} start"], row[f"{label} end"] = values[0], values[-1]
        return {**row, "seconds": self.seconds}

    def as_dict(self) -> dict:
        """Plain lists, numbers and strings (what a checkpoint stores)."""
        return asdict(self)


def check_finite_value(value: float, name: str, what: str, step: int) -> float:
    """Raise FloatingPointError naming the quantity, the step and the usual fix."""
    value = float(value)
    if not math.isfinite(value):
        raise FloatingPointError(f"{what}: the {name} became {value} at step {step}; lower the learning rate "
                                 "(or raise the temperature) and check the data")
    return value


def descend(loss: torch.Tensor, optimizer, *, params=None, grad_clip: float | None = None,
            what: str = "loss") -> float:
    """One optimizer step on ``loss`` (notebooks 05-09): gradients cleared, back-propagated,
    clipped to norm ``grad_clip`` over ``params`` (if given), applied. A NaN or infinite
    loss raises FloatingPointError naming ``what`` before any weight changes. Returns the loss."""
    if not torch.isfinite(loss):
        raise FloatingPointError(f"the {what} became {loss.item()}; lower the learning rate (or clip gradients)")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip is not None:
        torch.nn.utils.clip_grad_norm_(params, grad_clip)
    optimizer.step()
    return loss.item()


BatchLoss = Callable[[torch.Tensor], tuple]


def train_epochs(model, batch_loss: BatchLoss, num_rows: int, *, num_epochs: int, batch_size: int, lr: float,
                 grad_clip: float, evaluate: Callable[[int], dict] | None = None, monitor: str | None = None,
                 patience: int | None = None, progress: bool = True, desc: str = "train",
                 method: str = "") -> History:
    """Minibatch training of ``model`` for ``num_epochs`` passes over ``num_rows`` rows
    (notebooks 05, 08, 09): each epoch shuffles the rows, and for each minibatch of indices
    ``batch_loss(idx)`` returns ``(loss, tallies)``; Adam (``lr``) takes one clipped step on
    the loss. ``tallies`` maps names to ``(value, weight)``: their weighted means over the
    epoch are logged as metrics, together with ``evaluate(epoch)`` (measured with the model
    in eval mode). If ``evaluate(0)`` is given it is logged before training too.

    With ``monitor`` and ``patience``, training stops when ``monitor`` (lower is better) has
    not improved for ``patience`` epochs, and the model keeps the weights of its best epoch
    (``history.best_step``). Raises FloatingPointError on a NaN or infinite loss, naming
    the epoch."""
    num_epochs, batch_size = check_int(num_epochs, "num_epochs"), check_int(batch_size, "batch_size")
    lr, grad_clip = check_positive(lr, "lr"), check_positive(grad_clip, "grad_clip")
    if (monitor is None) != (patience is None):
        raise ValueError("give monitor and patience together (early stopping) or neither")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history, best_state = History(method), None
    if monitor is not None:                       # early stopping compares with the start
        history.log(0, **evaluate(0))
        history.best_step, best_state = 0, copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    bar = progress_bar(range(1, num_epochs + 1), desc=desc, enabled=progress)
    for epoch in bar:
        model.train()
        sums: dict[str, list[float]] = {}
        for idx in torch.randperm(num_rows).split(batch_size):
            loss, tallies = batch_loss(idx)
            try:
                descend(loss, optimizer, params=model.parameters(), grad_clip=grad_clip, what=f"{desc} loss")
            except FloatingPointError as err:
                raise FloatingPointError(f"{err} (epoch {epoch}, lr={lr})") from None
            for name, (value, weight) in tallies.items():
                total = sums.setdefault(name, [0.0, 0.0])
                total[0], total[1] = total[0] + value * weight, total[1] + weight
        model.eval()
        values = {name: total / weight for name, (total, weight) in sums.items()}
        values.update(evaluate(epoch) if evaluate is not None else {})
        history.log(epoch, **values)
        bar.set_postfix(**{name: f"{v:.3f}" for name, v in values.items()})
        if monitor is None:
            continue
        if values[monitor] < history.best(monitor):
            history.best_step, best_state = epoch, copy.deepcopy(model.state_dict())
        elif epoch - history.best_step >= patience:
            history.stopped_early = True
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    history.seconds = time.perf_counter() - start
    if monitor is not None and math.isnan(history.best(monitor)):
        raise FloatingPointError(f"the {monitor} is NaN: check the data and the learning rate")
    return history
