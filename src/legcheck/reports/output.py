"""Report files on disk: HTML, and on request the same report as PDF and its numbers as CSV.

Takes the bundles of :mod:`legcheck.records.bundles` (never a store) and writes every file under
the one rule of :mod:`legcheck.outputs`, owner-only (reports hold patient data), all of them or
none.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import UsageError
from ..fileio import PRIVATE
from ..textsafe import csv_text

PAPERS = ("a4", "letter")
KINDS = ("visit", "patient")


def table_text(rows: list[dict], columns: list[str], fmt: str) -> str:
    """Rows as CSV (a header of ``columns``; other keys dropped) or as a JSON list (every key).

    The CSV goes through :func:`legcheck.textsafe.csv_text`, the one CSV writer: text shown
    safely and never read as a spreadsheet formula.

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
    return csv_text(rows, list(columns))


def report_paths(out_path, pdf=False, as_csv=False) -> tuple[Path, Path | None, Path | None]:
    """Where a report's HTML, PDF and CSV go.

    Parameters
    ----------
    out_path : str or Path
        The HTML file.
    pdf, as_csv : bool, str or Path
        False/None: not written; True or "": beside the HTML with the suffix ``.pdf`` /
        ``.csv``; a path: there.

    Returns
    -------
    (Path, Path or None, Path or None)

    Raises
    ------
    UsageError
        Two of the files would be the same file (e.g. the HTML given as ``r.pdf`` and the PDF
        derived from it).
    """
    out = Path(out_path)

    def path_of(value, suffix):
        if value is None or value is False:
            return None
        return out.with_suffix(suffix) if value is True or value == "" else Path(value)

    paths = {"HTML report": out, "PDF": path_of(pdf, ".pdf"), "CSV": path_of(as_csv, ".csv")}
    seen: dict[str, str] = {}
    for what, p in paths.items():
        if p is None:
            continue
        key = os.path.realpath(p)
        if key in seen:
            raise UsageError(f"the {what} and the {seen[key]} would both be {p}; give each its own file name")
        seen[key] = what
    return out, paths["PDF"], paths["CSV"]


def write_report(kind: str, bundle: dict, out_path, paper: str = "a4", pdf=False, as_csv=False,
                 overwrite: bool = False, protected=(), warnings: list | None = None) -> list[Path]:
    """Write a report from its bundle: HTML, and on request the same report as PDF and its numbers as CSV.

    Every path is checked first (:func:`legcheck.outputs.check_output`: never the records, a
    device; an existing file only with ``overwrite``), then the report is
    made and printed, then all its files are put in place together: a failure at any step
    leaves none of them (and any file it would have replaced as it was).

    Parameters
    ----------
    kind : {"visit", "patient"}
        A visit's pre/post comparison (photos, the change, findings) or a patient's trend
        (chart, visits, mean pre/post, how well corrections hold).
    bundle : dict
        :func:`legcheck.records.bundles.visit_bundle` or
        :func:`legcheck.records.bundles.patient_bundle`, as ``kind`` says.
    out_path : str or Path
        The HTML file, in a folder that exists.
    paper : {"a4", "letter"}
    pdf, as_csv : bool, str or Path
        Also write the PDF (printed by headless Chromium) and the CSV (a visit's checks, or a
        patient's means per visit and position): at their own path, or (True) beside the HTML
        with their own suffix (:func:`report_paths`).
    overwrite : bool
        Replace existing files; when False an existing one is refused before anything is made.
    protected : iterable of Path
        Paths no report may replace or enter (a store's ``protected_paths()``: the database, the photos).
    warnings : list, optional
        Gets one sentence per stored photo left out because it failed its integrity check
        (:func:`render_report`).

    Returns
    -------
    list of Path
        The files written: HTML, then PDF, then CSV.

    Raises
    ------
    UsageError
        Unknown kind or paper size; two outputs at one path; an output among the records, a
        device or a folder; a file name whose suffix is not its type's (.html/.htm, .pdf, .csv).
    OutputExistsError
        A file exists and ``overwrite`` is False.
    PdfError
        The PDF could not be printed (then nothing is written).
    FileAccessError
        A file or its folder cannot be written (then nothing is written, no folder is left).
    """
    from ..outputs import OutputFiles

    out, pdf_path, csv_path = report_paths(out_path, pdf, as_csv)
    files = OutputFiles(overwrite=overwrite, protected=protected)
    for p, holds in ((out, "html"), (pdf_path, "pdf"), (csv_path, "csv")):
        if p is not None:
            files.claim(p, kind=holds)
    html_text, csv_body = render_report(kind, bundle, paper, warnings=warnings)
    pdf_data = None
    if pdf_path:
        from .pdf import pdf_bytes

        pdf_data = pdf_bytes(html_text)
    with files:
        files.write(out, html_text, PRIVATE)
        if pdf_path:
            files.write(pdf_path, pdf_data, PRIVATE)
        if csv_path:
            files.write(csv_path, csv_body, PRIVATE)
    return files.written


def render_report(kind: str, bundle: dict, paper: str = "a4", units: str | None = None,
                  warnings: list | None = None) -> tuple[str, str]:
    """A report's HTML page and its numbers as CSV text, from its bundle (nothing written).

    Parameters
    ----------
    kind : {"visit", "patient"}
    bundle : dict
        :func:`legcheck.records.bundles.visit_bundle` or
        :func:`legcheck.records.bundles.patient_bundle`, as ``kind`` says.
    paper : {"a4", "letter"}
    units : {"mm", "in"}, optional
        How figures are shown; default: the bundle's ``settings``, else mm
        (:func:`legcheck.reports.data.report_settings`).
    warnings : list, optional
        Gets one sentence per stored photo left out because its bytes do not match its hash
        (the report shows "photo failed its integrity check" in its place).

    Returns
    -------
    html_text : str
        The self-contained HTML page (:func:`legcheck.reports.html.visit_html` or ``patient_html``).
    csv_text : str
        A visit's checks, or a patient's means per visit and position (:func:`table_text`).

    Raises
    ------
    UsageError
        Unknown kind, paper size or units.
    """
    if kind not in KINDS:
        raise UsageError(f"report kind {kind!r} is not one of {', '.join(KINDS)}")
    if paper not in PAPERS:
        raise UsageError(f"paper {paper!r} is not one of {', '.join(PAPERS)}")
    from .csvout import csv_rows_patient, csv_rows_visit
    from .data import patient_data, visit_data
    from .html import patient_html, visit_html

    if kind == "visit":
        data = visit_data(bundle, units)
        html_text, rows = visit_html(data, paper, warnings), csv_rows_visit(data)
    else:
        data = patient_data(bundle, units)
        html_text, rows = patient_html(data, paper, warnings), csv_rows_patient(data)
    columns = list(rows[0]) if rows else ["visit_id"]
    return html_text, table_text(rows, columns, "csv")
