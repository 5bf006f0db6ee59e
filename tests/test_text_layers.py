"""The text package's layers show in the folder: no module imports a module of a higher layer
(so there is no import cycle), none imports another's private names, none grows past ~300 lines."""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "gan_helpers" / "text"
LAYERS = {  # lowest first; a module may import its own layer and the ones below
    "vocab": 1, "qa_data": 1, "sampling": 1, "models": 1, "oracle": 1,
    "metrics": 2, "estimators": 2,
    "trainer": 3, "adversarial": 3, "discriminate": 3, "mle": 3,
    "seqgan": 4, "gumbel_gan": 4, "seq2seq": 4, "qa_gan": 4, "vae": 4, "vae_train": 4,
    "checkpoints": 5,
    "recipes": 6,
    "compare": 7, "qa_eval": 7, "plots": 7, "widgets": 7,
    "__init__": 8, "__main__": 8,
}
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


def imports(name: str):
    """(module, imported names) of every relative import inside the text package."""
    tree = ast.parse((PACKAGE / f"{name}.py").read_text())
    return [(node.module, [a.name for a in node.names]) for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module]


def test_every_module_has_a_layer():
    assert set(MODULES) == set(LAYERS), f"give new modules a layer here: {sorted(set(MODULES) ^ set(LAYERS))}"


@pytest.mark.parametrize("name", MODULES)
def test_imports_run_downward_and_names_are_public(name):
    for module, names in imports(name):
        assert LAYERS[module] <= LAYERS[name], f"{name} (layer {LAYERS[name]}) imports {module} (layer {LAYERS[module]})"
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{name} imports private {private} from {module}; make them public or move them"


@pytest.mark.parametrize("name", MODULES)
def test_modules_stay_small_and_name_their_notebook(name):
    text = (PACKAGE / f"{name}.py").read_text()
    assert len(text.splitlines()) <= 300, f"{name}.py has {len(text.splitlines())} lines: cut it"
    assert "notebook" in (ast.get_docstring(ast.parse(text)) or ""), f"{name}.py's docstring names no notebook"
