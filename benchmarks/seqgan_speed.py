"""Seconds per SeqGAN generator update and per discriminator epoch (notebook 06).

Setting: batch 64, length 20, hidden 32, vocabulary 1,000, 16 rollouts, i.e. 19,456
completions per update; a discriminator epoch is one pass over 2,000 real + 2,000 generated
sentences in batches of 64, as SeqGAN's code trains it (``discriminator_epochs``: shuffled
together, L2 on the output layer; Adam's foreach path, as notebook 06's pretraining uses it).
Three discriminators: notebook 06's earlier one (embedding 32, 16 filters per width 2-5),
notebook 06's SeqGAN discriminator (SeqGAN's widths at a tenth of its filters, embedding 32:
``seqgan_discriminator(scale=0.1, emb_dim=32)``) and SeqGAN's full size (1,720 filters,
embedding 64; timed twice, it is slow). The update is split into its parts: sampling the
completions, scoring them with D, the rest. Each figure is min / median / max over the repeats.
The completions are written by the one decoding loop of ``gan_helpers.text.core.sampling``.
The last line is the floor of exact sampling: the output layer and the exponentials for every
sampled position, 194,560 rows x 1,000 words, with nothing else.

Run: ``OMP_NUM_THREADS=1 python benchmarks/seqgan_speed.py`` (``--threads 2`` to use both cores
of a 2-core machine). ``--paired DIR`` compares the generator update (earlier D) with another
checkout's package in DIR (e.g. ``git archive 92a34de gan_helpers | tar -x -C DIR``): fresh
processes, this checkout and DIR's in turn, ``--rounds`` pairs, and the ratio pair by pair.
"""
import argparse
import copy
import os
import statistics
import subprocess
import sys
import time

import torch


def timings(fn, repeats: int) -> list[float]:
    fn()                                                       # warm-up: first calls allocate
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def spread(times) -> str:
    return f"{min(times):.3f} / {statistics.median(times):.3f} / {max(times):.3f} s"


def update_only(repeats: int) -> None:
    """The generator update with the earlier D, by names that 92a34de's package has too."""
    from gan_helpers.text import CNNDiscriminator, LSTMGenerator, SeqGANConfig, seqgan_generator_step
    torch.manual_seed(0)
    generator = LSTMGenerator(1000, emb_dim=32, hidden_dim=32, seq_len=20)
    rollout_net = copy.deepcopy(generator).requires_grad_(False)
    config = SeqGANConfig(batch_size=64, num_rollouts=16)
    discriminator = CNNDiscriminator(1000, emb_dim=32, num_filters=16).eval()
    opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
    times = timings(lambda: seqgan_generator_step(generator, rollout_net, discriminator, opt, config), repeats)
    print(" ".join(f"{t:.4f}" for t in times))


def paired(other: str, rounds: int, repeats: int, threads: int) -> None:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = {here: [], other: []}
    for _ in range(rounds):
        for tree in (here, other):
            env = {**os.environ, "PYTHONPATH": tree, "OMP_NUM_THREADS": str(threads)}
            out = subprocess.run([sys.executable, __file__, "--update-only", "--repeats", str(repeats),
                                  "--threads", str(threads)], env=env, check=True, capture_output=True, text=True)
            runs[tree].append(statistics.median(float(t) for t in out.stdout.split()))
    ratios = [a / b for a, b in zip(runs[here], runs[other])]
    for tree, meds in runs.items():
        print(f"generator update (earlier D), {tree}: medians of {repeats} over {rounds} processes {spread(meds)}")
    print(f"ratio this checkout / {other}, pair by pair: {min(ratios):.3f} / {statistics.median(ratios):.3f} / "
          f"{max(ratios):.3f}")


def main(repeats: int) -> None:
    from gan_helpers.text import (CNNDiscriminator, LSTMGenerator, SeqGANConfig, discriminator_epochs,
                                  rollout_completions, seqgan_discriminator, seqgan_generator_step)
    torch.manual_seed(0)
    vocab, seq_len, batch_size = 1000, 20, 64
    generator = LSTMGenerator(vocab, emb_dim=32, hidden_dim=32, seq_len=seq_len)
    rollout_net = copy.deepcopy(generator).requires_grad_(False)
    config = SeqGANConfig(batch_size=batch_size, num_rollouts=16)
    x = generator.sample(batch_size)
    with torch.no_grad():
        rollouts = timings(lambda: rollout_completions(rollout_net, x, 16, 1.0), repeats)
        completions = torch.cat([rollout_completions(rollout_net, x, 16, 1.0), x])
    print(f"sampling {len(completions) - batch_size:,} completions (batch {batch_size}, length {seq_len}, hidden 32, "
          f"vocab {vocab}, 16 rollouts): {spread(rollouts)} (min / median / max)")
    real, fake = torch.randint(vocab, (2000, seq_len)), generator.sample(2000)
    for name, make, times in (("notebook 06's earlier D (emb 32, 4x16 filters)",
                               lambda: CNNDiscriminator(vocab, emb_dim=32, num_filters=16), repeats),
                              ("notebook 06's SeqGAN D (x0.1: 172 filters, emb 32)",
                               lambda: seqgan_discriminator(vocab, emb_dim=32, scale=0.1), repeats),
                              ("SeqGAN's full D (1,720 filters, emb 64)", lambda: seqgan_discriminator(vocab), 2)):
        discriminator = make().eval()
        with torch.no_grad():                                  # as rollout_rewards scores them
            scoring = timings(lambda: discriminator(completions), times)
        opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
        g_step = timings(lambda: seqgan_generator_step(generator, rollout_net, discriminator, opt, config), times)
        d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-4, foreach=True)
        d_epoch = timings(lambda: discriminator_epochs(discriminator, d_opt, real, fake, epochs=1,
                                                       batch_size=batch_size), times)
        print(f"{name}: generator update {spread(g_step)} (D scoring {spread(scoring)} of it); "
              f"discriminator epoch over 2,000 + 2,000 sentences {spread(d_epoch)}")


def sampling_floor(repeats: int) -> None:
    torch.manual_seed(0)
    h, out = torch.randn(64 * 16 * 190, 32), torch.nn.Linear(32, 1000)     # B * R * T(T-1)/2 positions
    with torch.no_grad():
        floor = timings(lambda: [out(rows).exp() for rows in h.split(1024)], repeats)
    print(f"floor: logits and exp for {len(h):,} positions x 1,000 words: {spread(floor)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per figure after a warm-up (default 5)")
    parser.add_argument("--paired", metavar="DIR", help="compare the generator update with the package in DIR")
    parser.add_argument("--rounds", type=int, default=4, help="process pairs for --paired (default 4)")
    parser.add_argument("--update-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.update_only:
        update_only(args.repeats)
    elif args.paired:
        paired(os.path.abspath(args.paired), args.rounds, args.repeats, args.threads)
    else:
        main(args.repeats)
        sampling_floor(args.repeats)
