"""Build the course website from the committed notebooks, offline, without running them.

    python -m gan_helpers.course.site                 # in the repository: -> build/site/html/index.html

Jupyter Book 1.x (Sphinx + MyST-NB) renders README.md as the landing page, the notebooks in
order with a table of contents and search, and a page on running the course locally (the
README's section between ``<!-- site:running -->`` and ``<!-- /site:running -->``). The
pages are staged under ``build/site/src`` with the configuration in ``book/``; widgets show
their static fallback figures and formulas render with a MathJax copy shipped in the site.
Sphinx warnings (a broken internal link, a missing file or image) fail the build. A notebook
committed without its outputs is refused by name: the site shows outputs, it never runs code.
"""
from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import time

import nbformat

__all__ = ["unexecuted_notebooks", "stage_site", "build_site", "main"]

RUNNING = re.compile(r"<!-- site:running -->\n(.*?)<!-- /site:running -->\n", re.S)
RUNNING_PAGE = "running"


def unexecuted_notebooks(paths) -> list[str]:
    """Names of the notebooks among ``paths`` that were not committed executed top to bottom:
    a code cell never run, or no output anywhere."""
    bad = []
    for path in paths:
        code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        if any(c.execution_count is None for c in code) or not any(c.outputs for c in code):
            bad.append(pathlib.Path(path).name)
    return bad


def stage_site(root=".", out=None) -> pathlib.Path:
    """Copy what the site shows into ``out/src`` (default ``build/site/src``), with a table of
    contents listing the notebooks in their numbered order. Returns the source folder."""
    root = pathlib.Path(root)
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebooks (NN_name.ipynb) in {root / 'notebooks'}")
    unexecuted = unexecuted_notebooks(notebooks)
    if unexecuted:
        raise ValueError(f"not executed: {', '.join(unexecuted)}. The site shows committed outputs; run each with "
                         "`python -m gan_helpers.course.execute notebooks/NAME.ipynb` and commit it")
    readme = (root / "README.md").read_text()
    running = RUNNING.search(readme)
    if running is None:
        raise ValueError("README.md has no section between <!-- site:running --> and <!-- /site:running -->")
    src = pathlib.Path(out or root / "build" / "site") / "src"
    shutil.rmtree(src, ignore_errors=True)
    (src / "notebooks").mkdir(parents=True)
    for path in notebooks:      # reference solutions stay collapsed, behind a "show" toggle
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"):
                cell.metadata.setdefault("tags", []).append("hide-input")
        nbformat.write(nb, src / "notebooks" / path.name)
    for page in (root / "book").iterdir():
        shutil.copy2(page, src / page.name)
    (src / "_running.md").write_text(running.group(1))
    pointer = f"How to install, open and test the course: [Running the course locally]({RUNNING_PAGE}.md).\n\n"
    (src / "README.md").write_text(readme[:running.start()] + pointer + readme[running.end():])
    chapters = "\n".join(f"      - file: notebooks/{nb.stem}" for nb in notebooks)
    (src / "_toc.yml").write_text(f"format: jb-book\nroot: README\nparts:\n  - caption: The notebooks\n"
                                  f"    chapters:\n{chapters}\n  - caption: Using the course\n"
                                  f"    chapters:\n      - file: {RUNNING_PAGE}\n")
    return src


def build_site(root=".", out=None, *, strict: bool = True) -> pathlib.Path:
    """Stage and build the site; return the folder holding ``index.html``. With ``strict``
    every Sphinx warning is an error (reported after the whole build, all at once)."""
    src = stage_site(root, out)
    out = src.parent
    shutil.rmtree(out / "html", ignore_errors=True)
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(src), "--path-output", str(out),
           "--builder", "html", "--all"] + (["--warningiserror", "--keep-going"] if strict else [])
    result = subprocess.run(cmd, capture_output=True, text=True)
    log = result.stdout + result.stderr
    (out / "build.log").write_text(log)
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    if result.returncode != 0 or (strict and warnings):
        raise RuntimeError("the site build failed:\n" + "\n".join(warnings[:40] or log.splitlines()[-40:])
                           + f"\n(full log: {out / 'build.log'})")
    html = out / "_build" / "html"
    shutil.move(str(html), out / "html")
    shutil.rmtree(out / "_build", ignore_errors=True)
    return out / "html"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_helpers.course.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path("."),
                        help="the course checkout (default: the current folder)")
    parser.add_argument("--out", type=pathlib.Path, help="build folder (default ROOT/build/site); the site lands in OUT/html")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        html = build_site(args.root, args.out)
    except (ValueError, RuntimeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    pages = len(list(html.rglob("*.html")))
    print(f"built {pages} HTML files in {time.perf_counter() - start:.0f} s: open {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
