import math

import numpy as np
import pytest
import torch

from gan_helpers import ClaimFailed, check_finite, check_int, check_positive, expect, get_device, set_seed


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
    assert expect(0.5, between=(0.4, 0.6), what="std") == 0.5
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
