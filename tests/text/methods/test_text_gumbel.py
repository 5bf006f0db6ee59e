import copy
import math

import pytest
import torch

import numpy as np

from gan_helpers.text import (CNNDiscriminator, GumbelGANConfig, LSTMGenerator, gumbel_discriminator_step,
                              gumbel_generator_step, gumbel_noise, gumbel_softmax, oracle_data, relaxed_entropy,
                              temperature_schedule, train_gumbel_gan)

from ...conftest import TINY_ORACLE



def tiny_models(vocab=12, d_vocab=None):
    g = LSTMGenerator(vocab, emb_dim=8, hidden_dim=8, seq_len=6)
    d = CNNDiscriminator(d_vocab or vocab, emb_dim=8, filter_sizes=(2, 3), num_filters=4)
    return g, d


def test_schedule_is_exponential_from_start_to_end():
    assert temperature_schedule(0, 10, 1.0, 0.1) == pytest.approx(1.0)
    assert temperature_schedule(10, 10, 1.0, 0.1) == pytest.approx(0.1)
    assert temperature_schedule(5, 10, 1.0, 0.1) == pytest.approx(math.sqrt(0.1))
    for bad in (dict(start=0.0), dict(end=-1.0)):
        with pytest.raises(ValueError, match="temperature"):
            temperature_schedule(1, 10, **{"start": 1.0, "end": 0.1, **bad})
    with pytest.raises(ValueError, match="step"):
        temperature_schedule(11, 10)
    assert temperature_schedule(np.int64(5), np.int64(10), 1.0, 0.1) == pytest.approx(math.sqrt(0.1))


def test_relax_and_straight_through():
    logits = torch.randn(7, requires_grad=True)
    noise = gumbel_noise((50, 7), generator=torch.Generator().manual_seed(0))
    soft, hard = gumbel_softmax(logits, 0.5, noise=noise), gumbel_softmax(logits, 0.5, hard=True, noise=noise)
    assert torch.allclose(soft.sum(-1), torch.ones(50))
    assert relaxed_entropy(hard) < 1e-6 and relaxed_entropy(soft) > 0
    assert torch.equal(hard.argmax(-1), soft.argmax(-1))
    (hard * torch.arange(7.0)).sum().backward()
    assert logits.grad.abs().sum() > 0                      # the soft gradient flows through the hard forward
    with pytest.raises(ValueError, match="temperature"):
        gumbel_softmax(logits, 0.0, noise=noise)
    with pytest.raises(ValueError, match="vocabulary"):
        gumbel_softmax(logits, 1.0, noise=gumbel_noise((5, 8)))


def test_generator_step_moves_only_the_generator_and_d_step_only_d():
    torch.manual_seed(0)
    g, d = tiny_models()
    g0, d0 = copy.deepcopy(g), copy.deepcopy(d)
    gumbel_generator_step(g, d, torch.optim.Adam(g.parameters(), lr=1e-2), temperature=0.5, batch_size=8)
    assert any(not torch.equal(a, b) for a, b in zip(g.parameters(), g0.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(d.parameters(), d0.parameters()))
    assert all(p.requires_grad for p in d.parameters())
    real = torch.randint(12, (20, 6))
    g1 = copy.deepcopy(g)
    gumbel_discriminator_step(d, g, real, torch.optim.Adam(d.parameters(), lr=1e-2), temperature=0.5, batch_size=8)
    assert any(not torch.equal(a, b) for a, b in zip(d.parameters(), d0.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(g.parameters(), g1.parameters()))


def test_bad_inputs_give_clear_errors():
    g, d = tiny_models(d_vocab=13)
    with pytest.raises(ValueError, match="vocabulary"):
        gumbel_generator_step(g, d, torch.optim.Adam(g.parameters()), temperature=1.0)
    g, d = tiny_models()
    with pytest.raises(ValueError, match="temperature"):
        gumbel_generator_step(g, d, torch.optim.Adam(g.parameters()), temperature=0)
    with pytest.raises(ValueError, match="temperature"):
        GumbelGANConfig(tau_end=0.0)
    with pytest.raises(ValueError, match="relaxed_entropy"):
        relaxed_entropy(torch.tensor([1, 0]))


def test_train_gumbel_gan_records_a_curve():
    torch.manual_seed(0)
    data = oracle_data(TINY_ORACLE)
    g, d = tiny_models()
    curve = train_gumbel_gan(g, d, data.train, oracle=data.oracle, test=data.test, progress=False,
                             config=GumbelGANConfig(num_steps=4, batch_size=8, eval_every=2, eval_samples=50))
    assert curve.steps == [0, 2, 4] and len(curve["nll_test"]) == 3
    assert len(curve.g_loss) == len(curve.d_loss) == 4 and curve.reward == []
    assert curve.temperature[0] == pytest.approx(1.0) and curve.temperature[-1] < 1.0   # temperatures used
    assert all(math.isfinite(v) for v in curve["nll_oracle"] + curve["nll_test"])
