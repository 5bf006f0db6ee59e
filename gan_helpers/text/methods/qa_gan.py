"""The question-answer GAN's discriminator and adversarial steps (notebook 08).

- :class:`QADiscriminator`: two GRUs read the question and the answer; an MLP on both
  summaries (and their product and difference) gives one logit. It is trained on three
  kinds of pairs: real (label 1), generated (0) and *mismatched* real pairs, a real answer
  to another question (0). The third kind is what makes D conditional: without it, D could
  score fluent answers as real whatever was asked (Reed et al. 2016's matching-aware D).
- :func:`qa_generator_step`: REINFORCE with one reward per answer (D's probability that
  the pair is real, minus the batch mean as baseline), plus MLE on the real answers
  ("teacher forcing", as in Li et al. 2017's adversarial dialogue generation), which keeps
  the generator anchored to real answers; :func:`qa_discriminator_step` on the same batch.
- :func:`train_qa_gan` runs them in the one text-GAN loop
  (:func:`~gan_helpers.text.train_adversarial`); ``pg_weight=0`` is the MLE control.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...common.checks import check_int, check_positive, check_probability
from ...common.history import History
from ...common.records import keeps_settings
from ..core.sampling import check_temperature
from ..core.vocab import Vocab, check_ids, row_lengths, token_mask
from ..training.adversarial import GANConfig, Schedule, run_discriminator, train_adversarial
from ..training.trainer import descend
from .seq2seq import check_pairs, check_questions

__all__ = ["QADiscriminator", "QAGANConfig", "qa_discriminator_loss", "qa_discriminator_step", "qa_generator_step",
           "train_qa_gan", "pair_accuracy"]


class QADiscriminator(nn.Module):
    """Conditional discriminator D(q, a): one logit per pair, D = sigmoid(logit) (notebook 08).

    A question GRU and an answer GRU (shared word embeddings) each summarise their sentence
    by the state after its ``<eos>``; an MLP reads [h_q, h_a, h_q * h_a, |h_q - h_a|], the
    product and difference being what lets it judge whether the two *fit together*.
    """

    @keeps_settings
    def __init__(self, vocab_size: int, *, emb_dim: int = 64, hidden_dim: int = 64, dropout: float = 0.2):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=5)
        emb_dim, hidden_dim = check_int(emb_dim, "emb_dim"), check_int(hidden_dim, "hidden_dim")
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=Vocab.pad_id)
        self.q_rnn = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.a_rnn = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(4 * hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Dropout(check_probability(dropout, "dropout")), nn.Linear(hidden_dim, 1))

    def _summary(self, x: torch.Tensor, rnn: nn.GRU) -> torch.Tensor:
        return rnn(self.embedding(x))[0][torch.arange(len(x)), row_lengths(x) - 1]     # the state after <eos>

    def forward(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        check_questions(q, self.vocab_size)
        check_ids(a, self.vocab_size, "answers")
        if len(a) != len(q):
            raise ValueError(f"{len(q)} questions but {len(a)} answers: D scores (question, answer) pairs")
        hq, ha = self._summary(q, self.q_rnn), self._summary(a, self.a_rnn)
        return self.mlp(torch.cat([hq, ha, hq * ha, (hq - ha).abs()], dim=1)).squeeze(1)


@dataclass(frozen=True)
class QAGANConfig(GANConfig):
    """Settings of adversarial fine-tuning (notebook 08), on top of :class:`GANConfig`'s. Each
    of ``num_steps`` rounds draws ``batch_size`` training pairs and the generator's sampled
    answers (at ``temperature``) to the same questions; the generator takes one step on
    ``pg_weight`` times the REINFORCE loss plus ``mle_weight`` times the MLE loss of the
    real answers (teacher forcing, Li et al. 2017), then D ``d_steps`` steps on the same
    batch. ``pg_weight=0`` is the control: MLE continued for the same updates, no D; runs
    with the same ``batch_seed`` draw the same fine-tuning batches, whatever else used the
    random generator. ``d_pretrain_steps`` train D against the starting generator."""

    num_steps: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    d_lr: float = 1e-3
    pg_weight: float = 1.0
    mle_weight: float = 1.0
    temperature: float = 1.0
    d_pretrain_steps: int = 200
    batch_seed: int = 0

    def __post_init__(self):
        super().__post_init__()
        check_int(self.d_pretrain_steps, "d_pretrain_steps", minimum=0)
        check_int(self.batch_seed, "batch_seed", minimum=0)
        for name in ("pg_weight", "mle_weight"):
            check_positive(getattr(self, name), name, allow_zero=True)
        if self.pg_weight == 0 and self.mle_weight == 0:
            raise ValueError("pg_weight and mle_weight are both 0: the generator would not learn anything")
        check_temperature(self.temperature)


def _mismatched(a: torch.Tensor) -> torch.Tensor:
    """Each answer moved to the next question of the batch: real answers to other questions
    (a batch drawn with replacement may rarely hold one question twice; that pair is noise)."""
    return a.roll(1, dims=0)


def qa_discriminator_loss(discriminator, q: torch.Tensor, a_real: torch.Tensor, a_fake: torch.Tensor) -> torch.Tensor:
    """D's loss on three kinds of pairs (notebook 08): BCE(D(q, a_real), 1) plus the mean of
    BCE(D(q, a_fake), 0) and BCE(D(q, a_other), 0), where a_other is a real answer to
    another question of the batch. The mismatched pairs teach D to check the *fit*."""
    bce = F.binary_cross_entropy_with_logits
    real = discriminator(q, a_real)
    fake = discriminator(q, a_fake)
    other = discriminator(q, _mismatched(a_real))
    return bce(real, torch.ones_like(real)) + 0.5 * (bce(fake, torch.zeros_like(fake)) +
                                                     bce(other, torch.zeros_like(other)))


def qa_discriminator_step(discriminator, q, a_real, a_fake, optimizer) -> float:
    """One discriminator update on real pairs, generated answers to the same questions and
    mismatched pairs (notebook 08). Returns the loss."""
    discriminator.train()
    loss = descend(qa_discriminator_loss(discriminator, q, a_real, a_fake), optimizer,
                   what="discriminator loss")
    discriminator.eval()
    return loss


def qa_generator_step(generator, discriminator, q, a_real, a_fake, optimizer, config: QAGANConfig) -> dict:
    """One generator update (notebook 08): REINFORCE with the reward D(q, a_fake) for the
    whole sampled answer, minus the batch mean (baseline), plus ``mle_weight`` times the
    MLE loss of the real answers. Returns the loss and the mean reward, ``{"g_loss", "reward"}``."""
    discriminator.eval()
    with torch.no_grad():
        reward = torch.sigmoid(discriminator(q, a_fake))                   # (batch,)
    # (the samples never hold <unk>, see generate; their log-probability is taken under the
    # full softmax, a small bias accepted for readable answers)
    generator.train()
    advantage = (reward - reward.mean())[:, None]                          # one reward for every word
    pg_loss = -(advantage * generator.log_probs(q, a_fake)).sum() / token_mask(a_fake, Vocab.eos_id).sum()
    loss = config.pg_weight * pg_loss + config.mle_weight * generator.nll(q, a_real)
    g_loss = descend(loss, optimizer, params=generator.parameters(), grad_clip=config.grad_clip,
                     what="generator loss")
    generator.eval()
    return {"g_loss": g_loss, "reward": float(reward.mean())}


def _mle_step(generator, q, a, optimizer, config: QAGANConfig) -> dict:
    generator.train()
    loss = descend(config.mle_weight * generator.nll(q, a), optimizer, params=generator.parameters(),
                   grad_clip=config.grad_clip, what="MLE loss")
    generator.eval()
    return {"g_loss": loss}


def train_qa_gan(generator, discriminator, q: torch.Tensor, a: torch.Tensor, *, config: QAGANConfig = QAGANConfig(),
                 progress: bool = True, desc: str = "QA-GAN") -> History:
    """Adversarial fine-tuning of ``generator`` in place on training pairs ``(q, a)``
    (notebook 08): ``d_pretrain_steps`` discriminator updates against the starting
    generator, then ``num_steps`` rounds of :func:`qa_generator_step` and
    :func:`qa_discriminator_step` on one minibatch each, in the one text-GAN loop. With
    ``config.pg_weight == 0`` only the MLE steps run (``discriminator`` may be None): the
    control run. ``history.seconds`` includes the discriminator's pretraining."""
    if not isinstance(config, QAGANConfig):
        raise TypeError(f"config must be a QAGANConfig, got {type(config).__name__}")
    check_pairs(generator, q, a)
    adversarial = config.pg_weight > 0
    if adversarial and (discriminator is None or discriminator.vocab_size != generator.vocab_size):
        raise ValueError("pass a QADiscriminator built with the generator's vocab_size (the corpus's len(vocab))")
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr) if adversarial else None
    start = time.perf_counter()
    # the fine-tuning batches come from their own generator: the GAN and its control (which
    # skips D's pretraining and the sampling) see the same batches in the same order
    batches = torch.Generator().manual_seed(config.batch_seed)
    generator.eval()
    pretrain_losses = []
    if adversarial and config.d_pretrain_steps:
        # the generator does not move while D is pretrained: answer every training question once
        fakes = torch.cat([generator.generate(qb, temperature=config.temperature) for qb in q.split(512)])

        def pretrain_step(i: int) -> float:
            idx = torch.randint(len(q), (config.batch_size,))
            return qa_discriminator_step(discriminator, q[idx], a[idx], fakes[idx], d_opt)

        pretrain_losses = run_discriminator(pretrain_step, config.d_pretrain_steps, desc="D pretraining",
                                            progress=progress)
    batch = {}

    def generator_step(step: int) -> dict:
        idx = torch.randint(len(q), (config.batch_size,), generator=batches)
        if not adversarial:
            return _mle_step(generator, q[idx], a[idx], g_opt, config)
        batch["idx"], batch["fake"] = idx, generator.generate(q[idx], temperature=config.temperature)
        return qa_generator_step(generator, discriminator, q[idx], a[idx], batch["fake"], g_opt, config)

    def discriminator_step(step: int) -> float:       # on the batch of the generator step just taken
        return qa_discriminator_step(discriminator, q[batch["idx"]], a[batch["idx"]], batch["fake"], d_opt)

    history = train_adversarial(generator_step, discriminator_step if adversarial else None, progress=progress,
                                schedule=Schedule(config.num_steps, d_steps=config.d_steps, d_every=config.d_every),
                                method="QA-GAN" if adversarial else "MLE control", desc=desc)
    history.d_pretrain_loss = pretrain_losses
    history.seconds = time.perf_counter() - start
    return history


def pair_accuracy(discriminator, q: torch.Tensor, a_real: torch.Tensor, a_other: torch.Tensor) -> float:
    """Fraction of pairs where D scores the real answer above ``a_other`` (another answer to
    the same question: generated, or a real answer to a different question) (notebook 08).
    0.5 is chance."""
    if not (len(q) == len(a_real) == len(a_other)) or len(q) == 0:
        raise ValueError("pair_accuracy needs the same non-zero number of questions, real and other answers")
    discriminator.eval()
    with torch.no_grad():
        return float((discriminator(q, a_real) > discriminator(q, a_other)).float().mean())
