"""A conditional text GAN: encoder-decoder generator G(answer | question) and a conditional
discriminator D(question, answer) (notebook 08).

- :class:`Seq2SeqGenerator`: a GRU reads the question; a GRU decoder writes
  the answer word by word, starting from a summary of the question and, at every step,
  attending over the question's words (Luong-style attention, Bahdanau et al. 2015's
  idea). ``attention=False`` leaves only the summary (Sutskever et al. 2014).
- :class:`QADiscriminator`: two GRUs read the question and the answer; an MLP on both
  summaries (and their product and difference) gives one logit. It is trained on three
  kinds of pairs: real (label 1), generated (0) and *mismatched* real pairs, a real answer
  to another question (0). The third kind is what makes D conditional: without it, D could
  score fluent answers as real whatever was asked (Reed et al. 2016's matching-aware D).
- :func:`pretrain_seq2seq`: teacher-forced MLE; :func:`train_qa_gan`: adversarial
  fine-tuning with REINFORCE, one reward per answer (D's probability that the pair is
  real, minus the batch mean as baseline), interleaved with MLE steps on real pairs
  ("teacher forcing", as in Li et al. 2017's adversarial dialogue generation), which keeps
  the generator anchored to real answers.

Shapes: questions and answers are LongTensors ``(batch, max_len + 1)``: words, ``<eos>``,
``<pad>`` (see :class:`~gan_helpers.text.QACorpus`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..utils import check_int, check_positive, check_probability, progress_bar
from .models import check_ids, check_temperature, draw_categorical

__all__ = ["Seq2SeqGenerator", "QADiscriminator", "Seq2SeqHistory", "pretrain_seq2seq", "answer_nll",
           "generate_answers", "QAGANConfig", "QAGANHistory", "qa_discriminator_loss", "qa_discriminator_step",
           "qa_generator_step", "train_qa_gan", "pair_accuracy", "question_dependence"]

PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3


def _check_questions(q: torch.Tensor, vocab_size: int, name: str = "questions") -> torch.Tensor:
    check_ids(q, vocab_size, name)
    empty = (q[:, 0] == PAD_ID) | (q[:, 0] == EOS_ID)
    if bool(empty.any()):
        i = int(empty.nonzero()[0, 0])
        raise ValueError(f"{name} row {i} is empty (no word before <eos>): every question needs at least one word")
    return q


def _lengths(x: torch.Tensor) -> torch.Tensor:
    """Positions up to and including ``<eos>`` (rows are words, ``<eos>``, then ``<pad>``), at least 1."""
    return (x != PAD_ID).sum(1).clamp_min(1)


def _token_mask(x: torch.Tensor) -> torch.Tensor:
    """1.0 up to and including the first ``<eos>``, 0.0 after it."""
    is_eos = (x == EOS_ID).long()
    return ((is_eos.cumsum(1) - is_eos) == 0).float()


class Seq2SeqGenerator(nn.Module):
    """Encoder-decoder answer generator p(a | q) = prod_t p(a_t | a_<t, q) (notebook 08).

    ``seq_len`` is the length of an answer row (``max_len + 1``). ``<pad>`` and ``<bos>``
    are never generated (their logits are masked), so a sampled answer is words, ``<eos>``,
    then ``<pad>``. Question words outside the vocabulary must already be ``<unk>`` (id 3).
    """

    def __init__(self, vocab_size: int, *, emb_dim: int = 64, hidden_dim: int = 96, seq_len: int = 21,
                 attention: bool = True, dropout: float = 0.1):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=5)
        self.seq_len = check_int(seq_len, "seq_len", minimum=2)
        self.attention = bool(attention)
        emb_dim, hidden_dim = check_int(emb_dim, "emb_dim"), check_int(hidden_dim, "hidden_dim")
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD_ID)   # shared by encoder and decoder
        self.encoder = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.bridge = nn.Linear(hidden_dim, hidden_dim)       # question summary -> decoder's first state
        self.decoder = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        if self.attention:
            self.keys = nn.Linear(hidden_dim, hidden_dim, bias=False)
            self.combine = nn.Linear(2 * hidden_dim, hidden_dim)
        self.dropout = nn.Dropout(check_probability(dropout, "dropout"))
        self.out = nn.Linear(hidden_dim, vocab_size)
        never = torch.zeros(vocab_size)
        never[[PAD_ID, BOS_ID]] = -1e9       # finite: a padded target times a 0 mask stays 0, never NaN
        self.register_buffer("never", never, persistent=False)

    def encode(self, q: torch.Tensor):
        """Encoder outputs ``(batch, len_q, hidden)``, the mask of real positions and the
        decoder's first state ``(1, batch, hidden)``."""
        _check_questions(q, self.vocab_size)
        outputs = self.encoder(self.embedding(q))[0]
        # the state after <eos> summarises the question (later <pad> steps are ignored; no
        # packing needed for a one-directional GRU, and packing is slow on a CPU)
        last = outputs[torch.arange(len(q)), _lengths(q) - 1]
        return outputs, q != PAD_ID, torch.tanh(self.bridge(last))[None]

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
        inputs = torch.cat([torch.full_like(a[:, :1], BOS_ID), a[:, :-1]], dim=1)
        dec = self.decoder(self.dropout(self.embedding(inputs)), enc[2])[0]
        return self._attend(dec, enc)

    def forward(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """Teacher-forced next-word logits ``(batch, len_a, vocab)``: position t has read the
        question and a_<t."""
        return self._project(self._decode_teacher_forced(q, a))

    def log_probs(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """log p(a_t | a_<t, q) at each counted position ``(batch, len_a)``, 0 after ``<eos>``."""
        feats, mask = self._decode_teacher_forced(q, a), _token_mask(a).bool()
        # the output layer (the costly part) only where a word counts: most rows end early
        logp = F.log_softmax(self._project(feats[mask]), dim=-1).gather(1, a[mask].unsqueeze(1)).squeeze(1)
        return torch.zeros(a.shape, dtype=logp.dtype, device=a.device).index_put((mask,), logp)

    def nll(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per counted answer token (nats): the MLE loss."""
        return -self.log_probs(q, a).sum() / _token_mask(a).sum()

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
            state = enc[2]
            tok = torch.full((len(q), 1), BOS_ID, dtype=torch.long, device=q.device)
            done = torch.zeros(len(q), dtype=torch.bool, device=q.device)
            out = []
            for _ in range(self.seq_len):
                dec, state = self.decoder(self.embedding(tok), state)
                logits = self._project(self._attend(dec, enc))[:, 0]
                if not allow_unk:
                    logits[:, UNK_ID] = -1e9
                tok = logits.argmax(-1, keepdim=True) if greedy else \
                    draw_categorical(F.softmax(logits / temperature, -1))
                tok = tok.masked_fill(done[:, None], PAD_ID)             # after <eos> only <pad>
                out.append(tok)
                done = done | (tok[:, 0] == EOS_ID)
                if bool(done.all()):
                    break
            x = torch.cat(out, dim=1)
        self.train(was_training)
        return F.pad(x, (0, self.seq_len - x.shape[1]), value=PAD_ID)


class QADiscriminator(nn.Module):
    """Conditional discriminator D(q, a): one logit per pair, D = sigmoid(logit) (notebook 08).

    A question GRU and an answer GRU (shared word embeddings) each summarise their sentence
    by the state after its ``<eos>``; an MLP reads [h_q, h_a, h_q * h_a, |h_q - h_a|], the
    product and difference being what lets it judge whether the two *fit together*.
    """

    def __init__(self, vocab_size: int, *, emb_dim: int = 64, hidden_dim: int = 64, dropout: float = 0.2):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=5)
        emb_dim, hidden_dim = check_int(emb_dim, "emb_dim"), check_int(hidden_dim, "hidden_dim")
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD_ID)
        self.q_rnn = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.a_rnn = nn.GRU(emb_dim, hidden_dim, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(4 * hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Dropout(check_probability(dropout, "dropout")), nn.Linear(hidden_dim, 1))

    def _summary(self, x: torch.Tensor, rnn: nn.GRU) -> torch.Tensor:
        return rnn(self.embedding(x))[0][torch.arange(len(x)), _lengths(x) - 1]     # the state after <eos>

    def forward(self, q: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        _check_questions(q, self.vocab_size)
        check_ids(a, self.vocab_size, "answers")
        if len(a) != len(q):
            raise ValueError(f"{len(q)} questions but {len(a)} answers: D scores (question, answer) pairs")
        hq, ha = self._summary(q, self.q_rnn), self._summary(a, self.a_rnn)
        return self.mlp(torch.cat([hq, ha, hq * ha, (hq - ha).abs()], dim=1)).squeeze(1)


def _check_pairs(generator, q: torch.Tensor, a: torch.Tensor) -> None:
    _check_questions(q, generator.vocab_size)
    check_ids(a, generator.vocab_size, "answers")
    if len(q) != len(a):
        raise ValueError(f"{len(q)} questions but {len(a)} answers: pass aligned pairs")
    if a.shape[1] != generator.seq_len:
        raise ValueError(f"answer rows have {a.shape[1]} positions but the generator's seq_len is {generator.seq_len}")


@dataclass
class Seq2SeqHistory:
    """Per-epoch mean training NLL and (if held-out pairs were given) held-out NLL, nats per
    answer token, of :func:`pretrain_seq2seq` (notebook 08)."""

    train_nll: list[float] = field(default_factory=list)
    heldout_nll: list[float] = field(default_factory=list)
    seconds: float = 0.0


def answer_nll(generator, q: torch.Tensor, a: torch.Tensor, *, batch_size: int = 512) -> float:
    """Mean NLL per answer token (nats) of answers ``a`` given questions ``q`` (notebook 08)."""
    _check_pairs(generator, q, a)
    was_training = generator.training
    generator.eval()
    total, count = 0.0, 0.0
    with torch.no_grad():
        for qb, ab in zip(q.split(batch_size), a.split(batch_size)):
            total += float(-generator.log_probs(qb, ab).sum())
            count += float(_token_mask(ab).sum())
    generator.train(was_training)
    return total / count


def pretrain_seq2seq(generator, q: torch.Tensor, a: torch.Tensor, *, num_epochs: int = 30, batch_size: int = 32,
                     lr: float = 3e-3, grad_clip: float = 5.0, heldout: tuple | None = None,
                     progress: bool = True, desc: str = "MLE") -> Seq2SeqHistory:
    """Teacher-forced MLE training of ``generator`` on pairs ``(q, a)`` (notebook 08): Adam on
    minibatches of the answer NLL, gradients clipped to ``grad_clip``, for a fixed number of
    epochs (the corpus is too small to spare a validation split for early stopping).
    ``heldout=(q_test, a_test)`` records the held-out NLL after each epoch (it is only
    watched, never used to choose anything). Raises if the loss becomes NaN."""
    _check_pairs(generator, q, a)
    num_epochs, batch_size = check_int(num_epochs, "num_epochs"), check_int(batch_size, "batch_size")
    lr, grad_clip = check_positive(lr, "lr"), check_positive(grad_clip, "grad_clip")
    opt = torch.optim.Adam(generator.parameters(), lr=lr)
    history, start = Seq2SeqHistory(), time.perf_counter()
    bar = progress_bar(range(1, num_epochs + 1), desc=desc, enabled=progress)
    for epoch in bar:
        generator.train()
        total, count = 0.0, 0.0
        for idx in torch.randperm(len(q)).split(batch_size):
            loss = generator.nll(q[idx], a[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(f"the MLE loss became {loss.item()} in epoch {epoch}: lower lr (now {lr})")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(generator.parameters(), grad_clip)
            opt.step()
            tokens = float(_token_mask(a[idx]).sum())
            total, count = total + loss.item() * tokens, count + tokens
        history.train_nll.append(total / count)
        if heldout is not None:
            history.heldout_nll.append(answer_nll(generator, *heldout))
        bar.set_postfix(train=f"{history.train_nll[-1]:.3f}")
    generator.eval()
    history.seconds = time.perf_counter() - start
    return history


def generate_answers(generator, q: torch.Tensor, vocab, *, greedy: bool = True, temperature: float = 1.0,
                     batch_size: int = 512) -> list[list[str]]:
    """Answers to questions ``q`` as token lists (``<eos>``/``<pad>`` removed), greedy by
    default (notebook 08). ``temperature`` (> 0) is used when ``greedy=False``."""
    temperature = check_temperature(temperature)
    ids = torch.cat([generator.generate(qb, temperature=temperature, greedy=greedy) for qb in q.split(batch_size)])
    return [vocab.to_tokens(row) for row in ids.tolist()]


@dataclass(frozen=True)
class QAGANConfig:
    """Settings of adversarial fine-tuning (notebook 08). Each of ``num_steps`` rounds draws
    ``batch_size`` training pairs and the generator's sampled answers to the same
    questions; the generator takes one step on ``pg_weight`` times the REINFORCE loss plus
    ``mle_weight`` times the MLE loss of the real answers (teacher forcing, Li et al. 2017),
    then D one step on the same batch. ``pg_weight=0`` is the control: MLE continued for
    the same updates, no D. ``d_pretrain_steps`` train D against the starting generator."""

    num_steps: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    pg_weight: float = 1.0
    mle_weight: float = 1.0
    temperature: float = 1.0
    d_lr: float = 1e-3
    d_pretrain_steps: int = 200
    grad_clip: float = 5.0

    def __post_init__(self):
        for name in ("num_steps", "batch_size"):
            check_int(getattr(self, name), name)
        check_int(self.d_pretrain_steps, "d_pretrain_steps", minimum=0)
        for name in ("lr", "d_lr", "grad_clip"):
            check_positive(getattr(self, name), name)
        for name in ("pg_weight", "mle_weight"):
            check_positive(getattr(self, name), name, allow_zero=True)
        if self.pg_weight == 0 and self.mle_weight == 0:
            raise ValueError("pg_weight and mle_weight are both 0: the generator would not learn anything")
        check_temperature(self.temperature)


@dataclass
class QAGANHistory:
    """Per round: the mean reward D(q, a_sampled) of the batch and D's loss; and D's loss
    while it was pretrained (notebook 08). Empty for the MLE control."""

    reward: list[float] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    d_pretrain_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _mismatched(a: torch.Tensor) -> torch.Tensor:
    """Each answer moved to the next question of the batch: real answers to other questions
    (a batch drawn with replacement may rarely hold one question twice; that pair is noise)."""
    return a.roll(1, dims=0)


def qa_discriminator_loss(discriminator, q: torch.Tensor, a_real: torch.Tensor, a_fake: torch.Tensor) -> torch.Tensor:
    """D's loss on three kinds of pairs (notebook 08): BCE(D(q, a_real), 1) plus the mean of
    BCE(D(q, a_fake), 0) and BCE(D(q, a_other), 0), where a_other is a real answer to
    another question of the batch. The mismatched pairs teach D to check the *fit*."""
    bce = F.binary_cross_entropy_with_logits
    real = discriminator(q, a_real)
    fake = discriminator(q, a_fake)
    other = discriminator(q, _mismatched(a_real))
    return bce(real, torch.ones_like(real)) + 0.5 * (bce(fake, torch.zeros_like(fake)) +
                                                     bce(other, torch.zeros_like(other)))


def qa_discriminator_step(discriminator, q, a_real, a_fake, optimizer) -> float:
    """One discriminator update on real pairs, generated answers to the same questions and
    mismatched pairs (notebook 08). Returns the loss."""
    discriminator.train()
    loss = qa_discriminator_loss(discriminator, q, a_real, a_fake)
    if not torch.isfinite(loss):
        raise FloatingPointError(f"the discriminator loss became {loss.item()}; lower d_lr")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    discriminator.eval()
    return loss.item()


def qa_generator_step(generator, discriminator, q, a_real, a_fake, optimizer, config: QAGANConfig) -> float:
    """One generator update (notebook 08): REINFORCE with the reward D(q, a_fake) for the
    whole sampled answer, minus the batch mean (baseline), plus ``mle_weight`` times the
    MLE loss of the real answers. Returns the mean reward."""
    discriminator.eval()
    with torch.no_grad():
        reward = torch.sigmoid(discriminator(q, a_fake))                   # (batch,)
    # (the samples never hold <unk>, see generate; their log-probability is taken under the
    # full softmax, a small bias accepted for readable answers)
    generator.train()
    advantage = (reward - reward.mean())[:, None]                          # one reward for every word
    pg_loss = -(advantage * generator.log_probs(q, a_fake)).sum() / _token_mask(a_fake).sum()
    _descend(generator, config.pg_weight * pg_loss + config.mle_weight * generator.nll(q, a_real), optimizer, config)
    return float(reward.mean())


def _mle_step(generator, q, a, optimizer, config: QAGANConfig) -> None:
    generator.train()
    _descend(generator, config.mle_weight * generator.nll(q, a), optimizer, config)


def _descend(generator, loss: torch.Tensor, optimizer, config: QAGANConfig) -> None:
    """One clipped optimizer step on ``loss``; a NaN/inf loss stops training with advice."""
    if not torch.isfinite(loss):
        raise FloatingPointError(f"the generator loss became {loss.item()}; lower lr (now {config.lr})")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(generator.parameters(), config.grad_clip)
    optimizer.step()
    generator.eval()


def train_qa_gan(generator, discriminator, q: torch.Tensor, a: torch.Tensor, *, config: QAGANConfig = QAGANConfig(),
                 progress: bool = True, desc: str = "QA-GAN") -> QAGANHistory:
    """Adversarial fine-tuning of ``generator`` in place on training pairs ``(q, a)``
    (notebook 08): ``d_pretrain_steps`` discriminator updates against the starting
    generator, then ``num_steps`` rounds of :func:`qa_generator_step` and
    :func:`qa_discriminator_step` on one minibatch each. With ``config.pg_weight == 0``
    only the MLE steps run (``discriminator`` may be None): the control run."""
    _check_pairs(generator, q, a)
    adversarial = config.pg_weight > 0
    if adversarial and (discriminator is None or discriminator.vocab_size != generator.vocab_size):
        raise ValueError("pass a QADiscriminator built with the generator's vocab_size (the corpus's len(vocab))")
    g_opt = torch.optim.Adam(generator.parameters(), lr=config.lr)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=config.d_lr) if adversarial else None
    history, start = QAGANHistory(), time.perf_counter()
    generator.eval()
    if adversarial and config.d_pretrain_steps:
        # the generator does not move while D is pretrained: answer every training question once
        fakes = torch.cat([generator.generate(qb, temperature=config.temperature) for qb in q.split(512)])
        for _ in progress_bar(range(config.d_pretrain_steps), desc="D pretraining", enabled=progress):
            idx = torch.randint(len(q), (config.batch_size,))
            history.d_pretrain_loss.append(qa_discriminator_step(discriminator, q[idx], a[idx], fakes[idx], d_opt))
    for _ in progress_bar(range(config.num_steps), desc=desc, enabled=progress):
        idx = torch.randint(len(q), (config.batch_size,))
        if not adversarial:
            _mle_step(generator, q[idx], a[idx], g_opt, config)
            continue
        fake = generator.generate(q[idx], temperature=config.temperature)
        history.reward.append(qa_generator_step(generator, discriminator, q[idx], a[idx], fake, g_opt, config))
        history.d_loss.append(qa_discriminator_step(discriminator, q[idx], a[idx], fake, d_opt))
    history.seconds = time.perf_counter() - start
    return history


def pair_accuracy(discriminator, q: torch.Tensor, a_real: torch.Tensor, a_other: torch.Tensor) -> float:
    """Fraction of pairs where D scores the real answer above ``a_other`` (another answer to
    the same question: generated, or a real answer to a different question) (notebook 08).
    0.5 is chance."""
    if not (len(q) == len(a_real) == len(a_other)) or len(q) == 0:
        raise ValueError("pair_accuracy needs the same non-zero number of questions, real and other answers")
    discriminator.eval()
    with torch.no_grad():
        return float((discriminator(q, a_real) > discriminator(q, a_other)).float().mean())


def question_dependence(generator, q: torch.Tensor, a: torch.Tensor, *, seed: int = 0) -> dict[str, float]:
    """Does the generator listen to the question? (notebook 08; the "common pitfall" check).

    Returns the NLL per token of each real answer given its own question, and given a
    question drawn from the others (a fixed random permutation with no fixed point). A
    generator that ignores the question gives both the same value; a conditional one
    finds real answers much more likely after the right question."""
    _check_pairs(generator, q, a)
    if len(q) < 2:
        raise ValueError("question_dependence needs at least 2 pairs to shuffle the questions")
    g = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0))
    perm = torch.randperm(len(q), generator=g)
    shift = 1 + int(torch.randint(len(q) - 1, (1,), generator=g))
    other = perm.roll(shift)[perm.argsort()]        # maps i to a different index, never i itself
    own = answer_nll(generator, q, a)
    shuffled = answer_nll(generator, q[other], a)
    return {"own question": own, "another question": shuffled, "gap": shuffled - own}
