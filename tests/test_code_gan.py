"""Notebook 10's GAN on sentence codes: the continuous wing's networks and train_gan on a tiny
autoencoder's codes, the sampler, and bad input."""
import dataclasses

import pytest
import torch

from gan_helpers import TrainGANConfig, train_gan
from gan_helpers.code_gan import (CODE_GAN_RECIPES, CodeGANRecipe, CodeGANSampler, code_gan_networks, load_code_gan,
                                  nearest_cosine, train_code_gan)
from gan_helpers.text import SentenceAE


def test_networks_put_codes_on_the_sphere():
    G, D = code_gan_networks(8, noise_dim=4, hidden=16)
    codes = G(torch.randn(5, 4))
    assert codes.shape == (5, 8) and torch.allclose(codes.norm(dim=1), torch.ones(5), atol=1e-5)
    assert D(codes).shape == (5, 1)


def test_trains_with_train_gan_and_samples_sentences(tiny_oracle):
    torch.manual_seed(0)
    ae = SentenceAE.for_data(tiny_oracle, emb_dim=8, hidden_dim=16, code_dim=4)
    recipe = dataclasses.replace(CODE_GAN_RECIPES["codegan_oracle"], hidden=16, noise_dim=4,
                                 config=TrainGANConfig(num_steps=20, batch_size=16, r1_weight=1.0, eval_steps=(10,)))
    G, D, history = train_code_gan(ae, tiny_oracle.train, recipe, seed=0, progress=False)
    assert history.steps == [10, 20] and -1 <= history.final("nearest_cosine") <= 1
    assert train_code_gan.__globals__["train_gan"] is train_gan          # the loop of notebooks 02-04
    sampler = CodeGANSampler(ae, G, 4)
    assert sampler.sample(6).shape == (6, tiny_oracle.config.seq_len)
    assert sampler.sample(6, greedy=True).shape == (6, tiny_oracle.config.seq_len)
    assert sampler.nll_per_token(tiny_oracle.test) != sampler.nll_per_token(tiny_oracle.test)      # NaN
    assert nearest_cosine(ae.codes(tiny_oracle.train[:5]), ae.codes(tiny_oracle.train)) == pytest.approx(1.0)


def test_bad_input_gives_clear_errors(tiny_oracle):
    ae = SentenceAE.for_data(tiny_oracle, emb_dim=8, hidden_dim=16, code_dim=4)
    G, _ = code_gan_networks(5, noise_dim=4, hidden=8)
    with pytest.raises(ValueError, match="code_dim=4"):
        CodeGANSampler(ae, G, 4)
    with pytest.raises(ValueError, match="gp_weight"):
        TrainGANConfig(num_steps=1, batch_size=2, gp_weight=-1.0)
    with pytest.raises(ValueError, match="unknown code GAN"):
        load_code_gan("codegan_nothing")
    with pytest.raises(ValueError, match="data must be"):
        CodeGANRecipe("x", "images", "ae_oracle", TrainGANConfig(num_steps=1, batch_size=2))
    with pytest.raises(TypeError, match="CodeGANRecipe"):
        train_code_gan(ae, tiny_oracle.train, {"steps": 1})


@pytest.mark.parametrize("name", sorted(CODE_GAN_RECIPES))
def test_every_shipped_code_gan_loads(name):
    """A missing or stale shipped record fails here (it is not skipped)."""
    from gan_helpers.code_gan import record_path
    path = record_path(name)
    assert path.is_file(), f"{path.name} is missing: python -m gan_helpers.recipes --rebuild {name}"
    assert path.stat().st_size < 1_500_000
    for seed in CODE_GAN_RECIPES[name].seeds:
        gan = load_code_gan(name, seed)
        assert gan.sample(3).shape[0] == 3
    with pytest.raises(ValueError, match="ships seeds"):
        load_code_gan(name, 99)
