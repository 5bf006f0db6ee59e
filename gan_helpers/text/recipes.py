"""How each shipped model is trained, and how to get it (notebooks 06-10).

SeqGAN and the Gumbel-softmax GAN start from an MLE-pretrained generator, and notebook 10
compares MLE, both GANs and the sentence VAE. Training them takes minutes on a laptop
CPU, so the package ships the results in ``gan_helpers/checkpoints/<name>.pt``, and every
one is rebuilt exactly from its recipe and seed:

    python -m gan_helpers.text --rebuild              # every shipped model (a few minutes, one thread)
    python -m gan_helpers.text --rebuild oracle       # one
    python -m gan_helpers.text --check                # load and verify every shipped file

:data:`PRETRAINED` holds the recipes: a :class:`PretrainedSpec` (an LSTM generator by MLE,
or by SeqGAN or the Gumbel GAN from an MLE checkpoint, as notebooks 06 and 07 train them,
only longer) or a :class:`VAESpec` (notebook 09's sentence VAE). :func:`build_pretrained`
trains a recipe from its seed, :func:`load_pretrained` reads a shipped model, checked
against its data (:mod:`gan_helpers.text.checkpoints`).
"""
from __future__ import annotations

import pathlib
from dataclasses import asdict, dataclass

import torch

from .adversarial import run_discriminator
from .checkpoints import CHECKPOINT_DIR, CheckpointError, load_checkpoint, save_checkpoint
from .discriminate import train_discriminator
from .gumbel_gan import GumbelGANConfig, gumbel_discriminator_step, train_gumbel_gan
from .mle import pretrain_mle
from .models import CNNDiscriminator, LSTMGenerator
from .oracle import OracleConfig, OracleData, oracle_data
from .seqgan import SeqGANConfig, train_seqgan
from .vae import SentenceVAE
from .vae_train import VAEConfig, train_vae
from .vocab import review_corpus

__all__ = ["PretrainedSpec", "VAESpec", "PRETRAINED", "DATA", "load_data", "checkpoint_path", "build_pretrained",
           "load_pretrained", "rebuild"]

# the data a recipe names: notebook 06's oracle, or the review corpus of notebooks 06-10
DATA = {"oracle": lambda: oracle_data(OracleConfig()), "reviews": review_corpus}


def load_data(kind: str):
    """The data set ``kind`` ("oracle" or "reviews") that recipes train on (notebook 06)."""
    if kind not in DATA:
        raise ValueError(f"unknown data {kind!r}; choose one of {sorted(DATA)}")
    return DATA[kind]()


@dataclass(frozen=True)
class PretrainedSpec:
    """How a shipped LSTM generator is made (notebooks 06, 07, 10): its data, sizes and training.

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


@dataclass(frozen=True)
class VAESpec:
    """How a shipped sentence VAE is made (notebook 09): its data, sizes and training settings."""

    name: str
    data: str
    emb_dim: int = 32
    hidden_dim: int = 64
    latent_dim: int = 16
    num_epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    anneal_steps: int = 1000
    word_dropout: float = 0.3
    seed: int = 0


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
    # the width of the MLE oracle generator (32 units), so notebook 10 compares models of one size
    "vae_oracle": VAESpec("vae_oracle", "oracle", hidden_dim=32, num_epochs=30, batch_size=64, lr=3e-3,
                          anneal_steps=2000, word_dropout=0.3),
    # notebook 09's annealed recipe, trained 20 epochs instead of the notebook's 15 (later epochs overfit:
    # the validation bound is lowest around epoch 17 of a 40-epoch run)
    "vae_reviews": VAESpec("vae_reviews", "reviews", hidden_dim=48, num_epochs=20, batch_size=32, lr=1e-2,
                           anneal_steps=700, word_dropout=0.75),
}


def checkpoint_path(name: str, directory=None) -> pathlib.Path:
    """Where the checkpoint of recipe ``name`` lives: ``<directory>/<name>.pt``, by default
    the package's ``checkpoints`` folder (notebook 06)."""
    if name not in PRETRAINED:
        raise ValueError(f"unknown pretrained model {name!r}; choose one of {sorted(PRETRAINED)}")
    return pathlib.Path(directory or CHECKPOINT_DIR) / f"{name}.pt"


def _spec(name_or_spec):
    if isinstance(name_or_spec, (PretrainedSpec, VAESpec)):
        spec = name_or_spec
    else:
        spec = PRETRAINED[checkpoint_path(name_or_spec).stem]
    if spec.data not in DATA or (isinstance(spec, PretrainedSpec) and spec.method not in ("mle", "seqgan", "gumbel")):
        raise ValueError(f"spec {spec.name!r} has data={spec.data!r}, method={getattr(spec, 'method', 'vae')!r}; "
                         f"data must be one of {sorted(DATA)} and method 'mle', 'seqgan' or 'gumbel'")
    return spec


def build_pretrained(name, data=None, *, progress: bool = True, directory=None):
    """Train the model of :data:`PRETRAINED` ``[name]`` from its seed, exactly as the shipped
    checkpoint was made (notebooks 06, 09, 10). ``name`` may also be a spec, e.g.
    ``dataclasses.replace(PRETRAINED["seqgan_oracle"], seed=1)`` to train the same recipe
    from another seed. An adversarial recipe starts from the MLE checkpoint in
    ``directory`` (default: the shipped one). Returns ``(model, history)``."""
    spec = _spec(name)
    data = load_data(spec.data) if data is None else data
    if isinstance(spec, VAESpec):
        torch.manual_seed(spec.seed)
        vae = SentenceVAE.for_data(data, emb_dim=spec.emb_dim, hidden_dim=spec.hidden_dim, latent_dim=spec.latent_dim)
        config = VAEConfig(num_epochs=spec.num_epochs, batch_size=spec.batch_size, lr=spec.lr,
                           anneal_steps=spec.anneal_steps, word_dropout=spec.word_dropout)
        return vae, train_vae(vae, data.train, data.val, config=config, progress=progress, desc=spec.name)
    if spec.method != "mle":
        return _build_adversarial(spec, data, progress, directory)
    torch.manual_seed(spec.seed)
    if isinstance(data, OracleData):
        generator = LSTMGenerator(data.config.vocab_size, emb_dim=spec.emb_dim, hidden_dim=spec.hidden_dim,
                                  seq_len=data.config.seq_len)
    else:
        generator = LSTMGenerator.for_corpus(data, emb_dim=spec.emb_dim, hidden_dim=spec.hidden_dim)
    history = pretrain_mle(generator, data.train, data.val, num_epochs=spec.num_epochs, batch_size=spec.batch_size,
                           lr=spec.lr, patience=spec.patience, progress=progress, desc=f"pretrain {spec.name}")
    return generator, history


def _build_adversarial(spec: PretrainedSpec, data, progress: bool, directory):
    generator = load_pretrained(spec.start, data, directory=directory)
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
    d_opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
    run_discriminator(lambda i: gumbel_discriminator_step(disc, generator, data.train, d_opt, temperature=1.0,
                                                          batch_size=spec.batch_size), spec.d_pretrain_steps)
    config = GumbelGANConfig(num_steps=spec.num_steps, batch_size=spec.batch_size, lr=spec.lr, tau_start=1.0,
                             tau_end=spec.tau_end, d_steps=5, eval_every=spec.num_steps)
    return generator, train_gumbel_gan(generator, disc, data.train, oracle=oracle, test=data.val, config=config,
                                       progress=progress)


def load_pretrained(name: str = "oracle", data=None, *, on_error: str = "raise", return_info: bool = False,
                    directory=None):
    """The shipped model ``name`` (notebooks 06-10): "oracle" and "reviews" (MLE generators),
    "seqgan_*" and "gumbel_*" (the GANs of notebooks 06 and 07), "vae_*" (notebook 09's
    sentence VAEs), checked against ``data`` (loaded for the recipe if not given). Each call
    returns a fresh copy, so several runs can start from the same weights.
    ``on_error="retrain"`` retrains from the seed (with a message) instead of raising on a
    bad checkpoint; ``return_info`` also returns the stored validation scores, recipe and
    history."""
    if on_error not in ("raise", "retrain"):
        raise ValueError(f"on_error must be 'raise' or 'retrain', got {on_error!r}")
    path = checkpoint_path(name, directory)
    data = load_data(PRETRAINED[name].data) if data is None else data
    try:
        return load_checkpoint(path, data=data, return_info=return_info)
    except CheckpointError as err:
        if on_error == "raise":
            raise
        print(f"{err}\n-> retraining '{name}' from its seed instead (a few minutes; the file is not rewritten)")
        model, history = build_pretrained(name, data, directory=directory)
        return (model, {"spec": asdict(PRETRAINED[name]), "history": history.as_dict()}) if return_info else model


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train recipe ``name`` from its seed and save it to ``directory`` (default: the
    package's checkpoints) with its recipe and history; returns the stored validation scores."""
    spec = _spec(name)
    data = load_data(spec.data)
    model, history = build_pretrained(spec, data, progress=progress, directory=directory)
    return save_checkpoint(model, checkpoint_path(name, directory), data=data, spec=asdict(spec),
                           history=history.as_dict())
