"""Maximum-likelihood (teacher-forced) training of a text generator, with early stopping.

Introduced in notebook 05; the pretraining step of SeqGAN (06), the Gumbel GAN (07) and the
MLE baseline of notebook 10.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import torch

from ..utils import check_int, check_positive, progress_bar
from .metrics import sequence_nll
from .models import check_ids

__all__ = ["MLEHistory", "pretrain_mle"]


@dataclass
class MLEHistory:
    """Per-epoch mean training NLL and validation NLL (nats per token) of
    :func:`pretrain_mle`; ``initial_val_nll`` is before any training (notebook 05)."""

    initial_val_nll: float
    train_nll: list[float] = field(default_factory=list)
    val_nll: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def best_val_nll(self) -> float:
        return self.val_nll[self.best_epoch - 1] if self.best_epoch else self.initial_val_nll


def pretrain_mle(generator, train: torch.Tensor, val: torch.Tensor, *, num_epochs: int = 20,
                 batch_size: int = 64, lr: float = 1e-2, patience: int = 2, grad_clip: float = 5.0,
                 progress: bool = True, desc: str = "MLE") -> MLEHistory:
    """Train ``generator`` to maximise the likelihood of ``train`` (notebook 05).

    Adam on minibatches of the teacher-forced NLL, gradients clipped to ``grad_clip``.
    After each epoch the validation NLL is measured; training stops when it has not
    improved for ``patience`` epochs, and the generator is left with the weights of its
    best epoch. Raises if the loss becomes NaN or infinite.
    """
    for name, data in (("train", train), ("val", val)):
        check_ids(data, generator.vocab_size, name)
        if data.shape[1] != generator.seq_len:
            raise ValueError(f"{name} rows have {data.shape[1]} positions but the generator's seq_len is "
                             f"{generator.seq_len}; build it with seq_len={data.shape[1]}")
    num_epochs, batch_size = check_int(num_epochs, "num_epochs"), check_int(batch_size, "batch_size")
    patience = check_int(patience, "patience")
    lr, grad_clip = check_positive(lr, "lr"), check_positive(grad_clip, "grad_clip")
    opt = torch.optim.Adam(generator.parameters(), lr=lr)
    history = MLEHistory(initial_val_nll=sequence_nll(generator, val))
    best_state, best = copy.deepcopy(generator.state_dict()), history.initial_val_nll
    start = time.perf_counter()
    bar = progress_bar(range(1, num_epochs + 1), desc=desc, enabled=progress)
    for epoch in bar:
        generator.train()
        total, count = 0.0, 0
        for idx in torch.randperm(len(train)).split(batch_size):
            batch = train[idx]
            loss = generator.nll(batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"the MLE loss became {loss.item()} in epoch {epoch}: lower lr (now {lr}) "
                                         "or grad_clip")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(generator.parameters(), grad_clip)
            opt.step()
            tokens = float(generator.token_mask(batch).sum())
            total, count = total + loss.item() * tokens, count + tokens
        history.train_nll.append(total / count)
        history.val_nll.append(sequence_nll(generator, val))
        bar.set_postfix(train=f"{history.train_nll[-1]:.3f}", val=f"{history.val_nll[-1]:.3f}")
        if history.val_nll[-1] < best:
            best, history.best_epoch = history.val_nll[-1], epoch
            best_state = copy.deepcopy(generator.state_dict())
        elif epoch - history.best_epoch >= patience:
            history.stopped_early = True
            break
    generator.load_state_dict(best_state)
    generator.eval()
    history.seconds = time.perf_counter() - start
    if math.isnan(history.best_val_nll):
        raise FloatingPointError("the validation NLL is NaN: check the data and the learning rate")
    return history
