import pytest
import torch

from gan_helpers.text import (REWARD_ARMS, ArmsConfig, LSTMGenerator, arm_advantages, discriminator_epochs,
                              discriminator_report, entropy_per_token, leave_one_out, oracle_rollout_rewards,
                              seqgan_discriminator, train_reward_arms)
from gan_helpers.text.core.oracle import OracleConfig, oracle_data


def tiny_gen(vocab=12, seq_len=6):
    return LSTMGenerator(vocab, emb_dim=8, hidden_dim=8, seq_len=seq_len)


def tiny_disc(vocab=12):
    from gan_helpers.text import CNNDiscriminator
    return CNNDiscriminator(vocab, emb_dim=8, filter_sizes=(2, 3), num_filters=4)


def test_seqgan_discriminator_has_the_papers_widths_scaled():
    d = seqgan_discriminator(50, emb_dim=8, scale=0.1)
    assert d.filter_sizes == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20]
    assert sum(c.out_channels for c in d.convs) == 172 and d.highway is not None
    with pytest.raises(ValueError, match="scale"):
        seqgan_discriminator(50, scale=0)


def test_discriminator_epochs_mix_labels_and_learn(tiny_oracle):
    torch.manual_seed(0)
    d = tiny_disc()
    opt = torch.optim.Adam(d.parameters(), lr=1e-2)
    real, fake = tiny_oracle.train[:256], torch.zeros(256, 6, dtype=torch.long)     # trivially separable fakes
    losses = discriminator_epochs(d, opt, real, fake, epochs=3, batch_size=64)
    assert len(losses) == 3 * 512 // 64 and losses[-1] < losses[0]
    assert not d.training
    with pytest.raises(ValueError, match="positions"):
        discriminator_epochs(d, opt, real, fake[:, :5])
    with pytest.raises(ValueError, match="l2"):
        discriminator_epochs(d, opt, real, fake, l2=-1)


def test_report_and_entropy(tiny_oracle):
    torch.manual_seed(0)
    g, d = tiny_gen(), tiny_disc()
    r = discriminator_report(d, g, tiny_oracle.oracle, train=tiny_oracle.train, heldout=tiny_oracle.val,
                             num_samples=100)
    assert set(r) == {"d_train_acc", "d_heldout_acc", "d_corr_oracle"} and 0 <= r["d_heldout_acc"] <= 1
    h1, h_cool = entropy_per_token(g, num_samples=200), entropy_per_token(g, num_samples=200, temperature=0.3)
    assert 0 < h_cool < h1 <= torch.log(torch.tensor(12.0)) + 1e-5
    with pytest.raises(ValueError, match="temperature"):
        entropy_per_token(g, temperature=0)


def test_leave_one_out_and_arm_names():
    r = torch.tensor([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])
    assert torch.allclose(leave_one_out(r), torch.tensor([[-3.0, 0.0], [0.0, 0.0], [3.0, 0.0]]))
    assert torch.equal(arm_advantages("discriminator", r), r)
    assert torch.equal(arm_advantages("oracle", r), leave_one_out(r))
    with pytest.raises(ValueError, match="unknown reward arm 'cosntant'"):
        arm_advantages("cosntant", r)
    with pytest.raises(ValueError, match="batch >= 2"):
        leave_one_out(r[:1])


def test_oracle_rewards_end_with_the_sentences_own_loglik(tiny_oracle):
    g = tiny_gen()
    x = g.sample(3)
    q = oracle_rollout_rewards(g, tiny_oracle.oracle, x, num_rollouts=2)
    assert q.shape == x.shape
    assert torch.allclose(q[:, -1], tiny_oracle.oracle.log_probs(x).mean(1))
    with pytest.raises(ValueError, match="num_rollouts"):
        oracle_rollout_rewards(g, tiny_oracle.oracle, x, num_rollouts=0)


def test_all_arms_train_side_by_side(tiny_oracle):
    torch.manual_seed(0)
    cfg = ArmsConfig(num_steps=2, batch_size=8, num_rollouts=2, d_round_size=32, eval_every=1, eval_samples=50)
    gens = {}
    hist = train_reward_arms(tiny_gen(), tiny_oracle, discriminator=tiny_disc(), config=cfg, progress=False,
                             generators=gens)
    assert list(hist) == list(REWARD_ARMS) and set(gens) == set(REWARD_ARMS)
    for arm, h in hist.items():
        assert h.steps == [0, 1, 2] and {"nll_oracle", "nll_test", "entropy"} <= set(h.metrics)
    assert "d_heldout_acc" in hist["discriminator"].metrics and len(hist["discriminator_loo"].d_loss) == 2
    assert hist["constant"]["reward"].tolist() == [1.0, 1.0]


def test_bad_arms_and_settings(tiny_oracle):
    g = tiny_gen()
    with pytest.raises(ValueError, match="unknown reward arm"):
        train_reward_arms(g, tiny_oracle, arms=["seqgan"], progress=False)
    with pytest.raises(ValueError, match="include 'discriminator'"):
        train_reward_arms(g, tiny_oracle, arms=["permuted"], discriminator=tiny_disc(), progress=False)
    with pytest.raises(ValueError, match="pretrained discriminator"):
        train_reward_arms(g, tiny_oracle, arms=["discriminator"], progress=False)
    with pytest.raises(ValueError, match="num_rollouts"):
        ArmsConfig(num_rollouts=0)
    with pytest.raises(ValueError, match="lr"):
        ArmsConfig(lr=-1)
    other = oracle_data(OracleConfig(vocab_size=10, seq_len=6, emb_dim=4, hidden_dim=4, num_train=50, num_val=20,
                                     num_test=20))
    with pytest.raises(ValueError, match="vocab"):
        train_reward_arms(g, other, arms=["mle"], progress=False)
