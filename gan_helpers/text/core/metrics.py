"""Text metrics: NLL-oracle, NLL of held-out data, BLEU, Self-BLEU, distinct-n, and
sacrebleu's corpus BLEU with its paired significance test.

Introduced in notebook 05; the yardsticks of notebooks 06, 07 and 11 (corpus BLEU: 08). Quality and
diversity are always reported together: BLEU and NLL-oracle reward safe, repetitive
text; Self-BLEU, distinct-n and NLL-test catch the lost diversity (Caccia et al. 2020).

BLEU here *is* nltk's ``sentence_bleu`` with uniform weights over 1..n and
``SmoothingFunction().method1`` (as in Texygen, Zhu et al. 2018), averaged over a fixed
number of samples; the tests check equality with nltk. It is computed differently only
for speed: nltk recounts every reference's n-grams for every hypothesis, while
:class:`NgramReferences` counts them once (the largest count of each n-gram over the
references), which turns minutes into about a second for 500 samples vs 8,000 references.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Sequence

import numpy as np
import torch

from ...common.checks import check_int, check_probability
from .vocab import check_ids

__all__ = ["sequence_nll", "oracle_nll", "heldout_nll", "NgramReferences", "bleu", "self_bleu", "distinct_n",
           "as_token_lists", "corpus_bleu", "bleu_significance", "paired_bleu_difference"]

_EPSILON = 0.1   # SmoothingFunction().method1's epsilon


def sequence_nll(model, data: torch.Tensor, *, batch_size: int = 1000, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood per counted token (nats) of ``data`` under ``model``,
    an :class:`LSTMGenerator` (notebook 05), with its logits divided by ``temperature``
    (notebook 11). Token-weighted over batches; each batch is moved to the model's device."""
    check_ids(data, model.vocab_size, "data", seq_len=model.seq_len)
    batch_size = check_int(batch_size, "batch_size")
    total, count = 0.0, 0.0
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        for batch in data.split(batch_size):
            batch = batch.to(device)
            total += float(-model.log_probs(batch, temperature).sum())
            count += float(model.token_mask(batch).sum())
    model.train(was_training)
    return total / count


def oracle_nll(oracle, samples: torch.Tensor, *, batch_size: int = 1000) -> float:
    """NLL-oracle (Yu et al. 2017): how unlikely the generator's samples are under the true
    (oracle) distribution, per token. Lower = higher quality; a generator that always
    emits the oracle's single most likely sentence scores *below* the oracle's entropy,
    which is why it is never reported without a diversity measure (notebooks 05, 06)."""
    return sequence_nll(oracle, samples, batch_size=batch_size)


def heldout_nll(generator, data: torch.Tensor, *, batch_size: int = 1000, temperature: float = 1.0) -> float:
    """NLL-test: how unlikely held-out real sentences are under the generator, per token.
    Punishes a generator that drops part of the data (coverage); on oracle data its
    floor is the oracle's entropy (notebooks 05, 06). At ``temperature`` it scores the
    generator as sampled at that temperature (notebook 11)."""
    return sequence_nll(generator, data, batch_size=batch_size, temperature=temperature)


def as_token_lists(samples) -> list[tuple]:
    """Sentences as tuples of tokens, for BLEU and distinct-n (notebook 05). Accepts lists of
    token lists (strings or ids) or a 2-D id tensor/array (every position kept: strip ``<eos>``/``<pad>`` first with
    ``TextCorpus.tokens`` for real text)."""
    if isinstance(samples, torch.Tensor):
        samples = samples.tolist()
    elif isinstance(samples, np.ndarray):
        samples = samples.tolist()
    if isinstance(samples, str):
        raise TypeError("expected a list of tokenized sentences, got one string; tokenize each sentence first")
    out = [tuple(s) for s in samples]
    if not out:
        raise ValueError("no sentences given: the list of samples is empty")
    if any(isinstance(s, str) for s in samples):
        raise TypeError("each sentence must be a list of tokens, got a string; use tokenize() on it first")
    return out


def _ngram_counts(tokens: tuple, n: int) -> Counter:
    return Counter(zip(*(tokens[i:] for i in range(n)))) if len(tokens) >= n else Counter()


class NgramReferences:
    """Reference n-gram counts, computed once, for fast BLEU (notebook 05).

    For each n-gram: the largest count in any single reference, which is all BLEU's
    clipping needs. With ``exclude_self`` (Self-BLEU) it also keeps which reference holds
    that count and the second-largest count, so sample i can be scored against every
    reference except the i-th in O(1) per n-gram.
    """

    def __init__(self, references, max_n: int = 5, *, exclude_self: bool = False):
        self.refs = as_token_lists(references)
        self.max_n = check_int(max_n, "max_n")
        self.exclude_self = exclude_self
        self.lengths = Counter(len(r) for r in self.refs)
        self.tables: list[dict] = []
        for n in range(1, self.max_n + 1):
            table: dict = {}
            if not exclude_self:
                for ref in self.refs:
                    for g, c in _ngram_counts(ref, n).items():
                        if c > table.get(g, 0):
                            table[g] = c
            else:
                for i, ref in enumerate(self.refs):
                    for g, c in _ngram_counts(ref, n).items():
                        e = table.get(g)
                        if e is None:
                            table[g] = [c, i, 0]          # [largest count, its reference, second largest]
                        elif c > e[0]:
                            e[2], e[0], e[1] = e[0], c, i
                        elif c > e[2]:
                            e[2] = c
            self.tables.append(table)

    def _max_count(self, n: int, gram: tuple, skip: int | None) -> int:
        e = self.tables[n - 1].get(gram)
        if e is None:
            return 0
        if not self.exclude_self:
            return e
        return e[2] if e[1] == skip else e[0]

    def _closest_length(self, hyp_len: int, skip: int | None) -> int:
        lengths = self.lengths
        if skip is not None:
            lengths = lengths.copy()
            lengths[len(self.refs[skip])] -= 1
        return min((r for r, c in lengths.items() if c > 0), key=lambda r: (abs(r - hyp_len), r))

    def sentence_bleu(self, hypothesis: Sequence, n: int, *, skip: int | None = None) -> float:
        """nltk's ``sentence_bleu(references, hypothesis, weights=(1/n,)*n,
        smoothing_function=SmoothingFunction().method1)``; ``skip`` leaves out reference i."""
        hyp = tuple(hypothesis)
        if n > self.max_n:
            raise ValueError(f"BLEU-{n} needs n-grams up to {n} but these references were counted up to "
                             f"max_n={self.max_n}")
        if self.exclude_self != (skip is not None):
            raise ValueError("give skip= exactly when the references were built with exclude_self=True")
        p_logs = []
        for k in range(1, n + 1):
            counts = _ngram_counts(hyp, k)
            num = sum(min(c, self._max_count(k, g, skip)) for g, c in counts.items())
            den = max(1, sum(counts.values()))
            if k == 1 and num == 0:
                return 0.0          # nltk: no unigram match, BLEU is 0 whatever the smoothing
            p_logs.append(math.log(num / den if num > 0 else (num + _EPSILON) / den))
        hyp_len, ref_len = len(hyp), self._closest_length(len(hyp), skip)
        bp = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
        return bp * math.exp(math.fsum((1 / n) * p for p in p_logs))

    def scores(self, hypotheses, n: int, *, self_scores: bool = False) -> np.ndarray:
        """Per-hypothesis BLEU-n; with ``self_scores`` hypothesis i is reference i, left out."""
        hyps = as_token_lists(hypotheses)
        if self_scores:
            if len(hyps) != len(self.refs):
                raise ValueError("Self-BLEU scores each reference against the others: pass the references themselves")
            return np.array([self.sentence_bleu(h, n, skip=i) for i, h in enumerate(hyps)])
        return np.array([self.sentence_bleu(h, n) for h in hyps])


def _fixed_sample(samples, num_samples: int, what: str) -> list[tuple]:
    seqs = as_token_lists(samples)
    num_samples = check_int(num_samples, "num_samples", minimum=2)
    if len(seqs) < num_samples:
        raise ValueError(f"{what} is computed on a fixed number of samples, num_samples={num_samples}, but got "
                         f"{len(seqs)}; generate more, or pass a smaller num_samples and use it for every model "
                         f"you compare")
    return seqs[:num_samples]


def bleu(samples, references, ns: Iterable[int] = (2, 3, 4, 5), *, num_samples: int = 500) -> dict[int, float]:
    """Mean BLEU-n of the first ``num_samples`` samples against all ``references`` (token
    lists, or an :class:`NgramReferences` counted once), for each n in ``ns`` (notebook 05).
    Quality: how many of a sample's n-grams occur in real text.
    Equals the mean of nltk's ``sentence_bleu`` with smoothing method1."""
    ns = sorted(check_int(n, "n") for n in ns)
    hyps = _fixed_sample(samples, num_samples, "BLEU")
    if isinstance(references, NgramReferences):     # counted once, reused across models (notebook 11)
        if references.exclude_self or references.max_n < max(ns):
            raise ValueError(f"these NgramReferences (max_n={references.max_n}, exclude_self="
                             f"{references.exclude_self}) cannot score BLEU-{max(ns)}; build them with "
                             f"NgramReferences(refs, max_n={max(ns)})")
        refs = references
    else:
        refs = NgramReferences(references, max(ns))
    return {n: float(refs.scores(hyps, n).mean()) for n in ns}


def self_bleu(samples, ns: Iterable[int] = (2, 3, 4, 5), *, num_samples: int = 500) -> dict[int, float]:
    """Mean Self-BLEU-n of the first ``num_samples`` samples: each scored against the
    *other* samples (never itself) as references (Zhu et al. 2018), notebook 05.
    Diversity, inverted: 1 means every sample repeats the others. Depends on
    ``num_samples``, so compare models only at the same sample size."""
    ns = sorted(check_int(n, "n") for n in ns)
    seqs = _fixed_sample(samples, num_samples, "Self-BLEU")
    refs = NgramReferences(seqs, max(ns), exclude_self=True)
    return {n: float(refs.scores(seqs, n, self_scores=True).mean()) for n in ns}


def distinct_n(samples, n: int = 2) -> float:
    """Distinct-n (Li et al. 2016): unique n-grams / all n-grams over the samples (notebook 05).
    1 means no n-gram repeats; a collapsed generator scores near 0."""
    n = check_int(n, "n")
    seqs = as_token_lists(samples)
    grams = [g for s in seqs for g in zip(*(s[i:] for i in range(n)))]
    if not grams:
        raise ValueError(f"no sample has {n} or more tokens: distinct-{n} is undefined")
    return len(set(grams)) / len(grams)


def _streams(references) -> list[list[str | None]]:
    """sacrebleu takes one stream per reference slot; None marks a question with fewer references."""
    if any(len(r) == 0 for r in references):
        raise ValueError("every question needs at least one reference answer")
    width = max(len(r) for r in references)
    return [[" ".join(r[k]) if k < len(r) else None for r in references] for k in range(width)]


def _bleu_metric():
    import sacrebleu

    # tok:none: both sides are already course tokens; force: they are tokenized on purpose
    return sacrebleu.BLEU(tokenize="none", force=True)


def corpus_bleu(answers: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]]):
    """sacrebleu's corpus BLEU of ``answers`` (one token list per question) against
    ``references`` (a list of token lists per question, any number) (notebook 08). Returns
    ``(score, signature)``; the signature (tokenizer, smoothing, number of references,
    version) makes the number comparable. Both sides are already lower-cased course
    tokens joined by spaces, so sacrebleu is told not to tokenize again (``tok:none``)."""
    if len(answers) != len(references):
        raise ValueError(f"{len(answers)} answers but {len(references)} reference lists: one of each per question")
    if len(answers) == 0:
        raise ValueError("corpus_bleu got no answers")
    metric = _bleu_metric()
    score = metric.corpus_score([" ".join(a) for a in answers], _streams(references))
    return score.score, str(metric.get_signature())


def bleu_significance(answers: dict, references, *, baseline: str, num_samples: int = 1000):
    """Paired bootstrap resampling of corpus BLEU over questions (Koehn 2004), with sacrebleu's
    implementation and its fixed seed (notebook 08). One row per method: BLEU, the 95 %
    interval half-width over resamples, and the two-sided p-value of "same BLEU as
    ``baseline``" (small = a real difference). With a few hundred questions and BLEU near
    1, differences below about one point are usually noise, which is what this shows."""
    import pandas as pd
    from sacrebleu.significance import PairedTest

    if baseline not in answers:
        raise ValueError(f"baseline {baseline!r} is not one of the methods {list(answers)}")
    num_samples = check_int(num_samples, "num_samples", minimum=100)
    for name, ans in answers.items():
        if len(ans) != len(references):
            raise ValueError(f"{name!r} has {len(ans)} answers for {len(references)} questions")
    names = [baseline] + [n for n in answers if n != baseline]
    systems = [(n, [" ".join(a) for a in answers[n]]) for n in names]
    _, scores = PairedTest(systems, {"BLEU": _bleu_metric()}, _streams(references), test_type="bs",
                           n_samples=num_samples)()
    rows = [{"method": n, "BLEU": r.score, "95% CI ±": r.ci, f"p (same BLEU as {baseline})": r.p_value}
            for n, r in zip(scores["System"], scores["BLEU"])]
    return pd.DataFrame(rows).set_index("method")


def paired_bleu_difference(answers_a, answers_b, references, *, num_samples: int = 1000, seed: int = 0,
                           level: float = 0.95) -> dict:
    """Corpus BLEU of method A minus method B on the same questions, with a paired bootstrap
    interval (Koehn 2004), notebook 08. Each of ``num_samples`` resamples (seeded with
    ``seed``) draws the questions with replacement and scores *both* methods on that draw,
    so what the two share (easy and hard questions) cancels. Returns ``difference`` (on all
    questions), ``low`` and ``high`` (the central ``level`` interval of the resampled
    differences) and ``share_above_0`` (the share of resamples where A scores higher). The
    interval is about these two trained models; a new training seed is noise it does not see."""
    num_samples = check_int(num_samples, "num_samples", minimum=100)
    level = check_probability(level, "level")
    if not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1 (0.95 for a 95 % interval), got {level}")
    if not len(answers_a) == len(answers_b) == len(references) or not references:
        raise ValueError(f"give one answer per question for both methods: {len(answers_a)} and {len(answers_b)} "
                         f"answers for {len(references)} questions")
    metric, streams = _bleu_metric(), _streams(references)
    # sacrebleu's sufficient statistics per question (n-gram matches and totals, lengths): a
    # resample's corpus BLEU is computed from their sum, as sacrebleu's own bootstrap does
    stats = [np.array(metric._extract_corpus_statistics([" ".join(a) for a in answers], streams), dtype=float)
             for answers in (answers_a, answers_b)]
    score = lambda s: metric._compute_score_from_stats(list(s)).score
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    draws = rng.integers(0, len(references), size=(num_samples, len(references)))
    diffs = np.array([score(stats[0][i].sum(0)) - score(stats[1][i].sum(0)) for i in draws])
    low, high = np.quantile(diffs, [(1 - level) / 2, (1 + level) / 2])
    return {"difference": score(stats[0].sum(0)) - score(stats[1].sum(0)), "low": float(low), "high": float(high),
            "share_above_0": float((diffs > 0).mean())}
