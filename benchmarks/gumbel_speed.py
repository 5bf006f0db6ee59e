"""Gumbel-softmax GAN steps per second (notebook 07).

Setting: notebook 07's models, vocabulary 500, length 20, generator LSTM 32 units,
discriminator embedding 32 with 16 filters per width 2-5, batch 64; one step = one
generator update through relaxed samples plus 5 discriminator updates (notebook 07's
schedule). Run: ``OMP_NUM_THREADS=1 python benchmarks/gumbel_speed.py``.
"""
import time

import torch

from gan_helpers.text import CNNDiscriminator, LSTMGenerator, gumbel_discriminator_step, gumbel_generator_step

torch.set_num_threads(1)


def main(num_steps: int = 20) -> None:
    torch.manual_seed(0)
    vocab, seq_len, batch_size = 500, 20, 64
    g = LSTMGenerator(vocab, emb_dim=32, hidden_dim=32, seq_len=seq_len)
    d = CNNDiscriminator(vocab, emb_dim=32, num_filters=16)
    real = torch.randint(vocab, (2000, seq_len))
    g_opt, d_opt = torch.optim.Adam(g.parameters(), lr=1e-2), torch.optim.Adam(d.parameters(), lr=1e-4)
    for hard in (False, True):
        timings = {"generator": 0.0, "discriminator": 0.0}
        for step in range(num_steps + 2):          # 2 warm-up steps
            t0 = time.perf_counter()
            gumbel_generator_step(g, d, g_opt, temperature=0.5, batch_size=batch_size, hard=hard)
            t1 = time.perf_counter()
            for _ in range(5):
                gumbel_discriminator_step(d, g, real, d_opt, temperature=0.5, batch_size=batch_size, hard=hard)
            t2 = time.perf_counter()
            if step >= 2:
                timings["generator"] += t1 - t0
                timings["discriminator"] += t2 - t1
        total = sum(timings.values())
        print(f"Gumbel GAN ({'straight-through' if hard else 'relaxed'}), vocab {vocab}, batch {batch_size}: "
              f"{num_steps / total:.1f} steps/s ({1000 * timings['generator'] / num_steps:.0f} ms generator update, "
              f"{1000 * timings['discriminator'] / num_steps:.0f} ms for 5 discriminator updates)")


if __name__ == "__main__":
    main()
