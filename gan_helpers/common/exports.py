"""Lazy public names for a package: ``gan_helpers.X`` and ``gan_helpers.text.X`` load the
module that defines ``X`` the first time ``X`` is used (a module ``__getattr__``, PEP 562),
so notebook 01 does not wait for notebook 04's libraries, and reading a shipped text
model does not import every trainer. Each module lists its public names in a literal
``__all__``, read here from its source without importing it (introduced in notebook 01).
"""
from __future__ import annotations

import ast
import importlib
import pathlib
import re

__all__ = ["public_names", "lazy_exports"]

_ALL = re.compile(r"^__all__\s*=\s*(\[.*?\])", re.M | re.S)


def public_names(package_dir, module: str) -> list[str]:
    """The literal ``__all__`` list of ``module`` (dotted, relative to ``package_dir``),
    read from its source without importing it."""
    path = pathlib.Path(package_dir, *module.split(".")).with_suffix(".py")
    match = _ALL.search(path.read_text(encoding="utf-8"))
    if match is None:
        raise ImportError(f"{path} needs a literal __all__ list of its public names")
    return list(ast.literal_eval(match.group(1)))


def lazy_exports(package: str, package_dir, modules, subpackages=()):
    """``(__all__, __getattr__, __dir__)`` for ``package``: each public name of ``modules``
    is imported from its module on first use; ``subpackages`` are imported by name. Two
    modules exporting one name is an error (the name would be ambiguous)."""
    home = {}
    for module in modules:
        for name in public_names(package_dir, module):
            if name in home:
                raise ImportError(f"{package}.{module} and {package}.{home[name]} both export {name!r}")
            home[name] = module
    names = sorted(home)

    def __getattr__(name: str):
        module = home.get(name)
        if module is not None:
            value = getattr(importlib.import_module(f"{package}.{module}"), name)
            importlib.import_module(package).__dict__[name] = value     # later look-ups skip this function
            return value
        if name in subpackages or name in modules:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list:
        return sorted({*names, *subpackages, "__version__"})

    return names, __getattr__, __dir__
