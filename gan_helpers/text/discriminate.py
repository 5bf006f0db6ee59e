"""Training and scoring a text discriminator on real vs generated sentences.

Introduced in notebook 05 (a discriminator separates one-hot real text from soft fakes);
the discriminator step of SeqGAN (06) and the Gumbel-softmax GAN (07).
"""
from __future__ import annotations

from typing import Callable, Union

import torch

from ..training import discriminator_loss
from ..utils import check_int, check_positive, progress_bar

__all__ = ["train_discriminator", "discriminator_accuracy", "softness_features"]

Batches = Union[torch.Tensor, Callable[[int], torch.Tensor]]


def _draw(source: Batches, n: int) -> torch.Tensor:
    if callable(source):
        return source(n)
    return source[torch.randint(len(source), (n,))]


def train_discriminator(discriminator, real: Batches, fake: Batches, *, num_steps: int, batch_size: int = 64,
                        lr: float = 1e-3, progress: bool = False, desc: str = "discriminator") -> list[float]:
    """Train ``discriminator`` to tell ``real`` from ``fake`` with the GAN discriminator loss
    (notebooks 05, 06, 07). Each is a tensor to draw random rows from (ids or one-hot/soft
    vectors) or a function ``n -> batch`` (for example fresh generator samples). Returns the
    loss of each step."""
    num_steps, batch_size = check_int(num_steps, "num_steps"), check_int(batch_size, "batch_size")
    opt = torch.optim.Adam(discriminator.parameters(), lr=check_positive(lr, "lr"))
    discriminator.train()
    losses = []
    for step in progress_bar(range(num_steps), desc=desc, enabled=progress):
        loss = discriminator_loss(discriminator(_draw(real, batch_size)), discriminator(_draw(fake, batch_size)))
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the discriminator loss became {loss.item()} at step {step + 1}; lower lr")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
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
