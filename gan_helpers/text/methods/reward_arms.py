"""Where SeqGAN's gain comes from (notebook 06): one policy gradient, several rewards.

- :func:`seqgan_discriminator` and :func:`discriminator_epochs`: the discriminator as
  SeqGAN's code trains it (widths 1-10, 15 and 20, a highway layer, dropout 0.25, L2 0.2 on
  the output layer; rounds of a few epochs over real and fresh generated sentences, shuffled
  together, one Adam optimizer kept across rounds), scaled by the filter count;
- :func:`discriminator_report`: its accuracy on the sentences it trained on and on held-out
  ones, and the correlation of its score with the oracle's log-likelihood;
- :func:`train_reward_arms`: copies of one MLE start trained side by side with the same
  optimizer, updates and rollouts, each by its reward (:data:`REWARD_ARMS`): D's verdict as
  in SeqGAN's code (no baseline) or with the leave-one-out baseline, a constant, D's
  rewards permuted across the batch, the oracle's log-likelihood, or MLE continued.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ...common.checks import check_int, check_positive, check_probability
from ...common.history import History
from ...common.runtime import progress_bar
from ..core.metrics import heldout_nll, oracle_nll
from ..core.models import SEQGAN_FILTER_SIZES, SEQGAN_NUM_FILTERS, CNNDiscriminator, check_same_vocab
from ..core.sampling import check_temperature
from ..core.vocab import check_ids
from ..training.trainer import descend
from .seqgan import policy_gradient_loss, rollout_completions, rollout_rewards, update_rollout_net

__all__ = ["REWARD_ARMS", "seqgan_discriminator", "discriminator_epochs", "discriminator_scores",
           "discriminator_report", "entropy_per_token", "leave_one_out", "oracle_rollout_rewards", "arm_advantages",
           "ArmsConfig", "train_reward_arms"]

# arm -> what rewards each sampled word (notebook 06)
REWARD_ARMS = {
    "discriminator": "D's verdict by rollouts, no baseline (SeqGAN's code)",
    "discriminator_loo": "D's verdict by rollouts, leave-one-out baseline",
    "constant": "a constant reward of 1 per word, no baseline",
    "permuted": "the discriminator arm's rewards, permuted across the batch",
    "oracle": "the oracle's log-likelihood per word by rollouts, leave-one-out baseline",
    "mle": "no reward: MLE continued on the training sentences",
}


def check_arm(name: str) -> str:
    if name not in REWARD_ARMS:
        raise ValueError(f"unknown reward arm {name!r}; choose from {sorted(REWARD_ARMS)}")
    return name


def seqgan_discriminator(vocab_size: int, *, emb_dim: int = 64, scale: float = 1.0) -> CNNDiscriminator:
    """SeqGAN's CNN discriminator (notebook 06): widths 1-10, 15 and 20 with 100-200 filters
    each (1,720 in all) times ``scale`` (at least one per width), highway, dropout 0.25."""
    scale = check_positive(scale, "scale")
    counts = [max(1, round(n * scale)) for n in SEQGAN_NUM_FILTERS]
    return CNNDiscriminator(vocab_size, emb_dim=emb_dim, filter_sizes=SEQGAN_FILTER_SIZES, num_filters=counts,
                            dropout=0.25, highway=True)


def discriminator_epochs(discriminator, optimizer, real: torch.Tensor, fake: torch.Tensor, *, epochs: int = 3,
                         batch_size: int = 64, l2: float = 0.2) -> list[float]:
    """One discriminator round as SeqGAN's code runs it (notebook 06): ``real`` and ``fake``
    ids shuffled together once, then ``epochs`` passes in minibatches of mixed labels, the
    cross-entropy plus ``l2`` times half the squared norm of the output layer (TensorFlow's
    l2_loss). ``optimizer`` is kept across rounds, as SeqGAN keeps its Adam. Returns the losses."""
    epochs, batch_size = check_int(epochs, "epochs"), check_int(batch_size, "batch_size")
    l2 = check_positive(l2, "l2", allow_zero=True)
    for name, x in (("real", real), ("fake", fake)):
        check_ids(x, discriminator.vocab_size, name)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real rows have {real.shape[1]} positions but fake rows {fake.shape[1]}")
    x = torch.cat([real, fake])
    y = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
    order = torch.randperm(len(x))
    x, y = x[order], y[order]
    out, losses = discriminator.out, []
    discriminator.train()
    for _ in range(epochs):
        for start in range(0, len(x) - batch_size + 1, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            loss = F.binary_cross_entropy_with_logits(discriminator(xb), yb)
            if l2:
                loss = loss + l2 * 0.5 * (out.weight.pow(2).sum() + out.bias.pow(2).sum())
            losses.append(descend(loss, optimizer, what="discriminator loss"))
    discriminator.eval()
    return losses


@torch.inference_mode()
def discriminator_scores(discriminator, x: torch.Tensor, *, chunk: int = 4096) -> torch.Tensor:
    """D's logits for ``x`` in eval mode, ``chunk`` rows at a time (notebook 06)."""
    was_training = discriminator.training
    discriminator.eval()
    logits = torch.cat([discriminator(part) for part in x.split(check_int(chunk, "chunk"))])
    discriminator.train(was_training)
    return logits


def _accuracy(real_logits, fake_logits) -> float:
    return float(((real_logits > 0).sum() + (fake_logits <= 0).sum()) / (len(real_logits) + len(fake_logits)))


def discriminator_report(discriminator, generator, oracle, *, train: torch.Tensor, heldout: torch.Tensor,
                         num_samples: int = 2000) -> dict:
    """How much D knows (notebook 06): its accuracy on ``train`` rows (the ones it learns
    from) and on ``heldout`` rows, each against fresh samples of ``generator``, and the
    Pearson correlation, over those samples, of D's logit with the oracle's log-likelihood."""
    check_same_vocab(discriminator, generator, oracle)
    n = min(check_int(num_samples, "num_samples"), len(train), len(heldout))
    fake = generator.sample(n)
    fake_logits = discriminator_scores(discriminator, fake)
    with torch.inference_mode():
        loglik = oracle.log_probs(fake).sum(1)
    corr = float(np.corrcoef(fake_logits.numpy(), loglik.numpy())[0, 1])
    return {"d_train_acc": _accuracy(discriminator_scores(discriminator, train[:n]), fake_logits),
            "d_heldout_acc": _accuracy(discriminator_scores(discriminator, heldout[:n]), fake_logits),
            "d_corr_oracle": corr}


@torch.inference_mode()
def entropy_per_token(generator, *, num_samples: int = 1000, temperature: float = 1.0) -> float:
    """Exact per-word entropy of ``generator`` at ``temperature`` (notebook 06): the entropy
    of each next-word distribution, summed along the model's own samples, per token."""
    temperature = check_temperature(temperature)
    x = generator.sample(check_int(num_samples, "num_samples"), temperature=temperature)
    logp = F.log_softmax(generator(x) / temperature, -1)
    mask = generator.token_mask(x)
    return float(((-(logp.exp() * logp).sum(-1)) * mask).sum() / mask.sum())


def leave_one_out(rewards: torch.Tensor) -> torch.Tensor:
    """Advantages ``r_i - mean_{j != i} r_j`` per position (notebook 05's unbiased baseline)."""
    if rewards.dim() != 2 or len(rewards) < 2:
        raise ValueError(f"leave_one_out needs (batch >= 2, seq_len) rewards, got {tuple(rewards.shape)}")
    return rewards - (rewards.sum(0, keepdim=True) - rewards) / (len(rewards) - 1)


@torch.inference_mode()
def oracle_rollout_rewards(rollout_net, oracle, x: torch.Tensor, *, num_rollouts: int = 16) -> torch.Tensor:
    """Per-word rewards as :func:`rollout_rewards` computes them, with the oracle's mean
    log-likelihood per word of each completion in place of D's verdict (notebook 06)."""
    check_same_vocab(rollout_net, oracle)
    n, seq_len = x.shape
    completions = rollout_completions(rollout_net, x, num_rollouts)
    scores = oracle.log_probs(torch.cat([completions, x])).mean(1)
    q = scores[:-n].view(seq_len - 1, num_rollouts, n).mean(1).T
    return torch.cat([q, scores[-n:, None]], dim=1)


def arm_advantages(arm: str, rewards: torch.Tensor) -> torch.Tensor:
    """The advantage each arm weights ``log G`` by, from its rewards (notebook 06)."""
    return leave_one_out(rewards) if check_arm(arm) in ("discriminator_loo", "oracle") else rewards


@dataclass(frozen=True)
class ArmsConfig:
    """Settings shared by every arm (notebook 06): ``num_steps`` updates of Adam (``lr``,
    gradients clipped at ``grad_clip``) on batches of ``batch_size`` samples, rewards by
    ``num_rollouts`` completions from a rollout net updated at ``rollout_update_rate``. After
    each update a discriminator arm's D takes ``d_rounds`` rounds of ``d_epochs`` epochs over
    ``d_round_size`` training rows and as many fresh samples (Adam ``d_lr``, L2 ``d_l2``).
    Every ``eval_every`` updates each arm is scored on ``eval_samples`` samples."""

    num_steps: int = 30
    batch_size: int = 64
    lr: float = 1e-2
    grad_clip: float = 5.0
    num_rollouts: int = 16
    rollout_update_rate: float = 0.8
    constant: float = 1.0
    d_rounds: int = 1
    d_epochs: int = 3
    d_round_size: int = 1000
    d_lr: float = 1e-4
    d_l2: float = 0.2
    eval_every: int = 5
    eval_samples: int = 2000

    def __post_init__(self):
        for name in ("num_steps", "batch_size", "num_rollouts", "d_epochs", "d_round_size", "eval_every",
                     "eval_samples"):
            check_int(getattr(self, name), name)
        check_int(self.d_rounds, "d_rounds", minimum=0)
        for name in ("lr", "grad_clip", "constant", "d_lr"):
            check_positive(getattr(self, name), name)
        check_positive(self.d_l2, "d_l2", allow_zero=True)
        check_probability(self.rollout_update_rate, "rollout_update_rate")
        if self.batch_size < 2:
            raise ValueError("batch_size must be at least 2 for the leave-one-out baseline")


_D_ARMS = ("discriminator", "discriminator_loo")
_ROLLOUT_ARMS = _D_ARMS + ("oracle",)


def train_reward_arms(start, data, *, arms=tuple(REWARD_ARMS), discriminator=None, config: ArmsConfig = ArmsConfig(),
                      progress: bool = True, generators: dict | None = None) -> dict:
    """Train one copy of ``start`` per arm side by side (notebook 06), every arm with the same
    optimizer, updates and rollouts, and return ``{arm: History}``. ``data`` is an
    :class:`~gan_helpers.text.OracleData`. Each discriminator arm gets its own copy of the
    pretrained ``discriminator`` (and its own Adam), trained after every update on its own
    generator's samples as in SeqGAN; the permuted arm reuses the ``"discriminator"`` arm's
    rewards of the same update, shuffled across the batch rows. Evaluations log NLL-oracle,
    NLL-test, per-word entropy and, for a discriminator arm, :func:`discriminator_report`.
    A dict passed as ``generators`` receives each arm's trained generator."""
    if not isinstance(config, ArmsConfig):
        raise TypeError(f"config must be an ArmsConfig, got {type(config).__name__}")
    chosen = {check_arm(a) for a in ([arms] if isinstance(arms, str) else arms)}
    if not chosen:
        raise ValueError(f"give at least one arm from {sorted(REWARD_ARMS)}")
    arms = [a for a in REWARD_ARMS if a in chosen]          # the discriminator arm before the permuted one
    if "permuted" in chosen and "discriminator" not in chosen:
        raise ValueError("the permuted arm shuffles the discriminator arm's rewards: include 'discriminator' too")
    if chosen & {*_D_ARMS} and discriminator is None:
        raise ValueError("a discriminator arm needs a pretrained discriminator (discriminator=...)")
    check_same_vocab(start, data.oracle, *([discriminator] if discriminator is not None else []))
    check_ids(data.train, start.vocab_size, "train", seq_len=start.seq_len)
    gens = {a: copy.deepcopy(start) for a in arms}
    opts = {a: torch.optim.Adam(gens[a].parameters(), lr=config.lr) for a in arms}
    rolls = {a: copy.deepcopy(start).requires_grad_(False) for a in arms if a in _ROLLOUT_ARMS}
    discs = {a: copy.deepcopy(discriminator) for a in arms if a in _D_ARMS}
    # foreach: the same Adam steps to the bit, in fewer calls (D has 28 tensors)
    d_opts = {a: torch.optim.Adam(d.parameters(), lr=config.d_lr, foreach=True) for a, d in discs.items()}
    histories = {a: History(a) for a in arms}
    size = min(config.d_round_size, len(data.train))

    def evaluate(step: int) -> None:
        for a, G in gens.items():
            metrics = {"nll_oracle": oracle_nll(data.oracle, G.sample(config.eval_samples)),
                       "nll_test": heldout_nll(G, data.test), "entropy": entropy_per_token(G)}
            if a in discs:
                metrics.update(discriminator_report(discs[a], G, data.oracle, train=data.train, heldout=data.val))
            histories[a].log(step, **metrics)

    evaluate(0)
    for step in progress_bar(range(1, config.num_steps + 1), desc="arms", enabled=progress):
        shared = None
        for a in arms:
            G = gens[a]
            if a == "mle":
                real = data.train[torch.randint(len(data.train), (config.batch_size,))]
                g = descend(G.nll(real), opts[a], params=G.parameters(), grad_clip=config.grad_clip, what="MLE loss")
                histories[a].add("mle step", step, g_loss=g)
                continue
            x = G.sample(config.batch_size)
            if a in discs:
                rewards = rollout_rewards(rolls[a], discs[a], x, num_rollouts=config.num_rollouts)
            elif a == "oracle":
                rewards = oracle_rollout_rewards(rolls[a], data.oracle, x, num_rollouts=config.num_rollouts)
            elif a == "constant":
                rewards = torch.full(x.shape, config.constant) * G.token_mask(x)
            else:
                rewards = shared[torch.randperm(len(shared))]
            shared = rewards if a == "discriminator" else shared
            loss = policy_gradient_loss(G, x, arm_advantages(a, rewards), baseline=False)
            g = descend(loss, opts[a], params=G.parameters(), grad_clip=config.grad_clip, what=f"{a} arm's loss")
            histories[a].add(f"{a} step", step, g_loss=g, reward=float(rewards.mean()))
            if a in rolls:
                update_rollout_net(rolls[a], G, config.rollout_update_rate)
        for a, D in discs.items():
            losses = []
            for _ in range(config.d_rounds):
                real = data.train[torch.randint(len(data.train), (size,))]
                losses += discriminator_epochs(D, d_opts[a], real, gens[a].sample(size), epochs=config.d_epochs,
                                               batch_size=config.batch_size, l2=config.d_l2)
            if losses:
                histories[a].d_loss.append(sum(losses) / len(losses))
        if step % config.eval_every == 0 or step == config.num_steps:
            evaluate(step)
    if generators is not None:
        generators.update(gens)
    return histories
