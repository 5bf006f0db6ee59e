"""The one text-GAN training loop (notebooks 06-08, and every method added after them).

Text GANs differ in how they take a step, not in how they train:

- a **generator step** ``generator_step(step) -> {"g_loss": ..., "reward": ..., "temperature": ...}``
  (any of the three): SeqGAN's policy gradient with rollout rewards (06), the Gumbel-softmax
  step through D's gradient (07), the QA GAN's REINFORCE plus teacher forcing (08), or a
  plain MLE step (the control every GAN is compared with);
- a **discriminator step** ``discriminator_step(step) -> loss``: a minibatch, an epoch on
  fresh samples, whatever the method's paper does;
- a :class:`Schedule`: ``d_steps`` discriminator steps after every ``d_every`` generator
  updates, and an evaluation every ``eval_every`` updates (plus the start and the end);
- an ``evaluate(step) -> {metric: value}`` callable, e.g. :func:`oracle_evaluation`.

:func:`train_adversarial` runs them and records one :class:`~gan_helpers.text.History`. A
NaN or infinite loss or reward stops it with the step and the quantity named.
:class:`GANConfig` holds the settings every text GAN shares; each method's config adds its own.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

from ...common.checks import check_int, check_positive
from ...common.checks import check_finite_value
from ...common.history import History
from ...common.runtime import progress_bar
from ..core.metrics import heldout_nll, oracle_nll
from ..core.models import check_same_vocab
from ..core.vocab import check_ids

__all__ = ["Schedule", "GANConfig", "train_adversarial", "run_discriminator", "oracle_evaluation",
           "check_training_data"]


@dataclass(frozen=True)
class Schedule:
    """When each step runs (notebooks 06-08): ``num_steps`` generator updates; after every
    ``d_every`` of them, ``d_steps`` discriminator steps (0: none); an evaluation at the
    start, every ``eval_every`` updates (None: no others) and after the last update."""

    num_steps: int
    d_steps: int = 1
    d_every: int = 1
    eval_every: int | None = None

    def __post_init__(self):
        check_int(self.num_steps, "num_steps"), check_int(self.d_every, "d_every")
        check_int(self.d_steps, "d_steps", minimum=0)
        if self.eval_every is not None:
            check_int(self.eval_every, "eval_every")

    def discriminator_round(self, step: int) -> bool:
        """Does a discriminator round follow generator update ``step``?"""
        return self.d_steps > 0 and step % self.d_every == 0

    def evaluation(self, step: int) -> bool:
        """Is the generator evaluated after update ``step`` (0 = before training)?"""
        return step == 0 or step == self.num_steps or (self.eval_every is not None and step % self.eval_every == 0)


@dataclass(frozen=True)
class GANConfig:
    """Settings every text GAN shares (notebooks 06-08): ``num_steps`` generator updates on
    minibatches of ``batch_size`` (Adam, ``lr``, gradients clipped at ``grad_clip``);
    ``d_steps`` discriminator steps (Adam, ``d_lr``) after every ``d_every`` updates;
    evaluations every ``eval_every`` updates on ``eval_samples`` samples. Methods extend it."""

    num_steps: int = 30
    batch_size: int = 64
    lr: float = 1e-2
    grad_clip: float = 5.0
    d_steps: int = 1
    d_every: int = 1
    d_lr: float = 1e-4
    eval_every: int = 10
    eval_samples: int = 2000

    def __post_init__(self):
        for name in ("num_steps", "batch_size", "d_every", "eval_every", "eval_samples"):
            check_int(getattr(self, name), name)
        check_int(self.d_steps, "d_steps", minimum=0)
        for name in ("lr", "grad_clip", "d_lr"):
            check_positive(getattr(self, name), name)

    def schedule(self) -> Schedule:
        """The :class:`Schedule` of these settings."""
        return Schedule(self.num_steps, d_steps=self.d_steps, d_every=self.d_every, eval_every=self.eval_every)


def _named(what: str, step: int, fn, *args):
    """Run one step; a FloatingPointError inside it is re-raised naming the loop and step."""
    try:
        return fn(*args)
    except FloatingPointError as err:
        raise FloatingPointError(f"{what}, step {step}: {err}") from None


def train_adversarial(generator_step: Callable[[int], dict], discriminator_step: Callable[[int], float] | None = None,
                      *, schedule: Schedule, evaluate: Callable[[int], dict] | None = None, method: str = "",
                      progress: bool = True, desc: str | None = None) -> History:
    """The text-GAN loop (notebooks 06-08). For each generator update ``step`` = 1 ..
    ``schedule.num_steps``: ``generator_step(step)``, then, when the schedule says so,
    ``schedule.d_steps`` calls of ``discriminator_step(step)`` (their mean loss is one entry
    of ``history.d_loss``). ``evaluate(step)`` is logged at step 0 and as scheduled; its
    time does not count in ``history.seconds``. Without ``discriminator_step`` this is a
    plain training loop: the MLE control runs through it too, so both are recorded alike."""
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    desc = desc or method or "GAN"
    history, clock = History(method), None

    def evaluation(step: int) -> None:
        nonlocal clock
        if evaluate is None:
            return
        if clock is not None:
            history.seconds += time.perf_counter() - clock
        history.log(step, **_named(f"{desc} evaluation", step, evaluate, step))
        clock = time.perf_counter()

    evaluation(0)
    clock = clock or time.perf_counter()
    for step in progress_bar(range(1, schedule.num_steps + 1), desc=desc, enabled=progress):
        history.add(f"{desc} generator step", step, **_named(f"{desc} generator step", step, generator_step, step))
        if discriminator_step is not None and schedule.discriminator_round(step):
            losses = [check_finite_value(_named(f"{desc} discriminator step", step, discriminator_step, step),
                                         "discriminator loss", f"{desc} discriminator step", step)
                      for _ in range(schedule.d_steps)]
            history.d_loss.append(sum(losses) / len(losses))
        if schedule.evaluation(step):
            evaluation(step)
    if evaluate is None:
        history.seconds = time.perf_counter() - clock
    return history


def run_discriminator(discriminator_step: Callable[[int], float], num_steps: int, *, desc: str = "discriminator",
                      progress: bool = False) -> list[float]:
    """``num_steps`` discriminator steps in a row, ``discriminator_step(i)`` for i = 1 ..
    ``num_steps`` (notebooks 05-08: pretraining, or a round of SeqGAN's). Returns their
    losses; a NaN or infinite one stops it, naming the step."""
    losses = []
    for i in progress_bar(range(1, check_int(num_steps, "num_steps", minimum=0) + 1), desc=desc, enabled=progress):
        loss = _named(desc, i, discriminator_step, i)
        losses.append(check_finite_value(loss, "discriminator loss", desc, i))
    return losses


def oracle_evaluation(generator, oracle, test, num_samples: int = 2000) -> Callable[[int], dict]:
    """An ``evaluate`` for :func:`train_adversarial` (notebooks 06, 07): NLL-oracle of
    ``num_samples`` fresh samples under ``oracle`` (NaN when ``oracle`` is None: real text
    has none) and NLL-test of the held-out rows ``test``, nats per token."""
    num_samples = check_int(num_samples, "num_samples")

    def evaluate(step: int) -> dict:
        nll_oracle = math.nan if oracle is None else oracle_nll(oracle, generator.sample(num_samples))
        return {"nll_oracle": nll_oracle, "nll_test": heldout_nll(generator, test)}

    return evaluate


def check_training_data(generator, real, test, oracle=None) -> None:
    """The real rows and held-out rows fit ``generator`` (ids in its vocabulary, its row
    length), and ``oracle`` (if any) shares its vocabulary (notebooks 06, 07)."""
    for name, data in (("real", real), ("test", test)):
        check_ids(data, generator.vocab_size, name, seq_len=generator.seq_len)
    if oracle is not None:
        check_same_vocab(generator, oracle)
