import math

import pytest
import torch

from gan_helpers.text import LSTMGenerator, OracleConfig, heldout_nll, make_oracle, oracle_data

from ...conftest import LEARNABLE_ORACLE



def test_seqgan_paper_setting_is_reachable():
    paper = OracleConfig.seqgan_paper()
    assert (paper.vocab_size, paper.seq_len, paper.emb_dim, paper.hidden_dim, paper.num_train, paper.init_std) == \
        (5000, 20, 32, 32, 10_000, 1.0)
    oracle = make_oracle(paper)                                   # building it is cheap; sampling 10k is a GPU job
    assert oracle.out.weight.shape == (5000, 32) and oracle.seq_len == 20
    assert OracleConfig.seqgan_paper(seed=3).seed == 3


def test_oracle_weights_are_standard_normal_fixed_and_seeded():
    oracle = make_oracle(OracleConfig(vocab_size=200, hidden_dim=32, emb_dim=32))
    weights = torch.cat([p.flatten() for n, p in oracle.named_parameters() if "bias_hh" not in n])
    assert abs(weights.mean().item()) < 0.05 and weights.std().item() == pytest.approx(1.0, abs=0.05)
    assert (oracle.lstm.bias_hh_l0 == 0).all()                    # one bias per gate, as in SeqGAN
    assert not any(p.requires_grad for p in oracle.parameters()) and not oracle.training
    same = make_oracle(OracleConfig(vocab_size=200, hidden_dim=32, emb_dim=32))
    other = make_oracle(OracleConfig(vocab_size=200, hidden_dim=32, emb_dim=32, seed=1))
    assert torch.equal(same.out.weight, oracle.out.weight) and not torch.equal(other.out.weight, oracle.out.weight)
    with pytest.raises(TypeError, match="OracleConfig"):
        make_oracle({"vocab_size": 10})


def test_oracle_data_and_entropy_floor(learnable_oracle):
    data = learnable_oracle
    assert data.train.shape == (800, 6) and data.val.shape == (200, 6) and data.test.shape == (200, 6)
    assert data.train.max() < 16 and data.train.dtype == torch.long
    again = oracle_data(LEARNABLE_ORACLE)
    assert torch.equal(again.train, data.train) and again.entropy == data.entropy   # reproducible
    assert 0 < data.entropy < math.log(16)                        # a peaked, not uniform, distribution
    assert heldout_nll(data.oracle, data.test) == pytest.approx(data.entropy, rel=1e-5)
    # any other model is worse on held-out oracle data (on average): the entropy is the floor
    stranger = LSTMGenerator(16, emb_dim=8, hidden_dim=8, seq_len=6)
    assert heldout_nll(stranger, data.test) > data.entropy + 3 * data.entropy_se
    assert "entropy" in repr(data)


def test_sampling_does_not_disturb_the_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    oracle_data(LEARNABLE_ORACLE)
    assert torch.equal(torch.rand(3), expected)
