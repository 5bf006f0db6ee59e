"""Checkpoints (save and read any model, fingerprinted against its data), the recipes of the
shipped models, every shipped file, and the rebuild/check command on a tiny recipe."""
from dataclasses import replace

import pytest
import torch

from gan_helpers.text import (CheckpointError, LSTMGenerator, OracleConfig, PRETRAINED, PretrainedSpec, SentenceVAE,
                              VAESpec, build_pretrained, checkpoint_path, load_checkpoint, load_data, load_pretrained,
                              oracle_data, save_checkpoint)
from gan_helpers.text import recipes
from gan_helpers.text.__main__ import main

TINY = OracleConfig(vocab_size=12, seq_len=6, emb_dim=8, hidden_dim=8, num_train=300, num_val=100, num_test=100)


@pytest.fixture(scope="module")
def data():
    return oracle_data(TINY)


@pytest.mark.parametrize("model", [LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=6),
                                   SentenceVAE(12, emb_dim=8, hidden_dim=8, latent_dim=3, seq_len=6)])
def test_round_trip_and_every_mismatch_is_a_checkpoint_error(model, data, tmp_path):
    path = tmp_path / "m.pt"
    val = save_checkpoint(model, path, data=data, spec={"note": "tiny"}, history={"steps": [0]})
    loaded, info = load_checkpoint(path, data=data, return_info=True)
    assert type(loaded) is type(model) and info["val"] == val and info["spec"] == {"note": "tiny"}
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))
    other = oracle_data(replace(TINY, seed=1))
    with pytest.raises(CheckpointError, match="different data"):
        load_checkpoint(path, data=other)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt", data=data)
    (tmp_path / "bad.pt").write_bytes(path.read_bytes()[:300])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(tmp_path / "bad.pt", data=data)
    ckpt = torch.load(path, weights_only=True)
    torch.save({**ckpt, "val": {"score": ckpt["val"]["score"] + 0.1}}, path)   # the weights no longer score that
    with pytest.raises(CheckpointError, match="it was saved at"):
        load_checkpoint(path, data=data)
    torch.save({**ckpt, "format_version": 1}, path)
    with pytest.raises(CheckpointError, match="has format 1"):
        load_checkpoint(path, data=data)
    with pytest.raises(TypeError, match="saves"):
        save_checkpoint(torch.nn.Linear(2, 2), path, data=data)


@pytest.fixture(scope="module")
def shipped_data():
    return {kind: load_data(kind) for kind in ("oracle", "reviews")}


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_every_shipped_checkpoint_loads(name, shipped_data):
    """A missing or stale shipped file fails here (it is not skipped)."""
    path = checkpoint_path(name)
    assert path.is_file(), f"{path.name} is missing: python -m gan_helpers.text --rebuild {name}"
    assert path.stat().st_size < 1_500_000
    model, info = load_pretrained(name, shipped_data[PRETRAINED[name].data], return_info=True)
    assert info["spec"]["name"] == name and info["history"]["steps"]
    assert model.sample(4).shape == (4, model.seq_len)
    if name.startswith("vae_"):     # trained with annealing + word dropout: not collapsed (the oracle has little to code)
        assert info["val"]["kl"] > {"vae_oracle": 0.1, "vae_reviews": 2.0}[name]


def test_unknown_names_and_bad_specs(data):
    with pytest.raises(ValueError, match="unknown pretrained model 'nope'"):
        load_pretrained("nope")
    with pytest.raises(ValueError, match="method='vae'"):
        build_pretrained(replace(PRETRAINED["gumbel_oracle"], method="vae"), data)
    with pytest.raises(ValueError, match="unknown data 'imdb'"):
        load_data("imdb")


def test_the_rebuild_and_check_command_on_tiny_recipes(data, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(recipes.DATA, "oracle", lambda: data)
    monkeypatch.setattr(recipes, "PRETRAINED", {
        "tiny": PretrainedSpec("tiny", "oracle", emb_dim=8, hidden_dim=8, num_epochs=2),
        "tiny_gumbel": PretrainedSpec("tiny_gumbel", "oracle", "gumbel", start="tiny", num_steps=2, d_pretrain_steps=2,
                                      emb_dim=8, hidden_dim=8, batch_size=8),
        "tiny_seqgan": PretrainedSpec("tiny_seqgan", "oracle", "seqgan", start="tiny", num_steps=2, num_rollouts=2,
                                      d_pretrain_steps=2, emb_dim=8, hidden_dim=8, batch_size=8),
        "tiny_vae": VAESpec("tiny_vae", "oracle", emb_dim=8, hidden_dim=8, latent_dim=2, num_epochs=1, anneal_steps=3)})
    import gan_helpers.text.__main__ as cli
    monkeypatch.setattr(cli, "PRETRAINED", recipes.PRETRAINED)
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["--rebuild", "--dir", str(first)]) == 0
    out = capsys.readouterr().out
    assert out.index("tiny:") < out.index("tiny_gumbel:") < out.index("tiny_vae:")   # MLE first: the GANs start from it
    assert main(["--check", "--dir", str(first)]) == 0
    assert main(["--rebuild", "--dir", str(second)]) == 0
    assert main(["--compare", str(second), "--dir", str(first)]) == 0                  # exactly the same weights again
    assert "DIFFERENT" not in capsys.readouterr().out
    (first / "tiny_vae.pt").write_bytes(b"not a checkpoint")
    assert main(["--check", "--dir", str(first)]) == 1
    assert "tiny_vae: FAILED" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--rebuild", "nope", "--dir", str(first)])
