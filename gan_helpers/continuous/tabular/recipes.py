"""Long runs of notebook 04's conditional GAN, shipped as records: the ablation of the R1
weight (ten seeds per weight) and two ways of spending more compute at the chosen weight
(a bigger discriminator, three times the steps).

Each arm of an ablation is one full-length run of the notebook's recipe, and an ablation
costs several times the notebook's minute, so it is trained offline by
``python -m gan_helpers.recipes --rebuild NAME`` and the notebook loads the table. A
:class:`TabularRun` trains ``len(gammas) * num_seeds`` replicas as one batched model;
replica (γ, seed ``s``) starts from the weights that ``set_seed(s)`` followed by the
notebook's network cell gives, so arms are paired by seed. The record holds every
replica's final scores on a full synthetic table (C2ST AUC, mean KS, correlation gap, TSTR
accuracy, D's loss), its fidelity and D loss at each evaluation, and a few of its rows,
which :func:`check` re-scores.
"""
from __future__ import annotations

import hashlib
import pathlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from ...common.history import History
from ...common.records import RecordError, read_record, rebuild_hint, save_record
from ...common.reviews import load_rotten_tomatoes
from ...common.runtime import set_seed
from ..nets import mlp_discriminator, mlp_generator
from ..replicas import replica_seeds, stack_modules
from ..training import TrainGANConfig, ema_copy, hold_then_cosine, train_gan
from .embedding import fit_review_embedder
from .metrics import c2st_auc, correlation_gap, ks_per_column, tstr_accuracy
from .synthesis import ConditionalGenerator, conditional_samplers, one_hot

# rebuild, check, build_order and record_path serve `python -m gan_helpers.recipes`; notebook 04 uses these.
__all__ = ["TabularRun", "TABULAR_RUNS", "FINAL_METRICS", "review_table", "train_tabular_run", "load_tabular_run"]

RECORD_DIR = pathlib.Path(__file__).resolve().parent / "records"
FINAL_METRICS = ("C2ST AUC", "mean KS", "corr. gap", "TSTR acc.", "D loss")


@dataclass(frozen=True)
class TabularRun:
    """How one long run of notebook 04's conditional GAN is trained: ``num_seeds`` seeds for
    each R1 weight in ``gammas``, every other setting as in the notebook (MLP generator and
    discriminator settings, Adam with ``lr`` and ``betas`` held for ``hold_fraction`` of the
    ``num_steps`` and then cosine-decayed to ``final_fraction``, ``d_steps`` D updates per G
    update, weight averaging with ``ema_decay``) on the review table of ``num_columns``
    columns from ``num_words`` words, embedded with seed ``seed``."""

    name: str
    gammas: tuple = (0.1,)
    num_seeds: int = 10
    num_steps: int = 3000
    generator: dict = field(default_factory=lambda: {"hidden": 128, "depth": 2})
    discriminator: dict = field(default_factory=lambda: {"hidden": 128, "depth": 2})
    noise_dim: int = 32
    batch_size: int = 128
    d_steps: int = 2
    lr: float = 2e-3
    betas: tuple = (0.0, 0.999)
    ema_decay: float = 0.995
    hold_fraction: float = 0.5
    final_fraction: float = 0.05
    eval_every: int = 250
    num_columns: int = 32
    num_words: int = 3000
    seed: int = 0
    keep_rows: int = 200

    def __post_init__(self):
        gammas = tuple(float(g) for g in self.gammas)
        if not gammas or min(gammas) < 0 or len(set(gammas)) != len(gammas):
            raise ValueError(f"run {self.name!r}: gammas must be distinct non-negative R1 weights, got {self.gammas}")
        if self.eval_every > self.num_steps or self.num_steps % self.eval_every:
            raise ValueError(f"run {self.name!r}: eval_every ({self.eval_every}) must divide num_steps "
                             f"({self.num_steps}); pick a divisor such as {self.num_steps // 10}")
        object.__setattr__(self, "gammas", gammas)
        object.__setattr__(self, "betas", tuple(self.betas))

    @property
    def replica_gammas(self) -> tuple:
        """The R1 weight of each replica: every seed of the first weight, then the next."""
        return tuple(g for g in self.gammas for _ in range(self.num_seeds))

    def config(self) -> TrainGANConfig:
        return TrainGANConfig(num_steps=self.num_steps, batch_size=self.batch_size, d_steps=self.d_steps,
                              r1_weight=self.replica_gammas, ema_decay=self.ema_decay, num_eval_samples=2000,
                              eval_steps=tuple(range(0, self.num_steps + 1, self.eval_every)), snapshot_steps=())


TABULAR_RUNS = {r.name: r for r in (
    TabularRun("tabular_r1_gamma", gammas=(0.0, 0.01, 0.1, 1.0, 10.0)),
    TabularRun("tabular_bigger_d", discriminator={"hidden": 256, "depth": 3}),
    TabularRun("tabular_longer", num_steps=9000, eval_every=750),
)}
RECIPES = TABULAR_RUNS          # the name every wing's recipes share (python -m gan_helpers.recipes)


def _run(name: str) -> TabularRun:
    if name not in TABULAR_RUNS:
        raise ValueError(f"unknown run {name!r}; choose one of {sorted(TABULAR_RUNS)}")
    return TABULAR_RUNS[name]


def review_table(run: TabularRun):
    """``(X_train, y_train, X_test, y_test)``: the reviews embedded as in notebook 04's §1."""
    train, _, test = load_rotten_tomatoes()
    embedder = fit_review_embedder(train.texts, train.labels, num_columns=run.num_columns,
                                   num_words=run.num_words, seed=run.seed)
    return embedder.transform(train.texts), train.labels, embedder.transform(test.texts), test.labels


def _networks(run: TabularRun):
    """Replica (gamma, seed) built exactly as the notebook builds its networks after set_seed(seed)."""
    made = []
    with torch.random.fork_rng(devices=[]):
        for _ in run.gammas:
            for seed in replica_seeds(run.seed, run.num_seeds):
                torch.manual_seed(seed)
                net = mlp_generator(run.noise_dim + 2, run.num_columns, **run.generator)
                net.append(nn.Sigmoid())
                made.append((net, mlp_discriminator(run.num_columns + 2, **run.discriminator)))
    return ConditionalGenerator(stack_modules([g for g, _ in made])), stack_modules([d for _, d in made])


def _fidelity(real):
    return lambda rows: {"mean KS": float(ks_per_column(real, rows[:, :real.shape[1]]).mean()),
                         "corr. gap": correlation_gap(real, rows[:, :real.shape[1]]).norm}


def _final_tables(run: TabularRun, generator: nn.Module, y_train, num_rows: int):
    """A labelled synthetic table the size of the training table from every replica."""
    num_replicas = len(run.replica_gammas)
    rng = np.random.default_rng(run.seed)
    labels = np.stack([rng.choice(y_train, size=num_rows) for _ in range(num_replicas)])
    rows = []
    with torch.no_grad():
        for start in range(0, num_rows, 1000):          # all replicas at once, 1000 rows at a time
            y = one_hot(labels[:, start:start + 1000].reshape(-1)).view(num_replicas, -1, 2)
            rows.append(generator(torch.cat([torch.randn(*y.shape[:2], run.noise_dim), y], -1))[..., :-2])
    return torch.cat(rows, 1).numpy(), labels


def train_tabular_run(run: TabularRun, *, progress: bool = True):
    """Train ``run`` (notebook 04) and score every replica. Returns ``(histories, table, rows,
    labels)``: one History per replica (fidelity and D loss at each evaluation), a DataFrame
    with one row per replica (γ, seed and :data:`FINAL_METRICS`), and the first
    ``keep_rows`` synthetic rows and labels of each replica."""
    if not isinstance(run, TabularRun):
        raise TypeError(f"run must be a TabularRun, got {type(run).__name__}")
    x_train, y_train, x_test, y_test = review_table(run)
    G, D = _networks(run)
    G_ema = ema_copy(G)
    sample_real, sample_noise = conditional_samplers(x_train, y_train, run.noise_dim)
    opt_g, opt_d = (torch.optim.Adam(net.parameters(), lr=run.lr, betas=run.betas) for net in (G, D))
    set_seed(run.seed, threads=None)
    histories = train_gan(G, D, sample_real, sample_noise, run.config(), opt_g=opt_g, opt_d=opt_d,
                          ema_generator=G_ema, metrics_fn=_fidelity(x_train), progress=progress, desc=run.name,
                          schedulers=[hold_then_cosine(o, run.num_steps, hold_fraction=run.hold_fraction,
                                                       final_fraction=run.final_fraction) for o in (opt_g, opt_d)])
    rows, labels = _final_tables(run, G_ema, y_train, len(x_train))
    seeds = replica_seeds(run.seed, run.num_seeds) * len(run.gammas)
    table = []
    for r, (h, gamma, seed) in enumerate(zip(histories, run.replica_gammas, seeds)):
        d_loss = np.asarray(h.d_loss)
        h.metrics["D loss"] = [float("nan")] + [float(d_loss[s - run.eval_every:s].mean()) for s in h.steps[1:]]
        h.d_loss = h.g_loss = h.d_real = h.d_fake = []              # the record keeps the evaluations only
        table.append({"γ": gamma, "seed": seed, "C2ST AUC": c2st_auc(x_train, rows[r], seed=seed),
                      "mean KS": float(ks_per_column(x_train, rows[r]).mean()),
                      "corr. gap": correlation_gap(x_train, rows[r]).norm,
                      "TSTR acc.": tstr_accuracy(rows[r], labels[r], x_test, y_test),
                      "D loss": float(d_loss[-500:].mean())})
    return histories, pd.DataFrame(table), rows[:, :run.keep_rows], labels[:, :run.keep_rows]


def _fingerprint() -> dict:
    """The review split the runs learn (its texts and labels), cheap to recompute."""
    train, _, test = load_rotten_tomatoes()
    digest = lambda part: hashlib.sha1(("\n".join(part.texts) + str(part.labels.tolist())).encode()).hexdigest()  # noqa: E731
    return {"kind": "rotten_tomatoes", "train": digest(train), "test": digest(test)}


def record_path(name: str, directory=None) -> pathlib.Path:
    """Where run ``name``'s record lives (default: the package's ``continuous/tabular/records``)."""
    return pathlib.Path(directory or RECORD_DIR) / f"{_run(name).name}.pt"


def _kept_scores(x_train, rows) -> torch.Tensor:
    return torch.tensor([[_fidelity(x_train)(torch.as_tensor(r, dtype=torch.float32))[k] for k in ("mean KS", "corr. gap")]
                         for r in rows], dtype=torch.float64)


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train run ``name`` and save its record. Returns each metric's mean per γ."""
    run = _run(name)
    histories, table, rows, labels = train_tabular_run(run, progress=progress)
    x_train = review_table(run)[0]
    samples = {"final": torch.tensor(table[list(FINAL_METRICS)].to_numpy(), dtype=torch.float64),
               "rows": torch.as_tensor(rows).half(), "labels": torch.as_tensor(labels, dtype=torch.int8),
               "kept_scores": _kept_scores(x_train, torch.as_tensor(rows).half().float().numpy())}
    means = table.groupby("γ")[list(FINAL_METRICS)].mean()
    scores = {f"{m} γ={g:g}": float(means.loc[g, m]) for g in means.index for m in FINAL_METRICS}
    save_record(record_path(name, directory), name=name, recipe=run, data=_fingerprint(), history=histories,
                samples=samples, scores=scores)
    return scores


def load_tabular_run(name: str, *, directory=None):
    """Shipped run ``name`` (notebook 04), checked against the code's recipe and the review
    split: ``(table, histories)``, a DataFrame with one row per replica (γ, seed and
    :data:`FINAL_METRICS`) and one History per replica."""
    run = _run(name)
    record = read_record(record_path(name, directory), recipe=run, data=_fingerprint())
    final = record["samples"]["final"].numpy()
    if final.shape != (len(run.replica_gammas), len(FINAL_METRICS)):
        raise RecordError(f"record {name}.pt holds scores of shape {final.shape}; {rebuild_hint(name)}")
    table = pd.DataFrame(final, columns=list(FINAL_METRICS))
    table.insert(0, "seed", replica_seeds(run.seed, run.num_seeds) * len(run.gammas))
    table.insert(0, "γ", run.replica_gammas)
    return table, [History.from_dict(h) for h in record["history"]]


def check(name: str, *, directory=None) -> str:
    """Read run ``name``'s record, check its recipe and data, and re-score the rows it keeps
    (``python -m gan_helpers.recipes --check``)."""
    run = _run(name)
    record = read_record(record_path(name, directory), recipe=run, data=_fingerprint())
    again = _kept_scores(review_table(run)[0], record["samples"]["rows"].float().numpy())
    if not torch.allclose(again, record["samples"]["kept_scores"], rtol=0, atol=1e-9):
        raise RecordError(f"record {name}.pt: its kept rows score differently from what was recorded; "
                          f"{rebuild_hint(name)}")
    return f"{len(run.replica_gammas)} replicas, kept rows re-scored"


def build_order(names=None) -> list[str]:
    """Runs in name order (none starts from another)."""
    return sorted(names or TABULAR_RUNS)

