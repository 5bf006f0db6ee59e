"""Records: networks keep their settings, and a record from another recipe, another data
set or without settings fails with a message that names the fix."""
import pytest
import torch

from gan_helpers import mlp_discriminator, mlp_generator
from gan_helpers.common.records import (RecordError, differences, keeps_settings, network_settings, read_record,
                                        rebuild_network, recipe_defaults, recipe_dict, same_contents, save_record)
from gan_helpers.text import LSTMGenerator, SeqGANConfig


class Tiny(torch.nn.Module):
    @keeps_settings
    def __init__(self, width: int, *, sizes=(1, 2)):
        super().__init__()
        self.layer = torch.nn.Linear(width, len(sizes))


def test_networks_keep_their_settings_and_rebuild_from_them():
    assert Tiny(3).settings == {"width": 3, "sizes": [1, 2]}
    g = LSTMGenerator(12, hidden_dim=8, seq_len=5)
    assert g.settings["hidden_dim"] == 8 and g.settings["eos_id"] is None
    d = mlp_discriminator(2, hidden=8, depth=1, pack=2)
    stored = network_settings(d)
    assert stored == {"class": "mlp_discriminator", "settings": {**stored["settings"], "pack": 2, "hidden": 8}}
    again = rebuild_network({**stored, "state_dict": d.state_dict()}, {"mlp_discriminator": mlp_discriminator})
    assert all(torch.equal(a, b) for a, b in zip(d.state_dict().values(), again.state_dict().values()))
    with pytest.raises(ValueError, match="has no stored settings"):
        network_settings(torch.nn.Linear(2, 2))
    with pytest.raises(RecordError, match="this code builds only"):
        rebuild_network(stored, {"mlp_generator": mlp_generator})


def test_a_record_checks_its_recipe_and_its_data(tmp_path):
    path = tmp_path / "run.pt"
    recipe = SeqGANConfig(num_steps=3)
    save_record(path, name="run", recipe=recipe, data={"kind": "toy", "n": 1}, networks={"g": Tiny(2)},
                samples={"x": torch.ones(2)}, scores={"score": 1.0})
    record = read_record(path, recipe=recipe, data={"kind": "toy", "n": 1})
    assert record["recipe"]["class"] == "SeqGANConfig" and record["recipe"] == recipe_dict(recipe)
    with pytest.raises(RecordError, match=r"another recipe .*num_steps: 3 -> 4.*--rebuild run"):
        read_record(path, recipe=SeqGANConfig(num_steps=4))
    with pytest.raises(RecordError, match=r"another data set .*n: 1 -> 2"):
        read_record(path, data={"kind": "toy", "n": 2})
    other = tmp_path / "other.pt"
    save_record(other, name="run", recipe=recipe, data={}, networks={"g": Tiny(2)}, samples={"x": torch.ones(2)})
    assert not same_contents(path, other)          # two freshly initialised networks differ
    with pytest.raises(RecordError, match="no record at"):
        read_record(tmp_path / "missing.pt")


def test_an_option_added_later_at_its_default_keeps_old_records_valid(tmp_path):
    from dataclasses import dataclass

    @dataclass
    class Inner:
        lr: float = 1e-3
        penalty: float = 0.0            # "added later": the stored recipe lacks it

    @dataclass
    class Recipe:
        name: str
        inner: Inner

    stored = recipe_dict(Recipe("r", Inner()))
    del stored["inner"]["penalty"]
    same = Recipe("r", Inner())
    assert differences(stored, recipe_dict(same), defaults=recipe_defaults(same)) == []
    changed = Recipe("r", Inner(penalty=1.0))   # the new option used: a different run, still caught
    assert differences(stored, recipe_dict(changed), defaults=recipe_defaults(changed)) == [
        "inner.penalty: '<missing>' -> 1.0"]
    assert differences(stored, recipe_dict(same)) == ["inner.penalty: '<missing>' -> 0.0"]   # without defaults: strict
