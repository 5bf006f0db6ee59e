"""Course-level checks: packaging stays in sync, notebooks follow the template."""
import json
import pathlib
import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    listed = {r for r in pip_section if not r.startswith("-e")}
    assert "-e ." in pip_section, "environment.yml must install the course itself with '-e .'"
    missing, extra = wanted - listed, listed - wanted
    assert not missing and not extra, (
        f"environment.yml and pyproject.toml disagree: only in pyproject {sorted(missing)}, "
        f"only in environment.yml {sorted(extra)}")


def test_readme_gives_both_commands_and_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    assert "<!-- test-command -->" in readme and "jupyter lab notebooks/" in readme
    for nb in NOTEBOOKS:
        assert nb.name in readme, f"README's notebook table does not list {nb.name}"


def test_notebooks_follow_the_template():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        sources = ["".join(c["source"]) for c in code]
        params = [s for c, s in zip(code, sources) if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(params) == 1 and re.search(r"^SEED = \d+", params[0], re.M), f"{path.name}: parameters cell with SEED"
        assert any("set_seed(SEED)" in s for s in sources), f"{path.name}: setup must call set_seed(SEED)"
        assert any("get_device()" in s for s in sources), f"{path.name}: setup must print get_device()"
        assert any("expect(" in s for s in sources), f"{path.name}: no check cell"
        text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        for heading in ("What you will learn", "Expected runtime", "Recap", "Let's practice", "References"):
            assert heading.lower() in text.lower(), f"{path.name}: missing '{heading}'"
        hidden = [c for c in code if c.get("metadata", {}).get("jupyter", {}).get("source_hidden")]
        assert len(hidden) >= 2, f"{path.name}: exercises need reference solutions in collapsed cells"
        counts = [c["execution_count"] for c in code]
        assert counts == list(range(1, len(code) + 1)), f"{path.name}: commit outputs of one fresh top-to-bottom run"
        errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{path.name}: a committed output is an error"
