"""The synthetic oracle of SeqGAN: a fixed, randomly initialised LSTM language model.

Introduced for notebook 05's tests and used as the benchmark of notebooks 06, 07 and 11.
Because the data distribution is a known network, two things real text never allows
become exact: the likelihood of any generated sentence under the *true* distribution
(NLL-oracle, a quality score) and the entropy of the data (the oracle's NLL on its own
samples, the floor no model's NLL-test can beat on average).

SeqGAN's setting (Yu et al. 2017, §5.1): vocabulary 5,000, length 20, embedding and
hidden size 32, every parameter drawn from N(0, 1), 10,000 training sentences. That is
``OracleConfig.seqgan_paper()``. The course default is a smaller vocabulary, so that MLE
and adversarial training fit a CPU budget; the rest is the paper's.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from ...common.checks import check_int, check_positive
from .models import LSTMGenerator

__all__ = ["OracleConfig", "OracleData", "make_oracle", "oracle_data"]


@dataclass(frozen=True)
class OracleConfig:
    """Size of the oracle and of the data sets it generates (notebooks 06, 07)."""

    vocab_size: int = 500
    seq_len: int = 20
    emb_dim: int = 32
    hidden_dim: int = 32
    init_std: float = 1.0
    num_train: int = 10_000
    num_val: int = 2_000
    num_test: int = 2_000
    seed: int = 0

    @classmethod
    def seqgan_paper(cls, **overrides) -> "OracleConfig":
        """SeqGAN's synthetic-data setting: vocab 5,000, length 20, 32/32, N(0, 1) weights."""
        return cls(**{**dict(vocab_size=5000, seq_len=20, emb_dim=32, hidden_dim=32, init_std=1.0,
                             num_train=10_000), **overrides})


def make_oracle(config: OracleConfig = OracleConfig()) -> LSTMGenerator:
    """A frozen :class:`LSTMGenerator` whose parameters are drawn from N(0, init_std^2)
    with ``config.seed`` (notebook 06). As in SeqGAN, each LSTM gate has one bias (the
    second bias torch's LSTM carries is set to 0) and the first input is token 0."""
    if not isinstance(config, OracleConfig):
        raise TypeError(f"make_oracle expects an OracleConfig, got {type(config).__name__}")
    std = check_positive(config.init_std, "init_std")
    with torch.random.fork_rng(devices=[]):     # leaves the caller's random stream untouched
        oracle = LSTMGenerator(config.vocab_size, emb_dim=config.emb_dim, hidden_dim=config.hidden_dim,
                               seq_len=config.seq_len, start_id=0)
    gen = torch.Generator().manual_seed(check_int(config.seed, "seed", minimum=0))
    with torch.no_grad():
        for name, p in oracle.named_parameters():
            if name.startswith("lstm.bias_hh"):
                p.zero_()
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * std)
    oracle.requires_grad_(False)
    return oracle.eval()


@dataclass
class OracleData:
    """The oracle, its sampled train/val/test sets ``(n, seq_len)``, and its entropy:
    the mean per-token NLL of its own test samples (nats), with a standard error (notebook 06)."""

    oracle: LSTMGenerator
    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    entropy: float
    entropy_se: float
    config: OracleConfig

    def row_format(self) -> dict:
        """How a model for these rows is sized (notebook 06): vocabulary, row length, and the
        start token 0 (fixed-length rows have no ``<eos>`` or ``<pad>``)."""
        return {"vocab_size": self.config.vocab_size, "seq_len": self.config.seq_len, "start_id": 0}

    def fingerprint(self) -> dict:
        """What identifies this data set in a record (notebook 06): the oracle's config."""
        return {"kind": "oracle", "oracle_config": asdict(self.config)}

    def __repr__(self) -> str:
        return (f"OracleData(train={tuple(self.train.shape)}, val={tuple(self.val.shape)}, "
                f"test={tuple(self.test.shape)}, entropy={self.entropy:.3f}±{self.entropy_se:.3f} nats/token, "
                f"config={asdict(self.config)})")


def oracle_data(config: OracleConfig = OracleConfig()) -> OracleData:
    """Build the oracle and sample its data sets reproducibly from ``config.seed``
    (notebook 06). The entropy floor is the oracle's own NLL on its test samples."""
    oracle = make_oracle(config)
    sizes = [check_int(getattr(config, k), k) for k in ("num_train", "num_val", "num_test")]
    with torch.random.fork_rng(devices=[]):     # sampling seeds the global stream: restore it afterwards
        torch.manual_seed(config.seed + 1)
        chunks = [min(2000, sum(sizes) - i) for i in range(0, sum(sizes), 2000)]   # bounded memory
        data = torch.cat([oracle.sample(k) for k in chunks])
    train, val, test = data.split(sizes)
    with torch.no_grad():
        per_sentence = -oracle.log_probs(test).mean(1)
    entropy = float(per_sentence.mean())
    se = float(per_sentence.std() / len(per_sentence) ** 0.5)
    return OracleData(oracle, train, val, test, entropy, se, config)
