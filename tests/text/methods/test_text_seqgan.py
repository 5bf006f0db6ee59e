import copy

import pytest
import torch

from gan_helpers.text import (CNNDiscriminator, LSTMGenerator, SeqGANConfig, continue_mle,
                              policy_gradient_loss, prefix_states, rollout_completions, rollout_rewards, train_seqgan,
                              update_rollout_net)



@pytest.fixture(scope="module")
def data(tiny_oracle):
    return tiny_oracle


def tiny_models(vocab=12, seq_len=6, **kw):
    g = LSTMGenerator(vocab, emb_dim=8, hidden_dim=8, seq_len=seq_len, **kw)
    d = CNNDiscriminator(vocab, emb_dim=8, filter_sizes=(2, 3), num_filters=4)
    return g, d


def test_prefix_states_match_the_lstm_run_on_the_whole_sentence():
    g, _ = tiny_models()
    x = g.sample(5)
    hs, cs = prefix_states(g, x)
    assert hs.shape == cs.shape == (6, 5, 8)
    assert torch.allclose(hs.transpose(0, 1), g.hidden_states(x), atol=1e-6)   # entry t has read x_<t


def test_rollouts_keep_their_prefix_and_are_batched_by_prefix_length():
    g, _ = tiny_models()
    x = g.sample(3)
    out = rollout_completions(g, x, num_rollouts=4, temperature=1.0)
    assert out.shape == (5 * 4 * 3, 6)
    blocks = out.view(5, 4, 3, 6)                            # (prefix length - 1, rollout, sentence, position)
    for t in range(1, 6):
        assert torch.equal(blocks[t - 1, :, :, :t], x[:, :t].expand(4, 3, t))
    assert not torch.equal(blocks[0, 0], blocks[0, 1])       # rollouts differ after the prefix


def test_rollout_continuations_follow_the_rollout_policy():
    """The first sampled token after a prefix has the distribution p(x_t | x_<t)."""
    torch.manual_seed(1)
    g, _ = tiny_models(vocab=5)
    x = g.sample(1)
    out = rollout_completions(g, x, num_rollouts=20_000, temperature=1.0)
    first_after_prefix2 = out.view(5, 20_000, 1, 6)[1, :, 0, 2]
    empirical = torch.bincount(first_after_prefix2, minlength=5).float() / 20_000
    assert torch.allclose(empirical, g.next_token_probs(x)[0, 2], atol=0.015)


def test_reward_shapes_range_and_last_token_is_d_of_the_sentence():
    g, d = tiny_models()
    x = g.sample(7)
    r = rollout_rewards(g, d, x, num_rollouts=3)
    assert r.shape == (7, 6) and bool(((r > 0) & (r < 1)).all())
    d.eval()
    assert torch.allclose(r[:, -1], torch.sigmoid(d(x)), atol=1e-6)


def test_rewards_are_zero_after_eos_on_real_text():
    g, d = tiny_models(eos_id=2, pad_id=0)
    x = torch.tensor([[5, 2, 0, 0, 0, 0], [4, 5, 6, 7, 8, 2]])
    r = rollout_rewards(g, d, x, num_rollouts=2)
    assert torch.equal(r[0, 2:], torch.zeros(4)) and bool((r[1] > 0).all())
    out = rollout_completions(g, x, 2, 1.0).view(5, 2, 2, 6)
    assert bool((out[1:, :, 0, 2:] == 0).all())             # prefixes holding <eos>: only <pad> follows


def test_rollout_network_delayed_update():
    g, _ = tiny_models()
    roll = copy.deepcopy(g)
    with torch.no_grad():
        for p in g.parameters():
            p.add_(1.0)
    before = [p.clone() for p in roll.parameters()]
    update_rollout_net(roll, g, rate=0.8)
    for b, p_roll, p_gen in zip(before, roll.parameters(), g.parameters()):
        assert torch.allclose(p_roll, 0.8 * b + 0.2 * p_gen, atol=1e-6)
    update_rollout_net(roll, g, rate=0.0)
    assert all(torch.equal(a, b) for a, b in zip(roll.parameters(), g.parameters()))


def test_policy_gradient_raises_the_probability_of_rewarded_tokens():
    torch.manual_seed(0)
    g, _ = tiny_models()
    opt = torch.optim.Adam(g.parameters(), lr=0.05)
    before = g.next_token_probs(g.sample(1))[0, 0, 3].item()
    for _ in range(30):
        x = g.sample(64)
        rewards = (x[:, :1] == 3).float().expand_as(x).contiguous()   # reward sentences starting with token 3
        opt.zero_grad()
        policy_gradient_loss(g, x, rewards).backward()
        opt.step()
    after = g.next_token_probs(g.sample(1))[0, 0, 3].item()
    assert after > before + 0.3


def test_baseline_removes_a_constant_offset():
    g, _ = tiny_models()
    x = g.sample(8)
    r = torch.rand(8, 6)
    assert torch.allclose(policy_gradient_loss(g, x, r), policy_gradient_loss(g, x, r + 5.0), atol=1e-5)
    assert not torch.allclose(policy_gradient_loss(g, x, r, baseline=False),
                              policy_gradient_loss(g, x, r + 5.0, baseline=False))


def test_train_seqgan_and_continue_mle_record_curves(data):
    g, d = tiny_models()
    cfg = SeqGANConfig(num_steps=4, batch_size=16, num_rollouts=2, eval_every=2, eval_samples=50, d_steps=1)
    curve = train_seqgan(g, d, data.train, oracle=data.oracle, test=data.test, config=cfg, progress=False)
    assert curve.steps == [0, 2, 4] and len(curve["nll_oracle"]) == len(curve["nll_test"]) == 3
    assert len(curve.reward) == len(curve.g_loss) == 4 and len(curve.d_loss) == 4 and curve.temperature == []
    mle = continue_mle(g, data.train, oracle=data.oracle, test=data.test, config=cfg, progress=False)
    assert mle.steps == [0, 2, 4] and mle.as_row()["method"] == "MLE continued" and mle.d_loss == []
    assert set(mle.as_row()) == {"method", "steps", "NLL-oracle start", "NLL-oracle end", "NLL-test start",
                                 "NLL-test end", "seconds"}


def test_bad_inputs_give_clear_errors():
    g, d = tiny_models()
    x = g.sample(4)
    with pytest.raises(ValueError, match="temperature"):
        rollout_rewards(g, d, x, temperature=0)
    with pytest.raises(ValueError, match="vocabulary"):
        rollout_rewards(g, CNNDiscriminator(13, filter_sizes=(2,)), x)
    with pytest.raises(ValueError, match="rewards"):
        policy_gradient_loss(g, x, torch.zeros(4, 5))
    with pytest.raises(ValueError, match="rate"):
        update_rollout_net(g, g, rate=1.5)
    with pytest.raises(ValueError, match="vocabulary"):
        update_rollout_net(g, LSTMGenerator(13, seq_len=6))
    with pytest.raises(ValueError, match="num_rollouts"):
        SeqGANConfig(num_rollouts=0)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        rollout_rewards(g, d, torch.full((2, 6), 12))
