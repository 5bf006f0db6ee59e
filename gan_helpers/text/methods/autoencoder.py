"""A sentence autoencoder whose code lies on the unit sphere: the decoder a GAN in continuous
space needs (notebook 10; ARAE, Zhao et al. 2018; LaTextGAN, Donahue & Rumshisky 2018).

Notebook 09's VAE barely reads its z, so a GAN on its codes has nothing to learn. This model
drops the KL term (as ARAE does) so the decoder must depend on the code:

- the encoder (09's, made bidirectional) reads a sentence; the mean of its outputs over the
  counted words, projected and L2-normalised, is the code c with ||c|| = 1;
- during training the decoder sees c + N(0, sigma^2 I), sigma annealed from ``noise_start``
  to ``noise_end`` (ARAE anneals from 0.2), so nearby codes decode to similar sentences;
- 09's decoder (the code at every step and in its initial state) and 09's decoding loop turn
  a code into words; its output layer shares the word embedding (fewer weights to learn from
  3k reviews).

:func:`reconstruction_accuracy` is the test that matters: teacher-forced next-word accuracy
with each sentence's own code against another sentence's code.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...common.checks import check_int, check_positive
from ...common.history import History
from ...common.records import keeps_settings
from ..core.sampling import check_temperature
from ..training.trainer import train_epochs
from .vae import SentenceVAE

__all__ = ["SentenceAE", "AEConfig", "noise_at", "train_autoencoder", "reconstruction_accuracy", "random_codes"]


class TiedOutput(nn.Module):
    """Logits = (h W) E^T + b, with E the word embedding the encoder and decoder share
    (its extra "dropped word" row left out). E is held by reference, not as a submodule, so
    a record stores it once."""

    def __init__(self, embedding: nn.Embedding, hidden_dim: int, vocab_size: int):
        super().__init__()
        self.tied, self.vocab_size = [embedding], vocab_size       # a list: not registered twice
        self.proj = nn.Linear(hidden_dim, embedding.embedding_dim)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.proj(h) @ self.tied[0].weight[: self.vocab_size].t() + self.bias


class SentenceAE(SentenceVAE):
    """Sentence autoencoder with a unit-norm code of size ``code_dim`` (notebook 10). It keeps
    :class:`~gan_helpers.text.SentenceVAE`'s row conventions, decoder, ``decode`` and
    ``token_log_probs``; ``encode`` returns ``(code, None)``, a point code instead of a Gaussian,
    so 09's ``interpolate`` and ``z_dependence`` work on it unchanged."""

    @keeps_settings
    def __init__(self, vocab_size: int, *, emb_dim: int = 64, hidden_dim: int = 128, code_dim: int = 128,
                 seq_len: int = 20, start_id: int = 0, eos_id: int | None = None, pad_id: int | None = None):
        if check_int(hidden_dim, "hidden_dim", minimum=2) % 2:
            raise ValueError(f"hidden_dim must be even (half per direction of the encoder), got {hidden_dim}")
        super().__init__(vocab_size, emb_dim=emb_dim, hidden_dim=hidden_dim, latent_dim=code_dim, seq_len=seq_len,
                         start_id=start_id, eos_id=eos_id, pad_id=pad_id)
        self.code_dim = self.latent_dim
        self.encoder = nn.LSTM(emb_dim, hidden_dim // 2, batch_first=True, bidirectional=True)
        del self.to_logvar                       # a point code has no variance
        self.out = TiedOutput(self.embedding, hidden_dim, vocab_size)

    @property
    def device(self) -> torch.device:
        return self.embedding.weight.device

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        """``(code, None)``: each sentence's code ``(batch, code_dim)``, unit L2 norm (notebook 10)."""
        self.check_rows(x)
        h = self.encoder(self.embedding(x))[0]
        mask = self.token_mask(x).unsqueeze(2)
        return F.normalize(self.to_mu((h * mask).sum(1) / mask.sum(1)), dim=-1), None

    def codes(self, x: torch.Tensor, *, batch_size: int = 1000) -> torch.Tensor:
        """The codes of many sentences, without gradients, in eval mode (notebook 10)."""
        was = self.training
        self.eval()
        with torch.no_grad():
            out = torch.cat([self.encode(b.to(self.device))[0] for b in x.split(check_int(batch_size, "batch_size"))])
        self.train(was)
        return out

    def check_codes(self, codes: torch.Tensor, name: str = "codes") -> torch.Tensor:
        """Validate ``(batch, code_dim)`` codes for this autoencoder (notebook 10)."""
        if not isinstance(codes, torch.Tensor) or codes.dim() != 2 or codes.shape[1] != self.code_dim:
            raise ValueError(f"{name} must be a (batch, code_dim={self.code_dim}) tensor for this autoencoder, got "
                             f"{tuple(getattr(codes, 'shape', ())) or type(codes).__name__}: a generator for it "
                             f"must output {self.code_dim} numbers")
        return codes

    def decode(self, z: torch.Tensor, *, temperature: float = 1.0, greedy: bool = False, exclude_ids=()):
        """Sentences decoded from codes (notebook 10): as :meth:`SentenceVAE.decode`, after
        checking the code size and projecting each code onto the unit sphere."""
        return super().decode(F.normalize(self.check_codes(z), dim=-1), temperature=temperature, greedy=greedy,
                              exclude_ids=exclude_ids)

    def loss(self, x: torch.Tensor, *, noise: float = 0.0, word_dropout: float = 0.0):
        """Reconstruction NLL per sentence (batch mean) with the code noised by N(0, noise^2 I)."""
        code = self.encode(x)[0]
        if check_positive(noise, "noise", allow_zero=True) > 0:
            code = code + noise * torch.randn_like(code)
        return -self.token_log_probs(x, code, word_dropout=word_dropout).sum(1).mean()

    def sample(self, num_samples: int, *, temperature: float = 1.0) -> torch.Tensor:
        """Sentences decoded from *random* codes (:func:`random_codes`): the floor a code GAN
        must beat, in every text model's ``sample`` format (notebooks 10, 11)."""
        check_temperature(temperature)
        return self.decode(random_codes(num_samples, self.code_dim, device=self.device), temperature=temperature)

    def nll_per_token(self, data: torch.Tensor, *, temperature: float = 1.0, batch_size: int = 1000) -> float:
        raise TypeError("an autoencoder assigns no probability to a sentence without its code; score the samples "
                        "of a code GAN (NLL-oracle, BLEU) instead")

    def validation_scores(self, data: torch.Tensor) -> dict:
        """What a record stores (notebook 10): ``score``, the reconstruction NLL per counted token
        from each sentence's own noiseless code, and both teacher-forced accuracies."""
        nll = tokens = 0.0
        self.eval()
        with torch.no_grad():
            for b in data.split(1000):
                nll += float(-self.token_log_probs(b, self.encode(b)[0]).sum())
                tokens += float(self.token_mask(b).sum())
        return {"score": nll / tokens, **reconstruction_accuracy(self, data)}


def random_codes(num: int, code_dim: int, *, device=None, generator: torch.Generator | None = None) -> torch.Tensor:
    """``num`` codes drawn uniformly on the unit sphere (N(0, I), normalised), notebook 10."""
    z = torch.randn(check_int(num, "num"), check_int(code_dim, "code_dim"), generator=generator, device=device)
    return F.normalize(z, dim=-1)


@torch.no_grad()
def reconstruction_accuracy(ae: SentenceAE, data: torch.Tensor, *, seed: int = 0) -> dict:
    """Teacher-forced next-word accuracy on ``data`` (notebook 10): the share of counted
    positions whose most likely word is the true one, when the decoder reads each sentence's
    own code (``own code``) and another sentence's code (``shuffled code``, a fixed
    permutation from ``seed``). A decoder that ignores its code scores both the same."""
    ae.check_rows(data, "data")
    if len(data) < 2:
        raise ValueError("reconstruction_accuracy needs at least 2 sentences to shuffle their codes")
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(check_int(seed, "seed", minimum=0)))
    codes, x = ae.codes(data), data.to(ae.device)
    was = ae.training
    ae.eval()
    out = {}
    for name, c in (("own code", codes), ("shuffled code", codes[perm.to(codes.device)])):
        right = total = 0.0
        for xb, cb in zip(x.split(1000), c.split(1000)):
            mask = ae.token_mask(xb).bool()
            right += float((ae.decoder_logits(xb, cb).argmax(-1) == xb)[mask].sum())
            total += float(mask.sum())
        out[name] = right / total
    ae.train(was)
    return out


def noise_at(step: int, total: int, start: float, end: float) -> float:
    """The code noise sigma after ``step`` of ``total`` updates: geometric from ``start`` to
    ``end`` (ARAE multiplies sigma by 0.995 every 100 updates; a shorter run keeps the shape)."""
    start, end = check_positive(start, "noise_start", allow_zero=True), check_positive(end, "noise_end", allow_zero=True)
    if (start == 0) != (end == 0):
        raise ValueError(f"noise_start and noise_end must both be 0 (no noise) or both > 0, got {start}, {end}")
    if start == 0:
        return 0.0
    return start * (end / start) ** min(check_int(step, "step", minimum=0) / max(total, 1), 1.0)


@dataclass(frozen=True)
class AEConfig:
    """How :func:`train_autoencoder` trains (notebook 10): ``num_epochs`` passes of Adam
    (``lr``, gradients clipped to ``grad_clip``), the code noise annealed from ``noise_start``
    to ``noise_end``. ``num_extra`` sentences sampled from the MLE model of the same data
    join the training rows (the recipe draws them): 3k reviews are too few for a decoder to
    learn to spell out any code, and a language model's samples teach it the grammar."""

    num_epochs: int = 10
    batch_size: int = 64
    lr: float = 3e-3
    noise_start: float = 0.05
    noise_end: float = 0.005
    grad_clip: float = 5.0
    num_extra: int = 0

    def __post_init__(self):
        check_int(self.num_epochs, "num_epochs"), check_int(self.batch_size, "batch_size")
        check_int(self.num_extra, "num_extra", minimum=0)
        check_positive(self.lr, "lr"), check_positive(self.grad_clip, "grad_clip")
        noise_at(0, 1, self.noise_start, self.noise_end)


def train_autoencoder(ae: SentenceAE, train: torch.Tensor, val: torch.Tensor, *, config: AEConfig = AEConfig(),
                      progress: bool = True, desc: str = "autoencoder") -> History:
    """Train ``ae`` in place on the reconstruction NLL of noised codes (notebook 10), in the one
    epoch loop of the text trainers. Logs per epoch ``train_recon`` (nats per sentence, with
    noise), the ``noise`` sigma, and on ``val`` the NLL per token and both accuracies."""
    if not isinstance(config, AEConfig):
        raise TypeError(f"config must be an AEConfig, got {type(config).__name__}")
    ae.check_rows(train, "train"), ae.check_rows(val, "val")
    total, step = config.num_epochs * math.ceil(len(train) / config.batch_size), 0

    def batch_loss(idx):
        nonlocal step
        sigma = noise_at(step, total, config.noise_start, config.noise_end)
        loss = ae.loss(train[idx].to(ae.device), noise=sigma)
        step += 1
        return loss, {"train_recon": (loss.item(), 1.0), "noise": (sigma, 1.0)}

    def evaluate(epoch: int) -> dict:
        scores = ae.validation_scores(val)
        return {"val_nll": scores["score"], "val_accuracy": scores["own code"],
                "val_accuracy_shuffled": scores["shuffled code"]}

    return train_epochs(ae, batch_loss, len(train), num_epochs=config.num_epochs, batch_size=config.batch_size,
                        lr=config.lr, grad_clip=config.grad_clip, evaluate=evaluate, progress=progress, desc=desc,
                        method="autoencoder")
