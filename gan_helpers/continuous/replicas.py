"""Many independent copies of a small network, trained as one batched model.

Introduced in notebook 02 and used in 03: a claim about GAN training is a claim about
seeds, so each row of their tables trains 10 or more replicas at once. Replica ``r`` of a
stacked network holds its own weights in slice ``r`` of every parameter; its input is
slice ``r`` of a ``(replicas, batch, features)`` tensor. Nothing mixes across the first
dimension, so the replicas are as independent as separate runs, and Adam, whose update is
per element, updates each exactly as it would update a lone copy. On a CPU a small GAN's
step costs mostly Python and kernel-launch overhead, which the replicas share.
"""
from __future__ import annotations

import copy
from typing import Callable, Sequence

import torch
from torch import nn

from ..common.checks import check_int
from .nets import MinibatchDiscrimination

__all__ = ["BatchedLinear", "stack_modules", "build_replicas", "replica_count", "replica_seeds"]


class BatchedLinear(nn.Module):
    """``replicas`` independent linear layers applied at once (notebook 02):
    input ``(replicas, batch, in_features)`` -> ``(replicas, batch, out_features)``, one
    ``torch.baddbmm``. Built from plain ``nn.Linear`` layers by :func:`stack_modules`."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor):
        super().__init__()
        if weight.ndim != 3 or bias.shape != (weight.shape[0], 1, weight.shape[2]):
            raise ValueError(f"need weight (replicas, in, out) and bias (replicas, 1, out), got "
                             f"{tuple(weight.shape)} and {tuple(bias.shape)}")
        self.weight = nn.Parameter(weight.contiguous())
        self.bias = nn.Parameter(bias.contiguous())

    @classmethod
    def from_linears(cls, layers: Sequence[nn.Linear]) -> "BatchedLinear":
        """Stack ``nn.Linear`` layers of one shape: replica ``r`` computes what ``layers[r]`` computes."""
        with torch.no_grad():
            weight = torch.stack([layer.weight.t() for layer in layers])
            bias = torch.stack([layer.bias for layer in layers]).unsqueeze(1)
        return cls(weight.clone(), bias.clone())

    @property
    def num_replicas(self) -> int:
        return self.weight.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[0] != self.num_replicas or x.shape[2] != self.weight.shape[1]:
            raise ValueError(f"BatchedLinear expects input of shape ({self.num_replicas}, batch, "
                             f"{self.weight.shape[1]}), got {tuple(x.shape)}")
        return torch.baddbmm(self.bias, x, self.weight)

    def extra_repr(self) -> str:
        return f"replicas={self.num_replicas}, in_features={self.weight.shape[1]}, out_features={self.weight.shape[2]}"


def stack_modules(modules: Sequence[nn.Module]) -> nn.Module:
    """One batched network from copies of one architecture (notebook 02).

    ``modules[r]`` becomes replica ``r``: ``nn.Linear`` layers become :class:`BatchedLinear`,
    a :class:`MinibatchDiscrimination` layer stacks its projection (each replica compares
    samples of its own batch only), parameter-free layers (activations) are shared, and
    ``nn.Sequential`` containers are stacked layer by layer. The result reads
    ``(replicas, batch, features)``.
    """
    modules = list(modules)
    if not modules:
        raise ValueError("stack_modules needs at least one module")
    first = modules[0]
    if any(type(m) is not type(first) for m in modules):
        raise TypeError(f"all replicas must have one architecture, got {sorted({type(m).__name__ for m in modules})}")
    if isinstance(first, nn.Sequential):
        if any(len(m) != len(first) for m in modules):
            raise ValueError("all replicas must have the same number of layers")
        return nn.Sequential(*(stack_modules(layers) for layers in zip(*modules)))
    shapes = {tuple(tuple(p.shape) for p in m.parameters()) for m in modules}
    if len(shapes) > 1:
        raise ValueError(f"all replicas must have the same parameter shapes, got {sorted(shapes)}")
    if isinstance(first, nn.Linear):
        if first.bias is None:
            raise ValueError("stack_modules needs nn.Linear layers with a bias")
        return BatchedLinear.from_linears(modules)
    if isinstance(first, MinibatchDiscrimination):
        if first.T.ndim != 2:
            raise ValueError("this minibatch-discrimination layer is already stacked")
        stacked = copy.deepcopy(first)
        stacked.T = nn.Parameter(torch.stack([m.T.detach() for m in modules]).clone())
        return stacked
    if next(first.parameters(), None) is None and next(first.buffers(), None) is None:
        return copy.deepcopy(first)
    raise TypeError(f"cannot stack {type(first).__name__}: replicas support nn.Sequential, nn.Linear, "
                    "MinibatchDiscrimination and layers without parameters (activations)")


def build_replicas(build: Callable[[], nn.Module | tuple], seeds: Sequence[int]):
    """Call ``build()`` once per seed, after ``torch.manual_seed(seed)``, and stack the
    results (notebooks 02, 03).

    ``build`` returns a network or a tuple of networks (say ``(G, D)``); the answer has the
    same form, each network stacked over the seeds. Replica ``r`` therefore starts from
    exactly the weights that ``set_seed(seeds[r])`` followed by ``build()`` gives. The
    global random state is left as it was.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValueError("build_replicas needs at least one seed")
    seeds = [check_int(s, "seed", minimum=0) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must differ, or two replicas would be the same run: {seeds}")
    made = []
    with torch.random.fork_rng(devices=[]):
        for seed in seeds:
            torch.manual_seed(seed)
            made.append(build())
    if isinstance(made[0], tuple):
        return tuple(stack_modules([m[i] for m in made]) for i in range(len(made[0])))
    return stack_modules(made)


def replica_count(module: nn.Module) -> int | None:
    """The number of replicas a network built by :func:`stack_modules` holds, or ``None``
    for a plain network. Raises if it mixes stacked and plain layers or replica counts."""
    counts = set()
    for m in module.modules():
        if isinstance(m, BatchedLinear):
            counts.add(m.num_replicas)
        elif isinstance(m, MinibatchDiscrimination):
            counts.add(m.T.shape[0] if m.T.ndim == 3 else None)
        elif isinstance(m, nn.Linear):
            counts.add(None)
    if len(counts) > 1:
        raise ValueError(f"{type(module).__name__} mixes layers of different replica counts "
                         f"({sorted(counts, key=str)}); build it with stack_modules or build_replicas")
    return counts.pop() if counts else None


def replica_seeds(seed: int, num_replicas: int) -> list[int]:
    """The seeds of a block of replicas: ``seed * 1000 + r`` for ``r < num_replicas``
    (notebooks 02, 03). Blocks of different notebook seeds never share a replica."""
    seed = check_int(seed, "seed", minimum=0)
    num_replicas = check_int(num_replicas, "num_replicas")
    if num_replicas > 1000:
        raise ValueError(f"num_replicas must be at most 1000, got {num_replicas}")
    return [seed * 1000 + r for r in range(num_replicas)]
