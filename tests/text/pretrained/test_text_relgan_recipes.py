import dataclasses

import pytest
import torch

from gan_helpers.common.records import RecordError
from gan_helpers.text import RELGAN_RECIPES, LSTMGenerator, RelGANConfig, load_relgan
from gan_helpers.text.core.oracle import OracleConfig, oracle_data
from gan_helpers.text.pretrained import checkpoints, relgan_recipes
from gan_helpers.text.pretrained.checkpoints import record_path, save_checkpoint

SMALL_ORACLE = OracleConfig(vocab_size=12, seq_len=8, emb_dim=4, hidden_dim=4, num_train=200, num_val=80, num_test=80)


@pytest.fixture()
def small_oracle():
    return oracle_data(SMALL_ORACLE)


@pytest.fixture()
def tiny_recipe(small_oracle, tmp_path, monkeypatch):
    """A three-update recipe on a small oracle, its MLE start saved in tmp_path."""
    torch.manual_seed(0)
    save_checkpoint(LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=8), record_path("oracle", tmp_path),
                    data=small_oracle)
    recipe = dataclasses.replace(RELGAN_RECIPES["relgan_oracle_s0"], name="tiny_relgan", d_num_rep=2, d_rep_dim=2,
                                 d_filters=3, d_pretrain_steps=2,
                                 config=RelGANConfig(num_steps=3, batch_size=8, eval_every=1, eval_samples=50))
    monkeypatch.setitem(relgan_recipes.RECIPES, "tiny_relgan", recipe)
    monkeypatch.setitem(checkpoints.DATA, "oracle", lambda: small_oracle)
    return recipe


def test_round_trip_check_and_another_oracle(tiny_recipe, small_oracle, tmp_path):
    scores = relgan_recipes.rebuild("tiny_relgan", directory=tmp_path, progress=False)
    arms = list(tiny_recipe.arms) + ["mle"]
    assert set(scores) == {f"{a}_{k}" for a in arms for k in ("kept_nll_oracle", "entropy")}
    histories, generators = load_relgan("tiny_relgan", small_oracle, directory=tmp_path)
    assert list(histories) == arms and set(generators) == set(arms)
    assert histories["relgan"].steps == [0, 1, 2, 3] and len(histories["relgan"].d_pretrain_loss) == 2
    assert histories["beta_1000"].final("beta") > histories["relgan"].final("beta")
    assert "re-scored" in relgan_recipes.check("tiny_relgan", directory=tmp_path)
    table = relgan_recipes.relgan_table(["tiny_relgan"], small_oracle, directory=tmp_path)
    assert list(table.arm) == arms and table.loc[table.arm == "mle", "d_rank_soft"].isna().all()
    assert table.loc[table.arm == "relgan", "d_rank_hard"].between(0, 1).all() and (table.entropy > 0).all()
    with pytest.raises(ValueError, match="at least one record"):
        relgan_recipes.relgan_table([])
    other = oracle_data(dataclasses.replace(SMALL_ORACLE, seed=5))
    with pytest.raises(RecordError, match="another data set"):
        load_relgan("tiny_relgan", other, directory=tmp_path)


def test_unknown_record_and_arm(tiny_recipe, small_oracle, tmp_path):
    with pytest.raises(ValueError, match="unknown RelGAN record"):
        load_relgan("relgan_oracle_s9")
    with pytest.raises(ValueError, match="unknown RelGAN arm"):
        relgan_recipes.build_relgan(dataclasses.replace(tiny_recipe, arms=("gumbel",)), small_oracle,
                                    directory=tmp_path, progress=False)


@pytest.mark.parametrize("name", sorted(RELGAN_RECIPES))
def test_every_shipped_relgan_record_loads(name):
    path = record_path(name)
    assert path.is_file(), f"{path.name} is missing: python -m gan_helpers.recipes --rebuild {name}"
    assert path.stat().st_size < 1_000_000
    histories, generators = load_relgan(name)
    assert set(histories) == set(RELGAN_RECIPES[name].arms) | {"mle"} and set(generators) == set(histories)
