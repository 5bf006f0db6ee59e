"""The course tools: the notebook executor and the claims sweep, on tiny notebooks."""
import json

import nbformat
import pytest

from gan_helpers.course.execute import execute_notebook, parameters_cell
from gan_helpers.course.sweep import parse_seeds, sweep_notebook, write_sweep


def _notebook(tmp_path, cells, *, params="SEED = 0", name="tiny.ipynb"):
    nb = nbformat.v4.new_notebook()
    if params is not None:
        cell = nbformat.v4.new_code_cell(params)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_parse_seeds_reads_ranges_and_lists():
    assert parse_seeds("0-9") == list(range(10))
    assert parse_seeds("0-2,7") == [0, 1, 2, 7]
    assert parse_seeds("4") == [4]
    for bad in ("9-0", "a-b", "1,,2", "0-3,2"):
        with pytest.raises(ValueError, match="seed"):
            parse_seeds(bad)


def test_parameters_cell_is_required_with_a_seed(tmp_path):
    with pytest.raises(ValueError, match="tagged 'parameters'"):
        parameters_cell(nbformat.read(_notebook(tmp_path, ["x = 1"], params=None), as_version=4))
    with pytest.raises(ValueError, match="SEED"):
        parameters_cell(nbformat.read(_notebook(tmp_path, ["x = 1"], params="N = 3"), as_version=4))


def test_execute_refuses_to_overwrite_with_parameters(tmp_path):
    path = _notebook(tmp_path, ["x = 1"])
    with pytest.raises(ValueError, match="output path"):
        execute_notebook(path, parameters={"SEED": 1})


def test_sweep_counts_passes_margins_and_reports_a_failing_seed(tmp_path):
    path = _notebook(tmp_path, [
        "from gan_helpers import expect",
        "expect(SEED * 0.1, below=0.15, what='small value')",
        "expect(5, above=1, what='constant')",
        "if SEED == 1:\n    raise RuntimeError('boom at seed 1')",
    ])
    result = sweep_notebook(path, [0, 1, 2], progress=False)
    runs = {r.seed: r for r in result.runs}
    assert runs[0].error is None
    assert "boom at seed 1" in runs[1].error and runs[1].failed_cell == 4
    assert "small value = 0.2" in runs[2].error and runs[2].failed_cell == 2
    checks = {c.key: c for c in result.checks()}
    small = checks["small value"]
    assert small.num_passed(result.seeds) == 2          # seed 2 gives 0.2: fails
    assert small.worst()[0] == 2 and small.worst()[1] == pytest.approx(-0.05)
    constant = checks["constant"]
    assert constant.num_passed(result.seeds) == 2       # seed 2 never reached it
    assert constant.margin_in_sd() == float("inf")
    assert not result.all_passed
    md = write_sweep(result, tmp_path / "out")
    text = md.read_text()
    assert "| small value | < 0.15 | 2/3 |" in text and "boom at seed 1" in text
    raw = json.loads((tmp_path / "out" / "sweep_tiny.json").read_text())
    assert [r["seed"] for r in raw["runs"]] == [0, 1, 2]
