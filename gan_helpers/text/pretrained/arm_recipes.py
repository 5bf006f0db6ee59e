"""The long runs of notebook 06's decomposition: every reward arm from the shipped MLE start,
one record per seed (``python -m gan_helpers.recipes --rebuild arms_oracle_s0``).

An :class:`ArmsRecipe` pretrains SeqGAN's discriminator (scaled) as SeqGAN's code does, in
``d_pretrain_rounds`` rounds on fresh negatives, logging its accuracy and its correlation with
the oracle after each round, then trains every arm of
:func:`~gan_helpers.text.train_reward_arms` side by side. The record holds the recipe, the
discriminator's pretraining history, each arm's history and each arm's final samples;
:func:`load_arms` reads it back, checked against the code's recipe and the oracle.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import torch

from ...common.history import History
from ...common.records import read_record, save_record
from ..core.metrics import oracle_nll
from ..methods.reward_arms import (REWARD_ARMS, ArmsConfig, discriminator_epochs, discriminator_report,
                                   seqgan_discriminator, train_reward_arms)
from .checkpoints import check_kept_samples, load_data, load_pretrained, record_path

# RECIPES, rebuild, check, build_order and record_path serve `python -m gan_helpers.recipes`;
# notebooks use the names below.
__all__ = ["ArmsRecipe", "ARMS_RECIPES", "pretrain_seqgan_discriminator", "build_arms", "load_arms"]

KEPT_SAMPLES = 500          # final samples kept per arm (int16), re-scored by --check


@dataclass(frozen=True)
class ArmsRecipe:
    """Notebook 06's decomposition from the MLE record ``start``: SeqGAN's discriminator at
    ``d_scale`` of its filters with embedding ``d_emb_dim``, pretrained ``d_pretrain_rounds``
    rounds of 3 epochs over ``d_pretrain_size`` training rows and as many fresh samples, then
    the ``arms`` trained by ``config``; ``seed`` seeds everything."""

    name: str
    config: ArmsConfig
    arms: tuple = tuple(REWARD_ARMS)
    start: str = "oracle"
    d_scale: float = 0.1
    d_emb_dim: int = 32
    d_pretrain_rounds: int = 20
    d_pretrain_size: int = 2000
    seed: int = 0
    data: str = field(default="oracle")


_ARMS = ArmsConfig(num_steps=30, num_rollouts=8, lr=1e-2, d_rounds=1, d_round_size=1000, eval_every=5)
RECIPES = {f"arms_oracle_s{s}": ArmsRecipe(f"arms_oracle_s{s}", _ARMS, seed=s) for s in (0, 1, 2)}
ARMS_RECIPES = RECIPES


def _recipe(name) -> ArmsRecipe:
    if isinstance(name, ArmsRecipe):
        return name
    if name not in RECIPES:
        raise ValueError(f"unknown arms record {name!r}; choose one of {sorted(RECIPES)}")
    return RECIPES[name]


def pretrain_seqgan_discriminator(generator, data, *, rounds: int, size: int = 2000, scale: float = 0.1,
                                  emb_dim: int = 32, lr: float = 1e-4, progress: bool = False):
    """SeqGAN's discriminator pretrained as its code does it (notebook 06), scaled: ``rounds``
    rounds of 3 epochs over ``size`` training rows and ``size`` fresh samples of ``generator``,
    one Adam (``lr``). Returns ``(discriminator, optimizer, history)``; the history logs
    :func:`discriminator_report` before training and after every round, by round."""
    disc = seqgan_discriminator(generator.vocab_size, emb_dim=emb_dim, scale=scale)
    opt = torch.optim.Adam(disc.parameters(), lr=lr, foreach=True)     # the same steps, to the bit; fewer calls
    history = History("SeqGAN's discriminator")
    history.log(0, **discriminator_report(disc, generator, data.oracle, train=data.train, heldout=data.val))
    for r in range(1, rounds + 1):
        real = data.train[torch.randint(len(data.train), (size,))]
        losses = discriminator_epochs(disc, opt, real, generator.sample(size), epochs=3)
        history.d_pretrain_loss.extend(losses)
        history.log(r, **discriminator_report(disc, generator, data.oracle, train=data.train, heldout=data.val))
        if progress:
            print(f"round {r}/{rounds}: held-out accuracy {history.final('d_heldout_acc'):.3f}", flush=True)
    return disc, opt, history


def build_arms(name, data=None, *, progress: bool = True, directory=None):
    """Train recipe ``name`` (or an :class:`ArmsRecipe`) from its seed, as its record was made.
    Returns ``({arm: History}, the discriminator's pretraining History, {arm: final samples})``."""
    recipe = _recipe(name)
    data = load_data(recipe.data) if data is None else data
    start = load_pretrained(recipe.start, data, directory=directory)
    torch.manual_seed(recipe.seed)
    disc, _, d_history = pretrain_seqgan_discriminator(start, data, rounds=recipe.d_pretrain_rounds,
                                                       size=recipe.d_pretrain_size, scale=recipe.d_scale,
                                                       emb_dim=recipe.d_emb_dim, progress=progress)
    generators = {}
    histories = train_reward_arms(start, data, arms=recipe.arms, discriminator=disc, config=recipe.config,
                                  progress=progress, generators=generators)
    return histories, d_history, {a: G.sample(KEPT_SAMPLES) for a, G in generators.items()}


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train ``name`` and save its record; returns each arm's final NLL-oracle."""
    recipe = _recipe(name)
    data = load_data(recipe.data)
    histories, d_history, kept = build_arms(recipe, data, progress=progress, directory=directory)
    scores = {f"{a}_kept_nll_oracle": oracle_nll(data.oracle, x) for a, x in kept.items()}
    save_record(record_path(name, directory), name=name, recipe=recipe, data=data.fingerprint(),
                history=[d_history, *histories.values()],
                samples={a: x.to(torch.int16) for a, x in kept.items()}, scores=scores)
    return scores


def load_arms(name: str, data=None, *, directory=None, return_samples: bool = False):
    """The arms' histories of record ``name`` (notebook 06) as ``({arm: History}, discriminator
    pretraining History)``, checked against the code's recipe and ``data``'s oracle (a record
    for another oracle raises a RecordError naming the fix). ``return_samples`` adds
    ``{arm: final samples}``."""
    recipe = _recipe(name)
    data = load_data(recipe.data) if data is None else data
    record = read_record(record_path(name, directory), recipe=recipe, data=data.fingerprint())
    d_history, *rest = [History.from_dict(h) for h in record["history"]]
    histories = {h.method: h for h in rest}
    if return_samples:
        return histories, d_history, {a: x.long() for a, x in record["samples"].items()}
    return histories, d_history


def check(name: str, *, directory=None) -> str:
    """Read ``name``'s record and re-score each arm's kept samples under the oracle (within
    1e-4 of the stored score)."""
    data = load_data(_recipe(name).data)
    _, _, samples = load_arms(name, data, directory=directory, return_samples=True)
    return check_kept_samples(name, samples, read_record(record_path(name, directory))["scores"], data.oracle)


def build_order(names=None) -> list[str]:
    return sorted(names or RECIPES)


def replace_seed(name: str, seed: int) -> ArmsRecipe:
    """Recipe ``name`` from another seed (a record built from it is not shipped)."""
    return dataclasses.replace(_recipe(name), name=f"{_recipe(name).name}_seed{seed}", seed=seed)
