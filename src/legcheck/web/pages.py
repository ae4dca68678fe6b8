"""The pages a phone shows: sign in, patients, a patient's visit today, capture, a visit.

Server-rendered from Jinja2 templates that extend the reports' ``base.html``
(:func:`legcheck.reports.html.environment` with this package's templates first), so a page and a
report share one layout, one stylesheet and one wording of a change
(:class:`legcheck.reports.data.Change`). Pages hold no inline script: ``/static/app.js`` and
``/static/capture.js`` read what they need from ``data-`` attributes. A page that needs a
session sends the browser to the sign-in page (see :func:`legcheck.web.app.error_response`).
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..records.vocabulary import ADJUSTMENT_SIDES, DERIFIELD, PHASES, PIECES, POSITIONS, SIDES, require_term
from .sessions import NotSignedIn, Session
from .state import signed_in, templates_dir, web_of

router = APIRouter(include_in_schema=False)
SignedIn = Annotated[Session, Depends(signed_in)]


@functools.cache
def environment():
    """The reports' Jinja2 environment with the web app's templates searched first."""
    import jinja2

    from ..reports.html import environment as reports_environment

    from ..units import bound

    env = reports_environment(loader=jinja2.FileSystemLoader(str(templates_dir())))
    env.filters.update(bound=bound)
    env.globals.update(PHASES=PHASES, POSITIONS=POSITIONS, PIECES=PIECES, ADJUSTMENT_SIDES=ADJUSTMENT_SIDES,
                       SIDES=SIDES, DERIFIELD=DERIFIELD)
    return env


def render(request: Request, template: str, session: Session | None = None, status_code: int = 200,
           **context) -> HTMLResponse:
    """A page: ``template`` with ``context``, the signed-in user and the session's CSRF token (for forms and scripts)."""
    if session is None:
        session = _optional_session(request)
    html = environment().get_template(template).render(
        user=session.user if session else None, csrf=session.csrf if session else "", path=request.url.path,
        units=web_of(request).units, **context)
    return HTMLResponse(html, status_code=status_code)


def _optional_session(request: Request) -> Session | None:
    """The request's session if it has a good one (public pages show who is signed in)."""
    from ..errors import LegcheckError

    web = web_of(request)
    try:
        sid, name = web.sessions.read(request.cookies.get(web.sessions.cookie_name))
        return Session(sid, web.current_user(name), web.sessions.csrf_for(sid))
    except (NotSignedIn, LegcheckError):
        return None


@router.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every page (the reports too): the same icon as the pages link."""
    from importlib import resources

    from fastapi.responses import Response

    svg = resources.files(__package__).joinpath("static", "favicon.svg").read_bytes()
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@router.get("/")
def home():
    return RedirectResponse("/patients", status_code=303)


@router.get("/signin")
def signin_page(request: Request, next: Annotated[str, Query()] = "/patients"):
    safe_next = next if next.startswith("/") and not next.startswith("//") else "/patients"
    return render(request, "signin.html", next=safe_next)


@router.get("/patients")
def patients_page(request: Request, session: SignedIn, q: Annotated[str | None, Query()] = None):
    from .api import find_patients

    with web_of(request).store(session.user["name"]) as st:
        found = find_patients(st.patients(), q)
    return render(request, "patients.html", session, patients=found, q=q or "")


@router.get("/patients/{chart}")
def patient_page(request: Request, chart: str, session: SignedIn):
    from ..records.bundles import visit_bundle
    from .api import today_visit, visit_json

    web = web_of(request)
    with web.store(session.user["name"]) as st:
        patient = st.patient(chart)
        visits = st.visits(chart)
        today = today_visit(visits)
        today_json = visit_json(visit_bundle(st, today["id"]), web.units) if today else None
    return render(request, "patient.html", session, patient=patient, visits=list(reversed(visits)), today=today_json)


@router.get("/capture")
def capture_page(request: Request, session: SignedIn, chart: Annotated[str, Query()],
                 phase: Annotated[str, Query()], position: Annotated[str, Query()],
                 visit: Annotated[int | None, Query()] = None):
    require_term("phase", phase)
    require_term("position", position)
    with web_of(request).store(session.user["name"]) as st:
        patient = st.patient(chart)
        if visit is not None:
            st.visit_for_check(chart, visit)
    return render(request, "capture.html", session, patient=patient, phase=phase, position=position, visit_id=visit)


@router.get("/visits/{visit_id}")
def visit_page(request: Request, visit_id: int, session: SignedIn):
    from ..records.bundles import visit_bundle
    from ..records.users import may
    from ..reports.data import visit_data
    from .api import visit_json

    web = web_of(request)
    with web.store(session.user["name"]) as st:
        bundle = visit_bundle(st, visit_id)
    data = visit_data(bundle, web.units)
    vj = visit_json(bundle, web.units)
    return render(request, "visit.html", session, data=data, v=vj, may_adjust=may(session.user["role"], "adjust"),
                  may_amend=may(session.user["role"], "amend"))
