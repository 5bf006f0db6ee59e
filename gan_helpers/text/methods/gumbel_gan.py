"""The Gumbel-softmax GAN for text (Jang et al. 2017; Maddison et al. 2017's relaxation,
the GAN of Kusner & Hernandez-Lobato 2016).

Introduced in notebook 07. Instead of REINFORCE (notebook 06), the generator emits
*relaxed* one-hot vectors y_t = softmax((logits_t + g_t) / tau) (``LSTMGenerator.sample_relaxed``),
the discriminator reads them as soft inputs (y @ E), and the generator is trained by
backpropagating the discriminator's verdict straight through the relaxed samples.
The temperature tau is annealed from ``tau_start`` to ``tau_end`` (:func:`temperature_schedule`):
high tau gives smooth, low-variance but biased gradients; low tau nearly discrete samples.
``hard=True`` uses straight-through samples: exact one-hots forward, soft gradient backward.
Training runs in the one text-GAN loop (:func:`~gan_helpers.text.train_adversarial`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ...common.checks import check_int
from ...common.history import History
from ...common.losses import discriminator_loss, generator_loss
from ..core.models import check_same_vocab
from ..core.sampling import check_temperature
from ..core.vocab import check_ids
from ..training.adversarial import GANConfig, check_training_data, oracle_evaluation, train_adversarial
from ..training.trainer import descend

__all__ = ["temperature_schedule", "GumbelGANConfig", "relaxed_entropy", "gumbel_generator_step",
           "gumbel_discriminator_step", "train_gumbel_gan"]


def temperature_schedule(step: int, num_steps: int, start: float = 1.0, end: float = 0.1) -> float:
    """Exponential annealing of the Gumbel-softmax temperature (notebook 07):
    tau(step) = start * (end / start) ** (step / num_steps), so tau(0) = start and
    tau(num_steps) = end. Both temperatures must be positive; ``step`` in [0, num_steps]."""
    start, end = check_temperature(start, "start temperature"), check_temperature(end, "end temperature")
    num_steps, step = check_int(num_steps, "num_steps"), check_int(step, "step", minimum=0)
    if step > num_steps:
        raise ValueError(f"step must be an integer between 0 and num_steps={num_steps}, got {step!r}")
    return start * (end / start) ** (step / num_steps)


@dataclass(frozen=True)
class GumbelGANConfig(GANConfig):
    """Settings of Gumbel-softmax GAN training (notebook 07), on top of :class:`GANConfig`'s:
    each generator update draws ``batch_size`` relaxed sentences at the annealed
    temperature ``tau_start`` -> ``tau_end``; ``hard`` selects straight-through samples;
    ``d_steps`` discriminator updates on real one-hots vs fresh relaxed samples follow."""

    tau_start: float = 1.0
    tau_end: float = 0.1
    hard: bool = False
    eval_every: int = 5

    def __post_init__(self):
        super().__post_init__()
        check_temperature(self.tau_start, "start temperature tau_start")
        check_temperature(self.tau_end, "end temperature tau_end")


def relaxed_entropy(y: torch.Tensor) -> float:
    """Mean entropy (nats) of relaxed one-hot vectors ``(..., vocab)`` (notebook 07): 0 for
    exact one-hots, log(vocab) for uniform vectors."""
    if not isinstance(y, torch.Tensor) or not y.is_floating_point() or y.dim() < 1 or y.shape[-1] < 2:
        raise ValueError(f"relaxed_entropy expects float (..., vocab) vectors, got "
                         f"{getattr(y, 'shape', type(y).__name__)}")
    y = y.detach()
    return float(-(y * torch.log(y.clamp_min(1e-12))).sum(-1).mean())


def gumbel_generator_step(generator, discriminator, optimizer, *, temperature: float, batch_size: int = 64,
                          hard: bool = False, grad_clip: float = 5.0) -> float:
    """One generator update of the Gumbel-softmax GAN (notebook 07): draw ``batch_size``
    relaxed (or, with ``hard``, straight-through) sentences at ``temperature``, score them
    with the discriminator and descend the non-saturating loss -log D(y), whose gradient
    flows through y into the generator. Returns the loss."""
    check_same_vocab(generator, discriminator)
    temperature = check_temperature(temperature)
    y = generator.sample_relaxed(check_int(batch_size, "batch_size"), temperature=temperature, hard=hard)
    was_training = discriminator.training
    discriminator.eval()                       # no dropout noise in the generator's signal
    discriminator.requires_grad_(False)
    try:
        loss = generator_loss(discriminator(y))
    finally:
        discriminator.requires_grad_(True)
        discriminator.train(was_training)
    return descend(loss, optimizer, params=generator.parameters(), grad_clip=grad_clip,
                   what="generator loss -log D(y)")


def gumbel_discriminator_step(discriminator, generator, real: torch.Tensor, optimizer, *, temperature: float,
                              batch_size: int = 64, hard: bool = False) -> float:
    """One discriminator update (notebook 07): real sentences as one-hot vectors vs fresh
    relaxed samples at ``temperature`` (detached: only D learns). Returns the loss. Real
    ids outside the vocabulary, or real rows of another length than the generator's, are
    rejected."""
    check_same_vocab(generator, discriminator)
    check_ids(real, generator.vocab_size, "real", seq_len=generator.seq_len)
    with torch.no_grad():
        fake = generator.sample_relaxed(batch_size, temperature=temperature, hard=hard)
    batch = F.one_hot(real[torch.randint(len(real), (batch_size,))], generator.vocab_size).float()
    discriminator.train()
    loss = discriminator_loss(discriminator(batch), discriminator(fake))
    return descend(loss, optimizer, what="discriminator loss")


def train_gumbel_gan(generator, discriminator, real: torch.Tensor, *, oracle, test: torch.Tensor,
                     config: GumbelGANConfig = GumbelGANConfig(), progress: bool = True) -> History:
    """Adversarial Gumbel-softmax training of ``generator`` in place (notebook 07), in the one
    text-GAN loop. Generator update ``step`` (:func:`gumbel_generator_step`) is at the
    temperature ``temperature_schedule(step - 1, num_steps, tau_start, tau_end)`` and is
    followed by ``d_steps`` discriminator updates (:func:`gumbel_discriminator_step`) at the
    same temperature. The history logs NLL-oracle / NLL-test every ``eval_every`` updates
    (and at step 0) like notebook 06's, ``g_loss`` (-log D(y)), ``temperature`` and ``d_loss``."""
    if not isinstance(config, GumbelGANConfig):
        raise TypeError(f"config must be a GumbelGANConfig, got {type(config).__name__}")
    check_same_vocab(generator, discriminator)
    check_training_data(generator, real, test, oracle)
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr)

    def tau(step: int) -> float:                # generator update `step` runs at the temperature of step - 1
        return temperature_schedule(step - 1, config.num_steps, config.tau_start, config.tau_end)

    def generator_step(step: int) -> dict:
        loss = gumbel_generator_step(generator, discriminator, g_opt, temperature=tau(step),
                                     batch_size=config.batch_size, hard=config.hard, grad_clip=config.grad_clip)
        return {"g_loss": loss, "temperature": tau(step)}

    def discriminator_step(step: int) -> float:
        return gumbel_discriminator_step(discriminator, generator, real, d_opt, temperature=tau(step),
                                         batch_size=config.batch_size, hard=config.hard)

    method = "Gumbel GAN" + (" (straight-through)" if config.hard else "")
    return train_adversarial(generator_step, discriminator_step, schedule=config.schedule(), method=method,
                             desc="Gumbel GAN", progress=progress,
                             evaluate=oracle_evaluation(generator, oracle, test, config.eval_samples))
