"""The course in a real browser: JupyterLab started as the README says, driven in headless
Chromium by Playwright. Every notebook is opened and must render cleanly; every notebook with
a widget is run, and each slider is moved with the keyboard and must change the plot.

    pytest -m browser                 # needs Chromium: apt-get install -y chromium

Screenshots go to build/browser-test/ (ignored by git), with the seconds each notebook took.
"""
import base64
import io
import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SHOTS = ROOT / "build" / "browser-test"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_REPR = re.compile(r"^\s*[A-Z]\w*\((children|value|description|options|layout|style)=")
README_OPEN = re.compile(r"^pip install -e \. && (.*)&& jupyter lab notebooks/\s*$", re.M)
TIMINGS: dict[str, float] = {}


def _has_widget(path) -> bool:
    nb = json.loads(path.read_text())
    return any(WIDGET_VIEW in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))


WIDGET_NOTEBOOKS = [p for p in NOTEBOOKS if _has_widget(p)]


def _require_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright is not installed: pip install -e '.[test]'", pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` "
                    "(Debian/Ubuntu), or point $CHROMIUM at a Chromium or Chrome binary", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of the course (so nothing run here touches the repository),
    started from its root with the README's command, on 127.0.0.1 with a token."""
    _require_browser()
    readme = (ROOT / "README.md").read_text()
    steps = README_OPEN.search(readme)
    assert steps, "README's open command is not 'pip install -e . && ... && jupyter lab notebooks/'"
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "notebooks", course / "notebooks")
    shutil.copy(ROOT / "README.md", course / "README.md")
    config = tmp_path_factory.mktemp("jupyter-config")     # a first start: no earlier answers or settings
    settings = config / "lab" / "user-settings" / "@jupyterlab"
    for plugin, value in {"notebook-extension/tracker": {"windowingMode": "none"},     # every cell in the DOM
                          "docmanager-extension/plugin": {"autosave": False}}.items():
        (settings / plugin).parent.mkdir(parents=True, exist_ok=True)
        (settings / f"{plugin}.jupyterlab-settings").write_text(json.dumps(value))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(config / "runtime"))
    for name in ("MPLBACKEND", "GAN_HELPERS_PROGRESS"):    # the test run's settings, not a learner's
        env.pop(name, None)
    for step in filter(None, (s.strip() for s in steps.group(1).split("&&"))):
        # the README's set-up steps, written to this run's own config folder
        subprocess.run(f"{step} --level=user", shell=True, env=env, check=True, capture_output=True)
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "notebooks/", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (config / "server.log").open("w")
    server = subprocess.Popen(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert server.poll() is None, f"JupyterLab exited: {(config / 'server.log').read_text()[-2000:]}"
                time.sleep(0.2)
        else:
            pytest.fail("JupyterLab did not answer within 60 s", pytrace=False)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1) + "\n")


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _open(browser, lab, path):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # a workspace of its own, reset: only this notebook open, whatever ran before
    try:
        page.goto(f"{base}/lab/workspaces/{path.stem}/tree/{path.name}?reset&token={token}")
        page.wait_for_function("""() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            return w && w.content && w.content.model && w.context.isReady &&
                   document.querySelectorAll('.jp-Notebook .jp-Cell').length === w.content.model.cells.length; }""",
                               timeout=60_000)
        _settle(page)
    except Exception:
        page.close()
        raise
    return page


def _close(page):
    """Shut the notebook's kernel down (JupyterLab starts one on opening) and close the tab."""
    try:
        page.evaluate("async () => await window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    finally:
        page.close()


def _settle(page, quiet_ms=1000, timeout_s=60):
    """Wait until MathJax and images stop changing the page and every image has loaded."""
    last, since, start = None, time.time(), time.time()
    while time.time() - start < timeout_s:
        now = page.evaluate("""() => [document.querySelectorAll('mjx-container').length,
            document.querySelectorAll('.jp-Notebook img').length,
            Array.from(document.querySelectorAll('.jp-Notebook img')).every(i => i.complete)]""")
        if now != last:
            last, since = now, time.time()
        elif now[2] and time.time() - since > quiet_ms / 1000:
            return
        time.sleep(0.1)


def _problems(page) -> list[str]:
    """What a reader would see go wrong on the page as it stands."""
    found = []
    math_errors = page.locator("mjx-merror").all_text_contents()
    found += [f"MathJax error: {t[:80]}" for t in math_errors]
    broken = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-Notebook img'))
        .filter(i => !i.complete || i.naturalWidth === 0).map(i => (i.src || '').slice(0, 80))""")
    found += [f"image failed to load: {src}" for src in broken]
    errors = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.model.toJSON().cells
        .flatMap((c, i) => (c.outputs || []).filter(o => o.output_type === 'error')
        .map(o => `cell ${i}: ${o.ename}: ${o.evalue}`.slice(0, 200)))""")
    found += [f"error output in {e}" for e in errors]
    texts = page.locator(".jp-OutputArea-output").all_text_contents()
    found += [f"widget shown as text: {t.strip()[:80]}" for t in texts if WIDGET_REPR.match(t)]
    # an output that carries a widget but is rendered from its plain text (a bare widget or a
    # saved progress bar, where no kernel runs): the reader sees a repr or a frozen "0%"
    as_text = page.evaluate("""() => window.jupyterapp.shell.currentWidget.content.widgets.flatMap((cell, i) => {
        if (cell.model.type !== 'code') return [];
        return cell.outputArea.widgets.flatMap((child, j) => {
            const output = cell.model.outputs.get(j), shown = child.node.querySelector('.jp-OutputArea-output');
            return output && output.data['WIDGET'] && shown && shown.dataset.mimeType === 'text/plain'
                ? [`cell ${i}: ${shown.textContent.trim().slice(0, 80)}`] : [];
        });
    })""".replace("WIDGET", WIDGET_VIEW))
    found += [f"widget shown as text in {t}" for t in as_text if not any(t[t.find(":") + 2:] in f for f in found)]
    if page.get_by_text("Error displaying widget").count():
        found.append("Error displaying widget")
    news = [t for t in page.locator(".Toastify__toast").all_text_contents() if "news" in t.lower()]
    found += [f"notification: {t[:80]}" for t in news]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_opens_cleanly(browser, lab, path):
    start = time.time()
    page = _open(browser, lab, path)
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{path.stem}-open.png"))
        problems = _problems(page)
    finally:
        _close(page)
    TIMINGS[f"{path.stem} open"] = round(time.time() - start, 1)
    assert not problems, f"{path.name} as opened: " + "; ".join(problems)


_RAN: dict[str, object] = {}


@pytest.fixture(scope="module")
def ran(browser, lab):
    """A page per notebook, run top to bottom in the browser's kernel (at most once)."""

    def run(path):
        if path.name not in _RAN:
            start = time.time()
            page = _open(browser, lab, path)
            page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session"
                                   "?.kernel?.connectionStatus === 'connected'", timeout=60_000)
            # the Run > Run All Cells menu's command; it resolves when the last cell is done
            ok = page.evaluate("async () => await window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
            _settle(page)
            TIMINGS[f"{path.stem} run"] = round(time.time() - start, 1)
            _RAN[path.name] = (page, ok)
        return _RAN[path.name]

    yield run
    for page, _ in _RAN.values():
        _close(page)
    _RAN.clear()


def _image_bytes(locator) -> bytes:
    """The PNG a plot shows, or b"" while the kernel is replacing it (read from the image's
    data URI rather than a screenshot, which fails on an element being swapped out)."""
    try:
        src = locator.get_attribute("src", timeout=1000) if locator.count() else None
    except Exception:       # the image was removed between count() and get_attribute()
        return b""
    return base64.b64decode(src.split(",", 1)[1]) if src and src.startswith("data:") else b""


def _drawn_image(plot, unlike: bytes = b"", timeout: float = 20) -> bytes:
    """The plot's PNG once the kernel has drawn one that differs from ``unlike`` (b"" if it
    has not within ``timeout`` seconds)."""
    deadline = time.time() + timeout
    png = _image_bytes(plot)
    while (not png or png == unlike) and time.time() < deadline:
        time.sleep(0.2)
        png = _image_bytes(plot)
    return png if png != unlike else b""


def _move(page, handle, readout, plot, keys=("Home", "End")):
    """Press the first of ``keys`` that moves the slider (by default Home, or End if it already
    sits at its start) and wait for the redrawn plot. Returns (readout before, after, plot
    before, after); if no key moves the slider, it returns at once with nothing changed."""
    value, before = readout.text_content(), _drawn_image(plot)
    handle.focus()
    for key in keys:
        handle.press(key)
        try:
            page.wait_for_function("([el, v]) => el.textContent !== v", arg=[readout.element_handle(), value],
                                   timeout=3000)
            break
        except Exception:
            continue
    else:
        return value, value, before, before
    return value, readout.text_content(), before, _drawn_image(plot, unlike=before)


@pytest.mark.parametrize("path", WIDGET_NOTEBOOKS, ids=[p.stem for p in WIDGET_NOTEBOOKS])
def test_widgets_run_and_their_sliders_move_the_plot(ran, path):
    page, ok = ran(path)
    page.screenshot(path=str(SHOTS / f"{path.stem}-run.png"))
    problems = _problems(page)
    assert ok and not problems, f"{path.name} run in the browser: " + ("; ".join(problems) or "a cell failed")
    sliders = page.locator(".widget-slider")
    assert sliders.count(), f"{path.name}: its widgets rendered no slider"
    cut = page.evaluate("() => [...document.querySelectorAll('.widget-slider .widget-label')]"
                        ".filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)")
    assert not cut, f"{path.name}: slider labels cut short on the page: {cut}"
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        box = slider.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]")
        plot = box.locator(".widget-output img").first
        label = slider.locator(".widget-label").text_content()
        before_v, after_v, before, after = _move(page, slider.locator(".noUi-handle").first,
                                                 slider.locator(".widget-readout"), plot)
        try:
            box.screenshot(path=str(SHOTS / f"{path.stem}-slider{i}.png"), timeout=10_000)
        except Exception:
            pass            # the screenshot is for people; the assertions below are the test
        assert after_v != before_v, f"{path.name}: slider '{label}' did not move with the keyboard"
        assert before and after and before != after, f"{path.name}: moving '{label}' from {before_v} to {after_v} left the plot unchanged"


def test_d_star_explorer_keeps_p_g_on_the_grid_at_every_slider_end(ran):
    page, _ = ran(ROOT / "notebooks" / "01_gan_theory.ipynb")
    mean, std = (page.locator(".widget-slider").nth(i) for i in range(2))
    readout = page.locator(".widget-html").filter(has_text="mass on the grid")
    for mean_key in ("Home", "End"):
        for std_key in ("Home", "End"):
            for slider, key in ((mean, mean_key), (std, std_key)):
                text = readout.text_content()
                slider.locator(".noUi-handle").press(key)
                try:
                    page.wait_for_function("([el, v]) => el.textContent !== v", arg=[readout.element_handle(), text],
                                           timeout=5000)
                except Exception:
                    pass          # already at that end
            text = readout.text_content()
            mass = float(re.search(r"mass on the grid: ([\d.]+)%", text).group(1))
            where = f"mean {mean.locator('.widget-readout').text_content()}, std {std.locator('.widget-readout').text_content()}"
            assert mass >= 99.9, f"the D* explorer keeps only {mass}% of p_g on the grid at {where}"
            v, rhs = (float(s) for s in re.findall(r"= (-?[\d.]+)", text.replace("−", "-"))[1:3])
            assert abs(v - rhs) <= 2e-3, f"V(D*, G) = {v} but -log 4 + 2 JSD = {rhs} at {where}"


def _orange_share(png: bytes) -> float:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("HSV")
    hue, sat, val = (band.tobytes() for band in img.split())    # one byte per pixel
    orange = sum(1 for h, s, v in zip(hue, sat, val) if 12 <= h <= 30 and s > 90 and v > 120)
    return orange / len(hue)


def test_gumbel_explorer_shows_the_sample_bars_at_a_low_temperature(ran):
    page, _ = ran(ROOT / "notebooks" / "07_gumbel_gan.ipynb")
    slider = page.locator(".widget-slider").filter(has_text="temperature").first
    plot = slider.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')][1]").locator(
        ".widget-output img").first
    readout = slider.locator(".widget-readout")
    # Home takes the slider to its start; it may sit there already (the page is shared with
    # the test that moves every slider), and then the plot already shows the start
    _move(page, slider.locator(".noUi-handle").first, readout, plot, keys=("Home",))
    assert float(readout.text_content()) <= 0.05, f"the temperature slider's start reads {readout.text_content()}"
    png = _drawn_image(plot)
    assert png, "07's temperature explorer shows no plot"
    share = _orange_share(png)
    # one relaxed sample at a low temperature is nearly one-hot: one tall bar in the second
    # (orange) colour, far more than the legend's swatch
    assert share > 0.005, f"at a low temperature the sample's bars cover only {share:.2%} of the plot"
