import math

import pytest
import torch

import numpy as np

from gan_helpers.text import (LSTMGenerator, SentenceVAE, VAEConfig, active_units, gaussian_kl, interpolate,
                              kl_weight, path_nll, train_vae, vae_nll_bound, vae_terms)
from gan_helpers.text.methods.vae import check_free_bits



@pytest.fixture(scope="module")
def data(learnable_oracle):
    return learnable_oracle


def tiny_vae(**kwargs):
    args = dict(emb_dim=8, hidden_dim=16, latent_dim=4, seq_len=6)
    return SentenceVAE(16, **{**args, **kwargs})


def text_rows():
    """Reviews-like rows: words, <eos> (2), then <pad> (0); <bos> is 1."""
    return torch.tensor([[5, 6, 7, 2, 0, 0], [4, 2, 0, 0, 0, 0], [8, 9, 10, 11, 12, 2]])


def test_shapes_and_sample_format(data):
    vae = tiny_vae()
    mu, logvar = vae.encode(data.train[:5])
    assert mu.shape == logvar.shape == (5, 4)
    assert vae.decoder_logits(data.train[:5], mu).shape == (5, 6, 16)
    x = vae.sample(7, temperature=0.7)
    assert x.shape == (7, 6) and x.dtype == torch.long and int(x.max()) < 16
    text = tiny_vae(start_id=1, eos_id=2, pad_id=0)
    s = text.sample(200, temperature=2.0)
    after_eos = ((s == 2).long().cumsum(1) - (s == 2).long()) > 0
    assert (s[after_eos] == 0).all() and after_eos.any()          # LSTMGenerator.sample's format
    greedy = text.decode(torch.randn(50, 4) * 3, greedy=True, exclude_ids=[3])
    assert not (greedy == 3).any()
    with pytest.raises(ValueError, match="other than <eos>"):
        text.decode(torch.randn(2, 4), exclude_ids=[2])
    assert torch.equal(text.token_mask(text_rows()), LSTMGenerator(16, seq_len=6, start_id=1, eos_id=2,
                                                                    pad_id=0).token_mask(text_rows()))


def test_gradient_flows_through_the_reparameterisation(data):
    vae = tiny_vae()
    loss, recon, kl = vae.loss(data.train[:32])
    assert torch.allclose(loss, recon + kl)
    loss.backward()
    for name in ("to_mu.weight", "to_logvar.weight", "encoder.weight_ih_l0", "to_state.weight", "out.weight"):
        assert dict(vae.named_parameters())[name].grad.abs().sum() > 0, name
    mu = torch.zeros(3, 4, requires_grad=True)
    logvar = torch.zeros(3, 4, requires_grad=True)
    SentenceVAE.reparameterize(mu, logvar).pow(2).sum().backward()
    assert mu.grad.abs().sum() > 0 and logvar.grad.abs().sum() > 0


def test_gaussian_kl_against_a_hand_computed_case():
    mu = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)], [0.0, 0.0]])
    # 0.5 (1 + 1 - 1 - 0) + 0.5 (0 + 2 - 1 - log 2) for row 1; the prior itself for row 2
    expected = torch.tensor([0.5 + 0.5 * (1 - math.log(2.0)), 0.0])
    assert torch.allclose(gaussian_kl(mu, logvar), expected)
    with pytest.raises(ValueError, match="same shape"):
        gaussian_kl(mu, logvar[:, :1])


def test_word_dropout_rate_and_start_token(data):
    vae = tiny_vae()
    seen = []
    handle = vae.embedding.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
    torch.manual_seed(0)
    x = data.train[:400]
    vae.decoder_logits(x, torch.zeros(len(x), 4), word_dropout=0.3)
    handle.remove()
    inputs = seen[-1]
    rate = (inputs[:, 1:] == vae.dropped_id).float().mean().item()
    assert abs(rate - 0.3) < 0.03, rate
    assert (inputs[:, 0] == vae.start_id).all()                     # the start token is never dropped
    seen.clear()
    vae.embedding.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
    vae.decoder_logits(x, torch.zeros(len(x), 4))
    assert not (seen[-1] == vae.dropped_id).any()


def test_kl_annealing_schedule_values():
    assert kl_weight(0, 0) == 1.0 and kl_weight(50, 0) == 1.0                # no annealing
    assert [kl_weight(s, 100, kind="linear") for s in (0, 25, 50, 100, 500)] == [0.0, 0.25, 0.5, 1.0, 1.0]
    assert kl_weight(50, 100) == pytest.approx(0.5)
    assert kl_weight(0, 100) == pytest.approx(1 / (1 + math.exp(5)))
    assert kl_weight(100, 100) == 1.0
    ws = [kl_weight(s, 100) for s in range(101)]
    assert all(a <= b for a, b in zip(ws, ws[1:]))
    with pytest.raises(ValueError, match="kind must be"):
        kl_weight(1, 10, kind="cosine")
    with pytest.raises(ValueError, match="step must be"):
        kl_weight(-1, 10)
    assert kl_weight(np.int64(50), np.int64(100)) == pytest.approx(0.5)          # numpy integers, like every check


def test_bound_matches_its_terms_and_the_token_mask():
    torch.manual_seed(1)
    vae = tiny_vae(start_id=1, eos_id=2, pad_id=0)
    rows = text_rows()
    terms = vae_terms(vae, rows)
    assert terms["tokens"] == pytest.approx((4 + 2 + 6) / 3)                  # up to and including <eos>
    assert vae_nll_bound(vae, rows) == pytest.approx((terms["recon"] + terms["kl"]) / terms["tokens"])
    assert vae_nll_bound(vae, rows) == vae_nll_bound(vae, rows)              # fixed noise: repeats exactly
    hot = vae_nll_bound(vae, rows, temperature=3.0)
    assert hot != vae_nll_bound(vae, rows) and math.isfinite(hot)
    # an untrained decoder is near uniform: its bound is about log(16) per token plus the KL
    assert vae_nll_bound(vae, rows) > math.log(16) - 0.3


def test_training_lowers_the_bound_and_collapse_has_no_active_units(data):
    torch.manual_seed(0)
    vae = tiny_vae()
    before = vae_nll_bound(vae, data.val)
    history = train_vae(vae, data.train, data.val, config=VAEConfig(num_epochs=2, batch_size=32, lr=1e-2,
                                                                     anneal_steps=10, word_dropout=0.2),
                        progress=False)
    assert history.steps == [1, 2] and history["kl_weight"][-1] == 1.0
    assert history["val_bound"][-1] < before - 0.2
    assert list(history.metrics) == ["train_recon", "train_kl", "val_recon", "val_kl", "val_bound", "kl_weight",
                                     "active_units"]
    with torch.no_grad():                                                     # q(z|x) = prior for every x
        vae.to_mu.weight.zero_(), vae.to_mu.bias.zero_()
    assert active_units(vae, data.val) == 0
    path = interpolate(vae, data.val[0], data.val[1], num_points=5)
    assert path.shape == (5, 6)


def test_path_nll_scores_each_end_along_the_interpolation_path(data):
    torch.manual_seed(0)
    vae = tiny_vae()
    a, b = data.val[0], data.val[1]
    nll = path_nll(vae, a, b, num_points=4)
    assert list(nll) == ["alpha", "nll_a", "nll_b"] and nll["alpha"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    with torch.no_grad():                         # the ends are each sentence's own posterior mean
        mu = vae.encode(torch.stack([a, b]))[0]
        own_a = float(-vae.token_log_probs(a[None], mu[:1]).sum())
        b_at_a = float(-vae.token_log_probs(b[None], mu[:1]).sum())
    assert nll["nll_a"][0] == pytest.approx(own_a, rel=1e-5) and nll["nll_b"][0] == pytest.approx(b_at_a, rel=1e-5)
    same = path_nll(vae, a, a, num_points=3)      # a path from a sentence to itself stays put
    assert np.allclose(same["nll_a"], same["nll_a"][0]) and np.allclose(same["nll_a"], same["nll_b"])


def test_bad_inputs_say_what_is_expected(data):
    with pytest.raises(ValueError, match="latent_dim must be a positive integer.*got 0"):
        tiny_vae(latent_dim=0)
    vae = tiny_vae()
    with pytest.raises(ValueError, match="kl_weight must be a finite number >= 0.*got -0.5"):
        vae.loss(data.train[:4], kl_weight=-0.5)
    for t in (0, -1.0):
        with pytest.raises(ValueError, match=f"temperature must be positive.*got {t}"):
            vae.sample(3, temperature=t)
        with pytest.raises(ValueError, match="temperature must be positive"):
            vae_nll_bound(vae, data.val, temperature=t)
    bad = data.train[:4].clone()
    bad[0, 0] = 16
    with pytest.raises(ValueError, match="token id 16, outside the vocabulary of 16 ids"):
        vae.encode(bad)
    with pytest.raises(ValueError, match="rows have 5 positions but the model's seq_len is 6"):
        vae_nll_bound(vae, data.val[:, :5])
    with pytest.raises(ValueError, match="z must be"):
        vae.decode(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="word_dropout must be below 1"):
        VAEConfig(word_dropout=1.0)
    with pytest.raises(ValueError, match="num_points must be at least 2"):
        interpolate(vae, data.val[0], data.val[1], num_points=1)
    with pytest.raises(ValueError, match="num_points must be at least 2"):
        path_nll(vae, data.val[0], data.val[1], num_points=1)
    with pytest.raises(TypeError, match="x_b must be a tensor of token ids"):
        path_nll(vae, data.val[0], [1, 2, 3])


def test_free_bits_floor_each_units_kl_in_the_loss_only(data):
    vae = tiny_vae()
    x = data.train[:64]
    torch.manual_seed(3)
    plain = vae.loss(x)
    torch.manual_seed(3)
    loss, recon, kl = vae.loss(x, free_bits=0.5)
    assert torch.equal(recon, plain[1]) and torch.allclose(kl, plain[2])           # the reported KL is the true KL
    with torch.no_grad():
        mu, logvar = vae.encode(x)
    per_unit = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).mean(0)
    assert torch.allclose(loss, recon + per_unit.clamp(min=0.5).sum(), atol=1e-5)
    assert loss >= plain[0] - 1e-5                                                     # a floor only raises the KL term
    # below the floor a unit's KL gets no gradient: the update is that of the reconstruction alone
    grads = []
    for kwargs in (dict(free_bits=100.0), dict(kl_weight=0.0)):
        vae.zero_grad()
        torch.manual_seed(5)
        vae.loss(x, **kwargs)[0].backward()
        grads.append(vae.to_logvar.weight.grad.clone())
    assert torch.allclose(grads[0], grads[1]) and grads[0].abs().sum() > 0


def test_free_bits_threshold_must_be_a_non_negative_number():
    assert check_free_bits(0) == 0.0 and check_free_bits(0.25) == 0.25
    for bad in (-0.1, -1):
        with pytest.raises(ValueError, match="free_bits must be >= 0 nats per latent unit.*0 turns free bits off"):
            VAEConfig(free_bits=bad)
        with pytest.raises(ValueError, match="free_bits must be >= 0"):
            tiny_vae().loss(torch.zeros(2, 6, dtype=torch.long), free_bits=bad)
    with pytest.raises(ValueError, match="free_bits must be a finite number"):
        VAEConfig(free_bits=float("nan"))
    with pytest.raises(ValueError, match="free_bits must be a finite number"):
        VAEConfig(free_bits=True)


def test_early_stopping_on_the_validation_bound_and_heldout_numbers(data):
    torch.manual_seed(0)
    vae = tiny_vae()
    history = train_vae(vae, data.train, data.val, heldout=data.test, progress=False,
                        config=VAEConfig(num_epochs=4, batch_size=32, lr=1e-2, patience=1, free_bits=0.1))
    assert history.steps[0] == 0 and history.best_step is not None                  # epoch 0: the untrained model
    best = history["val_bound"][history.steps.index(history.best_step)]
    assert best == min(history["val_bound"])
    assert vae_terms(vae, data.val)["bound"] == pytest.approx(best)                  # the kept weights are the best
    for name in ("test_recon", "test_kl", "test_bound", "test_active_units"):
        assert len(history[name]) == len(history.steps)
    with pytest.raises(ValueError, match="patience must be at least 1"):
        VAEConfig(patience=0)
