"""Records of long runs: a file that holds what a run made (weights, or samples), how it
was made (the recipe), what happened on the way (the training history) and what data it
was made for (a fingerprint), so a notebook can load a run that took minutes and check
that it is the run its code describes. Introduced in notebook 03; the shipped text models
of notebooks 06-11 are records too.

- Networks keep their constructor settings (:func:`keeps_settings`, like nanoGPT's
  ``model_args``); a record stores them beside the weights, and :func:`rebuild_network`
  makes the network again from them.
- :func:`save_record` writes a record; :func:`read_record` reads it with
  ``torch.load(weights_only=True)`` and raises a :class:`RecordError` that names the fix when
  the file is missing, unreadable, from another format, built by another recipe or made
  for another data set. ``python -m gan_helpers.recipes`` lists, checks and rebuilds them.
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
import pathlib

import torch
from torch import nn

__all__ = ["RecordError", "keeps_settings", "network_settings", "rebuild_network", "recipe_dict", "recipe_defaults", "differences",
           "save_record", "read_record", "rebuild_hint", "same_contents"]

FORMAT_VERSION = 3
REQUIRED = ("format_version", "name", "recipe", "data", "history", "networks", "samples", "scores")


class RecordError(RuntimeError):
    """A record is missing, unreadable, or was made by another recipe or for other data."""


def rebuild_hint(name: str) -> str:
    """The command that rebuilds record ``name`` (notebook 03)."""
    return f"rebuild it with `python -m gan_helpers.recipes --rebuild {name}`"


def keeps_settings(init):
    """Make a network keep the arguments it was built with as ``network.settings`` (a dict of
    plain values, like nanoGPT's ``model_args``), from which a record rebuilds it (notebook 03).

    Decorate a network class's ``__init__``, or a function that builds and returns a network
    (such as ``mlp_generator``); the network then also keeps the function's name as
    ``network.builder``, so a record rebuilds it by calling that function."""
    signature = inspect.signature(init)
    is_init = init.__name__ == "__init__"

    @functools.wraps(init)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        made = init(*args, **kwargs)
        network = args[0] if is_init else made
        arguments = list(bound.arguments.items())[1 if is_init else 0:]
        network.settings = {k: _plain(v) for k, v in arguments}
        if not is_init:
            network.builder = init.__name__
        return made

    return wrapper


def _plain(value):
    """Tuples become lists, so a stored setting reads back equal (weights_only keeps lists)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def network_settings(network: nn.Module) -> dict:
    """``{"class": ..., "settings": ...}`` of a network built with :func:`keeps_settings`
    (or given a ``settings`` dict by the function that built it)."""
    settings = getattr(network, "settings", None)
    if not isinstance(settings, dict):
        raise ValueError(f"the {type(network).__name__} has no stored settings, so a record could not rebuild it: "
                         "build it with a class whose __init__ is decorated with @keeps_settings (or with a "
                         "gan_helpers builder, which records its arguments)")
    return {"class": getattr(network, "builder", type(network).__name__), "settings": dict(settings)}


def rebuild_network(stored: dict, classes: dict) -> nn.Module:
    """The network ``stored`` describes (class or builder name, settings and, if present,
    weights), built from ``classes`` ({name: class or builder function})."""
    name = stored.get("class")
    if name not in classes:
        raise RecordError(f"a record holds a {name!r}, but this code builds only {sorted(classes)}")
    network = classes[name](**stored["settings"])
    if "state_dict" in stored:
        network.load_state_dict(stored["state_dict"])
    return network


def recipe_dict(recipe) -> dict:
    """A recipe (a dataclass, possibly holding other dataclasses such as a method's config)
    as plain values with each dataclass's class name, the form records store and compare."""
    if dataclasses.is_dataclass(recipe) and not isinstance(recipe, type):
        out = {"class": type(recipe).__name__}
        out.update({f.name: recipe_dict(getattr(recipe, f.name)) for f in dataclasses.fields(recipe)})
        return out
    if isinstance(recipe, dict):
        return {k: recipe_dict(v) for k, v in recipe.items()}
    return _plain(recipe)


def recipe_defaults(recipe) -> dict:
    """Each dataclass field's default, shaped like :func:`recipe_dict`'s output (fields without
    one are left out): what a field added to a recipe class after a record was built must
    equal for that record to still be the code's recipe."""
    if dataclasses.is_dataclass(recipe) and not isinstance(recipe, type):
        out = {}
        for f in dataclasses.fields(recipe):
            value = getattr(recipe, f.name)
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                out[f.name] = recipe_defaults(value)
            elif f.default is not dataclasses.MISSING:
                out[f.name] = recipe_dict(f.default)
            elif f.default_factory is not dataclasses.MISSING:
                out[f.name] = recipe_dict(f.default_factory())
        return out
    if isinstance(recipe, dict):
        return {k: recipe_defaults(v) for k, v in recipe.items()}
    return {}


def differences(stored, current, path: str = "", defaults: dict | None = None) -> list[str]:
    """Where two plain values differ, as ``field: stored -> current`` lines. With ``defaults``
    (from :func:`recipe_defaults`), a field the stored recipe lacks is no difference when the
    current value is that field's default: an option added later, left as it was."""
    if isinstance(stored, dict) and isinstance(current, dict):
        defaults = defaults if isinstance(defaults, dict) else {}
        out = []
        for key in sorted(set(stored) | set(current), key=str):
            if key not in stored and key in defaults and defaults[key] == current[key]:
                continue
            out += differences(stored.get(key, "<missing>"), current.get(key, "<missing>"), f"{path}{key}.",
                               defaults.get(key))
        return out
    return [] if stored == current else [f"{path.rstrip('.')}: {stored!r} -> {current!r}"]


def save_record(path, *, name: str, recipe, data: dict, history=None, networks: dict | None = None,
                samples: dict | None = None, scores: dict | None = None) -> pathlib.Path:
    """Write record ``name`` to ``path`` (notebook 03): the ``recipe`` (a dataclass or dict),
    the ``data`` fingerprint, the ``history`` (a History, a list of them, or None), the
    ``networks`` ({role: network}, each stored with its settings and weights), ``samples``
    ({name: tensor}) and ``scores`` ({name: number}). Readable with ``weights_only=True``."""
    stored_networks = {}
    for role, network in (networks or {}).items():
        entry = network_settings(network)
        entry["state_dict"] = {k: v.detach().cpu().clone() for k, v in network.state_dict().items()}
        stored_networks[role] = entry
    if isinstance(history, (list, tuple)):
        history = [h.as_dict() for h in history]
    elif history is not None:
        history = history.as_dict()
    record = {"format_version": FORMAT_VERSION, "name": name, "recipe": recipe_dict(recipe), "data": data,
              "history": history, "networks": stored_networks,
              "samples": {k: v.detach().cpu() for k, v in (samples or {}).items()}, "scores": dict(scores or {})}
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(record, path)
    return path


def read_record(path, *, recipe=None, data: dict | None = None) -> dict:
    """The record at ``path``, checked (notebook 03): its format, and, when given, that it
    was built by ``recipe`` and made for the data whose fingerprint is ``data``. Anything
    else raises a :class:`RecordError` naming the fix."""
    path = pathlib.Path(path)
    hint = rebuild_hint(path.stem)
    if not path.is_file():
        raise RecordError(f"no record at {path}; {hint}")
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a truncated zip, a pickle with objects, not a torch file ...
        raise RecordError(f"record {path.name} cannot be read ({type(err).__name__}: {err}); {hint}") from None
    if not isinstance(record, dict) or record.get("format_version") != FORMAT_VERSION:
        version = record.get("format_version") if isinstance(record, dict) else None
        raise RecordError(f"record {path.name} has format {version}, this code reads {FORMAT_VERSION}; {hint}")
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise RecordError(f"record {path.name} lacks {missing}; {hint}")
    if recipe is not None:
        changed = differences(record["recipe"], recipe_dict(recipe), defaults=recipe_defaults(recipe))
        if changed:
            raise RecordError(f"record {path.name} was built by another recipe than the code's "
                              f"({'; '.join(changed[:4])}{' ...' if len(changed) > 4 else ''}); {hint}")
    if data is not None:
        changed = differences(record["data"], data)
        if changed:
            shown = [c if len(c) < 120 else c[:117] + "..." for c in changed[:2]]
            raise RecordError(f"record {path.name} was made for another data set ({'; '.join(shown)}); "
                              f"load it with the data it was made for, or {hint}")
    return record


def same_contents(path_a, path_b) -> bool:
    """Do two records hold bit-identical weights and samples? (``python -m gan_helpers.recipes
    --compare``: does a rebuild elsewhere give the shipped record?)"""
    a, b = (torch.load(p, map_location="cpu", weights_only=True) for p in (path_a, path_b))

    def tensors(record):
        out = {f"samples.{k}": v for k, v in record["samples"].items()}
        for role, entry in record["networks"].items():
            out.update({f"{role}.{k}": v for k, v in entry["state_dict"].items()})
        return out

    ta, tb = tensors(a), tensors(b)
    return ta.keys() == tb.keys() and all(torch.equal(ta[k], tb[k]) for k in ta)
