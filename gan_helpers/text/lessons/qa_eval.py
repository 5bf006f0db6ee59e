"""Answers to held-out questions: two baselines, the scores, and a table (notebook 08).

:func:`random_answers` and :func:`retrieval_answers` are the baselines every generator must
beat; :func:`evaluate_answers` scores answers with sacrebleu's corpus BLEU (every reference
answer of a test question counts) and distinct-1/2; :func:`answer_table` lines them up.
(:func:`~gan_helpers.text.paired_bleu_difference`, the paired interval on two methods' BLEU
difference, lives with the other BLEU tools in ``text.core.metrics``.)
"""
from __future__ import annotations

import random
from typing import Sequence

from ...common.checks import check_int
from ..core.metrics import corpus_bleu, distinct_n
from ..core.qa_data import QACorpus

__all__ = ["random_answers", "retrieval_answers", "evaluate_answers", "answer_table"]


def random_answers(corpus: QACorpus, *, seed: int = 0) -> list[list[str]]:
    """Baseline 1 (notebook 08): for each test question, the answer of a random training pair,
    chosen with its own seeded generator (the question is ignored)."""
    rng = random.Random(check_int(seed, "seed", minimum=0))
    return [list(corpus.train_answers[rng.randrange(len(corpus.train_answers))]) for _ in corpus.test_questions]


def retrieval_answers(corpus: QACorpus, questions: Sequence[Sequence[str]] | None = None) -> list[list[str]]:
    """Baseline 2 (notebook 08): the answer of the most similar training question, by cosine
    similarity of TF-IDF vectors (word unigrams and bigrams). For a training question with
    several answers the first in corpus order is returned; ties go to the earliest pair.
    ``questions`` (token lists) default to the test questions."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    questions = corpus.test_questions if questions is None else questions
    if len(questions) == 0:
        raise ValueError("retrieval_answers got no questions")
    # the texts are already tokenized: split on spaces only, keep one-letter words such as "i"
    tfidf = TfidfVectorizer(analyzer=lambda s: s.split() + [a + " " + b for a, b in zip(s.split(), s.split()[1:])])
    train_x = tfidf.fit_transform([" ".join(q) for q in corpus.train_questions])
    sims = (tfidf.transform([" ".join(q) for q in questions]) @ train_x.T).toarray()
    return [list(corpus.train_answers[int(row.argmax())]) for row in sims]


def evaluate_answers(answers: dict[str, Sequence[Sequence[str]]], references) -> "pandas.DataFrame":
    """One row per method (notebook 08): corpus BLEU (0-100), distinct-1, distinct-2, mean
    answer length and how many different answers were given. ``answers`` maps a method's
    name to its answers, one token list per test question. Quality and diversity together:
    a method that answers every question the same way is caught by distinct-n."""
    import pandas as pd

    rows = []
    for name, ans in answers.items():
        ans = [list(a) for a in ans]
        score, _ = corpus_bleu(ans, references)
        rows.append({"method": name, "BLEU": score, "distinct-1": distinct_n(ans, 1), "distinct-2": distinct_n(ans, 2),
                     "mean length": sum(map(len, ans)) / len(ans),
                     "different answers": len({tuple(a) for a in ans})})
    return pd.DataFrame(rows).set_index("method")


def answer_table(corpus: QACorpus, answers: dict[str, Sequence[Sequence[str]]], *, num_rows: int = 12,
                 seed: int = 0) -> "pandas.DataFrame":
    """Question, first reference and each method's answer for ``num_rows`` test questions
    picked at random with ``seed`` (notebook 08)."""
    import pandas as pd

    num_rows = min(check_int(num_rows, "num_rows"), len(corpus.test_questions))
    for name, ans in answers.items():
        if len(ans) != len(corpus.test_questions):
            raise ValueError(f"{name!r} has {len(ans)} answers for {len(corpus.test_questions)} test questions")
    idx = sorted(random.Random(seed).sample(range(len(corpus.test_questions)), num_rows))
    rows = [{"question": " ".join(corpus.test_questions[i]), "reference": " ".join(corpus.test_refs[i][0]),
             **{name: " ".join(ans[i]) for name, ans in answers.items()}} for i in idx]
    return pd.DataFrame(rows)
