"""Generators of synthetic rows (notebook 04): the classic lesson's linear-sigmoid networks,
the plumbing that lets :func:`train_gan` train a conditional GAN unchanged, and the two
non-GAN baselines that every GAN here is compared with: one clipped Gaussian per class, and
one Gaussian copula per class.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from scipy.special import ndtr, ndtri
from scipy.stats import rankdata

from ...common.checks import check_int
from .checks import check_labels, check_table

__all__ = [
    "row_sampler", "classic_tabular_generator", "classic_tabular_discriminator", "epoch_losses",
    "one_hot", "ConditionalGenerator", "conditional_samplers", "generate_rows", "gaussian_baseline",
    "gaussian_copula",
]


def row_sampler(table):
    """``sample_real(n)``: ``n`` rows of ``table`` drawn with replacement, as a float tensor,
    for :func:`train_gan` (notebook 04)."""
    rows = torch.as_tensor(check_table(table, "table"), dtype=torch.float32)
    return lambda n: rows[torch.randint(len(rows), (n,))]


def classic_tabular_generator(noise_dim: int, data_dim: int) -> nn.Sequential:
    """The classic lesson's generator (notebook 04): one linear layer, then a sigmoid, so
    every output lies in (0, 1) like the scaled table."""
    return nn.Sequential(nn.Linear(check_int(noise_dim, "noise_dim"), check_int(data_dim, "data_dim")), nn.Sigmoid())


def classic_tabular_discriminator(data_dim: int) -> nn.Linear:
    """The classic lesson's discriminator (notebook 04): one linear layer. It returns the
    logit; the lesson's sigmoid sits inside the BCE loss (BCE-with-logits), which is the same
    function computed stably."""
    return nn.Linear(check_int(data_dim, "data_dim"), 1)


def epoch_losses(history, steps_per_epoch: int, every: int = 10) -> pd.DataFrame:
    """Mean D and G loss over each block of ``every`` epochs of a :func:`train_gan` history:
    the classic lesson's "print the losses every ten epochs" (notebook 04)."""
    steps_per_epoch, every = check_int(steps_per_epoch, "steps_per_epoch"), check_int(every, "every")
    num_epochs = len(history.d_loss) // steps_per_epoch
    if num_epochs < every:
        raise ValueError(f"the history holds {num_epochs} epochs of {steps_per_epoch} steps, fewer than every={every}")
    rows = []
    for end in range(every, num_epochs + 1, every):
        block = slice((end - every) * steps_per_epoch, end * steps_per_epoch)
        rows.append({"epoch": end, "D loss": float(history["d_loss"][block].mean()),
                     "G loss": float(history["g_loss"][block].mean()), "mean D(x)": float(history["d_real"][block].mean()),
                     "mean D(G(z))": float(history["d_fake"][block].mean())})
    return pd.DataFrame(rows).set_index("epoch")


def one_hot(labels, num_classes: int = 2) -> torch.Tensor:
    """Class ids -> float one-hot rows (notebook 04)."""
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    num_classes = check_int(num_classes, "num_classes", minimum=2)
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {labels.min().item()}..{labels.max().item()}")
    return nn.functional.one_hot(labels, num_classes).float()


class ConditionalGenerator(nn.Module):
    """Wraps a network ``net([z, y]) -> x`` so that it maps ``[z, y]`` to ``[x, y]`` (notebook 04).

    With real rows given as ``[x, one-hot y]``, the discriminator judges the *joint*
    (row, label), and :func:`train_gan` trains a conditional GAN unchanged.
    """

    def __init__(self, net: nn.Module, num_classes: int = 2):
        super().__init__()
        self.net = net
        self.num_classes = check_int(num_classes, "num_classes", minimum=2)

    def forward(self, zy: torch.Tensor) -> torch.Tensor:
        # (batch, width), or (replicas, batch, width) when ``net`` is stacked by build_replicas
        if zy.ndim not in (2, 3) or zy.shape[-1] <= self.num_classes:
            raise ValueError(f"ConditionalGenerator expects rows [z, one-hot label] of width noise_dim + "
                             f"{self.num_classes}, got shape {tuple(zy.shape)}")
        return torch.cat([self.net(zy), zy[..., -self.num_classes:]], dim=-1)


def conditional_samplers(table, labels, noise_dim: int, num_classes: int = 2):
    """``(sample_real, sample_noise)`` for a conditional GAN trained with :func:`train_gan` (notebook 04).

    ``sample_real(n)`` draws ``n`` training rows with replacement as ``[x, one-hot y]``;
    ``sample_noise(n)`` returns ``[z, one-hot y]`` with ``z ~ N(0, I)`` and ``y`` drawn with the
    training label frequencies.
    """
    x = check_table(table, "table")
    y = one_hot(check_labels(labels, num_rows=len(x)), num_classes)
    noise_dim = check_int(noise_dim, "noise_dim")
    sample_real = row_sampler(torch.cat([torch.as_tensor(x, dtype=torch.float32), y], dim=1))
    prior = y.mean(0)

    def sample_noise(n: int) -> torch.Tensor:
        return torch.cat([torch.randn(n, noise_dim), one_hot(torch.multinomial(prior, n, replacement=True), num_classes)], 1)

    return sample_real, sample_noise


def generate_rows(generator: nn.Module, labels, noise_dim: int, num_classes: int = 2) -> np.ndarray:
    """Rows from a trained :class:`ConditionalGenerator`, one per requested label, without the
    label columns (notebook 04)."""
    y = one_hot(check_labels(labels, min_classes=1), num_classes)
    with torch.no_grad():
        out = generator(torch.cat([torch.randn(len(y), check_int(noise_dim, "noise_dim")), y], 1))
    return out[:, :-num_classes].cpu().numpy()


def _per_class(table, labels, num_samples: int, seed: int, min_rows: int, what: str):
    """Checked inputs of a per-class baseline, and labels drawn with the real class frequencies."""
    x = check_table(table, "table", min_rows=2)
    labels = check_labels(labels, num_rows=len(x))
    num_samples = check_int(num_samples, "num_samples")
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < min_rows:
        raise ValueError(f"class {classes[counts.argmin()]} has {counts.min()} row(s): {what} needs at least "
                         f"{min_rows} per class; give it more rows or merge rare classes")
    return x, labels, rng, classes, rng.choice(classes, size=num_samples, p=counts / counts.sum())


def gaussian_baseline(table, labels, num_samples: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A non-GAN baseline (notebook 04): one Gaussian per class with that class's real mean
    and covariance, sampled with the real class frequencies and clipped to [0, 1].
    Returns ``(rows, labels)``."""
    x, labels, rng, classes, out_y = _per_class(table, labels, num_samples, seed, 2, "a covariance")
    out_x = np.empty((len(out_y), x.shape[1]))
    for c in classes:
        part = x[labels == c]
        out_x[out_y == c] = rng.multivariate_normal(part.mean(0), np.cov(part, rowvar=False), int((out_y == c).sum()))
    return np.clip(out_x, 0.0, 1.0), out_y


def gaussian_copula(table, labels, num_samples: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The usual non-GAN baseline for tables (notebook 04): one Gaussian copula per class.

    Per class, each column is mapped to normal scores through its empirical CDF
    (``ndtri(rank / (n + 1))``), the correlation of the scores is fitted, and new scores are
    drawn from that correlated normal and mapped back through each column's empirical
    quantile function. Every marginal therefore matches the real one by construction (up to
    sampling), values stay inside each column's real range, and only the dependence between
    columns is Gaussian. Labels follow the real class frequencies. Returns ``(rows, labels)``.
    """
    x, labels, rng, classes, out_y = _per_class(table, labels, num_samples, seed, 3, "a copula")
    out_x = np.empty((len(out_y), x.shape[1]))
    for c in classes:
        part, n_out = x[labels == c], int((out_y == c).sum())
        flat = np.flatnonzero(np.ptp(part, axis=0) == 0)
        if flat.size:
            raise ValueError(f"column {flat[0]} is constant within class {c}: its normal scores have no "
                             "correlation; drop constant columns before fitting the copula")
        scores = ndtri(rankdata(part, axis=0) / (len(part) + 1))        # normal scores, column by column
        corr = np.atleast_2d(np.corrcoef(scores, rowvar=False))
        u = ndtr(rng.multivariate_normal(np.zeros(x.shape[1]), corr, n_out))
        out_x[out_y == c] = np.column_stack([np.quantile(part[:, j], u[:, j]) for j in range(x.shape[1])])
    return out_x, out_y
