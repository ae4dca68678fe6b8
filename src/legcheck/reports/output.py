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


def write_visit_report(bundle: dict, out_path, paper: str = "a4", pdf: bool = False, as_csv: bool = False) -> list[Path]:
    """Write a visit's report (pre/post photos, the change, findings) from its bundle.

    Parameters
    ----------
    bundle : dict
        :func:`legcheck.records.bundles.visit_bundle`.
    out_path : str or Path
        The HTML file; the PDF and CSV go beside it with their own suffixes.
    paper : {"a4", "letter"}
    pdf, as_csv : bool
        Also write the PDF (printed by headless Chromium) and the checks as CSV.

    Returns
    -------
    list of Path
        The files written: HTML, then PDF, then CSV.

    Raises
    ------
    UsageError
        Unknown paper size.
    PdfError
        The PDF could not be printed (then nothing is written).
    FileAccessError
        A file cannot be written.
    """
    _check_paper(paper)
    legacy = _legacy_render("visit", bundle, paper)  # TEMPORARY: None once reports take bundles
    if legacy is not None:
        return _write(*legacy, Path(out_path), pdf, as_csv)
    from .csvout import csv_rows_visit
    from .data import visit_data
    from .html import visit_html
    from .pdf import write_pdf

    data = visit_data(bundle)
    return _write(visit_html(data, paper), csv_rows_visit(data), write_pdf, Path(out_path), pdf, as_csv)


def write_patient_report(bundle: dict, out_path, paper: str = "a4", pdf: bool = False,
                         as_csv: bool = False) -> list[Path]:
    """Write a patient's trend report (chart, visits, mean pre/post, retention) from their bundle.

    Parameters
    ----------
    bundle : dict
        :func:`legcheck.records.bundles.patient_bundle`.
    out_path, paper, pdf, as_csv
        As :func:`write_visit_report`; the CSV holds the means per visit and position.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    UsageError, PdfError, FileAccessError
        As :func:`write_visit_report`.
    """
    _check_paper(paper)
    legacy = _legacy_render("patient", bundle, paper)  # TEMPORARY: None once reports take bundles
    if legacy is not None:
        return _write(*legacy, Path(out_path), pdf, as_csv)
    from .csvout import csv_rows_patient
    from .data import patient_data
    from .html import patient_html
    from .pdf import write_pdf

    data = patient_data(bundle)
    return _write(patient_html(data, paper), csv_rows_patient(data), write_pdf, Path(out_path), pdf, as_csv)


def _check_paper(paper: str) -> None:
    if paper not in PAPERS:
        raise UsageError(f"paper {paper!r} is not one of {', '.join(PAPERS)}")


def _write(html_text: str, rows: list[dict], write_pdf, out: Path, pdf: bool, as_csv: bool) -> list[Path]:
    make_private_dir(out.parent)
    written = []
    if pdf:  # first: a PDF that cannot be printed leaves no half-set of files
        write_pdf(html_text, out.with_suffix(".pdf"))
    written.append(atomic_write(out, html_text, mode=PRIVATE))
    if pdf:
        written.append(out.with_suffix(".pdf"))
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
