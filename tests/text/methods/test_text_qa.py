"""Notebook 08: the chatterbot loader, the split by question, baselines, BLEU, the
encoder-decoder generator, the conditional discriminator and bad inputs."""
import importlib.util

import pytest
import torch

from gan_helpers.text import (QAGANConfig, QADiscriminator, Seq2SeqGenerator, Vocab, answer_nll, answer_table,
                              build_vocab, corpus_bleu, encode_batch, encode_questions, evaluate_answers,
                              generate_answers, load_qa_corpus, load_qa_pairs, pair_accuracy, paired_bleu_difference,
                              pretrain_seq2seq,
                              qa_discriminator_loss, question_dependence, random_answers, retrieval_answers,
                              split_by_question, train_qa_gan)
from gan_helpers.text.core import qa_data as qa_module

MAX_LEN = 6


@pytest.fixture(scope="module")
def corpus():
    return load_qa_corpus(max_len=MAX_LEN)


def tiny_vocab():
    return build_vocab(["what is red", "what is blue", "the sky", "a rose", "i like it"])


def toy_pairs():
    """Two questions, two different answers: a conditional generator must tell them apart."""
    v = tiny_vocab()
    q = encode_batch(["what is red", "what is blue"] * 16, v, 4)
    a = encode_batch(["a rose", "the sky"] * 16, v, 4)
    return v, q, a


def tiny_generator(v, **kw):
    return Seq2SeqGenerator(len(v), emb_dim=8, hidden_dim=16, seq_len=5, **kw)


# ---- data -----------------------------------------------------------------------------------

def test_loader_reads_pairs_and_filters_categories():
    pairs = load_qa_pairs(["greetings", "ai"])
    assert {p.category for p in pairs} == {"greetings", "ai"}
    assert ("Hello", "Hi") in {(p.question, p.answer) for p in pairs}
    assert len(set(pairs)) == len(pairs)                          # deduplicated
    with pytest.raises(ValueError, match="unknown categories.*klingon"):
        load_qa_pairs(["klingon"])


def test_missing_package_names_the_install_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(qa_module.importlib.util, "find_spec",
                        lambda name, *a: None if name == "chatterbot_corpus" else real(name, *a))
    with pytest.raises(ModuleNotFoundError, match="pip install chatterbot-corpus"):
        load_qa_pairs()


def test_split_is_by_question_and_reproducible():
    pairs = load_qa_pairs(["ai", "emotion", "greetings"])
    train, test = split_by_question(pairs, test_fraction=0.3, seed=1)
    key = qa_module._key
    assert not {key(p.question) for p in train} & {key(p.question) for p in test}
    assert len(train) + len(test) == len(pairs)
    assert split_by_question(pairs, test_fraction=0.3, seed=1) == (train, test)
    assert split_by_question(pairs, test_fraction=0.3, seed=2) != (train, test)
    with pytest.raises(ValueError, match="test_fraction"):
        split_by_question(pairs, test_fraction=1.0)


def test_corpus_tensors_and_vocabulary_from_training_side_only(corpus):
    assert corpus.train_q.shape == corpus.train_a.shape and corpus.train_q.shape[1] == MAX_LEN + 1
    assert corpus.test_q.shape == (len(corpus.test_questions), MAX_LEN + 1)
    assert len(corpus.test_refs) == len(corpus.test_questions) and all(corpus.test_refs)
    assert corpus.dropped > 0                                       # long pairs were dropped, and counted
    assert all(len(a) <= MAX_LEN for refs in corpus.test_refs for a in refs)
    train_words = {w for s in corpus.train_questions + corpus.train_answers for w in s}
    assert set(corpus.vocab.itos[4:]) == train_words
    q, a = corpus.test_pairs()
    assert len(q) == len(a) == sum(map(len, corpus.test_refs))


def test_validation_split_is_by_question_and_leaves_the_test_set_alone(corpus):
    assert corpus.val_q is None and corpus.val_questions is None               # no validation split unless asked
    with_val = load_qa_corpus(max_len=MAX_LEN, val_fraction=0.2)
    assert with_val.test_questions == corpus.test_questions and with_val.test_refs == corpus.test_refs
    assert len(with_val.val_q) == len(with_val.val_a) > 0
    assert len(with_val.train_q) + len(with_val.val_q) == len(corpus.train_q)
    val_questions = {tuple(q) for q in with_val.val_questions}
    assert len(with_val.val_questions) == len(with_val.val_q)
    assert not val_questions & {tuple(q) for q in with_val.train_questions}     # no validation question in training
    assert not val_questions & {tuple(q) for q in with_val.test_questions}
    assert set(with_val.vocab.itos[4:]) == {w for s in with_val.train_questions + with_val.train_answers for w in s}
    with pytest.raises(ValueError, match="val_fraction must be below 1"):
        load_qa_corpus(max_len=MAX_LEN, val_fraction=1.0)


# ---- baselines and metrics ------------------------------------------------------------------

def test_baselines(corpus):
    rand = random_answers(corpus, seed=3)
    assert rand == random_answers(corpus, seed=3) and len(rand) == len(corpus.test_questions)
    assert all(a in corpus.train_answers for a in rand)
    # retrieval of a training question returns the first answer given to that question
    q = corpus.train_questions[5]
    first = corpus.train_answers[corpus.train_questions.index(q)]
    assert retrieval_answers(corpus, [q]) == [first]


def test_corpus_bleu_with_a_variable_number_of_references():
    refs = [[["the", "sky", "is", "blue", "today"]], [["no", "."], ["i", "like", "red", "roses", "a", "lot"]]]
    score, signature = corpus_bleu([["the", "sky", "is", "blue", "today"], ["i", "like", "red", "roses", "a", "lot"]],
                                   refs)
    assert score == pytest.approx(100.0)
    assert "nrefs:var" in signature and "tok:none" in signature
    assert corpus_bleu([["zzz"], ["yyy"]], refs)[0] == 0.0
    with pytest.raises(ValueError, match="one of each per question"):
        corpus_bleu([["a"]], refs)


def test_paired_bleu_difference(corpus):
    rand, retr = random_answers(corpus), retrieval_answers(corpus)
    out = paired_bleu_difference(retr, rand, corpus.test_refs, seed=1)
    exact = corpus_bleu(retr, corpus.test_refs)[0] - corpus_bleu(rand, corpus.test_refs)[0]
    assert out["difference"] == pytest.approx(exact)
    assert out["low"] <= out["difference"] <= out["high"] and 0 <= out["share_above_0"] <= 1
    assert paired_bleu_difference(retr, rand, corpus.test_refs, seed=1) == out         # seeded: repeats
    same = paired_bleu_difference(rand, rand, corpus.test_refs)
    assert same["difference"] == same["low"] == same["high"] == 0                        # paired: the shared part cancels
    with pytest.raises(ValueError, match="one answer per question"):
        paired_bleu_difference(retr[:3], rand, corpus.test_refs)
    with pytest.raises(ValueError, match="level must be strictly between 0 and 1"):
        paired_bleu_difference(retr, rand, corpus.test_refs, level=1.0)


def test_evaluate_and_answer_table(corpus):
    answers = {"random": random_answers(corpus), "retrieval": retrieval_answers(corpus)}
    table = evaluate_answers(answers, corpus.test_refs)
    assert list(table.index) == ["random", "retrieval"]
    assert {"BLEU", "distinct-1", "distinct-2"} <= set(table.columns)
    rows = answer_table(corpus, answers, num_rows=4)
    assert len(rows) == 4 and list(rows.columns) == ["question", "reference", "random", "retrieval"]
    with pytest.raises(ValueError, match="answers for"):
        answer_table(corpus, {"short": answers["random"][:3]})


# ---- models -----------------------------------------------------------------------------------

@pytest.mark.parametrize("attention", [True, False])
def test_generator_shapes_masks_and_gradients(attention):
    v, q, a = toy_pairs()
    g = tiny_generator(v, attention=attention)
    assert g(q, a).shape == (len(q), 5, len(v))
    logp = g.log_probs(q, a)
    after_eos = torch.arange(5)[None] > (a == v.eos_id).long().argmax(1, keepdim=True)
    assert (logp[after_eos] == 0).all() and (logp[~after_eos] < 0).all()
    g.nll(q, a).backward()
    assert all(p.grad is not None for n, p in g.named_parameters())
    out = g.generate(q[:8], temperature=0.7)
    assert out.shape == (8, 5)
    assert not ((out == v.bos_id) | (out == v.unk_id)).any()        # <bos>/<unk> are never written
    is_eos = (out == v.eos_id).long()
    assert (out[(is_eos.cumsum(1) - is_eos) > 0] == v.pad_id).all()  # only <pad> after <eos>
    assert torch.equal(g.generate(q[:8], greedy=True), g.generate(q[:8], greedy=True))


def test_generator_learns_to_answer_depending_on_the_question():
    torch.manual_seed(0)
    v, q, a = toy_pairs()
    g = tiny_generator(v, dropout=0.0)
    history = pretrain_seq2seq(g, q, a, num_epochs=40, batch_size=16, lr=2e-2, heldout=(q, a), progress=False)
    assert history["train_nll"][-1] < 0.1 and len(history["heldout_nll"]) == 40 and history.steps[0] == 1
    answers = generate_answers(g, q[:2], v)
    assert answers == [["a", "rose"], ["the", "sky"]]
    dep = question_dependence(g, q, a)
    assert dep["gap"] > 1.0 and dep["own question"] == pytest.approx(answer_nll(g, q, a))


def test_early_stopping_on_a_validation_split():
    torch.manual_seed(0)
    v, q, a = toy_pairs()
    g = tiny_generator(v, dropout=0.0)
    history = pretrain_seq2seq(g, q, a, num_epochs=6, batch_size=16, lr=2e-2, val=(q[:8], a[:8]), patience=2,
                               heldout=(q, a), progress=False)
    assert history.steps[0] == 0 and history.best_step is not None
    assert history["val_nll"][history.steps.index(history.best_step)] == min(history["val_nll"])
    assert answer_nll(g, q[:8], a[:8]) == pytest.approx(min(history["val_nll"]))         # the best epoch's weights
    with pytest.raises(ValueError, match="needs a validation split: pass val="):
        pretrain_seq2seq(g, q, a, num_epochs=1, patience=2, progress=False)
    with pytest.raises(TypeError, match="val must be a \\(questions, answers\\) pair"):
        pretrain_seq2seq(g, q, a, num_epochs=1, val=q, patience=2, progress=False)


def test_discriminator_and_adversarial_fine_tuning():
    torch.manual_seed(0)
    v, q, a = toy_pairs()
    g, d = tiny_generator(v), QADiscriminator(len(v), emb_dim=8, hidden_dim=8)
    assert d(q, a).shape == (len(q),)
    loss = qa_discriminator_loss(d, q, a, g.generate(q))
    loss.backward()
    assert torch.isfinite(loss) and all(p.grad is not None for p in d.parameters())
    before = [p.detach().clone() for p in g.parameters()]
    history = train_qa_gan(g, d, q, a, config=QAGANConfig(num_steps=3, batch_size=8, d_pretrain_steps=2),
                           progress=False)
    assert len(history.reward) == 3 and len(history.d_loss) == 3 and len(history.d_pretrain_loss) == 2
    assert any(not torch.equal(b, p) for b, p in zip(before, g.parameters()))
    assert 0.0 <= pair_accuracy(d, q, a, a.roll(1, 0)) <= 1.0
    # the control: MLE only, no discriminator needed
    control = train_qa_gan(g, None, q, a, config=QAGANConfig(num_steps=2, batch_size=8, pg_weight=0.0),
                           progress=False)
    assert control.reward == [] and control.d_loss == []


def test_qa_gan_and_its_control_see_the_same_batches(monkeypatch):
    # the control differs from the GAN by the adversarial term only: same seed, same batches
    import gan_helpers.text.methods.qa_gan as qa_gan

    v, q, a = toy_pairs()
    seen = {"gan": [], "control": []}
    real_gan_step, real_mle_step = qa_gan.qa_generator_step, qa_gan._mle_step
    monkeypatch.setattr(qa_gan, "qa_generator_step", lambda g, d, qb, *rest: seen["gan"].append(qb.clone())
                        or real_gan_step(g, d, qb, *rest))
    monkeypatch.setattr(qa_gan, "_mle_step", lambda g, qb, *rest: seen["control"].append(qb.clone())
                        or real_mle_step(g, qb, *rest))
    torch.manual_seed(3)
    train_qa_gan(tiny_generator(v), QADiscriminator(len(v), emb_dim=8, hidden_dim=8), q, a, progress=False,
                 config=QAGANConfig(num_steps=4, batch_size=8, d_pretrain_steps=3, batch_seed=5))
    torch.manual_seed(4)        # whatever else drew from the global generator
    train_qa_gan(tiny_generator(v), None, q, a, progress=False,
                 config=QAGANConfig(num_steps=4, batch_size=8, pg_weight=0.0, batch_seed=5))
    assert len(seen["gan"]) == len(seen["control"]) == 4
    assert all(torch.equal(x, y) for x, y in zip(seen["gan"], seen["control"]))
    assert not all(torch.equal(seen["gan"][0], x) for x in seen["gan"][1:])      # and the batches do change


# ---- bad inputs -------------------------------------------------------------------------------

def test_empty_question_is_an_error():
    v = tiny_vocab()
    with pytest.raises(ValueError, match="question 1 is empty"):
        encode_questions(["what is red", "  "], v, 4)
    g = tiny_generator(v)
    empty = torch.tensor([[v.eos_id, 0, 0, 0, 0]])
    with pytest.raises(ValueError, match="row 0 is empty"):
        g.generate(empty)


def test_question_of_unknown_words_maps_to_unk_and_is_answered():
    v = tiny_vocab()
    q = encode_questions(["zorblax quuxly"], v, 4)
    assert q[0].tolist() == [v.unk_id, v.unk_id, v.eos_id, v.pad_id, v.pad_id]
    g = tiny_generator(v)
    assert g.generate(q).shape == (1, 5)


def test_too_long_question_or_answer_names_the_length():
    v = tiny_vocab()
    with pytest.raises(ValueError, match="question 0 has 5 words but max_len is 4"):
        encode_questions(["what is red what is"], v, 4)
    with pytest.raises(ValueError, match="has 5 words but max_len is 4"):
        encode_batch(["a rose a rose a"], v, 4)
    _, q, _ = toy_pairs()
    long_answers = torch.full((len(q), 9), v.eos_id)
    with pytest.raises(ValueError, match="answers have 9 positions but this generator's seq_len is 5"):
        tiny_generator(v).nll(q, long_answers)


@pytest.mark.parametrize("temperature", [0, -1.0])
def test_temperature_must_be_positive(temperature):
    v, q, _ = toy_pairs()
    g = tiny_generator(v)
    with pytest.raises(ValueError, match=f"temperature must be positive and finite, got {temperature}"):
        g.generate(q, temperature=temperature)
    with pytest.raises(ValueError, match="temperature must be positive"):
        generate_answers(g, q, v, greedy=False, temperature=temperature)
    with pytest.raises(ValueError, match="temperature must be positive"):
        QAGANConfig(temperature=temperature)


def test_config_and_pair_validation():
    with pytest.raises(ValueError, match="both 0"):
        QAGANConfig(pg_weight=0.0, mle_weight=0.0)
    v, q, a = toy_pairs()
    with pytest.raises(ValueError, match="32 questions but 31 answers"):
        pretrain_seq2seq(tiny_generator(v), q, a[:31], num_epochs=1, progress=False)
    with pytest.raises(ValueError, match="QADiscriminator"):
        train_qa_gan(tiny_generator(v), None, q, a, config=QAGANConfig(num_steps=1), progress=False)
    assert isinstance(v, Vocab)
