"""SeqGAN (Yu et al. 2017): REINFORCE with Monte Carlo rollouts for per-token rewards.

Introduced in notebook 06. The pieces:

- :func:`prefix_states` reads a batch of sentences once and keeps the LSTM state after every
  prefix, so a rollout never re-reads its prefix;
- :func:`rollout_completions` completes every prefix of every sentence ``num_rollouts``
  times with the one decoding loop (:func:`~gan_helpers.text.decode`): one pass over the
  positions, where the rows that start at position t (``batch * num_rollouts`` of them)
  join the rows already running, from their cached states;
- :func:`rollout_rewards` scores the completions with the discriminator;
- :func:`update_rollout_net`: the rollout policy is a *delayed* copy of the generator,
  ``theta_roll <- rate * theta_roll + (1 - rate) * theta_G`` (rate 0.8 as in SeqGAN);
- :func:`policy_gradient_loss`: the REINFORCE surrogate with a per-position baseline;
- :func:`seqgan_generator_step` and :func:`train_seqgan`: SeqGAN's generator step and its
  discriminator rounds in the one text-GAN loop (:func:`~gan_helpers.text.train_adversarial`),
  compared in notebook 06 with :func:`~gan_helpers.text.continue_mle` at equal updates.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from ...common.checks import check_int, check_probability
from ...common.history import History
from ..core.models import check_same_vocab
from ..core.sampling import check_temperature, decode_loop
from ..core.vocab import check_ids
from ..training.adversarial import GANConfig, Schedule, check_training_data, oracle_evaluation, train_adversarial
from ..training.discriminate import train_discriminator
from ..training.trainer import descend

__all__ = ["SeqGANConfig", "prefix_states", "rollout_completions", "rollout_rewards", "update_rollout_net",
           "policy_gradient_loss", "seqgan_generator_step", "train_seqgan"]


@dataclass(frozen=True)
class SeqGANConfig(GANConfig):
    """Settings of adversarial training (notebook 06), on top of :class:`GANConfig`'s. SeqGAN's
    own: 16 rollouts, rollout update rate 0.8, Adam with lr 0.01, gradients clipped at 5.
    After every ``d_every`` generator updates the discriminator takes a round of ``d_steps``
    minibatch updates on fresh samples (one :func:`train_discriminator` call)."""

    num_steps: int = 50          # generator updates
    num_rollouts: int = 16
    rollout_update_rate: float = 0.8
    baseline: bool = True
    d_steps: int = 5

    def __post_init__(self):
        super().__post_init__()
        check_int(self.num_rollouts, "num_rollouts")
        check_probability(self.rollout_update_rate, "rollout_update_rate")


def prefix_states(generator, x: torch.Tensor):
    """LSTM states ``(h, c)``, each ``(seq_len, batch, hidden)``: entry t is the state after
    reading ``<start>, x_0 .. x_{t-1}``, from which x_t is predicted (notebook 06).
    One pass over the sentences, so rollouts start from a prefix without re-reading it."""
    check_ids(x, generator.vocab_size)
    n, seq_len = x.shape
    state = generator.step(torch.full((n,), generator.start_id, dtype=torch.long, device=x.device), None)[1]
    hs, cs = [state[0][0]], [state[1][0]]
    for t in range(seq_len - 1):
        state = generator.step(x[:, t], state)[1]
        hs.append(state[0][0])
        cs.append(state[1][0])
    return torch.stack(hs), torch.stack(cs)


def rollout_completions(rollout_net, x: torch.Tensor, num_rollouts: int, temperature: float = 1.0) -> torch.Tensor:
    """Complete each prefix x[:, :t], t = 1 .. seq_len-1, ``num_rollouts`` times (notebook 06).

    Returns ``((seq_len-1) * num_rollouts * batch, seq_len)`` ids, in blocks by prefix length
    t (block t-1 holds the completions of x[:, :t]). One pass of :func:`decode_loop` over the
    positions s: the block of prefix length s joins at s from its cached state, so position
    s is sampled for all running rows (``s * num_rollouts * batch``) in one batched step.
    """
    n, seq_len = x.shape
    num_rollouts = check_int(num_rollouts, "num_rollouts")
    hs, cs = prefix_states(rollout_net, x)
    rows = x.repeat(num_rollouts, 1)                                       # (block, seq_len)
    eos = rollout_net.eos_id

    def join(position, features, state, done):
        s = position + 1                    # the block completing x[:, :s] starts writing at position s
        state = tuple(torch.cat([running, cached[s].repeat(num_rollouts, 1)[None]], 1)
                      for running, cached in zip(state, (hs, cs)))
        if eos is not None:                 # a prefix that holds <eos> continues with <pad> only
            done = torch.cat([done, (rows[:, :s] == eos).any(1)])
        return state[0][0], state, done     # an LSTM's output is its hidden state

    empty = hs.new_empty(0, hs.shape[2])
    done = torch.zeros(0, dtype=torch.bool, device=x.device) if eos is not None else None
    words = decode_loop(rollout_net.step, empty, (empty[None], empty[None]), seq_len - 1, head=rollout_net.out,
                   temperature=temperature, eos_id=eos, pad_id=rollout_net.pad_id, done=done, join=join)
    out = rows.repeat(seq_len - 1, 1)       # every block starts as a copy; the sampled positions overwrite it
    for position, tok in enumerate(words):
        out[: len(tok), position + 1] = tok
    return out


def rollout_rewards(rollout_net, discriminator, x: torch.Tensor, *, num_rollouts: int = 16,
                    temperature: float = 1.0) -> torch.Tensor:
    """Per-token rewards ``(batch, seq_len)`` for sentences ``x`` (notebook 06, SeqGAN eq. 4).

    Q(x_<=t) = mean over ``num_rollouts`` completions of x[:, :t+1] by ``rollout_net`` of
    D(completion), with D = sigmoid of the discriminator's logit; the last token's reward is
    D(x) itself. All ``(seq_len - 1) * num_rollouts * batch`` completions are sampled in one
    batched pass and scored in one discriminator call. Positions after ``<eos>`` get 0.
    """
    check_same_vocab(rollout_net, discriminator)
    check_ids(x, rollout_net.vocab_size)
    num_rollouts = check_int(num_rollouts, "num_rollouts")
    temperature = check_temperature(temperature)
    if x.shape[1] != rollout_net.seq_len:
        raise ValueError(f"x has {x.shape[1]} positions but the rollout network's seq_len is {rollout_net.seq_len}")
    n, seq_len = x.shape
    was_training = discriminator.training
    discriminator.eval()
    with torch.no_grad():
        completions = rollout_completions(rollout_net, x, num_rollouts, temperature)
        scores = torch.sigmoid(discriminator(torch.cat([completions, x])))
    discriminator.train(was_training)
    rollout_scores, last = scores[:-n], scores[-n:]
    q = rollout_scores.view(seq_len - 1, num_rollouts, n).mean(1).T          # (batch, seq_len - 1)
    rewards = torch.cat([q, last[:, None]], dim=1)
    return rewards * rollout_net.token_mask(x)


def update_rollout_net(rollout_net, generator, rate: float = 0.8) -> None:
    """Delayed update of the rollout policy (notebook 06, SeqGAN's code):
    ``theta_roll <- rate * theta_roll + (1 - rate) * theta_G``. rate 0 copies G; rate 1 freezes."""
    rate = check_probability(rate, "rate")
    check_same_vocab(rollout_net, generator)
    with torch.no_grad():
        for p_roll, p_gen in zip(rollout_net.parameters(), generator.parameters()):
            if p_roll.shape != p_gen.shape:
                raise ValueError(f"rollout network and generator differ in shape ({tuple(p_roll.shape)} vs "
                                 f"{tuple(p_gen.shape)}); make the rollout network with copy.deepcopy(generator)")
            p_roll.mul_(rate).add_(p_gen, alpha=1 - rate)


def policy_gradient_loss(generator, x: torch.Tensor, rewards: torch.Tensor, *, baseline: bool = True) -> torch.Tensor:
    """REINFORCE surrogate (notebook 06): ``-mean_{b,t} A[b,t] * log G(x_t | x_<t)``.

    A = rewards minus, with ``baseline``, the batch mean of the reward at the same position,
    which removes the shared offset of D's scores without biasing the gradient (notebook 05).
    Its gradient is minus the policy-gradient estimate; the rewards carry no gradient.
    """
    if rewards.shape != x.shape:
        raise ValueError(f"rewards {tuple(rewards.shape)} must match the sentences {tuple(x.shape)}")
    if not torch.isfinite(rewards).all():
        raise FloatingPointError("the rewards hold NaN or infinite values: the discriminator's output diverged "
                                 "(lower d_lr)")
    mask = generator.token_mask(x)
    advantage = rewards.detach()
    if baseline:
        advantage = (advantage - (advantage * mask).sum(0) / mask.sum(0).clamp_min(1)) * mask
    return -(advantage * generator.log_probs(x)).sum() / mask.sum()


def seqgan_generator_step(generator, rollout_net, discriminator, optimizer, config: SeqGANConfig) -> dict:
    """One SeqGAN generator update (notebook 06): sample a batch, reward each token by
    rollouts, take a policy-gradient step, then move the rollout network towards G.
    Returns the surrogate loss and the mean reward of the batch, ``{"g_loss", "reward"}``."""
    x = generator.sample(config.batch_size)
    rewards = rollout_rewards(rollout_net, discriminator, x, num_rollouts=config.num_rollouts)
    loss = policy_gradient_loss(generator, x, rewards, baseline=config.baseline)
    g_loss = descend(loss, optimizer, params=generator.parameters(), grad_clip=config.grad_clip,
                     what="policy-gradient loss")
    update_rollout_net(rollout_net, generator, config.rollout_update_rate)
    return {"g_loss": g_loss, "reward": float(rewards.sum() / generator.token_mask(x).sum())}


def train_seqgan(generator, discriminator, real: torch.Tensor, *, oracle, test: torch.Tensor,
                 config: SeqGANConfig = SeqGANConfig(), progress: bool = True) -> History:
    """Adversarial SeqGAN training of ``generator`` in place (notebook 06), in the one
    text-GAN loop: each of ``config.num_steps`` generator updates is
    :func:`seqgan_generator_step`; every ``d_every`` updates the discriminator takes a round
    of ``d_steps`` Adam steps on ``real`` rows vs fresh generator samples. Every
    ``eval_every`` updates (and at step 0) the history logs NLL-oracle under ``oracle``
    (``None`` for real text, which has no oracle) and NLL-test on ``test``.
    """
    if not isinstance(config, SeqGANConfig):
        raise TypeError(f"config must be a SeqGANConfig, got {type(config).__name__}")
    check_same_vocab(generator, discriminator)
    check_training_data(generator, real, test, oracle)
    rollout_net = copy.deepcopy(generator)
    rollout_net.requires_grad_(False)
    optimizer = torch.optim.Adam(generator.parameters(), lr=config.lr)

    def discriminator_round(step: int) -> float:
        losses = train_discriminator(discriminator, real, lambda n: generator.sample(n), num_steps=config.d_steps,
                                     batch_size=config.batch_size, lr=config.d_lr)
        return sum(losses) / len(losses)

    schedule = Schedule(config.num_steps, d_steps=1 if config.d_steps else 0, d_every=config.d_every,
                        eval_every=config.eval_every)          # one round = one train_discriminator call
    return train_adversarial(lambda step: seqgan_generator_step(generator, rollout_net, discriminator, optimizer,
                                                                config),
                             discriminator_round, schedule=schedule, method="SeqGAN", progress=progress,
                             evaluate=oracle_evaluation(generator, oracle, test, config.eval_samples))
