"""A sentence VAE (Bowman et al. 2016): the non-adversarial baseline of notebooks 09 and 11.

An LSTM encoder reads a sentence and returns the mean and log-variance of a Gaussian
q(z | x); z = mu + sigma * eps (the reparameterisation trick, Kingma & Welling 2014) is fed
to an LSTM decoder at *every* step (concatenated to each input word) and sets its initial
state. Training maximises the ELBO

    log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || N(0, I)),

reported as two numbers: the reconstruction NLL and the KL, both in nats per sentence.
A strong autoregressive decoder can ignore z and drive the KL to 0 ("posterior collapse");
Bowman et al.'s two remedies are here: KL annealing (:func:`kl_weight`, a weight on the KL
rising from 0 to 1) and word dropout (decoder inputs replaced by a "dropped word" token, so
the decoder has to ask z what the sentence was); and Kingma et al. (2016)'s free bits
(``SentenceVAE.loss(free_bits=...)``: each latent unit's first nats of KL cost nothing).

Rows follow :class:`~gan_helpers.text.LSTMGenerator`'s conventions exactly: the decoder's
first input is ``start_id``; for real text positions after the first ``<eos>`` are
``<pad>`` and do not count (same ``token_mask``), so per-token numbers are comparable with
``heldout_nll``. Shipped records (``gan_helpers/text/pretrained/records/vae_<name>.pt``) are rebuilt
from a seed by ``python -m gan_helpers.recipes --rebuild`` (see :mod:`gan_helpers.text.pretrained.recipes`).
Training and the diagnostics of notebook 09 (active units, interpolation) are in
:mod:`gan_helpers.text.vae_train`.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ...common.checks import check_int, check_probability
from ...common.records import keeps_settings
from ..core.models import check_special_ids
from ..core.sampling import check_temperature, decode_loop
from ..core.vocab import check_ids, token_mask

__all__ = ["SentenceVAE", "gaussian_kl", "kl_weight", "check_free_bits", "vae_terms", "vae_nll_bound"]


def _check_kl_weight(beta) -> float:
    if isinstance(beta, bool) or not isinstance(beta, Real) or not math.isfinite(beta) or beta < 0:
        raise ValueError(f"kl_weight must be a finite number >= 0 (0 = no KL term, 1 = the true ELBO), got {beta!r}")
    return float(beta)


def check_free_bits(free_bits) -> float:
    """A free-bits threshold (Kingma et al. 2016), nats per latent unit: a finite number >= 0
    (0 = no free bits). Notebook 09."""
    if isinstance(free_bits, bool) or not isinstance(free_bits, Real) or not math.isfinite(free_bits):
        raise ValueError(f"free_bits must be a finite number of nats per latent unit, got {free_bits!r}")
    if free_bits < 0:
        raise ValueError(f"free_bits must be >= 0 nats per latent unit (0 turns free bits off; Kingma et al. "
                         f"2016 use values such as 0.125 to 2), got {free_bits!r}")
    return float(free_bits)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL( N(mu, diag(exp(logvar))) || N(0, I) ) per row, summed over latent units (nats),
    ``0.5 * sum(mu^2 + exp(logvar) - 1 - logvar)`` (notebook 09). Shapes ``(batch, latent)``."""
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}")
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def kl_weight(step: int, warmup_steps: int, *, kind: str = "sigmoid") -> float:
    """KL annealing (Bowman et al. 2016), notebook 09: the weight on the KL term after
    ``step`` updates. ``warmup_steps=0`` means no annealing (weight 1 from the start).
    ``"linear"``: step / warmup_steps, capped at 1. ``"sigmoid"`` (the paper's logistic
    shape): 1 / (1 + exp(-10 (step / warmup_steps - 0.5))), 0.5 halfway, 1 after the warmup."""
    step = check_int(step, "step", minimum=0)
    warmup_steps = check_int(warmup_steps, "warmup_steps", minimum=0)
    if kind not in ("linear", "sigmoid"):
        raise ValueError(f"kind must be 'linear' or 'sigmoid', got {kind!r}")
    if warmup_steps == 0 or step >= warmup_steps:
        return 1.0
    frac = step / warmup_steps
    return frac if kind == "linear" else 1.0 / (1.0 + math.exp(-10.0 * (frac - 0.5)))


class SentenceVAE(nn.Module):
    """Bowman et al.'s sentence VAE (notebook 09): LSTM encoder -> q(z | x) = N(mu, sigma^2);
    LSTM decoder p(x | z) that receives z at every step and in its initial state.

    Same row conventions as :class:`~gan_helpers.text.LSTMGenerator` (``start_id``; for real
    text ``eos_id``/``pad_id``). The embedding has one extra row, ``dropped_id = vocab_size``,
    the input that word dropout puts in place of a word (the paper uses ``<unk>``; a separate
    token works the same on the oracle, which has no ``<unk>``). Encoder and decoder share it.
    """

    @keeps_settings
    def __init__(self, vocab_size: int, *, emb_dim: int = 32, hidden_dim: int = 64, latent_dim: int = 16,
                 seq_len: int = 20, start_id: int = 0, eos_id: int | None = None, pad_id: int | None = None):
        super().__init__()
        self.vocab_size = check_int(vocab_size, "vocab_size", minimum=2)
        self.seq_len = check_int(seq_len, "seq_len")
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive integer (the size of z), got {latent_dim!r}; "
                             "with no latent units the model is a plain language model: use LSTMGenerator")
        check_special_ids(vocab_size, start_id, eos_id, pad_id)
        self.start_id, self.eos_id, self.pad_id = start_id, eos_id, pad_id
        self.latent_dim, self.dropped_id = latent_dim, vocab_size
        self.embedding = nn.Embedding(vocab_size + 1, check_int(emb_dim, "emb_dim"))
        self.encoder = nn.LSTM(emb_dim, check_int(hidden_dim, "hidden_dim"), batch_first=True)
        self.to_mu = nn.Linear(hidden_dim, latent_dim)
        self.to_logvar = nn.Linear(hidden_dim, latent_dim)
        self.to_state = nn.Linear(latent_dim, 2 * hidden_dim)     # z -> the decoder's initial (h, c)
        self.decoder = nn.LSTM(emb_dim + latent_dim, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim, vocab_size)

    @classmethod
    def for_data(cls, data, **kwargs) -> "SentenceVAE":
        """A VAE sized for a data set's rows (``data.row_format()`` of oracle data or a review
        corpus), notebook 09."""
        return cls(**data.row_format(), **kwargs)

    def nll_per_token(self, data: torch.Tensor, *, temperature: float = 1.0, batch_size: int = 1000) -> float:
        """An upper bound on the NLL per counted token of ``data``: the negative ELBO
        (:func:`vae_nll_bound`), notebooks 09-11; every text model has this method."""
        return vae_nll_bound(self, data, temperature=temperature, batch_size=batch_size)

    def validation_scores(self, data: torch.Tensor) -> dict:
        """What a checkpoint stores about the model's fit (notebook 09): ``score`` (the negative
        ELBO per token of ``data``) with its reconstruction and KL terms."""
        terms = vae_terms(self, data)
        return {"score": terms["bound"], **terms}

    @property
    def device(self) -> torch.device:
        return self.out.weight.device

    def check_rows(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        """Validate a ``(batch, seq_len)`` id tensor for this model."""
        return check_ids(x, self.vocab_size, name, seq_len=self.seq_len)

    def token_mask(self, x: torch.Tensor) -> torch.Tensor:
        """1.0 at positions that count (up to and including the first ``<eos>``), as LSTMGenerator's."""
        return token_mask(x, self.eos_id)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mu, logvar)`` of q(z | x), each ``(batch, latent_dim)``, read from the mean of the
        encoder's outputs over the counted positions (``<pad>`` after ``<eos>`` left out).
        Averaging, rather than taking the last output, gives every word a short path to z
        (notebook 09)."""
        self.check_rows(x)
        h = self.encoder(self.embedding(x))[0]
        mask = self.token_mask(x).unsqueeze(2)
        pooled = (h * mask).sum(1) / mask.sum(1)
        return self.to_mu(pooled), self.to_logvar(pooled)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None):
        """z = mu + sigma * eps with eps ~ N(0, I): the noise is an input, so gradients reach mu and sigma."""
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + torch.exp(0.5 * logvar) * eps

    def _initial_state(self, z: torch.Tensor):
        h0, c0 = torch.tanh(self.to_state(z)).chunk(2, dim=-1)
        return h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous()

    def decoder_logits(self, x: torch.Tensor, z: torch.Tensor, *, word_dropout: float = 0.0) -> torch.Tensor:
        """Teacher-forced logits ``(batch, seq_len, vocab)`` of p(x_t | x_<t, z). With
        ``word_dropout`` = p each input word (not the start token) is replaced by
        ``dropped_id`` with probability p (Bowman et al. 2016)."""
        return self.out(self._decoder_states(x, z, word_dropout))

    def _decoder_states(self, x: torch.Tensor, z: torch.Tensor, word_dropout: float) -> torch.Tensor:
        self.check_rows(x)
        if z.dim() != 2 or z.shape != (len(x), self.latent_dim):
            raise ValueError(f"z must be ({len(x)}, latent_dim={self.latent_dim}), got {tuple(z.shape)}")
        p = check_probability(word_dropout, "word_dropout")
        inputs = torch.cat([torch.full((len(x), 1), self.start_id, dtype=torch.long, device=x.device), x[:, :-1]], 1)
        if p > 0:
            drop = torch.rand(inputs.shape, device=x.device) < p
            drop[:, 0] = False
            inputs = inputs.masked_fill(drop, self.dropped_id)
        z_every_step = z.unsqueeze(1).expand(-1, inputs.shape[1], -1)
        return self.decoder(torch.cat([self.embedding(inputs), z_every_step], -1), self._initial_state(z))[0]

    def token_log_probs(self, x: torch.Tensor, z: torch.Tensor, *, temperature: float = 1.0,
                        word_dropout: float = 0.0) -> torch.Tensor:
        """log p(x_t | x_<t, z) ``(batch, seq_len)`` with logits divided by ``temperature``; 0 where not counted."""
        temperature = check_temperature(temperature)
        h, mask = self._decoder_states(x, z, word_dropout), self.token_mask(x).bool()
        # the output layer only at counted positions: padding after <eos> costs nothing
        logp = F.log_softmax(self.out(h[mask]) / temperature, -1).gather(1, x[mask].unsqueeze(1)).squeeze(1)
        return torch.zeros(x.shape, device=x.device, dtype=logp.dtype).index_put((mask,), logp)

    def loss(self, x: torch.Tensor, *, kl_weight: float = 1.0, word_dropout: float = 0.0, free_bits: float = 0.0):
        """The (annealed) negative ELBO per sentence, for training (notebook 09):
        returns ``(loss, recon, kl)``, where ``recon`` and ``kl`` are the batch means of the
        reconstruction NLL and the KL in nats per sentence, and
        ``loss = recon + kl_weight * kl`` (``kl_weight`` >= 0; 1 is the true ELBO).

        ``free_bits`` = lambda > 0 (Kingma et al. 2016) replaces the KL in the loss by
        ``sum_u max(lambda, KL_u)``, KL_u being latent unit u's KL averaged over the batch:
        a unit's first lambda nats are free, so the optimiser has no reason to switch it off.
        The returned ``kl`` is always the true KL."""
        beta = _check_kl_weight(kl_weight)
        free_bits = check_free_bits(free_bits)
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        recon = -self.token_log_probs(x, z, word_dropout=word_dropout).sum(1).mean()
        kl = gaussian_kl(mu, logvar).mean()
        penalty = kl
        if free_bits > 0:                     # per unit, averaged over the batch, then floored at lambda
            per_unit = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).mean(0)
            penalty = per_unit.clamp(min=free_bits).sum()
        return recon + beta * penalty, recon, kl

    def decode(self, z: torch.Tensor, *, temperature: float = 1.0, greedy: bool = False,
               exclude_ids: Sequence[int] = ()) -> torch.Tensor:
        """Sentences ``(batch, seq_len)`` of ids decoded from latent codes ``z``
        ``(batch, latent_dim)``: sampled from softmax(logits / temperature), or the most
        likely word at each step with ``greedy`` (for interpolations). ``exclude_ids`` are
        never emitted (e.g. ``<unk>``, which greedy decoding of reviews would otherwise pick
        again and again). Same format as ``LSTMGenerator.sample``: after ``<eos>`` only
        ``<pad>``. Not differentiable (notebook 09)."""
        temperature = check_temperature(temperature)
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != self.latent_dim or len(z) == 0:
            raise ValueError(f"z must be a non-empty (batch, latent_dim={self.latent_dim}) tensor, "
                             f"got {getattr(z, 'shape', type(z).__name__)}")
        exclude_ids = [int(i) for i in exclude_ids]
        bad = [i for i in exclude_ids if not 0 <= i < self.vocab_size or i == self.eos_id]
        if bad:
            raise ValueError(f"exclude_ids {bad} must be ids in 0 to {self.vocab_size - 1} other than <eos> "
                             f"(a sentence must be able to end)")
        with torch.no_grad():
            z = z.to(self.device)

            def step(words, state):
                h, state = self.decoder(torch.cat([self.embedding(words)[:, None], z.unsqueeze(1)], -1), state)
                return h[:, -1], state

            def head(h):
                logits = self.out(h)
                if exclude_ids:
                    logits[:, exclude_ids] = -math.inf
                return logits

            start = torch.full((len(z),), self.start_id, dtype=torch.long, device=self.device)
            features, state = step(start, self._initial_state(z))
            words = decode_loop(step, features, state, self.seq_len, head=head, temperature=temperature, greedy=greedy,
                           eos_id=self.eos_id, pad_id=self.pad_id)
        return torch.stack(words, 1)

    def sample(self, num_samples: int, *, temperature: float = 1.0) -> torch.Tensor:
        """``num_samples`` sentences ``(num_samples, seq_len)`` from the prior: z ~ N(0, I),
        then the decoder samples at ``temperature`` (> 0). Same format as
        ``LSTMGenerator.sample`` (notebooks 09, 11)."""
        temperature = check_temperature(temperature)
        z = torch.randn(check_int(num_samples, "num_samples"), self.latent_dim, device=self.device)
        return self.decode(z, temperature=temperature)


def vae_terms(vae: SentenceVAE, data: torch.Tensor, *, temperature: float = 1.0, seed: int = 0,
              batch_size: int = 1000) -> dict:
    """Reconstruction NLL and KL of ``data`` under ``vae``, one z per sentence drawn with a
    fixed ``seed`` (so the numbers repeat), no word dropout (notebook 09). Returns
    ``recon`` and ``kl`` (nats per sentence), ``tokens`` (counted tokens per sentence) and
    ``bound`` = (recon + kl) / tokens, the negative ELBO per token."""
    vae.check_rows(data, "data")
    temperature = check_temperature(temperature)
    gen = torch.Generator(device=vae.device).manual_seed(check_int(seed, "seed", minimum=0))
    recon = kl = tokens = 0.0
    was_training = vae.training
    vae.eval()
    with torch.no_grad():
        for batch in data.split(check_int(batch_size, "batch_size")):
            batch = batch.to(vae.device)
            mu, logvar = vae.encode(batch)
            z = vae.reparameterize(mu, logvar, gen)
            recon += float(-vae.token_log_probs(batch, z, temperature=temperature).sum())
            kl += float(gaussian_kl(mu, logvar).sum())
            tokens += float(vae.token_mask(batch).sum())
    vae.train(was_training)
    n = len(data)
    return {"recon": recon / n, "kl": kl / n, "tokens": tokens / n, "bound": (recon + kl) / tokens}


def vae_nll_bound(vae: SentenceVAE, data: torch.Tensor, *, temperature: float = 1.0, seed: int = 0,
                  batch_size: int = 1000) -> float:
    """An *upper bound* on the VAE's NLL per counted token (nats): the negative ELBO,
    (reconstruction NLL + KL) summed over ``data`` / number of counted tokens, under the same
    token mask as ``sequence_nll`` (notebooks 09, 11). The decoder's logits are divided by
    ``temperature``. The VAE's exact likelihood is intractable; its true NLL is *lower* than
    this number, so comparing it with an LSTM's ``heldout_nll`` favours the LSTM. One z per
    sentence from a fixed ``seed``: an unbiased estimate of the ELBO that repeats exactly."""
    return vae_terms(vae, data, temperature=temperature, seed=seed, batch_size=batch_size)["bound"]
