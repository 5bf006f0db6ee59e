import math

import numpy as np
import pytest
import torch
from scipy import stats

from gan_helpers import shape_ks


def test_shape_ks_ignores_location_and_scale():
    z = torch.randn(20_000, generator=torch.Generator().manual_seed(0)).numpy()
    assert shape_ks(z) < 0.015
    assert shape_ks(4 + 0.1 * z) == pytest.approx(shape_ks(z), abs=1e-5)


def test_shape_ks_hand_cases():
    spikes = np.tile([-1.0, 1.0], 5000)               # std ~1: the CDF jumps 0 -> 1/2 -> 1
    assert shape_ks(spikes) == pytest.approx(stats.norm.cdf(1.0) - 0.5, abs=1e-3)
    uniform = np.linspace(0, 1, 100_001)
    expected = max(abs(stats.uniform.cdf(x, -math.sqrt(3), 2 * math.sqrt(3)) - stats.norm.cdf(x))
                   for x in np.linspace(-3, 3, 6001))
    assert shape_ks(uniform) == pytest.approx(expected, abs=2e-3)


def test_shape_ks_bad_input():
    with pytest.raises(ValueError, match="std is 0"):
        shape_ks(np.ones(10))
    with pytest.raises(ValueError, match="NaN"):
        shape_ks([1.0, float("nan"), 2.0])
