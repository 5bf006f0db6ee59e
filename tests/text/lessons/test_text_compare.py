"""Temperature sweeps and curve comparisons (notebook 11) on tiny models."""
import math

import pandas as pd
import pytest
import torch

from gan_helpers.text import (LSTMGenerator, NgramReferences, bleu, check_temperatures, curve_gap, dominated_share,
                              heldout_nll, method_of, oracle_sweep, over_seeds, review_sweep, sample_stats,
                              sequence_nll)


def test_temperature_one_is_the_model_and_lower_temperature_sharpens(tiny_oracle):
    torch.manual_seed(0)
    g = LSTMGenerator(12, emb_dim=4, hidden_dim=4, seq_len=6)
    x = tiny_oracle.test
    with torch.no_grad():
        assert heldout_nll(g, x, temperature=1.0) == pytest.approx(g.nll(x).item(), abs=1e-6)
    # at a very high temperature every word is almost equally likely: NLL -> log V
    assert heldout_nll(g, x, temperature=1e4) == pytest.approx(math.log(12), abs=1e-3)
    with pytest.raises(ValueError, match="temperature"):
        sequence_nll(g, x, temperature=0.0)


def test_oracle_sweep_rows_and_paired_samples(tiny_oracle):
    torch.manual_seed(0)
    g = LSTMGenerator(12, emb_dim=4, hidden_dim=4, seq_len=6)
    table = oracle_sweep({"G": g, "oracle": tiny_oracle.oracle}, tiny_oracle, [1.0, 0.5], num_samples=50)
    assert list(table["temperature"]) == [0.5, 1.0, 0.5, 1.0]
    assert (table.mean_length == tiny_oracle.oracle.seq_len).all() and table.unique_share.between(0, 1).all()
    assert set(table.columns) >= {"model", "temperature", "nll_oracle", "nll_test"}
    again = oracle_sweep({"G": g}, tiny_oracle, [0.5, 1.0], num_samples=50)
    assert list(again["nll_oracle"]) == list(table["nll_oracle"][:2])       # same seed, same samples
    oracle_row = table[(table.model == "oracle") & (table.temperature == 1.0)].iloc[0]
    assert oracle_row.nll_test == pytest.approx(tiny_oracle.entropy, rel=1e-5)   # the oracle scores its own floor


def test_review_sweep_scores_bleu_and_self_bleu(tiny_corpus):
    torch.manual_seed(0)
    g = LSTMGenerator.for_data(tiny_corpus, emb_dim=4, hidden_dim=4)
    table = review_sweep({"G": g}, tiny_corpus, [0.7, 1.3], num_samples=10, ns=(2, 3))
    assert {"bleu2", "bleu3", "self_bleu2", "self_bleu3", "nll_test", "mean_length", "distinct1", "distinct2",
            "unique_share", "method"} <= set(table.columns)
    assert table[["bleu2", "self_bleu2", "distinct1", "distinct2", "unique_share"]].stack().between(0, 1).all()
    assert table.mean_length.between(0, tiny_corpus.max_len).all()


def test_sample_stats_by_hand():
    stats = sample_stats([["a", "b", "a"], ["a", "b", "a"], ["c"]])
    assert stats["mean_length"] == pytest.approx(7 / 3)
    assert stats["distinct1"] == pytest.approx(3 / 7)          # a, b, c among 7 tokens
    assert stats["distinct2"] == pytest.approx(2 / 4)          # (a,b), (b,a) among 4 bigrams
    assert stats["unique_share"] == pytest.approx(2 / 3)
    assert sample_stats([["x"], ["x"]])["distinct2"] == 0.0    # no bigram at all: nothing distinct, no error
    with pytest.raises(ValueError, match="empty"):
        sample_stats([])


def test_over_seeds_takes_the_worst_checkpoint_and_needs_enough_of_them():
    values = {"SeqGAN s0": 1.0, "SeqGAN s1": 3.0, "SeqGAN s2": 2.0, "MLE": 9.0, "Gumbel GAN s0": 0.5}
    assert method_of("SeqGAN s12") == "SeqGAN" and method_of("MLE") == "MLE" and method_of("my s") == "my s"
    assert over_seeds(values, method="SeqGAN", worst="min") == 1.0
    assert over_seeds(pd.Series(values), method="SeqGAN", worst="max") == 3.0
    with pytest.raises(ValueError, match=r"at least 3 training seeds, but only 1 checkpoint.*recipes --rebuild"):
        over_seeds(values, method="Gumbel GAN", worst="min")
    with pytest.raises(ValueError, match="at least 4 training seeds"):
        over_seeds(values, method="SeqGAN", worst="min", min_seeds=4)
    with pytest.raises(ValueError, match="'min' or 'max'"):
        over_seeds(values, method="SeqGAN", worst="mean")


def test_bleu_accepts_precounted_references(tiny_corpus):
    refs = tiny_corpus.tokens(tiny_corpus.test)
    hyps = tiny_corpus.tokens(tiny_corpus.train)
    assert bleu(hyps, NgramReferences(refs, 4), (2, 4), num_samples=6) == bleu(hyps, refs, (2, 4), num_samples=6)
    with pytest.raises(ValueError, match="max_n=2"):
        bleu(hyps, NgramReferences(refs, 2), (4,), num_samples=6)


def test_curve_gap_interpolates_the_reference_curve():
    table = pd.DataFrame(dict(model=["MLE"] * 3 + ["GAN"] * 2, temperature=[0.5, 1.0, 1.5, 1.0, 2.0],
                              x=[1.0, 2.0, 3.0, 1.5, 4.0], y=[5.0, 4.0, 3.0, 4.2, 1.0]))
    gap = curve_gap(table, "GAN", reference="MLE", x="x", y="y")
    assert gap[1.0] == pytest.approx(0.3)          # MLE at x=1.5 is 4.5; the GAN's 4.2 is lower = better
    assert math.isnan(gap[2.0])                    # outside the MLE sweep: no claim
    assert curve_gap(table, "GAN", reference="MLE", x="x", y="y", lower_is_better=False)[1.0] == pytest.approx(-0.3)
    table.loc[1, "x"] = 0.5                        # MLE's x now falls, then rises
    with pytest.raises(ValueError, match="not monotonic"):
        curve_gap(table, "GAN", reference="MLE", x="x", y="y")
    with pytest.raises(ValueError, match="no model 'VAE'"):
        curve_gap(table, "VAE", reference="MLE", x="x", y="y")


def test_bad_sweeps_fail_clearly(tiny_oracle):
    with pytest.raises(ValueError, match="at least 2 distinct"):
        check_temperatures([1.0, 1.0])
    with pytest.raises(ValueError, match="temperature"):
        check_temperatures([1.0, -0.5])
    with pytest.raises(ValueError, match="positive and finite, got 0.*small value such as 0.05"):
        oracle_sweep({"x": tiny_oracle.oracle}, tiny_oracle, [0.0, 1.0])
    with pytest.raises(ValueError, match="non-empty dict"):
        oracle_sweep({}, tiny_oracle, [0.5, 1.0])
    with pytest.raises(TypeError, match="no sample"):
        oracle_sweep({"x": object()}, tiny_oracle, [0.5, 1.0])


def test_relaxed_samples_pad_after_eos(tiny_corpus):
    torch.manual_seed(0)
    g = LSTMGenerator.for_data(tiny_corpus, emb_dim=4, hidden_dim=4)
    with torch.no_grad():
        g.out.bias[g.eos_id] += 20.0                # <eos> almost surely first
    y = g.sample_relaxed(8, temperature=0.5)
    ids = y.argmax(-1)
    assert (ids[:, 0] == g.eos_id).all() and (ids[:, 1:] == g.pad_id).all()
    assert torch.equal(y[:, 1:].sum(-1), torch.ones(8, y.shape[1] - 1))   # exact one-hots after <eos>


def test_dominated_share_counts_points_beaten_on_every_axis():
    table = pd.DataFrame(dict(model=["MLE"] * 2 + ["GAN"] * 3, temperature=[0.5, 1.0, 0.5, 1.0, 2.0],
                              q=[2.0, 3.0, 2.5, 3.5, 1.0], d=[0.9, 0.5, 0.95, 0.5, 0.2]))
    # GAN (2.5, 0.95) is beaten by MLE (2.0, 0.9); (3.5, 0.5) by (3.0, 0.5); (1.0, 0.2) by none
    assert dominated_share(table, "GAN", reference="MLE", better={"q": "lower", "d": "lower"}) == pytest.approx(2 / 3)
    assert dominated_share(table, "MLE", reference="GAN", better={"q": "higher", "d": "higher"}) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="'lower' or 'higher'"):
        dominated_share(table, "GAN", reference="MLE", better={"q": "smaller"})
    table.loc[2, "d"] = float("nan")                # a model without NLL-test: refused, not counted as a win
    with pytest.raises(ValueError, match=r"model 'GAN' has NaN in \['d'\]"):
        dominated_share(table, "GAN", reference="MLE", better={"q": "lower", "d": "lower"})


def test_sample_metrics_on_oracle_rows_and_bad_input(tiny_oracle):
    from gan_helpers.text import sample_metrics
    m = sample_metrics(tiny_oracle.train[:50], tiny_oracle, num_samples=50)
    assert m["copies"] == 1.0 and m["length"] == 6 and 0 < m["distinct-2"] <= 1 and m["unique"] <= 1
    assert m["NLL-oracle"] > 0 and 0 <= m["BLEU-4"] <= 1 and 0 <= m["Self-BLEU-4"] <= 1
    with pytest.raises(ValueError, match="num_samples=50"):
        sample_metrics(tiny_oracle.train[:10], tiny_oracle, num_samples=50)
