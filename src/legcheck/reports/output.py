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
    html_text, csv_text = render_report(kind, bundle, paper)
    from .pdf import write_pdf

    out = Path(out_path)
    make_private_dir(out.parent)
    if pdf:  # first: a PDF that cannot be printed leaves no half-set of files
        write_pdf(html_text, out.with_suffix(".pdf"))
    written = [atomic_write(out, html_text, mode=PRIVATE)] + ([out.with_suffix(".pdf")] if pdf else [])
    if as_csv:
        written.append(atomic_write(out.with_suffix(".csv"), csv_text, mode=PRIVATE))
    return written


def render_report(kind: str, bundle: dict, paper: str = "a4") -> tuple[str, str]:
    """A report's HTML page and its numbers as CSV text, from its bundle (nothing written).

    Parameters
    ----------
    kind : {"visit", "patient"}
    bundle : dict
        :func:`legcheck.records.bundles.visit_bundle` or
        :func:`legcheck.records.bundles.patient_bundle`, as ``kind`` says.
    paper : {"a4", "letter"}

    Returns
    -------
    html_text : str
        The self-contained HTML page (:func:`legcheck.reports.html.visit_html` or ``patient_html``).
    csv_text : str
        A visit's checks, or a patient's means per visit and position.

    Raises
    ------
    UsageError
        Unknown kind or paper size.
    """
    if kind not in KINDS:
        raise UsageError(f"report kind {kind!r} is not one of {', '.join(KINDS)}")
    if paper not in PAPERS:
        raise UsageError(f"paper {paper!r} is not one of {', '.join(PAPERS)}")
    from .csvout import csv_rows_patient, csv_rows_visit
    from .data import patient_data, visit_data
    from .html import patient_html, visit_html

    if kind == "visit":
        data = visit_data(bundle)
        html_text, rows = visit_html(data, paper), csv_rows_visit(data)
    else:
        data = patient_data(bundle)
        html_text, rows = patient_html(data, paper), csv_rows_patient(data)
    columns = list(rows[0]) if rows else ["visit_id"]
    return html_text, table_text(rows, columns, "csv")

