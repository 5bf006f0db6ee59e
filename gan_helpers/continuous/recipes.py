"""Long runs of 2-D GANs on the ring and the grid (notebook 03), shipped as records.

PacGAN and VEEGAN train for tens of thousands of updates; ten seeds of such a run take
minutes on a CPU, more than a notebook's minute. A :class:`MixtureRun` says how one row of
notebook 03's table is trained: the data set, the networks, the optimiser, the
:class:`~gan_helpers.continuous.training.TrainGANConfig` and the replica seeds. Its record
holds what the notebook needs and nothing heavier: every replica's training history (the
mode metrics at each evaluation, the per-step losses) and its generated samples at a few
snapshot steps, not the weights. ``python -m gan_helpers.recipes --rebuild NAME`` trains it;
:func:`load_mixture_run` reads it back, checked against the code's recipe.
"""
from __future__ import annotations

import dataclasses
import pathlib
from dataclasses import dataclass, field

import torch

from ..common.history import History
from ..common.records import RecordError, read_record, save_record
from ..common.runtime import set_seed
from .metrics import mode_metrics, mode_report
from .nets import mlp_discriminator, mlp_generator
from .replicas import build_replicas, replica_seeds
from .toy_data import grid_mixture, ring_mixture, sample_mixture
from .training import TrainGANConfig, hold_then_cosine, train_gan

# rebuild, check, build_order and record_path serve `python -m gan_helpers.recipes` (every wing's recipes
# module has them); notebooks use the names below.
__all__ = ["MixtureRun", "MIXTURE_RUNS", "MIXTURES", "train_mixture_run", "load_mixture_run"]

LOSS_BLOCK = 100   # a record's losses are means over blocks of this many updates
RECORD_DIR = pathlib.Path(__file__).resolve().parent / "records"
MIXTURES = {"ring": ring_mixture, "grid": grid_mixture}


@dataclass(frozen=True)
class MixtureRun:
    """How one row of notebook 03's table is trained: ``num_replicas`` seeds (``seed * 1000 + r``)
    of a GAN on the ``data`` mixture ("ring" or "grid"), trained as one batched model.

    ``generator`` and ``discriminator`` are the settings of :func:`mlp_generator` and
    :func:`mlp_discriminator` (the discriminator's ``pack`` must equal ``config.pack``);
    the noise is N(0, ``noise_std``² I) of the generator's ``noise_dim``; Adam runs with
    ``lr_g``/``lr_d`` and ``betas``; ``schedule`` is "constant" or "hold_then_cosine" (with
    ``hold_fraction`` and ``final_fraction``). Every evaluation logs :func:`mode_report` (the
    mode metrics and each mode's mass). The record keeps the samples of every replica at
    ``keep_steps`` (and the last step)."""

    name: str
    data: str
    config: TrainGANConfig
    generator: dict = field(default_factory=dict)
    discriminator: dict = field(default_factory=dict)
    noise_std: float = 1.0
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    betas: tuple = (0.5, 0.999)
    schedule: str = "constant"
    hold_fraction: float = 0.3
    final_fraction: float = 0.003
    num_replicas: int = 10
    seed: int = 0
    keep_steps: tuple = ()

    def __post_init__(self):
        if self.data not in MIXTURES:
            raise ValueError(f"run {self.name!r}: data must be one of {sorted(MIXTURES)}, got {self.data!r}")
        if self.schedule not in ("constant", "hold_then_cosine"):
            raise ValueError(f"run {self.name!r}: schedule must be 'constant' or 'hold_then_cosine', "
                             f"got {self.schedule!r}")
        if self.discriminator.get("pack", 1) != self.config.pack:
            raise ValueError(f"run {self.name!r}: the discriminator reads packs of {self.discriminator.get('pack', 1)}"
                             f" but config.pack is {self.config.pack}; give both the same pack")
        for lr in (self.lr_g, self.lr_d):
            if not lr > 0:
                raise ValueError(f"run {self.name!r}: learning rates must be positive, got {lr}")
        object.__setattr__(self, "betas", tuple(self.betas))
        object.__setattr__(self, "keep_steps", tuple(self.keep_steps))

    @property
    def spec(self):
        """The mixture this run learns."""
        return MIXTURES[self.data]()


def _table_run(name: str, data: str, *, pack: int = 1, r1_weight: float = 0.0, pacgan_settings: bool = False,
               num_steps: int | None = None):
    """A row of notebook 03's table. PacGAN's packing: every minibatch holds 100 packs of
    ``pack`` samples (so G makes ``100 * pack`` samples per step). Our recipe: ReLU MLPs with
    2 hidden layers of 64, z ~ N(0, I) in 2-D, Adam lr 1e-3 for both nets with betas
    (0.5, 0.999), held for half the run then cosine down to 1%; 20,000 updates on the ring,
    40,000 on the grid, evaluated on 2,500 samples. ``pacgan_settings``: PacGAN's optimiser
    instead (Adam lr 1e-4, beta1 0.8, constant) on the same networks, for 100,000 updates.
    ``num_steps`` overrides the number of updates (evaluated 40 times)."""
    every = 500 if data == "ring" else 1000
    num_steps = num_steps or (20_000 if data == "ring" else 40_000)
    if pacgan_settings:
        num_steps, every = 100_000, 5000
    every = num_steps // 40 if num_steps not in (20_000, 40_000, 100_000) else every
    config = TrainGANConfig(num_steps=num_steps, batch_size=100 * pack, pack=pack, r1_weight=r1_weight,
                            eval_steps=tuple(range(0, num_steps + 1, every)), num_eval_samples=2500)
    optimiser = dict(lr_g=1e-4, lr_d=1e-4, betas=(0.8, 0.999)) if pacgan_settings else \
        dict(lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.999), schedule="hold_then_cosine", hold_fraction=0.5,
             final_fraction=0.01)
    return MixtureRun(name, data, config, generator=dict(noise_dim=2, hidden=64, depth=2),
                      discriminator=dict(hidden=64, depth=2, pack=pack, activation="relu"),
                      keep_steps=(num_steps // 2,), **optimiser)


_ROWS = {"vanilla": {}, "vanilla_pacgan_settings": dict(pacgan_settings=True), "pacgan2": dict(pack=2),
         "pacgan4": dict(pack=4), "r1": dict(r1_weight=1.0), "pacgan2_r1": dict(pack=2, r1_weight=1.0)}
# the rows of notebook 03's table, on both data sets: ring_vanilla, grid_pacgan2_r1, ...
MIXTURE_RUNS: dict[str, MixtureRun] = {f"{data}_{row}": _table_run(f"{data}_{row}", data, **kw)
                                       for data in MIXTURES for row, kw in _ROWS.items()}
# PacGAN4 on the grid finds its modes late: the same recipe with twice the updates
MIXTURE_RUNS["grid_pacgan4_80k"] = _table_run("grid_pacgan4_80k", "grid", pack=4, num_steps=80_000)
RECIPES = MIXTURE_RUNS          # the name every wing's recipes share (python -m gan_helpers.recipes)


def train_mixture_run(run: MixtureRun, *, num_steps: int | None = None, progress: bool = True,
                      device=None) -> list[History]:
    """Train ``run`` (notebook 03): its replicas as one batched model, every replica evaluated
    with :func:`mode_metrics` at ``config.eval_steps``. ``num_steps`` shortens the run (the
    notebook's live part: the same recipe, fewer updates). Returns one History per replica."""
    if not isinstance(run, MixtureRun):
        raise TypeError(f"run must be a MixtureRun, got {type(run).__name__}")
    config = run.config
    if num_steps is not None:
        config = dataclasses.replace(config, num_steps=num_steps,
                                     eval_steps=tuple(s for s in config.eval_steps if s <= num_steps))
    spec = run.spec
    G, D = build_replicas(lambda: (mlp_generator(**run.generator), mlp_discriminator(**run.discriminator)),
                          replica_seeds(run.seed, run.num_replicas))
    opt_g = torch.optim.Adam(G.parameters(), lr=run.lr_g, betas=run.betas, fused=True)
    opt_d = torch.optim.Adam(D.parameters(), lr=run.lr_d, betas=run.betas, fused=True)
    schedulers = [hold_then_cosine(o, config.num_steps, hold_fraction=run.hold_fraction,
                                   final_fraction=run.final_fraction) for o in (opt_g, opt_d)] \
        if run.schedule == "hold_then_cosine" else []
    set_seed(run.seed, threads=None)
    noise_dim, std = run.generator.get("noise_dim", 2), run.noise_std
    snapshots = sorted({*run.keep_steps, config.num_steps} & ({*config.eval_steps, config.num_steps}))
    config = dataclasses.replace(config, snapshot_steps=tuple(snapshots))
    return train_gan(G, D, lambda n: sample_mixture(spec, n), lambda n: std * torch.randn(n, noise_dim), config,
                     opt_g=opt_g, opt_d=opt_d, schedulers=schedulers, metrics_fn=lambda s: mode_report(s, spec),
                     device=device, progress=progress, desc=f"{run.name}")


def _run(name: str) -> MixtureRun:
    if name not in MIXTURE_RUNS:
        raise ValueError(f"unknown run {name!r}; choose one of {sorted(MIXTURE_RUNS)}")
    return MIXTURE_RUNS[name]


def record_path(name: str, directory=None) -> pathlib.Path:
    """Where run ``name``'s record lives (default: the package's ``continuous/records``)."""
    return pathlib.Path(directory or RECORD_DIR) / f"{_run(name).name}.pt"


def _fingerprint(run: MixtureRun) -> dict:
    spec = run.spec
    return {"kind": "mixture", "name": spec.name, "centers": spec.centers.tolist(), "sigma": spec.sigma}


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train run ``name`` and save its record: the recipe, each replica's history (its
    mode metrics and masses at every evaluation, its losses as means over blocks of
    ``LOSS_BLOCK`` updates, its final samples in float32 and earlier snapshots in float16,
    which is plenty for a scatter plot) and the data's fingerprint. Returns the mean final mode metrics over replicas."""
    run = _run(name)
    histories = train_mixture_run(run, progress=progress)
    for h in histories:
        # the per-update series as means over blocks of LOSS_BLOCK updates: the record stays small
        for series_name in ("d_loss", "g_loss", "d_real", "d_fake"):
            series, block = h[series_name], min(LOSS_BLOCK, len(h[series_name]))
            setattr(h, series_name, series[: len(series) // block * block].reshape(-1, block).mean(1))
        h.snapshots = {k: v if k == run.config.num_steps else v.astype("float16") for k, v in h.snapshots.items()}
    scores = {k: float(sum(h.final(k) for h in histories) / len(histories)) for k in histories[0].metrics}
    save_record(record_path(name, directory), name=name, recipe=run, data=_fingerprint(run), history=histories,
                scores=scores)
    return scores


def load_mixture_run(name: str, *, directory=None) -> list[History]:
    """The replicas' histories of shipped run ``name`` (notebook 03), checked against the
    code's recipe and the mixture it learns; snapshots as float32 samples."""
    run = _run(name)
    record = read_record(record_path(name, directory), recipe=run, data=_fingerprint(run))
    histories = [History.from_dict(h) for h in record["history"]]
    for h in histories:
        h.snapshots = {k: v.astype("float32") for k, v in h.snapshots.items()}
    return histories


def check(name: str, *, directory=None) -> str:
    """Read run ``name``'s record, check its recipe and data, and re-score its final samples
    with :func:`mode_metrics` (``python -m gan_helpers.recipes --check``)."""
    histories = load_mixture_run(name, directory=directory)
    spec, last = _run(name).spec, _run(name).config.num_steps
    for r, h in enumerate(histories):
        again = mode_metrics(h.snapshots[last], spec)
        stored = {k: h.final(k) for k in again}
        if any(again[k] != stored[k] and abs(again[k] - stored[k]) > 1e-9 for k in again):
            raise RecordError(f"record {name}.pt, replica {r}: its kept samples score {again}, but {stored} was "
                              f"recorded; rebuild it with `python -m gan_helpers.recipes --rebuild {name}`")
    return f"{len(histories)} replicas, final samples re-scored"


def build_order(names=None) -> list[str]:
    """Runs in name order (none starts from another)."""
    return sorted(names or MIXTURE_RUNS)
