import math

import pytest
import torch

from gan_helpers.common.losses import relativistic_loss
from gan_helpers.text import (LSTMGenerator, MultiRepDiscriminator, RelGANConfig, inverse_temperature_schedule,
                              oracle_data, ranking_accuracy, relgan_discriminator_step, relgan_generator_step,
                              train_relgan)

from ...conftest import TINY_ORACLE


def tiny_models(vocab=12):
    g = LSTMGenerator(vocab, emb_dim=8, hidden_dim=8, seq_len=6)
    d = MultiRepDiscriminator(vocab, num_rep=4, rep_dim=2, filter_sizes=(2, 3), num_filters=4, fc_dim=5)
    return g, d


def test_views_and_soft_input_agree():
    torch.manual_seed(0)
    _, d = tiny_models()
    x = torch.randint(12, (5, 6))
    d.eval()
    assert d(x).shape == (5, 4)
    assert torch.allclose(d(x), d(torch.nn.functional.one_hot(x, 12).float()), atol=1e-6)
    with pytest.raises(ValueError, match="vocab_size"):
        d(torch.rand(5, 6, 13))
    with pytest.raises(ValueError, match="widest filter"):
        d(torch.randint(12, (5, 2)))


def test_hard_feedback_feeds_the_sampled_word():
    torch.manual_seed(0)
    g, _ = tiny_models()
    torch.manual_seed(1)
    y = g.sample_relaxed(3, temperature=0.01, feed_hard=True)
    # at a tiny temperature the vectors are one-hots, and fed back as ids they are the sampled sentence:
    # its teacher-forced logits equal the ones the loop used, so every row is a valid sample path
    assert y.shape == (3, 6, 12) and torch.allclose(y.sum(-1), torch.ones(3, 6))
    torch.manual_seed(1)
    soft = g.sample_relaxed(3, temperature=1.0, feed_hard=False)
    torch.manual_seed(1)
    hard = g.sample_relaxed(3, temperature=1.0, feed_hard=True)
    assert torch.equal(soft[:, 0], hard[:, 0]) and not torch.allclose(soft[:, 1:], hard[:, 1:])
    hard = g.sample_relaxed(3, temperature=1.0, feed_hard=True)
    hard.sum().backward()
    assert g.out.weight.grad is not None and g.lstm.weight_hh_l0.grad.abs().sum() > 0


def test_relativistic_loss():
    a, b = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 0.0])
    assert relativistic_loss(a, b).item() == pytest.approx((math.log1p(math.exp(-2)) + math.log(2)) / 2)
    assert relativistic_loss(b, b).item() == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="one shape"):
        relativistic_loss(a, torch.zeros(3))


def test_inverse_temperature_schedule():
    assert inverse_temperature_schedule(0, 10, 100) == 1.0
    assert inverse_temperature_schedule(10, 10, 100) == pytest.approx(100)
    assert inverse_temperature_schedule(5, 10, 100) == pytest.approx(10)
    for bad in (0.0, -1.0, 0.5):
        with pytest.raises(ValueError, match="beta_max"):
            inverse_temperature_schedule(1, 10, bad)
    with pytest.raises(ValueError, match="step"):
        inverse_temperature_schedule(11, 10, 100)
    with pytest.raises(ValueError, match="beta_max"):
        RelGANConfig(beta_max=0.0)
    with pytest.raises(ValueError, match="loss"):
        RelGANConfig(loss="wasserstein")


def test_ranking_accuracy():
    class Score(torch.nn.Module):
        def forward(self, x):
            return x.float().sum(1)
    real, fake = torch.ones(4, 3, dtype=torch.long), torch.zeros(5, 3, dtype=torch.long)
    assert ranking_accuracy(Score(), real, fake) == 1.0
    assert ranking_accuracy(Score(), fake, real) == 0.0
    assert ranking_accuracy(Score(), real, real) == 0.5


def test_steps_and_training_run():
    torch.manual_seed(0)
    data = oracle_data(TINY_ORACLE)
    g, d = tiny_models(TINY_ORACLE.vocab_size)
    config = RelGANConfig(num_steps=4, batch_size=8, eval_every=2, eval_samples=30, beta_max=10.0)
    before = [p.clone() for p in d.parameters()]
    relgan_discriminator_step(d, g, data.train, torch.optim.Adam(d.parameters(), 1e-3), beta=1.0, config=config)
    assert any(not torch.equal(a, b) for a, b in zip(before, d.parameters()))
    frozen = [p.clone() for p in d.parameters()]
    relgan_generator_step(g, d, torch.optim.Adam(g.parameters(), 1e-3), data.train, beta=1.0, config=config)
    assert all(torch.equal(a, b) for a, b in zip(frozen, d.parameters()))
    history = train_relgan(g, d, data.train, oracle=data.oracle, test=data.test, config=config, num_diagnostic=20,
                           progress=False)
    assert history.steps == [0, 2, 4] and len(history.g_loss) == 4 and len(history.d_loss) == 4
    assert history.final("beta") == pytest.approx(10 ** 0.75)
    for key in ("d_rank_soft", "d_rank_hard"):
        assert 0 <= history.final(key) <= 1
    with pytest.raises(TypeError, match="RelGANConfig"):
        train_relgan(g, d, data.train, oracle=data.oracle, test=data.test, config=None)


def test_soft_and_hard_ranking():
    from gan_helpers.text import soft_and_hard_ranking
    torch.manual_seed(0)
    data = oracle_data(TINY_ORACLE)
    g, d = tiny_models(TINY_ORACLE.vocab_size)
    out = soft_and_hard_ranking(d, g, data.val[:20], temperature=0.5, num_samples=10)
    assert set(out) == {"d_rank_soft", "d_rank_hard"} and all(0 <= v <= 1 for v in out.values())
    cold = soft_and_hard_ranking(d, g, data.val[:20], temperature=1e-4, num_samples=10)   # relaxed = one-hot
    assert cold["d_rank_soft"] == pytest.approx(cold["d_rank_hard"], abs=1e-6)
    with pytest.raises(ValueError, match="vocab"):
        soft_and_hard_ranking(tiny_models(13)[1], g, data.val[:20], temperature=0.5)
