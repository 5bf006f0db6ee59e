import dataclasses

import pytest
import torch

from gan_helpers.common.records import RecordError
from gan_helpers.text import ARMS_RECIPES, ArmsConfig, LSTMGenerator, load_arms
from gan_helpers.text.core.oracle import OracleConfig, oracle_data
from gan_helpers.text.pretrained import arm_recipes, checkpoints
from gan_helpers.text.pretrained.checkpoints import record_path, save_checkpoint


# SeqGAN's widest filter reads 20 words, so this oracle writes sentences of 20
LONG_ORACLE = OracleConfig(vocab_size=12, seq_len=20, emb_dim=4, hidden_dim=4, num_train=200, num_val=80, num_test=80)


@pytest.fixture()
def long_oracle():
    return oracle_data(LONG_ORACLE)


@pytest.fixture()
def tiny_recipe(long_oracle, tmp_path, monkeypatch):
    """A two-update recipe on a small oracle, its MLE start saved in tmp_path."""
    torch.manual_seed(0)
    save_checkpoint(LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=20), record_path("oracle", tmp_path),
                    data=long_oracle)
    recipe = dataclasses.replace(ARMS_RECIPES["arms_oracle_s0"], name="tiny_arms", d_pretrain_rounds=1,
                                 d_pretrain_size=64, d_scale=0.01, d_emb_dim=4,
                                 config=ArmsConfig(num_steps=2, batch_size=8, num_rollouts=2, d_round_size=32,
                                                   eval_every=1, eval_samples=50))
    monkeypatch.setitem(arm_recipes.RECIPES, "tiny_arms", recipe)
    monkeypatch.setitem(checkpoints.DATA, "oracle", lambda: long_oracle)
    return recipe


def test_round_trip_check_and_another_oracle(tiny_recipe, long_oracle, tmp_path):
    scores = arm_recipes.rebuild("tiny_arms", directory=tmp_path, progress=False)
    assert set(scores) == {f"{a}_kept_nll_oracle" for a in tiny_recipe.arms}
    histories, d_history, samples = load_arms("tiny_arms", long_oracle, directory=tmp_path, return_samples=True)
    assert list(histories) == list(tiny_recipe.arms) and d_history.steps == [0, 1]
    assert samples["mle"].shape == (arm_recipes.KEPT_SAMPLES, 20)
    assert "re-scored" in arm_recipes.check("tiny_arms", directory=tmp_path)
    other = oracle_data(dataclasses.replace(LONG_ORACLE, seed=5))
    with pytest.raises(RecordError, match="another data set"):
        load_arms("tiny_arms", other, directory=tmp_path)


def test_unknown_record_name():
    with pytest.raises(ValueError, match="unknown arms record"):
        load_arms("arms_oracle_s9")


@pytest.mark.parametrize("name", sorted(ARMS_RECIPES))
def test_every_shipped_arms_record_loads(name):
    path = record_path(name)
    assert path.is_file(), f"{path.name} is missing: python -m gan_helpers.recipes --rebuild {name}"
    assert path.stat().st_size < 1_000_000
    histories, d_history = load_arms(name)
    assert set(histories) == set(ARMS_RECIPES[name].arms) and len(d_history.steps) > 1
