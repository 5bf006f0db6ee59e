"""The trainers run on the device they are given: a tiny GAN and a tiny text model train on
the ``device`` fixture (the CPU in CI; a GPU wherever one is present)."""
import torch

from gan_helpers import TrainGANConfig, mlp_discriminator, mlp_generator, train_gan
from gan_helpers.text import LSTMGenerator, MLEConfig, pretrain_mle


def test_a_tiny_gan_trains_on_the_device(device):
    g, d = mlp_generator(2, 2, hidden=8, depth=1), mlp_discriminator(2, hidden=8, depth=1)
    opt_g, opt_d = torch.optim.Adam(g.parameters(), 1e-3), torch.optim.Adam(d.parameters(), 1e-3)
    h = train_gan(g, d, lambda n: torch.randn(n, 2), lambda n: torch.randn(n, 2),
                  TrainGANConfig(num_steps=5, batch_size=8, eval_steps=(0,), num_eval_samples=20), opt_g=opt_g,
                  opt_d=opt_d, metrics_fn=lambda s: {"mean": float(s.mean())}, device=device, progress=False)
    assert next(g.parameters()).device.type == device.type and h.snapshots[5].shape == (20, 2)


def test_a_tiny_text_model_trains_on_the_device(device, tiny_oracle):
    g = LSTMGenerator.for_data(tiny_oracle, emb_dim=4, hidden_dim=4).to(device)
    h = pretrain_mle(g, tiny_oracle.train, tiny_oracle.val, config=MLEConfig(num_epochs=1, batch_size=50),
                     progress=False)
    assert h.best_step is not None and g.sample(3).device.type == device.type
