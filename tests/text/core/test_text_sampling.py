"""The one categorical sampler, the Gumbel helpers and the one decoding loop (gan_helpers.text.core.sampling)."""
import pytest
import torch
import torch.nn.functional as F

from gan_helpers.text import (CNNDiscriminator, LSTMGenerator, Seq2SeqGenerator, SentenceVAE, build_vocab, decode_loop,
                              draw_categorical, encode_batch, gumbel_max, gumbel_noise, gumbel_softmax,
                              rollout_rewards, sample_logits, temperature_schedule)
from gan_helpers.text.core import sampling


def test_sample_logits_follows_the_tempered_softmax():
    logits = torch.randn(1, 30) * 2
    for t in (0.7, 1.0):
        ids = sample_logits(logits.expand(100_000, 30).contiguous(), temperature=t)
        empirical = torch.bincount(ids, minlength=30).float() / len(ids)
        assert torch.allclose(empirical, torch.softmax(logits[0] / t, -1), atol=0.006)
    for shift in (1000.0, -1000.0):                      # softmax subtracts the max: no overflow or underflow
        ids = sample_logits(torch.tensor([[0.0, 1.0, -20.0]]).add(shift).expand(50_000, 3).contiguous())
        assert abs((ids == 1).float().mean().item() - torch.sigmoid(torch.tensor(1.0)).item()) < 0.01


def test_tiles_do_not_change_the_draw(monkeypatch):
    """Rows are drawn in tiles for speed; the uniforms are drawn first, so tiling changes nothing."""
    logits = torch.randn(2500, 40)
    torch.manual_seed(3)
    tiled = sample_logits(logits, temperature=0.8)
    monkeypatch.setattr(sampling, "TILE_ROWS", 10_000)
    torch.manual_seed(3)
    assert torch.equal(tiled, sample_logits(logits, temperature=0.8))
    torch.manual_seed(3)                                 # and it is the plain inverse CDF of draw_categorical
    assert torch.equal(tiled, draw_categorical(F.softmax(logits / 0.8, -1))[:, 0])


def plain_draw(logits, temperature, u):
    """The draw written out plainly, on all rows at once: softmax, its CDF, the first entry above u * total."""
    cdf = F.softmax(logits / temperature, -1).cumsum(-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).clamp(max=logits.shape[1] - 1)[:, 0]


@pytest.mark.parametrize("temperature", [1.0, 0.7])
@pytest.mark.parametrize("head_kind", ["linear", "linear_no_bias", "other", "none"])
def test_reused_tile_buffers_give_the_plain_draw_to_the_bit(monkeypatch, temperature, head_kind):
    """Tiles write their logits and probabilities into two reused buffers; the ids are those of
    the plain computation (and with kept probabilities, the probabilities too)."""
    monkeypatch.setattr(sampling, "TILE_ROWS", 64)       # 1,000 rows: 16 tiles, the last one short
    torch.manual_seed(0)
    features = torch.randn(1000, 16) * 3
    linear = torch.nn.Linear(16, 300, bias=head_kind != "linear_no_bias")
    head = {"linear": linear, "linear_no_bias": linear, "other": lambda h: linear(h).tanh() * 5,
            "none": None}[head_kind]
    logits = features if head is None else head(features).detach()
    torch.manual_seed(1)
    u = torch.rand(len(features), 1)
    expected = plain_draw(logits, temperature, u)
    def draw(**kw):                                      # one position of the decoding loop
        torch.manual_seed(1)
        return decode_loop(lambda x, state: (None, state), features, None, 1, head=head, temperature=temperature, **kw)
    for context in (torch.no_grad, torch.inference_mode, torch.enable_grad):
        with context():
            assert torch.equal(draw()[0], expected)
    (kept_ids,), (probs,) = draw(return_probs=True)
    assert torch.equal(kept_ids, expected) and torch.equal(probs, F.softmax(logits / temperature, -1))
    assert features.abs().max() > 0 and torch.equal(logits, features if head is None else head(features).detach())


def test_draw_categorical_matches_probabilities_and_rejects_non_probabilities():
    p = torch.tensor([0.5, 0.0, 0.2, 0.3])
    draws = draw_categorical(p.expand(40_000, 4).contiguous()).squeeze(1)
    freq = torch.bincount(draws, minlength=4).float() / len(draws)
    assert freq[1] == 0 and torch.allclose(freq, p, atol=0.01)
    with pytest.raises(ValueError, match="negative"):
        draw_categorical(torch.tensor([[0.6, -0.1, 0.5]]))
    with pytest.raises(ValueError, match="sum to 1"):
        draw_categorical(torch.tensor([[0.6, 0.6, 0.5]]))
    with pytest.raises(ValueError, match="NaN"):
        draw_categorical(torch.tensor([[float("nan"), 0.5, 0.5]]))


def test_gumbel_max_is_an_exact_sample_and_the_relaxation_keeps_its_argmax():
    logits = torch.tensor([1.0, 0.0, -1.0, 2.0])
    ids = gumbel_max(logits.expand(50_000, 4))
    assert torch.allclose(torch.bincount(ids, minlength=4).float() / 50_000, F.softmax(logits, -1), atol=0.01)
    noise = gumbel_noise((200, 4))
    for t in (0.1, 1.0, 5.0):
        y = gumbel_softmax(logits, t, noise=noise)
        assert torch.equal(y.argmax(-1), gumbel_max(logits, noise)) and torch.allclose(y.sum(-1), torch.ones(200))
    hard = gumbel_softmax(logits.requires_grad_(), 0.5, hard=True, noise=noise)
    assert set(hard.detach().unique().tolist()) == {0.0, 1.0}
    (hard * torch.arange(4.0)).sum().backward()
    assert logits.grad.abs().sum() > 0                   # straight-through: the relaxed gradient flows back


@pytest.mark.parametrize("t", [0, -0.5, float("nan"), float("inf")])
def test_every_sampler_rejects_a_temperature_that_is_not_positive(t):
    logits = torch.randn(3, 12)
    g = LSTMGenerator(12, emb_dim=4, hidden_dim=4, seq_len=5)
    vae = SentenceVAE(12, emb_dim=4, hidden_dim=4, latent_dim=2, seq_len=5)
    v = build_vocab(["a b c", "d e"])
    s2s = Seq2SeqGenerator(len(v), emb_dim=4, hidden_dim=4, seq_len=4)
    q = encode_batch(["a b"], v, 3)
    d = CNNDiscriminator(12, emb_dim=4, filter_sizes=(2,), num_filters=2)
    calls = [lambda: sample_logits(logits, t), lambda: gumbel_softmax(logits, t),
             lambda: decode_loop(lambda x, s: (logits, s), logits, None, 2, temperature=t),
             lambda: g.sample(2, temperature=t), lambda: g.sample_relaxed(2, temperature=t),
             lambda: vae.sample(2, temperature=t), lambda: s2s.generate(q, temperature=t),
             lambda: rollout_rewards(g, d, g.sample(2), temperature=t),
             lambda: temperature_schedule(1, 10, start=t), lambda: temperature_schedule(1, 10, end=t)]
    for call in calls:
        with pytest.raises(ValueError, match="temperature must be positive and finite"):
            call()


def test_decode_pads_after_eos_joins_rows_and_stops_when_done():
    eos, pad, V = 2, 0, 5
    logits = torch.full((3, V), -30.0)
    logits[:, eos] = 30.0                                 # every row writes <eos> at once
    step = lambda x, state: (state[: len(x)], state)     # noqa: E731
    words = decode_loop(step, logits, logits, 4, eos_id=eos, pad_id=pad)
    assert torch.stack(words, 1).tolist() == [[eos, pad, pad, pad]] * 3
    assert len(decode_loop(step, logits, logits, 4, eos_id=eos, pad_id=pad, stop_when_done=True)) == 1
    relaxed = torch.stack(decode_loop(step, logits, logits, 3, relaxed=True, temperature=0.5, eos_id=eos, pad_id=pad), 1)
    assert torch.equal(relaxed[:, 1:], F.one_hot(torch.full((3, 2), pad), V).float())   # exact <pad> one-hots
    already = decode_loop(step, logits, logits, 2, eos_id=eos, pad_id=pad, done=torch.tensor([True, False, False]))
    assert already[0].tolist() == [pad, eos, eos]

    def join(position, features, state, done):          # one new row before each position
        return torch.cat([features, logits[:1]]), state, done

    joined = decode_loop(lambda x, s: (torch.cat([logits[:1]] * len(x)), s), logits[:0], None, 3, greedy=True, join=join)
    assert [len(w) for w in joined] == [1, 2, 3]
    with pytest.raises(ValueError, match="both eos_id and pad_id"):
        decode_loop(step, logits, logits, 2, eos_id=eos)


def test_nan_logits_are_an_error_not_a_sample():
    with pytest.raises(FloatingPointError, match="NaN"):
        sample_logits(torch.full((2, 4), float("nan")))
