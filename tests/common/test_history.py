"""The one training history of both wings: series by name, evaluations, records round trip."""
import math

import numpy as np
import pytest
import torch

from gan_helpers import History


def test_series_by_name_evaluations_and_the_last_value():
    h = History("toy", d_loss=np.array([1.0, 0.5], dtype=np.float32))
    h.add("toy step", 1, g_loss=2.0, reward=0.5)
    h.log(0, nll=3.0)
    h.log(5, nll=2.0, acc=0.7)
    assert h["d_loss"].dtype == np.float32 and h["g_loss"].tolist() == [2.0]
    assert h.steps == [0, 5] and math.isnan(h["acc"][0]) and h.final("nll") == 2.0
    with pytest.raises(KeyError, match="this history has no 'temperature'"):
        h["temperature"]                       # a per-update record nobody filled
    with pytest.raises(KeyError, match="an update reports any of"):
        h.add("toy step", 2, loss=1.0)
    with pytest.raises(FloatingPointError, match="the reward became nan at step 3"):
        h.add("toy step", 3, reward=float("nan"))
    assert h.as_row() == {"method": "toy", "steps": 5, "nll start": 3.0, "nll end": 2.0, "acc start": h["acc"][0],
                          "acc end": 0.7, "seconds": 0.0} or math.isnan(h.as_row()["acc start"])


def test_as_dict_round_trips_through_weights_only_load(tmp_path):
    h = History("run", d_loss=np.arange(5, dtype=np.float32), snapshots={10: np.ones((3, 2), dtype=np.float16)})
    h.log(10, modes=8)
    h.best_step = 10
    path = tmp_path / "h.pt"
    torch.save(h.as_dict(), path)
    back = History.from_dict(torch.load(path, weights_only=True))
    assert back.method == "run" and back.best_step == 10 and back.final("modes") == 8
    assert np.array_equal(back["d_loss"], h["d_loss"]) and back.snapshots[10].dtype == np.float16
    with pytest.raises(ValueError, match="unknown fields"):
        History.from_dict({**h.as_dict(), "loss_d": [1.0]})
