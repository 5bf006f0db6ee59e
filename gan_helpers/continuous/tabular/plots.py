"""Pictures of what a synthetic table preserves (notebook 04): correlation heatmaps side by
side, per-column KS bars, scatter plots of column pairs, distance-to-closest-record
histograms (each takes the result of a function in :mod:`gan_helpers.tabular.metrics`), and
the training curves of a shipped run's replicas beside a live run.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ...common.history import History
from .checks import check_table
from .metrics import CorrelationGap, DCRSummary

__all__ = ["plot_correlation_gap", "plot_ks_per_column", "plot_column_pairs", "plot_dcr", "plot_run_curves"]


def plot_correlation_gap(gap: CorrelationGap, *, title: str = "", vmax: float | None = None, axes=None):
    """Seaborn heatmaps side by side: real correlations, synthetic correlations, and their
    difference with its Frobenius norm (notebook 04). The diagonal (always 1) is masked, and
    the colour scale runs over +-``vmax``, by default the largest off-diagonal value shown,
    so weak structure stays visible."""
    if not isinstance(gap, CorrelationGap):
        raise TypeError(f"expected the CorrelationGap returned by correlation_gap, got {type(gap).__name__}")
    mask = np.eye(len(gap.real), dtype=bool)
    panels = [(gap.real, "real"), (gap.synthetic, "synthetic"),
              (gap.difference, f"difference, Frobenius norm {gap.norm:.2f}")]
    if vmax is None:
        vmax = max(float(np.abs(m[~mask]).max()) if len(m) > 1 else 0.0 for m, _ in panels) or 1.0
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (mat, name) in zip(axes, panels):
        sns.heatmap(mat, mask=mask, ax=ax, vmin=-vmax, vmax=vmax, cmap="vlag", square=True, cbar=ax is axes[-1],
                    xticklabels=8, yticklabels=8)
        ax.set_title(name, fontsize=10)
        ax.grid(False)
    axes[0].figure.suptitle(f"{title + ': ' if title else ''}off-diagonal correlations, colour scale ±{vmax:.2f}")
    return axes


def plot_ks_per_column(ks_by_name: dict, *, ax=None):
    """Grouped bar chart of per-column KS statistics, one colour per table (notebook 04)."""
    if not ks_by_name:
        raise ValueError("ks_by_name is empty: pass {name: ks_per_column(real, synthetic)} for at least one table")
    lengths = {len(v) for v in ks_by_name.values()}
    if len(lengths) != 1:
        raise ValueError(f"every KS array needs the same number of columns, got lengths {sorted(lengths)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 3))
    n, width = lengths.pop(), 0.8 / len(ks_by_name)
    for i, (name, ks) in enumerate(ks_by_name.items()):
        ax.bar(np.arange(n) + i * width, ks, width=width, label=f"{name} (mean {np.mean(ks):.3f})")
    ax.set_xticks(np.arange(n) + 0.4 - width / 2, [str(j) for j in range(n)], fontsize=7)
    ax.set_xlabel("column"), ax.set_ylabel("KS statistic"), ax.legend(fontsize=8)
    return ax


def plot_column_pairs(tables: dict, pairs=((0, 1), (4, 5)), *, max_points: int = 3000, seed: int = 0):
    """Scatter plots of column pairs, one row of panels per table (notebook 04): the shapes
    that a mean, a covariance or a marginal do not describe."""
    if not tables:
        raise ValueError("tables is empty: pass {name: table}")
    arrays = {name: check_table(t, name) for name, t in tables.items()}
    widths = {a.shape[1] for a in arrays.values()}
    if len(widths) != 1:
        raise ValueError(f"tables have different numbers of columns {sorted(widths)}: compare like with like")
    width = widths.pop()
    if any(not 0 <= c < width for pair in pairs for c in pair):
        raise ValueError(f"a column in pairs={pairs} is outside the tables' columns 0..{width - 1}")
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(arrays), len(pairs), figsize=(3 * len(pairs), 2.8 * len(arrays)), squeeze=False)
    for r, (name, arr) in enumerate(arrays.items()):
        pts = arr[rng.permutation(len(arr))[:max_points]]
        for c, (i, j) in enumerate(pairs):
            ax = axes[r, c]
            ax.scatter(pts[:, i], pts[:, j], s=1, alpha=0.35, color=f"C{r}")
            ax.set_xlim(0, 1), ax.set_ylim(0, 1), ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(f"{name}: col {i} vs {j}", fontsize=9)
    fig.tight_layout()
    return fig


def plot_dcr(summaries: dict, *, ax=None, bins: int = 60):
    """Histograms of distance to the closest training record: real test rows and each
    synthetic table, with the real test rows' ``quantile`` marked (notebook 04)."""
    if not summaries or not all(isinstance(s, DCRSummary) for s in summaries.values()):
        raise ValueError("summaries must be a non-empty {name: DCRSummary} dict (from dcr_summary)")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    first = next(iter(summaries.values()))
    top = max(max(s.synthetic_dcr.max(), s.test_dcr.max()) for s in summaries.values())
    edges = np.linspace(0, top, bins)
    ax.hist(first.test_dcr, bins=edges, density=True, color="grey", alpha=0.5, label="real test rows")
    for name, s in summaries.items():
        ax.hist(s.synthetic_dcr, bins=edges, density=True, histtype="step", lw=2, label=name)
    ax.axvline(first.threshold, color="k", ls=":", label=f"{first.quantile:.0%} of real test rows")
    ax.set_xlabel("distance to the closest training row"), ax.set_yticks([]), ax.legend(fontsize=8)
    return ax


def plot_run_curves(groups: dict, metric: str, *, live: History | None = None, live_label: str = "live run",
                    ax=None, log: bool = False):
    """One evaluated ``metric`` over training for groups of replicas (notebook 04): for each
    ``{name: [History, ...]}`` group, the median over its replicas as a line and their range
    as a band; ``live`` (a History with the same metric) is drawn on top in black, so a run
    trained in the notebook can be read against a shipped record's seeds."""
    if not groups or not all(groups.values()):
        raise ValueError("groups must be a non-empty {name: [History, ...]} dict with at least one History per name")
    runs = [h for hs in groups.values() for h in hs] + ([live] if live is not None else [])
    if not all(isinstance(h, History) for h in runs):
        raise TypeError("every run must be a History (load_tabular_run returns them, train_gan makes them)")
    lacking = [h for h in runs if metric not in h.metrics]
    if lacking:
        raise ValueError(f"metric {metric!r} is not recorded in every run (one records {sorted(lacking[0].metrics)}); "
                         "pick a metric they all record")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    for i, (name, hs) in enumerate(groups.items()):
        if len({tuple(h.steps) for h in hs}) != 1:
            raise ValueError(f"the runs of group {name!r} were evaluated at different steps; group like with like")
        values = np.array([h[metric] for h in hs], dtype=float)
        kept = ~np.isnan(values).all(0)            # a step where no run has a value (such as a loss at step 0)
        steps, values = np.asarray(hs[0].steps)[kept], values[:, kept]
        ax.plot(steps, np.nanmedian(values, 0), marker="o", ms=3, color=f"C{i}", label=f"{name} ({len(hs)})")
        ax.fill_between(steps, np.nanmin(values, 0), np.nanmax(values, 0), color=f"C{i}", alpha=0.2, lw=0)
    if live is not None:
        ax.plot(live.steps, live[metric], color="k", lw=1.5, ls="--", label=live_label)
    ax.set_xlabel("step"), ax.set_ylabel(metric), ax.legend(fontsize=8)
    if log:
        ax.set_yscale("log")
    return ax
