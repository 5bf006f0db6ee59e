"""Checkpoints (any text model saved as a record, fingerprinted against its data), the
recipes of the shipped models, every shipped record, and the recipes command on tiny recipes."""
from dataclasses import replace

import pytest
import torch

from gan_helpers.common.records import RecordError
from gan_helpers.recipes import main
from gan_helpers.text import (GAN_RECIPES, GAN_SEEDS, RECIPES, GumbelGANConfig, LSTMGenerator, MLEConfig, Recipe,
                              SeqGANConfig, SentenceVAE, VAEConfig, build_pretrained, load_checkpoint, load_data,
                              load_pretrained, load_seeds, oracle_data, record_path, save_checkpoint, seed_name,
                              stored_history)
from gan_helpers.text.pretrained import checkpoints, recipes, vae_study

from ...conftest import TINY_ORACLE


@pytest.mark.parametrize("make", [lambda: LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=6),
                                  lambda: SentenceVAE(12, emb_dim=8, hidden_dim=8, latent_dim=3, seq_len=6)])
def test_round_trip_and_every_mismatch_is_a_record_error(make, tiny_oracle, tmp_path):
    model, path, data = make(), tmp_path / "m.pt", tiny_oracle
    scores = save_checkpoint(model, path, data=data, recipe={"note": "tiny"})
    loaded, info = load_checkpoint(path, data=data, return_info=True)
    assert type(loaded) is type(model) and info["scores"] == scores and info["recipe"] == {"note": "tiny"}
    assert loaded.settings == model.settings
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    with pytest.raises(RecordError, match="made for another data set"):
        load_checkpoint(path, data=oracle_data(replace(TINY_ORACLE, seed=1)))
    with pytest.raises(RecordError, match="built by another recipe"):
        load_checkpoint(path, data=data, recipe={"note": "other"})
    with pytest.raises(RecordError, match="no record at"):
        load_checkpoint(tmp_path / "missing.pt", data=data)
    (tmp_path / "bad.pt").write_bytes(path.read_bytes()[:300])
    with pytest.raises(RecordError, match="cannot be read"):
        load_checkpoint(tmp_path / "bad.pt", data=data)
    record = torch.load(path, weights_only=True)
    torch.save({**record, "scores": {"score": record["scores"]["score"] + 0.1}}, path)   # the weights no longer score that
    with pytest.raises(RecordError, match="it was saved at"):
        load_checkpoint(path, data=data)
    torch.save({**record, "format_version": 1}, path)
    with pytest.raises(RecordError, match="has format 1"):
        load_checkpoint(path, data=data)
    with pytest.raises(TypeError, match="saves"):
        save_checkpoint(torch.nn.Linear(2, 2), path, data=data)


@pytest.fixture(scope="module")
def shipped_data():
    return {kind: load_data(kind) for kind in ("oracle", "reviews")}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_shipped_record_loads_and_matches_its_recipe(name, shipped_data):
    """A missing or stale shipped file fails here (it is not skipped)."""
    path = record_path(name)
    assert path.is_file(), f"{path.name} is missing: python -m gan_helpers.recipes --rebuild {name}"
    assert path.stat().st_size < 1_500_000
    model, info = load_checkpoint(path, data=shipped_data[RECIPES[name].data], recipe=RECIPES[name], return_info=True)
    assert info["name"] == name and info["history"]["steps"]
    assert model.sample(4).shape == (4, model.seq_len)
    if name.startswith("vae_"):     # trained with annealing + word dropout: not collapsed (the oracle has little to code)
        assert info["scores"]["kl"] > {"vae_oracle": 0.1, "vae_reviews": 2.0}[name]


def test_unknown_names_and_bad_recipes(tiny_oracle):
    with pytest.raises(ValueError, match="plain file name"):
        load_pretrained("../nope")
    with pytest.raises(ValueError, match="unknown shipped text model 'nope'"):
        build_pretrained("nope", tiny_oracle)
    with pytest.raises(TypeError, match="a vae recipe needs a VAEConfig"):
        replace(RECIPES["gumbel_oracle"], method="vae")
    with pytest.raises(ValueError, match="starts from an MLE record"):
        Recipe("x", "oracle", "seqgan", SeqGANConfig())
    with pytest.raises(ValueError, match="unknown data 'imdb'"):
        load_data("imdb")


def test_the_recipes_command_on_tiny_recipes(tiny_oracle, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(checkpoints.DATA, "oracle", lambda: tiny_oracle)
    monkeypatch.setattr(vae_study, "RECIPES", {})          # notebook 09's study has its own test
    tiny_g = dict(emb_dim=8, hidden_dim=8)
    monkeypatch.setattr(recipes, "RECIPES", {r.name: r for r in (
        Recipe("tiny", "oracle", "mle", MLEConfig(num_epochs=2), model=tiny_g),
        Recipe("tiny_gumbel", "oracle", "gumbel", GumbelGANConfig(num_steps=2, batch_size=8, eval_every=2),
               start="tiny", discriminator=dict(emb_dim=8, num_filters=4), d_pretrain_steps=2),
        Recipe("tiny_seqgan", "oracle", "seqgan", SeqGANConfig(num_steps=2, num_rollouts=2, batch_size=8, eval_every=2),
               start="tiny", discriminator=dict(emb_dim=8, num_filters=4), d_pretrain_steps=2),
        Recipe("tiny_vae", "oracle", "vae", VAEConfig(num_epochs=1, anneal_steps=3),
               model=dict(emb_dim=8, hidden_dim=8, latent_dim=2)))})
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["--rebuild", "--dir", str(first)]) == 0
    out = capsys.readouterr().out
    assert out.index("tiny:") < out.index("tiny_gumbel:") < out.index("tiny_vae:")   # MLE first: the GANs start from it
    assert main(["--check", "--dir", str(first)]) == 0
    assert main(["--rebuild", "--dir", str(second)]) == 0
    assert main(["--compare", str(second), "--dir", str(first)]) == 0                  # exactly the same weights again
    assert "DIFFERENT" not in capsys.readouterr().out
    changed = replace(recipes.RECIPES["tiny_vae"], config=VAEConfig(num_epochs=2, anneal_steps=3))
    monkeypatch.setitem(recipes.RECIPES, "tiny_vae", changed)
    assert main(["--check", "--dir", str(first)]) == 1                                 # the code's recipe changed
    assert "tiny_vae: FAILED" in capsys.readouterr().out and "num_epochs: 1 -> 2"
    (first / "tiny_vae.pt").write_bytes(b"not a record")
    assert main(["--check", "--dir", str(first)]) == 1
    assert "tiny_vae: FAILED" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--rebuild", "nope", "--dir", str(first)])


def test_seed_variants_are_the_same_recipes_from_other_seeds(shipped_data, tmp_path):
    assert len(GAN_SEEDS) >= 3
    for name in GAN_RECIPES:
        for s in GAN_SEEDS:
            variant = RECIPES[seed_name(name, s)]
            assert variant.seed == s and replace(variant, name=name, seed=0) == RECIPES[name]
    assert seed_name("seqgan_oracle", 0) == "seqgan_oracle" and seed_name("seqgan_oracle", 2) == "seqgan_oracle_seed2"
    models = load_seeds("gumbel_oracle", shipped_data["oracle"], label="Gumbel")
    assert list(models) == [f"Gumbel s{s}" for s in GAN_SEEDS]
    weights = [next(iter(m.parameters())) for m in models.values()]
    assert not torch.equal(weights[0], weights[1])                   # other seeds, other weights
    assert stored_history("gumbel_oracle_seed1").steps == [0, 30]
    with pytest.raises(ValueError, match="has no seed variants"):
        load_seeds("oracle")
    with pytest.raises(RecordError, match="recipes --rebuild gumbel_oracle"):
        load_seeds("gumbel_oracle", shipped_data["oracle"], directory=tmp_path)
