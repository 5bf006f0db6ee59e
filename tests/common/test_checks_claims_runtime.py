import json
import math

import numpy as np
import pytest
import torch

from gan_helpers import (CLAIMS_LOG_ENV, PROGRESS_ENV, ClaimFailed, check_finite, check_int, check_positive, expect,
                         get_device, progress_bar, set_seed)


def test_set_seed_repeats_numbers():
    set_seed(3)
    a = (torch.rand(3), np.random.rand(3))
    set_seed(3)
    b = (torch.rand(3), np.random.rand(3))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_set_seed_rejects_negative():
    with pytest.raises(ValueError, match="seed must be at least 0"):
        set_seed(-1)


def test_get_device_cpu_and_bad_name():
    assert get_device("cpu").type == "cpu"
    assert get_device().type in ("cpu", "cuda", "mps")
    with pytest.raises(ValueError, match="prefer"):
        get_device("tpu")


def test_expect_passes_and_prints(capsys):
    assert expect(0.5, between=(0.4, 0.6), what="std") is None     # nothing left for a cell to echo
    assert "✓ std = 0.5" in capsys.readouterr().out
    expect(torch.tensor(2.0), above=1, what="t")
    expect(np.float64(1.0), below=2, what="n")


@pytest.mark.parametrize("kwargs", [dict(between=(0.4, 0.6)), dict(below=0.5), dict(above=0.9)])
def test_expect_fails_with_claim_and_value(kwargs):
    with pytest.raises(ClaimFailed, match=r"std of samples = 0\.7"):
        expect(0.7, what="std of samples", **kwargs)


def test_expect_rejects_nan_and_bad_arguments():
    with pytest.raises(ClaimFailed, match="NaN"):
        expect(float("nan"), below=1, what="loss")
    with pytest.raises(ValueError, match="exactly one"):
        expect(1.0, below=2, above=0)
    with pytest.raises(ValueError, match="single number"):
        expect(torch.ones(3), below=2)
    with pytest.raises(TypeError, match="number"):
        expect("high", below=2)


def test_validators_name_the_argument():
    with pytest.raises(ValueError, match="std must be a positive"):
        check_positive(0, "std")
    with pytest.raises(ValueError, match="n must be at least 1"):
        check_int(0, "n")
    with pytest.raises(TypeError, match="n must be an integer"):
        check_int(2.5, "n")
    with pytest.raises(ValueError, match="samples holds 1 NaN"):
        check_finite(np.array([1.0, math.nan]), "samples")
    with pytest.raises(ValueError, match="empty"):
        check_finite(np.array([]), "samples")


def test_set_seed_pins_threads_unless_told_not_to():
    before = torch.get_num_threads()
    set_seed(0, threads=None)
    assert torch.get_num_threads() == before
    set_seed(0)
    assert torch.get_num_threads() == 1
    with pytest.raises(ValueError, match="threads must be at least 1"):
        set_seed(0, threads=0)


def test_expect_logs_every_check_with_its_margin(tmp_path, monkeypatch):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv(CLAIMS_LOG_ENV, str(log))
    expect(0.45, between=(0.4, 0.6), what="std")
    expect(3, above=1, what="modes")
    with pytest.raises(ClaimFailed):
        expect(0.7, below=0.5, what="KS")
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["what"] for r in rows] == ["std", "modes", "KS"]
    assert [r["ok"] for r in rows] == [True, True, False]
    assert [round(r["margin"], 6) for r in rows] == [0.05, 2.0, -0.2]


@pytest.mark.parametrize("mode", ["final", "off", "bar"])
def test_progress_bar_modes_run_the_loop_and_take_postfix(mode, monkeypatch, capsys):
    monkeypatch.setenv(PROGRESS_ENV, mode)
    bar = progress_bar(range(5), desc="training")
    seen = []
    for i in bar:
        seen.append(i)
        bar.set_postfix(loss=f"{i:.1f}")
        if i == 3:
            break
    assert seen == [0, 1, 2, 3]
    out = capsys.readouterr().out
    if mode == "final":
        assert out.startswith("training: 4/5 in ") and "loss=3.0" in out
    else:
        assert "training: 4/5" not in out


def test_progress_bar_rejects_an_unknown_mode(monkeypatch):
    monkeypatch.setenv(PROGRESS_ENV, "fancy")
    with pytest.raises(ValueError, match="GAN_HELPERS_PROGRESS"):
        progress_bar(range(3), desc="x")
