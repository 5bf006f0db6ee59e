"""The course website: staged from the committed notebooks, built offline by Jupyter Book with
every Sphinx warning an error, and checked as a reader meets it (links, figures, formulas)."""
import html.parser
import pathlib
import shutil
import time
import urllib.parse

import nbformat
import pytest

from gan_helpers.course.site import build_site, stage_site, unexecuted_notebooks

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _course(tmp_path, *, executed=True, readme=None):
    """A two-notebook course with the repository's README and book/ pages."""
    (tmp_path / "notebooks").mkdir()
    for i in (1, 2):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("print('hello')")
        if executed or i == 1:
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
        nb.cells = [nbformat.v4.new_markdown_cell(f"# Lesson {i}\n\nSee $x^2$."), cell]
        nbformat.write(nb, tmp_path / "notebooks" / f"0{i}_lesson.ipynb")
    (tmp_path / "README.md").write_text(readme if readme is not None else (ROOT / "README.md").read_text())
    shutil.copytree(ROOT / "book", tmp_path / "book")
    return tmp_path


def test_an_unexecuted_notebook_is_refused_by_name(tmp_path):
    course = _course(tmp_path, executed=False)
    assert unexecuted_notebooks(sorted((course / "notebooks").glob("*.ipynb"))) == ["02_lesson.ipynb"]
    with pytest.raises(ValueError, match=r"not executed: 02_lesson\.ipynb.*gan_helpers\.course\.execute"):
        stage_site(course, tmp_path / "out")


def test_readme_without_the_running_section_is_refused(tmp_path):
    with pytest.raises(ValueError, match="site:running"):
        stage_site(_course(tmp_path, readme="# Course\n"), tmp_path / "out")


def test_staging_lists_the_notebooks_in_order_and_splits_the_readme(tmp_path):
    src = stage_site(_course(tmp_path), tmp_path / "out")
    toc = (src / "_toc.yml").read_text()
    assert "root: README" in toc
    assert toc.index("notebooks/01_lesson") < toc.index("notebooks/02_lesson") < toc.index("file: running")
    landing, running = (src / "README.md").read_text(), (src / "_running.md").read_text()
    assert "## Two commands" in running and "## Two commands" not in landing
    assert "](running.md)" in landing and "<!-- test-command -->" in running


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


def _parse(page):
    parser = _Links()
    parser.feed(page.read_text(errors="replace"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    start = time.perf_counter()
    html_dir = build_site(ROOT, tmp_path_factory.mktemp("site"))     # strict: any Sphinx warning fails
    print(f"site built in {time.perf_counter() - start:.0f} s")
    return html_dir


@pytest.mark.site
def test_site_has_a_landing_page_every_notebook_in_order_search_and_a_running_page(site):
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html") if "_static" not in p.parts}
    wanted = {"README.html", "running.html", "search.html"} | {f"notebooks/{nb.stem}.html" for nb in NOTEBOOKS}
    assert wanted <= pages, f"missing pages: {sorted(wanted - pages)}"
    landing = (site / "README.html").read_text()
    positions = [landing.find(f"notebooks/{nb.stem}.html") for nb in NOTEBOOKS]
    assert -1 not in positions and positions == sorted(positions), "the table of contents is not in notebook order"
    running = (site / "running.html").read_text()
    assert 'id="two-commands"' in running and "test-command" not in landing
    assert (site / "searchindex.js").stat().st_size > 10_000
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file(), "formulas need MathJax shipped with the site"


@pytest.mark.site
def test_every_internal_link_and_image_resolves(site):
    broken = []
    for page in site.rglob("*.html"):
        if "_static" in page.parts:
            continue
        for link in _parse(page).links:
            parts = urllib.parse.urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "data:")):
                continue
            target = (page.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in _parse(target).ids:
                broken.append(f"{page.relative_to(site)} -> {link} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:30])


@pytest.mark.site
def test_widgets_appear_as_their_static_figures(site):
    for nb in NOTEBOOKS:
        page = (site / "notebooks" / f"{nb.stem}.html").read_text()
        for text in ("VBox(children", "HBox(children", "Error displaying widget", "cdn.jsdelivr.net"):
            assert text not in page, f"{nb.name} on the site shows {text!r}"


@pytest.mark.site
def test_site_renders_formulas_and_figures_offline_in_a_browser(site):
    from .test_browser import CHROMIUM, CHROMIUM_FLAGS, _require_browser
    from playwright.sync_api import sync_playwright

    _require_browser()
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.route("http*://**", lambda route: route.abort())          # offline: nothing from the network
        for nb in NOTEBOOKS:
            page.goto((site / "notebooks" / f"{nb.stem}.html").as_uri())
            page.wait_for_load_state("load")
            source = "".join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "markdown")
            if "$" in source:
                page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
            if page.locator("mjx-merror").count():
                problems.append(f"{nb.name}: MathJax error {page.locator('mjx-merror').first.text_content()[:60]}")
            broken = page.evaluate("() => Array.from(document.images).filter(i => !i.complete || !i.naturalWidth).length")
            if broken:
                problems.append(f"{nb.name}: {broken} image(s) failed to load")
        browser.close()
    assert not problems, "; ".join(problems)
