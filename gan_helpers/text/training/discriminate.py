"""Training and scoring a text discriminator on real vs generated sentences.

Introduced in notebook 05 (a discriminator separates one-hot real text from soft fakes);
the discriminator step of SeqGAN (06) and the Gumbel-softmax GAN (07).
"""
from __future__ import annotations

from typing import Callable, Union

import torch

from ...common.checks import check_int, check_positive
from ...common.losses import discriminator_loss
from ..core.vocab import check_ids
from .adversarial import run_discriminator
from .trainer import descend

__all__ = ["train_discriminator", "discriminator_accuracy", "softness_features", "check_real_fake"]

Batches = Union[torch.Tensor, Callable[[int], torch.Tensor]]


def _draw(source: Batches, n: int) -> torch.Tensor:
    if callable(source):
        return source(n)
    return source[torch.randint(len(source), (n,))]


def check_real_fake(real: torch.Tensor, fake: torch.Tensor, vocab_size: int) -> None:
    """A real and a fake batch a discriminator may compare (notebooks 05-07): ids inside the
    vocabulary (or vectors over it), and rows of the same length, since otherwise D can tell
    them apart by their length alone."""
    for name, x in (("real", real), ("fake", fake)):
        if x.is_floating_point():
            if x.dim() != 3 or x.shape[-1] != vocab_size:
                raise ValueError(f"{name} vectors must be (batch, len, vocab_size={vocab_size}), got {tuple(x.shape)}")
        else:
            check_ids(x, vocab_size, name)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real rows have {real.shape[1]} positions but fake rows {fake.shape[1]}: pad both to the "
                         "same length, or the discriminator can tell them apart by length alone")


def train_discriminator(discriminator, real: Batches, fake: Batches, *, num_steps: int, batch_size: int = 64,
                        lr: float = 1e-3, progress: bool = False, desc: str = "discriminator") -> list[float]:
    """Train ``discriminator`` to tell ``real`` from ``fake`` with the GAN discriminator loss
    (notebooks 05, 06, 07). Each is a tensor to draw random rows from (ids or one-hot/soft
    vectors) or a function ``n -> batch`` (for example fresh generator samples). Each call
    starts a fresh Adam optimizer with learning rate ``lr``. Returns the loss of each step.
    Ids outside the discriminator's vocabulary and real rows of another length than the
    fakes are rejected."""
    num_steps, batch_size = check_int(num_steps, "num_steps"), check_int(batch_size, "batch_size")
    vocab_size = discriminator.vocab_size
    for name, source in (("real", real), ("fake", fake)):
        if isinstance(source, torch.Tensor) and not source.is_floating_point():
            check_ids(source, vocab_size, name)          # the whole tensor once, not every batch
    opt = torch.optim.Adam(discriminator.parameters(), lr=check_positive(lr, "lr"))

    def step(i: int) -> float:
        r = _draw(real, batch_size)
        real_logits = discriminator(r)                 # scored before the fakes are drawn (dropout draws in between)
        f = _draw(fake, batch_size)
        check_real_fake(r, f, vocab_size)
        return descend(discriminator_loss(real_logits, discriminator(f)), opt, what="discriminator loss")

    discriminator.train()
    losses = run_discriminator(step, num_steps, desc=desc, progress=progress)
    discriminator.eval()
    return losses


def discriminator_accuracy(discriminator, real: torch.Tensor, fake: torch.Tensor) -> float:
    """Fraction of ``real`` scored real (logit > 0) and ``fake`` scored fake, over both sets
    (notebook 05). 0.5 is chance: the discriminator cannot tell them apart."""
    if len(real) == 0 or len(fake) == 0:
        raise ValueError("discriminator_accuracy needs at least one real and one fake sentence")
    discriminator.eval()
    with torch.no_grad():
        right = (discriminator(real) > 0).sum() + (discriminator(fake) <= 0).sum()
    return float(right) / (len(real) + len(fake))


def softness_features(x: torch.Tensor) -> torch.Tensor:
    """Two numbers per sentence of one-hot/soft vectors ``(batch, len, vocab)``: the mean over
    positions of the largest probability and of the entropy (nats). One-hot real text is
    exactly (1, 0); any softmax output sits elsewhere (notebook 05)."""
    if x.dim() != 3 or not x.is_floating_point():
        raise ValueError(f"softness_features expects float (batch, len, vocab) vectors, got {tuple(x.shape)} "
                         f"{x.dtype}; one-hot ids first with F.one_hot(ids, vocab_size).float()")
    entropy = -(x * torch.log(x.clamp_min(1e-12))).sum(-1)
    return torch.stack([x.amax(-1).mean(1), entropy.mean(1)], dim=1)
