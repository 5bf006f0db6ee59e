import pytest
import torch
import torch.nn.functional as F

from gan_helpers.text import CNNDiscriminator, LSTMGenerator, check_same_vocab, draw_categorical

V, L = 12, 6


def text_generator(**kw):
    return LSTMGenerator(V, emb_dim=8, hidden_dim=16, seq_len=L, start_id=1, eos_id=2, pad_id=0, **kw)


def test_generator_teacher_forcing_shapes_and_likelihood():
    g = text_generator()
    x = torch.tensor([[5, 6, 2, 0, 0, 0], [7, 8, 9, 10, 11, 2]])
    logits = g(x)
    assert logits.shape == (2, L, V)
    full = F.log_softmax(logits, -1).gather(2, x[..., None]).squeeze(2)
    lp = g.log_probs(x)
    mask = torch.tensor([[1, 1, 1, 0, 0, 0], [1] * 6], dtype=torch.float)
    assert torch.equal(g.token_mask(x), mask)
    assert torch.allclose(lp, full * mask, atol=1e-6)              # pads after <eos> do not count
    assert g.nll(x).item() == pytest.approx(-(full * mask).sum().item() / 9, rel=1e-5)
    probs = g.next_token_probs(x, temperature=0.5)
    assert torch.allclose(probs.sum(-1), torch.ones(2, L))
    # position t depends only on x_<t: changing the last token leaves all logits unchanged
    y = x.clone(); y[:, -1] = 3
    assert torch.allclose(g(y), logits)


def test_generator_sampling_eos_padding_prefix_and_probs():
    g = text_generator()
    x, probs = g.sample(300, return_probs=True)
    assert x.shape == (300, L) and probs.shape == (300, L, V) and not x.requires_grad
    assert torch.allclose(probs.sum(-1), torch.ones(300, L), atol=1e-5)
    after_eos = (x == 2).long().cumsum(1) - (x == 2).long() > 0
    assert after_eos.any() and (x[after_eos] == 0).all()           # after <eos> only <pad>
    assert (probs.gather(2, x[..., None]) > 0).all()               # each token had positive probability
    prefix = torch.tensor([[5, 6], [7, 2]])
    y = g.sample(prefix=prefix)
    assert torch.equal(y[:, :2], prefix) and (y[1, 2:] == 0).all()
    with pytest.raises(ValueError, match="temperature must be positive"):
        g.sample(3, temperature=0)
    with pytest.raises(ValueError, match="temperature must be positive and finite, got -1.0"):
        g.sample(3, temperature=-1.0)
    with pytest.raises(ValueError, match="prefix must be"):
        g.sample(prefix=torch.zeros(2, L, dtype=torch.long))
    with pytest.raises(ValueError, match="num_samples=3 but prefix has 2 rows"):
        g.sample(3, prefix=prefix)


def test_sampling_temperature_sharpens():
    torch.manual_seed(0)
    g = LSTMGenerator(V, seq_len=L)
    with torch.no_grad():
        g.out.weight.mul_(5)
    ent = []
    for t in (0.3, 1.0, 3.0):
        _, p = g.sample(200, temperature=t, return_probs=True)
        ent.append(float(-(p * p.clamp_min(1e-12).log()).sum(-1).mean()))
    assert ent[0] < ent[1] < ent[2]


def test_relaxed_samples_carry_gradient():
    g = LSTMGenerator(V, emb_dim=8, hidden_dim=16, seq_len=L)
    y = g.sample_relaxed(5, temperature=0.5)
    assert y.shape == (5, L, V) and torch.allclose(y.sum(-1), torch.ones(5, L), atol=1e-5)
    (y * torch.arange(V)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in g.parameters())
    hard = g.sample_relaxed(5, temperature=0.5, hard=True)
    assert set(hard.detach().unique().tolist()) <= {0.0, 1.0}


def test_draw_categorical_matches_probabilities():
    torch.manual_seed(0)
    p = torch.tensor([0.5, 0.0, 0.2, 0.3])
    draws = draw_categorical(p.expand(40_000, 4)).squeeze(1)
    freq = torch.bincount(draws, minlength=4).float() / len(draws)
    assert freq[1] == 0 and torch.allclose(freq, p, atol=0.01)


def test_generator_bad_input():
    g = text_generator()
    with pytest.raises(ValueError, match=r"token id 12, outside the vocabulary of 12 ids \(0 to 11\)"):
        g(torch.tensor([[1, 12]]))
    with pytest.raises(TypeError, match="integer token ids"):
        g(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="seq_len is 6"):
        g(torch.zeros(2, 7, dtype=torch.long))
    with pytest.raises(ValueError, match="give both eos_id and pad_id"):
        LSTMGenerator(V, eos_id=2)
    with pytest.raises(ValueError, match="start_id=20 is outside"):
        LSTMGenerator(V, start_id=20)


def test_cnn_discriminator_reads_ids_and_one_hots_alike():
    d = CNNDiscriminator(V, emb_dim=8, filter_sizes=(1, 2, 3), num_filters=(4, 5, 6)).eval()
    x = torch.randint(0, V, (7, L))
    logits = d(x)
    assert logits.shape == (7,)
    assert torch.allclose(d(F.one_hot(x, V).float()), logits, atol=1e-5)
    soft = torch.softmax(torch.randn(7, L, V, requires_grad=True), -1)
    d(soft).sum().backward()                                       # gradient reaches a soft input's producer
    assert all(p.grad is not None for p in d.parameters())


def test_discriminator_bad_input_and_vocab_mismatch():
    d = CNNDiscriminator(V, filter_sizes=(2, 5))
    with pytest.raises(ValueError, match=r"soft input must be \(batch, len, vocab_size=12\)"):
        d(torch.rand(2, L, V + 1))
    with pytest.raises(ValueError, match="shorter than the widest filter"):
        d(torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="token id 12"):
        d(torch.full((2, L), V))
    with pytest.raises(ValueError, match="3 filter widths but 2 filter counts"):
        CNNDiscriminator(V, filter_sizes=(1, 2, 3), num_filters=(4, 5))
    g = LSTMGenerator(V + 1, seq_len=L)
    with pytest.raises(ValueError, match="disagree on the vocabulary size"):
        check_same_vocab(g, d)
    with pytest.raises(ValueError, match="vocab_size=12"):
        d(g.sample_relaxed(2))
    assert check_same_vocab(text_generator(), d) == V


def reference_logits(d, x):
    """The discriminator written out plainly: ReLU at every position, then the max, on all rows at once."""
    e = (d.embedding(x) if not x.is_floating_point() else x @ d.embedding.weight).transpose(1, 2)
    feats = torch.cat([F.relu(F.conv1d(e, c.weight, c.bias)).amax(2) for c in d.convs], 1)
    h, t = d.highway(feats).chunk(2, 1)
    t = torch.sigmoid(t)
    feats = t * F.relu(h) + (1 - t) * feats
    return d.out(d.dropout(feats)).squeeze(1)


@pytest.mark.parametrize("chunk", [7, 1024])
def test_discriminator_fast_path_equals_the_plain_computation(monkeypatch, chunk):
    from gan_helpers.text import seqgan_discriminator
    from gan_helpers.text.core import models
    monkeypatch.setattr(models, "SCORE_CHUNK", chunk)            # 7: many chunks, the last one short
    torch.manual_seed(0)
    d = seqgan_discriminator(V, emb_dim=8, scale=0.05)            # SeqGAN's 12 widths, 1-20
    keys = ["embedding.weight", *[f"convs.{i}.{p}" for i in range(12) for p in ("weight", "bias")],
            "highway.weight", "highway.bias", "out.weight", "out.bias"]
    assert list(d.state_dict()) == keys                           # shipped records keep loading
    x = torch.randint(0, V, (40, 20))
    x[:3] = x[0]                                                  # ties of the max at equal rows
    with torch.no_grad():
        d.convs[0].bias.fill_(-10.0)                              # width 1: every response negative, ReLU 0
    d.eval()
    with torch.no_grad():                                         # scoring: chunked
        fast, plain = d(x), reference_logits(d, x)
        soft = torch.softmax(3 * torch.randn(40, 20, V), -1)
        assert torch.equal(d(soft), reference_logits(d, soft))
    assert torch.equal(fast, plain)                               # to the bit (1e-6 relative would pass too)
    torch.testing.assert_close(fast, plain, rtol=1e-6, atol=0)
    with torch.inference_mode():
        assert torch.equal(d(x), plain)
    assert torch.equal(d(x).detach(), plain)                      # with gradients: all rows at once
    d.train()                                                     # training: the same dropout draw, the same grads
    grads = []
    for forward in (d, lambda rows: reference_logits(d, rows)):
        d.zero_grad()
        relaxed = soft.clone().requires_grad_()                   # notebook 07: gradients reach the generator
        torch.manual_seed(1)
        (forward(x).pow(2).sum() + forward(relaxed).sum()).backward()
        grads.append([p.grad.clone() for p in d.parameters()] + [relaxed.grad])
    assert all(torch.equal(a, b) for a, b in zip(*grads))
