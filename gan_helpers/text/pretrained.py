"""Small MLE-pretrained generators shipped with the package (notebooks 06 and 07).

SeqGAN and the Gumbel-softmax GAN both start from an MLE-pretrained generator. Training
one takes minutes on a laptop CPU, so the package carries the result in
``gan_helpers/checkpoints/<name>.pt``, and this module rebuilds each one exactly from a seed:

    OMP_NUM_THREADS=1 python -m gan_helpers.text.pretrained --rebuild            # all (a few minutes)
    OMP_NUM_THREADS=1 python -m gan_helpers.text.pretrained --rebuild oracle     # one
    OMP_NUM_THREADS=1 python -m gan_helpers.text.pretrained --check              # verify all

The MLE generators come first: SeqGAN and the Gumbel GAN checkpoints of notebook 10
start from them, and the sentence VAEs (notebook 09) are rebuilt by the same command.

A checkpoint stores the generator's weights *and* what they were trained on (the model
sizes, the oracle config or the vocabulary, the validation NLL reached). :func:`load_pretrained`
checks all of it, so a stale, corrupt or mismatched file raises an error that says how to
rebuild it, or (``on_error="retrain"``) retrains with a message: never a silent wrong model.
Files are read with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import argparse
import math
import pathlib
import time
from dataclasses import asdict, dataclass

import torch

from .discriminate import train_discriminator
from .gumbel_gan import GumbelGANConfig, gumbel_discriminator_step, train_gumbel_gan
from .mle import pretrain_mle
from .metrics import heldout_nll
from .models import CNNDiscriminator, LSTMGenerator
from .seqgan import SeqGANConfig, train_seqgan
from .oracle import OracleConfig, OracleData, oracle_data
from .vocab import TextCorpus, load_review_corpus

__all__ = ["PretrainedSpec", "PRETRAINED", "review_corpus", "CheckpointError", "checkpoint_path", "load_pretrained",
           "build_pretrained", "save_generator", "load_generator", "read_checkpoint"]

CHECKPOINT_DIR = pathlib.Path(__file__).resolve().parents[1] / "checkpoints"
FORMAT_VERSION = 1
REBUILD = "rebuild it with: OMP_NUM_THREADS=1 python -m gan_helpers.text.pretrained --rebuild"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable, or was made for a different model or data."""


@dataclass(frozen=True)
class PretrainedSpec:
    """How a shipped generator is made (notebooks 06, 10): its data, sizes and training.

    ``method="mle"`` trains from scratch by maximum likelihood (early stopping on the
    validation NLL). ``"seqgan"`` and ``"gumbel"`` start from the MLE checkpoint ``start``,
    pretrain a discriminator for ``d_pretrain_steps`` and take ``num_steps`` adversarial
    generator updates at learning rate ``lr``, as notebooks 06 and 07 do, only longer."""

    name: str
    data: str                      # "oracle" or "reviews"
    method: str = "mle"            # "mle", "seqgan" or "gumbel"
    start: str = ""                # adversarial only: the MLE checkpoint to start from
    num_steps: int = 0             # adversarial generator updates
    num_rollouts: int = 8          # seqgan only
    tau_end: float = 0.1           # gumbel only: temperature annealed from 1 to this
    d_pretrain_steps: int = 150
    emb_dim: int = 32
    hidden_dim: int = 32
    num_epochs: int = 50
    batch_size: int = 64
    lr: float = 1e-2
    patience: int = 3
    seed: int = 0
    max_vocab: int = 2000          # reviews only
    max_len: int = 20              # reviews only

    def load_data(self):
        """The data it is trained on: the course oracle's data, or the review corpus."""
        if self.data == "oracle":
            return oracle_data(OracleConfig())
        return load_review_corpus(max_len=self.max_len, max_vocab=self.max_vocab)


PRETRAINED = {
    "oracle": PretrainedSpec("oracle", "oracle"),
    "reviews": PretrainedSpec("reviews", "reviews", emb_dim=64, hidden_dim=64, num_epochs=40, lr=5e-3),
    # notebook 10's GANs: notebooks 06 and 07's recipes (SeqGAN's learning rate 1e-2, 30 generator updates)
    "seqgan_oracle": PretrainedSpec("seqgan_oracle", "oracle", "seqgan", start="oracle", num_steps=30),
    "seqgan_reviews": PretrainedSpec("seqgan_reviews", "reviews", "seqgan", start="reviews", num_steps=30,
                                     emb_dim=64, hidden_dim=64),
    "gumbel_oracle": PretrainedSpec("gumbel_oracle", "oracle", "gumbel", start="oracle", num_steps=30,
                                    d_pretrain_steps=100),
    "gumbel_reviews": PretrainedSpec("gumbel_reviews", "reviews", "gumbel", start="reviews", num_steps=30,
                                     d_pretrain_steps=100, emb_dim=64, hidden_dim=64),
}


def review_corpus() -> TextCorpus:
    """The review corpus every text notebook from 06 on uses (notebooks 06-10): the
    Rotten Tomatoes reviews of at most ``max_len`` words, with the vocabulary size of the
    shipped "reviews" checkpoint, so models trained on it and the checkpoint agree."""
    return PRETRAINED["reviews"].load_data()


def checkpoint_path(name: str) -> pathlib.Path:
    """Where the shipped checkpoint ``name`` lives (notebook 06)."""
    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained generator {name!r}; choose one of {sorted(PRETRAINED)}")
    return CHECKPOINT_DIR / f"{name}.pt"


def _model_args(g: LSTMGenerator) -> dict:
    return dict(vocab_size=g.vocab_size, emb_dim=g.embedding.embedding_dim, hidden_dim=g.lstm.hidden_size,
                seq_len=g.seq_len, start_id=g.start_id, eos_id=g.eos_id, pad_id=g.pad_id)


def _data_fingerprint(data) -> dict:
    if isinstance(data, OracleData):
        return {"kind": "oracle", "oracle_config": asdict(data.config)}
    if isinstance(data, TextCorpus):
        return {"kind": "reviews", "itos": list(data.vocab.itos), "max_len": data.max_len}
    raise TypeError(f"data must be OracleData (oracle_data()) or TextCorpus (load_review_corpus()), "
                    f"got {type(data).__name__}")


def save_generator(generator: LSTMGenerator, path, *, data, val_nll: float, spec: dict | None = None) -> None:
    """Save ``generator`` with its sizes, a fingerprint of ``data`` and its validation NLL
    (notebook 06), in a form :func:`load_generator` reads with ``weights_only=True``."""
    if not isinstance(generator, LSTMGenerator):
        raise TypeError(f"save_generator expects an LSTMGenerator, got {type(generator).__name__}")
    if not math.isfinite(val_nll):
        raise ValueError(f"val_nll must be finite, got {val_nll}")
    state = {k: v.detach().cpu().clone() for k, v in generator.state_dict().items()}
    torch.save({"format_version": FORMAT_VERSION, "model": _model_args(generator), "data": _data_fingerprint(data),
                "val_nll": float(val_nll), "spec": spec or {}, "state_dict": state}, path)


def read_checkpoint(path, *, data, format_version: int, what: str = "checkpoint", fix: str = REBUILD,
                    keys: tuple = ()) -> dict:
    """Open a gan_helpers checkpoint with ``torch.load(weights_only=True)`` and check what
    every kind shares (notebooks 06, 09): the file exists and is readable, has the expected
    format, holds ``model`` sizes, a ``state_dict`` and any other ``keys``, was made for ``data`` (its
    fingerprint) and for rows as long as ``data``'s. Returns the stored dict; anything else
    raises :class:`CheckpointError` naming ``what`` and how to ``fix`` it."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise CheckpointError(f"no {what} at {path}; {fix}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        if ckpt.get("format_version") != format_version:
            raise CheckpointError(f"{what} {path.name} has format {ckpt.get('format_version')}, this code reads "
                                  f"{format_version}; {fix}")
        missing = sorted({"model", "state_dict", "data", *keys} - set(ckpt))
        if missing:
            raise KeyError(f"no {missing} in the file")
    except CheckpointError:
        raise
    except Exception as err:  # a truncated zip, a pickle with objects, a missing key ...
        raise CheckpointError(f"{what} {path} is corrupt or not a gan_helpers checkpoint "
                              f"({type(err).__name__}: {str(err)[:120]}); {fix}") from err
    expected = _data_fingerprint(data)
    if ckpt["data"] != expected:
        diff = sorted(k for k in set(ckpt["data"]) | set(expected) if ckpt["data"].get(k) != expected.get(k))
        raise CheckpointError(f"{what} {path.name} was trained on different data (differs in {diff}: "
                              f"stored {ckpt['data'].get(diff[0]) if diff else ''!s:.80} ...); load it with the "
                              f"data it was made for, or {fix}")
    if ckpt["model"]["seq_len"] != data.train.shape[1]:
        raise CheckpointError(f"{what} {path.name} is for seq_len={ckpt['model']['seq_len']} but the data has "
                              f"{data.train.shape[1]} positions; {fix}")
    return ckpt


def load_generator(path, *, data, check_nll: bool = True) -> LSTMGenerator:
    """Load a generator saved by :func:`save_generator` for ``data`` (notebook 06).

    Raises :class:`CheckpointError` if the file is missing or unreadable, if it was made for
    another oracle config or vocabulary, or (``check_nll``) if its validation NLL on
    ``data.val`` differs from the one stored: the weights then do not mean what they did.
    """
    path, fix = pathlib.Path(path), REBUILD
    ckpt = read_checkpoint(path, data=data, format_version=FORMAT_VERSION, keys=("val_nll",))
    model, state = ckpt["model"], ckpt["state_dict"]
    if model["vocab_size"] != _vocab_size(data):
        raise CheckpointError(f"checkpoint {path.name} is for vocab_size={model['vocab_size']} but the data has "
                              f"{_vocab_size(data)} ids; {fix}")
    generator = LSTMGenerator(**model)
    try:
        generator.load_state_dict(state)
    except RuntimeError as err:
        raise CheckpointError(f"checkpoint {path.name}'s weights do not fit its stated sizes ({str(err)[:160]}); "
                              f"{fix}") from err
    generator.eval()
    if check_nll:
        nll = heldout_nll(generator, data.val)
        if not abs(nll - ckpt["val_nll"]) <= 1e-3:
            raise CheckpointError(f"checkpoint {path.name} scores validation NLL {nll:.4f}, but it was saved at "
                                  f"{ckpt['val_nll']:.4f}: the data or model code changed since; {fix}")
    return generator


def _vocab_size(data) -> int:
    return data.config.vocab_size if isinstance(data, OracleData) else len(data.vocab)


def build_pretrained(name, data=None, *, progress: bool = True):
    """Train the generator of :data:`PRETRAINED` ``[name]`` from its seed, exactly as the
    shipped checkpoint was made (notebooks 06, 10). ``name`` may also be a
    :class:`PretrainedSpec`, e.g. ``dataclasses.replace(PRETRAINED["seqgan_oracle"], seed=1)``
    to train the same recipe from another seed. Returns ``(generator, history)``: an
    :class:`MLEHistory` or, for an adversarial one, the :class:`TrainingCurve`."""
    spec = name if isinstance(name, PretrainedSpec) else PRETRAINED[checkpoint_path(name).stem]
    if spec.data not in ("oracle", "reviews") or spec.method not in ("mle", "seqgan", "gumbel"):
        raise ValueError(f"spec {spec.name!r} has data={spec.data!r}, method={spec.method!r}; data must be 'oracle' "
                         f"or 'reviews' and method 'mle', 'seqgan' or 'gumbel'")
    data = spec.load_data() if data is None else data
    if spec.method != "mle":
        return _build_adversarial(spec, data, progress)
    torch.manual_seed(spec.seed)
    if spec.data == "oracle":
        cfg = data.config
        generator = LSTMGenerator(cfg.vocab_size, emb_dim=spec.emb_dim, hidden_dim=spec.hidden_dim, seq_len=cfg.seq_len)
    else:
        generator = LSTMGenerator.for_corpus(data, emb_dim=spec.emb_dim, hidden_dim=spec.hidden_dim)
    history = pretrain_mle(generator, data.train, data.val, num_epochs=spec.num_epochs, batch_size=spec.batch_size,
                           lr=spec.lr, patience=spec.patience, progress=progress, desc=f"pretrain {spec.name}")
    return generator, history


def _build_adversarial(spec: PretrainedSpec, data, progress: bool):
    generator = load_pretrained(spec.start, data)
    torch.manual_seed(spec.seed)
    disc = CNNDiscriminator(generator.vocab_size, emb_dim=32, num_filters=16)
    oracle = data.oracle if isinstance(data, OracleData) else None
    if spec.method == "seqgan":
        train_discriminator(disc, data.train, lambda n: generator.sample(n), num_steps=spec.d_pretrain_steps,
                            batch_size=spec.batch_size, lr=1e-3)
        config = SeqGANConfig(num_steps=spec.num_steps, batch_size=spec.batch_size, num_rollouts=spec.num_rollouts,
                              lr=spec.lr, d_steps=5, eval_every=spec.num_steps)
        return generator, train_seqgan(generator, disc, data.train, oracle=oracle, test=data.val, config=config,
                                       progress=progress)
    if spec.method == "gumbel":
        d_opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
        for _ in range(spec.d_pretrain_steps):
            gumbel_discriminator_step(disc, generator, data.train, d_opt, temperature=1.0, batch_size=spec.batch_size)
        config = GumbelGANConfig(num_steps=spec.num_steps, batch_size=spec.batch_size, lr=spec.lr, tau_start=1.0,
                                 tau_end=spec.tau_end, d_steps=5, eval_every=spec.num_steps)
        return generator, train_gumbel_gan(generator, disc, data.train, oracle=oracle, test=data.val, config=config,
                                           progress=progress)


def load_pretrained(name: str = "oracle", data=None, *, on_error: str = "raise") -> LSTMGenerator:
    """The shipped MLE-pretrained generator ``name`` ("oracle": the course oracle of
    notebook 06, vocabulary 500; "reviews": the review corpus, vocabulary 2,000), checked
    against ``data`` (built from the spec if not given). Each call returns a fresh copy, so
    notebooks 06 and 07 can start several runs from the same weights. ``on_error="retrain"``
    retrains from the seed (with a message) instead of raising on a bad checkpoint."""
    if on_error not in ("raise", "retrain"):
        raise ValueError(f"on_error must be 'raise' or 'retrain', got {on_error!r}")
    path = checkpoint_path(name)
    data = PRETRAINED[name].load_data() if data is None else data
    try:
        return load_generator(path, data=data)
    except CheckpointError as err:
        if on_error == "raise":
            raise
        print(f"{err}\n-> retraining '{name}' from its seed instead (a few minutes; the file is not rewritten)")
        return build_pretrained(name, data)[0]


def _all_names() -> list[str]:
    from .vae import VAE_SPECS          # late: vae.py imports this module
    mle_first = sorted(PRETRAINED, key=lambda n: (PRETRAINED[n].method != "mle", n))   # GANs start from MLE
    return mle_first + [f"vae_{n}" for n in sorted(VAE_SPECS)]


def _rebuild(name: str) -> None:
    from .vae import VAE_SPECS, build_vae, save_vae, vae_checkpoint_path
    start = time.perf_counter()
    if name.startswith("vae_") and name[4:] in VAE_SPECS:
        spec = VAE_SPECS[name[4:]]
        data = spec.load_data()
        vae, history = build_vae(name[4:], data)
        path = vae_checkpoint_path(name[4:])
        val = save_vae(vae, path, data=data, history=history, spec=asdict(spec))
        summary = ", ".join(f"{k} {v:.4f}" for k, v in val.items() if isinstance(v, float))
    else:
        data = PRETRAINED[checkpoint_path(name).stem].load_data()
        generator, _ = build_pretrained(name, data)
        val_nll = heldout_nll(generator, data.val)
        path = checkpoint_path(name)
        CHECKPOINT_DIR.mkdir(exist_ok=True)
        save_generator(generator, path, data=data, val_nll=val_nll, spec=asdict(PRETRAINED[name]))
        summary = f"val NLL {val_nll:.4f}"
    print(f"{name}: {summary} ({time.perf_counter() - start:.0f} s) -> {path} ({path.stat().st_size / 1024:.0f} KB)")


def main(argv=None) -> None:
    names = _all_names()
    parser = argparse.ArgumentParser(description="Rebuild or check the shipped checkpoints of gan_helpers.")
    parser.add_argument("--rebuild", nargs="*", metavar="NAME", help=f"retrain and save (default: all of {names})")
    parser.add_argument("--check", action="store_true", help="load every checkpoint and verify it")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.rebuild is not None:
        unknown = sorted(set(args.rebuild) - set(names))
        if unknown:
            parser.error(f"unknown checkpoint(s) {unknown}; choose from {names}")
        for name in sorted(args.rebuild or names, key=names.index):
            _rebuild(name)
    if args.check:
        from .vae import load_vae
        for name in names:
            load_vae(name[4:]) if name.startswith("vae_") else load_pretrained(name)
            print(f"{name}: ok")


if __name__ == "__main__":
    main()
