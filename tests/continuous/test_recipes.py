"""Long 2-D runs as records: a tiny run trains, saves, loads, re-scores and refuses a changed recipe."""
import dataclasses

import pytest

from gan_helpers import MIXTURE_RUNS, MixtureRun, TrainGANConfig, load_mixture_run, train_mixture_run
from gan_helpers.common.records import RecordError
from gan_helpers.continuous import recipes
from gan_helpers.recipes import main

TINY_RUN = MixtureRun("tiny_ring", "ring", TrainGANConfig(num_steps=6, batch_size=8, eval_steps=(0, 3),
                                                          num_eval_samples=50),
                      generator=dict(noise_dim=2, hidden=8, depth=1), discriminator=dict(hidden=8, depth=1),
                      num_replicas=2, keep_steps=(3,))


def test_a_tiny_run_trains_its_replicas_and_round_trips(tmp_path, monkeypatch, capsys):
    histories = train_mixture_run(TINY_RUN, progress=False)
    assert len(histories) == 2 and histories[0].steps == [0, 3, 6] and set(histories[0]["modes"]) <= set(range(9))
    monkeypatch.setitem(MIXTURE_RUNS, "tiny_ring", TINY_RUN)
    assert main(["--rebuild", "tiny_ring", "--dir", str(tmp_path)]) == 0
    loaded = load_mixture_run("tiny_ring", directory=tmp_path)
    assert sorted(loaded[1].snapshots) == [3, 6] and loaded[1].snapshots[6].shape == (50, 2)
    assert recipes.check("tiny_ring", directory=tmp_path).startswith("2 replicas")
    monkeypatch.setitem(MIXTURE_RUNS, "tiny_ring", dataclasses.replace(TINY_RUN, lr_g=2e-3))
    with pytest.raises(RecordError, match="another recipe"):
        load_mixture_run("tiny_ring", directory=tmp_path)


def test_bad_runs_say_what_to_fix():
    with pytest.raises(ValueError, match="data must be one of"):
        dataclasses.replace(TINY_RUN, data="spiral")
    with pytest.raises(ValueError, match="give both the same pack"):
        dataclasses.replace(TINY_RUN, discriminator=dict(hidden=8, depth=1, pack=2))
    with pytest.raises(ValueError, match="learning rates must be positive"):
        dataclasses.replace(TINY_RUN, lr_d=0.0)
    with pytest.raises(ValueError, match="batch_size=300"):
        TrainGANConfig(num_steps=5, batch_size=100, pack=2 + 1)
    with pytest.raises(ValueError, match="unknown run 'nope'"):
        load_mixture_run("nope")
