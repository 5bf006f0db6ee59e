"""Ten GAN runs as ten replicas of one batched model vs ten runs one after another.

    python benchmarks/replica_speed.py              # the 1-D loop of notebook 02, the 2-D loop of notebook 03
    python benchmarks/replica_speed.py --steps 500 --replicas 20

Both ways train the same networks (one seed each), on the same batch sizes, with the same
evaluation schedule, through `train_gan`, in one process: sequentially (`replicas=None`,
once per seed) and vectorised (`build_replicas` + `replicas=R`). The script reports the
wall time of each and the speed-up. Each case is timed `--repeats` times, alternating the
two ways; the best time of each is reported.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Callable

import torch

from gan_helpers import (build_replicas, classic_1d_discriminator, classic_1d_generator, mean_std,
                         mlp_discriminator, mlp_generator, mode_metrics, ring_mixture, sample_gaussian_1d,
                         sample_mixture, set_seed, stratified_noise, train_gan, TrainGANConfig)


@dataclass
class Case:
    build: Callable[[], tuple]
    sample_real: Callable[[int], torch.Tensor]
    sample_noise: Callable[[int], torch.Tensor]
    batch_size: int
    metrics_fn: Callable
    num_eval_samples: int
    extra: dict


def cases() -> dict[str, Case]:
    ring = ring_mixture()
    one_d = dict(sample_real=lambda n: sample_gaussian_1d(n), sample_noise=lambda n: stratified_noise(n),
                 metrics_fn=lambda s: dict(zip(("mean", "std"), mean_std(s))), num_eval_samples=10_000)
    return {
        "1-D, notebook 02 (classic G/D, batch 8)": Case(lambda: (classic_1d_generator(4), classic_1d_discriminator(4)),
                                                         batch_size=8, extra={}, **one_d),
        "1-D, notebook 02 (minibatch discrimination, batch 64)": Case(
            lambda: (classic_1d_generator(4), classic_1d_discriminator(4, minibatch=True)), batch_size=64, extra={}, **one_d),
        "2-D, notebook 03's live vanilla GAN (3 x 64 ReLU, ring, batch 100)": Case(
            lambda: (mlp_generator(2, 2, 64, 3), mlp_discriminator(2, 64, 3, activation="relu")),
            lambda n: sample_mixture(ring, n), lambda n: torch.randn(n, 2), 100, lambda s: mode_metrics(s, ring),
            2500, {}),
        "2-D, with the R1 penalty (notebook 03's R1 rows)": Case(
            lambda: (mlp_generator(2, 2, 64, 2), mlp_discriminator(2, 64, 2)), lambda n: sample_mixture(ring, n),
            lambda n: torch.randn(n, 2), 100, lambda s: mode_metrics(s, ring), 2500, {"r1_weight": 1.0}),
    }


def time_runs(case: Case, seeds: list[int], steps: int, vectorised: bool) -> float:
    def train(G, D, replicas):
        opt_g, opt_d = (torch.optim.Adam(net.parameters(), 1e-3, betas=(0.5, 0.999), fused=True) for net in (G, D))
        config = TrainGANConfig(num_steps=steps, batch_size=case.batch_size, num_eval_samples=case.num_eval_samples,
                                eval_steps=range(0, steps + 1, max(1, steps // 10)), **case.extra)
        train_gan(G, D, case.sample_real, case.sample_noise, config, opt_g=opt_g, opt_d=opt_d,
                  metrics_fn=case.metrics_fn, replicas=replicas, progress=False)

    set_seed(0)
    start = time.perf_counter()
    if vectorised:
        train(*build_replicas(case.build, seeds), len(seeds))
    else:
        for seed in seeds:
            set_seed(seed)
            train(*case.build(), None)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    seeds = list(range(args.replicas))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {args.replicas} runs of {args.steps} steps")
    for name, case in cases().items():
        sequential, vectorised = [], []
        for _ in range(args.repeats):
            sequential.append(time_runs(case, seeds, args.steps, vectorised=False))
            vectorised.append(time_runs(case, seeds, args.steps, vectorised=True))
        s, v = min(sequential), min(vectorised)
        print(f"{name:<56} sequential {s:6.2f} s   vectorised {v:6.2f} s   speed-up {s / v:4.1f}x")


if __name__ == "__main__":
    main()
