"""Execute a course notebook top to bottom in a fresh kernel, the way its committed outputs
are made (and the way the claims sweep runs it over seeds).

    python -m gan_helpers.course.execute notebooks/02_gaussian_1d.ipynb [more.ipynb ...]
    python -m gan_helpers.course.execute notebooks/02_gaussian_1d.ipynb -p SEED 3 -o /tmp/02_seed3.ipynb

Run notebooks one at a time: two PyTorch processes on a 2-core machine slow each other
down many times over. The kernel runs with ``$GAN_HELPERS_PROGRESS=final`` so training
loops print one finished line instead of a live bar (a saved widget bar shows "0%"),
and stream outputs are coalesced so a reader sees each cell's final text.
"""
from __future__ import annotations

import argparse
import ast
import os
import pathlib
import sys
import time
from dataclasses import dataclass

import nbformat

from ..common.claims import CLAIMS_LOG_ENV
from ..common.runtime import PROGRESS_ENV

__all__ = ["NotebookRun", "execute_notebook", "parameters_cell", "main"]


@dataclass
class NotebookRun:
    """What one execution gave: the notebook written, its wall time, and the first error
    (``None`` when every cell ran), with the index of the failing cell."""

    path: pathlib.Path
    seconds: float
    error: str | None = None
    failed_cell: int | None = None


def parameters_cell(nb) -> int:
    """Index of the cell tagged ``parameters``; raises if there is none or it has no ``SEED``."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"a course notebook needs exactly one cell tagged 'parameters', found {len(tagged)}")
    names = {t.id for node in ast.walk(ast.parse(nb.cells[tagged[0]].source))
             if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    if "SEED" not in names:
        raise ValueError("the parameters cell does not assign SEED; add a line 'SEED = 0'")
    return tagged[0]


def execute_notebook(path, *, parameters: dict | None = None, output=None, timeout: int = 900,
                     claims_log=None, allow_errors: bool = False) -> NotebookRun:
    """Run the notebook at ``path`` in a fresh ``python3`` kernel started in its folder.

    Without ``parameters`` it runs with nbclient and writes the result in place (or to
    ``output``): that is how the committed outputs are made. With ``parameters`` (for
    example ``{"SEED": 3}``) it runs with papermill, which injects them after the cell
    tagged ``parameters``, and writes to ``output``. ``claims_log`` names a file that
    collects every ``expect`` check of the run. With ``allow_errors`` a failing cell is
    reported in the result instead of raised.
    """
    path = pathlib.Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise FileNotFoundError(f"{path} is not a notebook file (.ipynb)")
    if parameters and output is None:
        raise ValueError("running with parameters needs an output path: the course's own notebook stays as committed")
    output = path if output is None else pathlib.Path(output)
    env = {PROGRESS_ENV: "final", "OMP_WAIT_POLICY": "PASSIVE", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if claims_log is not None:
        env[CLAIMS_LOG_ENV] = str(pathlib.Path(claims_log).resolve())
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)                 # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        if parameters:
            error, failed = _run_with_papermill(path, output, dict(parameters), timeout)
        else:
            error, failed = _run_with_nbclient(path, output, timeout)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    run = NotebookRun(output, time.perf_counter() - start, error, failed)
    if error and not allow_errors:
        raise RuntimeError(f"{path}: cell {failed} failed: {error} (outputs written to {output})")
    return run


def _run_with_nbclient(path: pathlib.Path, output: pathlib.Path, timeout: int):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", coalesce_streams=True,
                            store_widget_state=True, resources={"metadata": {"path": str(path.parent.resolve())}})
    error = failed = None
    try:
        client.execute()
    except CellExecutionError as err:
        error = f"{err.ename}: {err.evalue}"
        failed = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
            o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    # Committed without widget state: then a code host (nbconvert) and a notebook not yet run
    # in JupyterLab show each widget's static fallback figure (gan_helpers.common.display) instead of
    # a dead copy of the widget or nothing. (nbclient needs the state while it runs.)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, output)
    return error, failed


def _run_with_papermill(path: pathlib.Path, output: pathlib.Path, parameters: dict, timeout: int):
    import papermill

    params_at = parameters_cell(nbformat.read(path, as_version=4))   # a clear error before a kernel starts
    try:
        papermill.execute_notebook(str(path), str(output), parameters=parameters, kernel_name="python3",
                                   cwd=str(path.parent.resolve()), progress_bar=False, execution_timeout=timeout)
    except papermill.PapermillExecutionError as err:
        # papermill counts its injected cell; report the index in the course's notebook
        return f"{err.ename}: {err.evalue}", err.cell_index - (err.cell_index > params_at)
    return None, None


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_helpers.course.execute", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="set a parameter, e.g. -p SEED 3 (a Python literal)")
    parser.add_argument("-o", "--output", type=pathlib.Path, help="write here instead of in place (one notebook only)")
    args = parser.parse_args(argv)
    if args.output is not None and len(args.notebooks) > 1:
        parser.error("--output takes one notebook")
    params = {name: _parse_value(value) for name, value in args.parameter}
    status = 0
    for nb_path in args.notebooks:
        run = execute_notebook(nb_path, parameters=params or None, output=args.output, allow_errors=True)
        if run.error:
            status = 1
            print(f"{nb_path}: FAILED in cell {run.failed_cell} after {run.seconds:.1f} s: {run.error}")
        else:
            print(f"{nb_path}: ran in {run.seconds:.1f} s -> {run.path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
