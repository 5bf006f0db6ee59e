import pytest
import torch

from gan_helpers.text import (BOS, EOS, PAD, UNK, TextCorpus, Vocab, build_vocab, encode_batch, load_review_corpus,
                              tokenize)


def test_tokenize_keeps_the_reviews_tokenization():
    review = "it's a run-of-the-mill thriller , but it works . . . "
    assert tokenize(review) == ["it's", "a", "run-of-the-mill", "thriller", ",", "but", "it", "works", ".", ".", "."]
    assert tokenize("Great FILM!!") == ["great", "film", "!!"]
    with pytest.raises(TypeError, match="expects a string"):
        tokenize(["a", "b"])


def test_vocab_specials_cap_order_and_round_trip():
    vocab = build_vocab(["b a a", "c a b", "d"], max_size=6)
    assert vocab.itos == [PAD, BOS, EOS, UNK, "a", "b"]          # by frequency, capped at 6 ids in all
    assert (vocab.pad_id, vocab.bos_id, vocab.eos_id, vocab.unk_id) == (0, 1, 2, 3)
    ids = vocab.encode("a b c")
    assert ids == [4, 5, vocab.unk_id, vocab.eos_id]
    assert vocab.decode(ids) == "a b <unk>"
    assert vocab.decode([4, 5, 2, 4, 0]) == "a b"                 # stops at <eos>
    assert vocab.decode([1, 4, 0, 5]) == "a b"                    # skips <bos> and <pad>
    full = build_vocab(["the cat sat", "the dog"])
    assert full.decode(full.encode("the dog sat")) == "the dog sat"
    ties = build_vocab(["z y x"])
    assert ties.itos[4:] == ["x", "y", "z"]                       # ties broken alphabetically: reproducible


def test_vocab_bad_input_names_the_value():
    vocab = build_vocab(["a b"])
    with pytest.raises(ValueError, match=r"token id 9 is outside the vocabulary \(valid ids: 0 to 5\)"):
        vocab.decode([4, 9])
    with pytest.raises(ValueError, match="token id -1"):
        vocab.decode(torch.tensor([-1]))
    with pytest.raises(ValueError, match="empty sentence"):
        vocab.encode("   ")
    with pytest.raises(ValueError, match="has 3 words but max_len is 2"):
        vocab.encode("a b a", max_len=2)
    with pytest.raises(ValueError, match="empty corpus"):
        build_vocab([])
    with pytest.raises(ValueError, match="empty corpus"):
        build_vocab(["", "  "])
    with pytest.raises(ValueError, match="max_size must be at least 5"):
        build_vocab(["a"], max_size=4)
    with pytest.raises(ValueError, match="must start with"):
        Vocab(["a", "b", "c", "d"])


def test_encode_batch_pads_after_eos():
    vocab = build_vocab(["a b c"])
    x = encode_batch(["a b", "c"], vocab, max_len=3)
    assert x.dtype == torch.long and x.shape == (2, 4)
    assert x.tolist() == [[4, 5, 2, 0], [6, 2, 0, 0]]
    with pytest.raises(ValueError, match="corpus is empty"):
        encode_batch([], vocab, 3)
    with pytest.raises(ValueError, match="has 4 words but max_len is 3"):
        encode_batch(["a b c a"], vocab, 3)


@pytest.fixture(scope="module")
def corpus():
    return load_review_corpus(max_len=12, max_vocab=300)


def test_review_corpus_shapes_vocab_and_round_trip(corpus):
    assert isinstance(corpus, TextCorpus) and len(corpus.vocab) == 300 and corpus.seq_len == 13
    assert corpus.dropped > 5000                                  # most reviews are longer than 12 words
    for part in (corpus.train, corpus.val, corpus.test):
        assert part.dtype == torch.long and part.shape[1] == 13 and len(part) > 100
        assert ((part == corpus.vocab.eos_id).sum(1) == 1).all()  # exactly one <eos> per row
    assert len(corpus.train) > 3 * len(corpus.test)
    sentence = corpus.texts(corpus.train[:1])[0]
    assert sentence and "<eos>" not in sentence and "<pad>" not in sentence
    assert 0 < corpus.unk_rate("val") < 0.6 and corpus.unk_rate("train") < corpus.unk_rate("val")
    assert corpus.tokens(corpus.train[:1])[0] == sentence.split()


def test_review_corpus_is_reproducible(corpus):
    again = load_review_corpus(max_len=12, max_vocab=300)
    assert torch.equal(again.train, corpus.train) and again.vocab.itos == corpus.vocab.itos
    with pytest.raises(ValueError, match="max_len must be at least 1"):
        load_review_corpus(max_len=0)
