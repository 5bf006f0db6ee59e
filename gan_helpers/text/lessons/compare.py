"""Quality and diversity together: temperature sweeps for every model (notebook 11), and the
metrics of one set of samples side by side (notebook 10).

Caccia et al. (2020, "Language GANs Falling Short") showed that one number per model
misleads: lowering the softmax temperature of a maximum-likelihood model buys quality
with diversity, and a GAN's gain in quality may be no more than that trade. So each model
is evaluated along a temperature sweep, and models are compared curve against curve:

- on the oracle, NLL-oracle (quality) against NLL-test (coverage);
- on real reviews, BLEU (quality) against Self-BLEU (diversity, inverted).

A model here is anything with ``sample(num_samples, temperature=...)`` that returns id rows
in :class:`~gan_helpers.text.LSTMGenerator`'s format: the generators of notebooks 05-07 and
the sentence VAE of notebook 09 (whose NLL-test is an upper bound, the negative ELBO).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from ...common.checks import check_int
from ..core.metrics import NgramReferences, as_token_lists, bleu, distinct_n, oracle_nll, self_bleu
from ..core.sampling import check_temperature

__all__ = ["model_nll", "check_temperatures", "sample_stats", "method_of", "over_seeds", "MIN_SEEDS",
           "oracle_sweep", "review_sweep", "curve_gap", "dominated_share",
           "sample_tokens", "sample_metrics"]

MIN_SEEDS = 3       # a claim about a GAN holds over at least this many training seeds (notebook 11)


def model_nll(model, data: torch.Tensor, *, temperature: float = 1.0) -> float:
    """Per-token NLL of ``data`` under ``model`` sampled at ``temperature`` (notebook 11): exact
    for an LSTM generator, the negative-ELBO upper bound for a sentence VAE (each text model's
    ``nll_per_token``)."""
    if not hasattr(model, "nll_per_token"):
        raise TypeError(f"model must be a text model with nll_per_token (an LSTMGenerator or a SentenceVAE), "
                        f"got {type(model).__name__}")
    return model.nll_per_token(data, temperature=temperature)


def check_temperatures(temperatures: Sequence[float]) -> list[float]:
    """Sorted, distinct, positive temperatures, at least 2 of them (notebook 11)."""
    temps = sorted({check_temperature(t) for t in temperatures})
    if len(temps) < 2:
        raise ValueError(f"a sweep needs at least 2 distinct temperatures, got {list(temperatures)}")
    return temps


def sample_stats(samples) -> dict:
    """What BLEU and Self-BLEU hide on short text (notebook 11): the samples' mean length in
    tokens, distinct-1 and distinct-2, and the share of samples that are unique sentences."""
    seqs = as_token_lists(samples)
    distinct = {f"distinct{n}": distinct_n(seqs, n) if any(len(s) >= n for s in seqs) else 0.0 for n in (1, 2)}
    return dict(mean_length=float(np.mean([len(s) for s in seqs])), **distinct,
                unique_share=len(set(seqs)) / len(seqs))


def method_of(name: str) -> str:
    """The method of a model named in a sweep (notebook 11): "SeqGAN s1" (a checkpoint trained
    from seed 1, as :func:`~gan_helpers.text.load_seeds` names them) -> "SeqGAN"; other names
    are their own method."""
    head, _, tail = str(name).rpartition(" s")
    return head if head and tail.isdigit() else str(name)


def over_seeds(values, *, method: str, worst: str, min_seeds: int = MIN_SEEDS) -> float:
    """The worst of a claim's ``values`` (a dict or Series keyed by model name) over the
    checkpoints of ``method`` (notebook 11): ``worst="min"`` or ``"max"``. A claim about a GAN
    is made over its training seeds, so fewer than ``min_seeds`` checkpoints is an error."""
    if worst not in ("min", "max"):
        raise ValueError(f"worst must be 'min' or 'max', got {worst!r}")
    mine = {k: float(v) for k, v in dict(values).items() if method_of(k) == method}
    if len(mine) < check_int(min_seeds, "min_seeds"):
        raise ValueError(f"a claim about {method!r} is checked over at least {min_seeds} training seeds, but only "
                         f"{len(mine)} checkpoint(s) were given ({sorted(mine)}); load more with load_seeds(...), "
                         "or build them with `python -m gan_helpers.recipes --rebuild NAME_seedS`")
    return min(mine.values()) if worst == "min" else max(mine.values())


def _check_models(models: Mapping) -> None:
    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a non-empty dict {name: model}")
    for name, m in models.items():
        if not hasattr(m, "sample"):
            raise TypeError(f"model {name!r} ({type(m).__name__}) has no sample(num_samples, temperature=...)")


def oracle_sweep(models: Mapping, data, temperatures: Sequence[float], *, num_samples: int = 1000,
                 seed: int = 0) -> pd.DataFrame:
    """For each model and temperature (notebook 11): NLL-oracle of ``num_samples`` samples
    (quality) and NLL-test of ``data.test`` (coverage), both per token, with the samples'
    :func:`sample_stats`. ``data`` is an
    :class:`~gan_helpers.text.OracleData`. Every model's samples at a temperature are
    drawn from the same random stream (``seed``), so the comparison is paired."""
    _check_models(models)
    temps, num_samples = check_temperatures(temperatures), check_int(num_samples, "num_samples")
    rows = []
    for name, model in models.items():
        for t in temps:
            torch.manual_seed(seed)
            samples = model.sample(num_samples, temperature=t)
            rows.append(dict(model=name, method=method_of(name), temperature=t,
                             nll_oracle=oracle_nll(data.oracle, samples),
                             nll_test=model_nll(model, data.test, temperature=t), **sample_stats(samples)))
    return pd.DataFrame(rows)


def review_sweep(models: Mapping, corpus, temperatures: Sequence[float], *, num_samples: int = 500,
                 ns: Sequence[int] = (4, 5), seed: int = 0) -> pd.DataFrame:
    """For each model and temperature (notebook 11): BLEU-n of ``num_samples`` samples
    against the test reviews (quality) and their Self-BLEU-n (diversity, inverted), for
    each n in ``ns``, plus NLL-test on the test reviews and the samples' :func:`sample_stats`.
    The test reviews' n-grams are counted once for all models. Sample sizes are fixed, as Self-BLEU depends on them."""
    _check_models(models)
    temps, num_samples = check_temperatures(temperatures), check_int(num_samples, "num_samples", minimum=2)
    ns = sorted(check_int(n, "n") for n in ns)
    refs = NgramReferences(corpus.tokens(corpus.test), max(ns))
    rows = []
    for name, model in models.items():
        for t in temps:
            torch.manual_seed(seed)
            tokens = corpus.tokens(model.sample(num_samples, temperature=t))
            row = dict(model=name, method=method_of(name), temperature=t,
                       nll_test=model_nll(model, corpus.test, temperature=t), **sample_stats(tokens))
            row.update({f"bleu{n}": v for n, v in bleu(tokens, refs, ns, num_samples=num_samples).items()})
            row.update({f"self_bleu{n}": v for n, v in self_bleu(tokens, ns, num_samples=num_samples).items()})
            rows.append(row)
    return pd.DataFrame(rows)


def curve_gap(table: pd.DataFrame, model: str, *, reference: str, x: str, y: str,
              lower_is_better: bool = True) -> pd.Series:
    """How much better ``model`` is than ``reference``'s curve at equal ``x`` (notebook 11).

    For each of ``model``'s sweep points, the ``reference`` curve is interpolated linearly
    at the same ``x`` and the gap in ``y`` is returned, signed so that > 0 means ``model``
    is better. ``x`` must change monotonically with the temperature along the reference
    sweep (NLL-oracle, BLEU and Self-BLEU do; NLL-test does not: it is lowest near 1).
    Points whose ``x`` lies outside the reference sweep are NaN: no claim is made there."""
    for col in ("model", x, y):
        if col not in table:
            raise KeyError(f"the table has no column {col!r}; it has {list(table.columns)}")
    for m in (model, reference):
        if m not in set(table["model"]):
            raise ValueError(f"no model {m!r} in the table; it has {sorted(set(table['model']))}")
    ref = table[table["model"] == reference].sort_values("temperature")
    steps = np.diff(ref[x].to_numpy())
    if not ((steps > 0).all() or (steps < 0).all()):
        raise ValueError(f"{x!r} is not monotonic in the temperature along {reference!r}'s sweep "
                         f"({np.round(ref[x].to_numpy(), 3).tolist()}); compare at equal values of an axis that is")
    ref = ref.sort_values(x)
    mine = table[table["model"] == model]
    at_x = np.interp(mine[x], ref[x], ref[y], left=np.nan, right=np.nan)
    gap = (at_x - mine[y]) if lower_is_better else (mine[y] - at_x)
    return pd.Series(np.asarray(gap), index=mine["temperature"].to_numpy(), name=f"{model} vs {reference}")


def dominated_share(table: pd.DataFrame, model: str, *, reference: str, better: Mapping[str, str]) -> float:
    """Share of ``model``'s sweep points that some point of ``reference``'s sweep matches or
    beats on every axis at once (notebook 11). ``better`` maps each column to "lower" or
    "higher", e.g. ``{"nll_oracle": "lower", "nll_test": "lower"}``. 1.0 means that whatever
    temperature ``model`` is sampled at, ``reference`` at some temperature is at least as
    good in quality *and* diversity."""
    if not better or any(v not in ("lower", "higher") for v in better.values()):
        raise ValueError(f"better must map columns to 'lower' or 'higher', got {dict(better)}")
    for col in ("model", *better):
        if col not in table:
            raise KeyError(f"the table has no column {col!r}; it has {list(table.columns)}")
    for m in (model, reference):
        if m not in set(table["model"]):
            raise ValueError(f"no model {m!r} in the table; it has {sorted(set(table['model']))}")
    for m in (model, reference):        # NaN compares as False: it would silently count as "not dominated"
        missing = [c for c in better if table.loc[table["model"] == m, c].isna().any()]
        if missing:
            raise ValueError(f"model {m!r} has NaN in {missing} (a model without a tractable likelihood has no "
                             "NLL-test, e.g.); compare it on axes it has values for")
    sign = np.array([1.0 if v == "lower" else -1.0 for v in better.values()])
    mine = table.loc[table["model"] == model, list(better)].to_numpy() * sign       # now lower is better
    ref = table.loc[table["model"] == reference, list(better)].to_numpy() * sign
    covered = [(ref <= point).all(axis=1).any() for point in mine]
    return float(np.mean(covered))


def sample_tokens(samples: torch.Tensor, data) -> list[tuple]:
    """Id rows as token tuples (notebook 10): a review corpus's words without ``<eos>``/``<pad>``,
    or an oracle's ids (fixed-length rows)."""
    if hasattr(data, "oracle"):
        return [tuple(r) for r in samples.tolist()]
    return [tuple(t) for t in data.tokens(samples)]


def sample_metrics(samples: torch.Tensor, data, *, references: NgramReferences | None = None,
                   num_samples: int = 500, n: int = 4) -> dict:
    """Quality and diversity of one set of generated sentences, together (notebook 10): BLEU-n
    against ``data.test`` (``references``: the test set counted once, to reuse), Self-BLEU-n,
    mean length in tokens, distinct-1 and -2, the share of unique sentences and the share of
    exact copies of training sentences, all on the first ``num_samples``; on oracle data also
    the NLL-oracle of every sample given (per token)."""
    num_samples, n = check_int(num_samples, "num_samples", minimum=2), check_int(n, "n")
    if not isinstance(samples, torch.Tensor) or samples.dim() != 2 or len(samples) < num_samples:
        raise ValueError(f"samples must be a 2-D id tensor with at least num_samples={num_samples} rows, got "
                         f"{getattr(samples, 'shape', type(samples).__name__)}")
    tokens = sample_tokens(samples[:num_samples], data)
    refs = references if references is not None else NgramReferences(sample_tokens(data.test, data), n)
    train = set(sample_tokens(data.train, data))
    out = {f"BLEU-{n}": bleu(tokens, refs, (n,), num_samples=num_samples)[n],
           f"Self-BLEU-{n}": self_bleu(tokens, (n,), num_samples=num_samples)[n],
           "length": float(np.mean([len(t) for t in tokens])), "distinct-1": distinct_n(tokens, 1),
           "distinct-2": distinct_n(tokens, 2), "unique": len(set(tokens)) / len(tokens),
           "copies": float(np.mean([t in train for t in tokens]))}
    if hasattr(data, "oracle"):
        out["NLL-oracle"] = oracle_nll(data.oracle, samples)
    return out
