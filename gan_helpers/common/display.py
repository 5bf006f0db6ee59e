"""How a notebook shows things that are not plain plots: a widget with a static fallback
figure for readers without a kernel, and the source of a package function as a code block.

A widget renders only beside a running kernel. Everywhere else (a code host, the course
website, a notebook just opened in JupyterLab and not yet run) the reader gets the next
format in the widget's output instead, which for a bare widget is its ``repr``:
``VBox(children=(HBox(...``. :func:`with_static_fallback` puts a static figure of the same
thing (a PNG) and a one-line sentence in that place, so the reader still sees the idea
(introduced in notebook 01; every course widget). :func:`show_source` shows the key lines
of a loss from the code that runs, never from a copy that can go stale (notebooks 02-11).
"""
from __future__ import annotations

import ast
import base64
import inspect
import io
import textwrap

import ipywidgets as widgets
import matplotlib.pyplot as plt

__all__ = ["LABEL_STYLE", "StaticFallbackBox", "figure_png", "with_static_fallback", "show_source"]

WIDGET_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"
LABEL_STYLE = {"description_width": "initial"}   # slider labels in full, never cut to "temperat…"


class StaticFallbackBox(widgets.VBox):
    """A VBox that shows as its widgets where a kernel runs and as a static PNG figure (and,
    in plain text, a sentence) where widgets cannot render. Made by :func:`with_static_fallback`."""

    def __init__(self, children, *, png: bytes, text: str, **kwargs):
        super().__init__(children, **kwargs)
        self.fallback_png, self.fallback_text = png, text

    def _repr_mimebundle_(self, **kwargs):
        # Front ends pick the richest format they can show: the live widget where a kernel
        # runs, else the PNG (an untrusted notebook, a code host, the website), else the text.
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.fallback_png).decode("ascii")
        bundle["text/plain"] = self.fallback_text
        return bundle


def figure_png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)       # shown only as the fallback, never a second time below the cell
    return buf.getvalue()


def with_static_fallback(widget: widgets.Widget, figure, text: str) -> StaticFallbackBox:
    """Wrap ``widget`` so that where it cannot render, its cell shows ``figure`` (a matplotlib
    figure of the same thing, e.g. a grid of representative slider positions; it is closed
    here) and, in plain text, the sentence ``text`` (notebook 01; every course widget)."""
    if not isinstance(widget, widgets.Widget):
        raise TypeError(f"widget must be an ipywidgets widget, got {type(widget).__name__}")
    if not hasattr(figure, "savefig"):
        raise TypeError(f"figure must be a matplotlib figure, got {type(figure).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a sentence saying what the widget does and how to use it")
    return StaticFallbackBox([widget], png=figure_png(figure), text=text.strip())



def show_source(obj, *, docstring: bool = False):
    """The source code of a function or method of the package, as a rendered code block
    (notebooks 06, 07, 09): the key lines of a loss come from the code that runs, never
    from a copy. The docstring is left out unless ``docstring``."""
    from IPython.display import Markdown

    source = textwrap.dedent(inspect.getsource(obj))
    if not docstring:
        body = ast.parse(source).body[0].body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
            lines = source.splitlines()
            source = "\n".join(lines[:body[0].lineno - 1] + lines[body[0].end_lineno:])
    return Markdown(f"```python\n{source.rstrip()}\n```")
