"""Workshop copies of the course notebooks: every reference solution emptied into a hint.

    python -m gan_helpers.course.exercises --out workshop/                 # every notebook
    python -m gan_helpers.course.exercises notebooks/01_gan_theory.ipynb --out workshop/

A reference solution is a code cell collapsed in the course (``jupyter.source_hidden``). In
the copy it becomes a visible cell holding only ``# Exercise N: your code here``, without
outputs; every other cell is left exactly as committed, outputs included. The tool refuses
to write over the course's own notebooks.
"""
from __future__ import annotations

import argparse
import copy
import pathlib
import re
import sys

import nbformat

__all__ = ["HINT", "is_solution", "exercise_copy", "write_exercises", "main"]

HINT = "# Exercise {number}: your code here\n"
_EXERCISE = re.compile(r"^\s*#\s*Exercise\s+(\d+)", re.I)


def is_solution(cell) -> bool:
    """True for a reference-solution cell: a code cell collapsed in the course notebook."""
    return cell.cell_type == "code" and bool(cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"))


def exercise_copy(nb):
    """A copy of notebook ``nb`` (an nbformat node) with each solution cell replaced by a hint.
    The exercise number comes from the solution's first line (``# Exercise 2: ...``), else
    from its position among the solutions."""
    out = copy.deepcopy(nb)
    solutions = [cell for cell in out.cells if is_solution(cell)]
    for position, cell in enumerate(solutions, start=1):
        match = _EXERCISE.match(cell.source)
        cell.source = HINT.format(number=match.group(1) if match else position)
        cell.outputs, cell.execution_count = [], None
        jupyter = cell.metadata.get("jupyter", {})
        jupyter.pop("source_hidden", None)
        jupyter.pop("outputs_hidden", None)
        if not jupyter:
            cell.metadata.pop("jupyter", None)
    return out


def write_exercises(paths, out) -> list[pathlib.Path]:
    """Write the exercise copy of each notebook in ``paths`` into the folder ``out``; return
    the files written. Refuses, before writing anything, to write into the folder of a source
    notebook or over any notebook that holds reference solutions: the course's own notebooks
    are never overwritten."""
    paths = [pathlib.Path(p) for p in paths]
    if not paths:
        raise ValueError("no notebooks given")
    out = pathlib.Path(out)
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            raise FileNotFoundError(f"{path} is not a notebook file (.ipynb)")
        target = out / path.name
        if out.resolve() == path.parent.resolve() or (
                target.is_file() and any(is_solution(c) for c in nbformat.read(target, as_version=4).cells)):
            raise ValueError(f"refusing to write over {target}: it is a course notebook with its reference "
                             "solutions; pick another folder, e.g. --out workshop/")
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if not any(is_solution(cell) for cell in nb.cells):
            print(f"note: {path.name} has no collapsed solution cell; copied unchanged", file=sys.stderr)
        target = out / path.name
        nbformat.write(exercise_copy(nb), target)
        written.append(target)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_helpers.course.exercises", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to copy (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="folder for the workshop copies")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(pathlib.Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    try:
        written = write_exercises(paths, args.out)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} exercise notebooks to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
