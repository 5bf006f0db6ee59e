"""Small networks for the continuous GANs, and the minibatch-discrimination layer.

Introduced in notebook 02 (the classic 1-D generator and discriminator, minibatch
discrimination) and reused in notebooks 03 and 04. Every discriminator here returns a
*logit*; D(x) = sigmoid(logit). Losses are computed from logits for numerical stability.
"""
from __future__ import annotations

import torch
from torch import nn

from ..common.checks import check_int, check_positive
from ..common.records import keeps_settings

__all__ = [
    "mlp",
    "UnitNorm",
    "MinibatchDiscrimination",
    "classic_1d_generator",
    "classic_1d_discriminator",
    "symmetric_1d_generator",
    "mlp_generator",
    "mlp_discriminator",
]

class UnitNorm(nn.Module):
    """Scales each row to unit L2 norm: a generator of points on the sphere, such as the
    sentence codes of notebook 10. Parameter-free, so replicas share it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(x, dim=-1)


_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": lambda: nn.LeakyReLU(0.2),
                "softplus": nn.Softplus, "elu": nn.ELU, "unit_norm": UnitNorm}


def mlp(sizes: list[int], activation: str = "relu", *, out_activation: str | None = None) -> nn.Sequential:
    """A multilayer perceptron ``sizes[0] -> ... -> sizes[-1]`` with ``activation`` between
    layers (notebook 02). ``out_activation`` (for example ``"tanh"``) is applied last, if given."""
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size, got {sizes}")
    for i, s in enumerate(sizes):
        check_int(s, f"sizes[{i}]")
    for name in (activation, out_activation):
        if name is not None and name not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; choose from {sorted(_ACTIVATIONS)}")
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(_ACTIVATIONS[activation]())
    if out_activation is not None:
        layers.append(_ACTIVATIONS[out_activation]())
    return nn.Sequential(*layers)


def _l1_pairs(m: torch.Tensor, inplace: bool) -> torch.Tensor:
    """L1 distance between every pair of columns of ``m`` (..., K, C, B) -> (..., K, B, B),
    one coordinate at a time on contiguous (K, B, B) blocks, which keeps memory at B * B * K."""
    l1 = (m[..., 0, :, None] - m[..., 0, None, :]).abs()
    for c in range(1, m.shape[-2]):
        diff = (m[..., c, :, None] - m[..., c, None, :]).abs()
        l1 = l1.add_(diff) if inplace else l1 + diff
    return l1


class _NeighbourSums(torch.autograd.Function):
    """sum_{j != i} exp(-||m_i - m_j||_1) for every column i of m (..., K, C, B) -> (..., K, B),
    with its gradient written out: the feature of i and of j share the pair's term, so
    dL/dm_i = -sum_j (g_i + g_j) exp(-l1_ij) sign(m_i - m_j). It makes fewer passes over the
    (B, B) blocks than autograd would (about twice as fast at batch 64 on a CPU), and when a
    graph is being built it uses differentiable operations, so a gradient penalty can still
    differentiate through it (a second derivative)."""

    @staticmethod
    def forward(ctx, m):
        e = _l1_pairs(m, inplace=True).neg_().exp_()
        ctx.save_for_backward(m, e)
        return e.sum(dim=-1) - 1.0        # exp(-0) = 1, each sample against itself, removed

    @staticmethod
    def backward(ctx, g):
        m, e = ctx.saved_tensors
        if torch.is_grad_enabled():       # building a graph for a second derivative: recompute e from m
            e = torch.exp(-_l1_pairs(m, inplace=False))
            w = (g[..., :, None] + g[..., None, :]) * e
            return torch.stack([-(w * (m[..., c, :, None] - m[..., c, None, :]).sign()).sum(dim=-1)
                                for c in range(m.shape[-2])], dim=-2)
        w = (g[..., :, None] + g[..., None, :]).mul_(e)
        return torch.stack([(m[..., c, :, None] - m[..., c, None, :]).sign_().mul_(w).sum(dim=-1).neg_()
                            for c in range(m.shape[-2])], dim=-2)


class MinibatchDiscrimination(nn.Module):
    """Minibatch discrimination (Salimans et al. 2016, section 3.2), introduced in notebook 02.

    Each sample's features ``f(x_i)`` are projected by a learned tensor ``T`` to
    ``num_kernels`` vectors ``M_{i,k}`` of size ``kernel_dim``; for every kernel the layer
    *sums* ``exp(-||M_{i,k} - M_{j,k}||_1)`` over the other samples ``j != i`` of the batch,
    as the paper's released code does (its formula also counts ``j = i``, which adds the
    same ``exp(0) = 1`` to every feature; the next linear layer's bias absorbs that
    constant, so the two define the same discriminators). A collapsed batch scores up to
    ``B - 1`` per kernel, a spread-out one close to 0: D can see the lack of diversity and
    punish it. Output: the input with ``num_kernels`` features appended.
    """

    @keeps_settings
    def __init__(self, in_features: int, num_kernels: int = 5, kernel_dim: int = 3):
        super().__init__()
        self.in_features = check_int(in_features, "in_features")
        self.num_kernels = check_int(num_kernels, "num_kernels")
        self.kernel_dim = check_int(kernel_dim, "kernel_dim")
        self.T = nn.Parameter(torch.randn(in_features, num_kernels * kernel_dim) * 0.1)

    @property
    def out_features(self) -> int:
        return self.in_features + self.num_kernels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # A stacked layer (see replicas.stack_modules) holds one projection per replica,
        # T of shape (replicas, in, K*C), and reads (replicas, batch, in).
        stacked = self.T.ndim == 3
        want = f"({self.T.shape[0]}, batch, {self.in_features})" if stacked else f"(batch, {self.in_features})"
        if x.ndim != self.T.ndim or x.shape[-1] != self.in_features or (stacked and x.shape[0] != self.T.shape[0]):
            raise ValueError(f"MinibatchDiscrimination expects input of shape {want}, got {tuple(x.shape)}")
        batch = x.shape[-2]
        if batch < 2:
            raise ValueError(f"minibatch discrimination compares samples within a batch: batch size must be "
                             f"at least 2{' per replica' if stacked else ''}, got {batch}")
        m = (x @ self.T).unflatten(-1, (self.num_kernels, self.kernel_dim))     # (..., B, K, C)
        # Each replica compares the samples of its own batch only. Summed over the other
        # samples, as in the paper: a feature counts the close neighbours a sample has.
        features = _NeighbourSums.apply(m.movedim(-3, -1).contiguous())          # (..., K, B)
        return torch.cat([x, features.transpose(-1, -2)], dim=-1)


@keeps_settings
def classic_1d_generator(hidden: int = 4) -> nn.Sequential:
    """Generator of the classic 1-D demo (notebook 02): linear -> softplus -> linear."""
    return nn.Sequential(nn.Linear(1, hidden), nn.Softplus(), nn.Linear(hidden, 1))


def symmetric_1d_generator(k: float, c: float, *, scale: float = 1.0, shift: float = 0.0,
                           hidden: int = 4) -> nn.Sequential:
    """The classic 1-D generator (notebook 02) with weights set by hand, so that
    ``G(z) = shift + scale * (softplus(k (z - c)) - softplus(-k (z + c)))``: two of its hidden
    units, the others switched off. G is odd around ``shift``, so evenly spaced noise gives a
    symmetric density: a shape the trained generators could have found, and did not."""
    hidden = check_int(hidden, "hidden", minimum=2)          # two units are used
    k = check_positive(k, "k")
    c = check_positive(c, "c", allow_zero=True)
    net = classic_1d_generator(hidden)
    with torch.no_grad():
        for p in net.parameters():
            p.zero_()
        net[0].weight[:2, 0] = torch.tensor([k, -k])
        net[0].bias[:2] = -k * c
        net[2].weight[0, :2] = torch.tensor([scale, -scale])
        net[2].bias.fill_(shift)
    return net


@keeps_settings
def classic_1d_discriminator(hidden: int = 4, *, minibatch: bool = False, num_kernels: int = 5,
                             kernel_dim: int = 3) -> nn.Sequential:
    """Discriminator of the classic 1-D demo (notebook 02): a deeper tanh MLP of width
    ``2 * hidden``; with ``minibatch=True`` its third layer is replaced by minibatch
    discrimination, as in the demo. Returns logits."""
    width = 2 * check_int(hidden, "hidden")
    layers: list[nn.Module] = [nn.Linear(1, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh()]
    if minibatch:
        mbd = MinibatchDiscrimination(width, num_kernels, kernel_dim)
        layers += [mbd, nn.Linear(mbd.out_features, 1)]
    else:
        layers += [nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1)]
    return nn.Sequential(*layers)


@keeps_settings
def mlp_generator(noise_dim: int = 2, data_dim: int = 2, hidden: int = 128, depth: int = 3,
                  activation: str = "relu", out_activation: str | None = None) -> nn.Sequential:
    """An MLP generator ``noise_dim -> hidden x depth -> data_dim`` (notebooks 03, 04, 10);
    ``out_activation="unit_norm"`` puts its outputs on the unit sphere (10's sentence codes)."""
    depth = check_int(depth, "depth")
    return mlp([noise_dim] + [hidden] * depth + [data_dim], activation, out_activation=out_activation)


@keeps_settings
def mlp_discriminator(data_dim: int = 2, hidden: int = 128, depth: int = 2, *, pack: int = 1,
                      minibatch: bool = False, num_kernels: int = 8, kernel_dim: int = 4,
                      activation: str = "leaky_relu") -> nn.Sequential:
    """An MLP discriminator returning logits (notebooks 03, 04).

    ``pack=m`` makes it a PacGAN discriminator that judges ``m`` samples at once (its input is
    ``m * data_dim`` wide; pass the same ``pack`` to :func:`train_gan`, which does the packing). ``minibatch=True`` inserts a
    minibatch-discrimination layer before the output layer.
    """
    pack = check_int(pack, "pack")
    depth = check_int(depth, "depth")
    body = mlp([data_dim * pack] + [hidden] * depth, activation)
    body.append(_ACTIVATIONS[activation]())
    if minibatch:
        mbd = MinibatchDiscrimination(hidden, num_kernels, kernel_dim)
        body.extend([mbd, nn.Linear(mbd.out_features, 1)])
    else:
        body.append(nn.Linear(hidden, 1))
    return body
