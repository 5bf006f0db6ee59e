"""Seconds per SeqGAN generator update and per discriminator epoch (notebook 06).

Setting: batch 64, length 20, hidden 32, vocabulary 1,000, 16 rollouts, i.e. 19,456
completions per update; a discriminator epoch is one pass over 2,000 real + 2,000 generated
sentences in batches of 64. Two discriminators: notebook 06's (embedding 32, 16 filters per
width 2-5) and ``CNNDiscriminator``'s default (embedding 64, 32 filters per width). The
update is split into its parts: sampling the completions, scoring them with D, the rest.
The completions are written by the one decoding loop of ``gan_helpers.text.core.sampling``.
Run: ``OMP_NUM_THREADS=1 python benchmarks/seqgan_speed.py`` (``--threads 2`` to use both cores
of a 2-core machine). The last line is the floor of exact sampling: the output layer and the
exponentials for every sampled position, 194,560 rows x 1,000 words, with nothing else.
"""
import argparse
import copy
import time

import torch

from gan_helpers.text import (CNNDiscriminator, LSTMGenerator, SeqGANConfig, rollout_completions, seqgan_generator_step,
                              train_discriminator)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(repeats: int = 3) -> None:
    torch.manual_seed(0)
    vocab, seq_len, batch_size = 1000, 20, 64
    generator = LSTMGenerator(vocab, emb_dim=32, hidden_dim=32, seq_len=seq_len)
    rollout_net = copy.deepcopy(generator).requires_grad_(False)
    config = SeqGANConfig(batch_size=batch_size, num_rollouts=16)
    x = generator.sample(batch_size)
    with torch.no_grad():
        rollouts = best_of(lambda: rollout_completions(rollout_net, x, 16, 1.0), repeats)
        completions = rollout_completions(rollout_net, x, 16, 1.0)
    print(f"sampling {len(completions):,} completions (batch {batch_size}, length {seq_len}, hidden 32, "
          f"vocab {vocab}, 16 rollouts): {rollouts:.3f} s")
    real, fake = torch.randint(vocab, (2000, seq_len)), generator.sample(2000)
    for name, kwargs in (("notebook 06's D (emb 32, 4x16 filters)", dict(emb_dim=32, num_filters=16)),
                         ("default D (emb 64, 4x32 filters)", {})):
        discriminator = CNNDiscriminator(vocab, **kwargs).eval()
        with torch.no_grad():
            scoring = best_of(lambda: discriminator(completions), repeats)
        opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
        g_step = best_of(lambda: seqgan_generator_step(generator, rollout_net, discriminator, opt, config), repeats)
        d_epoch = best_of(lambda: train_discriminator(discriminator, real, fake, num_steps=2 * 2000 // batch_size // 2,
                                                      batch_size=batch_size), repeats)
        print(f"{name}: generator update {g_step:.3f} s (D scoring {scoring:.3f} s of it); "
              f"discriminator epoch over 2,000 + 2,000 sentences {d_epoch:.3f} s")


def sampling_floor(repeats: int = 3) -> None:
    torch.manual_seed(0)
    h, out = torch.randn(64 * 16 * 190, 32), torch.nn.Linear(32, 1000)     # B * R * T(T-1)/2 positions
    with torch.no_grad():
        floor = best_of(lambda: [out(rows).exp() for rows in h.split(1024)], repeats)
    print(f"floor: logits and exp for {len(h):,} positions x 1,000 words: {floor:.3f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    torch.set_num_threads(parser.parse_args().threads)
    main()
    sampling_floor()
