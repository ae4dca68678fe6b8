"""HTML reports from Jinja2 templates: one self-contained file, pictures first.

Templates live in ``templates/`` (package data) and escape every value (autoescaping is on
for all of them); the stylesheet in ``static/report.css`` is inlined, charts are inline SVG
(:mod:`legcheck.reports.charts`) and photos are embedded JPEG thumbnails (``data:`` URIs), so
a report opens offline, on a phone, and prints on A4 or Letter with no file or network
reference left in it.

Templates: ``base.html`` (the layout; blocks ``title``, ``styles``, ``head``, ``header``,
``content``, ``footer``), ``visit.html``, ``patient.html`` and ``_macros.html`` (``change``,
``photo``, ``pieces``, ``fig_box``). A web app extends ``base.html`` through
:func:`environment` with its own loader first.
"""

from __future__ import annotations

import base64
import functools
import json
from importlib import resources
from pathlib import Path

from .data import EVEN_MM, describe

__all__ = ["PAPER_SIZES", "THUMB_PX", "environment", "inline_css", "mean_text", "visit_html", "patient_html"]

#: ``paper`` argument -> CSS ``@page`` size.
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
#: Longest side of an embedded thumbnail (px).
THUMB_PX = 640
DASH = "\u2014"


@functools.cache
def inline_css(name: str = "report.css"):
    """A stylesheet from the package's ``static/`` folder, marked safe to inline in ``<style>``.

    Parameters
    ----------
    name : str
        File name in ``legcheck/reports/static``.

    Returns
    -------
    markupsafe.Markup
        The CSS text (trusted: it ships with the package).
    """
    from markupsafe import Markup

    return Markup(resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8"))


def mean_text(m: dict | None) -> str:
    """A mean for a table cell: "+1.2 ± 0.4 (n=2)", or a dash when there is none.

    Parameters
    ----------
    m : dict or None
        A row of a bundle's ``means``: ``lld_mm``, ``uncertainty_mm`` (95 % bound, mm), ``n``.

    Returns
    -------
    str
        Signed figure and bound to 0.1 mm, with the number of repeats when more than one.
    """
    if not m:
        return DASH
    return f"{m['lld_mm']:+.1f} \u00b1 {m['uncertainty_mm']:.1f}" + (f" (n={m['n']})" if m["n"] > 1 else "")


def environment(loader=None):
    """The Jinja2 environment of the reports: autoescaping, strict undefined, report filters.

    Parameters
    ----------
    loader : jinja2.BaseLoader, optional
        Searched before the reports' own templates, so a web app's pages can
        ``{% extends "base.html" %}`` and override its blocks. Without it the environment
        is built once and shared.

    Returns
    -------
    jinja2.Environment
        Filters ``describe`` and ``mean_text``; globals ``EVEN_MM`` and ``inline_css``.
    """
    return _environment(loader) if loader is not None else _default_environment()


@functools.cache
def _default_environment():
    return _environment(None)


def _environment(loader):
    import jinja2

    own = jinja2.PackageLoader(__package__, "templates")
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([loader, own]) if loader is not None else own,
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             finalize=_displayed)
    env.filters.update(describe=describe, mean_text=mean_text)
    env.globals.update(EVEN_MM=EVEN_MM, inline_css=inline_css)
    return env


def _displayed(value):
    """Every value a template prints: text with control and format characters removed
    (:func:`legcheck.textsafe.shown`), so a name cannot hide or reorder what a report says."""
    from markupsafe import Markup

    from ..textsafe import shown

    return shown(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _render(template: str, paper: str, **context) -> str:
    if paper not in PAPER_SIZES:
        from ..errors import UsageError

        raise UsageError(f"paper {paper!r} is not one of {', '.join(PAPER_SIZES)}")
    return environment().get_template(template).render(page_size=PAPER_SIZES[paper], **context)


def visit_html(data: dict, paper: str = "a4") -> str:
    """The visit report: pre and post photos side by side per position, the change, the findings.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.visit_data` output; each check's ``photo_path`` is read
        for the thumbnails.
    paper : {"a4", "letter"}
        Page size when printed.

    Returns
    -------
    str
        A complete, self-contained HTML page.

    Raises
    ------
    UsageError
        ``paper`` is not a known size.
    """
    photos = {}
    for pos in data["positions"]:
        for phase in ("pre", "post"):
            checks = pos["checks"][phase]
            photos[(pos["position"], phase)] = _thumb(checks[-1]) if checks else None
    return _render("visit.html", paper, data=data, photos=photos)


def patient_html(data: dict, paper: str = "a4") -> str:
    """The patient report: summary, trend chart, latest photos, figures, visits, holding.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output; the last visit's extended checks'
        ``photo_path`` is read for the thumbnails.
    paper : {"a4", "letter"}
        Page size when printed.

    Returns
    -------
    str
        A complete, self-contained HTML page; with two visits or more it holds the trend chart
        as inline SVG and its points as JSON (``<script id="trend-data">``).

    Raises
    ------
    UsageError
        ``paper`` is not a known size.
    """
    rows = data["rows"]
    chart_svg = series = None
    if len(rows) >= 2:
        from markupsafe import Markup

        from .charts import trend_series, trend_svg

        chart_svg, series = Markup(trend_svg(data)), trend_series(data)  # our own matplotlib output
    latest = None
    if rows:
        last, photos = rows[-1], []
        for phase in ("pre", "post"):
            cs = [c for c in last["checks"] if c["phase"] == phase and c["position"] == "extended"]
            src = _thumb(cs[-1]) if cs else None
            mean = last["means"].get((phase, "extended"))
            if src and mean:
                photos.append({"phase": phase, "src": src, "mean": mean})
        latest = {"visit": last["visit"], "photos": photos} if photos else None
    return _render("patient.html", paper, data=data, chart_svg=chart_svg, series=series, latest=latest)


def _thumb(check: dict) -> str | None:
    """A check's photo as a JPEG ``data:`` URI, cropped to the board and heels, or None.

    The crop is the measurement's ``roi_px`` (so on a phone the heels are not a few pixels
    wide), scaled to the stored copy, which may be smaller than the photo measured.
    """
    path = check.get("photo_path")
    if path is None or not Path(path).exists():
        return None
    import numpy as np

    from .._cv import cv2

    cv = cv2()
    img = cv.imdecode(np.fromfile(str(path), np.uint8), cv.IMREAD_COLOR)
    if img is None:
        return None
    roi, size = _roi_of(check)
    if roi is not None and size:
        k = img.shape[1] / size[0]
        x0, y0, x1, y1 = (int(round(v * k)) for v in roi)
        if x1 - x0 > 20 and y1 - y0 > 20:
            img = img[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1]
    h, w = img.shape[:2]
    s = min(1.0, THUMB_PX / max(h, w))
    if s < 1:
        img = cv.resize(img, (round(w * s), round(h * s)), interpolation=cv.INTER_AREA)
    ok, buf = cv.imencode(".jpg", img, [cv.IMWRITE_JPEG_QUALITY, 80])
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii") if ok else None


def _roi_of(check: dict):
    """(roi_px, (width, height)) of the photo the check measured, from its stored result."""
    try:
        r = json.loads(check["result_json"])
        return r.get("details", {}).get("roi_px"), (r["image"]["width"], r["image"]["height"])
    except (KeyError, TypeError, ValueError):
        return None, None
