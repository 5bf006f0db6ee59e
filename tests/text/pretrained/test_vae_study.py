"""Notebook 09's remedies over seeds: the study's recipe, its record (curves only), the shipped
record, the tables, and bad input."""
from dataclasses import replace

import pytest
import torch

from gan_helpers.common.records import RecordError
from gan_helpers.text import VAE_STUDIES, VAEConfig, VAEStudy, load_vae_study, study_summary, study_table
from gan_helpers.text.pretrained import checkpoints, vae_study


def tiny_study(**kwargs):
    arms = {"plain": VAEConfig(num_epochs=2, patience=1), "free bits": VAEConfig(num_epochs=2, patience=1, free_bits=0.5)}
    return VAEStudy("tiny_study", "oracle", arms=arms, model=dict(emb_dim=8, hidden_dim=8, latent_dim=2), **kwargs)


def test_a_tiny_study_round_trip(tiny_oracle, tmp_path, monkeypatch):
    monkeypatch.setitem(checkpoints.DATA, "oracle", lambda: tiny_oracle)
    monkeypatch.setitem(vae_study.VAE_STUDIES, "tiny_study", tiny_study())
    scores = vae_study.rebuild("tiny_study", directory=tmp_path, progress=False)
    runs = load_vae_study("tiny_study", directory=tmp_path)
    assert list(runs) == ["plain", "free bits"] and all(len(hs) == 3 for hs in runs.values())
    assert scores["plain"] == pytest.approx(sum(h.best("test_bound") for h in runs["plain"]) / 3)
    assert "2 arms x 3 seeds" in vae_study.check("tiny_study", directory=tmp_path)
    table = study_table(runs, seeds=(0, 1, 2))
    assert len(table) == 6 and list(table["seed"]) == [0, 1, 2] * 2
    summary = study_summary(table)
    assert list(summary.index) == ["plain", "free bits"] and "±" in summary.iloc[0, 0]
    # the same seed gives the same run, whatever ran before it
    again = vae_study.train_vae_study(tiny_study(seeds=(2, 1, 0)), tiny_oracle, progress=False)
    assert again["plain"][2]["val_bound"].tolist() == runs["plain"][0]["val_bound"].tolist()
    # the code's recipe changed: the record no longer matches
    monkeypatch.setitem(vae_study.VAE_STUDIES, "tiny_study", tiny_study(seeds=(0, 1, 3)))
    with pytest.raises(RecordError, match="built by another recipe"):
        load_vae_study("tiny_study", directory=tmp_path)


def test_bad_studies_say_what_to_fix():
    with pytest.raises(ValueError, match="at least 3 different seeds"):
        tiny_study(seeds=(0, 1))
    with pytest.raises(ValueError, match="give every arm a patience"):
        VAEStudy("x", "reviews", arms={"plain": VAEConfig()})
    with pytest.raises(TypeError, match="needs a VAEConfig"):
        VAEStudy("x", "reviews", arms={"plain": dict(lr=1e-3)})
    with pytest.raises(ValueError, match="unknown VAE study 'nope'"):
        load_vae_study("nope")
    with pytest.raises(ValueError, match="3 runs but 2 seeds"):
        study_table({"plain": [None] * 3}, seeds=(0, 1))


def test_the_shipped_study_loads_and_matches_its_recipe():
    path = vae_study.record_path("vae_remedies")
    assert path.is_file(), "python -m gan_helpers.recipes --rebuild vae_remedies"
    assert path.stat().st_size < 200_000                         # curves only, no weights
    runs = load_vae_study("vae_remedies")
    study = VAE_STUDIES["vae_remedies"]
    assert list(runs) == list(study.arms) and all(len(hs) == len(study.seeds) for hs in runs.values())
    assert all(h.steps[-1] <= study.arms[arm].num_epochs for arm, hs in runs.items() for h in hs)
