import numpy as np
import pytest

from gan_helpers import Reviews, load_rotten_tomatoes


@pytest.fixture(scope="module")
def splits():
    return load_rotten_tomatoes()


def test_rotten_tomatoes_split_sizes_and_balance(splits):
    train, val, test = splits
    assert len(train) + len(val) + len(test) == 8530
    assert all(abs(s.labels.mean() - 0.5) < 0.01 for s in splits)
    assert set(train.texts).isdisjoint(test.texts[:200])
    assert all(isinstance(t, str) and t for t in train.texts[:50])


def test_rotten_tomatoes_split_is_reproducible(splits):
    again = load_rotten_tomatoes(max_reviews=None)
    assert again[2].texts == splits[2].texts
    other = load_rotten_tomatoes(split_seed=1)
    assert other[2].texts != splits[2].texts


def test_loader_bad_input():
    with pytest.raises(ValueError, match="must be below 1"):
        load_rotten_tomatoes(test_fraction=0.6, val_fraction=0.5)
    with pytest.raises(ValueError, match="labels"):
        Reviews(["a", "b"], np.array([1]))
