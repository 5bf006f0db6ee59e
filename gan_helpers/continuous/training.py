"""The one GAN training loop of the continuous notebooks, its config, packing, weight
averaging and learning-rate schedules (introduced in notebook 02; reused in 03, 04 and the
code GAN of notebook 10). The losses it uses live in :mod:`gan_helpers.common.losses`.
Discriminators return logits; D(x) = sigmoid(logit).
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import torch
from torch import nn
from torch.optim.swa_utils import get_ema_multi_avg_fn

from ..common.checks import check_int, check_positive
from ..common.history import History
from ..common.losses import batch_mean, critic_loss, discriminator_loss, generator_loss, gradient_penalty, r1_penalty
from ..common.runtime import progress_bar
from .nets import MinibatchDiscrimination
from .replicas import replica_count

__all__ = [
    "TrainGANConfig",
    "pack_samples",
    "ema_copy",
    "exponential_decay",
    "hold_then_cosine",
    "train_gan",
]


def pack_samples(x: torch.Tensor, pack: int) -> torch.Tensor:
    """Concatenate groups of ``pack`` samples into one row, for a PacGAN discriminator
    (notebook 03). Works on ``(batch, features)`` and on ``(replicas, batch, features)``."""
    if x.shape[-2] % pack:
        raise ValueError(f"batch of {x.shape[-2]} samples cannot be split into packs of {pack}; "
                         f"use a batch_size divisible by pack")
    return x.reshape(*x.shape[:-2], x.shape[-2] // pack, -1)


def ema_copy(generator: nn.Module) -> nn.Module:
    """A frozen copy of ``generator`` to hold the moving average of its weights (notebook 04)."""
    ema = copy.deepcopy(generator)
    for p in ema.parameters():
        p.requires_grad_(False)
    return ema


def exponential_decay(optimizer: torch.optim.Optimizer, num_steps: int, final_fraction: float):
    """A scheduler that shrinks the learning rate smoothly to ``final_fraction`` of its start
    over ``num_steps`` steps (notebook 02). A GAN that keeps a large step size keeps
    oscillating around the equilibrium; a decaying one settles closer to it."""
    num_steps = check_int(num_steps, "num_steps")
    final_fraction = check_positive(final_fraction, "final_fraction")
    if final_fraction > 1:
        raise ValueError(f"final_fraction must be at most 1, got {final_fraction}")
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: final_fraction ** min(step / num_steps, 1.0))


def hold_then_cosine(optimizer: torch.optim.Optimizer, num_steps: int, *, hold_fraction: float = 0.3,
                     final_fraction: float = 0.003):
    """A scheduler that keeps the learning rate for the first ``hold_fraction`` of training,
    then follows a cosine down to ``final_fraction`` of it (notebook 03). The large early
    steps find the modes; the small late ones sharpen each mode to its true width."""
    num_steps = check_int(num_steps, "num_steps")
    final_fraction = check_positive(final_fraction, "final_fraction")
    hold_fraction = check_positive(hold_fraction, "hold_fraction", allow_zero=True)
    if final_fraction > 1 or hold_fraction >= 1:
        raise ValueError(f"need final_fraction <= 1 and hold_fraction < 1, got {final_fraction}, {hold_fraction}")
    hold = int(hold_fraction * num_steps)

    def factor(step: int) -> float:
        if step < hold:
            return 1.0
        t = min(1.0, (step - hold) / max(1, num_steps - hold))
        return final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * t))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


_RECORDED = ("discriminator loss", "generator loss", "mean D(x)", "mean D(G(z))")


def _check_finite_block(buf: torch.Tensor, start: int, stop: int) -> None:
    bad = ~torch.isfinite(buf[start:stop])
    if bad.any():
        row, replica, col = (int(v) for v in bad.nonzero()[0])
        where = f"replica {replica}: " if buf.shape[1] > 1 else ""
        raise FloatingPointError(
            f"{where}the {_RECORDED[col]} became {buf[start + row, replica, col].item()} at step {start + row + 1}: "
            "training diverged. Lower the learning rate, check the data scale, or add a gradient penalty.")


def _draw(sample: Callable[[int], torch.Tensor], n: int, replicas: int | None, device) -> torch.Tensor:
    """One batch, or one per replica stacked to ``(replicas, n, features)``: each replica
    gets its own draws, never a share of another's."""
    batch = sample(n) if replicas is None else torch.stack([sample(n) for _ in range(replicas)])
    return batch.to(device)


def _check_setup(generator, discriminator, sample_real, sample_noise, config, replicas, ema_generator,
                 device) -> None:
    """Fail early, with what to fix, on inputs that would otherwise train garbage."""
    batch_size, pack = config.batch_size, config.pack
    if replica_count(discriminator) != replicas:
        raise ValueError(f"the generator holds {replicas or 'no'} replicas but the discriminator "
                         f"{replica_count(discriminator) or 'no'}: build both with build_replicas(build, seeds)")
    if batch_size // pack < 2 and any(isinstance(m, MinibatchDiscrimination) for m in discriminator.modules()):
        raise ValueError(f"batch_size={batch_size} with pack={pack} gives the discriminator {batch_size // pack} row(s) "
                         "per replica, but minibatch discrimination compares each row with the others of its own "
                         f"batch: use batch_size of at least {2 * pack}")
    if ema_generator is not None:
        if [p.shape for p in generator.parameters()] != [p.shape for p in ema_generator.parameters()]:
            raise ValueError("ema_generator must be a copy of generator (same parameter shapes); use ema_copy(generator)")
    real, fake = _draw(sample_real, batch_size, replicas, device), generator(_draw(sample_noise, batch_size, replicas, device))
    if real.shape != fake.shape:
        raise ValueError(f"generator output has shape {tuple(fake.shape)} but a real batch has shape "
                         f"{tuple(real.shape)}: make the generator's output size match the data")
    try:
        discriminator(pack_samples(real, pack))
    except RuntimeError as err:
        raise ValueError(f"the discriminator cannot read packed batches of shape "
                         f"{tuple(pack_samples(real, pack).shape)} (pack={pack}); build it with the same "
                         f"pack and data size. torch said: {err}") from None


@dataclass(frozen=True)
class TrainGANConfig:
    """How :func:`train_gan` trains (notebook 02; 03 and 04): ``num_steps`` generator updates,
    each after ``d_steps`` discriminator updates, on batches of ``batch_size`` samples.
    ``g_loss`` is "non_saturating" or "saturating"; ``pack`` groups that many samples into
    one discriminator input (PacGAN: the batch holds ``batch_size / pack`` packs);
    ``r1_weight`` adds the R1 penalty; for replicas (see :func:`build_replicas`) it may be a
    tuple with one weight per replica, so an ablation of the weight trains as one batched
    model (notebook 04). ``g_loss="wasserstein"`` makes D a Wasserstein critic
    (:func:`~gan_helpers.common.losses.critic_loss`), and ``gp_weight`` adds WGAN-GP's gradient
    penalty (notebook 10). At each of ``eval_steps`` (and the last step)
    ``num_eval_samples`` fakes are drawn and measured; at ``snapshot_steps`` (default: the
    eval steps) they are kept. ``ema_decay`` is the weight average's decay, when one is kept."""

    num_steps: int
    batch_size: int
    d_steps: int = 1
    g_loss: str = "non_saturating"
    pack: int = 1
    r1_weight: float | tuple = 0.0
    gp_weight: float = 0.0
    eval_steps: tuple = ()
    num_eval_samples: int = 1000
    snapshot_steps: tuple | None = None
    ema_decay: float = 0.999

    def __post_init__(self):
        for name in ("num_steps", "batch_size", "d_steps", "pack", "num_eval_samples"):
            check_int(getattr(self, name), name)
        if isinstance(self.r1_weight, (tuple, list)):
            if not self.r1_weight:
                raise ValueError("r1_weight is an empty tuple: give one weight per replica, or one number for all")
            object.__setattr__(self, "r1_weight", tuple(check_positive(w, "each r1_weight", allow_zero=True)
                                                        for w in self.r1_weight))
        else:
            check_positive(self.r1_weight, "r1_weight", allow_zero=True)
        check_positive(self.gp_weight, "gp_weight", allow_zero=True)
        generator_loss(torch.zeros(1), self.g_loss)       # validates the name
        if self.batch_size % self.pack:
            raise ValueError(f"batch_size ({self.batch_size}) must be divisible by pack ({self.pack}): a batch "
                             f"holds batch_size / pack packs; for PacGAN's m x 100 samples use "
                             f"batch_size={self.pack * 100}")
        if not 0 < check_positive(self.ema_decay, "ema_decay") < 1:
            raise ValueError(f"ema_decay must be below 1, got {self.ema_decay}")
        object.__setattr__(self, "eval_steps", tuple(check_int(s, "eval step", minimum=0) for s in self.eval_steps))
        if self.snapshot_steps is not None:
            object.__setattr__(self, "snapshot_steps", tuple(int(s) for s in self.snapshot_steps))


def train_gan(generator: nn.Module, discriminator: nn.Module,
              sample_real: Callable[[int], torch.Tensor], sample_noise: Callable[[int], torch.Tensor],
              config: TrainGANConfig, *, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
              schedulers: Iterable = (), metrics_fn: Callable[[torch.Tensor], dict] | None = None,
              ema_generator: nn.Module | None = None, replicas: int | None = None, device=None,
              progress: bool = True, desc: str = "training GAN") -> History | list[History]:
    """Train a GAN, or many independent replicas of one, and record the history (introduced
    in notebook 02; used in 03, 04 and 10).

    Each step (``config``, a :class:`TrainGANConfig`): ``d_steps`` discriminator updates on a
    real and a fake batch, then one generator update. ``sample_real(n)`` and
    ``sample_noise(n)`` return batches. At each evaluation step the fakes are passed to
    ``metrics_fn`` (which returns ``{name: value}``) and, at the snapshot steps, stored.
    Stops with a clear error on a NaN or infinite loss.

    ``ema_generator`` (a copy of ``generator``, see :func:`ema_copy`) is updated after each
    generator step to an exponential moving average of its weights with ``config.ema_decay``,
    and is the one evaluated: averaging smooths the oscillation GAN training never quite
    stops (Yazici et al. 2019), so the final samples depend less on the exact last step.

    Networks built by :func:`~gan_helpers.continuous.replicas.build_replicas` hold R
    independent GANs: every batch is drawn once per replica, each replica's loss is its own
    batch mean, and the losses are summed, so each replica receives exactly its own
    gradient; one :class:`History` per replica is returned. The replica count is read from
    the networks (``replicas=R`` only asserts it). ``device`` (default: the generator's)
    is where the networks are moved and every batch is drawn to.
    """
    if not isinstance(config, TrainGANConfig):
        raise TypeError(f"config must be a TrainGANConfig, got {type(config).__name__}")
    num_steps, batch_size, pack, r1_weight = config.num_steps, config.batch_size, config.pack, config.r1_weight
    found = replica_count(generator)
    if replicas is not None and replicas != found:
        raise ValueError(f"replicas={replicas} but the generator holds {found or 'no'} replicas: build both networks "
                         "with build_replicas(build, seeds) and len(seeds) == replicas")
    replicas = found
    if isinstance(r1_weight, tuple):
        if replicas is None or len(r1_weight) != replicas:
            raise ValueError(f"r1_weight holds {len(r1_weight)} weights but the networks hold {replicas or 'no'} "
                             "replicas: give one weight per replica (build_replicas), or one number for all")
    use_r1 = max(r1_weight if isinstance(r1_weight, tuple) else (r1_weight,)) > 0
    eval_set = sorted(set(config.eval_steps) | {num_steps})
    snap_set = set(eval_set) if config.snapshot_steps is None else set(config.snapshot_steps)
    schedulers = list(schedulers)
    device = next(generator.parameters()).device if device is None else torch.device(device)
    if isinstance(r1_weight, tuple):                   # one weight per replica's loss
        r1_weight = torch.tensor(r1_weight, device=device)
    for net in (generator, discriminator, ema_generator):
        if net is not None:
            net.to(device)
    if ema_generator is not None:
        ema_update = get_ema_multi_avg_fn(config.ema_decay)
        ema_params, params = list(ema_generator.parameters()), list(generator.parameters())
    _check_setup(generator, discriminator, sample_real, sample_noise, config, replicas, ema_generator, device)
    sampler = generator if ema_generator is None else ema_generator
    num_runs = replicas or 1
    # Per-step numbers stay in a tensor (no .item() per step): recording costs almost nothing.
    buf = torch.zeros(num_steps, num_runs, 4)
    histories = [History(method=desc) for _ in range(num_runs)]
    start_time, checked = time.perf_counter(), 0

    def evaluate(step: int) -> None:
        with torch.no_grad():
            samples = sampler(_draw(sample_noise, config.num_eval_samples, replicas, device)).cpu()
        for history, run_samples in zip(histories, samples if replicas else [samples]):
            if metrics_fn is not None:
                history.log(step, **metrics_fn(run_samples))
            if step in snap_set:
                history.snapshots[step] = run_samples.numpy().copy()

    if 0 in eval_set:
        evaluate(0)
    for step in progress_bar(range(1, num_steps + 1), desc=desc, enabled=progress):
        for _ in range(config.d_steps):
            real = pack_samples(_draw(sample_real, batch_size, replicas, device), pack)
            with torch.no_grad():
                fake = pack_samples(generator(_draw(sample_noise, batch_size, replicas, device)), pack)
            real_logits, fake_logits = discriminator(real), discriminator(fake)
            if config.g_loss == "wasserstein":
                loss_d = critic_loss(real_logits, fake_logits)
            else:
                loss_d = discriminator_loss(real_logits, fake_logits)
            if use_r1:
                loss_d = loss_d + r1_weight * r1_penalty(discriminator, real)
            if config.gp_weight > 0:
                loss_d = loss_d + config.gp_weight * gradient_penalty(discriminator, real, fake)
            opt_d.zero_grad(set_to_none=True)
            loss_d.sum().backward()
            opt_d.step()
        fake_logits = discriminator(pack_samples(generator(_draw(sample_noise, batch_size, replicas, device)), pack))
        loss_g = generator_loss(fake_logits, config.g_loss)
        opt_g.zero_grad(set_to_none=True)
        loss_g.sum().backward()
        opt_g.step()
        if ema_generator is not None:
            ema_update(ema_params, params, None)
        for sched in schedulers:
            sched.step()
        with torch.no_grad():
            buf[step - 1] = torch.stack([loss_d, loss_g, batch_mean(torch.sigmoid(real_logits)),
                                         batch_mean(torch.sigmoid(fake_logits))], dim=-1)
        if step % 100 == 0 or step == num_steps:
            _check_finite_block(buf, checked, step)
            checked = step
        if step in eval_set:
            evaluate(step)

    seconds = time.perf_counter() - start_time
    for r, history in enumerate(histories):
        history.d_loss, history.g_loss, history.d_real, history.d_fake = (buf[:, r, i].numpy().copy() for i in range(4))
        history.seconds = seconds
    return histories if replicas is not None else histories[0]
