"""Metrics for continuous GANs: moments, KS, Wasserstein-1 and mode coverage.

Introduced in notebook 02 (mean/std, KS, shape KS, Wasserstein-1) and 03 (modes covered,
high-quality samples and reverse KL of the mode histogram, as in VEEGAN and PacGAN).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy import stats

from ..common.checks import check_finite, check_int, check_positive
from ..common.history import History
from .toy_data import MixtureSpec

__all__ = ["to_numpy", "mean_std", "ks_statistic", "shape_ks", "wasserstein_1", "mode_counts", "mode_metrics",
           "mode_report", "mode_masses", "mass_moved", "mean_se", "final_metrics", "mode_table"]

# the columns of notebook 03's tables: metric -> (column name, scale, digits)
MODE_COLUMNS = {"modes": ("modes", 1, 1), "strict_modes": ("strict modes", 1, 1),
                "high_quality": ("high quality %", 100, 1), "reverse_kl": ("reverse KL", 1, 2)}


def to_numpy(x, name: str = "samples") -> np.ndarray:
    """A finite float64 NumPy copy of a tensor or array; raises on NaN, inf or emptiness."""
    arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    arr = np.asarray(arr, dtype=np.float64)
    check_finite(arr, name)
    return arr


def _as_1d(x, name: str) -> np.ndarray:
    arr = to_numpy(x, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D samples of shape (n,) or (n, 1), got {arr.shape}")
    return arr


def mean_std(samples) -> tuple[float, float]:
    """Mean and standard deviation of 1-D samples (notebook 02)."""
    arr = _as_1d(samples, "samples")
    if arr.size < 2:
        raise ValueError(f"mean_std needs at least 2 samples, got {arr.size}")
    return float(arr.mean()), float(arr.std(ddof=1))


def ks_statistic(samples, reference) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (scipy) between 1-D samples: the largest gap
    between the two empirical CDFs, 0 for identical distributions (notebooks 02, 04)."""
    return float(stats.ks_2samp(_as_1d(samples, "samples"), _as_1d(reference, "reference")).statistic)


def shape_ks(samples) -> float:
    """KS distance between the *standardised* 1-D samples and a standard normal (notebook 02).

    Subtracting the samples' own mean and dividing by their own std removes location and
    scale, so this measures shape alone: about 0.01 for 10,000 draws of any Gaussian
    (sampling noise), 0.06 for a uniform, 0.34 for two equal spikes. A plain KS against the
    target mixes shape with a wrong mean or spread."""
    arr = _as_1d(samples, "samples")
    mean, std = mean_std(arr)
    if std == 0:
        raise ValueError("shape_ks needs samples that are not all equal (their std is 0)")
    return float(stats.kstest((arr - mean) / std, "norm").statistic)


def wasserstein_1(samples, reference) -> float:
    """Wasserstein-1 (earth mover's) distance between 1-D samples, via scipy (notebook 02)."""
    return float(stats.wasserstein_distance(_as_1d(samples, "samples"), _as_1d(reference, "reference")))


def mode_counts(samples, spec: MixtureSpec, *, num_sigma: float = 3.0) -> tuple[np.ndarray, float]:
    """How many *high-quality* samples land on each mode (notebook 03), and their share of all
    samples. Each sample goes to its nearest mode centre and is high quality if it lies within
    ``num_sigma`` standard deviations of it. Returns ``(counts of shape (num_modes,), share)``."""
    arr = to_numpy(samples, "samples")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"samples must have shape (n, 2), got {arr.shape}")
    num_sigma = check_positive(num_sigma, "num_sigma")
    centers = spec.centers.numpy().astype(np.float64)
    dist = np.sqrt(((arr[:, None, :] - centers[None, :, :]) ** 2).sum(-1))
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(arr)), nearest] <= num_sigma * spec.sigma
    return np.bincount(nearest[good], minlength=spec.num_modes), float(good.mean())


def mode_metrics(samples, spec: MixtureSpec, *, num_sigma: float = 3.0, min_count: int = 1,
                 min_share: float = 0.25) -> dict:
    """Mode-coverage metrics of 2-D samples against a Gaussian mixture (notebook 03).

    A sample is *high quality* if it lies within ``num_sigma`` standard deviations of its
    nearest mode centre (:func:`mode_counts`). A mode is *covered* when at least ``min_count``
    high-quality samples land on it (1, as in the VEEGAN and PacGAN protocol, evaluated on
    2,500 samples). That rule is loose: noise spread over the data's box covers most grid
    modes with a stray sample or two. The stricter *strict_modes* counts a mode only when it
    holds at least ``min_share`` of its fair share (n / num_modes) as high-quality samples.
    *Reverse KL* is KL(q || p) between the histogram q of high-quality samples over modes
    and the true uniform p: 0 when every mode gets its share, log(num_modes) when all
    samples sit on one mode. Returns ``{"modes", "strict_modes", "high_quality" (a fraction),
    "reverse_kl"}``.
    """
    min_count = check_int(min_count, "min_count")
    min_share = check_positive(min_share, "min_share")
    counts, high_quality = mode_counts(samples, spec, num_sigma=num_sigma)
    if counts.sum() == 0:
        reverse_kl = math.inf  # no sample is near any mode: the histogram is undefined
    else:
        q = counts / counts.sum()
        nz = q > 0
        reverse_kl = float((q[nz] * np.log(q[nz] * spec.num_modes)).sum())
    fair = len(to_numpy(samples)) / spec.num_modes
    return {"modes": int((counts >= min_count).sum()), "strict_modes": int((counts >= min_share * fair).sum()),
            "high_quality": high_quality, "reverse_kl": reverse_kl}


def mode_report(samples, spec: MixtureSpec) -> dict:
    """:func:`mode_metrics` plus each mode's *mass* (notebook 03): ``"mass k"`` is the share of
    all samples that land on mode k with high quality. Pass it as ``train_gan``'s
    ``metrics_fn`` to follow where the generator's mass sits over training."""
    counts, _ = mode_counts(samples, spec)
    n = len(to_numpy(samples))
    return {**mode_metrics(samples, spec), **{f"mass {k}": c / n for k, c in enumerate(counts)}}


def mode_masses(history: History) -> np.ndarray:
    """The mode masses that :func:`mode_report` logged, as an array (evaluations, num_modes)
    (notebook 03)."""
    names = sorted((k for k in history.metrics if k.startswith("mass ")), key=lambda k: int(k.split()[1]))
    if not names:
        raise KeyError("this history has no mode masses: train with metrics_fn=lambda s: mode_report(s, spec)")
    return np.stack([history[k] for k in names], axis=1)


def mass_moved(masses: np.ndarray) -> np.ndarray:
    """How much of the generator's high-quality mass changed modes between consecutive
    evaluations (notebook 03): each row of ``masses`` (from :func:`mode_masses`) is first
    normalised to shares of the high-quality samples (the histogram q of the reverse KL), so
    a generator that only sharpens in place moves nothing; then half the L1 distance between
    consecutive rows, one value per pair. 0 when every mode keeps its share, 1 when all of it
    moves to modes that had none; sampling noise alone gives a few hundredths at 2,500 samples.
    A pair that includes an evaluation without any high-quality sample (a generator between
    modes) has no shares to compare and gives NaN: take ``np.nanmax`` of the result."""
    masses = np.asarray(masses, dtype=float)
    if masses.ndim != 2 or len(masses) < 2:
        raise ValueError(f"masses must have shape (evaluations >= 2, num_modes), got {masses.shape}")
    totals = masses.sum(axis=1, keepdims=True)
    shares = np.divide(masses, totals, out=np.full_like(masses, np.nan), where=totals > 0)
    return 0.5 * np.abs(np.diff(shares, axis=0)).sum(axis=1)


def mean_se(values, *, scale: float = 1.0, digits: int = 1) -> str:
    """"mean ± standard error" of ``values`` (std with ddof=1 over sqrt(n)), as PacGAN
    reports its rows (notebook 03). Infinite values (a reverse KL without any high-quality
    sample) are left out of both and counted: "0.45 ± 0.09 (+1 runs: ∞)"."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("mean_se needs at least one value")
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return f"∞ (all {values.size} runs)"
    se = finite.std(ddof=1) / math.sqrt(finite.size) if finite.size > 1 else math.nan
    extra = f" (+{values.size - finite.size} runs: ∞)" if finite.size < values.size else ""
    return f"{scale * finite.mean():.{digits}f} ± {scale * se:.{digits}f}{extra}"


def final_metrics(histories) -> list[dict]:
    """The last evaluation's metrics of each replica's History (notebook 03): one dict each."""
    histories = list(histories)
    if not histories or not all(isinstance(h, History) for h in histories):
        raise TypeError("final_metrics needs a non-empty list of History objects, one per replica")
    return [{k: h.final(k) for k in h.metrics} for h in histories]


def mode_table(rows: dict) -> "pd.DataFrame":
    """A table of mode metrics, one row per entry of ``rows`` (notebook 03): label -> a list
    of metric dicts, one per run (:func:`final_metrics` of a run's replicas, or
    :func:`mode_metrics` of reference samples). Each cell is :func:`mean_se` over the runs."""
    import pandas as pd
    table = {}
    for label, runs in rows.items():
        runs = list(runs)
        if not runs:
            raise ValueError(f"row {label!r} has no runs")
        table[label] = {col: mean_se([r[k] for r in runs], scale=scale, digits=digits)
                        for k, (col, scale, digits) in MODE_COLUMNS.items()} | {"runs": len(runs)}
    return pd.DataFrame.from_dict(table, orient="index")
