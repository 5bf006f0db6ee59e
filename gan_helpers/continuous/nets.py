"""Small networks for the continuous GANs, and the minibatch-discrimination layer.

Introduced in notebook 02 (the classic 1-D generator and discriminator, minibatch
discrimination) and reused in notebooks 03 and 04. Every discriminator here returns a
*logit*; D(x) = sigmoid(logit). Losses are computed from logits for numerical stability.
"""
from __future__ import annotations

import torch
from torch import nn

from ..common.checks import check_int
from ..common.records import keeps_settings

__all__ = [
    "mlp",
    "UnitNorm",
    "MinibatchDiscrimination",
    "classic_1d_generator",
    "classic_1d_discriminator",
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


class MinibatchDiscrimination(nn.Module):
    """Minibatch discrimination (Salimans et al. 2016), introduced in notebook 02.

    Each sample is projected to ``num_kernels`` vectors of size ``kernel_dim``; for every
    kernel the layer averages ``exp(-L1 distance)`` to the *other* samples of the batch. A
    collapsed generator makes all samples alike, so these features are large for a fake
    batch and small for a real one: D can see the lack of diversity and punish it.
    Output: the input with ``num_kernels`` features appended.
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
        # L1 distance between every pair of samples of a batch (so within a replica, never
        # across replicas), one coordinate at a time: this keeps memory at (B, B, K) and
        # stays twice differentiable, so a gradient penalty can go through it.
        l1 = sum((m[..., :, None, :, c] - m[..., None, :, :, c]).abs() for c in range(self.kernel_dim))
        # exp(-0) = 1 for each sample against itself; remove it so only *other* samples count.
        # Averaging (the paper sums) keeps the features in [0, 1] whatever the batch size,
        # so a large batch cannot saturate the output layer.
        features = (torch.exp(-l1).sum(dim=-2) - 1.0) / (batch - 1)           # (..., B, K)
        return torch.cat([x, features], dim=-1)


@keeps_settings
def classic_1d_generator(hidden: int = 4) -> nn.Sequential:
    """Generator of the classic 1-D demo (notebook 02): linear -> softplus -> linear."""
    return nn.Sequential(nn.Linear(1, hidden), nn.Softplus(), nn.Linear(hidden, 1))


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
