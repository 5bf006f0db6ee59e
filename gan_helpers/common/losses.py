"""The GAN losses every notebook shares, computed from the discriminator's logits
(D(x) = sigmoid(logit)), and the gradient penalties that regularise a discriminator.

Introduced in notebook 01 (the value function and the two generator losses); used by the
continuous GANs of 02-04 and the text GANs of 05-10. A loss of logits shaped
``(replicas, batch, 1)`` (a stacked network, see :mod:`gan_helpers.continuous.replicas`) is
one loss per replica.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["batch_mean", "discriminator_loss", "generator_loss", "r1_penalty"]


def batch_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean over the samples of a batch (notebook 02): one number, or one per replica for a
    ``(replicas, batch, 1)`` tensor from a stacked network."""
    return values.mean(dim=(1, 2)) if values.ndim == 3 else values.mean()


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))], the negated value function, from logits (notebook 01).
    For logits of shape ``(replicas, batch, 1)``, one loss per replica."""
    return batch_mean(F.softplus(-real_logits)) + batch_mean(F.softplus(fake_logits))


def generator_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """Generator loss from D's logits on fakes (notebook 01); one per replica for logits of
    shape ``(replicas, batch, 1)``.

    - ``"saturating"``: E[log(1 - D(G(z)))], the minimax loss; its gradient vanishes when D
      confidently rejects the fakes, which is exactly when G most needs a signal.
    - ``"non_saturating"``: -E[log D(G(z))], same fixed point, strong gradient early on.
    """
    if kind == "non_saturating":
        return batch_mean(F.softplus(-fake_logits))
    if kind == "saturating":
        return -batch_mean(F.softplus(fake_logits))
    raise ValueError(f"kind must be 'non_saturating' or 'saturating', got {kind!r}")


def r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 gradient penalty 0.5 * E||grad_x D(x)||^2 on real data (Mescheder et al. 2018),
    a remedy for mode collapse and oscillation in notebook 03. One per replica for a
    stacked discriminator and real data of shape ``(replicas, batch, features)``."""
    real = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(real).sum(), real, create_graph=True)
    return 0.5 * grad.pow(2).sum(dim=-1).mean(dim=-1)
