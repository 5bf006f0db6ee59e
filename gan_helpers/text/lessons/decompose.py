"""Cooling or information? (notebook 06): MLE's temperature curve, and each arm's change of
NLL-oracle split into what cooling the MLE start alone buys and what the reward adds.

For an arm that ends at NLL-test ``n`` (or entropy ``h``), T* is the temperature at which the
MLE start has the same NLL-test (entropy), on the branch T <= 1 where cooling trades coverage
for quality. Then

- cooling = NLL-oracle of MLE at T = 1 minus NLL-oracle of MLE at T*;
- information = NLL-oracle of MLE at T* minus the arm's NLL-oracle;

and the two add up to the arm's whole gain over MLE at T = 1.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from ...common.checks import check_int
from ..core.metrics import oracle_nll
from ..methods.reward_arms import entropy_per_token
from .compare import check_temperatures

__all__ = ["temperature_curve", "matching_temperature", "cooling_split", "arms_table", "plot_discriminator_training",
           "plot_arms_on_curve"]


def temperature_curve(generator, data, temperatures: Sequence[float], *, num_samples: int = 2000,
                      seed: int = 0) -> pd.DataFrame:
    """NLL-oracle, NLL-test and exact per-word entropy of ``generator`` sampled at each
    temperature (notebook 06); ``data`` is an :class:`~gan_helpers.text.OracleData`."""
    temps, num_samples = check_temperatures(temperatures), check_int(num_samples, "num_samples")
    rows = []
    for t in temps:
        torch.manual_seed(seed)
        rows.append(dict(temperature=t, nll_oracle=oracle_nll(data.oracle, generator.sample(num_samples, temperature=t)),
                         nll_test=generator.nll_per_token(data.test, temperature=t),
                         entropy=entropy_per_token(generator, num_samples=num_samples // 2, temperature=t)))
    return pd.DataFrame(rows)


def matching_temperature(curve: pd.DataFrame, value: float, *, match: str = "nll_test") -> float:
    """The temperature T <= 1 at which ``curve`` has ``match`` (``"nll_test"`` or
    ``"entropy"``) equal to ``value``, by linear interpolation; NaN outside the curve's range."""
    if match not in ("nll_test", "entropy"):
        raise ValueError(f"match must be 'nll_test' or 'entropy', got {match!r}")
    cool = curve[curve.temperature <= 1.0].sort_values("temperature")
    if len(cool) < 2:
        raise ValueError("the curve needs at least 2 temperatures at or below 1")
    x, t = cool[match].to_numpy(), cool.temperature.to_numpy()
    order = np.argsort(x)
    if not x.min() <= value <= x.max():
        return float("nan")
    return float(np.interp(value, x[order], t[order]))


def cooling_split(curve: pd.DataFrame, arms: Mapping[str, Mapping[str, float]], *, match: str = "nll_test") -> pd.DataFrame:
    """For each arm ``{name: {"nll_oracle": ..., "nll_test": ..., "entropy": ...}}``: T*, the
    gain over MLE at T = 1 (``total``) and its split into ``cooling`` and ``information``
    (notebook 06). NaN where the arm lies outside the curve's temperatures."""
    if not (curve.temperature == 1.0).any():
        raise ValueError("the curve must include temperature 1.0 (the MLE model as trained)")
    at_one = float(curve.loc[curve.temperature == 1.0, "nll_oracle"].iloc[0])
    rows = []
    for name, arm in arms.items():
        t_star = matching_temperature(curve, float(arm[match]), match=match)
        mle_star = float("nan") if np.isnan(t_star) else float(np.interp(t_star, curve.temperature, curve.nll_oracle))
        rows.append(dict(arm=name, nll_oracle=arm["nll_oracle"], nll_test=arm["nll_test"], T_star=t_star,
                         total=at_one - arm["nll_oracle"], cooling=at_one - mle_star,
                         information=mle_star - arm["nll_oracle"]))
    return pd.DataFrame(rows).set_index("arm")


def arms_table(runs: Sequence[Mapping], metrics: Sequence[str] = ("nll_oracle", "nll_test", "entropy")) -> pd.DataFrame:
    """One row per (seed, arm) with each metric at the last evaluation (notebook 06); ``runs``
    holds one ``{arm: History}`` per seed, in seed order."""
    rows = [dict(seed=seed, arm=arm, **{m: h.final(m) for m in metrics})
            for seed, run in enumerate(runs) for arm, h in run.items()]
    return pd.DataFrame(rows)


def plot_discriminator_training(histories: Mapping, *, axes=None):
    """D's accuracy on its training rows and on held-out rows, and the correlation of its
    score with the oracle's log-likelihood, over pretraining rounds (notebook 06); one line
    per ``{label: History}``."""
    import matplotlib.pyplot as plt
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    for k, (label, h) in enumerate(histories.items()):
        color = f"C{k}"
        axes[0].plot(h.steps, h["d_train_acc"], "--", color=color, alpha=0.7, label=f"{label}: training rows")
        axes[0].plot(h.steps, h["d_heldout_acc"], "-", color=color, label=f"{label}: held-out rows")
        axes[1].plot(h.steps, h["d_corr_oracle"], "-", color=color, label=label)
    axes[0].axhline(0.5, color="grey", lw=0.8)
    axes[1].axhline(0.0, color="grey", lw=0.8)
    axes[0].set(title="accuracy against fresh samples of G0", xlabel="pretraining round", ylabel="accuracy")
    axes[1].set(title="corr(D's logit, oracle log-likelihood) on G0's samples", xlabel="pretraining round")
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    return axes


def plot_arms_on_curve(curve: pd.DataFrame, table: pd.DataFrame, *, floor: float, ax=None):
    """MLE's temperature curve in the (NLL-test, NLL-oracle) plane with every (seed, arm) end
    point of ``table`` (:func:`arms_table`) on the same axes (notebook 06)."""
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(curve.nll_test, curve.nll_oracle, "k.-", label="MLE start at temperature T")
    for _, r in curve.iterrows():
        ax.annotate(f"{r.temperature:g}", (r.nll_test, r.nll_oracle), xytext=(4, 2), textcoords="offset points",
                    fontsize=7)
    for k, (arm, part) in enumerate(table.groupby("arm", sort=False)):
        ax.scatter(part.nll_test, part.nll_oracle, s=30, color=f"C{k}", label=arm, zorder=3)
    ax.axhline(floor, color="grey", ls=":", lw=1, label="oracle entropy (floor)")
    ax.set(xlabel="NLL-test (coverage; lower is better)", ylabel="NLL-oracle (quality; lower is better)")
    ax.legend(fontsize=7)
    return ax
