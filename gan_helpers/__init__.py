"""Helpers for the course "GANs for text generation".

Each notebook shows the idea in short cells and imports the plumbing from here, for
example ``from gan_helpers import set_seed, train_gan, correlation_gap``.

Importing the package is light. A public name loads its module, with that module's
libraries (torch, scikit-learn, seaborn, ipywidgets), the first time it is used (a module
``__getattr__``, PEP 562): notebook 01 does not wait for notebook 04's libraries. The
public names are the ``__all__`` lists of the modules below, read from their source.
"""
import ast as _ast
import importlib as _importlib
import os as _os

__version__ = "0.1.0"

# Modules whose public names the package offers, lowest layer first. The subpackages
# ``text`` (notebooks 05-10) and ``course`` (tooling) are imported by their own names.
_MODULES = ("utils", "toy_data", "nets", "replicas", "training", "metrics", "theory", "plotting", "widgets", "data",
            "tabular.checks", "tabular.embedding", "tabular.synthesis", "tabular.metrics", "tabular.plots")
_SUBPACKAGES = ("tabular", "text", "course")


def _public_names(module: str) -> list:
    """The literal ``__all__`` list of ``gan_helpers.<module>``, read without importing it."""
    path = _os.path.join(_os.path.dirname(__file__), *module.split(".")) + ".py"
    with open(path, encoding="utf-8") as f:
        tree = _ast.parse(f.read(), path)
    for node in tree.body:
        if isinstance(node, _ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(_ast.literal_eval(node.value))
    raise ImportError(f"gan_helpers.{module} needs a literal __all__ list of its public names")


def _home_of_each_name() -> dict:
    home = {}
    for module in _MODULES:
        for name in _public_names(module):
            if name in home:
                raise ImportError(f"gan_helpers.{module} and gan_helpers.{home[name]} both export {name!r}")
            home[name] = module
    return home


_HOME = _home_of_each_name()
__all__ = sorted(_HOME)


def __getattr__(name: str):
    module = _HOME.get(name)
    if module is not None:
        value = getattr(_importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value            # later look-ups skip this function
        return value
    if name in _SUBPACKAGES or name in _MODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list:
    return sorted({*__all__, *_SUBPACKAGES, "__version__"})
