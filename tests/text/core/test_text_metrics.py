import random

import pytest
import torch
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from gan_helpers.text import (LSTMGenerator, NgramReferences, as_token_lists, bleu, distinct_n, heldout_nll,
                              oracle_nll, self_bleu, sequence_nll)

SMOOTH = SmoothingFunction().method1


def nltk_bleu(refs, hyp, n):
    return sentence_bleu(refs, hyp, tuple(1 / n for _ in range(n)), smoothing_function=SMOOTH)


@pytest.fixture(scope="module")
def small_case():
    rng = random.Random(0)
    words = list("abcdef")
    refs = [[rng.choice(words) for _ in range(rng.randint(1, 9))] for _ in range(25)]
    hyps = [[rng.choice(words) for _ in range(rng.randint(0, 10))] for _ in range(30)]
    hyps += [["z"], ["z", "a", "b"], ["a"]]        # no unigram match; one unknown word; shorter than n
    return refs, hyps


def test_bleu_equals_nltk_sentence_bleu(small_case):
    refs, hyps = small_case
    table = NgramReferences(refs, 5)
    for n in (2, 3, 4, 5):
        ours = table.scores(hyps, n)
        assert ours.tolist() == pytest.approx([nltk_bleu(refs, h, n) for h in hyps], abs=1e-12)
    means = bleu(hyps, refs, num_samples=len(hyps))
    assert means[3] == pytest.approx(sum(nltk_bleu(refs, h, 3) for h in hyps) / len(hyps), abs=1e-12)


def test_brevity_penalty_uses_the_closest_reference_length():
    # lengths 11 and 13 are both 1 away from 12: nltk takes the shorter, so no penalty
    refs = [list("abcdefghijk"), list("abcdefghijklm"), list("ab")]
    hyp = list("abcdefghijkl")
    table = NgramReferences(refs, 4)
    for n in (2, 4):
        assert table.sentence_bleu(hyp, n) == pytest.approx(nltk_bleu(refs, hyp, n), abs=1e-12)
    short = list("abcd")                                             # closest is 2 (distance 2 < 7): no penalty
    shorter = list("abc")                                            # closest is 2: no penalty either
    hyp5 = list("abcdefg")                                           # closest 11 (4 away) vs 2 (5 away): penalty
    for h in (short, shorter, hyp5):
        assert table.sentence_bleu(h, 2) == pytest.approx(nltk_bleu(refs, h, 2), abs=1e-12)
    assert table.sentence_bleu(hyp5, 2) < 0.9


def test_self_bleu_leaves_each_sample_out(small_case):
    refs, _ = small_case
    samples = refs + [refs[0]]                                        # a duplicate: it counts for the other copy
    ours = NgramReferences(samples, 4, exclude_self=True).scores(samples, 4, self_scores=True)
    expected = [nltk_bleu(samples[:i] + samples[i + 1:], s, 4) for i, s in enumerate(samples)]
    assert ours.tolist() == pytest.approx(expected, abs=1e-12)
    assert ours[0] == pytest.approx(1.0) and ours[-1] == pytest.approx(1.0)
    assert self_bleu(samples, (4,), num_samples=len(samples))[4] == pytest.approx(sum(expected) / len(expected))


def test_fixed_sample_sizes_and_bad_input(small_case):
    refs, hyps = small_case
    assert bleu(hyps, refs, (2,), num_samples=10)[2] == pytest.approx(NgramReferences(refs, 2).scores(hyps[:10], 2).mean())
    with pytest.raises(ValueError, match="num_samples=500, but got 33"):
        bleu(hyps, refs)
    with pytest.raises(ValueError, match="num_samples=500, but got 25"):
        self_bleu(refs)
    with pytest.raises(TypeError, match="got a string"):
        as_token_lists(["a b c", "d e"])
    with pytest.raises(ValueError, match="empty"):
        bleu([], refs, num_samples=2)
    with pytest.raises(ValueError, match="counted up to max_n=2"):
        NgramReferences(refs, 2).sentence_bleu(hyps[0], 3)
    assert as_token_lists(torch.tensor([[1, 2], [3, 4]])) == [(1, 2), (3, 4)]


def test_distinct_n_by_hand():
    samples = [["a", "b", "a", "b"], ["a", "b", "c"]]
    assert distinct_n(samples, 1) == pytest.approx(3 / 7)
    assert distinct_n(samples, 2) == pytest.approx(3 / 5)          # ab, ba, ab | ab, bc
    with pytest.raises(ValueError, match="no sample has 5 or more tokens"):
        distinct_n(samples, 5)


def test_nll_metrics_by_hand():
    g = LSTMGenerator(7, emb_dim=4, hidden_dim=4, seq_len=3, start_id=1, eos_id=2, pad_id=0)
    x = torch.tensor([[4, 2, 0], [5, 6, 2], [3, 3, 3]])
    with torch.no_grad():
        lp = torch.log_softmax(g(x), -1).gather(2, x[..., None]).squeeze(2)
    counted = torch.tensor([[1, 1, 0], [1, 1, 1], [1, 1, 1]], dtype=torch.bool)
    expected = float(-lp[counted].mean())
    assert sequence_nll(g, x, batch_size=2) == pytest.approx(expected, rel=1e-5)   # token-weighted over batches
    assert heldout_nll(g, x) == oracle_nll(g, x) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="seq_len is 3"):
        heldout_nll(g, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="token id 9, outside the vocabulary of 7"):
        oracle_nll(g, torch.tensor([[9, 0, 0]]))
