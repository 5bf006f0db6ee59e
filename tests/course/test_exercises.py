"""Workshop copies: no reference solution left, everything else exactly as committed."""
import pathlib

import nbformat
import pytest

from gan_helpers.course.exercises import HINT, exercise_copy, is_solution, main, write_exercises

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _text(nb) -> str:
    """Everything a learner can read in a notebook: sources and text outputs."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") if isinstance(out.get("text", ""), str) else "".join(out["text"]))
            parts += [v for k, v in out.get("data", {}).items() if k.startswith("text/") and isinstance(v, str)]
    return "\n".join(parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_exercise_copy_has_no_solution_code_and_every_other_cell_unchanged(path):
    course = nbformat.read(path, as_version=4)
    workshop = exercise_copy(course)
    assert len(workshop.cells) == len(course.cells) and workshop.metadata == course.metadata
    solutions = [c for c in course.cells if is_solution(c)]
    assert solutions, f"{path.name} has no collapsed reference solution"
    others = "\n".join(c.source for c in course.cells if not is_solution(c))
    for before, after in zip(course.cells, workshop.cells):
        if not is_solution(before):
            assert after == before, f"{path.name}: a cell that is not a solution changed"
            continue
        assert after.source.startswith("# Exercise ") and after.source.endswith("your code here\n")
        assert after.outputs == [] and after.execution_count is None and not is_solution(after)
        assert after.id == before.id
    text = _text(workshop)
    for solution in solutions:
        for line in solution.source.splitlines():
            code = line.split("#", 1)[0].strip()
            if len(code) > 12 and code not in others:      # a line of the solution's own code
                assert code not in text, f"{path.name}: the workshop copy still holds {code!r}"


def test_hint_takes_the_exercise_number_from_the_solution():
    nb = nbformat.v4.new_notebook()
    for source in ("# Exercise 3: the answer\nx = 42", "y = 7"):
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["jupyter"] = {"source_hidden": True}
        nb.cells.append(cell)
    assert [c.source for c in exercise_copy(nb).cells] == [HINT.format(number=3), HINT.format(number=2)]


def test_refuses_to_write_over_the_course_notebooks(tmp_path):
    with pytest.raises(ValueError, match="refusing to write over"):
        write_exercises(NOTEBOOKS[:1], ROOT / "notebooks")
    copy_dir = tmp_path / "copy"
    copy_dir.mkdir()
    (copy_dir / NOTEBOOKS[0].name).write_bytes(NOTEBOOKS[0].read_bytes())    # a course notebook, elsewhere
    written = write_exercises(NOTEBOOKS[:1], tmp_path / "workshop")
    with pytest.raises(ValueError, match="reference solutions"):
        write_exercises(written, copy_dir)
    assert (copy_dir / NOTEBOOKS[0].name).read_bytes() == NOTEBOOKS[0].read_bytes()


def test_command_writes_every_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(["--out", str(tmp_path / "workshop")]) == 0
    written = sorted(p.name for p in (tmp_path / "workshop").glob("*.ipynb"))
    assert written == [p.name for p in NOTEBOOKS]
    assert main(["--out", "notebooks"]) == 1 and "refusing" in capsys.readouterr().err
