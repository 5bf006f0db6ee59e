"""The one update every text trainer takes, and the one epoch loop of maximum-likelihood
training (notebooks 05-09). Both record the course's one
:class:`~gan_helpers.common.history.History`.

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
from typing import Callable

import torch

from ...common.checks import check_int, check_positive
from ...common.history import History
from ...common.runtime import progress_bar

__all__ = ["descend", "train_epochs"]

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
