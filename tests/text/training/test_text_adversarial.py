"""The one history, the one update, the epoch loop and the one text-GAN loop, and the bad
inputs every adversarial method shares (NaN losses, ids out of range, rows of another length)."""
import math

import pytest
import torch

from gan_helpers import History
from gan_helpers.text import (CNNDiscriminator, GANConfig, GumbelGANConfig, LSTMGenerator,
                              QAGANConfig, QADiscriminator, Schedule, Seq2SeqGenerator, SeqGANConfig, build_vocab,
                              continue_mle, descend, encode_batch, gumbel_discriminator_step,
                              run_discriminator, train_adversarial, train_discriminator, train_epochs, train_gumbel_gan,
                              train_qa_gan, train_seqgan)



@pytest.fixture(scope="module")
def data(tiny_oracle):
    return tiny_oracle


def test_the_loop_follows_its_schedule_and_records_one_history():
    calls = {"g": [], "d": [], "eval": []}

    def g_step(step):
        calls["g"].append(step)
        return {"g_loss": 1.0 / step, "reward": 0.5, "temperature": 2.0}

    def d_step(step):
        calls["d"].append(step)
        return 0.7

    def evaluate(step):
        calls["eval"].append(step)
        return {"nll_test": float(step)}

    h = train_adversarial(g_step, d_step, schedule=Schedule(7, d_steps=3, d_every=2, eval_every=3),
                          evaluate=evaluate, method="toy", progress=False)
    assert calls["g"] == list(range(1, 8)) and calls["d"] == [2, 2, 2, 4, 4, 4, 6, 6, 6]
    assert calls["eval"] == h.steps == [0, 3, 6, 7] and h["nll_test"].tolist() == [0.0, 3.0, 6.0, 7.0]
    assert len(h.g_loss) == len(h.reward) == len(h.temperature) == 7 and h.d_loss == pytest.approx([0.7] * 3)
    assert h.method == "toy" and h.seconds >= 0
    assert h.as_row()["NLL-test end"] == 7.0 and h.as_row()["steps"] == 7


def test_nan_or_inf_stops_the_loop_naming_the_step_and_the_quantity():
    ok = lambda step: {"g_loss": 1.0}                                   # noqa: E731
    with pytest.raises(FloatingPointError, match=r"toy generator step: the reward became nan at step 3"):
        train_adversarial(lambda s: {"g_loss": 1.0, "reward": math.nan if s == 3 else 0.5},
                          schedule=Schedule(5), desc="toy", progress=False)
    with pytest.raises(FloatingPointError, match=r"toy discriminator step: the discriminator loss became inf at step 2"):
        train_adversarial(ok, lambda s: math.inf if s == 2 else 1.0, schedule=Schedule(5), desc="toy", progress=False)
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)

    def exploding(step):
        return {"g_loss": descend(w.sum() * (math.inf if step == 4 else 1.0), opt, what="toy loss")}

    with pytest.raises(FloatingPointError, match=r"toy generator step, step 4: the toy loss became"):
        train_adversarial(exploding, schedule=Schedule(5), desc="toy", progress=False)
    with pytest.raises(KeyError, match="reports any of"):
        train_adversarial(lambda s: {"loss": 1.0}, schedule=Schedule(1), progress=False)
    with pytest.raises(FloatingPointError, match="pretraining: the discriminator loss became nan at step 2"):
        run_discriminator(lambda i: math.nan if i == 2 else 1.0, 3, desc="pretraining")


class NaNDiscriminator(CNNDiscriminator):
    """A discriminator whose verdicts are NaN: every adversarial loop must stop and say where."""

    def forward(self, x):
        return super().forward(x) * math.nan


class NaNQADiscriminator(QADiscriminator):
    def forward(self, q, a):
        return super().forward(q, a) * math.nan


def test_every_adversarial_method_stops_on_nan_naming_step_and_loss(data):
    g = LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=6)
    d = NaNDiscriminator(12, emb_dim=8, filter_sizes=(2, 3), num_filters=4)
    with pytest.raises(FloatingPointError, match="SeqGAN generator step, step 1: the rewards hold NaN"):
        train_seqgan(g, d, data.train, oracle=data.oracle, test=data.test, progress=False,
                     config=SeqGANConfig(num_steps=2, batch_size=8, num_rollouts=2, eval_samples=20))
    with pytest.raises(FloatingPointError, match=r"Gumbel GAN generator step, step 1: the generator loss -log D\(y\)"):
        train_gumbel_gan(g, d, data.train, oracle=data.oracle, test=data.test, progress=False,
                         config=GumbelGANConfig(num_steps=2, batch_size=8, eval_samples=20))
    v = build_vocab(["what is red", "what is blue", "a rose", "the sky"])
    q, a = encode_batch(["what is red", "what is blue"] * 4, v, 4), encode_batch(["a rose", "the sky"] * 4, v, 4)
    s2s = Seq2SeqGenerator(len(v), emb_dim=8, hidden_dim=8, seq_len=5)
    with pytest.raises(FloatingPointError, match="D pretraining, step 1: the discriminator loss"):
        train_qa_gan(s2s, NaNQADiscriminator(len(v), emb_dim=8, hidden_dim=8), q, a, progress=False,
                     config=QAGANConfig(num_steps=2, batch_size=4, d_pretrain_steps=2))
    with pytest.raises(FloatingPointError, match="QA-GAN generator step, step 1: the generator loss became nan"):
        train_qa_gan(s2s, NaNQADiscriminator(len(v), emb_dim=8, hidden_dim=8), q, a, progress=False,
                     config=QAGANConfig(num_steps=2, batch_size=4, d_pretrain_steps=0))
    broken = LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=6)
    with torch.no_grad():
        broken.out.bias.fill_(math.nan)
    with pytest.raises(FloatingPointError, match="MLE evaluation, step 0: the model's next-word probabilities hold NaN"):
        continue_mle(broken, data.train, oracle=data.oracle, test=data.test, progress=False,
                     config=GANConfig(num_steps=2, eval_samples=20))


def test_discriminators_reject_ids_out_of_range_and_rows_of_another_length(data):
    g = LSTMGenerator(12, emb_dim=8, hidden_dim=8, seq_len=6)
    d = CNNDiscriminator(12, emb_dim=8, filter_sizes=(2, 3), num_filters=4)
    opt = torch.optim.Adam(d.parameters())
    for bad in (torch.full((20, 6), 12), torch.full((20, 6), -1)):
        with pytest.raises(ValueError, match="outside the vocabulary of 12 ids"):
            gumbel_discriminator_step(d, g, bad, opt, temperature=1.0, batch_size=4)
        with pytest.raises(ValueError, match="outside the vocabulary of 12 ids"):
            train_discriminator(d, bad, data.train, num_steps=1, batch_size=4)
    with pytest.raises(ValueError, match="rows have 5 positions but the model's seq_len is 6"):
        gumbel_discriminator_step(d, g, data.train[:, :5], opt, temperature=1.0, batch_size=4)
    with pytest.raises(ValueError, match="real rows have 5 positions but fake rows 6"):
        train_discriminator(d, data.train[:, :5], lambda n: g.sample(n), num_steps=1, batch_size=4)
    with pytest.raises(ValueError, match="real rows have 6 positions but fake rows 5"):
        train_discriminator(d, data.train, data.val[:, :5], num_steps=1, batch_size=4)


def test_history_logs_metrics_backfills_nan_and_names_what_is_missing():
    h = History("x")
    h.log(0, val_nll=5.0)
    h.log(1, train_nll=4.0, val_nll=4.5)
    assert h.steps == [0, 1] and math.isnan(h["train_nll"][0]) and h["val_nll"].tolist() == [5.0, 4.5]
    h.log(2, train_nll=3.0)
    assert math.isnan(h["val_nll"][2])
    with pytest.raises(KeyError, match="no 'nll_test'"):
        h["nll_test"]
    with pytest.raises(ValueError, match="no best_step"):
        h.best("val_nll")
    assert History(**h.as_dict()).steps == h.steps and History(**h.as_dict()).metrics.keys() == h.metrics.keys()


def test_train_epochs_keeps_the_best_epoch_and_names_the_epoch_of_a_nan():
    w = torch.nn.Linear(1, 1)
    target = iter([3.0, 2.0, 2.5, 2.6, 2.7, 2.8])          # validation: best at epoch 1 (2.0), then worse
    h = train_epochs(w, lambda idx: (w(torch.ones(len(idx), 1)).pow(2).mean(), {"train": (1.0, len(idx))}), 8,
                     num_epochs=6, batch_size=4, lr=0.1, grad_clip=1.0, evaluate=lambda e: {"val": next(target)},
                     monitor="val", patience=2, progress=False)
    assert h.steps == [0, 1, 2, 3] and h.best_step == 1 and h.stopped_early and h.best("val") == 2.0
    assert math.isnan(h["train"][0]) and h["train"][1:].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(FloatingPointError, match=r"the toy loss became nan.*epoch 1"):
        train_epochs(w, lambda idx: (w.weight.sum() * math.nan, {}), 8, num_epochs=2, batch_size=4, lr=0.1,
                     grad_clip=1.0, progress=False, desc="toy")
    with pytest.raises(ValueError, match="monitor and patience together"):
        train_epochs(w, None, 8, num_epochs=1, batch_size=4, lr=0.1, grad_clip=1.0, monitor="val")


def test_schedule_and_config_validation():
    with pytest.raises(ValueError, match="d_every must be at least 1"):
        Schedule(5, d_every=0)
    with pytest.raises(TypeError, match="schedule must be a Schedule"):
        train_adversarial(lambda s: {}, schedule=5)
    with pytest.raises(ValueError, match="num_rollouts"):
        SeqGANConfig(num_rollouts=0)
    with pytest.raises(ValueError, match="tau_end must be positive"):
        GumbelGANConfig(tau_end=0.0)
    assert GumbelGANConfig(d_steps=3, d_every=2).schedule() == Schedule(30, d_steps=3, d_every=2, eval_every=5)
