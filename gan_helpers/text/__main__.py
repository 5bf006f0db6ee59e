"""Rebuild, check or compare the shipped text models (notebooks 06-10).

    python -m gan_helpers.text --rebuild                 # retrain every shipped model from its seed
    python -m gan_helpers.text --rebuild oracle reviews  # only these
    python -m gan_helpers.text --check                   # load every shipped file, verify it against its data
    python -m gan_helpers.text --rebuild --dir /tmp/ck && python -m gan_helpers.text --compare /tmp/ck
                                                         # rebuild elsewhere, then: same weights as shipped?

Training runs on one thread (``torch.set_num_threads(1)``): the shipped files were made so,
and another thread count rounds differently.
"""
from __future__ import annotations

import argparse
import sys
import time

import torch

from .checkpoints import CHECKPOINT_DIR, CheckpointError
from .recipes import PRETRAINED, PretrainedSpec, checkpoint_path, load_pretrained, rebuild


def build_order(names=None) -> list[str]:
    """MLE generators first (the GANs start from them), then the GANs, then the VAEs."""
    def rank(name: str) -> tuple:
        spec = PRETRAINED[name]
        return (0 if spec.method == "mle" else 1) if isinstance(spec, PretrainedSpec) else 2, name

    return sorted(names or PRETRAINED, key=rank)


def same_weights(name: str, directory, other) -> bool:
    """Do the checkpoints of ``name`` in two folders hold bit-identical weights?"""
    a, b = (torch.load(checkpoint_path(name, d), map_location="cpu", weights_only=True)["state_dict"]
            for d in (directory, other))
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_helpers.text", description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", nargs="*", metavar="NAME", help=f"retrain and save (default: all of "
                                                                      f"{build_order()})")
    parser.add_argument("--check", action="store_true", help="load every checkpoint and verify it against its data")
    parser.add_argument("--compare", metavar="DIR", help="report whether DIR's checkpoints hold the same weights")
    parser.add_argument("--dir", default=str(CHECKPOINT_DIR), help="checkpoint folder (default: the shipped one)")
    args = parser.parse_args(argv)
    if args.rebuild is None and not args.check and args.compare is None:
        parser.error("give --rebuild, --check or --compare")
    torch.set_num_threads(1)
    if args.rebuild is not None:
        unknown = sorted(set(args.rebuild) - set(PRETRAINED))
        if unknown:
            parser.error(f"unknown checkpoint(s) {unknown}; choose from {build_order()}")
        for name in build_order(args.rebuild):
            start = time.perf_counter()
            val = rebuild(name, directory=args.dir)
            path = checkpoint_path(name, args.dir)
            print(f"{name}: validation {val['score']:.4f} nats/token ({time.perf_counter() - start:.0f} s) -> "
                  f"{path} ({path.stat().st_size / 1024:.0f} KB)", flush=True)
    failed = []
    if args.check:
        for name in build_order():
            try:
                load_pretrained(name, directory=args.dir)
                print(f"{name}: ok")
            except CheckpointError as err:
                failed.append(name)
                print(f"{name}: FAILED: {err}")
    if args.compare is not None:
        for name in build_order():
            same = same_weights(name, args.dir, args.compare)
            failed += [] if same else [name]
            print(f"{name}: {'same weights' if same else 'DIFFERENT weights'} in {args.compare}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
