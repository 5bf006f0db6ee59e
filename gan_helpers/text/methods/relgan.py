"""RelGAN's recipe for a Gumbel-softmax text GAN (Nie et al. 2019), scaled to a CPU (notebook 07).

What RelGAN changes against notebook 07's first Gumbel GAN (read from the authors' code):

- **Hard feedback.** The generator feeds the *sampled word* back (its embedding), not the
  expected embedding y @ E; only D reads the relaxed vector y = softmax(beta * (logits + g))
  (``LSTMGenerator.sample_relaxed(..., feed_hard=True)``).
- **A large inverse temperature.** beta rises exponentially from 1 to ``beta_max`` (100 or 1000
  in the paper): :func:`inverse_temperature_schedule`, RelGAN's ``adapt="exp"``.
- **The relativistic loss** (RSGAN, :func:`~gan_helpers.common.losses.relativistic_loss`):
  each side asks its samples to score above the other's.
- **Adam at 1e-4 for both** players, 5 discriminator steps per generator step, gradients clipped at 5.
- **A discriminator with many embedded representations** (:class:`MultiRepDiscriminator`).

RelGAN's generator is a relational memory; ours stays notebook 06's LSTM (RelGAN's code has an
LSTM generator too, the ``lstm_vanilla`` architecture, with hidden size 32 on the oracle).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...common.checks import check_int, check_positive, check_probability
from ...common.history import History
from ...common.losses import discriminator_loss, generator_loss, relativistic_loss
from ...common.records import keeps_settings
from ..core.models import check_same_vocab
from ..core.vocab import check_ids
from ..training.adversarial import GANConfig, check_training_data, oracle_evaluation, train_adversarial
from ..training.trainer import descend

__all__ = ["MultiRepDiscriminator", "inverse_temperature_schedule", "RelGANConfig", "relgan_generator_step",
           "relgan_discriminator_step", "ranking_accuracy", "soft_and_hard_ranking", "train_relgan"]


class MultiRepDiscriminator(nn.Module):
    """RelGAN's CNN discriminator, scalable (notebook 07). The embedding has ``num_rep`` slices of
    ``rep_dim`` numbers; the same filters (widths ``filter_sizes``, ``num_filters`` each) slide over
    every slice, so each sentence is judged ``num_rep`` times from different learned views. Max over
    positions, a highway layer, dropout, a linear layer of ``fc_dim`` and one logit per view:
    ``forward`` returns ``(batch, num_rep)`` logits. RelGAN: 64 views of 1 number, 300 filters of
    widths 2-5, dropout 0.25, fc 100. Reads ids or one-hot/relaxed vectors ``(batch, len, vocab)``."""

    @keeps_settings
    def __init__(self, vocab_size: int, *, num_rep: int = 64, rep_dim: int = 1, filter_sizes=(2, 3, 4, 5),
                 num_filters: int = 300, dropout: float = 0.25, fc_dim: int = 100):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=2)
        self.num_rep, self.rep_dim = check_int(num_rep, "num_rep"), check_int(rep_dim, "rep_dim")
        self.filter_sizes = [check_int(w, "filter width") for w in filter_sizes]
        self.embedding = nn.Embedding(vocab_size, num_rep * rep_dim)
        self.convs = nn.ModuleList(nn.Conv1d(rep_dim, check_int(num_filters, "num_filters"), w)
                                   for w in self.filter_sizes)
        total = num_filters * len(self.filter_sizes)
        self.highway = nn.Linear(total, 2 * total)
        self.dropout = nn.Dropout(check_probability(dropout, "dropout"))
        self.fc = nn.Linear(total, check_int(fc_dim, "fc_dim"))
        self.out = nn.Linear(fc_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not x.is_floating_point():
            e = self.embedding(check_ids(x, self.vocab_size))
        elif x.dim() == 3 and x.shape[-1] == self.vocab_size:
            e = x @ self.embedding.weight
        else:
            raise ValueError(f"input must be ids (batch, len) or vectors (batch, len, vocab_size={self.vocab_size}), "
                             f"got {tuple(x.shape)}; generator and discriminator must share the vocabulary")
        batch, length = e.shape[:2]
        if length < max(self.filter_sizes):
            raise ValueError(f"sentences of length {length} are shorter than the widest filter {max(self.filter_sizes)}")
        # (batch, len, views, rep_dim) -> (batch * views, rep_dim, len): every view is a sentence to Conv1d
        e = e.view(batch, length, self.num_rep, self.rep_dim).permute(0, 2, 3, 1).reshape(-1, self.rep_dim, length)
        feats = torch.cat([F.relu(conv(e)).amax(dim=2) for conv in self.convs], dim=1)
        h, t = self.highway(feats).chunk(2, dim=1)
        t = torch.sigmoid(t)
        feats = t * F.relu(h) + (1 - t) * feats
        return self.out(self.fc(self.dropout(feats))).view(batch, self.num_rep)


def inverse_temperature_schedule(step: int, num_steps: int, beta_max: float) -> float:
    """RelGAN's exponential schedule (its ``adapt="exp"``): beta = beta_max ** (step / num_steps),
    1 at the start, ``beta_max`` at the end. The relaxed word is softmax(beta * (logits + g)),
    i.e. the temperature is 1 / beta. (RelGAN's code divides by a fixed 5,000 steps, so its 3,000-step
    runs stop at beta_max ** 0.6.)"""
    beta_max = check_positive(beta_max, "inverse temperature beta_max")
    if beta_max < 1:
        raise ValueError(f"beta_max must be at least 1 (the schedule starts at beta = 1), got {beta_max}")
    num_steps, step = check_int(num_steps, "num_steps"), check_int(step, "step", minimum=0)
    if step > num_steps:
        raise ValueError(f"step must be an integer between 0 and num_steps={num_steps}, got {step!r}")
    return beta_max ** (step / num_steps)


@dataclass(frozen=True)
class RelGANConfig(GANConfig):
    """RelGAN's settings (notebook 07) on top of :class:`GANConfig`'s: beta from 1 to ``beta_max``;
    ``feed_hard`` (the sampled word fed back); ``loss`` ``"rsgan"`` (RelGAN) or ``"standard"`` (the
    non-saturating loss of notebook 07's first GAN), for ablations. RelGAN's values are the defaults."""

    lr: float = 1e-4
    d_lr: float = 1e-4
    d_steps: int = 5
    beta_max: float = 100.0
    feed_hard: bool = True
    loss: str = "rsgan"
    eval_every: int = 100

    def __post_init__(self):
        super().__post_init__()
        inverse_temperature_schedule(0, 1, self.beta_max)
        if self.loss not in ("rsgan", "standard"):
            raise ValueError(f"loss must be 'rsgan' or 'standard', got {self.loss!r}")


def _losses(real_logits, fake_logits, loss: str):
    """(D's loss, G's loss) from logits of a real and a fake batch."""
    if loss == "rsgan":
        return relativistic_loss(real_logits, fake_logits), relativistic_loss(fake_logits, real_logits)
    return discriminator_loss(real_logits, fake_logits), generator_loss(fake_logits)


def _real_batch(real: torch.Tensor, generator, batch_size: int) -> torch.Tensor:
    return F.one_hot(real[torch.randint(len(real), (batch_size,))], generator.vocab_size).float()


def relgan_generator_step(generator, discriminator, optimizer, real: torch.Tensor, *, beta: float,
                          config: RelGANConfig = RelGANConfig()) -> float:
    """One generator update (notebook 07): relaxed sentences at inverse temperature ``beta`` (the
    sampled words fed back when ``config.feed_hard``), scored beside a real batch; descend G's
    loss through the relaxed vectors. D keeps its dropout on, as in RelGAN's code. Returns the loss."""
    y = generator.sample_relaxed(config.batch_size, temperature=1 / beta, feed_hard=config.feed_hard)
    discriminator.requires_grad_(False)
    try:
        _, g_loss = _losses(discriminator(_real_batch(real, generator, config.batch_size)), discriminator(y),
                            config.loss)
    finally:
        discriminator.requires_grad_(True)
    return descend(g_loss, optimizer, params=generator.parameters(), grad_clip=config.grad_clip,
                   what="generator loss")


def relgan_discriminator_step(discriminator, generator, real: torch.Tensor, optimizer, *, beta: float,
                              config: RelGANConfig = RelGANConfig()) -> float:
    """One discriminator update (notebook 07): a real batch as one-hots vs fresh relaxed samples at
    ``beta`` (detached), D's loss, gradients clipped at ``config.grad_clip``. Returns the loss."""
    with torch.no_grad():
        fake = generator.sample_relaxed(config.batch_size, temperature=1 / beta, feed_hard=config.feed_hard)
    discriminator.train()
    d_loss, _ = _losses(discriminator(_real_batch(real, generator, config.batch_size)), discriminator(fake),
                        config.loss)
    return descend(d_loss, optimizer, params=discriminator.parameters(), grad_clip=config.grad_clip,
                   what="discriminator loss")


@torch.no_grad()
def ranking_accuracy(discriminator, real: torch.Tensor, fake: torch.Tensor) -> float:
    """The share of (real, fake) pairs in which D scores the real sentence higher (notebook 07):
    0.5 when D cannot tell them apart, 1 when it always can. It reads any D (one logit or one per
    view, averaged) and any loss, since only the order of the scores counts. ``real`` and ``fake``
    are ids or one-hot/relaxed vectors."""
    was_training = discriminator.training
    discriminator.eval()
    try:
        r, f = (discriminator(x).reshape(len(x), -1).mean(1) for x in (real, fake))
    finally:
        discriminator.train(was_training)
    return float((r[:, None] > f[None, :]).float().mean() + 0.5 * (r[:, None] == f[None, :]).float().mean())


def soft_and_hard_ranking(discriminator, generator, real: torch.Tensor, *, temperature: float,
                          feed_hard: bool = False, num_samples: int = 500) -> dict:
    """The D(hard sample) diagnostic (notebook 07): D's :func:`ranking_accuracy` of ``real`` rows
    against ``num_samples`` relaxed sentences of ``generator`` at ``temperature`` (what a Gumbel
    GAN's D is trained on and G is trained through: ``d_rank_soft``) and against the *same*
    sentences' words as exact one-hots (what sampling a word gives, and what the metrics score:
    ``d_rank_hard``). A generator that pleases D only with soft vectors shows a low ``d_rank_soft``
    beside a high ``d_rank_hard``."""
    check_same_vocab(generator, discriminator)
    with torch.no_grad():
        y = generator.sample_relaxed(check_int(num_samples, "num_samples"), temperature=temperature,
                                     feed_hard=feed_hard)
    hard = F.one_hot(y.argmax(-1), generator.vocab_size).float()
    return {"d_rank_soft": ranking_accuracy(discriminator, real, y),
            "d_rank_hard": ranking_accuracy(discriminator, real, hard)}


def train_relgan(generator, discriminator, real: torch.Tensor, *, oracle, test: torch.Tensor,
                 config: RelGANConfig = RelGANConfig(), num_diagnostic: int = 500, progress: bool = True) -> History:
    """RelGAN-style training of ``generator`` in place (notebook 07), in the one text-GAN loop.
    Update ``step`` runs at beta = ``inverse_temperature_schedule(step - 1, num_steps, beta_max)``.
    Each evaluation logs NLL-oracle and NLL-test, and D's :func:`ranking_accuracy` of real rows
    against the generator's relaxed sentences and against the same sentences' words as exact
    one-hots (:func:`soft_and_hard_ranking`)."""
    if not isinstance(config, RelGANConfig):
        raise TypeError(f"config must be a RelGANConfig, got {type(config).__name__}")
    check_same_vocab(generator, discriminator)
    check_training_data(generator, real, test, oracle)
    num_diagnostic = check_int(num_diagnostic, "num_diagnostic")
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr)
    held = real[torch.randperm(len(real))[:num_diagnostic]]
    scores = oracle_evaluation(generator, oracle, test, config.eval_samples)

    def beta(step: int) -> float:
        return inverse_temperature_schedule(max(step - 1, 0), config.num_steps, config.beta_max)

    def evaluate(step: int) -> dict:
        return {**scores(step), "beta": beta(step),
                **soft_and_hard_ranking(discriminator, generator, held, temperature=1 / beta(step),
                                        feed_hard=config.feed_hard, num_samples=num_diagnostic)}

    def generator_step(step: int) -> dict:
        return {"g_loss": relgan_generator_step(generator, discriminator, g_opt, real, beta=beta(step), config=config)}

    def discriminator_step(step: int) -> float:
        return relgan_discriminator_step(discriminator, generator, real, d_opt, beta=beta(step), config=config)

    return train_adversarial(generator_step, discriminator_step, schedule=config.schedule(), method="RelGAN-style",
                             desc="RelGAN-style", progress=progress, evaluate=evaluate)
