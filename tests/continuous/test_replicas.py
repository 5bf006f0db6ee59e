import numpy as np
import pytest
import torch

from gan_helpers import (BatchedLinear, MinibatchDiscrimination, TrainGANConfig, build_replicas, classic_1d_discriminator,
                         classic_1d_generator, ema_copy, mean_std, mlp_discriminator, mlp_generator, replica_count,
                         replica_seeds, sample_gaussian_1d, stack_modules, stratified_noise, train_gan)


def _classic(minibatch=False):
    return classic_1d_generator(4), classic_1d_discriminator(4, minibatch=minibatch)


def test_batched_linear_matches_each_linear():
    layers = [torch.nn.Linear(3, 5) for _ in range(4)]
    stacked = BatchedLinear.from_linears(layers)
    x = torch.randn(4, 7, 3)
    out = stacked(x)
    assert out.shape == (4, 7, 5)
    for r, layer in enumerate(layers):
        assert torch.allclose(out[r], layer(x[r]), atol=1e-6)
    with pytest.raises(ValueError, match=r"\(4, batch, 3\)"):
        stacked(torch.randn(3, 7, 3))


def test_build_replicas_gives_each_seed_its_own_initialisation():
    G, D = build_replicas(lambda: _classic(minibatch=True), [7, 8, 9])
    assert replica_count(G) == replica_count(D) == 3
    torch.manual_seed(8)
    g8, d8 = _classic(minibatch=True)        # D is built after G, as in a single run
    z, x = torch.randn(3, 5, 1), torch.randn(3, 5, 1)
    assert torch.allclose(G(z)[1], g8(z[1]), atol=1e-6)
    assert torch.allclose(D(x)[1], d8(x[1]), atol=1e-6)


def test_build_replicas_leaves_the_global_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    build_replicas(lambda: classic_1d_generator(4), [1, 2])
    assert torch.equal(torch.rand(3), expected)


def test_stacked_minibatch_discrimination_compares_within_a_replica_only():
    layers = [MinibatchDiscrimination(4, 3, 2) for _ in range(2)]
    stacked = stack_modules(layers)
    x = torch.randn(2, 6, 4)
    out = stacked(x)
    assert out.shape == (2, 6, 7)
    for r in range(2):
        assert torch.allclose(out[r], layers[r](x[r]), atol=1e-6)
    y = x.clone()
    y[1] += 100.0                            # replica 1's batch moves far away
    assert torch.allclose(stacked(y)[0], out[0])
    with pytest.raises(ValueError, match="at least 2 per replica"):
        stacked(torch.randn(2, 1, 4))


def test_stack_modules_bad_input():
    with pytest.raises(TypeError, match="one architecture"):
        stack_modules([torch.nn.Linear(2, 2), torch.nn.Tanh()])
    with pytest.raises(ValueError, match="same parameter shapes"):
        stack_modules([torch.nn.Linear(2, 2), torch.nn.Linear(2, 3)])
    with pytest.raises(TypeError, match="cannot stack BatchNorm1d"):
        stack_modules([torch.nn.BatchNorm1d(2), torch.nn.BatchNorm1d(2)])
    with pytest.raises(ValueError, match="seeds must differ"):
        build_replicas(lambda: classic_1d_generator(4), [1, 1])
    with pytest.raises(ValueError, match="at least one seed"):
        build_replicas(lambda: classic_1d_generator(4), [])


def test_replica_seeds():
    assert replica_seeds(3, 4) == [3000, 3001, 3002, 3003]
    assert not set(replica_seeds(0, 10)) & set(replica_seeds(1, 10))
    with pytest.raises(TypeError, match="num_replicas must be an integer"):
        replica_seeds(0, 2.5)


def _train(G, D, replicas, *, steps=20, batch_size=16, sample_real=None, **kwargs):
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-2), torch.optim.Adam(D.parameters(), 1e-2)
    fields = ("r1_weight", "eval_steps", "ema_decay")
    config = TrainGANConfig(num_steps=steps, batch_size=batch_size, **{k: v for k, v in kwargs.items() if k in fields})
    return train_gan(G, D, sample_real or (lambda n: sample_gaussian_1d(n)), lambda n: stratified_noise(n), config,
                     opt_g=opt_g, opt_d=opt_d, replicas=replicas, progress=False,
                     **{k: v for k, v in kwargs.items() if k not in fields})


def test_one_replica_equals_the_single_model_run():
    build = lambda: _classic(minibatch=True)  # noqa: E731
    torch.manual_seed(5)
    G, D = build()
    torch.manual_seed(0)
    single = _train(G, D, None, r1_weight=0.5, eval_steps=[10], metrics_fn=lambda s: {"std": mean_std(s)[1]})
    Gr, Dr = build_replicas(build, [5])
    torch.manual_seed(0)
    (replica,) = _train(Gr, Dr, 1, r1_weight=0.5, eval_steps=[10], metrics_fn=lambda s: {"std": mean_std(s)[1]})
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert np.allclose(single[name], replica[name], atol=1e-5), name
    assert np.allclose(single.snapshots[20], replica.snapshots[20], atol=1e-5)
    assert single.steps == replica.steps == [10, 20]


def test_replicas_are_independent():
    """Moving one replica's real data changes its own trajectory and nobody else's."""
    def shifted(offset):
        calls = iter(range(10**6))                 # replicas draw in turn: call k is replica k % 3
        return lambda n: sample_gaussian_1d(n) + (offset if next(calls) % 3 == 1 else 0.0)

    runs = []
    for offset in (0.0, 5.0):
        G, D = build_replicas(lambda: _classic(minibatch=True), [1, 2, 3])
        E = ema_copy(G)
        torch.manual_seed(0)
        runs.append(_train(G, D, 3, sample_real=shifted(offset), r1_weight=0.5, ema_generator=E, ema_decay=0.9))
    base, moved = runs
    for r in (0, 2):
        assert np.array_equal(base[r].d_loss, moved[r].d_loss) and np.array_equal(base[r].snapshots[20], moved[r].snapshots[20])
    assert not np.allclose(base[1].d_loss, moved[1].d_loss)


def test_one_r1_weight_per_replica():
    """A tuple of R1 weights gives each replica its own: the replica whose weight matches a
    float run follows it exactly, the one with another weight does not."""
    runs = {}
    for weight in (0.5, (0.5, 0.5), (0.0, 0.5), 0.0, (0.0, 0.0)):
        G, D = build_replicas(lambda: _classic(minibatch=True), [1, 2])
        torch.manual_seed(0)
        runs[weight] = _train(G, D, 2, r1_weight=weight)
    for r in (0, 1):
        assert np.array_equal(runs[0.5][r].d_loss, runs[(0.5, 0.5)][r].d_loss)
        assert np.array_equal(runs[0.0][r].d_loss, runs[(0.0, 0.0)][r].d_loss)
    assert np.array_equal(runs[(0.0, 0.5)][1].d_loss, runs[0.5][1].d_loss)
    assert np.array_equal(runs[(0.0, 0.5)][0].d_loss, runs[0.0][0].d_loss)
    assert not np.allclose(runs[0.0][0].d_loss, runs[0.5][0].d_loss)


def test_one_r1_weight_per_replica_bad_input():
    G, D = build_replicas(lambda: _classic(), [1, 2])
    with pytest.raises(ValueError, match="r1_weight holds 3 weights but the networks hold 2 replicas"):
        _train(G, D, 2, r1_weight=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="r1_weight holds 2 weights but the networks hold no replicas"):
        _train(*_classic(), None, r1_weight=(0.1, 0.2))
    with pytest.raises(ValueError, match="each r1_weight must be a non-negative"):
        TrainGANConfig(num_steps=2, batch_size=4, r1_weight=(0.1, -1.0))
    with pytest.raises(ValueError, match="empty tuple"):
        TrainGANConfig(num_steps=2, batch_size=4, r1_weight=())


def test_replica_histories_and_shapes():
    G, D = build_replicas(lambda: (mlp_generator(2, 2, 8, 1), mlp_discriminator(2, 8, 1, pack=2)), range(4))
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    config = TrainGANConfig(num_steps=30, batch_size=8, pack=2, eval_steps=(0, 15), num_eval_samples=50)
    hs = train_gan(G, D, lambda n: torch.randn(n, 2), lambda n: torch.randn(n, 2), config, opt_g=opt_g, opt_d=opt_d,
                   metrics_fn=lambda s: {"mean": float(s.mean())}, progress=False)
    assert len(hs) == 4 and all(h["d_loss"].shape == (30,) for h in hs)
    assert all(h.snapshots[15].shape == (50, 2) and h.steps == [0, 15, 30] for h in hs)
    assert len({h.final("mean") for h in hs}) == 4      # four different runs


def test_replica_bad_input():
    G, D = build_replicas(lambda: _classic(minibatch=True), [1, 2])
    with pytest.raises(ValueError, match="replicas=0 but the generator holds 2"):
        _train(G, D, 0)
    with pytest.raises(ValueError, match="replicas=3 but the generator holds 2"):
        _train(G, D, 3)
    g, d = _classic()
    with pytest.raises(ValueError, match="the generator holds no replicas"):
        _train(g, d, 2)
    with pytest.raises(ValueError, match="batch_size=1 .* minibatch discrimination"):
        _train(G, D, 2, batch_size=1)
    with pytest.raises(ValueError, match="mixes layers"):
        replica_count(torch.nn.Sequential(G, torch.nn.Linear(1, 1)))
