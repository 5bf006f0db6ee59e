"""SeqGAN (Yu et al. 2017): REINFORCE with Monte Carlo rollouts for per-token rewards.

Introduced in notebook 06. The pieces:

- :func:`prefix_states` reads a batch of sentences once and keeps the LSTM state after every
  prefix, so a rollout never re-reads its prefix;
- :func:`rollout_rewards` completes every prefix of every sentence ``num_rollouts`` times and
  scores the completions with the discriminator. All rollouts run as one batched
  computation: one loop over the sentence's positions, where the rows that start at
  position t (``batch * num_rollouts`` of them) join the rows already running;
- :func:`update_rollout_net`: the rollout policy is a *delayed* copy of the generator,
  ``theta_roll <- rate * theta_roll + (1 - rate) * theta_G`` (rate 0.8 as in SeqGAN);
- :func:`policy_gradient_loss`: the REINFORCE surrogate with a per-position baseline;
- :func:`train_seqgan`: generator steps alternating with discriminator retraining, with the
  oracle metrics recorded along the way, and :func:`continue_mle`, the MLE run it is
  compared with at the same number of generator updates.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import torch

from ..utils import check_int, check_positive, check_probability, progress_bar
from .discriminate import train_discriminator
from .metrics import heldout_nll, oracle_nll
from .models import check_ids, check_same_vocab, check_temperature

__all__ = ["SeqGANConfig", "TrainingCurve", "draw_from_logits", "prefix_states", "rollout_rewards", "update_rollout_net",
           "policy_gradient_loss", "seqgan_generator_step", "train_seqgan", "continue_mle"]


@dataclass(frozen=True)
class SeqGANConfig:
    """Settings of adversarial training (notebook 06). SeqGAN's own: 16 rollouts, rollout
    update rate 0.8, Adam with lr 0.01, gradients clipped at 5. ``d_steps`` discriminator
    minibatch updates on fresh samples follow every ``d_every`` generator updates."""

    num_steps: int = 50          # generator updates
    batch_size: int = 64
    num_rollouts: int = 16
    rollout_update_rate: float = 0.8
    lr: float = 1e-2
    grad_clip: float = 5.0
    baseline: bool = True
    d_steps: int = 5
    d_every: int = 1
    d_lr: float = 1e-4
    eval_every: int = 10
    eval_samples: int = 2000

    def __post_init__(self):
        for name in ("num_steps", "batch_size", "num_rollouts", "d_every", "eval_every", "eval_samples"):
            check_int(getattr(self, name), name)
        check_int(self.d_steps, "d_steps", minimum=0)
        check_probability(self.rollout_update_rate, "rollout_update_rate")
        for name in ("lr", "grad_clip", "d_lr"):
            check_positive(getattr(self, name), name)


@dataclass
class TrainingCurve:
    """Metrics over training (notebook 06): at each recorded generator step, NLL-oracle of
    ``eval_samples`` fresh samples and NLL-test of held-out oracle data (nats/token), plus
    the mean reward and discriminator loss of the adversarial steps (empty for MLE).
    Without an oracle (real text) NLL-oracle is recorded as NaN."""

    method: str
    steps: list[int] = field(default_factory=list)
    nll_oracle: list[float] = field(default_factory=list)
    nll_test: list[float] = field(default_factory=list)
    mean_reward: list[float] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0
    _clock: float | None = field(default=None, repr=False)

    def record(self, step: int, generator, oracle, test: torch.Tensor, num_samples: int) -> None:
        """Append NLL-oracle and NLL-test of ``generator`` at ``step``. ``seconds`` counts
        training time only: the clock runs from the end of one record to the start of the next."""
        if self._clock is not None:
            self.seconds += time.perf_counter() - self._clock
        self.steps.append(step)
        self.nll_oracle.append(float("nan") if oracle is None else oracle_nll(oracle, generator.sample(num_samples)))
        self.nll_test.append(heldout_nll(generator, test))
        self._clock = time.perf_counter()

    def as_row(self) -> dict:
        """Start and end values, for a table."""
        return {"method": self.method, "steps": self.steps[-1], "NLL-oracle start": self.nll_oracle[0],
                "NLL-oracle end": self.nll_oracle[-1], "NLL-test start": self.nll_test[0],
                "NLL-test end": self.nll_test[-1], "seconds": self.seconds}


def draw_from_logits(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """One id per row of ``logits`` ``(n, vocab)`` drawn from softmax(logits / temperature),
    ids ``(n,)`` (notebook 06). Same distribution as :func:`draw_categorical`, but a
    two-level inverse CDF: pick a group of about sqrt(vocab) ids by the group sums, then an
    id inside it. That avoids a cumulative sum over the whole vocabulary, the slowest step of
    sampling on a CPU, and the normalisation (the CDF is scaled by its last entry)."""
    n, vocab = logits.shape
    group = max(1, int(vocab ** 0.5))
    while vocab % group:                 # a divisor of vocab near its square root: no padding copy
        group -= 1
    scaled = logits if temperature == 1.0 else logits / temperature
    w = scaled.exp().view(n, vocab // group, group)        # unnormalised: the CDF is rescaled below
    group_cdf = w.sum(2).cumsum(1)
    total = group_cdf[:, -1]
    if not bool(((total > 1e-30) & torch.isfinite(total)).all()):   # exp over- or underflowed: subtract the max
        w = (scaled - scaled.amax(1, keepdim=True)).exp_().view(n, vocab // group, group)
        group_cdf = w.sum(2).cumsum(1)
    u = torch.rand(n, 1, device=logits.device, dtype=w.dtype) * group_cdf[:, -1:]
    g = torch.searchsorted(group_cdf, u, right=True).clamp_(max=group_cdf.shape[1] - 1)
    u = u - torch.where(g > 0, group_cdf.gather(1, (g - 1).clamp_min(0)), torch.zeros_like(u))
    inner_cdf = w.gather(1, g[:, :, None].expand(n, 1, group))[:, 0].cumsum(1)
    j = torch.searchsorted(inner_cdf, u, right=True).clamp_(max=group - 1)
    return (g * group + j)[:, 0]


def _sample_next(net, h: torch.Tensor, temperature: float, chunk: int = 1024) -> torch.Tensor:
    """Next ids ``(n,)`` from LSTM outputs ``h`` ``(n, hidden)``: logits and draw, computed in
    row tiles of ``chunk``. Same result as one call on all rows; the tiles keep the
    ``(chunk, vocab)`` temporaries in the CPU cache, about 3x faster than one huge tensor."""
    return torch.cat([draw_from_logits(net.out(rows), temperature) for rows in h.split(chunk)])


def _lstm_step(generator, tokens: torch.Tensor, state):
    """One LSTM step on ids ``(n,)``: returns the new ``(h, c)``, each ``(1, n, hidden)``."""
    return generator.lstm(generator.embedding(tokens[:, None]), state)[1]


def prefix_states(generator, x: torch.Tensor):
    """LSTM states ``(h, c)``, each ``(seq_len, batch, hidden)``: entry t is the state after
    reading ``<start>, x_0 .. x_{t-1}``, from which x_t is predicted (notebook 06).
    One pass over the sentences, so rollouts start from a prefix without re-reading it."""
    check_ids(x, generator.vocab_size)
    n, seq_len = x.shape
    start = torch.full((n,), generator.start_id, dtype=torch.long, device=x.device)
    state = _lstm_step(generator, start, None)
    hs, cs = [state[0][0]], [state[1][0]]
    for t in range(seq_len - 1):
        state = _lstm_step(generator, x[:, t], state)
        hs.append(state[0][0])
        cs.append(state[1][0])
    return torch.stack(hs), torch.stack(cs)


def _complete_all_prefixes(rollout_net, x: torch.Tensor, num_rollouts: int, temperature: float) -> torch.Tensor:
    """Complete each prefix x[:, :t], t = 1 .. seq_len-1, ``num_rollouts`` times.

    Returns ``((seq_len-1) * num_rollouts * batch, seq_len)`` ids, in blocks by prefix length
    t (block t-1 holds the completions of x[:, :t]). One loop over positions s: the block of
    prefix length s joins at s, starting from the cached state, so position s is sampled for
    all running rows (``s * num_rollouts * batch``) in one batched step (tiled over rows
    for the CPU cache, see :func:`_sample_next`).
    """
    n, seq_len = x.shape
    block = n * num_rollouts
    hs, cs = prefix_states(rollout_net, x)
    # every block starts as a copy of the sentences; the sampled positions are overwritten below
    rows = x.repeat(num_rollouts, 1)                                       # (block, seq_len)
    out = rows.repeat(seq_len - 1, 1)                                      # (blocks * block, seq_len)
    eos, pad = rollout_net.eos_id, rollout_net.pad_id
    h = c = hs.new_empty(0, hs.shape[2])
    done = torch.zeros(0, dtype=torch.bool, device=x.device)
    for s in range(1, seq_len):
        h = torch.cat([h.view(-1, hs.shape[2]), hs[s].repeat(num_rollouts, 1)])    # block s joins
        c = torch.cat([c.view(-1, cs.shape[2]), cs[s].repeat(num_rollouts, 1)])
        tok = _sample_next(rollout_net, h, temperature)         # position s for all running rows
        if eos is not None:                 # real text: after <eos> the only continuation is <pad>
            done = torch.cat([done, (rows[:, :s] == eos).any(1)])
            tok = torch.where(done, pad, tok)
            done = done | (tok == eos)
        out[: len(tok), s] = tok
        if s < seq_len - 1:
            h, c = _lstm_step(rollout_net, tok, (h[None], c[None]))
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
        completions = _complete_all_prefixes(rollout_net, x, num_rollouts, temperature)
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
        raise ValueError("rewards hold NaN or infinite values; check the discriminator")
    mask = generator.token_mask(x)
    advantage = rewards.detach()
    if baseline:
        advantage = (advantage - (advantage * mask).sum(0) / mask.sum(0).clamp_min(1)) * mask
    return -(advantage * generator.log_probs(x)).sum() / mask.sum()


def seqgan_generator_step(generator, rollout_net, discriminator, optimizer, config: SeqGANConfig) -> float:
    """One SeqGAN generator update (notebook 06): sample a batch, reward each token by
    rollouts, take a policy-gradient step, then move the rollout network towards G.
    Returns the mean reward of the batch."""
    x = generator.sample(config.batch_size)
    rewards = rollout_rewards(rollout_net, discriminator, x, num_rollouts=config.num_rollouts)
    loss = policy_gradient_loss(generator, x, rewards, baseline=config.baseline)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(generator.parameters(), config.grad_clip)
    optimizer.step()
    update_rollout_net(rollout_net, generator, config.rollout_update_rate)
    return float((rewards.sum() / generator.token_mask(x).sum()))


def _check_setup(generator, real: torch.Tensor, test: torch.Tensor, oracle) -> None:
    for name, data in (("real", real), ("test", test)):
        check_ids(data, generator.vocab_size, name)
        if data.shape[1] != generator.seq_len:
            raise ValueError(f"{name} rows have {data.shape[1]} positions but the generator's seq_len is "
                             f"{generator.seq_len}")
    if oracle is not None:
        check_same_vocab(generator, oracle)


def train_seqgan(generator, discriminator, real: torch.Tensor, *, oracle, test: torch.Tensor,
                 config: SeqGANConfig = SeqGANConfig(), progress: bool = True) -> TrainingCurve:
    """Adversarial SeqGAN training of ``generator`` in place (notebook 06).

    Each of ``config.num_steps`` generator updates is :func:`seqgan_generator_step`; every
    ``d_every`` updates the discriminator takes ``d_steps`` Adam steps on ``real`` rows vs
    fresh generator samples. Every ``eval_every`` updates (and at step 0) the curve records
    NLL-oracle under ``oracle`` (``None`` for real text, which has no oracle) and NLL-test
    on ``test``.
    """
    check_same_vocab(generator, discriminator)
    _check_setup(generator, real, test, oracle)
    rollout_net = copy.deepcopy(generator)
    rollout_net.requires_grad_(False)
    optimizer = torch.optim.Adam(generator.parameters(), lr=config.lr)
    curve = TrainingCurve("SeqGAN")
    curve.record(0, generator, oracle, test, config.eval_samples)
    for step in progress_bar(range(1, config.num_steps + 1), desc="SeqGAN", enabled=progress):
        curve.mean_reward.append(seqgan_generator_step(generator, rollout_net, discriminator, optimizer, config))
        if config.d_steps and step % config.d_every == 0:
            losses = train_discriminator(discriminator, real, lambda n: generator.sample(n), num_steps=config.d_steps,
                                         batch_size=config.batch_size, lr=config.d_lr)
            curve.d_loss.append(sum(losses) / len(losses))
        if step % config.eval_every == 0 or step == config.num_steps:
            curve.record(step, generator, oracle, test, config.eval_samples)
    return curve


def continue_mle(generator, real: torch.Tensor, *, oracle, test: torch.Tensor,
                 config: SeqGANConfig = SeqGANConfig(), progress: bool = True) -> TrainingCurve:
    """The baseline of notebook 06: keep training ``generator`` by MLE on ``real`` for the
    same number of generator updates (``config.num_steps`` minibatches of
    ``config.batch_size``, same optimizer and lr) and record the same curve."""
    _check_setup(generator, real, test, oracle)
    optimizer = torch.optim.Adam(generator.parameters(), lr=config.lr)
    curve = TrainingCurve("MLE continued")
    curve.record(0, generator, oracle, test, config.eval_samples)
    for step in progress_bar(range(1, config.num_steps + 1), desc="MLE", enabled=progress):
        loss = generator.nll(real[torch.randint(len(real), (config.batch_size,))])
        if not torch.isfinite(loss):
            raise FloatingPointError(f"the MLE loss became {loss.item()} at step {step}; lower lr (now {config.lr})")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(generator.parameters(), config.grad_clip)
        optimizer.step()
        if step % config.eval_every == 0 or step == config.num_steps:
            curve.record(step, generator, oracle, test, config.eval_samples)
    return curve
