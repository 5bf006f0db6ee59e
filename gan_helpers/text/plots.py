"""Plots for the text notebooks: MLE learning curves and gradient-estimator comparisons.

Introduced in notebook 05.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .mle import MLEHistory

__all__ = ["plot_mle_history", "plot_estimators_vs_temperature", "plot_estimators_vs_samples"]

_COLORS = {"REINFORCE": "C0", "REINFORCE + baseline": "C1", "Gumbel-softmax": "C2", "straight-through": "C3"}


def plot_mle_history(history: MLEHistory, *, ax=None, baseline: float | None = None, baseline_label: str = ""):
    """Training and validation NLL per epoch of :func:`pretrain_mle` (notebook 05)."""
    if not isinstance(history, MLEHistory):
        raise TypeError(f"expected the MLEHistory returned by pretrain_mle, got {type(history).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    epochs = np.arange(1, len(history.train_nll) + 1)
    ax.plot(epochs, history.train_nll, "o-", label="train NLL")
    ax.plot(epochs, history.val_nll, "s-", label="validation NLL")
    if history.best_epoch:
        ax.axvline(history.best_epoch, color="grey", ls=":", lw=1, label="kept (best validation)")
    if baseline is not None:
        ax.axhline(baseline, color="k", ls="--", lw=1, label=baseline_label)
    ax.set_xlabel("epoch"), ax.set_ylabel("nats per token"), ax.legend(fontsize=8)
    return ax


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
