"""The conditional generator of the question-answer GAN: an encoder-decoder G(answer | question)
(notebook 08).

- :class:`Seq2SeqGenerator`: a GRU reads the question; a GRU decoder writes
  the answer word by word, starting from a summary of the question and, at every step,
  attending over the question's words (Luong-style attention, Bahdanau et al. 2015's
  idea). ``attention=False`` leaves only the summary (Sutskever et al. 2014).
- :func:`pretrain_seq2seq`: teacher-forced MLE (the one epoch loop of the text trainers);
  the adversarial fine-tuning and the conditional discriminator are in
  :mod:`gan_helpers.text.qa_gan`.

Shapes: questions and answers are LongTensors ``(batch, max_len + 1)``: words, ``<eos>``,
``<pad>`` (see :class:`~gan_helpers.text.QACorpus`); the special ids are :class:`Vocab`'s.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...common.checks import check_int, check_probability
from ...common.history import History
from ...common.records import keeps_settings
from ..core.sampling import check_temperature, decode_loop
from ..core.vocab import Vocab, check_ids, row_lengths, token_mask
from ..training.trainer import train_epochs

__all__ = ["Seq2SeqGenerator", "check_questions", "check_pairs", "pretrain_seq2seq", "answer_nll", "generate_answers",
           "question_dependence"]


def check_questions(q: torch.Tensor, vocab_size: int, name: str = "questions") -> torch.Tensor:
    """Question rows with ids in the vocabulary and at least one word each (notebook 08)."""
    check_ids(q, vocab_size, name)
    empty = (q[:, 0] == Vocab.pad_id) | (q[:, 0] == Vocab.eos_id)
    if bool(empty.any()):
        i = int(empty.nonzero()[0, 0])
        raise ValueError(f"{name} row {i} is empty (no word before <eos>): every question needs at least one word")
    return q


class Seq2SeqGenerator(nn.Module):
    """Encoder-decoder answer generator p(a | q) = prod_t p(a_t | a_<t, q) (notebook 08).

    ``seq_len`` is the length of an answer row (``max_len + 1``). ``<pad>`` and ``<bos>``
    are never generated (their logits are masked), so a sampled answer is words, ``<eos>``,
    then ``<pad>``. Question words outside the vocabulary must already be ``<unk>``. The special ids are
    :class:`Vocab`'s (``Vocab.pad_id``, ``bos_id``, ``eos_id``, ``unk_id``).
    """

    @keeps_settings
    def __init__(self, vocab_size: int, *, emb_dim: int = 64, hidden_dim: int = 96, seq_len: int = 21,
                 attention: bool = True, dropout: float = 0.1):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=5)
        self.seq_len = check_int(seq_len, "seq_len", minimum=2)
        self.attention = bool(attention)
        emb_dim, hidden_dim = check_int(emb_dim, "emb_dim"), check_int(hidden_dim, "hidden_dim")
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=Vocab.pad_id)   # shared by encoder and decoder
        self.encoder = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.bridge = nn.Linear(hidden_dim, hidden_dim)       # question summary -> decoder's first state
        self.decoder = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        if self.attention:
            self.keys = nn.Linear(hidden_dim, hidden_dim, bias=False)
            self.combine = nn.Linear(2 * hidden_dim, hidden_dim)
        self.dropout = nn.Dropout(check_probability(dropout, "dropout"))
        self.out = nn.Linear(hidden_dim, vocab_size)
        never = torch.zeros(vocab_size)
        never[[Vocab.pad_id, Vocab.bos_id]] = -1e9       # finite: a padded target times a 0 mask stays 0, never NaN
        self.register_buffer("never", never, persistent=False)

    def encode(self, q: torch.Tensor):
        """Encoder outputs ``(batch, len_q, hidden)``, the mask of real positions and the
        decoder's first state ``(1, batch, hidden)``."""
        check_questions(q, self.vocab_size)
        outputs = self.encoder(self.embedding(q))[0]
        # the state after <eos> summarises the question (later <pad> steps are ignored; no
        # packing needed for a one-directional GRU, and packing is slow on a CPU)
        last = outputs[torch.arange(len(q)), row_lengths(q) - 1]
        return outputs, q != Vocab.pad_id, torch.tanh(self.bridge(last))[None]

    def _attend(self, dec: torch.Tensor, enc) -> torch.Tensor:
        """Decoder outputs ``(batch, t, hidden)`` -> features: each attends over the question."""
        if not self.attention:
            return dec
        outputs, mask, _ = enc
        scores = dec @ self.keys(outputs).transpose(1, 2)                  # (batch, t, len_q)
        weights = scores.masked_fill(~mask[:, None, :], float("-inf")).softmax(-1)
        return torch.tanh(self.combine(torch.cat([dec, weights @ outputs], dim=-1)))

    def _project(self, feats: torch.Tensor) -> torch.Tensor:
        """Next-word logits from features; ``<pad>``/``<bos>`` pushed to -1e9 (never generated)."""
        return self.out(self.dropout(feats)) + self.never

    def _decode_teacher_forced(self, q: torch.Tensor, a: torch.Tensor):
        """Decoder features ``(batch, len_a, hidden)`` before the output layer."""
        check_ids(a, self.vocab_size, "answers")
        if len(a) != len(q):
            raise ValueError(f"{len(q)} questions but {len(a)} answers: give one answer per question")
        if a.shape[1] > self.seq_len:
            raise ValueError(f"answers have {a.shape[1]} positions but this generator's seq_len is {self.seq_len} "
                             f"(max_len {self.seq_len - 1} words + <eos>); drop longer answers or build a larger model")
        enc = self.encode(q)
        inputs = torch.cat([torch.full_like(a[:, :1], Vocab.bos_id), a[:, :-1]], dim=1)
        dec = self.decoder(self.dropout(self.embedding(inputs)), enc[2])[0]
        return self._attend(dec, enc)

    def forward(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """Teacher-forced next-word logits ``(batch, len_a, vocab)``: position t has read the
        question and a_<t."""
        return self._project(self._decode_teacher_forced(q, a))

    def log_probs(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """log p(a_t | a_<t, q) at each counted position ``(batch, len_a)``, 0 after ``<eos>``."""
        feats, mask = self._decode_teacher_forced(q, a), token_mask(a, Vocab.eos_id).bool()
        # the output layer (the costly part) only where a word counts: most rows end early
        logp = F.log_softmax(self._project(feats[mask]), dim=-1).gather(1, a[mask].unsqueeze(1)).squeeze(1)
        return torch.zeros(a.shape, dtype=logp.dtype, device=a.device).index_put((mask,), logp)

    def nll(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per counted answer token (nats): the MLE loss."""
        return -self.log_probs(q, a).sum() / token_mask(a, Vocab.eos_id).sum()

    def generate(self, q: torch.Tensor, *, temperature: float = 1.0, greedy: bool = False,
                 allow_unk: bool = False) -> torch.Tensor:
        """Answers ``(batch, seq_len)`` to questions ``q``: sampled from softmax(logits /
        temperature), or the most likely word at each step with ``greedy`` (notebook 08).
        ``<unk>`` is not a word, so by default it is never written (its probability is
        spread over the real words, like the unknown-word penalty of translation decoders).
        No gradient: REINFORCE scores these ids afterwards with :meth:`log_probs`. Dropout is
        off while generating (the model is put in eval mode and restored)."""
        temperature = check_temperature(temperature)
        was_training = self.training
        self.eval()
        with torch.no_grad():
            enc = self.encode(q)

            def step(words, state):
                dec, state = self.decoder(self.embedding(words[:, None]), state)
                logits = self._project(self._attend(dec, enc))[:, 0]
                if not allow_unk:
                    logits[:, Vocab.unk_id] = -1e9
                return logits, state

            features, state = step(torch.full((len(q),), Vocab.bos_id, dtype=torch.long, device=q.device), enc[2])
            words = decode_loop(step, features, state, self.seq_len, temperature=temperature, greedy=greedy,
                           eos_id=Vocab.eos_id, pad_id=Vocab.pad_id, stop_when_done=True)
            x = torch.stack(words, dim=1)
        self.train(was_training)
        return F.pad(x, (0, self.seq_len - x.shape[1]), value=Vocab.pad_id)


def check_pairs(generator, q: torch.Tensor, a: torch.Tensor) -> None:
    """Aligned question and answer rows that fit ``generator`` (notebook 08)."""
    check_questions(q, generator.vocab_size)
    check_ids(a, generator.vocab_size, "answers")
    if len(q) != len(a):
        raise ValueError(f"{len(q)} questions but {len(a)} answers: pass aligned pairs")
    if a.shape[1] != generator.seq_len:
        raise ValueError(f"answer rows have {a.shape[1]} positions but the generator's seq_len is {generator.seq_len}")


def answer_nll(generator, q: torch.Tensor, a: torch.Tensor, *, batch_size: int = 512) -> float:
    """Mean NLL per answer token (nats) of answers ``a`` given questions ``q`` (notebook 08)."""
    check_pairs(generator, q, a)
    was_training = generator.training
    generator.eval()
    total, count = 0.0, 0.0
    with torch.no_grad():
        for qb, ab in zip(q.split(batch_size), a.split(batch_size)):
            total += float(-generator.log_probs(qb, ab).sum())
            count += float(token_mask(ab, Vocab.eos_id).sum())
    generator.train(was_training)
    return total / count


def pretrain_seq2seq(generator, q: torch.Tensor, a: torch.Tensor, *, num_epochs: int = 30, batch_size: int = 32,
                     lr: float = 3e-3, grad_clip: float = 5.0, val: tuple | None = None, patience: int | None = None,
                     heldout: tuple | None = None, progress: bool = True, desc: str = "MLE") -> History:
    """Teacher-forced MLE training of ``generator`` on pairs ``(q, a)`` (notebook 08): Adam on
    minibatches of the answer NLL, gradients clipped to ``grad_clip``. The history logs
    ``train_nll`` per epoch; with ``val=(q_val, a_val)`` also ``val_nll``, and with
    ``patience`` training stops once ``val_nll`` has not improved for that many epochs,
    keeping the weights of the best epoch (``history.best_step``; epoch 0 is the untrained
    model). ``heldout=(q_test, a_test)`` logs ``heldout_nll``, only watched, never used to
    choose anything. Raises if the loss becomes NaN."""
    check_pairs(generator, q, a)
    for name, pair in (("val", val), ("heldout", heldout)):
        if pair is not None:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{name} must be a (questions, answers) pair of id tensors, e.g. "
                                f"(corpus.val_q, corpus.val_a)")
            check_pairs(generator, *pair)
    if patience is not None and val is None:
        raise ValueError("early stopping (patience) needs a validation split: pass val=(corpus.val_q, corpus.val_a) "
                         "from load_qa_corpus(val_fraction=...)")

    def batch_loss(idx):
        loss = generator.nll(q[idx], a[idx])
        return loss, {"train_nll": (loss.item(), float(token_mask(a[idx], Vocab.eos_id).sum()))}

    def evaluate(epoch: int) -> dict:
        scores = {"val_nll": answer_nll(generator, *val)} if val is not None else {}
        return {**scores, **({"heldout_nll": answer_nll(generator, *heldout)} if heldout is not None else {})}

    stop = {"monitor": "val_nll", "patience": patience} if patience is not None else {}
    return train_epochs(generator, batch_loss, len(q), num_epochs=num_epochs, batch_size=batch_size, lr=lr,
                        grad_clip=grad_clip, evaluate=evaluate if val is not None or heldout is not None else None,
                        progress=progress, desc=desc, method="seq2seq MLE", **stop)


def generate_answers(generator, q: torch.Tensor, vocab, *, greedy: bool = True, temperature: float = 1.0,
                     batch_size: int = 512) -> list[list[str]]:
    """Answers to questions ``q`` as token lists (``<eos>``/``<pad>`` removed), greedy by
    default (notebook 08). ``temperature`` (> 0) is used when ``greedy=False``."""
    temperature = check_temperature(temperature)
    ids = torch.cat([generator.generate(qb, temperature=temperature, greedy=greedy) for qb in q.split(batch_size)])
    return [vocab.to_tokens(row) for row in ids.tolist()]


def question_dependence(generator, q: torch.Tensor, a: torch.Tensor, *, seed: int = 0) -> dict[str, float]:
    """Does the generator listen to the question? (notebook 08; the "common pitfall" check).

    Returns the NLL per token of each real answer given its own question, and given a
    question drawn from the others (a fixed random permutation with no fixed point). A
    generator that ignores the question gives both the same value; a conditional one
    finds real answers much more likely after the right question."""
    check_pairs(generator, q, a)
    if len(q) < 2:
        raise ValueError("question_dependence needs at least 2 pairs to shuffle the questions")
    g = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    perm = torch.randperm(len(q), generator=g)
    shift = 1 + int(torch.randint(len(q) - 1, (1,), generator=g))
    other = perm.roll(shift)[perm.argsort()]        # maps i to a different index, never i itself
    own = answer_nll(generator, q, a)
    shuffled = answer_nll(generator, q[other], a)
    return {"own question": own, "another question": shuffled, "gap": shuffled - own}
