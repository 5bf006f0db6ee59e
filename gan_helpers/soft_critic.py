"""Softmax rows fed straight to a critic, on a small vocabulary (notebook 10; Gulrajani et al.
2017's character-level WGAN-GP, Press et al. 2017, Rajeswar et al. 2017).

The generator outputs, for each of ``seq_len`` positions, a softmax row over the vocabulary;
the critic reads those rows as one flat vector, exactly as it reads a real sentence's one-hot
rows. Nothing is sampled, so the gradient flows, but a real row has largest entry 1 and a
softmax row less: an unconstrained critic can separate real from fake by that one feature
(notebook 05 §6 measured it). Gulrajani et al.'s gradient penalty keeps the critic
1-Lipschitz, which bounds how much it can reward that shortcut. Both arms train with
:func:`~gan_helpers.train_gan` (the loop of notebooks 02-04) as Wasserstein critics, five
critic updates per generator update and Adam(1e-4, betas (0.5, 0.9)), as WGAN-GP's code does.

The critic's input is ``seq_len x vocab_size`` wide, so this demonstration is limited to
:data:`MAX_VOCAB` words (the published runs used 200k-480k updates at a vocabulary of
thousands).
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .common.checks import check_int, check_positive
from .continuous.nets import mlp_discriminator, mlp_generator
from .continuous.training import TrainGANConfig, train_gan
from .text.core.metrics import oracle_nll
from .text.core.oracle import OracleConfig, oracle_data

__all__ = ["MAX_VOCAB", "small_oracle", "RowSoftmax", "train_soft_gan", "shortcut_scores", "ngram_jsd",
           "soft_report"]

MAX_VOCAB = 64          # words; the critic reads seq_len x vocab_size numbers per sentence


def small_oracle(vocab_size: int = 20, seq_len: int = 10, *, num_train: int = 5000):
    """A small oracle (notebook 06's construction) whose sentences a softmax-reading critic can
    afford to see whole (notebook 10). Refuses vocabularies above :data:`MAX_VOCAB`."""
    vocab_size, seq_len = check_int(vocab_size, "vocab_size", minimum=2), check_int(seq_len, "seq_len")
    if vocab_size > MAX_VOCAB:
        raise ValueError(f"vocab_size={vocab_size} is too large for the softmax-to-critic demo: the critic reads "
                         f"seq_len x vocab_size numbers and the limit is MAX_VOCAB={MAX_VOCAB} words; the published "
                         "runs at thousands of words took 200k+ updates")
    return oracle_data(OracleConfig(vocab_size=vocab_size, seq_len=seq_len, num_train=num_train, num_val=1000,
                                    num_test=2000))


class RowSoftmax(nn.Module):
    """Turns ``(..., seq_len * vocab_size)`` logits into one softmax row per position, still flat."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(-1, (-1, self.vocab_size)).softmax(-1).flatten(-2)


def train_soft_gan(data, *, gp_weight: float, num_steps: int = 600, seed: int = 0, noise_dim: int = 32,
                   hidden: int = 128, depth: int = 2, progress: bool = True):
    """A generator of softmax rows against a Wasserstein critic on one-hot real rows
    (notebook 10), with WGAN-GP's penalty of weight ``gp_weight`` (0 = an unconstrained
    critic). Returns ``(generator, critic, history)``."""
    gp_weight = check_positive(gp_weight, "gp_weight", allow_zero=True)
    vocab, length = data.config.vocab_size, data.config.seq_len
    if vocab > MAX_VOCAB:
        raise ValueError(f"vocab_size={vocab} is too large for the softmax-to-critic demo (limit MAX_VOCAB="
                         f"{MAX_VOCAB}); build the data with small_oracle()")
    torch.manual_seed(seed)
    G = nn.Sequential(*mlp_generator(noise_dim, length * vocab, hidden, depth), RowSoftmax(vocab))
    D = mlp_discriminator(length * vocab, hidden, depth)
    real = F.one_hot(data.train, vocab).float().flatten(1)
    config = TrainGANConfig(num_steps=num_steps, batch_size=64, d_steps=5, g_loss="wasserstein", gp_weight=gp_weight)
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))
    history = train_gan(G, D, lambda n: real[torch.randint(len(real), (n,))], lambda n: torch.randn(n, noise_dim),
                        config, opt_g=opt_g, opt_d=opt_d, progress=progress,
                        desc="softmax rows, " + ("gradient penalty" if gp_weight else "no penalty"))
    return G.eval(), D.eval(), history


@torch.no_grad()
def shortcut_scores(critic, fake: torch.Tensor, real_ids: torch.Tensor, vocab_size: int) -> dict:
    """How the critic scores softmax rows (notebook 10): for fakes and real one-hot sentences,
    the mean largest entry per row (``max_entry``) and the critic's ``score``; plus ``hard``,
    its score on the fakes turned into one-hot rows of their own argmax words (same words,
    real format). Returns numpy arrays."""
    real = F.one_hot(real_ids, vocab_size).float().flatten(1)
    rows = fake.unflatten(-1, (-1, vocab_size))
    hard = F.one_hot(rows.argmax(-1), vocab_size).float().flatten(1)
    return {"fake_max_entry": rows.max(-1).values.mean(-1).numpy(), "fake_score": critic(fake).squeeze(-1).numpy(),
            "real_max_entry": np.ones(len(real)), "real_score": critic(real).squeeze(-1).numpy(),
            "hard_score": critic(hard).squeeze(-1).numpy()}


def ngram_jsd(samples: torch.Tensor, references: torch.Tensor, n: int = 4) -> float:
    """Jensen-Shannon divergence (nats, 0 to log 2) between the n-gram distributions of two
    sets of id rows (notebook 10): 0 when the samples use n-grams as often as real text does;
    it punishes bad n-grams and missing ones, so collapse costs as much as nonsense."""
    def dist(x):
        c = Counter(g for row in x.tolist() for g in zip(*(row[i:] for i in range(check_int(n, "n")))))
        total = sum(c.values())
        return {k: v / total for k, v in c.items()}
    p, q = dist(samples), dist(references)
    out = 0.0
    for k in set(p) | set(q):
        pk, qk = p.get(k, 0.0), q.get(k, 0.0)
        m = 0.5 * (pk + qk)
        out += 0.5 * (pk * math.log(pk / m) if pk else 0.0) + 0.5 * (qk * math.log(qk / m) if qk else 0.0)
    return out


@torch.no_grad()
def soft_report(generator, critic, data, *, num_samples: int = 2000, seed: int = 0) -> dict:
    """What a softmax-row generator makes (notebook 10), from ``num_samples`` noise draws:
    its argmax sentences' NLL-oracle, 4-gram JSD to the test set and unique share; sentences
    sampled from its rows' NLL-oracle; the mean largest entry; and the critic's correlation
    between score and largest entry over fakes and real sentences pooled (the shortcut), and
    its accuracy at telling real sentences from the fakes' argmax words in one-hot format."""
    vocab = data.config.vocab_size
    gen = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    z = torch.randn(num_samples, generator[0].in_features, generator=gen)
    fake = generator(z)
    rows = fake.unflatten(-1, (-1, vocab))
    argmax = rows.argmax(-1)
    drawn = torch.multinomial(rows.flatten(0, 1), 1, generator=gen).view_as(argmax)
    s = shortcut_scores(critic, fake, data.val[:num_samples], vocab)
    scores = np.concatenate([s["fake_score"], s["real_score"]])
    entries = np.concatenate([s["fake_max_entry"], s["real_max_entry"]])
    threshold = np.median(np.concatenate([s["real_score"], s["hard_score"]]))
    accuracy = 0.5 * ((s["real_score"] > threshold).mean() + (s["hard_score"] <= threshold).mean())
    return {"NLL-oracle (argmax)": oracle_nll(data.oracle, argmax), "NLL-oracle (sampled)": oracle_nll(data.oracle, drawn),
            "JSD-4 (argmax)": ngram_jsd(argmax, data.test, 4),
            "unique (argmax)": len(set(map(tuple, argmax.tolist()))) / num_samples,
            "largest entry": float(s["fake_max_entry"].mean()),
            "corr(score, largest entry)": float(np.corrcoef(entries, scores)[0, 1]),
            "real vs hardened fake accuracy": float(accuracy)}
