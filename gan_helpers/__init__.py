"""Helpers for the course "GANs for text generation".

Each notebook shows the idea in short cells and imports the plumbing from here, for
example ``from gan_helpers import set_seed, train_gan, correlation_gap``. The package has
wings that show its layers; imports only run down, and the text wing never imports the
continuous one:

- ``common/``: what every notebook shares (argument checks, seeding and the device,
  claim checks, the GAN losses, the one training history, records, display helpers);
- ``continuous/``: the GANs on numbers of notebooks 01-04 (toy data, networks, replicas,
  the training loop, theory, metrics, plots, widgets, and the tabular data of 04);
- ``text/``: notebooks 05-11, in floors ``core`` -> ``training`` -> ``methods`` ->
  ``pretrained`` -> ``lessons`` (import its names from ``gan_helpers.text``);
- ``course/``: tooling (run a notebook, sweep its claims, the website, workshop copies);
- ``code_gan`` and ``soft_critic``: notebook 10's two continuous routes for text, which join
  the wings (the continuous ``train_gan`` on the text wing's autoencoder codes or softmax
  rows), so they live here, at the top, the one floor that may import both;
- ``recipes``: the one command for the long runs the notebooks load
  (``python -m gan_helpers.recipes --list``).

The names of ``common``, ``continuous``, ``code_gan`` and ``soft_critic`` are offered here
and loaded lazily: a public name loads its module, with that module's libraries, the first
time it is used.
"""
from .common.exports import lazy_exports as _lazy_exports

__version__ = "0.1.0"

# Modules whose public names the package offers, lowest layer first.
_MODULES = ("common.checks", "common.runtime", "common.claims", "common.losses", "common.history",
            "common.display", "common.reviews", "common.records",
            "continuous.toy_data", "continuous.nets", "continuous.replicas", "continuous.training",
            "continuous.metrics", "continuous.theory", "continuous.plots", "continuous.widgets",
            "continuous.recipes", "continuous.tabular.checks", "continuous.tabular.embedding",
            "continuous.tabular.synthesis", "continuous.tabular.metrics", "continuous.tabular.plots",
            "continuous.tabular.recipes", "code_gan", "soft_critic")
_SUBPACKAGES = ("common", "continuous", "text", "course", "recipes")

__all__, __getattr__, __dir__ = _lazy_exports(__name__, __path__[0], _MODULES, _SUBPACKAGES)
