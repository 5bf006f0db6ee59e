import math

import numpy as np
import pytest
import torch

from gan_helpers import (History, MinibatchDiscrimination, TrainGANConfig, classic_1d_discriminator, classic_1d_generator,
                         discriminator_loss, ema_copy, generator_loss, mlp, mlp_discriminator, mlp_generator,
                         pack_samples, r1_penalty, sample_gaussian_1d, stratified_noise, symmetric_1d_generator,
                         stack_modules, train_gan)


def test_mlp_shapes_and_bad_input():
    net = mlp([3, 8, 2], "tanh", out_activation="tanh")
    assert net(torch.zeros(5, 3)).shape == (5, 2)
    with pytest.raises(ValueError, match="unknown activation"):
        mlp([3, 2], "swish")
    with pytest.raises(ValueError, match="at least an input and an output"):
        mlp([3])


def test_minibatch_discrimination_matches_definition():
    layer = MinibatchDiscrimination(6, num_kernels=4, kernel_dim=3)
    x = torch.randn(10, 6)
    out = layer(x)
    m = (x @ layer.T).view(10, 4, 3)
    l1 = (m[:, None] - m[None, :]).abs().sum(-1)          # (B, B, K)
    ref = torch.exp(-l1).sum(1) - 1                       # summed over the other samples (Salimans et al.)
    assert out.shape == (10, 10) and torch.allclose(out[:, 6:], ref, atol=1e-5)
    assert torch.equal(out[:, :6], x)
    # the paper's formula also counts j = i: the same +1 on every feature, nothing else
    with_self = sum(torch.exp(-(m[i] - m).abs().sum(-1)) for i in range(10))
    assert torch.allclose(out[:, 6:] + 1, with_self, atol=1e-5)


def test_minibatch_discrimination_gradients_first_and_second():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(4, num_kernels=3, kernel_dim=2).double()
    x = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(layer, (x,))
    assert torch.autograd.gradgradcheck(layer, (x,))
    stacked = stack_modules([MinibatchDiscrimination(4, 3, 2).double() for _ in range(2)])
    assert torch.autograd.gradcheck(stacked, (torch.randn(2, 5, 4, dtype=torch.float64, requires_grad=True),))


def test_minibatch_features_see_collapse():
    layer = MinibatchDiscrimination(4, 5, 3)
    diverse = layer(torch.randn(32, 4) * 3)[:, 4:].mean()
    collapsed = layer(torch.zeros(32, 4) + 0.5)[:, 4:].mean()
    # a collapsed batch: every one of the B - 1 others is at distance 0
    assert collapsed > diverse and collapsed.item() == pytest.approx(31.0)
    assert layer(torch.zeros(8, 4))[:, 4:].mean().item() == pytest.approx(7.0)


def test_minibatch_discrimination_bad_input():
    layer = MinibatchDiscrimination(4)
    with pytest.raises(ValueError, match="at least 2"):
        layer(torch.randn(1, 4))
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        layer(torch.randn(8, 5))


def test_symmetric_1d_generator_is_odd_and_a_classic_generator():
    z = stratified_noise(1001, jitter=0.0)
    g = symmetric_1d_generator(0.4, 6.0, scale=2.0, shift=4.0)
    sp = torch.nn.functional.softplus
    expected = 4.0 + 2.0 * (sp(0.4 * (z - 6.0)) - sp(-0.4 * (z + 6.0)))
    with torch.no_grad():
        out = g(z)
        assert torch.allclose(out, expected, atol=1e-5)
        assert torch.allclose(out - 4.0, -(g(-z) - 4.0), atol=1e-5)    # odd around the shift
    assert [tuple(p.shape) for p in g.parameters()] == [tuple(p.shape) for p in classic_1d_generator(4).parameters()]
    with pytest.raises(ValueError, match="hidden must be at least 2"):
        symmetric_1d_generator(0.4, 6.0, hidden=1)
    with pytest.raises(ValueError, match="k must be a positive"):
        symmetric_1d_generator(0.0, 6.0)


def test_classic_1d_networks_and_gradient_flow():
    g, d = classic_1d_generator(4), classic_1d_discriminator(4, minibatch=True)
    z = stratified_noise(8)
    loss = generator_loss(d(g(z)))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in g.parameters())


def test_losses_from_logits():
    zero = torch.zeros(4)
    assert discriminator_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert generator_loss(zero, "non_saturating").item() == pytest.approx(math.log(2))
    assert generator_loss(zero, "saturating").item() == pytest.approx(-math.log(2))
    with pytest.raises(ValueError, match="kind"):
        generator_loss(zero, "hinge")


def test_r1_penalty_of_linear_discriminator():
    d = torch.nn.Linear(2, 1)
    with torch.no_grad():
        d.weight.copy_(torch.tensor([[3.0, 4.0]]))
    assert r1_penalty(d, torch.randn(16, 2)).item() == pytest.approx(0.5 * 25)


def test_pack_samples():
    x = torch.arange(12.0).view(6, 2)
    assert pack_samples(x, 3).tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]
    with pytest.raises(ValueError, match="divisible by pack"):
        pack_samples(x, 4)


CONFIG_FIELDS = ("num_steps", "batch_size", "d_steps", "g_loss", "pack", "r1_weight", "eval_steps",
                 "num_eval_samples", "snapshot_steps", "ema_decay")


def _tiny_run(**kwargs):
    g, d = classic_1d_generator(4), classic_1d_discriminator(4)
    settings = {"num_steps": 60, "batch_size": 16, **{k: v for k, v in kwargs.items() if k in CONFIG_FIELDS}}
    args = dict(opt_g=torch.optim.Adam(g.parameters(), 1e-3), opt_d=torch.optim.Adam(d.parameters(), 1e-3),
                progress=False)
    args.update({k: v for k, v in kwargs.items() if k not in CONFIG_FIELDS})
    return train_gan(g, d, lambda n: sample_gaussian_1d(n), lambda n: stratified_noise(n),
                     TrainGANConfig(**settings), **args)


def test_train_gan_records_history():
    h = _tiny_run(eval_steps=[0, 30], metrics_fn=lambda s: {"mean": s.mean().item()}, num_eval_samples=100)
    assert isinstance(h, History)
    assert h["d_loss"].shape == (60,) and np.isfinite(h["g_loss"]).all()
    assert ((h["d_real"] > 0) & (h["d_real"] < 1)).all()
    assert h.steps == [0, 30, 60] and sorted(h.snapshots) == [0, 30, 60]
    assert h.snapshots[30].shape == (100, 1)
    assert h.final("mean") == h.metrics["mean"][-1] == h["mean"][-1]
    with pytest.raises(KeyError, match="no metric 'std'"):
        h.final("std")
    with pytest.raises(KeyError, match="this history has no 'std'"):
        h["std"]


def test_train_gan_with_ema_and_pack():
    g = mlp_generator(2, 2, hidden=8, depth=1)
    d = mlp_discriminator(2, hidden=8, depth=1, pack=2)
    g_ema = ema_copy(g)
    before = [p.clone() for p in g_ema.parameters()]
    train_gan(g, d, lambda n: torch.randn(n, 2), lambda n: torch.randn(n, 2),
              TrainGANConfig(num_steps=20, batch_size=8, pack=2, r1_weight=1.0, ema_decay=0.9),
              opt_g=torch.optim.Adam(g.parameters(), 1e-2), opt_d=torch.optim.Adam(d.parameters(), 1e-2),
              ema_generator=g_ema, progress=False)
    moved = [not torch.equal(a, b) for a, b in zip(before, g_ema.parameters())]
    assert all(moved) and not any(p.requires_grad for p in g_ema.parameters())


def test_train_gan_stops_on_nan_with_step_and_loss():
    g, d = classic_1d_generator(), classic_1d_discriminator()
    with pytest.raises(FloatingPointError, match=r"discriminator loss became nan at step 1"):
        train_gan(g, d, lambda n: torch.full((n, 1), float("nan")), lambda n: stratified_noise(n),
                  TrainGANConfig(num_steps=5, batch_size=4), opt_g=torch.optim.SGD(g.parameters(), 0.1),
                  opt_d=torch.optim.SGD(d.parameters(), 0.1), progress=False)


def test_train_gan_bad_input():
    with pytest.raises(ValueError, match="generator output has shape"):
        g, d = mlp_generator(2, 3, hidden=4, depth=1), mlp_discriminator(2, hidden=4, depth=1)
        train_gan(g, d, lambda n: torch.randn(n, 2), lambda n: torch.randn(n, 2), TrainGANConfig(num_steps=2, batch_size=4),
                  opt_g=torch.optim.SGD(g.parameters(), 0.1), opt_d=torch.optim.SGD(d.parameters(), 0.1), progress=False)
    with pytest.raises(ValueError, match="cannot read packed batches"):
        g, d = mlp_generator(2, 2, hidden=4, depth=1), mlp_discriminator(2, hidden=4, depth=1, pack=1)
        train_gan(g, d, lambda n: torch.randn(n, 2), lambda n: torch.randn(n, 2),
                  TrainGANConfig(num_steps=2, batch_size=4, pack=2), opt_g=torch.optim.SGD(g.parameters(), 0.1), opt_d=torch.optim.SGD(d.parameters(), 0.1), progress=False)
    with pytest.raises(ValueError, match="divisible by pack"):
        _tiny_run(batch_size=10, pack=4)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        _tiny_run(batch_size=0)
    with pytest.raises(ValueError, match="ema_generator must be a copy"):
        _tiny_run(ema_generator=mlp_generator(1, 1, hidden=3, depth=1))
    with pytest.raises(ValueError, match="ema_decay must be below 1"):
        _tiny_run(ema_decay=1.0)
    with pytest.raises(TypeError, match="config must be a TrainGANConfig"):
        train_gan(classic_1d_generator(), classic_1d_discriminator(), lambda n: sample_gaussian_1d(n), lambda n: stratified_noise(n), {"num_steps": 2},
                  opt_g=None, opt_d=None)


def test_exponential_decay_reaches_final_fraction():
    from gan_helpers import exponential_decay
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = exponential_decay(opt, 10, 0.01)
    for _ in range(10):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="final_fraction"):
        exponential_decay(opt, 10, 2.0)


def test_minibatch_discrimination_is_twice_differentiable():
    d = mlp_discriminator(2, hidden=8, depth=1, minibatch=True)
    penalty = r1_penalty(d, torch.randn(16, 2))
    penalty.backward()   # cdist's backward is not differentiable; this layer must be
    mbd = next(m for m in d if isinstance(m, MinibatchDiscrimination))
    assert mbd.T.grad is not None and torch.isfinite(mbd.T.grad).all()


def test_hold_then_cosine_schedule():
    from gan_helpers import hold_then_cosine
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    sched = hold_then_cosine(opt, 100, hold_fraction=0.3, final_fraction=0.01)
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[:30] == [1.0] * 30 and lrs[65] == pytest.approx(0.505, abs=0.03)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="hold_fraction"):
        hold_then_cosine(opt, 10, hold_fraction=1.0)


def test_plot_losses_smoothing_keeps_scale():
    import matplotlib
    matplotlib.use("Agg")
    from gan_helpers import plot_losses
    h = History(d_loss=np.ones(100), g_loss=np.full(100, 2.0), d_real=np.full(100, 0.5), d_fake=np.full(100, 0.5))
    ax = plot_losses(h, smooth=10)
    d_line = ax[0].get_lines()[0].get_ydata()
    assert np.allclose(d_line, 1.0) and len(d_line) == 91


def test_wasserstein_critic_and_gradient_penalty():
    from gan_helpers import critic_loss, gradient_penalty
    real, fake = torch.ones(4, 1), torch.zeros(4, 1)
    assert critic_loss(real, fake).item() == pytest.approx(-1.0)
    assert generator_loss(fake + 2.0, "wasserstein").item() == pytest.approx(-2.0)
    d = torch.nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        d.weight.copy_(torch.tensor([[2.0, 0.0, 0.0]]))         # gradient norm 2 everywhere: penalty (2 - 1)^2
    assert gradient_penalty(d, torch.randn(5, 3), torch.randn(5, 3)).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="one shape"):
        gradient_penalty(d, torch.randn(5, 3), torch.randn(4, 3))


def test_train_gan_with_a_wasserstein_critic_and_penalty():
    torch.manual_seed(0)
    g, d = mlp_generator(2, 2, 8, 1), mlp_discriminator(2, 8, 1)
    config = TrainGANConfig(num_steps=5, batch_size=8, d_steps=2, g_loss="wasserstein", gp_weight=10.0)
    h = train_gan(g, d, lambda n: torch.randn(n, 2), lambda n: torch.randn(n, 2), config,
                  opt_g=torch.optim.Adam(g.parameters()), opt_d=torch.optim.Adam(d.parameters()), progress=False)
    assert len(h.d_loss) == 5 and np.isfinite(h.d_loss).all()
    with pytest.raises(ValueError, match="gp_weight"):
        TrainGANConfig(num_steps=1, batch_size=2, gp_weight=-0.5)
    assert torch.allclose(mlp_generator(2, 3, 4, 1, out_activation="unit_norm")(torch.randn(6, 2)).norm(dim=1),
                          torch.ones(6), atol=1e-5)
