"""Notebook 09's remedies for posterior collapse, each over several seeds, built offline and
shipped as one small record of training curves (no weights).

Five arms of the sentence VAE on the review corpus (plain, KL annealing only, word dropout
only, both, free bits) times three seeds take several minutes on a CPU, more than the
notebook's minute. A :class:`VAEStudy` says how they are trained: one model size, one
:class:`~gan_helpers.text.VAEConfig` per arm (every arm early-stopped on the validation
bound, so each is compared at its best epoch) and the seeds. ``python -m gan_helpers.recipes
--rebuild vae_remedies`` trains it; the record keeps every run's history (validation and
test numbers after each epoch, the epoch early stopping kept), a few kilobytes.
:func:`load_vae_study` reads it back, checked against the code's recipe and the data.
"""
from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass, field

from ...common.history import History
from ...common.records import RecordError, read_record, rebuild_hint, save_record
from ...common.runtime import set_seed
from ..methods.vae import SentenceVAE
from ..methods.vae_train import VAEConfig, train_vae
from .checkpoints import RECORD_DIR, load_data

# rebuild, check, build_order and record_path serve `python -m gan_helpers.recipes` (every wing's recipes
# module has them); notebooks use the names below.
__all__ = ["VAEStudy", "VAE_STUDIES", "train_vae_study", "load_vae_study", "study_table", "study_summary"]

# what study_table reports for each run, at the epoch early stopping kept, on the test sentences
REPORTED = {"test_recon": "recon NLL (nats/sentence)", "test_kl": "KL (nats/sentence)",
            "test_bound": "bound (nats/token)", "test_active_units": "active units"}


@dataclass(frozen=True)
class VAEStudy:
    """Arms of the sentence VAE trained from each of ``seeds`` on ``data`` (notebook 09):
    ``arms`` maps an arm's name to its :class:`VAEConfig`; ``model`` holds the
    :class:`SentenceVAE` settings beyond the data's row format. Each run is seeded with
    ``set_seed(seed)`` just before the model is built, as the notebook seeds its live runs."""

    name: str
    data: str
    arms: dict = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    seeds: tuple = (0, 1, 2)

    def __post_init__(self):
        if not self.arms:
            raise ValueError(f"study {self.name!r} has no arms: give arms={{name: VAEConfig(...)}}")
        for arm, config in self.arms.items():
            if not isinstance(config, VAEConfig):
                raise TypeError(f"study {self.name!r}, arm {arm!r}: needs a VAEConfig, got {type(config).__name__}")
            if config.patience is None:
                raise ValueError(f"study {self.name!r}, arm {arm!r}: give every arm a patience, so each is "
                                 "compared at its best validation epoch")
        seeds = tuple(self.seeds)
        if len(seeds) < 3 or len(set(seeds)) != len(seeds):
            raise ValueError(f"study {self.name!r}: a claim about seeds needs at least 3 different seeds, "
                             f"got {seeds}; give seeds=(0, 1, 2) or more")
        object.__setattr__(self, "seeds", seeds)


_BASE = dict(num_epochs=40, batch_size=32, lr=1e-2, patience=3)
VAE_STUDIES = {s.name: s for s in (
    # notebook 09's live settings (its parameters cell); the live runs are these arms, cut at num_epochs
    VAEStudy("vae_remedies", "reviews", model=dict(emb_dim=32, hidden_dim=48, latent_dim=16), arms={
        "plain": VAEConfig(**_BASE),
        "KL annealing": VAEConfig(**_BASE, anneal_steps=700),
        "word dropout": VAEConfig(**_BASE, word_dropout=0.75),
        "annealing + word dropout": VAEConfig(**_BASE, anneal_steps=700, word_dropout=0.75),
        "free bits": VAEConfig(**_BASE, free_bits=0.25)}),
)}
RECIPES = VAE_STUDIES          # the name every wing's recipes share (python -m gan_helpers.recipes)


def _study(name) -> VAEStudy:
    if isinstance(name, VAEStudy):
        return name
    if name not in VAE_STUDIES:
        raise ValueError(f"unknown VAE study {name!r}; choose one of {sorted(VAE_STUDIES)}")
    return VAE_STUDIES[name]


def train_vae_study(study, data=None, *, progress: bool = True) -> dict[str, list[History]]:
    """Train every arm of ``study`` (a name or a :class:`VAEStudy`) from every seed, logging
    validation and test numbers each epoch (notebook 09). Returns ``{arm: [History per seed]}``."""
    study = _study(study)
    data = load_data(study.data) if data is None else data
    runs = {}
    for arm, config in study.arms.items():
        runs[arm] = []
        for seed in study.seeds:
            set_seed(seed)
            vae = SentenceVAE.for_data(data, **study.model)
            history = train_vae(vae, data.train, data.val, config=config, heldout=data.test, progress=progress,
                                desc=f"{arm}, seed {seed}")
            history.method = arm
            runs[arm].append(history)
    return runs


def record_path(name: str, directory=None) -> pathlib.Path:
    """Where study ``name``'s record lives (default: the shipped text records)."""
    return pathlib.Path(directory or RECORD_DIR) / f"{_study(name).name}.pt"


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train study ``name`` and save its record (the recipe, every run's history, the data's
    fingerprint); returns each arm's mean test bound at its kept epochs."""
    study = _study(name)
    data = load_data(study.data)
    runs = train_vae_study(study, data, progress=progress)
    scores = {arm: float(sum(h.best("test_bound") for h in hs) / len(hs)) for arm, hs in runs.items()}
    save_record(record_path(name, directory), name=name, recipe=study, data=data.fingerprint(),
                history=[h for hs in runs.values() for h in hs], scores=scores)
    return scores


def load_vae_study(name: str = "vae_remedies", *, directory=None, data=None) -> dict[str, list[History]]:
    """The runs of shipped study ``name`` (notebook 09), ``{arm: [History per seed]}``, checked
    against the code's recipe and the data it was made for."""
    study = _study(name)
    data = load_data(study.data) if data is None else data
    record = read_record(record_path(name, directory), recipe=study, data=data.fingerprint())
    histories = [History.from_dict(h) for h in record["history"]]
    arms = [arm for arm in study.arms for _ in study.seeds]
    if [h.method for h in histories] != arms or any(h.best_step is None for h in histories):
        raise RecordError(f"record {name}.pt does not hold one early-stopped run per arm and seed; "
                          f"{rebuild_hint(name)}")
    runs = {arm: histories[i * len(study.seeds):(i + 1) * len(study.seeds)] for i, arm in enumerate(study.arms)}
    for arm, hs in runs.items():
        mean = sum(h.best("test_bound") for h in hs) / len(hs)
        if not math.isclose(mean, record["scores"][arm], rel_tol=0, abs_tol=1e-9):
            raise RecordError(f"record {name}.pt: arm {arm!r}'s histories do not give its stored score; "
                              f"{rebuild_hint(name)}")
    return runs


def check(name: str, *, directory=None) -> str:
    """Read study ``name``'s record and check its recipe, data and scores
    (``python -m gan_helpers.recipes --check``)."""
    runs = load_vae_study(name, directory=directory)
    return f"{len(runs)} arms x {len(next(iter(runs.values())))} seeds, curves and kept epochs consistent"


def build_order(names=None) -> list[str]:
    """Studies in name order (none starts from another)."""
    return sorted(names or VAE_STUDIES)


def study_table(runs: dict, seeds=None) -> "pandas.DataFrame":
    """One row per run (notebook 09): arm, seed, the epoch early stopping kept, the epochs
    trained, and at the kept epoch the test reconstruction NLL, KL, bound per token and
    active units. ``runs`` is ``{arm: [History per seed]}``; ``seeds`` label the runs."""
    import pandas as pd

    rows = []
    for arm, histories in runs.items():
        labels = range(len(histories)) if seeds is None else seeds
        if len(labels) != len(histories):
            raise ValueError(f"arm {arm!r} has {len(histories)} runs but {len(labels)} seeds label them")
        for seed, h in zip(labels, histories):
            rows.append({"arm": arm, "seed": seed, "kept epoch": h.best_step, "epochs trained": h.steps[-1],
                         **{label: h.best(key) for key, label in REPORTED.items()}})
    return pd.DataFrame(rows)


def study_summary(table) -> "pandas.DataFrame":
    """Mean ± sd over seeds of each arm's row in :func:`study_table`, as text cells (notebook 09)."""
    import pandas as pd

    columns = ["kept epoch", *REPORTED.values()]
    grouped = table.groupby("arm", sort=False)[columns]
    mean, sd = grouped.mean(), grouped.std(ddof=1)
    digits = {"kept epoch": 1, "bound (nats/token)": 3, "active units": 1}
    return pd.DataFrame({c: [f"{m:.{digits.get(c, 2)}f} ± {d:.{digits.get(c, 2)}f}" for m, d in zip(mean[c], sd[c])]
                         for c in columns}, index=mean.index)
