"""Steps per second of the GAN loop: a bare torch loop vs `train_gan` with its bookkeeping.

    python benchmarks/gan_loop_speed.py            # 1-D (batch 128) and 2-D (batch 256)

`train_gan` records losses and mean D outputs every step, checks for NaN every 100 steps,
evaluates metrics and keeps snapshots at a few steps, and shows a progress bar. The bare
loop does only the two updates. Both run the same models, losses and batch sizes, in one
process, one after the other; the overhead is the relative loss in steps per second.
"""
from __future__ import annotations

import argparse
import time

import torch

from gan_helpers import (classic_1d_discriminator, classic_1d_generator, discriminator_loss, generator_loss,
                         mean_std, mlp_discriminator, mlp_generator, mode_metrics, ring_mixture,
                         sample_gaussian_1d, sample_mixture, set_seed, stratified_noise, train_gan, TrainGANConfig)


def bare_loop(G, D, sample_real, sample_noise, num_steps, batch_size):
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    start = time.perf_counter()
    for _ in range(num_steps):
        real = sample_real(batch_size)
        with torch.no_grad():
            fake = G(sample_noise(batch_size))
        loss_d = discriminator_loss(D(real), D(fake))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = generator_loss(D(G(sample_noise(batch_size))))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    return num_steps / (time.perf_counter() - start)


def recorded_loop(G, D, sample_real, sample_noise, num_steps, batch_size, metrics_fn):
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    start = time.perf_counter()
    config = TrainGANConfig(num_steps=num_steps, batch_size=batch_size, num_eval_samples=1000,
                            eval_steps=range(0, num_steps + 1, max(1, num_steps // 10)))
    train_gan(G, D, sample_real, sample_noise, config, opt_g=opt_g, opt_d=opt_d, metrics_fn=metrics_fn, progress=True,
              desc="recorded")
    return num_steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3, help="alternate bare/recorded runs; report the best of each")
    args = parser.parse_args()
    spec = ring_mixture()
    cases = {
        "1-D (classic G/D, batch 128)": (lambda: (classic_1d_generator(), classic_1d_discriminator()),
                                         lambda n: sample_gaussian_1d(n), lambda n: stratified_noise(n), 128,
                                         lambda s: dict(zip(("mean", "std"), mean_std(s)))),
        "2-D (MLP 128 units, ring, batch 256)": (lambda: (mlp_generator(2, 2, 128, 3), mlp_discriminator(2, 128, 2)),
                                                 lambda n: sample_mixture(spec, n), lambda n: torch.randn(n, 2), 256,
                                                 lambda s: mode_metrics(s, spec)),
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.steps} steps per run")
    for name, (build, real, noise, bs, metrics) in cases.items():
        bare, rec = [], []
        for r in range(args.repeats):
            set_seed(r)
            bare.append(bare_loop(*build(), real, noise, args.steps, bs))
            set_seed(r)
            rec.append(recorded_loop(*build(), real, noise, args.steps, bs, metrics))
        b, c = max(bare), max(rec)
        print(f"{name:<40} bare {b:7.0f} steps/s   train_gan {c:7.0f} steps/s   overhead {100 * (1 - c / b):5.1f}%")


if __name__ == "__main__":
    main()
