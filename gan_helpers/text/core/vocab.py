"""Word-level tokenizer, vocabulary, the row format of a sentence and the review corpus.

Introduced in notebook 05; reused by every text notebook after it (06-11). The lowest
layer of ``gan_helpers.text``: it imports nothing else from the package.

A sentence becomes a fixed-length row of ids: its words, then ``<eos>``, then ``<pad>`` up
to ``max_len + 1`` positions. A generator starts from ``<bos>`` (fed as its first input,
never part of the row) and learns to emit ``<eos>`` where the sentence ends. The special
ids live on :class:`Vocab` (``Vocab.pad_id``, ``bos_id``, ``eos_id``, ``unk_id``);
:func:`token_mask` says which positions of a row count, :func:`check_ids` validates rows.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import torch

from ...common.checks import check_int
from ...common.reviews import load_rotten_tomatoes

__all__ = ["PAD", "BOS", "EOS", "UNK", "tokenize", "Vocab", "build_vocab", "encode_batch", "TextCorpus",
           "load_review_corpus", "review_corpus", "REVIEW_MAX_LEN", "REVIEW_MAX_VOCAB", "token_mask", "row_lengths",
           "check_ids"]

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
_TOKEN = re.compile(r"[\w'-]+|[^\w\s]+")
# the review corpus every notebook from 06 on shares (and the shipped "reviews" checkpoints were made for)
REVIEW_MAX_LEN, REVIEW_MAX_VOCAB = 20, 2000


def tokenize(text: str) -> list[str]:
    """Lower-case word-level tokens: runs of letters, digits, ``'`` and ``-`` form a word,
    runs of other symbols a punctuation token (notebook 05). The Rotten Tomatoes reviews
    are already tokenized this way, so ``" ".join(tokenize(review)) == review``."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a string, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


@dataclass
class Vocab:
    """Token <-> id tables. Ids 0-3 are ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>`` (notebook 05)."""

    itos: list[str]
    stoi: dict[str, int] = field(init=False, repr=False)
    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3   # class constants, not fields

    def __post_init__(self):
        if list(self.itos[:4]) != list(SPECIALS):
            raise ValueError(f"a Vocab must start with {SPECIALS}, got {self.itos[:4]}")
        if len(set(self.itos)) != len(self.itos):
            raise ValueError("a Vocab's tokens must be unique")
        self.stoi = {tok: i for i, tok in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens: {self.itos[4:10]}...)"

    def encode(self, text: str | Sequence[str], max_len: int | None = None) -> list[int]:
        """Ids of a sentence (a string, tokenized, or a list of tokens), ``<eos>`` appended.
        Unknown words map to ``<unk>``. Raises if the sentence is empty or has more than
        ``max_len`` words."""
        tokens = tokenize(text) if isinstance(text, str) else list(text)
        if not tokens:
            raise ValueError(f"cannot encode an empty sentence ({text!r}); drop it from the corpus first")
        if max_len is not None and len(tokens) > max_len:
            raise ValueError(f"the sentence has {len(tokens)} words but max_len is {max_len}: "
                             f"raise max_len or filter long sentences out ({' '.join(tokens[:8])} ...)")
        return [self.stoi.get(t, self.unk_id) for t in tokens] + [self.eos_id]

    def decode(self, ids: Iterable[int], *, keep_special: bool = False) -> str:
        """The sentence of a row of ids: stops at the first ``<eos>``, skips ``<pad>`` and
        ``<bos>`` (unless ``keep_special``). Raises on an id outside the vocabulary."""
        return " ".join(self.to_tokens(ids, keep_special=keep_special))

    def to_tokens(self, ids: Iterable[int], *, keep_special: bool = False) -> list[str]:
        """Like :meth:`decode`, but returns the list of tokens (what BLEU compares)."""
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"token id {i} is outside the vocabulary (valid ids: 0 to {len(self.itos) - 1}); "
                                 "were these ids made with a different vocabulary?")
            if i == self.eos_id and not keep_special:
                break
            if i in (self.pad_id, self.bos_id) and not keep_special:
                continue
            out.append(self.itos[i])
        return out


def token_mask(x: torch.Tensor, eos_id: int | None) -> torch.Tensor:
    """1.0 at the positions of id rows ``x`` that count, up to and including the first
    ``<eos>``; 0.0 after it (notebook 05). With ``eos_id=None`` (fixed-length oracle rows)
    every position counts. Likelihoods, rewards and losses of every text model use it."""
    if eos_id is None:
        return torch.ones(x.shape, device=x.device)
    is_eos = (x == eos_id).long()
    return ((is_eos.cumsum(-1) - is_eos) == 0).float()


def row_lengths(x: torch.Tensor) -> torch.Tensor:
    """Positions before the ``<pad>`` of each row (its words and ``<eos>``), at least 1:
    where an encoder's state after ``<eos>`` is read (notebook 08)."""
    return (x != Vocab.pad_id).sum(1).clamp_min(1)


def check_ids(x, vocab_size: int, name: str = "x", *, seq_len: int | None = None) -> torch.Tensor:
    """Validate a non-empty ``(batch, seq_len)`` tensor of token ids in ``[0, vocab_size)``
    (notebook 05); with ``seq_len`` the rows must also have exactly that many positions."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of token ids, got {type(x).__name__}")
    if x.dtype not in (torch.int64, torch.int32):
        raise TypeError(f"{name} must hold integer token ids (torch.long), got dtype {x.dtype}")
    if x.dim() != 2 or x.numel() == 0:
        raise ValueError(f"{name} must be a non-empty (batch, seq_len) tensor of ids, got shape {tuple(x.shape)}")
    lo, hi = int(x.min()), int(x.max())
    if lo < 0 or hi >= vocab_size:
        bad = lo if lo < 0 else hi
        raise ValueError(f"{name} holds token id {bad}, outside the vocabulary of {vocab_size} ids (0 to "
                         f"{vocab_size - 1}); build the model with the data's vocab_size")
    if seq_len is not None and x.shape[1] != seq_len:
        raise ValueError(f"{name} rows have {x.shape[1]} positions but the model's seq_len is {seq_len}; "
                         f"build it with seq_len={x.shape[1]} (for_data does)")
    return x


def build_vocab(sentences: Iterable[str | Sequence[str]], *, max_size: int | None = None,
                min_freq: int = 1) -> Vocab:
    """A vocabulary of the most frequent words (ties broken alphabetically, so it is
    reproducible), capped at ``max_size`` ids *including* the 4 special tokens, keeping
    words seen at least ``min_freq`` times (notebook 05)."""
    min_freq = check_int(min_freq, "min_freq")
    if max_size is not None:
        max_size = check_int(max_size, "max_size", minimum=len(SPECIALS) + 1)
    counts = Counter()
    num = 0
    for s in sentences:
        counts.update(tokenize(s) if isinstance(s, str) else s)
        num += 1
    if num == 0 or not counts:
        raise ValueError("cannot build a vocabulary from an empty corpus: pass at least one non-empty sentence")
    words = sorted((w for w, c in counts.items() if c >= min_freq and w not in SPECIALS),
                   key=lambda w: (-counts[w], w))
    if max_size is not None:
        words = words[: max_size - len(SPECIALS)]
    return Vocab(list(SPECIALS) + words)


def encode_batch(sentences: Sequence[str | Sequence[str]], vocab: Vocab, max_len: int) -> torch.Tensor:
    """A ``(num_sentences, max_len + 1)`` LongTensor: each row the sentence's ids, ``<eos>``,
    then ``<pad>`` (notebook 05). Raises on an empty list, an empty sentence or one longer
    than ``max_len`` words."""
    max_len = check_int(max_len, "max_len")
    if len(sentences) == 0:
        raise ValueError("encode_batch got no sentences: the corpus is empty")
    out = torch.full((len(sentences), max_len + 1), vocab.pad_id, dtype=torch.long)
    for row, s in enumerate(sentences):
        ids = vocab.encode(s, max_len)
        out[row, : len(ids)] = torch.tensor(ids)
    return out


@dataclass
class TextCorpus:
    """A tokenized corpus: the vocabulary, padded id tensors for train/val/test (each row
    ``max_len + 1`` long) and how many sentences were dropped as too long (notebook 05)."""

    vocab: Vocab
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    max_len: int
    dropped: int = 0

    @property
    def seq_len(self) -> int:
        """Length of a row: ``max_len`` words plus room for ``<eos>``."""
        return self.max_len + 1

    def row_format(self) -> dict:
        """How a model for these rows is sized (notebook 05): vocabulary, row length, and the
        ``<bos>`` (start), ``<eos>`` and ``<pad>`` ids."""
        v = self.vocab
        return {"vocab_size": len(v), "seq_len": self.seq_len, "start_id": v.bos_id, "eos_id": v.eos_id,
                "pad_id": v.pad_id}

    def fingerprint(self) -> dict:
        """What identifies this corpus in a record (notebook 06): its vocabulary and sentence length."""
        return {"kind": "reviews", "itos": list(self.vocab.itos), "max_len": self.max_len}

    def texts(self, ids: torch.Tensor) -> list[str]:
        """Sentences of a 2-D id tensor (the words of :meth:`tokens`, joined)."""
        if not isinstance(ids, torch.Tensor) or ids.dim() != 2:
            raise ValueError(f"texts expects a 2-D (num_sentences, seq_len) tensor of ids, got "
                             f"{tuple(getattr(ids, 'shape', ()))}")
        return [self.vocab.decode(row) for row in ids.tolist()]

    def tokens(self, ids: torch.Tensor) -> list[list[str]]:
        """Token lists of a 2-D id tensor (special tokens removed), for BLEU and distinct-n."""
        return [self.vocab.to_tokens(row) for row in ids.tolist()]

    def unk_rate(self, split: str = "val") -> float:
        """Fraction of word positions (not ``<eos>``/``<pad>``) that are ``<unk>``."""
        ids = getattr(self, split)
        words = (ids != self.vocab.pad_id) & (ids != self.vocab.eos_id)
        return float((ids[words] == self.vocab.unk_id).float().mean())


def load_review_corpus(*, max_len: int = 20, max_vocab: int | None = 5000, min_freq: int = 1,
                       split_seed: int = 0, max_reviews: int | None = None) -> TextCorpus:
    """The Rotten Tomatoes reviews (via :func:`gan_helpers.load_rotten_tomatoes`) as padded
    id tensors (notebook 05). Reviews longer than ``max_len`` words are dropped (the count
    is in ``corpus.dropped``); the vocabulary is built on the training split only, so
    validation and test words it lacks become ``<unk>``. The same ``split_seed`` gives the
    same splits and the same rows in the same order."""
    max_len = check_int(max_len, "max_len")
    train, val, test = load_rotten_tomatoes(split_seed=split_seed, max_reviews=max_reviews)
    kept, dropped = [], 0
    for part in (train, val, test):
        toks = [tokenize(t) for t in part.texts]
        short = [t for t in toks if 0 < len(t) <= max_len]
        dropped += len(toks) - len(short)
        if not short:
            raise ValueError(f"no review has at most max_len={max_len} words; raise max_len")
        kept.append(short)
    vocab = build_vocab(kept[0], max_size=max_vocab, min_freq=min_freq)
    tensors = [encode_batch(k, vocab, max_len) for k in kept]
    return TextCorpus(vocab, *tensors, max_len=max_len, dropped=dropped)


def review_corpus() -> TextCorpus:
    """The review corpus every text notebook from 06 on uses (notebooks 06-11): Rotten
    Tomatoes reviews of at most ``REVIEW_MAX_LEN`` (20) words, a vocabulary of
    ``REVIEW_MAX_VOCAB`` (2,000) ids, the fixed split. The shipped "reviews" checkpoints
    were trained on exactly this corpus."""
    return load_review_corpus(max_len=REVIEW_MAX_LEN, max_vocab=REVIEW_MAX_VOCAB)
