"""Fixtures shared by the unit tests: one set of tiny data sets and the device to test on."""
import os

import pytest
import torch

from gan_helpers.text import OracleConfig, TextCorpus, build_vocab, encode_batch, oracle_data

# Unit tests use tiny models; one thread avoids oversubscribing small CI machines.
torch.set_num_threads(1)
os.environ.setdefault("MPLBACKEND", "Agg")

# A tiny oracle for the machinery of every text trainer (shapes, records, bad input) ...
TINY_ORACLE = OracleConfig(vocab_size=12, seq_len=6, emb_dim=8, hidden_dim=8, num_train=300, num_val=100,
                           num_test=100)
# ... and one with enough sentences that a model visibly learns it (MLE, the VAE, the oracle's entropy).
LEARNABLE_ORACLE = OracleConfig(vocab_size=16, seq_len=6, emb_dim=8, hidden_dim=8, num_train=800, num_val=200,
                                num_test=200)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def tiny_oracle():
    """Oracle data of :data:`TINY_ORACLE` (vocabulary 12, length 6)."""
    return oracle_data(TINY_ORACLE)


@pytest.fixture(scope="session")
def learnable_oracle():
    """Oracle data of :data:`LEARNABLE_ORACLE` (vocabulary 16, length 6, 800 training sentences)."""
    return oracle_data(LEARNABLE_ORACLE)


@pytest.fixture(scope="session")
def tiny_corpus():
    """A review-like corpus of 18 sentences (vocabulary of 14 ids, at most 5 words)."""
    sents = ["a good film", "a bad film", "the film is good", "the plot is bad", "good acting", "bad acting ."] * 3
    vocab = build_vocab(sents)
    x = encode_batch(sents, vocab, 5)
    return TextCorpus(vocab, x, x[:6], x[6:], max_len=5)


@pytest.fixture(scope="session")
def device():
    """Where the device tests train: a GPU where one is present (cuda, then mps), else the CPU."""
    from gan_helpers import get_device
    return get_device()
