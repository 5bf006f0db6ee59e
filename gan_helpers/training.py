"""One GAN training loop for every continuous notebook, with the losses it uses.

Introduced in notebook 01 (the losses) and 02 (the loop); reused in 03 and 04.
Discriminators return logits; D(x) = sigmoid(logit).
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import get_ema_multi_avg_fn

from .nets import MinibatchDiscrimination
from .replicas import replica_count
from .utils import check_int, check_positive, progress_bar

__all__ = [
    "discriminator_loss",
    "generator_loss",
    "r1_penalty",
    "pack_samples",
    "History",
    "ema_copy",
    "exponential_decay",
    "hold_then_cosine",
    "train_gan",
]


def _sample_mean(values: torch.Tensor) -> torch.Tensor:
    """Mean over the samples of a batch: one number, or one per replica for a
    ``(replicas, batch, 1)`` tensor from a stacked network (see :mod:`gan_helpers.replicas`)."""
    return values.mean(dim=(1, 2)) if values.ndim == 3 else values.mean()


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))], the negated value function, from logits (notebook 01).
    For logits of shape ``(replicas, batch, 1)``, one loss per replica."""
    return _sample_mean(F.softplus(-real_logits)) + _sample_mean(F.softplus(fake_logits))


def generator_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """Generator loss from D's logits on fakes (notebook 01); one per replica for logits of
    shape ``(replicas, batch, 1)``.

    - ``"saturating"``: E[log(1 - D(G(z)))], the minimax loss; its gradient vanishes when D
      confidently rejects the fakes, which is exactly when G most needs a signal.
    - ``"non_saturating"``: -E[log D(G(z))], same fixed point, strong gradient early on.
    """
    if kind == "non_saturating":
        return _sample_mean(F.softplus(-fake_logits))
    if kind == "saturating":
        return -_sample_mean(F.softplus(fake_logits))
    raise ValueError(f"kind must be 'non_saturating' or 'saturating', got {kind!r}")


def r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1 gradient penalty 0.5 * E||grad_x D(x)||^2 on real data (Mescheder et al. 2018),
    a remedy for mode collapse and oscillation in notebook 03. One per replica for a
    stacked discriminator and real data of shape ``(replicas, batch, features)``."""
    real = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(real).sum(), real, create_graph=True)
    return 0.5 * grad.pow(2).sum(dim=-1).mean(dim=-1)


def pack_samples(x: torch.Tensor, pack: int) -> torch.Tensor:
    """Concatenate groups of ``pack`` samples into one row, for a PacGAN discriminator
    (notebook 03). Works on ``(batch, features)`` and on ``(replicas, batch, features)``."""
    if x.shape[-2] % pack:
        raise ValueError(f"batch of {x.shape[-2]} samples cannot be split into packs of {pack}; "
                         f"use a batch_size divisible by pack")
    return x.reshape(*x.shape[:-2], x.shape[-2] // pack, -1)


@dataclass
class History:
    """What :func:`train_gan` records: per-step losses and mean D outputs, metrics at the
    evaluation steps, and generated samples at the snapshot steps."""

    loss_d: np.ndarray
    loss_g: np.ndarray
    d_real: np.ndarray
    d_fake: np.ndarray
    metric_steps: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0

    def metric(self, name: str) -> np.ndarray:
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r} recorded; recorded: {sorted(self.metrics)}")
        return np.asarray(self.metrics[name])

    def final(self, name: str) -> float:
        """The metric's value at the last evaluation step."""
        return float(self.metric(name)[-1])


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


def _check_setup(generator, discriminator, sample_real, sample_noise, *, batch_size, pack, replicas,
                 ema_generator, ema_decay, device) -> None:
    """Fail early, with what to fix, on inputs that would otherwise train garbage."""
    if batch_size % pack:
        raise ValueError(f"batch_size ({batch_size}) must be divisible by pack ({pack})")
    if replicas is not None:
        for name, net in (("generator", generator), ("discriminator", discriminator)):
            if replica_count(net) != replicas:
                raise ValueError(f"replicas={replicas} but the {name} holds {replica_count(net) or 'no'} replicas: "
                                 "build both networks with build_replicas(build, seeds) and len(seeds) == replicas")
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


def train_gan(generator: nn.Module, discriminator: nn.Module,
              sample_real: Callable[[int], torch.Tensor], sample_noise: Callable[[int], torch.Tensor], *,
              num_steps: int, batch_size: int, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
              d_steps: int = 1, g_loss: str = "non_saturating", pack: int = 1, r1_weight: float = 0.0,
              schedulers: Iterable = (), eval_steps: Iterable[int] = (), num_eval_samples: int = 1000,
              metrics_fn: Callable[[torch.Tensor], dict] | None = None, snapshot_steps: Iterable[int] | None = None,
              ema_generator: nn.Module | None = None, ema_decay: float = 0.999, replicas: int | None = None,
              progress: bool = True, desc: str = "training GAN") -> History | list[History]:
    """Train a GAN, or many independent replicas of one, and record the history (introduced
    in notebook 02; used in 03 and 04).

    Each step: ``d_steps`` discriminator updates on a real and a fake batch, then one
    generator update. ``sample_real(n)`` and ``sample_noise(n)`` return batches. ``pack``
    groups samples for a PacGAN discriminator; ``r1_weight`` adds the R1 gradient penalty.
    At each of ``eval_steps`` (and at the end) ``num_eval_samples`` fakes are drawn, passed
    to ``metrics_fn`` (which returns ``{name: value}``) and, at ``snapshot_steps`` (default:
    the eval steps), stored. Stops with a clear error on a NaN or infinite loss.

    ``ema_generator`` (a copy of ``generator``, see :func:`ema_copy`) is updated after each
    generator step to an exponential moving average of its weights with ``ema_decay``, and
    is the one evaluated: averaging smooths the oscillation GAN training never quite stops
    (Yazici et al. 2019), so the final samples depend less on the exact last step.

    ``replicas=R`` trains R independent GANs at once: ``generator`` and ``discriminator``
    come from :func:`~gan_helpers.replicas.build_replicas`, every batch is drawn once per
    replica, and each replica's loss is its own batch mean; the losses are summed, so each
    replica receives exactly its own gradient. Returns one :class:`History` per replica.
    """
    num_steps, batch_size = check_int(num_steps, "num_steps"), check_int(batch_size, "batch_size")
    d_steps, pack = check_int(d_steps, "d_steps"), check_int(pack, "pack")
    num_eval_samples = check_int(num_eval_samples, "num_eval_samples")
    r1_weight = check_positive(r1_weight, "r1_weight", allow_zero=True)
    replicas = None if replicas is None else check_int(replicas, "replicas")
    generator_loss(torch.zeros(1), g_loss)  # validates the name before any work
    eval_set = sorted({check_int(s, "eval step", minimum=0) for s in eval_steps} | {num_steps})
    snap_set = set(eval_set) if snapshot_steps is None else {int(s) for s in snapshot_steps}
    schedulers = list(schedulers)
    if ema_generator is not None:
        ema_decay = check_positive(ema_decay, "ema_decay")
        if ema_decay >= 1:
            raise ValueError(f"ema_decay must be below 1, got {ema_decay}")
        ema_update = get_ema_multi_avg_fn(ema_decay)
        ema_params, params = list(ema_generator.parameters()), list(generator.parameters())
    device = next(generator.parameters()).device
    _check_setup(generator, discriminator, sample_real, sample_noise, batch_size=batch_size, pack=pack,
                 replicas=replicas, ema_generator=ema_generator, ema_decay=ema_decay, device=device)
    sampler = generator if ema_generator is None else ema_generator
    num_runs = replicas or 1
    # Per-step numbers stay in a tensor (no .item() per step): recording costs almost nothing.
    buf = torch.zeros(num_steps, num_runs, 4)
    histories = [History(np.array([]), np.array([]), np.array([]), np.array([])) for _ in range(num_runs)]
    start_time, checked = time.perf_counter(), 0

    def evaluate(step: int) -> None:
        with torch.no_grad():
            samples = sampler(_draw(sample_noise, num_eval_samples, replicas, device)).cpu()
        for history, run_samples in zip(histories, samples if replicas else [samples]):
            if metrics_fn is not None:
                history.metric_steps.append(step)
                for name, value in metrics_fn(run_samples).items():
                    history.metrics.setdefault(name, []).append(float(value))
            if step in snap_set:
                history.snapshots[step] = run_samples.numpy().copy()

    if 0 in eval_set:
        evaluate(0)
    for step in progress_bar(range(1, num_steps + 1), desc=desc, enabled=progress):
        for _ in range(d_steps):
            real = pack_samples(_draw(sample_real, batch_size, replicas, device), pack)
            with torch.no_grad():
                fake = pack_samples(generator(_draw(sample_noise, batch_size, replicas, device)), pack)
            real_logits, fake_logits = discriminator(real), discriminator(fake)
            loss_d = discriminator_loss(real_logits, fake_logits)
            if r1_weight > 0:
                loss_d = loss_d + r1_weight * r1_penalty(discriminator, real)
            opt_d.zero_grad(set_to_none=True)
            loss_d.sum().backward()
            opt_d.step()
        fake_logits = discriminator(pack_samples(generator(_draw(sample_noise, batch_size, replicas, device)), pack))
        loss_g = generator_loss(fake_logits, g_loss)
        opt_g.zero_grad(set_to_none=True)
        loss_g.sum().backward()
        opt_g.step()
        if ema_generator is not None:
            ema_update(ema_params, params, None)
        for sched in schedulers:
            sched.step()
        with torch.no_grad():
            buf[step - 1] = torch.stack([loss_d, loss_g, _sample_mean(torch.sigmoid(real_logits)),
                                         _sample_mean(torch.sigmoid(fake_logits))], dim=-1)
        if step % 100 == 0 or step == num_steps:
            _check_finite_block(buf, checked, step)
            checked = step
        if step in eval_set:
            evaluate(step)

    seconds = time.perf_counter() - start_time
    for r, history in enumerate(histories):
        history.loss_d, history.loss_g, history.d_real, history.d_fake = (buf[:, r, i].numpy().copy() for i in range(4))
        history.seconds = seconds
    return histories if replicas is not None else histories[0]
