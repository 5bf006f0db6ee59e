"""Notebook 04's long runs as records: a tiny run trains its (γ, seed) replicas, round-trips,
re-scores its kept rows and refuses a changed recipe."""
import dataclasses

import numpy as np
import pytest
import torch

from gan_helpers import TABULAR_RUNS, TabularRun, load_tabular_run, train_tabular_run
from gan_helpers.common.records import RecordError
from gan_helpers.continuous.tabular import recipes
from gan_helpers.recipes import main

TINY = TabularRun("tiny_tabular", gammas=(0.0, 1.0), num_seeds=2, num_steps=4, eval_every=2,
                  generator={"hidden": 8, "depth": 1}, discriminator={"hidden": 8, "depth": 1}, noise_dim=4,
                  batch_size=16, num_columns=4, num_words=50, keep_rows=5)


def test_a_tiny_run_trains_pairs_its_arms_and_round_trips(tmp_path, monkeypatch):
    assert TINY.replica_gammas == (0.0, 0.0, 1.0, 1.0)
    G, D = recipes._networks(TINY)
    torch.manual_seed(1)                                       # replica (γ, seed 1) starts as the notebook's SEED=1
    net = recipes.mlp_generator(6, 4, hidden=8, depth=1)
    assert torch.equal(G.net[0].weight[1], net[0].weight.t()) and torch.equal(G.net[0].weight[3], net[0].weight.t())
    histories, table, rows, labels = train_tabular_run(TINY, progress=False)
    assert len(histories) == 4 and histories[0].steps == [0, 2, 4] and len(histories[0]["D loss"]) == 3
    assert list(table["γ"]) == [0.0, 0.0, 1.0, 1.0] and list(table["seed"]) == [0, 1, 0, 1]
    assert table["C2ST AUC"].between(0, 1).all() and rows.shape == (4, 5, 4) and labels.shape == (4, 5)
    monkeypatch.setitem(TABULAR_RUNS, "tiny_tabular", TINY)
    assert main(["--rebuild", "tiny_tabular", "--dir", str(tmp_path)]) == 0
    loaded, loaded_histories = load_tabular_run("tiny_tabular", directory=tmp_path)
    assert np.allclose(loaded.drop(columns=["γ", "seed"]), table.drop(columns=["γ", "seed"]))
    assert loaded_histories[2].steps == [0, 2, 4]
    assert recipes.check("tiny_tabular", directory=tmp_path).startswith("4 replicas")
    monkeypatch.setitem(TABULAR_RUNS, "tiny_tabular", dataclasses.replace(TINY, lr=1e-3))
    with pytest.raises(RecordError, match="another recipe"):
        load_tabular_run("tiny_tabular", directory=tmp_path)


def test_bad_runs_say_what_to_fix():
    with pytest.raises(ValueError, match="distinct non-negative R1 weights"):
        dataclasses.replace(TINY, gammas=(0.1, 0.1))
    with pytest.raises(ValueError, match="distinct non-negative R1 weights"):
        dataclasses.replace(TINY, gammas=(-1.0,))
    with pytest.raises(ValueError, match="must divide num_steps"):
        dataclasses.replace(TINY, eval_every=3)
    with pytest.raises(ValueError, match="unknown run 'nope'"):
        load_tabular_run("nope")
    with pytest.raises(TypeError, match="must be a TabularRun"):
        train_tabular_run("tabular_r1_gamma")
