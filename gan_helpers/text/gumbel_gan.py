"""The Gumbel-softmax GAN for text (Jang et al. 2017; Kusner & Hernandez-Lobato 2016).

Introduced in notebook 07. Instead of REINFORCE (notebook 06), the generator emits
*relaxed* one-hot vectors y_t = softmax((logits_t + g_t) / tau) (``LSTMGenerator.sample_relaxed``),
the discriminator reads them as soft inputs (y @ E), and the generator is trained by
backpropagating the discriminator's verdict straight through the relaxed samples.
The temperature tau is annealed from ``tau_start`` to ``tau_end`` (:func:`temperature_schedule`):
high tau gives smooth, low-variance but biased gradients; low tau nearly discrete samples.
``hard=True`` uses straight-through samples: exact one-hots forward, soft gradient backward.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..training import discriminator_loss, generator_loss
from ..utils import check_int, check_positive, progress_bar
from .models import check_same_vocab, check_temperature
from .seqgan import TrainingCurve, _check_setup

__all__ = ["temperature_schedule", "GumbelGANConfig", "relaxed_entropy", "gumbel_generator_step",
           "gumbel_discriminator_step", "train_gumbel_gan", "gumbel_noise", "relax", "temperature_explorer"]


def temperature_schedule(step: int, num_steps: int, start: float = 1.0, end: float = 0.1) -> float:
    """Exponential annealing of the Gumbel-softmax temperature (notebook 07):
    tau(step) = start * (end / start) ** (step / num_steps), so tau(0) = start and
    tau(num_steps) = end. Both temperatures must be positive; ``step`` in [0, num_steps]."""
    start, end = check_temperature(start), check_temperature(end)
    num_steps = check_int(num_steps, "num_steps")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= num_steps:
        raise ValueError(f"step must be an integer between 0 and num_steps={num_steps}, got {step!r}")
    return start * (end / start) ** (step / num_steps)


@dataclass(frozen=True)
class GumbelGANConfig:
    """Settings of Gumbel-softmax GAN training (notebook 07). ``num_steps`` generator updates
    (Adam, ``lr``, gradients clipped at ``grad_clip``), each on ``batch_size`` relaxed
    sentences at the annealed temperature ``tau_start`` -> ``tau_end``; ``hard`` selects
    straight-through samples. ``d_steps`` discriminator updates (Adam, ``d_lr``) on real
    one-hots vs fresh relaxed samples follow every generator update."""

    num_steps: int = 30
    batch_size: int = 64
    lr: float = 1e-2
    tau_start: float = 1.0
    tau_end: float = 0.1
    hard: bool = False
    grad_clip: float = 5.0
    d_steps: int = 1
    d_lr: float = 1e-4
    eval_every: int = 5
    eval_samples: int = 2000

    def __post_init__(self):
        for name in ("num_steps", "batch_size", "eval_every", "eval_samples"):
            check_int(getattr(self, name), name)
        check_int(self.d_steps, "d_steps", minimum=0)
        check_temperature(self.tau_start), check_temperature(self.tau_end)
        for name in ("lr", "grad_clip", "d_lr"):
            check_positive(getattr(self, name), name)


def relaxed_entropy(y: torch.Tensor) -> float:
    """Mean entropy (nats) of relaxed one-hot vectors ``(..., vocab)`` (notebook 07): 0 for
    exact one-hots, log(vocab) for uniform vectors."""
    if not isinstance(y, torch.Tensor) or not y.is_floating_point() or y.dim() < 1 or y.shape[-1] < 2:
        raise ValueError(f"relaxed_entropy expects float (..., vocab) vectors, got "
                         f"{getattr(y, 'shape', type(y).__name__)}")
    y = y.detach()
    return float(-(y * torch.log(y.clamp_min(1e-12))).sum(-1).mean())


def _one_hot(real: torch.Tensor, vocab_size: int) -> torch.Tensor:
    return F.one_hot(real, vocab_size).float()


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
    if not torch.isfinite(loss):
        raise FloatingPointError(f"the generator loss became {loss.item()}; lower lr or raise the temperature")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(generator.parameters(), grad_clip)
    optimizer.step()
    return loss.item()


def gumbel_discriminator_step(discriminator, generator, real: torch.Tensor, optimizer, *, temperature: float,
                              batch_size: int = 64, hard: bool = False) -> float:
    """One discriminator update (notebook 07): real sentences as one-hot vectors vs fresh
    relaxed samples at ``temperature`` (detached: only D learns). Returns the loss."""
    check_same_vocab(generator, discriminator)
    with torch.no_grad():
        fake = generator.sample_relaxed(batch_size, temperature=temperature, hard=hard)
    batch = _one_hot(real[torch.randint(len(real), (batch_size,))], generator.vocab_size)
    discriminator.train()
    loss = discriminator_loss(discriminator(batch), discriminator(fake))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_gumbel_gan(generator, discriminator, real: torch.Tensor, *, oracle, test: torch.Tensor,
                     config: GumbelGANConfig = GumbelGANConfig(), progress: bool = True) -> TrainingCurve:
    """Adversarial Gumbel-softmax training of ``generator`` in place (notebook 07).

    Each of ``config.num_steps`` generator updates (:func:`gumbel_generator_step`) is at the
    temperature ``temperature_schedule(step - 1, num_steps, tau_start, tau_end)`` and is
    followed by ``d_steps`` discriminator updates (:func:`gumbel_discriminator_step`). The
    curve records NLL-oracle / NLL-test every ``eval_every`` updates (and at step 0) like
    notebook 06's; ``curve.d_loss`` holds the generator loss -log D(y) per update and
    ``curve.mean_reward`` the temperature used."""
    check_same_vocab(generator, discriminator)
    _check_setup(generator, real, test, oracle)
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr)
    curve = TrainingCurve("Gumbel GAN" + (" (straight-through)" if config.hard else ""))
    curve.record(0, generator, oracle, test, config.eval_samples)
    for step in progress_bar(range(1, config.num_steps + 1), desc="Gumbel GAN", enabled=progress):
        tau = temperature_schedule(step - 1, config.num_steps, config.tau_start, config.tau_end)
        curve.mean_reward.append(tau)
        curve.d_loss.append(gumbel_generator_step(generator, discriminator, g_opt, temperature=tau,
                                                  batch_size=config.batch_size, hard=config.hard,
                                                  grad_clip=config.grad_clip))
        for _ in range(config.d_steps):
            gumbel_discriminator_step(discriminator, generator, real, d_opt, temperature=tau,
                                      batch_size=config.batch_size, hard=config.hard)
        if step % config.eval_every == 0 or step == config.num_steps:
            curve.record(step, generator, oracle, test, config.eval_samples)
    return curve


def gumbel_noise(shape, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Standard Gumbel noise g = -log(-log u), u ~ U(0, 1), of ``shape`` (notebook 07)."""
    u = torch.rand(shape, generator=generator).clamp_(1e-10, 1.0)
    return -torch.log(-torch.log(u))


def relax(logits: torch.Tensor, noise: torch.Tensor, temperature: float, *, hard: bool = False) -> torch.Tensor:
    """Gumbel-softmax vectors softmax((logits + noise) / temperature), ``noise`` ``(n, K)``
    for 1-D ``logits`` ``(K,)`` (notebook 07). With ``hard``, the straight-through one-hot of
    the same draw. The argmax, and so the discrete sample, does not depend on the temperature."""
    temperature = check_temperature(temperature)
    if not isinstance(logits, torch.Tensor) or logits.dim() != 1 or len(logits) < 2:
        raise ValueError(f"logits must be a 1-D tensor of K >= 2 scores, got {getattr(logits, 'shape', logits)}")
    if noise.dim() != 2 or noise.shape[1] != len(logits):
        raise ValueError(f"noise must be (n, K={len(logits)}), got {tuple(noise.shape)}: the vocabulary sizes differ")
    y = F.softmax((logits + noise) / temperature, dim=-1)
    if hard:
        y = F.one_hot(y.argmax(-1), len(logits)).float() - y.detach() + y
    return y


def temperature_explorer(logits: torch.Tensor, *, num_samples: int = 500, top_k: int = 12, temperature: float = 1.0,
                         seed: int = 0):
    """A temperature slider (notebook 07): for next-token ``logits`` ``(K,)``, draws one
    Gumbel-softmax vector over the ``top_k`` most likely tokens next to softmax(logits), and
    prints the mean entropy and largest entry of ``num_samples`` relaxed vectors. The Gumbel
    noise is fixed, so moving the slider changes only the temperature. No training inside."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    logits = logits.detach().float()
    noise = gumbel_noise((check_int(num_samples, "num_samples"), len(logits)),
                         generator=torch.Generator().manual_seed(seed))
    order = logits.argsort(descending=True)[:check_int(top_k, "top_k")]
    probs = F.softmax(logits, -1)
    slider = widgets.FloatLogSlider(value=check_temperature(temperature), base=10, min=-2, max=1, step=0.05,
                                    description="temperature")
    out = widgets.Output()

    def redraw(_=None):
        y = relax(logits, noise, slider.value)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(8, 2.8))
            idx = torch.arange(len(order))
            ax.bar(idx - 0.2, probs[order], width=0.4, label="softmax(logits)")
            ax.bar(idx + 0.2, y[0, order], width=0.4, label=f"one relaxed sample, tau={slider.value:.2f}")
            ax.set_xticks(idx, [str(int(i)) for i in order]), ax.set_xlabel("token id (most likely first)")
            ax.set_ylim(0, 1), ax.legend(fontsize=8)
            plt.show()
            print(f"tau={slider.value:.3f}: mean entropy {relaxed_entropy(y):.3f} nats "
                  f"(one-hot: 0, uniform: {math.log(len(logits)):.2f}); mean largest entry {y.amax(-1).mean():.3f}")

    slider.observe(redraw, "value")
    redraw()
    return widgets.VBox([slider, out])
