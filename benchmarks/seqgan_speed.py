"""Seconds per SeqGAN generator update and per discriminator epoch (notebook 06).

Setting: batch 64, length 20, hidden 32, vocabulary 1,000, 16 rollouts, i.e. 19,456
completions per update; a discriminator epoch is one pass over 2,000 real + 2,000 generated
sentences in batches of 64, as SeqGAN's code trains it (``discriminator_epochs``: shuffled
together, L2 on the output layer). Three discriminators: notebook 06's earlier one (embedding
32, 16 filters per width 2-5), notebook 06's SeqGAN discriminator (SeqGAN's widths at a tenth of
its filters, embedding 32: ``seqgan_discriminator(scale=0.1, emb_dim=32)``) and SeqGAN's full
size (1,720 filters, embedding 64; timed once, it is slow). The update is split into its parts:
sampling the completions, scoring them with D, the rest.
The completions are written by the one decoding loop of ``gan_helpers.text.core.sampling``.
Run: ``OMP_NUM_THREADS=1 python benchmarks/seqgan_speed.py`` (``--threads 2`` to use both cores
of a 2-core machine). The last line is the floor of exact sampling: the output layer and the
exponentials for every sampled position, 194,560 rows x 1,000 words, with nothing else.
"""
import argparse
import copy
import time

import torch

from gan_helpers.text import (CNNDiscriminator, LSTMGenerator, SeqGANConfig, discriminator_epochs, rollout_completions,
                              seqgan_discriminator, seqgan_generator_step)


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
    for name, make, times in (("notebook 06's earlier D (emb 32, 4x16 filters)",
                               lambda: CNNDiscriminator(vocab, emb_dim=32, num_filters=16), repeats),
                              ("notebook 06's SeqGAN D (x0.1: 172 filters, emb 32)",
                               lambda: seqgan_discriminator(vocab, emb_dim=32, scale=0.1), repeats),
                              ("SeqGAN's full D (1,720 filters, emb 64)", lambda: seqgan_discriminator(vocab), 1)):
        discriminator = make().eval()
        with torch.inference_mode():
            scoring = best_of(lambda: discriminator(completions), times)
        opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
        g_step = best_of(lambda: seqgan_generator_step(generator, rollout_net, discriminator, opt, config), times)
        d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-4)
        d_epoch = best_of(lambda: discriminator_epochs(discriminator, d_opt, real, fake, epochs=1,
                                                       batch_size=batch_size), times)
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
