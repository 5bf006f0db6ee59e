"""The long runs the notebooks load, on both wings: list, check, rebuild and compare them.

    python -m gan_helpers.recipes --list                      # every recipe, its record and its size
    python -m gan_helpers.recipes --check                     # read every record, compare its recipe with the
                                                              # code's, re-score it
    python -m gan_helpers.recipes --rebuild                   # retrain every record from its seed
    python -m gan_helpers.recipes --rebuild oracle reviews    # only these
    python -m gan_helpers.recipes --rebuild --dir /tmp/r && python -m gan_helpers.recipes --compare /tmp/r
                                                              # rebuild elsewhere: the same weights and samples?

Each wing keeps its own recipes (``gan_helpers.text.pretrained.recipes``: the shipped text
models of notebooks 06-11; ``gan_helpers.text.pretrained.arm_recipes``: notebook 06's arms;
``gan_helpers.text.pretrained.relgan_recipes``: notebook 07's RelGAN-style runs;
``gan_helpers.text.pretrained.vae_study``: notebook 09's remedies over seeds;
``gan_helpers.continuous.recipes``: the long 2-D runs of notebook 03;
``gan_helpers.continuous.tabular.recipes``: notebook 04's ablations; ``gan_helpers.code_gan``:
notebook 10's GANs on sentence codes, after the autoencoders they read), with the same five
names: ``RECIPES``, ``build_order``, ``rebuild``, ``check`` and ``record_path``. Training runs
on one thread (``torch.set_num_threads(1)``): the shipped records were made so, and another
thread count rounds differently.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time

import torch

from .common.records import RecordError, same_contents

__all__ = ["WINGS", "wing_of", "main"]

WINGS = ("gan_helpers.continuous.recipes", "gan_helpers.continuous.tabular.recipes",
         "gan_helpers.text.pretrained.recipes", "gan_helpers.text.pretrained.arm_recipes",
         "gan_helpers.text.pretrained.relgan_recipes", "gan_helpers.text.pretrained.vae_study", "gan_helpers.code_gan")


def _wings() -> list:
    return [importlib.import_module(w) for w in WINGS]


def wing_of(name: str):
    """The recipes module that holds recipe ``name``."""
    for wing in _wings():
        if name in wing.RECIPES:
            return wing
    known = sorted(n for wing in _wings() for n in wing.RECIPES)
    raise ValueError(f"unknown recipe {name!r}; choose from {known}")


def _ordered(names=None) -> list[tuple]:
    """(wing, name) pairs, each wing's own build order (a record may start from another)."""
    pairs = []
    for wing in _wings():
        mine = None if names is None else [n for n in names if n in wing.RECIPES]
        if mine is None or mine:
            pairs += [(wing, n) for n in wing.build_order(mine)]
    return pairs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_helpers.recipes", description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list every recipe with its record's size")
    parser.add_argument("--rebuild", nargs="*", metavar="NAME", help="retrain and save (default: all)")
    parser.add_argument("--check", action="store_true", help="read every record, compare recipes, re-score")
    parser.add_argument("--compare", metavar="DIR", help="report whether DIR's records hold the same contents")
    parser.add_argument("--dir", default=None, help="record folder (default: each wing's shipped one)")
    args = parser.parse_args(argv)
    if not (args.list or args.check or args.rebuild is not None or args.compare):
        parser.error("give --list, --check, --rebuild or --compare")
    torch.set_num_threads(1)
    failed = []
    if args.rebuild is not None:
        names = args.rebuild or None
        try:
            for name in names or ():
                wing_of(name)
        except ValueError as err:
            parser.error(str(err))
        pairs = _ordered(names)
        for wing, name in pairs:
            start = time.perf_counter()
            scores = wing.rebuild(name, directory=args.dir)
            path = wing.record_path(name, args.dir)
            shown = ", ".join(f"{k} {v:.4g}" for k, v in scores.items() if isinstance(v, float))
            print(f"{name}: {shown} ({time.perf_counter() - start:.0f} s) -> {path} "
                  f"({path.stat().st_size / 1024:.0f} KB)", flush=True)
    if args.list:
        total = 0
        for wing, name in _ordered():
            path = wing.record_path(name, args.dir)
            size = path.stat().st_size if path.is_file() else 0
            total += size
            recipe = wing.RECIPES[name]
            print(f"{name:24s} {type(recipe).__module__.split('.')[1]:10s} {size / 1024:8.0f} KB  {path}")
        print(f"{'total':24s} {'':10s} {total / 1024:8.0f} KB")
    if args.check:
        for wing, name in _ordered():
            try:
                print(f"{name}: ok, {wing.check(name, directory=args.dir)}", flush=True)
            except RecordError as err:
                failed.append(name)
                print(f"{name}: FAILED: {err}", flush=True)
    if args.compare is not None:
        for wing, name in _ordered():
            same = same_contents(wing.record_path(name, args.dir), wing.record_path(name, args.compare))
            failed += [] if same else [name]
            print(f"{name}: {'same contents' if same else 'DIFFERENT contents'} in {args.compare}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
