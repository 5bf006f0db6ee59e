"""How each shipped text model is made (notebooks 06-11), and the commands that rebuild and
check them: ``python -m gan_helpers.recipes --rebuild NAME | --check | --list``.

A :class:`Recipe` names its data, its method and that method's own config object
(:class:`~gan_helpers.text.MLEConfig`, :class:`~gan_helpers.text.SeqGANConfig`,
:class:`~gan_helpers.text.GumbelGANConfig`, :class:`~gan_helpers.text.VAEConfig`,
:class:`~gan_helpers.text.AEConfig`), the
model's settings, and for an adversarial method the MLE record it starts from.
:data:`RECIPES` holds the shipped ones. :func:`build_pretrained` trains a recipe from its seed, exactly
as the shipped record was made; :func:`rebuild` saves it; :func:`check` reads a record,
compares its recipe with the code's and re-scores it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from ..core.models import CNNDiscriminator, LSTMGenerator
from ..methods.autoencoder import AEConfig, SentenceAE, train_autoencoder
from ..methods.gumbel_gan import GumbelGANConfig, gumbel_discriminator_step, train_gumbel_gan
from ..methods.seqgan import SeqGANConfig, train_seqgan
from ..methods.vae import SentenceVAE
from ..methods.vae_train import VAEConfig, train_vae
from ..training.adversarial import run_discriminator
from ..training.discriminate import train_discriminator
from ..training.mle import MLEConfig, pretrain_mle
from ...common.history import History
from ...common.records import read_record
from .checkpoints import DATA, load_checkpoint, load_data, load_pretrained, record_path, save_checkpoint

# rebuild, check, build_order and record_path serve `python -m gan_helpers.recipes` (every wing's recipes
# module has them); notebooks use the names below.
__all__ = ["Recipe", "RECIPES", "GAN_RECIPES", "GAN_SEEDS", "seed_name", "load_seeds", "stored_history",
           "build_pretrained"]


@dataclass(frozen=True)
class Recipe:
    """How a shipped text model is made (notebooks 06-11): its ``data`` ("oracle" or
    "reviews"), its ``method`` ("mle", "seqgan", "gumbel", "vae" or "ae") with that method's
    ``config``, the ``model``'s settings (sizes beyond the data's row format), and for an
    adversarial method the MLE record it ``start``s from, its ``discriminator``'s settings
    and the discriminator updates before adversarial training (``d_pretrain_steps``).
    ``seed`` seeds everything; ``dataclasses.replace(recipe, seed=1)`` is the same recipe
    from another seed."""

    name: str
    data: str
    method: str
    config: object
    model: dict = field(default_factory=dict)
    start: str = ""
    discriminator: dict = field(default_factory=dict)
    d_pretrain_steps: int = 0
    seed: int = 0

    def __post_init__(self):
        configs = {"mle": MLEConfig, "seqgan": SeqGANConfig, "gumbel": GumbelGANConfig, "vae": VAEConfig,
                   "ae": AEConfig}
        if self.data not in DATA:
            raise ValueError(f"recipe {self.name!r}: data must be one of {sorted(DATA)}, got {self.data!r}")
        if self.method not in configs:
            raise ValueError(f"recipe {self.name!r}: method must be one of {sorted(configs)}, got {self.method!r}")
        if not isinstance(self.config, configs[self.method]):
            raise TypeError(f"recipe {self.name!r}: a {self.method} recipe needs a {configs[self.method].__name__}, "
                            f"got {type(self.config).__name__}")
        if (self.method in ("seqgan", "gumbel")) != bool(self.start):
            raise ValueError(f"recipe {self.name!r}: an adversarial recipe starts from an MLE record (start=...), "
                             "and only an adversarial one does")


_ORACLE_G, _REVIEW_G = dict(emb_dim=32, hidden_dim=32), dict(emb_dim=64, hidden_dim=64)
_SMALL_D = dict(emb_dim=32, num_filters=16)
RECIPES = {r.name: r for r in (
    Recipe("oracle", "oracle", "mle", MLEConfig(num_epochs=50, lr=1e-2, patience=3), model=_ORACLE_G),
    Recipe("reviews", "reviews", "mle", MLEConfig(num_epochs=40, lr=5e-3, patience=3), model=_REVIEW_G),
    # notebooks 06 and 07's recipes (SeqGAN's learning rate 1e-2, 30 generator updates)
    Recipe("seqgan_oracle", "oracle", "seqgan", SeqGANConfig(num_steps=30, num_rollouts=8, lr=1e-2, d_steps=5,
                                                             eval_every=30),
           start="oracle", discriminator=_SMALL_D, d_pretrain_steps=150),
    Recipe("seqgan_reviews", "reviews", "seqgan", SeqGANConfig(num_steps=30, num_rollouts=8, lr=1e-2, d_steps=5,
                                                               eval_every=30),
           start="reviews", discriminator=_SMALL_D, d_pretrain_steps=150),
    Recipe("gumbel_oracle", "oracle", "gumbel", GumbelGANConfig(num_steps=30, lr=1e-2, tau_end=0.1, d_steps=5,
                                                                eval_every=30),
           start="oracle", discriminator=_SMALL_D, d_pretrain_steps=100),
    Recipe("gumbel_reviews", "reviews", "gumbel", GumbelGANConfig(num_steps=30, lr=1e-2, tau_end=0.1, d_steps=5,
                                                                  eval_every=30),
           start="reviews", discriminator=_SMALL_D, d_pretrain_steps=100),
    # the width of the MLE oracle generator (32 units), so the side-by-side compares models of one size
    Recipe("vae_oracle", "oracle", "vae", VAEConfig(num_epochs=30, batch_size=64, lr=3e-3, anneal_steps=2000,
                                                    word_dropout=0.3),
           model=dict(emb_dim=32, hidden_dim=32, latent_dim=16)),
    # notebook 09's annealed recipe, trained 20 epochs instead of the notebook's 15
    Recipe("vae_reviews", "reviews", "vae", VAEConfig(num_epochs=20, batch_size=32, lr=1e-2, anneal_steps=700,
                                                      word_dropout=0.75),
           model=dict(emb_dim=32, hidden_dim=48, latent_dim=16)),
    # notebook 10's autoencoders (ARAE-style unit-norm noised codes): the reviews' trains on the 2,976 training
    # reviews plus 20k sentences sampled from the "reviews" MLE record; the oracle's on its 10k training rows
    Recipe("ae_reviews", "reviews", "ae", AEConfig(num_epochs=10, lr=3e-3, noise_start=0.05, noise_end=0.005,
                                                  num_extra=20000),
           model=dict(emb_dim=64, hidden_dim=128, code_dim=128)),
    Recipe("ae_oracle", "oracle", "ae", AEConfig(num_epochs=30, lr=3e-3, noise_start=0.03, noise_end=0.003),
           model=dict(emb_dim=32, hidden_dim=128, code_dim=128)),
)}


# the side-by-side (notebook 11) shows every GAN from several training seeds: the same recipes as
# notebooks 06 and 07, only the seed changed (seed 0 is the record above)
GAN_SEEDS = (0, 1, 2)
GAN_RECIPES = ("seqgan_oracle", "seqgan_reviews", "gumbel_oracle", "gumbel_reviews")


def seed_name(name: str, seed: int) -> str:
    """The record name of recipe ``name`` trained from ``seed`` (notebook 11): the recipe's
    own name for seed 0, ``NAME_seedS`` otherwise."""
    return name if seed == 0 else f"{name}_seed{seed}"


RECIPES.update({seed_name(n, s): replace(RECIPES[n], name=seed_name(n, s), seed=s)
                for n in GAN_RECIPES for s in GAN_SEEDS if s})


def load_seeds(name: str, data=None, *, label: str = "", seeds=GAN_SEEDS, directory=None) -> dict:
    """The shipped checkpoints of GAN recipe ``name`` trained from each of ``seeds`` (notebook
    11), as ``{"LABEL sS": model}`` (``label`` defaults to ``name``), each checked against
    ``data`` and its recipe. A missing record raises an error naming the command that builds it."""
    if name not in GAN_RECIPES:
        raise ValueError(f"{name!r} has no seed variants; choose one of {list(GAN_RECIPES)}")
    data = load_data(RECIPES[name].data) if data is None else data
    return {f"{label or name} s{s}": load_checkpoint(record_path(seed_name(name, s), directory), data=data,
                                                      recipe=_recipe(seed_name(name, s))) for s in seeds}


def stored_history(name: str, directory=None) -> History:
    """The training history stored in record ``name`` (notebook 11), read without rebuilding
    the model: what the shipped run itself measured while it trained."""
    return History.from_dict(read_record(record_path(name, directory))["history"])


def _recipe(name_or_recipe) -> Recipe:
    if isinstance(name_or_recipe, Recipe):
        return name_or_recipe
    if name_or_recipe not in RECIPES:
        raise ValueError(f"unknown shipped text model {name_or_recipe!r}; choose one of {sorted(RECIPES)}")
    return RECIPES[name_or_recipe]


def _train_mle(recipe, data, progress, directory):
    torch.manual_seed(recipe.seed)
    generator = LSTMGenerator.for_data(data, **recipe.model)
    return generator, pretrain_mle(generator, data.train, data.val, config=recipe.config, progress=progress,
                                   desc=f"pretrain {recipe.name}")


def _train_vae(recipe, data, progress, directory):
    torch.manual_seed(recipe.seed)
    vae = SentenceVAE.for_data(data, **recipe.model)
    return vae, train_vae(vae, data.train, data.val, config=recipe.config, progress=progress, desc=recipe.name)


def _oracle_of(data):
    return getattr(data, "oracle", None)        # real text has no oracle


def _train_seqgan(recipe, data, progress, directory):
    generator = load_pretrained(recipe.start, data, directory=directory)
    torch.manual_seed(recipe.seed)
    disc = CNNDiscriminator(generator.vocab_size, **recipe.discriminator)
    train_discriminator(disc, data.train, lambda n: generator.sample(n), num_steps=recipe.d_pretrain_steps,
                        batch_size=recipe.config.batch_size, lr=1e-3)
    return generator, train_seqgan(generator, disc, data.train, oracle=_oracle_of(data), test=data.val,
                                   config=recipe.config, progress=progress)


def _train_gumbel(recipe, data, progress, directory):
    generator = load_pretrained(recipe.start, data, directory=directory)
    torch.manual_seed(recipe.seed)
    disc = CNNDiscriminator(generator.vocab_size, **recipe.discriminator)
    d_opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
    run_discriminator(lambda i: gumbel_discriminator_step(disc, generator, data.train, d_opt, temperature=1.0,
                                                          batch_size=recipe.config.batch_size),
                      recipe.d_pretrain_steps)
    return generator, train_gumbel_gan(generator, disc, data.train, oracle=_oracle_of(data), test=data.val,
                                       config=recipe.config, progress=progress)


def _train_ae(recipe, data, progress, directory):
    rows = data.train
    if recipe.config.num_extra:           # sentences of the same data's MLE record join the training rows
        lm = load_pretrained(recipe.data, data, directory=directory)
        torch.manual_seed(1000 + recipe.seed)
        rows = torch.cat([rows, lm.sample(recipe.config.num_extra)])
    torch.manual_seed(recipe.seed)
    ae = SentenceAE.for_data(data, **recipe.model)
    return ae, train_autoencoder(ae, rows, data.val, config=recipe.config, progress=progress, desc=recipe.name)


TRAINERS = {"mle": _train_mle, "vae": _train_vae, "seqgan": _train_seqgan, "gumbel": _train_gumbel, "ae": _train_ae}


def build_pretrained(name, data=None, *, progress: bool = True, directory=None):
    """Train recipe ``name`` (or a :class:`Recipe`) from its seed, exactly as the shipped
    record was made (notebooks 06, 09-11); e.g. ``dataclasses.replace(RECIPES["seqgan_oracle"],
    seed=1)`` trains the same recipe from another seed. An adversarial recipe starts from the
    MLE record in ``directory`` (default: the shipped one). Returns ``(model, history)``."""
    recipe = _recipe(name)
    data = load_data(recipe.data) if data is None else data
    return TRAINERS[recipe.method](recipe, data, progress, directory)


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train recipe ``name`` from its seed and save its record to ``directory`` (default: the
    package's records) with its recipe and history; returns the stored validation scores."""
    recipe = _recipe(name)
    data = load_data(recipe.data)
    model, history = build_pretrained(recipe, data, progress=progress, directory=directory)
    return save_checkpoint(model, record_path(recipe.name, directory), data=data, recipe=recipe, history=history)


def check(name: str, *, directory=None) -> str:
    """Read record ``name``, check that the code's recipe made it and re-score it on its data
    (``python -m gan_helpers.recipes --check``). Returns a one-line summary; raises
    :class:`~gan_helpers.common.records.RecordError` naming the fix."""
    recipe = _recipe(name)
    model, info = load_checkpoint(record_path(name, directory), data=load_data(recipe.data), recipe=recipe,
                                  return_info=True)
    return f"validation {info['scores']['score']:.4f} nats/token, re-scored within 1e-3"


def build_order(names=None) -> list[str]:
    """MLE generators first (the GANs and autoencoders start from them), then the GANs, then the
    VAEs and autoencoders."""
    rank = {"mle": 0, "seqgan": 1, "gumbel": 1, "vae": 2, "ae": 2}
    return sorted(names or RECIPES, key=lambda n: (rank[_recipe(n).method], n))
