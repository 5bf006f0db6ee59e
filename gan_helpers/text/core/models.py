"""Text generators and discriminators.

Introduced in notebook 05 (the LSTM generator, the CNN discriminator that reads one-hot or
soft inputs); the same classes serve SeqGAN (06), the Gumbel-softmax GAN (07) and the
side-by-side comparison (11). The oracle of notebook 06 is an :class:`LSTMGenerator` too.

Shapes: a batch of sentences is a LongTensor ``(batch, seq_len)`` of ids; a batch of
relaxed (soft) sentences is a FloatTensor ``(batch, seq_len, vocab_size)`` whose rows sum
to 1. Discriminators return one logit per sentence; D(x) = sigmoid(logit).
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ...common.checks import check_int, check_probability
from ...common.records import keeps_settings
from .metrics import sequence_nll
from .sampling import check_temperature, decode_loop
from .vocab import check_ids, token_mask

__all__ = ["LSTMGenerator", "CNNDiscriminator", "check_same_vocab", "check_special_ids", "SEQGAN_FILTER_SIZES",
           "SEQGAN_NUM_FILTERS"]

# The discriminator of SeqGAN (Yu et al. 2017, appendix): 12 filter widths, 1,720 filters in all.
SEQGAN_FILTER_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20)
SEQGAN_NUM_FILTERS = (100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160)


def check_same_vocab(*models: nn.Module) -> int:
    """Raise unless every model has the same ``vocab_size``; return it (notebook 05)."""
    sizes = {type(m).__name__ + f"#{i}": m.vocab_size for i, m in enumerate(models)}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"models disagree on the vocabulary size: {sizes}; build them with the same vocab_size")
    return next(iter(sizes.values()))


def check_special_ids(vocab_size: int, start_id: int, eos_id: int | None, pad_id: int | None) -> None:
    """The start, ``<eos>`` and ``<pad>`` ids of a text model lie in its vocabulary, and
    ``<eos>``/``<pad>`` come together (real text) or not at all (oracle data) (notebook 05)."""
    for name, i in (("start_id", start_id), ("eos_id", eos_id), ("pad_id", pad_id)):
        if i is not None and not 0 <= i < vocab_size:
            raise ValueError(f"{name}={i} is outside the vocabulary of {vocab_size} ids")
    if (eos_id is None) != (pad_id is None):
        raise ValueError("give both eos_id and pad_id (real text) or neither (fixed-length oracle data)")


class LSTMGenerator(nn.Module):
    """An LSTM language model p(x) = prod_t p(x_t | x_<t) (notebook 05).

    The first input is ``start_id`` (``<bos>`` for real text, token 0 for the oracle, as in
    SeqGAN). For real text give ``eos_id`` and ``pad_id``: positions after the first
    ``<eos>`` are then ``<pad>`` when sampling and do not count in the likelihood.
    """

    @keeps_settings
    def __init__(self, vocab_size: int, *, emb_dim: int = 32, hidden_dim: int = 32, seq_len: int = 20,
                 start_id: int = 0, eos_id: int | None = None, pad_id: int | None = None):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=2)
        self.seq_len = check_int(seq_len, "seq_len")
        check_special_ids(vocab_size, start_id, eos_id, pad_id)
        self.start_id, self.eos_id, self.pad_id = start_id, eos_id, pad_id
        self.embedding = nn.Embedding(vocab_size, check_int(emb_dim, "emb_dim"))
        self.lstm = nn.LSTM(emb_dim, check_int(hidden_dim, "hidden_dim"), batch_first=True)
        self.out = nn.Linear(hidden_dim, vocab_size)

    @classmethod
    def for_data(cls, data, **kwargs) -> "LSTMGenerator":
        """A generator sized for a data set's rows (notebook 05): its vocabulary, row length and
        start, ``<eos>`` and ``<pad>`` ids (``data.row_format()`` of a review corpus or oracle data)."""
        return cls(**data.row_format(), **kwargs)

    def _start(self, n: int) -> torch.Tensor:
        return torch.full((n, 1), self.start_id, dtype=torch.long, device=self.out.weight.device)

    def hidden_states(self, x: torch.Tensor) -> torch.Tensor:
        """Teacher-forced LSTM outputs ``(batch, len, hidden)``: position t has read x_<t."""
        check_ids(x, self.vocab_size)
        if x.shape[1] > self.seq_len:
            raise ValueError(f"sequences have {x.shape[1]} positions but this generator's seq_len is {self.seq_len}")
        inputs = torch.cat([self._start(len(x)), x[:, :-1]], dim=1)
        return self.lstm(self.embedding(inputs))[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Teacher-forced next-token logits ``(batch, len, vocab)``: position t sees x_<t."""
        return self.out(self.hidden_states(x))

    def token_mask(self, x: torch.Tensor) -> torch.Tensor:
        """1.0 at positions that count (up to and including the first ``<eos>``), else 0.0."""
        return token_mask(x, self.eos_id)

    def log_probs(self, x: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """log p(x_t | x_<t) at each counted position ``(batch, len)``, 0 after ``<eos>``.
        ``temperature`` scores ``x`` under the model sampled at that temperature (notebook 11)."""
        temperature = check_temperature(temperature)
        h, mask = self.hidden_states(x), self.token_mask(x).bool()
        if bool(mask.all()):
            return F.log_softmax(self.out(h) / temperature, dim=-1).gather(2, x.unsqueeze(2)).squeeze(2)
        # the output layer only at counted positions: padding after <eos> costs nothing
        logp = F.log_softmax(self.out(h[mask]) / temperature, dim=-1).gather(1, x[mask].unsqueeze(1)).squeeze(1)
        return torch.zeros(x.shape, device=x.device, dtype=logp.dtype).index_put((mask,), logp)

    def nll_per_token(self, data: torch.Tensor, *, temperature: float = 1.0, batch_size: int = 1000) -> float:
        """Mean NLL per counted token of held-out rows ``data`` (nats), exact, under the model
        sampled at ``temperature`` (notebooks 06-11; every text model has this method)."""
        return sequence_nll(self, data, batch_size=batch_size, temperature=temperature)

    def validation_scores(self, data: torch.Tensor) -> dict:
        """What a checkpoint stores about the model's fit (notebook 06): ``score``, the NLL per
        token of the validation rows ``data``."""
        return {"score": self.nll_per_token(data)}

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood per counted token (nats), the MLE loss (notebook 05)."""
        return -self.log_probs(x).sum() / self.token_mask(x).sum()

    def next_token_probs(self, x: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """p(. | x_<t) at every position ``(batch, len, vocab)``, logits divided by ``temperature``."""
        return F.softmax(self(x) / check_temperature(temperature), dim=-1)

    def step(self, words: torch.Tensor, state):
        """One step of the LSTM (notebook 05): read the words just written, ids ``(n,)`` or
        relaxed one-hot vectors ``(n, vocab)`` (embedded as y @ E), from ``state``; return
        the output ``(n, hidden)`` that predicts the next word, and the new state."""
        emb = self.embedding(words) if not words.is_floating_point() else words @ self.embedding.weight
        h, state = self.lstm(emb[:, None], state)
        return h[:, -1], state

    def _read(self, prefix: torch.Tensor):
        """Read ``<start>`` and ``prefix`` ``(n, t)`` in one pass: the LSTM outputs ``(n, t + 1, hidden)``
        and the state after the last of them."""
        return self.lstm(self.embedding(torch.cat([self._start(len(prefix)), prefix], dim=1)))

    def next_logits(self, prefix: torch.Tensor | None = None) -> torch.Tensor:
        """Logits ``(n, vocab)`` of the word after ``<start>`` and ``prefix`` ``(n, t)``; with no
        prefix, of the first word (one row). Notebook 07 relaxes these."""
        if prefix is None:
            prefix = torch.zeros(1, 0, dtype=torch.long, device=self.out.weight.device)
        elif prefix.shape[1] > 0:
            check_ids(prefix, self.vocab_size, "prefix")
        return self.out(self._read(prefix)[0][:, -1])

    def sample(self, num_samples: int | None = None, *, temperature: float = 1.0,
               prefix: torch.Tensor | None = None, return_probs: bool = False):
        """Sample ``num_samples`` sentences ``(num_samples, seq_len)`` of ids (notebook 05).

        ``temperature`` < 1 sharpens the distribution, > 1 flattens it. ``prefix`` (a
        ``(batch, t)`` tensor of ids) fixes the first t tokens and samples the rest. With
        ``return_probs`` also returns the distribution each token was drawn from,
        ``(num_samples, seq_len, vocab)``. Sampling is not differentiable: the ids carry no
        gradient (notebook 05 shows why). The words are written by :func:`decode_loop`.
        """
        temperature = check_temperature(temperature)
        if prefix is None:
            n = check_int(num_samples, "num_samples")
            prefix = torch.zeros(n, 0, dtype=torch.long, device=self.out.weight.device)
        else:
            if prefix.dim() != 2 or prefix.shape[1] >= self.seq_len:
                raise ValueError(f"prefix must be (batch, t) with t < seq_len={self.seq_len}, "
                                 f"got {tuple(prefix.shape)}")
            if prefix.shape[1] > 0:
                check_ids(prefix, self.vocab_size, "prefix")
            if num_samples is not None and num_samples != len(prefix):
                raise ValueError(f"num_samples={num_samples} but prefix has {len(prefix)} rows; give one or match them")
        with torch.no_grad():
            h, state = self._read(prefix)
            done = (prefix == self.eos_id).any(1) if self.eos_id is not None and prefix.shape[1] > 0 else None
            out = decode_loop(self.step, h[:, -1], state, self.seq_len - prefix.shape[1], head=self.out,
                         temperature=temperature, eos_id=self.eos_id, pad_id=self.pad_id, done=done,
                         return_probs=return_probs)
            if not return_probs:
                return torch.cat([prefix, torch.stack(out, dim=1)], dim=1)
            words, probs = out
            seen = [F.softmax(self.out(h[:, :-1]) / temperature, dim=-1)] if prefix.shape[1] > 0 else []
            return torch.cat([prefix, torch.stack(words, dim=1)], dim=1), torch.cat(seen + [torch.stack(probs, 1)], 1)

    def sample_relaxed(self, num_samples: int, *, temperature: float = 1.0, hard: bool = False,
                       feed_hard: bool = False) -> torch.Tensor:
        """Differentiable Gumbel-softmax sentences ``(num_samples, seq_len, vocab)`` (notebooks 05, 07).

        Each step draws y = softmax((logits + g) / temperature) with Gumbel noise g and feeds
        the expected embedding y @ E back in, so gradients reach every parameter. ``hard``
        gives exact one-hots forward and the soft gradient backward (straight-through).
        ``feed_hard`` feeds the sampled word (argmax of y) back instead, as RelGAN does: the
        gradient then reaches the generator through each y's logits and the LSTM's state.
        For real text (``eos_id`` set), once a row's most likely word has been ``<eos>``
        every later position is an exact ``<pad>`` one-hot, as in the real rows (notebook 11).
        """
        temperature = check_temperature(temperature)
        n = check_int(num_samples, "num_samples")
        features, state = self.step(self._start(n)[:, 0], None)
        ys = decode_loop(self.step, features, state, self.seq_len, head=self.out, temperature=temperature,
                    relaxed=True, hard=hard, eos_id=self.eos_id, pad_id=self.pad_id, feed_hard=feed_hard)
        return torch.stack(ys, dim=1)


# rows per chunk when the discriminator reads many sentences (measured on SeqGAN's 19,456 rollouts, one
# thread: 1,024 rows about as fast as 512-4,096 at notebook 06's sizes, and among the fastest at SeqGAN's full size)
SCORE_CHUNK = 1024


class CNNDiscriminator(nn.Module):
    """SeqGAN's CNN discriminator (Yu et al. 2017; Kim 2014), introduced in notebook 05.

    Embed each token, slide filters of several widths over the sentence, keep each
    filter's maximum over positions, pass the features through a highway layer and
    dropout, and return one logit per sentence. It reads ids ``(batch, len)`` *or*
    one-hot/relaxed vectors ``(batch, len, vocab)``: the embedding of a vector is the
    matrix product y @ E, which for a one-hot y is exactly the id's embedding row. So
    the same network scores real sentences, sampled ones and Gumbel-softmax ones (07).
    The paper's filters are ``SEQGAN_FILTER_SIZES`` / ``SEQGAN_NUM_FILTERS``.
    """

    @keeps_settings
    def __init__(self, vocab_size: int, *, emb_dim: int = 64, filter_sizes: Sequence[int] = (2, 3, 4, 5),
                 num_filters: int | Sequence[int] = 32, dropout: float = 0.25, highway: bool = True):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=2)
        filter_sizes = [check_int(w, "filter width") for w in filter_sizes]
        if not filter_sizes:
            raise ValueError("filter_sizes needs at least one width")
        if isinstance(num_filters, int):
            num_filters = [num_filters] * len(filter_sizes)
        if len(num_filters) != len(filter_sizes):
            raise ValueError(f"{len(filter_sizes)} filter widths but {len(num_filters)} filter counts")
        self.filter_sizes = filter_sizes
        self.embedding = nn.Embedding(vocab_size, check_int(emb_dim, "emb_dim"))
        self.convs = nn.ModuleList(nn.Conv1d(emb_dim, check_int(k, "num_filters"), w)
                                   for w, k in zip(filter_sizes, num_filters))
        total = sum(num_filters)
        self.highway = nn.Linear(total, 2 * total) if highway else None
        self.dropout = nn.Dropout(check_probability(dropout, "dropout"))
        self.out = nn.Linear(total, 1)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, len, emb_dim)`` embeddings of ids or of one-hot/soft vectors."""
        if not x.is_floating_point():
            return self.embedding(check_ids(x, self.vocab_size))
        if x.dim() != 3 or x.shape[-1] != self.vocab_size:
            raise ValueError(f"soft input must be (batch, len, vocab_size={self.vocab_size}), got {tuple(x.shape)}; "
                             "generator and discriminator must share the vocabulary")
        return x @ self.embedding.weight

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, total filters)``: each filter's largest ReLU response over positions. Without
        gradients (scoring) the rows go :data:`SCORE_CHUNK` at a time, ids looked up chunk by chunk:
        the temporaries stay in the cache (2-4x faster on SeqGAN's 19,456 rollouts) and the result
        is one call's on all rows, to the bit. With gradients all rows go at once, since summing
        the weight gradients chunk by chunk would round differently."""
        chunk = max(len(x), 1) if torch.is_grad_enabled() else SCORE_CHUNK
        if x.is_floating_point():        # soft rows: one product with the embedding matrix, as before
            parts = self.embed(x).split(chunk)
        else:
            parts = [self.embed(ids) for ids in x.split(chunk)]
        if parts[0].shape[1] < max(self.filter_sizes):
            raise ValueError(f"sentences of length {parts[0].shape[1]} are shorter than the widest filter "
                             f"({max(self.filter_sizes)}); use narrower filter_sizes")
        return torch.cat([self._max_responses(e) for e in parts])

    def _max_responses(self, e: torch.Tensor) -> torch.Tensor:
        # (batch, emb, len), made contiguous once: each Conv1d would otherwise copy the transposed view.
        # relu is monotone, so the max of relu(response) is relu of the max: one relu, on the maxima only.
        e = e.transpose(1, 2).contiguous()
        return F.relu(torch.cat([conv(e).amax(dim=2) for conv in self.convs], dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.features(x)
        if self.highway is not None:                            # y = t * relu(W x) + (1 - t) * x
            h, t = self.highway(feats).chunk(2, dim=1)
            t = torch.sigmoid(t)
            feats = t * F.relu(h) + (1 - t) * feats
        return self.out(self.dropout(feats)).squeeze(1)
