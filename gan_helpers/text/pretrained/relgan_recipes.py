"""The long runs of notebook 07's RelGAN-style arm: one record per seed
(``python -m gan_helpers.recipes --rebuild relgan_oracle_s0``).

A :class:`RelGANRecipe` starts from the shipped MLE generator (the start of notebooks 06 and 07),
builds RelGAN's multi-representation discriminator (scaled), pretrains it on the arm's own relaxed
samples at beta = 1, and trains each arm of ``arms`` (:data:`RELGAN_ARMS`: RelGAN's recipe and
the same with beta_max 1000, the paper's two largest) from that same start and that same discriminator, beside
MLE continued with the same optimiser and number of updates. The record holds the recipe, every
history, each generator's final weights, its exact per-word entropy and 500 final samples per arm
(re-scored by ``--check``);
:func:`load_relgan` reads it back, checked against the code's recipe and the oracle.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

import pandas as pd
import torch

from ...common.checks import check_int
from ...common.history import History
from ...common.records import read_record, rebuild_network, save_record
from ..core.metrics import oracle_nll
from ..core.models import LSTMGenerator
from ..methods.relgan import MultiRepDiscriminator, RelGANConfig, relgan_discriminator_step, train_relgan
from ..methods.reward_arms import entropy_per_token
from ..training.adversarial import GANConfig
from ..training.mle import continue_mle
from .checkpoints import check_kept_samples, load_data, load_pretrained, record_path

# RECIPES, rebuild, check, build_order and record_path serve `python -m gan_helpers.recipes`;
# notebooks use the names below.
__all__ = ["RELGAN_ARMS", "RelGANRecipe", "RELGAN_RECIPES", "pretrain_relgan_discriminator", "build_relgan",
           "load_relgan", "relgan_table"]

KEPT_SAMPLES = 500
# each arm: the settings it changes against the recipe's config (RelGAN's, beta_max 100)
RELGAN_ARMS = {"relgan": {}, "beta_1000": {"beta_max": 1000.0}}


@dataclass(frozen=True)
class RelGANRecipe:
    """Notebook 07's RelGAN-style runs from the MLE record ``start``: D with ``d_num_rep`` views of
    ``d_rep_dim`` numbers and ``d_filters`` filters per width, pretrained ``d_pretrain_steps`` steps on
    the arm's relaxed samples at beta = 1; then every arm of ``arms`` by ``config`` (each arm's
    changes from :data:`RELGAN_ARMS` applied), and MLE continued at ``config``'s lr, batch and steps."""

    name: str
    config: RelGANConfig
    arms: tuple = ("relgan",)
    start: str = "oracle"
    d_num_rep: int = 8
    d_rep_dim: int = 8
    d_filters: int = 32
    d_pretrain_steps: int = 200
    seed: int = 0
    data: str = field(default="oracle")


_CONFIG = RelGANConfig(num_steps=1000, beta_max=100.0, eval_every=100)
RECIPES = {f"relgan_oracle_s{s}": RelGANRecipe(f"relgan_oracle_s{s}", _CONFIG, arms=tuple(RELGAN_ARMS), seed=s)
           for s in (0, 1, 2)}
RELGAN_RECIPES = RECIPES


def _recipe(name) -> RelGANRecipe:
    if isinstance(name, RelGANRecipe):
        return name
    if name not in RECIPES:
        raise ValueError(f"unknown RelGAN record {name!r}; choose one of {sorted(RECIPES)}")
    return RECIPES[name]


def _arm_config(recipe: RelGANRecipe, arm: str) -> RelGANConfig:
    if arm not in RELGAN_ARMS:
        raise ValueError(f"unknown RelGAN arm {arm!r}; choose from {sorted(RELGAN_ARMS)}")
    return dataclasses.replace(recipe.config, **RELGAN_ARMS[arm])


def pretrain_relgan_discriminator(recipe: RelGANRecipe, generator, real, *, config: RelGANConfig | None = None,
                                  steps: int | None = None):
    """The recipe's multi-view discriminator, pretrained on ``generator``'s relaxed samples at beta = 1
    against ``real`` rows (notebook 07): ``steps`` steps (default ``recipe.d_pretrain_steps``) of
    ``config`` (default the recipe's). Returns ``(discriminator, its pretraining losses)``; seed first."""
    config = recipe.config if config is None else config
    steps = recipe.d_pretrain_steps if steps is None else check_int(steps, "steps")
    disc = MultiRepDiscriminator(generator.vocab_size, num_rep=recipe.d_num_rep, rep_dim=recipe.d_rep_dim,
                                 num_filters=recipe.d_filters)
    d_opt = torch.optim.Adam(disc.parameters(), lr=config.d_lr)
    return disc, [relgan_discriminator_step(disc, generator, real, d_opt, beta=1.0, config=config)
                  for _ in range(steps)]


def build_relgan(name, data=None, *, progress: bool = True, directory=None):
    """Train recipe ``name`` (or a :class:`RelGANRecipe`) from its seed, as its record was made.
    Returns ``({arm: History}, {arm: final generator})``; the MLE control is arm ``"mle"``."""
    recipe = _recipe(name)
    data = load_data(recipe.data) if data is None else data
    start = load_pretrained(recipe.start, data, directory=directory)
    histories, generators = {}, {}
    for arm in recipe.arms:
        config = _arm_config(recipe, arm)
        torch.manual_seed(recipe.seed)
        disc, pretrain = pretrain_relgan_discriminator(recipe, start, data.train, config=config)
        G = copy.deepcopy(start)
        history = train_relgan(G, disc, data.train, oracle=data.oracle, test=data.test, config=config,
                               progress=progress)
        history.method, history.d_pretrain_loss = arm, pretrain
        histories[arm], generators[arm] = history, G
    torch.manual_seed(recipe.seed)
    G = copy.deepcopy(start)
    c = recipe.config
    mle = continue_mle(G, data.train, oracle=data.oracle, test=data.test, progress=progress,
                       config=GANConfig(num_steps=c.num_steps, batch_size=c.batch_size, lr=c.lr, eval_every=c.eval_every))
    mle.method = "mle"
    histories["mle"], generators["mle"] = mle, G
    return histories, generators


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train ``name`` and save its record; returns each arm's kept samples' NLL-oracle."""
    recipe = _recipe(name)
    data = load_data(recipe.data)
    histories, generators = build_relgan(recipe, data, progress=progress, directory=directory)
    torch.manual_seed(recipe.seed)
    kept = {a: G.sample(KEPT_SAMPLES) for a, G in generators.items()}
    scores = {f"{a}_kept_nll_oracle": oracle_nll(data.oracle, x) for a, x in kept.items()}
    scores.update({f"{a}_entropy": entropy_per_token(G) for a, G in generators.items()})
    save_record(record_path(name, directory), name=name, recipe=recipe, data=data.fingerprint(),
                history=list(histories.values()), networks=generators,
                samples={a: x.to(torch.int16) for a, x in kept.items()}, scores=scores)
    return scores


def load_relgan(name: str, data=None, *, directory=None):
    """Record ``name`` (notebook 07) as ``({arm: History}, {arm: final generator})``, checked
    against the code's recipe and ``data``'s oracle (a record for another oracle raises a
    RecordError naming the fix)."""
    recipe = _recipe(name)
    data = load_data(recipe.data) if data is None else data
    record = read_record(record_path(name, directory), recipe=recipe, data=data.fingerprint())
    histories = {h.method: h for h in (History.from_dict(d) for d in record["history"])}
    generators = {a: rebuild_network(entry, {"LSTMGenerator": LSTMGenerator}) for a, entry in record["networks"].items()}
    return histories, generators


def relgan_table(names, data=None, *, directory=None) -> pd.DataFrame:
    """One row per (record, arm) of the records ``names`` (notebook 07): the final NLL-oracle,
    NLL-test, exact per-word entropy and, for the GAN arms, D's ranking accuracy against the
    relaxed and the hard samples (NaN for MLE). At least one record."""
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError("relgan_table needs at least one record name, e.g. sorted(RELGAN_RECIPES)")
    rows = []
    for name in names:
        histories, _ = load_relgan(name, data, directory=directory)
        scores = read_record(record_path(name, directory))["scores"]
        for arm, h in histories.items():
            d = {k: (h.final(k) if k in h.metrics else float("nan")) for k in ("d_rank_soft", "d_rank_hard")}
            rows.append(dict(seed=_recipe(name).seed, arm=arm, nll_oracle=h.final("nll_oracle"),
                             nll_test=h.final("nll_test"), entropy=scores[f"{arm}_entropy"], **d))
    return pd.DataFrame(rows)


def check(name: str, *, directory=None) -> str:
    """Read ``name``'s record; each arm's kept samples re-score (within 1e-4) under the oracle."""
    data = load_data(_recipe(name).data)
    load_relgan(name, data, directory=directory)
    record = read_record(record_path(name, directory))
    return check_kept_samples(name, record["samples"], record["scores"], data.oracle)


def build_order(names=None) -> list[str]:
    return sorted(names or RECIPES)
