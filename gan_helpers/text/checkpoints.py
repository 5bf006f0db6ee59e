"""Saving and reading trained text models, each checked against the data it was made for
(notebooks 06-10).

A checkpoint stores a model's weights *and* what they mean: the model class and its sizes,
a fingerprint of its data (the oracle's config, or the review vocabulary), its validation
score on that data (NLL per token for an LSTM generator, the negative-ELBO bound for a
sentence VAE), the recipe it was made by and its training history. :func:`load_checkpoint`
checks all of it, so a stale, corrupt or mismatched file raises a
:class:`CheckpointError` that says how to rebuild it: never a silent wrong model. Files are
read with ``torch.load(weights_only=True)``.

This module knows the model classes, not how they are trained: the recipes of the shipped
models, and the command that rebuilds them, are in :mod:`gan_helpers.text.recipes`.
"""
from __future__ import annotations

import math
import pathlib
from dataclasses import asdict

import torch

from .metrics import heldout_nll
from .models import LSTMGenerator
from .oracle import OracleData
from .vae import SentenceVAE, vae_terms
from .vocab import TextCorpus

__all__ = ["CHECKPOINT_DIR", "CheckpointError", "data_fingerprint", "validation_scores", "save_checkpoint",
           "load_checkpoint"]

CHECKPOINT_DIR = pathlib.Path(__file__).resolve().parents[1] / "checkpoints"
FORMAT_VERSION = 2
MODEL_CLASSES = {"LSTMGenerator": LSTMGenerator, "SentenceVAE": SentenceVAE}
TOLERANCE = 1e-3           # nats per token: how far a reloaded model's validation score may move


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable, or was made for a different model or data."""


def _fix(path: pathlib.Path) -> str:
    return (f"if it is a shipped checkpoint, rebuild it with `python -m gan_helpers.text --rebuild {path.stem}`; "
            "otherwise save it again with save_checkpoint")


def data_fingerprint(data) -> dict:
    """What identifies a data set (notebooks 06, 09): the oracle's config, or the review
    corpus's vocabulary and sentence length."""
    if isinstance(data, OracleData):
        return {"kind": "oracle", "oracle_config": asdict(data.config)}
    if isinstance(data, TextCorpus):
        return {"kind": "reviews", "itos": list(data.vocab.itos), "max_len": data.max_len}
    raise TypeError(f"data must be OracleData (oracle_data()) or TextCorpus (review_corpus()), "
                    f"got {type(data).__name__}")


def _vocab_size(data) -> int:
    return data.config.vocab_size if isinstance(data, OracleData) else len(data.vocab)


def _model_args(model) -> dict:
    args = dict(vocab_size=model.vocab_size, emb_dim=model.embedding.embedding_dim, seq_len=model.seq_len,
                start_id=model.start_id, eos_id=model.eos_id, pad_id=model.pad_id)
    if isinstance(model, SentenceVAE):
        return {**args, "hidden_dim": model.encoder.hidden_size, "latent_dim": model.latent_dim}
    return {**args, "hidden_dim": model.lstm.hidden_size}


def validation_scores(model, data) -> dict:
    """The validation numbers stored with a model (notebooks 06, 09): ``score`` (nats per
    token: the NLL of ``data.val`` for an LSTM generator, the negative-ELBO bound for a
    sentence VAE, with its reconstruction and KL terms)."""
    if isinstance(model, SentenceVAE):
        terms = vae_terms(model, data.val)
        return {"score": terms["bound"], **terms}
    if isinstance(model, LSTMGenerator):
        return {"score": heldout_nll(model, data.val)}
    raise TypeError(f"checkpoints hold {sorted(MODEL_CLASSES)}, got {type(model).__name__}")


def save_checkpoint(model, path, *, data, spec: dict | None = None, history: dict | None = None) -> dict:
    """Save ``model`` (an LSTMGenerator or a SentenceVAE) with its sizes, a fingerprint of
    ``data``, its validation scores measured here, the recipe ``spec`` and the training
    ``history`` (plain dicts), readable by :func:`load_checkpoint` with
    ``weights_only=True`` (notebooks 06, 09). Returns the validation scores."""
    name = type(model).__name__
    if name not in MODEL_CLASSES:
        raise TypeError(f"save_checkpoint saves {sorted(MODEL_CLASSES)}, got {name}")
    val = validation_scores(model, data)
    if not math.isfinite(val["score"]):
        raise ValueError(f"the model's validation score is {val['score']}; refusing to save a broken model")
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format_version": FORMAT_VERSION, "class": name, "model": _model_args(model),
                "data": data_fingerprint(data), "val": val, "spec": spec or {}, "history": history or {},
                "state_dict": state}, path)
    return val


def _read(path: pathlib.Path) -> dict:
    """The stored dict, its format and keys checked; anything unreadable is a CheckpointError."""
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}; {_fix(path)}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        if ckpt.get("format_version") != FORMAT_VERSION:
            raise CheckpointError(f"checkpoint {path.name} has format {ckpt.get('format_version')}, this code reads "
                                  f"{FORMAT_VERSION}; {_fix(path)}")
        missing = sorted({"class", "model", "state_dict", "data", "val"} - set(ckpt))
        if missing:
            raise KeyError(f"no {missing} in the file")
    except CheckpointError:
        raise
    except Exception as err:  # a truncated zip, a pickle with objects, a missing key ...
        raise CheckpointError(f"checkpoint {path} is corrupt or not a gan_helpers checkpoint "
                              f"({type(err).__name__}: {str(err)[:120]}); {_fix(path)}") from err
    return ckpt


def load_checkpoint(path, *, data, return_info: bool = False):
    """Load a model saved by :func:`save_checkpoint` for ``data`` (notebooks 06, 09, 10).

    Raises :class:`CheckpointError` if the file is missing or unreadable, if it was made for
    another oracle config, vocabulary or row length, if its weights do not fit its stated
    sizes, or if its validation score on ``data.val`` moved by more than 1e-3 from the stored
    one (the weights then do not mean what they did). ``return_info`` also returns the
    stored dict without the weights (``val``, ``spec``, ``history``)."""
    path = pathlib.Path(path)
    ckpt = _read(path)
    expected = data_fingerprint(data)
    if ckpt["data"] != expected:
        diff = sorted(k for k in set(ckpt["data"]) | set(expected) if ckpt["data"].get(k) != expected.get(k))
        raise CheckpointError(f"checkpoint {path.name} was trained on different data (differs in {diff}: "
                              f"stored {ckpt['data'].get(diff[0]) if diff else ''!s:.80} ...); load it with the "
                              f"data it was made for, or {_fix(path)}")
    args = ckpt["model"]
    if args["seq_len"] != data.train.shape[1] or args["vocab_size"] != _vocab_size(data):
        raise CheckpointError(f"checkpoint {path.name} is for seq_len={args['seq_len']}, vocab_size="
                              f"{args['vocab_size']} but the data has {data.train.shape[1]} positions and "
                              f"{_vocab_size(data)} ids; {_fix(path)}")
    try:
        model = MODEL_CLASSES[ckpt["class"]](**args)
        model.load_state_dict(ckpt["state_dict"])
    except (KeyError, RuntimeError, ValueError, TypeError) as err:
        raise CheckpointError(f"checkpoint {path.name}'s weights do not fit its stated class and sizes "
                              f"({type(err).__name__}: {str(err)[:160]}); {_fix(path)}") from err
    model.eval()
    score, stored = validation_scores(model, data)["score"], ckpt["val"]["score"]
    if not abs(score - stored) <= TOLERANCE:
        raise CheckpointError(f"checkpoint {path.name} scores {score:.4f} nats/token on the validation data, but "
                              f"it was saved at {stored:.4f}: the data or model code changed since; {_fix(path)}")
    if return_info:
        return model, {k: v for k, v in ckpt.items() if k != "state_dict"}
    return model
