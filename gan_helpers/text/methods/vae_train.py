"""Training a sentence VAE and the diagnostics of notebook 09: active units, interpolation
between two sentences, and whether the decoder uses z at all.

Introduced in notebook 09. Training runs in the one epoch loop of the text trainers
(:func:`~gan_helpers.text.train_epochs`) and records the one :class:`~gan_helpers.text.History`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from ...common.checks import check_int, check_positive, check_probability
from ...common.history import History
from ..training.trainer import train_epochs
from .vae import SentenceVAE, check_free_bits, kl_weight, vae_terms

__all__ = ["VAEConfig", "train_vae", "active_units", "interpolate", "path_nll", "z_dependence"]


@dataclass(frozen=True)
class VAEConfig:
    """How :func:`train_vae` trains (notebook 09): ``num_epochs`` passes of Adam (``lr``,
    gradients clipped to ``grad_clip``) over minibatches; the KL weight follows
    :func:`kl_weight` over ``anneal_steps`` updates (0 = no annealing); ``word_dropout`` is
    the probability of dropping each decoder input word (0 = none); ``free_bits`` is
    Kingma et al. (2016)'s threshold lambda in nats per latent unit (0 = none, see
    :meth:`SentenceVAE.loss`). With ``patience``, training stops once the validation bound
    has not improved for that many epochs and keeps the weights of its best epoch."""

    num_epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    anneal_steps: int = 0
    anneal_kind: str = "sigmoid"
    word_dropout: float = 0.0
    grad_clip: float = 5.0
    free_bits: float = 0.0
    patience: int | None = None

    def __post_init__(self):
        check_int(self.num_epochs, "num_epochs"), check_int(self.batch_size, "batch_size")
        check_int(self.anneal_steps, "anneal_steps", minimum=0)
        kl_weight(0, self.anneal_steps, kind=self.anneal_kind)
        check_probability(self.word_dropout, "word_dropout")
        if self.word_dropout >= 1:
            raise ValueError("word_dropout must be below 1: at 1 the decoder never sees a word")
        check_positive(self.lr, "lr"), check_positive(self.grad_clip, "grad_clip")
        check_free_bits(self.free_bits)
        if self.patience is not None:
            check_int(self.patience, "patience")


def train_vae(vae: SentenceVAE, train: torch.Tensor, val: torch.Tensor, *, config: VAEConfig = VAEConfig(),
              heldout: torch.Tensor | None = None, progress: bool = True, desc: str = "VAE") -> History:
    """Train ``vae`` in place on the annealed negative ELBO (notebook 09). Each update:
    encode, reparameterise, decode with word dropout, loss = recon + kl_weight(step) * KL
    (with free bits, each unit's KL floored at ``config.free_bits``).
    The history logs per epoch (nats per sentence): ``train_recon``/``train_kl`` (means over
    the epoch's batches, with word dropout), ``val_recon``/``val_kl`` (no word dropout, fixed
    noise), the negative ELBO per token ``val_bound``, the ``kl_weight`` at the epoch's end
    and the ``active_units`` on val; with ``heldout`` rows, the same four for them
    (``test_recon``, ``test_kl``, ``test_bound``, ``test_active_units``), only watched. With
    ``config.patience`` it early-stops on ``val_bound`` (``history.best_step``; epoch 0,
    the untrained model, is logged too). Raises if the loss becomes NaN or infinite."""
    if not isinstance(config, VAEConfig):
        raise TypeError(f"config must be a VAEConfig, got {type(config).__name__}")
    vae.check_rows(train, "train"), vae.check_rows(val, "val")
    if heldout is not None:
        vae.check_rows(heldout, "heldout")
    updates = 0

    def batch_loss(idx):
        nonlocal updates
        beta = kl_weight(updates, config.anneal_steps, kind=config.anneal_kind)
        loss, recon, kl = vae.loss(train[idx].to(vae.device), kl_weight=beta, word_dropout=config.word_dropout,
                                   free_bits=config.free_bits)
        updates += 1
        return loss, {"train_recon": (recon.item(), 1.0), "train_kl": (kl.item(), 1.0)}

    def evaluate(epoch: int) -> dict:
        terms = vae_terms(vae, val)
        out = {"val_recon": terms["recon"], "val_kl": terms["kl"], "val_bound": terms["bound"],
               "kl_weight": kl_weight(updates, config.anneal_steps, kind=config.anneal_kind),
               "active_units": active_units(vae, val)}
        if heldout is not None:
            terms = vae_terms(vae, heldout)
            out.update(test_recon=terms["recon"], test_kl=terms["kl"], test_bound=terms["bound"],
                       test_active_units=active_units(vae, heldout))
        return out

    stop = {} if config.patience is None else {"monitor": "val_bound", "patience": config.patience}
    return train_epochs(vae, batch_loss, len(train), num_epochs=config.num_epochs, batch_size=config.batch_size,
                        lr=config.lr, grad_clip=config.grad_clip, evaluate=evaluate, progress=progress, desc=desc,
                        method="VAE", **stop)


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


def _latent_path(vae: SentenceVAE, x_a: torch.Tensor, x_b: torch.Tensor, num_points: int) -> torch.Tensor:
    """z = (1 - a) mu_a + a mu_b for ``num_points`` evenly spaced a in [0, 1], ``(num_points, latent_dim)``."""
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
    return (1 - alphas) * mu[0] + alphas * mu[1]


def interpolate(vae: SentenceVAE, x_a: torch.Tensor, x_b: torch.Tensor, num_points: int = 5, *,
                exclude_ids: Sequence[int] = ()) -> torch.Tensor:
    """Greedy decodings ``(num_points, seq_len)`` of z = (1 - a) mu_a + a mu_b for ``num_points``
    evenly spaced a in [0, 1] between the posterior means of two sentences (notebook 09);
    ``exclude_ids`` as in :meth:`SentenceVAE.decode`."""
    return vae.decode(_latent_path(vae, x_a, x_b, num_points), greedy=True, exclude_ids=exclude_ids)


def path_nll(vae: SentenceVAE, x_a: torch.Tensor, x_b: torch.Tensor, num_points: int = 5) -> dict:
    """Along the same path as :func:`interpolate`, the reconstruction NLL (nats per sentence)
    of each end sentence decoded from each point (notebook 09): ``{"alpha", "nll_a", "nll_b"}``,
    numpy arrays of ``num_points``. In a latent space that moves gradually from one sentence to
    the other, ``nll_a`` rises and ``nll_b`` falls along the path."""
    z = _latent_path(vae, x_a, x_b, num_points)
    was_training = vae.training
    vae.eval()
    with torch.no_grad():
        nll = {f"nll_{end}": (-vae.token_log_probs(x.reshape(1, -1).to(z.device).expand(len(z), -1), z).sum(1)).double().cpu().numpy()
               for end, x in (("a", x_a), ("b", x_b))}
    vae.train(was_training)
    return {"alpha": torch.linspace(0, 1, len(z)).numpy(), **nll}


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
