"""Report files on disk: HTML, and on request the same report as PDF and its numbers as CSV.

Takes the bundles of :mod:`legcheck.records.bundles` (never a store) and writes every file with
:func:`legcheck.fileio.atomic_write`, owner-only: reports hold patient data.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..errors import UsageError
from ..fileio import PRIVATE, atomic_write, make_private_dir

PAPERS = ("a4", "letter")
KINDS = ("visit", "patient")


def table_text(rows: list[dict], columns: list[str], fmt: str) -> str:
    """Rows as CSV (a header of ``columns``; other keys dropped) or as a JSON list (every key).

    Parameters
    ----------
    rows : list of dict
    columns : list of str
        The CSV's columns, in order.
    fmt : {"csv", "json"}

    Raises
    ------
    UsageError
        ``fmt`` is neither.
    """
    if fmt == "json":
        return json.dumps(rows, default=str) + "\n"
    if fmt != "csv":
        raise UsageError(f"table format {fmt!r} is not csv or json")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def write_report(kind: str, bundle: dict, out_path, paper: str = "a4", pdf: bool = False,
                 as_csv: bool = False) -> list[Path]:
    """Write a report from its bundle: HTML, and on request the same report as PDF and its numbers as CSV.

    Parameters
    ----------
    kind : {"visit", "patient"}
        A visit's pre/post comparison (photos, the change, findings) or a patient's trend
        (chart, visits, mean pre/post, how well corrections hold).
    bundle : dict
        :func:`legcheck.records.bundles.visit_bundle` or
        :func:`legcheck.records.bundles.patient_bundle`, as ``kind`` says.
    out_path : str or Path
        The HTML file; the PDF and CSV go beside it with their own suffixes. A missing
        directory is created owner-only.
    paper : {"a4", "letter"}
    pdf, as_csv : bool
        Also write the PDF (printed by headless Chromium) and the CSV (a visit's checks, or a
        patient's means per visit and position).

    Returns
    -------
    list of Path
        The files written: HTML, then PDF, then CSV.

    Raises
    ------
    UsageError
        Unknown kind or paper size.
    PdfError
        The PDF could not be printed (then nothing is written).
    FileAccessError
        A file cannot be written.
    """
    if kind not in KINDS:
        raise UsageError(f"report kind {kind!r} is not one of {', '.join(KINDS)}")
    if paper not in PAPERS:
        raise UsageError(f"paper {paper!r} is not one of {', '.join(PAPERS)}")
    legacy = _legacy_render(kind, bundle, paper)  # TEMPORARY: None once reports take bundles
    if legacy is not None:
        html_text, rows, write_pdf = legacy
    else:
        from .csvout import csv_rows_patient, csv_rows_visit
        from .data import patient_data, visit_data
        from .html import patient_html, visit_html
        from .pdf import write_pdf

        if kind == "visit":
            data = visit_data(bundle)
            html_text, rows = visit_html(data, paper), csv_rows_visit(data)
        else:
            data = patient_data(bundle)
            html_text, rows = patient_html(data, paper), csv_rows_patient(data)
    out = Path(out_path)
    make_private_dir(out.parent)
    if pdf:  # first: a PDF that cannot be printed leaves no half-set of files
        write_pdf(html_text, out.with_suffix(".pdf"))
    written = [atomic_write(out, html_text, mode=PRIVATE)] + ([out.with_suffix(".pdf")] if pdf else [])
    if as_csv:
        columns = list(rows[0]) if rows else ["visit_id"]
        written.append(atomic_write(out.with_suffix(".csv"), table_text(rows, columns, "csv"), mode=PRIVATE))
    return written


# -- TEMPORARY bridge (issue 9): until reports.data/html take bundles (the reports branch), serve
# -- their store-taking signatures from the bundle. Delete from here to the end when that lands.

def _legacy_render(kind: str, bundle: dict, paper: str):
    """(html, csv rows, write_pdf) through the old store-taking report functions, or None when they take bundles."""
    import datetime as dt
    import inspect

    from . import data as d
    from . import html as h

    if "store" not in inspect.signature(d.visit_data).parameters:
        return None
    if kind == "visit":
        store = _BundleStore(bundle["patient"], [bundle])
        data = d.visit_data(store, bundle["visit"]["id"])
        return h.visit_html(data, store, paper), d.csv_rows_visit(data), h.write_pdf
    store = _BundleStore(bundle["patient"], bundle["visits"])
    lo, hi = (dt.date.fromisoformat(v) if v else None for v in bundle["period"])
    data = d.patient_data(store, bundle["patient"]["chart"], lo, hi)
    return h.patient_html(data, paper, store), d.csv_rows_patient(data), h.write_pdf


class _BundleStore:
    """The four store calls the old report functions make, answered from bundles."""

    def __init__(self, patient: dict, visits: list[dict]):
        self._patient = patient
        self._visits = {v["visit"]["id"]: v for v in visits}
        self._photos = {c["annotated_sha256"] or c["photo_sha256"]: c["photo_path"]
                        for v in visits for c in v["checks"]}

    def patient(self, chart):
        return self._patient

    def visits(self, chart):
        return [v["visit"] for v in self._visits.values()]

    def visit_summary(self, visit_id):
        return self._visits[visit_id]

    def photo_path(self, sha256):
        return self._photos.get(sha256)
