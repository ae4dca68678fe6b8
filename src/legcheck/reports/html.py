"""HTML reports from Jinja2 templates: one self-contained file, pictures first.

Templates live in ``templates/`` (package data) and escape every value (autoescaping is on
for all of them); the stylesheet in ``static/report.css`` is inlined, charts are inline SVG
(:mod:`legcheck.reports.charts`) and photos are embedded JPEG thumbnails (``data:`` URIs), so
a report opens offline, on a phone, and prints on A4 or Letter with no file or network
reference left in it.

Templates: ``base.html`` (the layout; blocks ``title``, ``styles``, ``head``, ``header``,
``content``, ``footer``; optional context ``units``), ``visit.html``, ``patient.html`` and
``_macros.html`` (``change``, ``mean_cell``, ``report_header``, ``photo``, ``pieces``,
``fig_box``). A web app extends ``base.html`` through :func:`environment` with its own loader
first. The stylesheet turns tables of class ``cards`` into cards under 600 px and fits a visit
on one printed page.
"""

from __future__ import annotations

import base64
import functools
import json
import os
from importlib import resources
from pathlib import Path

from .. import units as u
from ..records.photostore import FAILED_NOTE as FAILED  # what stands in for a photo that fails its hash
from .change import describe
from .data import EVEN_MM, POSITION_LABELS

__all__ = ["FAILED", "MISSING", "PAPER_SIZES", "THUMB_PX", "environment", "inline_css", "mean_text", "visit_html", "patient_html"]

#: What stands in for a stored photo whose file is gone from the photo store.
MISSING = "photo is missing from the photo store"
#: The sentence a report shows in place of a stored photo it cannot show truthfully.
PHOTO_NOTES = {FAILED: f"The stored {FAILED}: the file is not the photo recorded, so it is left out. Run the "
                       "database check.",
               MISSING: f"The stored {MISSING}. Run the database check."}

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


def mean_text(m: dict | None, units: str = u.DEFAULT_UNITS) -> str:
    """A mean for a table cell or caption: "left short 4.9 mm ± 0.8", "(mean of 2)" with repeats, or a dash.

    Parameters
    ----------
    m : dict or None
        A row of a bundle's ``means``: ``lld_mm``, ``uncertainty_mm`` (95 % bound, mm), ``n``.
    units : {"mm", "in"}

    Returns
    -------
    str
        The figure in words (:func:`legcheck.reports.change.describe`) and its bound; a dash
        when there is none. Whether repeats disagree is the template's mark, not this text.
    """
    if not m:
        return DASH
    return (f"{describe(m['lld_mm'], units)} \u00b1 {u.bound(m['uncertainty_mm'], units)}"
            + (f" (mean of {m['n']})" if m["n"] > 1 else ""))


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
        Filters ``describe``, ``mean_text`` and ``figure`` (each takes the units: ``x|describe(units)``);
        globals ``EVEN_MM``, ``even_text`` (the even threshold in each unit), ``inline_css`` and
        ``labels`` (the positions' names).
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
    env.filters.update(describe=describe, mean_text=mean_text, figure=u.figure)
    env.globals.update(EVEN_MM=EVEN_MM, inline_css=inline_css, labels=POSITION_LABELS,
                       even_text={units: u.figure(EVEN_MM, units) for units in u.UNITS})
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
    return environment().get_template(template).render(page_size=PAPER_SIZES[paper], units=context["data"]["units"],
                                                       **context)


def visit_html(data: dict, paper: str = "a4", warnings: list | None = None) -> str:
    """The visit report: pre and post photos side by side per position, the change, the findings.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.visit_data` output; each check's ``photo_path`` is read
        for the thumbnails, and checked against ``photo_file_sha256`` when the check has one.
    paper : {"a4", "letter"}
        Page size when printed.
    warnings : list, optional
        Gets one sentence per stored photo left out because it failed its integrity check or
        is missing (the page says so in its place).

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
            photos[(pos["position"], phase)] = _thumb(checks[-1], warnings) if checks else None
    return _render("visit.html", paper, data=data, photos=photos, notes=PHOTO_NOTES)


def patient_html(data: dict, paper: str = "a4", warnings: list | None = None) -> str:
    """The patient report: summary, figures, trend charts per position, latest photos, visits, holding.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output; the last visit's extended checks'
        ``photo_path`` is read for the thumbnails (checked as in :func:`visit_html`).
    paper : {"a4", "letter"}
        Page size when printed.
    warnings : list, optional
        As :func:`visit_html`.

    Returns
    -------
    str
        A complete, self-contained HTML page; with two visits or more it holds one trend chart
        per position checked as inline SVG, their legend in HTML below them, and their points as
        JSON (``<script id="trend-data">``).

    Raises
    ------
    UsageError
        ``paper`` is not a known size.
    """
    from markupsafe import Markup

    from .charts import PHASE_STYLE, trend_series, trend_svgs

    rows = data["rows"]
    charts = series = None
    if len(rows) >= 2:  # our own matplotlib output: trusted markup
        charts = [dict(c, svg=Markup(c["svg"])) for c in trend_svgs(data)]
        series = trend_series(data)
    latest = None
    if rows:
        last, photos = rows[-1], []
        for phase in ("pre", "post"):
            cs = [c for c in last["checks"] if c["phase"] == phase and c["position"] == "extended"]
            src = _thumb(cs[-1], warnings) if cs else None
            mean = last["means"].get((phase, "extended"))
            if src and mean:  # src is a PHOTO_NOTES key for a photo left out: the page says so
                photos.append({"phase": phase, "src": src, "mean": mean})
        latest = {"visit": last["visit"], "photos": photos} if photos else None
    disagree = any(any(s["repeats_disagree"]) for s in series or [])
    return _render("patient.html", paper, data=data, charts=charts, series=series, latest=latest,
                   phase_style=PHASE_STYLE, disagree=disagree, notes=PHOTO_NOTES)


def _thumb(check: dict, warnings: list | None = None) -> str | None:
    """A check's photo as a JPEG ``data:`` URI, cropped to the board and heels; None; or a key of :data:`PHOTO_NOTES`.

    The crop is the measurement's ``roi_px`` (so on a phone the heels are not a few pixels
    wide), scaled to the stored copy, which may be smaller than the photo measured. The file is
    read once and, when the check names its hash (``photo_file_sha256``), checked against it:
    a stored file swapped for another (another visit's, another patient's) is never shown, and
    a file gone from the store is never silently "no photo". :data:`FAILED` or :data:`MISSING`
    stands in its place and ``warnings`` gets a sentence naming the check.
    """
    path, sha256 = check.get("photo_path"), check.get("photo_file_sha256")
    if path is None:
        return None
    import numpy as np

    from .._cv import cv2
    from ..errors import FileAccessError, PhotoIntegrityError
    from ..records.photostore import read_verified

    try:
        data = read_verified(path, sha256) if sha256 else Path(path).read_bytes()
    except PhotoIntegrityError:
        return _left_out(check, FAILED, warnings)
    except (OSError, FileAccessError):
        return _left_out(check, MISSING, warnings) if sha256 and not os.path.lexists(path) else None
    cv = cv2()
    img = cv.imdecode(np.frombuffer(data, np.uint8), cv.IMREAD_COLOR)
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


def _left_out(check: dict, note: str, warnings: list | None) -> str:
    """``note`` (a key of :data:`PHOTO_NOTES`) for a check's photo, and a sentence naming the check in ``warnings``."""
    if warnings is not None:
        warnings.append(f"check {check.get('id')}'s stored {note} ({check['photo_file_sha256'][:12]}): left out of "
                        "the report; run the database check")
    return note


def _roi_of(check: dict):
    """(roi_px, (width, height)) of the photo the check measured, from its stored result."""
    try:
        r = json.loads(check["result_json"])
        return r.get("details", {}).get("roi_px"), (r["image"]["width"], r["image"]["height"])
    except (KeyError, TypeError, ValueError):
        return None, None
