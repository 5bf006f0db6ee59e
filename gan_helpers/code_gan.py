"""The third way out of notebook 05, trained: a GAN on sentence codes (notebook 10; ARAE, Zhao
et al. 2018; LaTextGAN, Donahue & Rumshisky 2018).

Words are discrete; a sentence autoencoder's codes are not. This module joins the two wings,
which is why it lives at the package's top, the one floor that may import both: the
continuous wing's MLP networks and its one training loop (:func:`~gan_helpers.train_gan` of
notebooks 02-04, unchanged) learn the distribution of the text wing's autoencoder codes
(:class:`~gan_helpers.text.SentenceAE`, a shipped record); the autoencoder's decoder turns
generated codes into words.

A :class:`CodeGANRecipe` says how one code GAN is trained; notebook 10 trains one live,
``python -m gan_helpers.recipes --rebuild codegan_reviews`` trains the shipped seeds for
notebook 11, and :func:`load_code_gan` reads one back as a text model with
``sample(num_samples, temperature=...)``.
"""
from __future__ import annotations

import dataclasses
import pathlib
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .common.records import RecordError, read_record, rebuild_network, save_record
from .continuous.nets import mlp_discriminator, mlp_generator
from .continuous.training import TrainGANConfig, train_gan
from .text.core.sampling import check_temperature
from .text.pretrained.checkpoints import RECORD_DIR, load_data, load_pretrained

# rebuild, check, build_order and record_path serve `python -m gan_helpers.recipes`.
__all__ = ["CodeGANRecipe", "CODE_GAN_RECIPES", "code_gan_networks", "train_code_gan", "CodeGANSampler",
           "load_code_gan"]


@dataclass(frozen=True)
class CodeGANRecipe:
    """How a code GAN is trained (notebook 10): on the codes of ``data``'s training rows under
    the shipped autoencoder record ``autoencoder``, by :func:`train_gan` with ``config``; the
    generator maps N(0, I) noise of ``noise_dim`` through ``depth`` hidden layers of
    ``hidden`` units onto the unit sphere, the critic is an MLP of the same size; Adam with
    ``lr`` and ``betas`` for both. ``seeds`` are the shipped runs (one generator each)."""

    name: str
    data: str
    autoencoder: str
    config: TrainGANConfig
    noise_dim: int = 32
    hidden: int = 256
    depth: int = 2
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)
    seeds: tuple = (0, 1, 2)

    def __post_init__(self):
        if self.data not in ("oracle", "reviews"):
            raise ValueError(f"recipe {self.name!r}: data must be 'oracle' or 'reviews', got {self.data!r}")
        if not isinstance(self.config, TrainGANConfig):
            raise TypeError(f"recipe {self.name!r}: config must be a TrainGANConfig, got {type(self.config).__name__}")
        object.__setattr__(self, "betas", tuple(self.betas))
        object.__setattr__(self, "seeds", tuple(self.seeds))


# R1 on the real codes (Mescheder et al. 2018), the penalty notebook 03 found steadiest
_CONFIG = TrainGANConfig(num_steps=1500, batch_size=64, r1_weight=10.0, eval_steps=(250, 500, 1000), snapshot_steps=(),
                         num_eval_samples=500)
RECIPES = {r.name: r for r in (
    CodeGANRecipe("codegan_reviews", "reviews", "ae_reviews", _CONFIG),
    CodeGANRecipe("codegan_oracle", "oracle", "ae_oracle", _CONFIG),
)}
CODE_GAN_RECIPES = RECIPES      # RECIPES is the name every wing's recipes share


def code_gan_networks(code_dim: int, *, noise_dim: int = 32, hidden: int = 256, depth: int = 2):
    """``(generator, critic)`` for codes of size ``code_dim`` (notebook 10): the continuous
    wing's :func:`mlp_generator`, its output put on the unit sphere like the autoencoder's
    codes, and :func:`mlp_discriminator`."""
    return (mlp_generator(noise_dim, code_dim, hidden, depth, out_activation="unit_norm"),
            mlp_discriminator(code_dim, hidden, depth))


def nearest_cosine(codes: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean cosine similarity of each code to its nearest ``reference`` code (notebook 10):
    1 when every generated code copies a training code, lower when they spread between them."""
    return float((F.normalize(codes, dim=-1) @ reference.T).max(1).values.mean())


def train_code_gan(ae, train_rows: torch.Tensor, recipe: CodeGANRecipe, *, seed: int = 0,
                   num_steps: int | None = None, progress: bool = True):
    """Train one code GAN from ``seed`` (notebook 10): encode ``train_rows`` with ``ae``, then
    :func:`train_gan` on the codes, logging ``nearest_cosine`` of the fakes to the training
    codes at the evaluation steps. ``num_steps`` shortens the recipe. Returns
    ``(generator, critic, history)``."""
    if not isinstance(recipe, CodeGANRecipe):
        raise TypeError(f"recipe must be a CodeGANRecipe, got {type(recipe).__name__}")
    codes = ae.codes(train_rows)
    config = recipe.config
    if num_steps is not None:
        config = dataclasses.replace(config, num_steps=num_steps,
                                     eval_steps=tuple(s for s in config.eval_steps if s < num_steps))
    torch.manual_seed(seed)
    G, D = code_gan_networks(ae.code_dim, noise_dim=recipe.noise_dim, hidden=recipe.hidden, depth=recipe.depth)
    opt_g = torch.optim.Adam(G.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=recipe.lr, betas=recipe.betas)
    history = train_gan(G, D, lambda n: codes[torch.randint(len(codes), (n,))],
                        lambda n: torch.randn(n, recipe.noise_dim), config, opt_g=opt_g, opt_d=opt_d,
                        metrics_fn=lambda fake: {"nearest_cosine": nearest_cosine(fake, codes)},
                        progress=progress, desc=f"code GAN ({recipe.data})")
    G.eval()
    return G, D, history


class CodeGANSampler:
    """A trained code GAN read as a text model (notebooks 10, 11): ``sample`` draws noise,
    maps it to codes with ``generator`` and decodes them with the autoencoder ``ae``."""

    def __init__(self, ae, generator, noise_dim: int):
        out = generator(torch.zeros(1, noise_dim)).shape[-1]
        ae.check_codes(torch.zeros(1, out), "the generator's codes")
        self.ae, self.generator, self.noise_dim = ae, generator, noise_dim

    def codes(self, num_samples: int) -> torch.Tensor:
        """``(num_samples, code_dim)`` generated codes."""
        with torch.no_grad():
            return self.generator(torch.randn(num_samples, self.noise_dim))

    def sample(self, num_samples: int, *, temperature: float = 1.0, greedy: bool = False) -> torch.Tensor:
        """Sentences ``(num_samples, seq_len)`` decoded from generated codes at ``temperature``
        (or greedily), in every text model's ``sample`` format."""
        check_temperature(temperature)
        return self.ae.decode(self.codes(num_samples), temperature=temperature, greedy=greedy)

    def nll_per_token(self, data: torch.Tensor, *, temperature: float = 1.0, batch_size: int = 1000) -> float:
        """NaN: a code GAN has no tractable likelihood (p(x) integrates over every code), so it
        has no NLL-test; sweeps (notebook 11) show the entry as missing rather than fail."""
        check_temperature(temperature)
        return float("nan")


def _recipe(name: str) -> CodeGANRecipe:
    if name not in RECIPES:
        raise ValueError(f"unknown code GAN {name!r}; choose one of {sorted(RECIPES)}")
    return RECIPES[name]


def record_path(name: str, directory=None):
    """Where code GAN ``name``'s record lives (beside the shipped text models)."""
    return pathlib.Path(directory or RECORD_DIR) / f"{_recipe(name).name}.pt"


def _fingerprint(recipe, data) -> dict:
    return {"autoencoder": recipe.autoencoder, **data.fingerprint()}


def rebuild(name: str, *, directory=None, progress: bool = True) -> dict:
    """Train every seed of code GAN ``name`` and save the generators with their histories.
    Returns the mean final ``nearest_cosine``."""
    recipe = _recipe(name)
    data = load_data(recipe.data)
    ae = load_pretrained(recipe.autoencoder, data, directory=directory)
    runs = [train_code_gan(ae, data.train, recipe, seed=s, progress=progress) for s in recipe.seeds]
    scores = {"nearest_cosine": sum(h.final("nearest_cosine") for _, _, h in runs) / len(runs)}
    save_record(record_path(name, directory), name=name, recipe=recipe, data=_fingerprint(recipe, data),
                history=[h for _, _, h in runs], networks={f"seed{s}": g for s, (g, _, _) in zip(recipe.seeds, runs)},
                scores=scores)
    return scores


def load_code_gan(name: str = "codegan_reviews", seed: int = 0, *, data=None, directory=None) -> CodeGANSampler:
    """Shipped code GAN ``name`` ("codegan_reviews" or "codegan_oracle"), training seed
    ``seed``, with its autoencoder, as a :class:`CodeGANSampler` (notebooks 10, 11). The record
    is checked against the code's recipe and the data; ``data`` defaults to the recipe's. The
    autoencoder record is read from the same ``directory``."""
    recipe = _recipe(name)
    data = load_data(recipe.data) if data is None else data
    record = read_record(record_path(name, directory), recipe=recipe, data=_fingerprint(recipe, data))
    if f"seed{seed}" not in record["networks"]:
        raise ValueError(f"code GAN {name!r} ships seeds {list(recipe.seeds)}, not {seed!r}")
    generator = rebuild_network(record["networks"][f"seed{seed}"], {"mlp_generator": mlp_generator}).eval()
    return CodeGANSampler(load_pretrained(recipe.autoencoder, data, directory=directory), generator, recipe.noise_dim)


def check(name: str, *, directory=None) -> str:
    """Read code GAN ``name``'s record, check recipe and data, and that every seed's generator
    rebuilds (``python -m gan_helpers.recipes --check``)."""
    recipe = _recipe(name)
    for s in recipe.seeds:
        try:
            load_code_gan(name, s, directory=directory)
        except (RuntimeError, KeyError) as err:
            if isinstance(err, RecordError):
                raise
            raise RecordError(f"record {name}.pt, seed {s}: {err}; rebuild it with "
                              f"`python -m gan_helpers.recipes --rebuild {name}`") from err
    return f"{len(recipe.seeds)} generators rebuilt"


def build_order(names=None) -> list[str]:
    """Code GANs in name order (they start from the text wing's autoencoder records)."""
    return sorted(names or RECIPES)
