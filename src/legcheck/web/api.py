"""The JSON API under ``/api/``: sessions, measuring, checks, patients, visits, adjustments.

Writes take form fields (``application/x-www-form-urlencoded`` or ``multipart/form-data``) and
the session's CSRF token; answers are JSON. Measuring and recording run in the worker pool
(:mod:`legcheck.web.workers`) through :mod:`legcheck.pipeline`; everything else goes through
the :class:`~legcheck.records.protocol.Store` opened as the signed-in user.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import HTTP_STATUS, ImageReadError, LegcheckError, RecordNotFoundError, UsageError
from ..records.vocabulary import require_term
from .sessions import NotSignedIn, Session
from .state import signed_in, web_of, writer

router = APIRouter(prefix="/api", tags=["api"])

SignedIn = Annotated[Session, Depends(signed_in)]
Text = Annotated[str | None, Form()]
#: The measuring fields every measuring route takes (see :meth:`legcheck.web.state.WebState.options`).
MEASURE_FIELDS = ("method", "heel_height_mm", "even_below_mm", "snap", "left_heel", "right_heel", "near_left",
                  "near_right")


def _user_json(user: dict) -> dict:
    return {"name": user["name"], "role": user["role"]}


# -- session ------------------------------------------------------------------------------------
@router.post("/session", status_code=201, summary="Sign in: a session cookie, and the CSRF token every write sends back")
async def sign_in(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]):
    """Ten wrong passwords for a user name, or from one address, within 15 minutes: 429 until the window slides."""
    web = web_of(request)
    keys = ("user:" + name.strip().lower(), "ip:" + (request.client.host if request.client else "?"))
    web.throttle.check(*keys)
    user = await run_in_threadpool(web.authenticate, name, password)
    if user is None:
        web.throttle.failed(*keys)
        raise NotSignedIn("wrong user name or password")
    web.throttle.succeeded(keys[0])
    cookie, csrf = web.sessions.new(user["name"])
    resp = JSONResponse({"user": _user_json(user), "csrf_token": csrf, "expires_in_s": web.sessions.ttl_s},
                        status_code=201)
    resp.set_cookie(value=cookie, **web.sessions.cookie_args())
    return resp


@router.get("/session", summary="Who is signed in, and the session's CSRF token")
async def session_info(session: SignedIn):
    return {"user": _user_json(session.user), "csrf_token": session.csrf}


@router.delete("/session", status_code=204, summary="Sign out: the session's cookie is refused from now on")
async def sign_out(request: Request, session: Annotated[Session, Depends(writer())]):
    web = web_of(request)
    web.sessions.revoke(session.sid)
    resp = Response(status_code=204)
    resp.delete_cookie(web.sessions.cookie_name, path="/", secure=web.sessions.tls, httponly=True, samesite="strict")
    return resp


# -- measuring and recording --------------------------------------------------------------------
def _measure_fields(method, heel_height_mm, even_below_mm, snap, left_heel, right_heel, near_left, near_right):
    return dict(zip(MEASURE_FIELDS, (method, heel_height_mm, even_below_mm, snap, left_heel, right_heel, near_left,
                                     near_right)))


async def _upload(request: Request, session: Session, photo: UploadFile | None, upload_id: str | None):
    """The upload a request names (``upload_id``) or sends (``photo``), and whether it is new."""
    web = web_of(request)
    if upload_id:
        return await run_in_threadpool(web.uploads.get, upload_id, session.user["name"]), False
    if photo is None:
        raise UsageError("send the photo (field photo) or the id of one already measured (upload_id)")
    data = await photo.read()
    if not data:
        raise ImageReadError("the photo is empty (0 bytes); take it again")
    return await run_in_threadpool(web.uploads.save, data, session.user["name"], photo.filename), True


@router.post("/measure", summary="Measure a photo: the same JSON as `legcheck measure --json`, and its annotated copy's URL")
async def measure(request: Request, session: Annotated[Session, Depends(writer("capture"))],
                  photo: Annotated[UploadFile | None, File()] = None, upload_id: Text = None,
                  method: Text = None, heel_height_mm: Text = None, even_below_mm: Text = None, snap: Text = None,
                  left_heel: Text = None, right_heel: Text = None, near_left: Text = None, near_right: Text = None):
    """Send the photo (``photo``), or measure one sent before again with other options (``upload_id``):
    taps near each heel (``near_left``, ``near_right``, "x,y" photo pixels) or exact points
    (``left_heel``, ``right_heel``). The answer adds ``summary`` (the figure in words),
    ``upload_id`` (to record it: ``POST /api/checks``), ``annotated_url`` and ``photo_url``. An
    error keeps the photo (``upload_id`` beside ``error``) unless the photo itself is unreadable."""
    from .workers import measure_job

    web = web_of(request)
    options = web.options(_measure_fields(method, heel_height_mm, even_below_mm, snap, left_heel, right_heel,
                                          near_left, near_right))
    up, new = await _upload(request, session, photo, upload_id)
    try:
        result = await web.pool.run(measure_job, str(up.photo), options, str(up.annotated), up.filename, web.units)
    except LegcheckError as exc:
        if isinstance(exc, ImageReadError):
            if new:
                web.uploads.remove(up)
            raise
        status = getattr(exc, "http_status", None) or HTTP_STATUS.get(exc.exit_code, 500)
        return JSONResponse({**exc.to_json(), **_upload_urls(up)}, status_code=status)
    result["image"] = {**result.get("image", {}), "path": up.filename}
    return {**result, **_upload_urls(up)}


def _upload_urls(up) -> dict:
    return {"upload_id": up.id, "annotated_url": f"/api/uploads/{up.id}/annotated.jpg",
            "photo_url": f"/api/uploads/{up.id}/photo"}


@router.get("/uploads/{upload_id}/annotated.jpg", summary="The annotated copy of a measured photo (its sender only)")
def upload_annotated(request: Request, upload_id: str, session: SignedIn):
    up = web_of(request).uploads.get(upload_id, session.user["name"])
    if not up.annotated.exists():
        raise RecordNotFoundError("this photo has no annotated copy (it was not measured); measure it first")
    return FileResponse(up.annotated, media_type="image/jpeg")


@router.get("/uploads/{upload_id}/photo", summary="A measured photo as sent (its sender only)")
def upload_photo(request: Request, upload_id: str, session: SignedIn):
    up = web_of(request).uploads.get(upload_id, session.user["name"])
    return FileResponse(up.photo, media_type=_media_type(up.photo))


def _media_type(path) -> str:
    with open(path, "rb") as f:
        head = f.read(8)
    return "image/png" if head.startswith(b"\x89PNG") else "image/jpeg"


@router.post("/checks", status_code=201, summary="Measure a photo and record it as a check of a patient")
async def record(request: Request, session: Annotated[Session, Depends(writer("record"))],
                 chart: Annotated[str, Form()], phase: Annotated[str, Form()], position: Annotated[str, Form()],
                 visit_id: Annotated[int | None, Form()] = None,
                 photo: Annotated[UploadFile | None, File()] = None, upload_id: Text = None,
                 method: Text = None, heel_height_mm: Text = None, even_below_mm: Text = None, snap: Text = None,
                 left_heel: Text = None, right_heel: Text = None, near_left: Text = None, near_right: Text = None):
    """The photo is ``photo``, or one measured before (``upload_id``, recorded with the options sent
    now: send the same ones). The signed-in user is the check's author. Measured again in the
    worker pool: what is recorded is exactly what ``legcheck check`` would record."""
    from .workers import record_job

    web = web_of(request)
    require_term("phase", phase)
    require_term("position", position)
    options = web.options(_measure_fields(method, heel_height_mm, even_below_mm, snap, left_heel, right_heel,
                                          near_left, near_right))
    up, new = await _upload(request, session, photo, upload_id)
    try:
        out = await web.pool.run(record_job, web.config.db, session.user["name"], str(up.photo), chart, phase,
                                 position, options, visit_id, up.filename, web.units)
    except LegcheckError:
        if new:
            web.uploads.remove(up)
        raise
    web.uploads.remove(up)
    return {**out, "author": session.user["name"], "visit_url": f"/visits/{out['visit_id']}"}


@router.post("/checks/{check_id}/amendments", status_code=201,
             summary="Correct a recorded check: a new check supersedes it (practitioner or admin)")
def amend(request: Request, check_id: int, session: Annotated[Session, Depends(writer("amend"))],
          lld_mm: Annotated[float, Form()], uncertainty_mm: Annotated[float, Form()], reason: Annotated[str, Form()]):
    """A figure typed by hand: its method becomes "manual entry", with its own 95 % bound."""
    with web_of(request).store(session.user["name"]) as st:  # the store's actor is the amendment's author
        new_id = st.amend_check(check_id, lld_mm, reason, uncertainty_mm=uncertainty_mm)
    return {"check_id": new_id, "supersedes": check_id, "author": session.user["name"]}


@router.get("/checks/{check_id}/photo", summary="A recorded check's annotated photo (else the photo as stored)")
def check_photo(request: Request, check_id: int, session: SignedIn):
    with web_of(request).store(session.user["name"]) as st:
        row = next(r for r in st.history(check_id) if r["id"] == check_id)
        path = st.photo_path(row["annotated_sha256"]) or st.photo_path(row["photo_sha256"])
    if path is None or not path.exists():
        raise RecordNotFoundError(f"check {check_id} has no stored photo")
    return FileResponse(path, media_type=_media_type(path))


# -- patients -----------------------------------------------------------------------------------
def find_patients(patients: list[dict], q: str | None) -> list[dict]:
    """The patients whose chart number starts with ``q`` or whose name contains it (any case, with or
    without accents: :func:`legcheck.records.inputs.search_key`), all without ``q``."""
    from ..records.inputs import search_key

    q = search_key(q)
    if not q:
        return patients
    return [p for p in patients if search_key(p["chart"]).startswith(q) or q in search_key(p["name"])]


@router.get("/patients", summary="Find patients by chart number (its start) or name (any part)")
def patients(request: Request, session: SignedIn, q: Annotated[str | None, Query()] = None):
    with web_of(request).store(session.user["name"]) as st:
        return {"patients": find_patients(st.patients(), q)}


@router.post("/patients", status_code=201, summary="Add a patient")
def add_patient(request: Request, session: Annotated[Session, Depends(writer("record"))],
                chart: Annotated[str, Form()], name: Annotated[str, Form()], dob: Text = None, notes: Text = None):
    with web_of(request).store(session.user["name"]) as st:
        st.add_patient(chart, name, dob or None, notes or None)
        return {"patient": st.patient(chart.strip()), "url": f"/patients/{chart.strip()}"}


@router.get("/patients/{chart}", summary="A patient and their visits")
def patient(request: Request, chart: str, session: SignedIn):
    with web_of(request).store(session.user["name"]) as st:
        return {"patient": st.patient(chart), "visits": st.visits(chart)}


# -- visits -------------------------------------------------------------------------------------
def visit_json(bundle: dict, units: str | None = None) -> dict:
    """A visit as the API answers it: means per phase and position, each position's pre-to-post
    change in the reports' words (:meth:`legcheck.reports.change.Change.sentence`, in ``units``),
    findings, drop pieces, checks, the assessment (``assessment``: pain, symptoms, therapies,
    reactions) and an open red flag (``red_flag_warning``, the reports' banner, or None).
    Figures are millimetres."""
    from ..reports.data import visit_data

    data = visit_data(bundle, units)
    units = data["units"]
    grid = {ph: {pos: None for pos in _positions()} for ph in ("pre", "post")}
    for m in bundle["means"]:
        grid[m["phase"]][m["position"]] = m
    positions = []
    for p in data["positions"]:
        ch = p["change"]
        positions.append({"position": p["position"], "pre": p["pre"], "post": p["post"],
                          "change": None if ch is None else {**ch.to_dict(), "sentence": ch.sentence(units=units)}})
    keep = ("id", "phase", "position", "taken_at", "lld_mm", "uncertainty_mm", "short_leg", "method", "amended",
            "supersedes", "author", "reason")
    v = data["visit"]
    return {"units": units, "visit": {k: v.get(k) for k in ("id", "chart", "visit_date", "started_at", "practitioner", "notes")},
            "patient": {k: data["patient"][k] for k in ("chart", "name")}, "grid": grid, "positions": positions,
            "derifield": data["derifield"], "derifield_overridden": data["derifield_overridden"],
            "pd_side": data["pd_side"], "listing": data["listing"],
            "adjustments": [{k: a.get(k) for k in ("id", "piece", "side", "listing", "author", "created_at",
                                                   "red_flag_override")} for a in data["adjustments"]],
            "red_flag_warning": data["assessment"]["banner"], "open_red_flags": data["assessment"]["red_flags"],
            "assessment": {k: data["assessment"][k] for k in ("pain", "symptoms", "therapies", "reactions", "cleared")},
            "notes": data["notes"], "checks": [{k: c[k] for k in keep} for c in data["checks"]]}


def _positions():
    from ..records.vocabulary import POSITIONS

    return POSITIONS


@router.get("/visits/{visit_id}", summary="A visit: pre vs post per position with the change, Derifield, PD, drop pieces")
def visit(request: Request, visit_id: int, session: SignedIn):
    from ..records.bundles import visit_bundle

    web = web_of(request)
    with web.store(session.user["name"]) as st:
        return visit_json(visit_bundle(st, visit_id), web.units)


@router.post("/visits/{visit_id}/adjustments", status_code=201,
             summary="Record a drop piece used at a visit (practitioner or admin)")
def add_adjustment(request: Request, visit_id: int, session: Annotated[Session, Depends(writer("adjust"))],
                   piece: Annotated[str, Form()], side: Text = None, listing: Text = None,
                   override_red_flag: Text = None):
    """An open red flag on the visit: 409 (the safeguard, exit 15) unless ``override_red_flag`` gives the reason."""
    from ..records.bundles import visit_bundle

    web = web_of(request)
    with web.store(session.user["name"]) as st:
        adj_id = st.add_adjustment(visit_id, piece, side or None, listing or None,
                                   override_red_flag=override_red_flag or None)
        return {"adjustment_id": adj_id, "visit": visit_json(visit_bundle(st, visit_id), web.units)}


@router.post("/visits/{visit_id}/findings", status_code=201,
             summary="Set a visit's findings by hand: Derifield, PD side, listing (practitioner or admin)")
def set_findings(request: Request, visit_id: int, session: Annotated[Session, Depends(writer("adjust"))],
                 derifield: Text = None, pd_side: Text = None, listing: Text = None):
    from ..records.bundles import visit_bundle

    if not (derifield or pd_side or listing):
        raise UsageError("give derifield, pd_side or listing")
    web = web_of(request)
    with web.store(session.user["name"]) as st:
        fid = st.set_findings(visit_id, derifield or None, pd_side or None, listing or None)
        return {"findings_id": fid, "visit": visit_json(visit_bundle(st, visit_id), web.units)}


def today_visit(visits: list[dict]) -> dict | None:
    """The newest of a patient's visits dated today (local time), or None."""
    today = dt.date.today().isoformat()
    todays = [v for v in visits if v["visit_date"] == today]
    return todays[-1] if todays else None
