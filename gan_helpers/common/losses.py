"""The GAN losses every notebook shares, computed from the discriminator's logits
(D(x) = sigmoid(logit)), and the gradient penalties that regularise a discriminator.

Introduced in notebook 01 (the value function and the two generator losses); used by the
continuous GANs of 02-04 and the text GANs of 05-10 (the Wasserstein critic and its
gradient penalty: 10). A loss of logits shaped
``(replicas, batch, 1)`` (a stacked network, see :mod:`gan_helpers.continuous.replicas`) is
one loss per replica.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["batch_mean", "discriminator_loss", "critic_loss", "generator_loss", "relativistic_loss", "r1_penalty",
           "gradient_penalty"]


def batch_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean over the samples of a batch (notebook 02): one number, or one per replica for a
    ``(replicas, batch, 1)`` tensor from a stacked network."""
    return values.mean(dim=(1, 2)) if values.ndim == 3 else values.mean()


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))], the negated value function, from logits (notebook 01).
    For logits of shape ``(replicas, batch, 1)``, one loss per replica."""
    return batch_mean(F.softplus(-real_logits)) + batch_mean(F.softplus(fake_logits))


def critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """E[D(G(z))] - E[D(x)]: a Wasserstein critic (WGAN, Arjovsky et al. 2017) widens the gap
    between its scores on real and fake samples (notebook 10). Scores are unbounded, not logits
    of a probability; one loss per replica for ``(replicas, batch, 1)`` scores."""
    return batch_mean(fake_scores) - batch_mean(real_scores)


def generator_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """Generator loss from D's logits on fakes (notebook 01); one per replica for logits of
    shape ``(replicas, batch, 1)``.

    - ``"saturating"``: E[log(1 - D(G(z)))], the minimax loss; its gradient vanishes when D
      confidently rejects the fakes, which is exactly when G most needs a signal.
    - ``"non_saturating"``: -E[log D(G(z))], same fixed point, strong gradient early on.
    - ``"wasserstein"``: -E[D(G(z))], for a critic trained by :func:`critic_loss` (notebook 10).
    """
    if kind == "non_saturating":
        return batch_mean(F.softplus(-fake_logits))
    if kind == "saturating":
        return -batch_mean(F.softplus(fake_logits))
    if kind == "wasserstein":
        return -batch_mean(fake_logits)
    raise ValueError(f"kind must be 'non_saturating', 'saturating' or 'wasserstein', got {kind!r}")


def relativistic_loss(better_logits: torch.Tensor, worse_logits: torch.Tensor) -> torch.Tensor:
    """The relativistic standard GAN loss (RSGAN, Jolicoeur-Martineau 2019; RelGAN's loss,
    notebook 07): -E[log sigmoid(C(a) - C(b))] over pairs, for logits ``better_logits`` (a) that
    should score above ``worse_logits`` (b). D's loss is ``relativistic_loss(real, fake)``, G's
    ``relativistic_loss(fake, real)``: each side asks its samples to look *more real than the
    other's*, not real in absolute terms."""
    if better_logits.shape != worse_logits.shape:
        raise ValueError(f"relativistic pairs need logits of one shape, got {tuple(better_logits.shape)} and "
                         f"{tuple(worse_logits.shape)}; score equal batches of real and fake samples")
    return F.softplus(worse_logits - better_logits).mean()


def r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 gradient penalty 0.5 * E||grad_x D(x)||^2 on real data (Mescheder et al. 2018),
    a remedy for mode collapse and oscillation in notebook 03. One per replica for a
    stacked discriminator and real data of shape ``(replicas, batch, features)``."""
    real = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(real).sum(), real, create_graph=True)
    return 0.5 * grad.pow(2).sum(dim=-1).mean(dim=-1)


def gradient_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP's penalty E[(||grad D(x_hat)|| - 1)^2] at x_hat = a x + (1 - a) G(z), a ~ U(0, 1)
    per sample (Gulrajani et al. 2017), notebook 10: it keeps the critic 1-Lipschitz along the
    lines between real and fake samples. One per replica for ``(replicas, batch, features)``."""
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches must have one shape, got {tuple(real.shape)} and {tuple(fake.shape)}")
    alpha = torch.rand(real.shape[:-1] + (1,), device=real.device, dtype=real.dtype)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(x_hat).sum(), x_hat, create_graph=True)
    return (grad.norm(dim=-1) - 1).pow(2).mean(dim=-1)
