import math

import pytest
import torch
import torch.nn.functional as F

from gan_helpers import History
from gan_helpers.text import (CNNDiscriminator, MLEConfig, LSTMGenerator, discriminator_accuracy,
                              heldout_nll, pretrain_mle, softness_features, train_discriminator)



@pytest.fixture(scope="module")
def data(learnable_oracle):
    return learnable_oracle


def test_mle_approaches_the_oracle_and_keeps_the_best_epoch(data):
    g = LSTMGenerator(16, emb_dim=16, hidden_dim=32, seq_len=6)
    history = pretrain_mle(g, data.train, data.val, config=MLEConfig(num_epochs=8, batch_size=32, lr=1e-2), progress=False)
    assert isinstance(history, History) and history.steps[0] == 0 and len(history.steps) >= 4
    assert math.isnan(history["train_nll"][0]) and history["val_nll"][0] > history.best("val_nll") + 0.3
    assert history["val_nll"][-1] >= history.best("val_nll")
    assert heldout_nll(g, data.val) == pytest.approx(history.best("val_nll"), rel=1e-5)   # best weights restored
    assert heldout_nll(g, data.test) > data.entropy - 0.1                              # the floor holds


def test_early_stopping_stops():
    torch.manual_seed(0)
    train = torch.randint(0, 16, (64, 6))          # pure noise: validation NLL stops improving quickly
    val = torch.randint(0, 16, (64, 6))
    g = LSTMGenerator(16, emb_dim=16, hidden_dim=64, seq_len=6)
    history = pretrain_mle(g, train, val, config=MLEConfig(num_epochs=40, batch_size=8, lr=3e-2, patience=2), progress=False)
    assert history.stopped_early and history.steps[-1] == history.best_step + 2


def test_mle_bad_input(data):
    g = LSTMGenerator(16, seq_len=5)
    with pytest.raises(ValueError, match="build it with seq_len=6"):
        pretrain_mle(g, data.train, data.val, progress=False)
    small = LSTMGenerator(10, seq_len=6)
    with pytest.raises(ValueError, match="outside the vocabulary of 10 ids"):
        pretrain_mle(small, data.train, data.val, progress=False)
    with pytest.raises(ValueError, match="lr must be a positive"):
        MLEConfig(lr=0)
    with pytest.raises(TypeError, match="config must be an MLEConfig"):
        pretrain_mle(LSTMGenerator(16, seq_len=6), data.train, data.val, config={"lr": 1e-2}, progress=False)


def test_discriminator_separates_one_hot_from_soft(data):
    real = F.one_hot(data.train, 16).float()
    soft = torch.softmax(torch.randn(len(real), 6, 16) * 3, -1)
    assert torch.equal(softness_features(real)[0], torch.tensor([1.0, 0.0]))
    assert (softness_features(soft)[:, 0] < 1).all()
    d = CNNDiscriminator(16, emb_dim=8, filter_sizes=(2, 3), num_filters=8)
    losses = train_discriminator(d, real, soft, num_steps=200, batch_size=32, lr=3e-3)
    assert len(losses) == 200 and losses[-1] < losses[0]
    acc = discriminator_accuracy(d, data.val, torch.softmax(torch.randn(200, 6, 16) * 3, -1))
    assert acc > 0.95, f"accuracy {acc}"
    # a function n -> batch works as a source too
    train_discriminator(d, data.train, lambda n: data.oracle.sample(n), num_steps=2, batch_size=8)
    with pytest.raises(ValueError, match="float"):
        softness_features(data.train)
    with pytest.raises(ValueError, match="at least one real and one fake"):
        discriminator_accuracy(d, data.val[:0], data.val)
