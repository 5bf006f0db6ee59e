"""Notebook 10's softmax-rows-to-a-critic demonstration on tiny configs, and its bad input."""
import math

import pytest
import torch

from gan_helpers.soft_critic import (MAX_VOCAB, RowSoftmax, ngram_jsd, shortcut_scores, small_oracle, soft_report,
                                     train_soft_gan)


@pytest.fixture(scope="module")
def small():
    return small_oracle(vocab_size=6, seq_len=4, num_train=300)


def test_row_softmax_rows_sum_to_one():
    out = RowSoftmax(5)(torch.randn(3, 20))
    assert out.shape == (3, 20) and torch.allclose(out.view(3, 4, 5).sum(-1), torch.ones(3, 4))


def test_a_vocabulary_too_large_names_the_limit():
    with pytest.raises(ValueError, match=f"MAX_VOCAB={MAX_VOCAB}"):
        small_oracle(vocab_size=MAX_VOCAB + 1)


def test_ngram_jsd_is_zero_for_the_same_text_and_log2_for_disjoint_text():
    a = torch.tensor([[1, 2, 3, 4], [2, 3, 4, 1]])
    assert ngram_jsd(a, a, 2) == pytest.approx(0.0)
    assert ngram_jsd(a, a + 10, 2) == pytest.approx(math.log(2))


def test_both_arms_train_and_report(small):
    for gp in (0.0, 10.0):
        G, D, history = train_soft_gan(small, gp_weight=gp, num_steps=5, hidden=16, progress=False)
        report = soft_report(G, D, small, num_samples=50)
        assert 0 <= report["unique (argmax)"] <= 1 and math.isfinite(report["NLL-oracle (argmax)"])
        assert 0 < report["largest entry"] <= 1 and len(history.d_loss) == 5
    s = shortcut_scores(D, G(torch.randn(8, 32)), small.val[:8], 6)
    assert s["fake_score"].shape == s["hard_score"].shape == (8,) and (s["real_max_entry"] == 1).all()
    with pytest.raises(ValueError, match="gp_weight"):
        train_soft_gan(small, gp_weight=-1.0, num_steps=1)
