"""Maximum-likelihood (teacher-forced) training of a text generator: pretraining with early
stopping, and MLE continued for as many updates as a GAN takes.

Introduced in notebook 05; the pretraining step of SeqGAN (06) and the Gumbel GAN (07),
the baseline every GAN is compared with (06, 07, 11).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ...common.checks import check_int, check_positive
from ...common.history import History
from ..core.metrics import sequence_nll
from ..core.vocab import check_ids
from .adversarial import GANConfig, Schedule, check_training_data, oracle_evaluation, train_adversarial
from .trainer import descend, train_epochs

__all__ = ["MLEConfig", "pretrain_mle", "continue_mle"]


@dataclass(frozen=True)
class MLEConfig:
    """How :func:`pretrain_mle` trains (notebook 05): at most ``num_epochs`` passes of Adam
    (``lr``, gradients clipped to ``grad_clip``) over minibatches of ``batch_size``, stopped
    when the validation NLL has not improved for ``patience`` epochs."""

    num_epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-2
    patience: int = 2
    grad_clip: float = 5.0

    def __post_init__(self):
        for name in ("num_epochs", "batch_size", "patience"):
            check_int(getattr(self, name), name)
        check_positive(self.lr, "lr"), check_positive(self.grad_clip, "grad_clip")


def pretrain_mle(generator, train: torch.Tensor, val: torch.Tensor, *, config: MLEConfig = MLEConfig(),
                 progress: bool = True, desc: str = "MLE") -> History:
    """Train ``generator`` to maximise the likelihood of ``train`` (notebook 05).

    Adam on minibatches of the teacher-forced NLL, gradients clipped (``config``). After
    each epoch the validation NLL is measured; training stops when it has not improved for
    ``config.patience`` epochs, and the generator is left with the weights of its best
    epoch. The history logs ``val_nll`` (epoch 0: before training) and ``train_nll`` per
    epoch; ``history.best_step`` is the epoch kept. Raises if the loss becomes NaN.
    """
    if not isinstance(config, MLEConfig):
        raise TypeError(f"config must be an MLEConfig, got {type(config).__name__}")
    for name, data in (("train", train), ("val", val)):
        check_ids(data, generator.vocab_size, name, seq_len=generator.seq_len)

    device = next(generator.parameters()).device     # the rows move to where the model is

    def batch_loss(idx):
        batch = train[idx].to(device)
        loss = generator.nll(batch)
        return loss, {"train_nll": (loss.item(), float(generator.token_mask(batch).sum()))}

    return train_epochs(generator, batch_loss, len(train), num_epochs=config.num_epochs, batch_size=config.batch_size,
                        lr=config.lr, grad_clip=config.grad_clip,
                        evaluate=lambda epoch: {"val_nll": sequence_nll(generator, val)},
                        monitor="val_nll", patience=config.patience, progress=progress, desc=desc, method="MLE")


def continue_mle(generator, real: torch.Tensor, *, oracle, test: torch.Tensor, config: GANConfig = GANConfig(),
                 progress: bool = True) -> History:
    """The baseline of notebooks 06 and 07: keep training ``generator`` by MLE on ``real``
    for as many generator updates as the GAN it is compared with (``config.num_steps``
    minibatches of ``config.batch_size``, the same optimizer, learning rate and clipping),
    through the same loop, so it records the same history (NLL-oracle and NLL-test every
    ``config.eval_every`` updates; ``oracle=None`` for real text)."""
    if not isinstance(config, GANConfig):
        raise TypeError(f"config must be a GANConfig (or a method's config), got {type(config).__name__}")
    check_training_data(generator, real, test, oracle)
    optimizer = torch.optim.Adam(generator.parameters(), lr=config.lr)

    def generator_step(step: int) -> dict:
        loss = generator.nll(real[torch.randint(len(real), (config.batch_size,))])
        return {"g_loss": descend(loss, optimizer, params=generator.parameters(), grad_clip=config.grad_clip,
                                  what="MLE loss")}

    schedule = Schedule(config.num_steps, d_steps=0, eval_every=config.eval_every)
    return train_adversarial(generator_step, schedule=schedule, method="MLE continued", desc="MLE",
                             evaluate=oracle_evaluation(generator, oracle, test, config.eval_samples),
                             progress=progress)
