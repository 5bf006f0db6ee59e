"""Saving and reading trained text models, each checked against the data it was made for
(notebooks 06-11).

A checkpoint is a record (:mod:`gan_helpers.common.records`): the model's class and its
settings beside its weights, a fingerprint of its data (the oracle's config, or the review
vocabulary), its validation scores on that data (``model.validation_scores``: the NLL per
token of an LSTM generator, the negative-ELBO bound of a sentence VAE), the recipe it was
made by and its training history. :func:`load_checkpoint` rebuilds the model from its
settings and checks all of it, so a stale, corrupt or mismatched file raises a
:class:`~gan_helpers.common.records.RecordError` that says how to rebuild it: never a
silent wrong model.

Reading a shipped model (:func:`load_pretrained`) needs only this module and the model
classes; how each one is trained is in :mod:`gan_helpers.text.pretrained.recipes`.
"""
from __future__ import annotations

import math
import pathlib

from ...common.records import RecordError, read_record, rebuild_hint, rebuild_network, save_record
from ..core.metrics import oracle_nll
from ..core.models import CNNDiscriminator, LSTMGenerator
from ..core.oracle import OracleConfig, oracle_data
from ..core.vocab import review_corpus
from ..methods.autoencoder import SentenceAE
from ..methods.vae import SentenceVAE

__all__ = ["RECORD_DIR", "DATA", "load_data", "record_path", "save_checkpoint", "load_checkpoint", "load_pretrained",
           "check_kept_samples"]

RECORD_DIR = pathlib.Path(__file__).resolve().parent / "records"
MODEL_CLASSES = {cls.__name__: cls for cls in (LSTMGenerator, SentenceVAE, SentenceAE, CNNDiscriminator)}
TOLERANCE = 1e-3           # nats per token: how far a reloaded model's validation score may move
# the data sets shipped models are made for: notebook 06's oracle, and the review corpus of notebooks 06-11
DATA = {"oracle": lambda: oracle_data(OracleConfig()), "reviews": review_corpus}


def load_data(kind: str):
    """The data set ``kind`` ("oracle" or "reviews") that shipped models are made for (notebook 06)."""
    if kind not in DATA:
        raise ValueError(f"unknown data {kind!r}; choose one of {sorted(DATA)}")
    return DATA[kind]()


def record_path(name: str, directory=None) -> pathlib.Path:
    """Where the record of shipped model ``name`` lives: ``<directory>/<name>.pt``, by default
    the package's ``text/pretrained/records`` folder (notebook 06)."""
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise ValueError(f"a record name is a plain file name without '.pt', got {name!r}")
    return pathlib.Path(directory or RECORD_DIR) / f"{name}.pt"


def save_checkpoint(model, path, *, data, recipe=None, history=None) -> dict:
    """Save ``model`` (any text model with ``settings`` and ``validation_scores``) as a record
    at ``path``: its settings and weights, a fingerprint of ``data``, its validation scores
    on ``data.val`` measured here, the ``recipe`` and the training ``history`` (notebooks 06,
    09). Returns the validation scores."""
    if type(model).__name__ not in MODEL_CLASSES:
        raise TypeError(f"save_checkpoint saves {sorted(MODEL_CLASSES)}, got {type(model).__name__}")
    scores = model.validation_scores(data.val)
    if not math.isfinite(scores["score"]):
        raise ValueError(f"the model's validation score is {scores['score']}; refusing to save a broken model")
    path = pathlib.Path(path)
    save_record(path, name=path.stem, recipe=recipe or {}, data=data.fingerprint(), history=history,
                networks={"model": model}, scores=scores)
    return scores


def load_checkpoint(path, *, data, recipe=None, return_info: bool = False):
    """The model saved by :func:`save_checkpoint` at ``path``, for ``data`` (notebooks 06, 09-11).

    Raises :class:`~gan_helpers.common.records.RecordError` if the file is missing or
    unreadable, if it was made for another oracle config, vocabulary or row length (or,
    when ``recipe`` is given, by another recipe), if its weights do not fit its stored
    settings, or if its validation score on ``data.val`` moved by more than 1e-3 from the
    stored one (the weights then do not mean what they did). ``return_info`` also returns
    the record without the weights (``scores``, ``recipe``, ``history``)."""
    path = pathlib.Path(path)
    record = read_record(path, recipe=recipe, data=data.fingerprint())
    try:
        model = rebuild_network(record["networks"]["model"], MODEL_CLASSES)
    except (KeyError, RuntimeError, ValueError, TypeError) as err:
        raise RecordError(f"record {path.name}'s weights do not fit its stored class and settings "
                          f"({type(err).__name__}: {str(err)[:160]}); {rebuild_hint(path.stem)}") from err
    model.eval()
    try:
        score = model.validation_scores(data.val)["score"]
    except (ValueError, TypeError) as err:
        raise RecordError(f"record {path.name} cannot score this data's validation rows ({err}); "
                          f"{rebuild_hint(path.stem)}") from err
    stored = record["scores"]["score"]
    if not abs(score - stored) <= TOLERANCE:
        raise RecordError(f"record {path.name} scores {score:.4f} nats/token on the validation data, but it was "
                          f"saved at {stored:.4f}: the data or model code changed since; {rebuild_hint(path.stem)}")
    if return_info:
        return model, {k: v for k, v in record.items() if k != "networks"}
    return model


def load_pretrained(name: str = "oracle", data=None, *, return_info: bool = False, directory=None):
    """The shipped model ``name`` (notebooks 06-11), e.g. "oracle" and "reviews" (MLE
    generators) or "vae_oracle", checked against ``data`` (by default the data set its record
    names). Each call returns a fresh copy, so several runs can start from the same weights.
    ``return_info`` also returns the stored scores, recipe and history. ``python -m
    gan_helpers.recipes --list`` lists the shipped models."""
    path = record_path(name, directory)
    if data is None:
        kind = read_record(path)["data"].get("kind")
        data = load_data(kind)
    return load_checkpoint(path, data=data, return_info=return_info)


def check_kept_samples(name: str, samples: dict, scores: dict, oracle) -> str:
    """A record's kept samples ``{arm: ids}`` re-scored under ``oracle``: each within 1e-4 of the
    stored ``scores[f"{arm}_kept_nll_oracle"]`` (notebooks 06, 07), else a RecordError naming the fix."""
    for arm, x in samples.items():
        again, logged = oracle_nll(oracle, x.long()), scores[f"{arm}_kept_nll_oracle"]
        if abs(again - logged) > 1e-4:
            raise RecordError(f"record {name}.pt: the {arm} arm's kept samples score NLL-oracle {again:.4f}, but "
                              f"{logged:.4f} was stored; {rebuild_hint(name)}")
    return f"{len(samples)} arms, kept samples re-scored"
