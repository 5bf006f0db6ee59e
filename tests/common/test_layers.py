"""The package's layers show in its folders, and the imports obey them: each module's layer
is its folder's, no module imports a higher layer or another wing (text never imports the
continuous GANs, nor they the text), same-floor imports form no circle, no private name
crosses modules, and no module grows past ~300 lines or forgets to name its notebook."""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "gan_helpers"
# folder -> (wing, floor); a module may import its own wing's floors at or below its own, and common
FLOORS = {
    "common": ("common", 0),
    "continuous": ("continuous", 1), "continuous.tabular": ("continuous", 1),
    "text.core": ("text", 1), "text.training": ("text", 2), "text.methods": ("text", 3),
    "text.pretrained": ("text", 4), "text.lessons": ("text", 5),
    "course": ("course", 1),
    "": ("package", 9), "text": ("package", 9),       # gan_helpers/__init__ and recipes; text/__init__
}
ALLOWED_WINGS = {"common": {"common"}, "continuous": {"common", "continuous"}, "text": {"common", "text"},
                 "course": {"common", "course"}, "package": {"common", "continuous", "text", "course", "package"}}


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def place(module: str) -> tuple:
    """(wing, floor) of a module: its folder's."""
    return FLOORS[".".join(MODULES[module].parent.relative_to(PACKAGE).parts)]


def imports(module: str):
    """(imported module, names) of every import of the package inside ``module``, relative
    imports at every level resolved, absolute ``gan_helpers.`` imports included."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("gan_helpers"):
                target = node.module[len("gan_helpers"):].lstrip(".")
            else:
                continue
            names = [a.name for a in node.names]
            if target not in MODULES:          # "from . import x" style: the names are modules
                out += [(f"{target}.{n}".lstrip("."), []) for n in names if f"{target}.{n}".lstrip(".") in MODULES]
            else:
                out.append((target, names))
        elif isinstance(node, ast.Import):
            out += [(a.name[len("gan_helpers."):], []) for a in node.names if a.name.startswith("gan_helpers.")]
    return out


def test_every_folder_has_a_floor():
    folders = {".".join(p.parent.relative_to(PACKAGE).parts) for p in MODULES.values()}
    assert folders <= set(FLOORS), f"give new folders a floor in FLOORS: {sorted(folders - set(FLOORS))}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m))
def test_imports_run_downward_within_the_wing(module):
    wing, floor = place(module)
    for target, names in imports(module):
        t_wing, t_floor = place(target)
        assert t_wing in ALLOWED_WINGS[wing], f"{module} ({wing}) imports {target} ({t_wing}): wings do not cross"
        if t_wing == wing:
            assert t_floor <= floor, f"{module} (floor {floor}) imports {target} (floor {t_floor}): an upward import"
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{module} imports private {private} from {target}; make them public or move them"


def test_no_circle_among_modules():
    graph = {m: {t for t, _ in imports(m) if t != m} for m in MODULES}
    state = {}

    def visit(m, trail):
        if state.get(m) == "done":
            return
        assert state.get(m) != "open", f"import circle: {' -> '.join(trail + [m])}"
        state[m] = "open"
        for t in graph[m]:
            visit(t, trail + [m])
        state[m] = "done"

    for m in graph:
        visit(m, [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small_and_name_their_notebook(module):
    text = MODULES[module].read_text()
    assert len(text.splitlines()) <= 300, f"{module} has {len(text.splitlines())} lines: cut it"
    assert "notebook" in (ast.get_docstring(ast.parse(text)) or ""), f"{module}'s docstring names no notebook"
