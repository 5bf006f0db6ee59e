"""Plots and displays for the text notebooks (05-11): training histories, gradient-estimator
comparisons, temperature sweeps, one relaxed word, and the source of a loss.

The top layer of ``gan_helpers.text``: it only reads what the lower modules produce.
"""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ...common.history import History
from ..core.sampling import gumbel_softmax

__all__ = ["plot_history", "plot_histories", "plot_runs", "plot_oracle_curves", "plot_estimators_vs_temperature",
           "plot_estimators_vs_samples", "plot_sweep", "draw_relaxed_sample", "plot_sources", "plot_shortcut"]

_COLORS = {"REINFORCE": "C0", "REINFORCE + baseline": "C1", "Gumbel-softmax": "C2", "straight-through": "C3"}


def _series(history: History, name: str):
    """(steps, values) of a metric (at its evaluation steps) or of a per-update record (1, 2, ...)."""
    if not isinstance(history, History):
        raise TypeError(f"expected a History returned by a gan_helpers trainer, got {type(history).__name__}")
    values = np.asarray(history[name], dtype=float)
    if name in history.metrics:
        return np.asarray(history.steps), values
    return np.arange(1, len(values) + 1), values


def plot_history(history: History, metrics=("train_nll", "val_nll"), *, ax=None, first_step: int = 1,
                 baseline: float | None = None, baseline_label: str = "", ylabel: str = "nats per token",
                 xlabel: str = "epoch", title: str = ""):
    """Metrics of one training run against the epoch (notebooks 05, 08), from ``first_step``
    (0 includes the untrained model), with the epoch early stopping kept marked and an
    optional horizontal ``baseline``. Returns the axis."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    for name, marker in zip(metrics, "osd^v"):
        x, y = _series(history, name)
        keep = (x >= first_step) & np.isfinite(y)
        ax.plot(x[keep], y[keep], marker + "-", label=name.replace("_", " "))
    if history.best_step:
        ax.axvline(history.best_step, color="grey", ls=":", lw=1, label="kept (best validation)")
    if baseline is not None:
        ax.axhline(baseline, color="k", ls="--", lw=1, label=baseline_label)
    ax.set_xlabel(xlabel), ax.set_ylabel(ylabel), ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_histories(histories, metrics, *, axes=None, titles=None, floor: float | None = None,
                   floor_label: str = "", xlabel: str = "epoch", ylabel: str = ""):
    """Several runs side by side, one axis per metric (notebooks 06, 07, 09): ``histories`` is
    a list of :class:`History` (labelled by their method) or a dict ``{label: history}``.
    ``floor`` draws a horizontal reference line on every axis. Returns the axes."""
    runs = histories if isinstance(histories, dict) else {h.method: h for h in histories}
    if not runs:
        raise ValueError("plot_histories needs at least one history")
    if axes is None:
        axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.4), squeeze=False)[1][0]
    for ax, name, title in zip(axes, metrics, titles or metrics):
        for label, h in runs.items():
            ax.plot(*_series(h, name), "o-", ms=3, label=label)
        if floor is not None:
            ax.axhline(floor, color="k", ls="--", lw=1, label=floor_label)
        ax.set_title(title, fontsize=10), ax.set_xlabel(xlabel), ax.set_ylabel(ylabel)
    axes[-1].legend(fontsize=8)
    return axes


def plot_runs(runs: dict, metrics, *, titles=None, axes=None, xlabel: str = "epoch"):
    """Several seeds of several arms, one axis per metric (notebook 09): ``runs`` maps an
    arm's label to its histories (one per seed); an arm keeps one colour, each seed is a
    thin line, and a dot marks the epoch early stopping kept. Returns the axes."""
    if not runs:
        raise ValueError("plot_runs needs at least one arm")
    if axes is None:
        axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.4), squeeze=False)[1][0]
    for k, (label, histories) in enumerate(runs.items()):
        for i, h in enumerate(histories):
            for ax, name in zip(axes, metrics):
                x, y = _series(h, name)
                keep = x >= 1                         # epoch 0 is the untrained model
                ax.plot(x[keep], y[keep], "-", lw=1, color=f"C{k}", alpha=0.7, label=label if i == 0 else None)
                if h.best_step:
                    ax.plot(h.best_step, y[list(x).index(h.best_step)], "o", ms=4, color=f"C{k}")
    for ax, name, title in zip(axes, metrics, titles or metrics):
        ax.set_title(title, fontsize=10), ax.set_xlabel(xlabel)
    axes[-1].legend(fontsize=8)
    return axes


def plot_oracle_curves(histories, floor: float, *, axes=None):
    """NLL-oracle (quality of samples) and NLL-test (coverage of real data) over generator
    updates for several runs on the oracle, with its entropy floor (notebooks 06, 07)."""
    return plot_histories(histories, ("nll_oracle", "nll_test"), axes=axes, floor=floor,
                          floor_label="oracle entropy (floor)", xlabel="generator updates", ylabel="nats per token",
                          titles=("NLL-oracle (quality of samples)", "NLL-test (coverage of real data)"))


def _check_table(table) -> None:
    needed = {"estimator", "temperature", "num_samples", "rel_bias", "rel_variance", "rel_mse"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise TypeError("expected the table returned by compare_estimators")


def plot_estimators_vs_temperature(table: pd.DataFrame, *, axes=None):
    """Relative bias and variance of the relaxed estimators vs temperature, with the
    REINFORCE estimators (which have no temperature) as horizontal lines (notebook 05)."""
    _check_table(table)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    for name, rows in table.groupby("estimator", sort=False):
        color = _COLORS.get(name)
        for ax, col in zip(axes, ("rel_bias", "rel_variance")):
            if rows["temperature"].isna().all():
                ax.axhline(rows[col].iloc[0], color=color, ls="--", label=name)
            else:
                rows = rows.sort_values("temperature")
                ax.plot(rows["temperature"], rows[col], "o-", color=color, label=name)
    n = int(table["num_samples"].iloc[0])
    axes[0].set_ylabel("bias / ||exact gradient||"), axes[0].set_title(f"bias (n = {n} samples per estimate)")
    axes[1].set_ylabel("variance / ||exact gradient||²"), axes[1].set_title("variance")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xscale("log"), ax.set_xlabel("temperature τ")
    axes[0].legend(fontsize=8)
    return axes


def plot_estimators_vs_samples(table: pd.DataFrame, *, ax=None):
    """Relative mean squared error vs the number of samples per estimate, log-log (notebook 05).
    An unbiased estimator's MSE falls like 1/n; a biased one levels off at its bias²."""
    _check_table(table)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for (name, tau), rows in table.groupby(["estimator", "temperature"], sort=False, dropna=False):
        label = name if np.isnan(tau) else f"{name}, τ = {tau:g}"
        ls = "-" if np.isnan(tau) or tau == table["temperature"].max() else ":"
        ax.plot(rows["num_samples"], rows["rel_mse"], "o" + ls, color=_COLORS.get(name), label=label)
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("samples per estimate n"), ax.set_ylabel("MSE / ||exact gradient||²")
    ax.legend(fontsize=8)
    return ax


def plot_sweep(table: pd.DataFrame, *, x: str, y: str, ax=None, annotate: bool = True, title: str = ""):
    """One curve per model through its temperature sweep (notebook 11). The checkpoints of one
    method (the table's ``method`` column, e.g. "SeqGAN s0", "SeqGAN s1") share a colour and
    differ in marker; the first curve of each method is labelled with its temperatures."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    methods = list(dict.fromkeys(table["method"] if "method" in table else table["model"]))
    seen: dict = {}
    for name, part in table.groupby("model", sort=False):
        part = part.sort_values("temperature")
        method = part["method"].iloc[0] if "method" in part else name
        k, rank = methods.index(method), seen.setdefault(method, 0)
        seen[method] += 1
        line, = ax.plot(part[x], part[y], "-", marker="osD^v"[rank % 5], color=f"C{k % 10}", label=name, alpha=0.85)
        if annotate and rank == 0:
            # alternate methods label on opposite sides, so two curves that meet (MLE and the
            # VAE on the oracle) do not print their temperatures on top of each other
            offset, align = ((4, 3), "left") if k % 2 == 0 else ((-4, -9), "right")
            for _, r in part.iterrows():
                ax.annotate(f"{r['temperature']:g}", (r[x], r[y]), textcoords="offset points", xytext=offset,
                            ha=align, fontsize=7, color=line.get_color())
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7)
    return ax


def draw_relaxed_sample(ax, logits: torch.Tensor, noise: torch.Tensor, temperature: float, *, top_k: int = 12):
    """One Gumbel-softmax vector y = softmax((logits + noise) / temperature) (notebook 07) as
    bars over *its own* ``top_k`` largest entries, next to softmax(logits) for the same
    words. Returns y. The argmax does not depend on the temperature; only the spread does."""
    y = gumbel_softmax(logits, temperature, noise=noise).detach()
    words = y.argsort(descending=True)[:top_k]
    idx = np.arange(len(words))
    ax.bar(idx - 0.2, F.softmax(logits, -1)[words].detach().numpy(), width=0.4, label="softmax(logits)")
    ax.bar(idx + 0.2, y[words].numpy(), width=0.4, label=f"one relaxed sample, τ = {temperature:g}")
    ax.set_xticks(idx, [str(int(i)) for i in words], fontsize=7)
    ax.set_xlabel("token id (the sample's largest entries first)"), ax.set_ylim(0, 1), ax.legend(fontsize=8)
    return y


def plot_sources(table: pd.DataFrame, *, x: str, y: str, ax=None, title: str = ""):
    """One labelled point per row of ``table`` (its index names the source of the sentences),
    at columns ``x`` and ``y`` (notebook 10: every source decoded or sampled, side by side)."""
    for col in (x, y):
        if col not in table:
            raise KeyError(f"the table has no column {col!r}; it has {list(table.columns)}")
    ax = ax if ax is not None else plt.subplots(figsize=(5.5, 4))[1]
    for i, (name, row) in enumerate(table.iterrows()):
        ax.plot(row[x], row[y], "o", color=f"C{i % 10}", ms=7)
        ax.annotate(str(name), (row[x], row[y]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set(xlabel=x, ylabel=y, title=title)
    return ax


def plot_shortcut(scores: dict, *, ax=None, title: str = ""):
    """A critic's score against the mean largest entry of each sentence's rows (notebook 10):
    ``scores`` holds ``fake_max_entry``, ``fake_score``, ``real_max_entry`` and ``real_score``
    arrays (``gan_helpers.soft_critic.shortcut_scores``). Real one-hot rows sit at 1."""
    ax = ax if ax is not None else plt.subplots(figsize=(5, 3.6))[1]
    ax.scatter(scores["fake_max_entry"], scores["fake_score"], s=6, alpha=0.4, label="generated softmax rows")
    jitter = np.random.default_rng(0).uniform(-0.01, 0.01, len(scores["real_max_entry"]))
    ax.scatter(scores["real_max_entry"] + jitter, scores["real_score"], s=6, alpha=0.4, label="real one-hot rows")
    ax.set(xlabel="mean largest entry of a sentence's rows", ylabel="critic score", title=title)
    ax.legend(fontsize=8, loc="best")
    return ax
