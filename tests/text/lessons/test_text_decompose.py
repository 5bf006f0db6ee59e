import math

import pandas as pd
import pytest
import torch

from gan_helpers.common.history import History
from gan_helpers.text import (LSTMGenerator, arms_table, cooling_split, matching_temperature, plot_arms_on_curve,
                              plot_discriminator_training, temperature_curve)

CURVE = pd.DataFrame(dict(temperature=[0.5, 0.8, 1.0, 1.2], nll_oracle=[3.0, 4.5, 6.0, 6.5],
                          nll_test=[6.0, 5.0, 4.8, 4.9], entropy=[2.0, 3.5, 4.7, 5.2]))


def test_matching_temperature_interpolates_on_the_cooling_branch():
    assert matching_temperature(CURVE, 5.5) == pytest.approx(0.65)
    assert matching_temperature(CURVE, 4.1, match="entropy") == pytest.approx(0.9)
    assert math.isnan(matching_temperature(CURVE, 7.0))
    with pytest.raises(ValueError, match="match must be"):
        matching_temperature(CURVE, 5.0, match="bleu")


def test_cooling_and_information_add_up_to_the_gain():
    split = cooling_split(CURVE, {"a": {"nll_oracle": 3.5, "nll_test": 5.5}, "far": {"nll_oracle": 1.0, "nll_test": 9.0}})
    a = split.loc["a"]
    assert a.T_star == pytest.approx(0.65) and a.cooling == pytest.approx(6.0 - 3.75)
    assert a.cooling + a.information == pytest.approx(a.total) and a.information == pytest.approx(0.25)
    assert math.isnan(split.loc["far"].information)
    with pytest.raises(ValueError, match="temperature 1.0"):
        cooling_split(CURVE[CURVE.temperature != 1.0], {})


def test_temperature_curve_cools(tiny_oracle):
    torch.manual_seed(0)
    g = LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=6)
    curve = temperature_curve(g, tiny_oracle, [0.5, 1.0], num_samples=200)
    assert list(curve.columns) == ["temperature", "nll_oracle", "nll_test", "entropy"]
    assert curve.entropy.iloc[0] < curve.entropy.iloc[1]
    with pytest.raises(ValueError, match="positive"):
        temperature_curve(g, tiny_oracle, [0.0, 1.0])


def test_tables_and_plots():
    h = History("x")
    for step, v in ((0, 1.0), (5, 2.0)):
        h.log(step, nll_oracle=v, nll_test=v, entropy=v, d_train_acc=0.5, d_heldout_acc=0.5, d_corr_oracle=0.0)
    table = arms_table([{"x": h}, {"x": h}])
    assert table.shape == (2, 5) and table.nll_oracle.tolist() == [2.0, 2.0]
    plot_discriminator_training({"one": h})
    plot_arms_on_curve(CURVE, table, floor=3.0)
