"""A sentence VAE (Bowman et al. 2016): the non-adversarial baseline of notebooks 09 and 10.

An LSTM encoder reads a sentence and returns the mean and log-variance of a Gaussian
q(z | x); z = mu + sigma * eps (the reparameterisation trick, Kingma & Welling 2014) is fed
to an LSTM decoder at *every* step (concatenated to each input word) and sets its initial
state. Training maximises the ELBO

    log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || N(0, I)),

reported as two numbers: the reconstruction NLL and the KL, both in nats per sentence.
A strong autoregressive decoder can ignore z and drive the KL to 0 ("posterior collapse");
Bowman et al.'s two remedies are here: KL annealing (:func:`kl_weight`, a weight on the KL
rising from 0 to 1) and word dropout (decoder inputs replaced by a "dropped word" token, so
the decoder has to ask z what the sentence was).

Rows follow :class:`~gan_helpers.text.LSTMGenerator`'s conventions exactly: the decoder's
first input is ``start_id``; for real text positions after the first ``<eos>`` are
``<pad>`` and do not count (same ``token_mask``), so per-token numbers are comparable with
``heldout_nll``. Shipped checkpoints (``gan_helpers/checkpoints/vae_<name>.pt``) are rebuilt
exactly from a seed by :func:`build_vae` and read by :func:`load_vae` with ``weights_only=True``.
"""
from __future__ import annotations

import math
import pathlib
import time
from dataclasses import asdict, dataclass, field
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..utils import check_int, check_positive, check_probability, progress_bar
from .models import check_ids, check_special_ids, check_temperature, draw_categorical
from .oracle import OracleConfig, OracleData, oracle_data
from .pretrained import CHECKPOINT_DIR, REBUILD, CheckpointError, _data_fingerprint, read_checkpoint, review_corpus
from .vocab import TextCorpus

__all__ = ["SentenceVAE", "gaussian_kl", "kl_weight", "VAEConfig", "VAEHistory", "train_vae", "vae_nll_bound",
           "vae_terms", "active_units", "interpolate", "z_dependence",
           "plot_vae_histories", "VAESpec", "VAE_SPECS", "vae_checkpoint_path", "build_vae",
           "save_vae", "load_vae"]

VAE_FORMAT_VERSION = 1


def _check_kl_weight(beta) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not math.isfinite(beta) or beta < 0:
        raise ValueError(f"kl_weight must be a finite number >= 0 (0 = no KL term, 1 = the true ELBO), got {beta!r}")
    return float(beta)


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
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be an integer >= 0, got {step!r}")
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
        """A VAE sized for oracle data (:func:`oracle_data`) or a review corpus (notebook 09)."""
        if isinstance(data, OracleData):
            return cls(data.config.vocab_size, seq_len=data.config.seq_len, start_id=0, **kwargs)
        if isinstance(data, TextCorpus):
            v = data.vocab
            return cls(len(v), seq_len=data.seq_len, start_id=v.bos_id, eos_id=v.eos_id, pad_id=v.pad_id, **kwargs)
        raise TypeError(f"data must be OracleData or TextCorpus, got {type(data).__name__}")

    @property
    def device(self) -> torch.device:
        return self.out.weight.device

    def check_rows(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        """Validate a ``(batch, seq_len)`` id tensor for this model."""
        check_ids(x, self.vocab_size, name)
        if x.shape[1] != self.seq_len:
            raise ValueError(f"{name} rows have {x.shape[1]} positions but this VAE's seq_len is {self.seq_len}; "
                             f"build it with seq_len={x.shape[1]} (SentenceVAE.for_data does)")
        return x

    def token_mask(self, x: torch.Tensor) -> torch.Tensor:
        """1.0 at positions that count (up to and including the first ``<eos>``), as LSTMGenerator's."""
        if self.eos_id is None:
            return torch.ones(x.shape, device=x.device)
        is_eos = (x == self.eos_id).long()
        return ((is_eos.cumsum(1) - is_eos) == 0).float()

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

    def loss(self, x: torch.Tensor, *, kl_weight: float = 1.0, word_dropout: float = 0.0):
        """The (annealed) negative ELBO per sentence, for training (notebook 09):
        returns ``(loss, recon, kl)``, where ``recon`` and ``kl`` are the batch means of the
        reconstruction NLL and the KL in nats per sentence, and
        ``loss = recon + kl_weight * kl`` (``kl_weight`` >= 0; 1 is the true ELBO)."""
        beta = _check_kl_weight(kl_weight)
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        recon = -self.token_log_probs(x, z, word_dropout=word_dropout).sum(1).mean()
        kl = gaussian_kl(mu, logvar).mean()
        return recon + beta * kl, recon, kl

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
        n = len(z)
        with torch.no_grad():
            z = z.to(self.device)
            state = self._initial_state(z)
            tok = torch.full((n, 1), self.start_id, dtype=torch.long, device=self.device)
            done = torch.zeros(n, dtype=torch.bool, device=self.device)
            tokens = []
            for _ in range(self.seq_len):
                h, state = self.decoder(torch.cat([self.embedding(tok), z.unsqueeze(1)], -1), state)
                logits = self.out(h[:, -1])
                if exclude_ids:
                    logits[:, exclude_ids] = -math.inf
                if greedy:
                    tok = logits.argmax(-1, keepdim=True)
                else:
                    tok = draw_categorical(F.softmax(logits / temperature, -1))
                if self.pad_id is not None:        # after <eos> the only continuation is <pad>
                    tok = torch.where(done[:, None], torch.full_like(tok, self.pad_id), tok)
                    done = done | (tok[:, 0] == self.eos_id)
                tokens.append(tok)
        return torch.cat(tokens, 1)

    def sample(self, num_samples: int, *, temperature: float = 1.0) -> torch.Tensor:
        """``num_samples`` sentences ``(num_samples, seq_len)`` from the prior: z ~ N(0, I),
        then the decoder samples at ``temperature`` (> 0). Same format as
        ``LSTMGenerator.sample`` (notebooks 09, 10)."""
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
    token mask as ``sequence_nll`` (notebooks 09, 10). The decoder's logits are divided by
    ``temperature``. The VAE's exact likelihood is intractable; its true NLL is *lower* than
    this number, so comparing it with an LSTM's ``heldout_nll`` favours the LSTM. One z per
    sentence from a fixed ``seed``: an unbiased estimate of the ELBO that repeats exactly."""
    return vae_terms(vae, data, temperature=temperature, seed=seed, batch_size=batch_size)["bound"]


def active_units(vae: SentenceVAE, data: torch.Tensor, *, threshold: float = 0.01, batch_size: int = 1000) -> int:
    """Number of active latent units (Burda et al. 2016), notebook 09: units u whose
    posterior mean moves with the input, Var_x(E_q[z_u | x]) > ``threshold``. A collapsed
    posterior (q(z|x) = prior for every x) has none."""
    vae.check_rows(data, "data")
    threshold = check_positive(threshold, "threshold")
    was_training = vae.training
    vae.eval()
    with torch.no_grad():
        mu = torch.cat([vae.encode(b.to(vae.device))[0] for b in data.split(check_int(batch_size, "batch_size"))])
    vae.train(was_training)
    if len(mu) < 2:
        raise ValueError("active_units needs at least 2 sentences to measure a variance")
    return int((mu.var(0) > threshold).sum())


def interpolate(vae: SentenceVAE, x_a: torch.Tensor, x_b: torch.Tensor, num_points: int = 5, *,
                exclude_ids: Sequence[int] = ()) -> torch.Tensor:
    """Greedy decodings ``(num_points, seq_len)`` of z = (1 - a) mu_a + a mu_b for ``num_points``
    evenly spaced a in [0, 1] between the posterior means of two sentences (notebook 09);
    ``exclude_ids`` as in :meth:`SentenceVAE.decode`."""
    num_points = check_int(num_points, "num_points", minimum=2)
    rows = []
    for name, x in (("x_a", x_a), ("x_b", x_b)):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a tensor of token ids, got {type(x).__name__}")
        rows.append(vae.check_rows(x.reshape(1, -1), name))
    was_training = vae.training
    vae.eval()
    with torch.no_grad():
        mu = vae.encode(torch.cat(rows).to(vae.device))[0]
    vae.train(was_training)
    alphas = torch.linspace(0, 1, num_points, device=mu.device)[:, None]
    return vae.decode((1 - alphas) * mu[0] + alphas * mu[1], greedy=True, exclude_ids=exclude_ids)


def z_dependence(vae: SentenceVAE, data: torch.Tensor, *, seed: int = 0) -> dict:
    """Does the decoder use z? (notebook 09's pitfall check.) The reconstruction NLL of ``data``
    (nats per sentence) when each sentence is decoded from its own posterior mean, and from
    the posterior mean of another sentence (a fixed shuffle, ``seed``). A decoder that
    ignores z scores both the same; the gap is what z tells the decoder."""
    vae.check_rows(data, "data")
    if len(data) < 2:
        raise ValueError("z_dependence needs at least 2 sentences to shuffle their codes")
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(check_int(seed, "seed", minimum=0)))
    was_training = vae.training
    vae.eval()
    with torch.no_grad():
        x = data.to(vae.device)
        mu = vae.encode(x)[0]
        own = float(-vae.token_log_probs(x, mu).sum(1).mean())
        other = float(-vae.token_log_probs(x, mu[perm.to(vae.device)]).sum(1).mean())
    vae.train(was_training)
    return {"own z": own, "shuffled z": other, "gap": other - own}


@dataclass(frozen=True)
class VAEConfig:
    """How :func:`train_vae` trains (notebook 09): ``num_epochs`` passes of Adam (``lr``,
    gradients clipped to ``grad_clip``) over minibatches; the KL weight follows
    :func:`kl_weight` over ``anneal_steps`` updates (0 = no annealing); ``word_dropout`` is
    the probability of dropping each decoder input word (0 = none)."""

    num_epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    anneal_steps: int = 0
    anneal_kind: str = "sigmoid"
    word_dropout: float = 0.0
    grad_clip: float = 5.0

    def __post_init__(self):
        check_int(self.num_epochs, "num_epochs"), check_int(self.batch_size, "batch_size")
        check_int(self.anneal_steps, "anneal_steps", minimum=0)
        kl_weight(0, self.anneal_steps, kind=self.anneal_kind)
        check_probability(self.word_dropout, "word_dropout")
        if self.word_dropout >= 1:
            raise ValueError("word_dropout must be below 1: at 1 the decoder never sees a word")
        check_positive(self.lr, "lr"), check_positive(self.grad_clip, "grad_clip")


@dataclass
class VAEHistory:
    """Per-epoch training record of :func:`train_vae` (notebook 09). Per sentence (nats):
    ``train_recon``/``train_kl`` (means over the epoch's batches, with word dropout) and
    ``val_recon``/``val_kl`` (no word dropout, fixed noise). ``val_bound`` is the negative
    ELBO per token, ``kl_weight`` the weight at the epoch's end, ``active_units`` on val."""

    train_recon: list[float] = field(default_factory=list)
    train_kl: list[float] = field(default_factory=list)
    val_recon: list[float] = field(default_factory=list)
    val_kl: list[float] = field(default_factory=list)
    val_bound: list[float] = field(default_factory=list)
    kl_weight: list[float] = field(default_factory=list)
    active_units: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """Plain lists and floats (what a checkpoint stores)."""
        return asdict(self)


def train_vae(vae: SentenceVAE, train: torch.Tensor, val: torch.Tensor, *, config: VAEConfig = VAEConfig(),
              progress: bool = True, desc: str = "VAE") -> VAEHistory:
    """Train ``vae`` in place on the annealed negative ELBO (notebook 09); returns a
    :class:`VAEHistory`. Each update: encode, reparameterise, decode with word dropout,
    loss = recon + kl_weight(step) * KL. Raises if the loss becomes NaN or infinite."""
    if not isinstance(config, VAEConfig):
        raise TypeError(f"config must be a VAEConfig, got {type(config).__name__}")
    vae.check_rows(train, "train"), vae.check_rows(val, "val")
    opt = torch.optim.Adam(vae.parameters(), lr=config.lr)
    history, step = VAEHistory(), 0
    start = time.perf_counter()
    bar = progress_bar(range(1, config.num_epochs + 1), desc=desc, enabled=progress)
    for epoch in bar:
        vae.train()
        sums, batches = [0.0, 0.0], 0
        for idx in torch.randperm(len(train)).split(config.batch_size):
            beta = kl_weight(step, config.anneal_steps, kind=config.anneal_kind)
            loss, recon, kl = vae.loss(train[idx].to(vae.device), kl_weight=beta, word_dropout=config.word_dropout)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"the VAE loss became {loss.item()} in epoch {epoch}: lower lr "
                                         f"(now {config.lr}) or grad_clip")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(vae.parameters(), config.grad_clip)
            opt.step()
            sums[0], sums[1], batches, step = sums[0] + recon.item(), sums[1] + kl.item(), batches + 1, step + 1
        terms = vae_terms(vae, val)
        history.train_recon.append(sums[0] / batches), history.train_kl.append(sums[1] / batches)
        history.val_recon.append(terms["recon"]), history.val_kl.append(terms["kl"])
        history.val_bound.append(terms["bound"]), history.kl_weight.append(kl_weight(step, config.anneal_steps,
                                                                                     kind=config.anneal_kind))
        history.active_units.append(active_units(vae, val))
        bar.set_postfix(recon=f"{terms['recon']:.2f}", kl=f"{terms['kl']:.2f}")
    vae.eval()
    history.seconds = time.perf_counter() - start
    return history


def plot_vae_histories(histories: dict, *, axes=None):
    """KL and reconstruction NLL (validation, nats per sentence) and the KL weight per epoch
    for several :class:`VAEHistory` runs, ``{label: history}`` (notebook 09). Returns the axes."""
    import matplotlib.pyplot as plt

    if not histories:
        raise ValueError("plot_vae_histories needs at least one {label: VAEHistory}")
    if axes is None:
        axes = plt.subplots(1, 3, figsize=(14, 3.4))[1]
    for label, h in histories.items():
        epochs = range(1, len(h.val_kl) + 1)
        axes[0].plot(epochs, h.val_kl, "o-", ms=3, label=label)
        axes[1].plot(epochs, h.val_recon, "o-", ms=3, label=label)
        axes[2].plot(epochs, h.kl_weight, "o-", ms=3, label=label)
    titles = ("validation KL(q(z|x) || p(z)), nats per sentence", "validation reconstruction NLL, nats per sentence",
              "KL weight at the end of the epoch")
    for ax, title in zip(axes, titles):
        ax.set_title(title, fontsize=10), ax.set_xlabel("epoch")
    axes[0].legend(fontsize=8)
    return axes


# ---------------------------------------------------------------------------------------------------------------
# Shipped checkpoints (notebook 10 compares them with the MLE and GAN generators)

@dataclass(frozen=True)
class VAESpec:
    """How a shipped VAE is made (notebook 09): its data ("oracle" or "reviews"), sizes and
    training settings; :func:`build_vae` trains it from ``seed`` exactly."""

    name: str
    data: str
    emb_dim: int = 32
    hidden_dim: int = 64
    latent_dim: int = 16
    num_epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    anneal_steps: int = 1000
    word_dropout: float = 0.3
    seed: int = 0

    def load_data(self):
        """The data it is trained on: the course oracle's data, or the review corpus."""
        return oracle_data(OracleConfig()) if self.data == "oracle" else review_corpus()

    def config(self) -> VAEConfig:
        """Its training settings as a :class:`VAEConfig`."""
        return VAEConfig(num_epochs=self.num_epochs, batch_size=self.batch_size, lr=self.lr,
                         anneal_steps=self.anneal_steps, word_dropout=self.word_dropout)


VAE_SPECS = {
    # the width of the MLE oracle generator (32 units), so notebook 10 compares models of one size
    "oracle": VAESpec("oracle", "oracle", hidden_dim=32, num_epochs=30, batch_size=64, lr=3e-3, anneal_steps=2000,
                      word_dropout=0.3),
    # notebook 09's annealed recipe, trained 20 epochs instead of the notebook's 15 (later epochs overfit:
    # the validation bound is lowest around epoch 17 of a 40-epoch run)
    "reviews": VAESpec("reviews", "reviews", hidden_dim=48, num_epochs=20, batch_size=32, lr=1e-2,
                       anneal_steps=700, word_dropout=0.75),
}


def vae_checkpoint_path(name: str) -> pathlib.Path:
    """Where the shipped VAE ``name`` lives: ``gan_helpers/checkpoints/vae_<name>.pt`` (notebook 09)."""
    if name not in VAE_SPECS:
        raise ValueError(f"unknown VAE checkpoint {name!r}; choose one of {sorted(VAE_SPECS)}")
    return CHECKPOINT_DIR / f"vae_{name}.pt"


def _vae_args(vae: SentenceVAE) -> dict:
    return dict(vocab_size=vae.vocab_size, emb_dim=vae.embedding.embedding_dim, hidden_dim=vae.encoder.hidden_size,
                latent_dim=vae.latent_dim, seq_len=vae.seq_len, start_id=vae.start_id, eos_id=vae.eos_id,
                pad_id=vae.pad_id)


def build_vae(name: str, data=None, *, progress: bool = True) -> tuple[SentenceVAE, VAEHistory]:
    """Train the VAE of :data:`VAE_SPECS` ``[name]`` from its seed, exactly as the shipped
    checkpoint was made (notebook 09). Returns ``(vae, history)``."""
    spec = VAE_SPECS[vae_checkpoint_path(name).stem[len("vae_"):]]
    data = spec.load_data() if data is None else data
    torch.manual_seed(spec.seed)
    vae = SentenceVAE.for_data(data, emb_dim=spec.emb_dim, hidden_dim=spec.hidden_dim, latent_dim=spec.latent_dim)
    history = train_vae(vae, data.train, data.val, config=spec.config(), progress=progress, desc=f"VAE {name}")
    return vae, history


def save_vae(vae: SentenceVAE, path, *, data, history: VAEHistory | None = None, spec: dict | None = None) -> dict:
    """Save ``vae`` with its sizes, a fingerprint of ``data`` and its validation NLL bound and
    KL (measured here), readable by :func:`load_vae` with ``weights_only=True`` (notebook 09).
    Returns the stored validation numbers."""
    if not isinstance(vae, SentenceVAE):
        raise TypeError(f"save_vae expects a SentenceVAE, got {type(vae).__name__}")
    terms = vae_terms(vae, data.val)
    state = {k: v.detach().cpu().clone() for k, v in vae.state_dict().items()}
    torch.save({"format_version": VAE_FORMAT_VERSION, "model": _vae_args(vae), "data": _data_fingerprint(data),
                "val": terms, "spec": spec or {}, "history": history.as_dict() if history else {},
                "state_dict": state}, path)
    return terms


def load_vae(name_or_path, data=None, *, return_info: bool = False):
    """Load a VAE saved by :func:`save_vae` (notebooks 09, 10): a shipped name ("oracle",
    "reviews") or a path. ``data`` (built from the spec when a name is given and data is
    None) must be what it was trained on. Raises :class:`CheckpointError` when the file is
    missing, corrupt, made for other data or sizes, or when its validation bound no longer
    matches the stored one. ``return_info`` also returns the stored dict (``val``,
    ``history``, ``spec``) without the weights."""
    if isinstance(name_or_path, str) and name_or_path in VAE_SPECS:
        path = vae_checkpoint_path(name_or_path)
        data = VAE_SPECS[name_or_path].load_data() if data is None else data
    else:
        path = pathlib.Path(name_or_path)
        if data is None:
            raise ValueError(f"load_vae({str(path)!r}) needs the data it was trained on: pass data=")
    path = pathlib.Path(path)
    fix = REBUILD
    ckpt = read_checkpoint(path, data=data, format_version=VAE_FORMAT_VERSION, what="VAE checkpoint", fix=fix,
                           keys=("val",))
    model, state, stored = ckpt["model"], ckpt["state_dict"], ckpt["val"]
    try:
        vae = SentenceVAE(**model)
        vae.load_state_dict(state)
    except (RuntimeError, ValueError, TypeError) as err:
        raise CheckpointError(f"VAE checkpoint {path.name}'s weights do not fit its stated sizes "
                              f"({str(err)[:160]}); {fix}") from err
    vae.eval()
    bound = vae_nll_bound(vae, data.val)
    if not abs(bound - stored["bound"]) <= 1e-3:
        raise CheckpointError(f"VAE checkpoint {path.name} scores validation NLL bound {bound:.4f}, but it was "
                              f"saved at {stored['bound']:.4f}: the data or model code changed since; {fix}")
    if return_info:
        return vae, {k: v for k, v in ckpt.items() if k != "state_dict"}
    return vae
