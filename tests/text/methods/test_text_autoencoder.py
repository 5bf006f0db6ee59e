"""Notebook 10's sentence autoencoder on tiny configs: unit-norm codes, the decoder that reads
them, training, records, and clear errors on bad input."""
import dataclasses

import pytest
import torch

from gan_helpers.common.records import RecordError
from gan_helpers.text import (AEConfig, SentenceAE, interpolate, load_checkpoint, noise_at, oracle_data, random_codes,
                              reconstruction_accuracy, save_checkpoint, train_autoencoder, z_dependence)

from ...conftest import TINY_ORACLE


def tiny_ae(**kwargs):
    return SentenceAE(12, **{**dict(emb_dim=8, hidden_dim=16, code_dim=4, seq_len=6), **kwargs})


def test_codes_are_unit_norm_and_the_decoder_checks_their_size(tiny_oracle):
    torch.manual_seed(0)
    ae = tiny_ae()
    codes = ae.codes(tiny_oracle.train[:10])
    assert codes.shape == (10, 4) and torch.allclose(codes.norm(dim=1), torch.ones(10), atol=1e-5)
    assert ae.decode(codes, greedy=True).shape == (10, 6) and ae.sample(5).shape == (5, 6)
    with pytest.raises(ValueError, match="code_dim=4"):
        ae.decode(torch.randn(3, 5))
    with pytest.raises(TypeError, match="no probability"):
        ae.nll_per_token(tiny_oracle.test)
    with pytest.raises(ValueError, match="even"):
        tiny_ae(hidden_dim=15)
    r = random_codes(7, 4)
    assert torch.allclose(r.norm(dim=1), torch.ones(7), atol=1e-5)


def test_training_makes_the_decoder_depend_on_its_code(learnable_oracle):
    torch.manual_seed(0)
    data = learnable_oracle
    ae = SentenceAE.for_data(data, emb_dim=16, hidden_dim=32, code_dim=16)
    before = reconstruction_accuracy(ae, data.val[:200])
    history = train_autoencoder(ae, data.train, data.val[:200], config=AEConfig(num_epochs=4, lr=1e-2), progress=False)
    after = reconstruction_accuracy(ae, data.val[:200])
    assert history["train_recon"][-1] < history["train_recon"][0]
    assert after["own code"] > before["own code"] and after["own code"] > after["shuffled code"]
    assert z_dependence(ae, data.val[:100])["gap"] > 0             # 09's diagnostic works on it unchanged
    assert interpolate(ae, data.val[0], data.val[1], 3).shape == (3, data.config.seq_len)


def test_noise_schedule_and_config_errors():
    assert noise_at(0, 100, 0.2, 0.02) == pytest.approx(0.2)
    assert noise_at(100, 100, 0.2, 0.02) == pytest.approx(0.02)
    assert noise_at(50, 100, 0.0, 0.0) == 0.0
    with pytest.raises(ValueError, match="both be 0"):
        noise_at(0, 10, 0.1, 0.0)
    with pytest.raises(ValueError, match="noise_start"):
        AEConfig(noise_start=-0.1)
    with pytest.raises(TypeError, match="AEConfig"):
        train_autoencoder(tiny_ae(), torch.zeros(2, 6, dtype=torch.long), torch.zeros(2, 6, dtype=torch.long),
                          config={"num_epochs": 1})
    with pytest.raises(ValueError, match="at least 2"):
        reconstruction_accuracy(tiny_ae(), torch.zeros(1, 6, dtype=torch.long))


def test_a_record_from_another_corpus_is_refused(tiny_oracle, tmp_path):
    torch.manual_seed(0)
    ae, path = tiny_ae(), tmp_path / "ae.pt"
    scores = save_checkpoint(ae, path, data=tiny_oracle)
    assert set(scores) == {"score", "own code", "shuffled code"}
    loaded = load_checkpoint(path, data=tiny_oracle)
    assert isinstance(loaded, SentenceAE) and "out.tied" not in str(list(loaded.state_dict()))
    assert torch.equal(loaded.codes(tiny_oracle.val[:5]), ae.codes(tiny_oracle.val[:5]))
    with pytest.raises(RecordError, match="made for another data set"):
        load_checkpoint(path, data=oracle_data(dataclasses.replace(TINY_ORACLE, seed=1)))
