"""Reports in the browser: the same HTML, PDF and CSV as ``legcheck report``, from :mod:`legcheck.reports`.

``GET /api/visits/{id}/report.html|.pdf|.csv`` and ``GET /api/patients/{chart}/report.html|.pdf|.csv``
(``?from=&to=`` for a patient's period, ``?paper=a4|letter``). The HTML is served with its own
Content-Security-Policy (:data:`legcheck.web.security.REPORT_CSP`: no script, its inline
stylesheet and embedded pictures only).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from .security import REPORT_CSP
from .sessions import Session
from .state import signed_in, web_of

router = APIRouter(prefix="/api", tags=["reports"])

Fmt = Literal["html", "pdf", "csv"]
Paper = Annotated[Literal["a4", "letter"], Query()]


def report_response(kind: str, bundle: dict, fmt: str, paper: str, name: str, units: str | None = None) -> Response:
    """A report as an HTTP answer.

    Parameters
    ----------
    kind : {"visit", "patient"}
    bundle : dict
        :func:`legcheck.records.bundles.visit_bundle` or ``patient_bundle``.
    fmt : {"html", "pdf", "csv"}
    paper : {"a4", "letter"}
    name : str
        The file name without suffix (ids only, never a patient's name).
    units : {"mm", "in"}, optional
        How figures are shown (:func:`legcheck.reports.output.render_report`).

    Raises
    ------
    PdfError
        The PDF could not be printed (500).
    """
    from ..reports.output import render_report

    html_text, csv_text = render_report(kind, bundle, paper, units)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    if fmt == "html":
        return HTMLResponse(html_text, headers={"Content-Security-Policy": REPORT_CSP})
    if fmt == "csv":
        return Response(csv_text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'})
    from ..reports.pdf import write_pdf

    with tempfile.TemporaryDirectory(prefix="legcheck-pdf-") as tmp:  # owner-only, removed at once
        pdf = write_pdf(html_text, Path(tmp) / "report.pdf").read_bytes()
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{safe}.pdf"'})


@router.get("/visits/{visit_id}/report.{fmt}", summary="A visit's report: pre and post photos, the change, findings")
def visit_report(request: Request, visit_id: int, fmt: Fmt, session: Annotated[Session, Depends(signed_in)],
                 paper: Paper = "a4"):
    from ..records.bundles import visit_bundle

    web = web_of(request)
    with web.store(session.user["name"]) as st:
        bundle = visit_bundle(st, visit_id)
    return report_response("visit", bundle, fmt, paper, f"visit-{visit_id}", web.units)


@router.get("/patients/{chart}/report.{fmt}", summary="A patient's trend report: chart, visits, how corrections hold")
def patient_report(request: Request, chart: str, fmt: Fmt, session: Annotated[Session, Depends(signed_in)],
                   paper: Paper = "a4", date_from: Annotated[str | None, Query(alias="from")] = None,
                   date_to: Annotated[str | None, Query(alias="to")] = None):
    from ..records.bundles import patient_bundle

    web = web_of(request)
    with web.store(session.user["name"]) as st:
        bundle = patient_bundle(st, chart, date_from or None, date_to or None)
    return report_response("patient", bundle, fmt, paper, f"patient-{chart}", web.units)
