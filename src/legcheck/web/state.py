"""What the routes share: the configuration, the store, who is signed in, the measuring options.

:class:`WebState` lives on ``app.state.web``; the FastAPI dependencies :func:`signed_in` and
:func:`writer` give a route the verified :class:`~legcheck.web.sessions.Session` (and refuse
with 401 / 403 before the route runs).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ..errors import UsageError
from ..records.inputs import require_mm
from ..records.vocabulary import MAX_EVEN_BELOW_MM
from ..units import resolve_units
from .config import WebConfig, secret_key
from .sessions import CSRF_FIELD, CSRF_HEADER, Forbidden, NotSignedIn, Session, Sessions, Throttle
from .uploads import Uploads


#: How long the server keeps the stored settings before reading them again, s.
SETTINGS_TTL_S = 2.0


class WebState:
    """The server's shared state.

    Parameters
    ----------
    config : WebConfig
    """

    def __init__(self, config: WebConfig):
        from .workers import MeasurePool

        self.config = config
        self._settings: tuple[float, dict] | None = None
        resolve_units(config.units)  # a bad --units fails at start-up
        data = config.data_path
        self.sessions = Sessions(secret_key(data), config.session_ttl_s, config.tls)
        self.throttle = Throttle()
        self.uploads = Uploads(data / "web-uploads", config.upload_ttl_s)
        self.pool = MeasurePool(config.workers, config.worker_threads)

    def settings(self) -> dict:
        """The clinic's stored settings (``legcheck config``), read again after :data:`SETTINGS_TTL_S`."""
        now = time.monotonic()
        if self._settings is None or now - self._settings[0] > SETTINGS_TTL_S:
            with self.store() as st:
                self._settings = (now, st.config())
        return self._settings[1]

    @property
    def units(self) -> str:
        """How pages, results and reports show figures: ``--units``, else the stored setting, else mm."""
        return resolve_units(self.config.units, self.settings().get("units"))

    def store(self, actor: str | None = None):
        """Open the store as ``actor`` (the signed-in user: the author of what is written); use with ``with``."""
        from ..records import open_store

        return open_store(self.config.db, actor=actor)

    def current_user(self, name: str) -> dict:
        """The user ``name`` now, if they may still sign in.

        Raises
        ------
        NotSignedIn
            The user was removed from sign-in (or never existed).
        """
        from ..errors import RecordNotFoundError

        with self.store() as st:
            try:
                user = st.user(name)
            except RecordNotFoundError:
                user = None
        if user is None or not user["active"]:
            raise NotSignedIn("this user may no longer sign in; ask an administrator")
        return user

    def authenticate(self, name: str, password: str) -> dict | None:
        """The user when the password is right (see :meth:`legcheck.records.protocol.Store.authenticate`)."""
        with self.store() as st:
            return st.authenticate(name, password)

    def options(self, fields: dict):
        """The :class:`~legcheck.pipeline.MeasureOptions` of a request's form fields and the server's defaults.

        Fields: ``method``, ``heel_height_mm``, ``even_below_mm``, ``snap``; ``left_heel`` and
        ``right_heel`` ("x,y", exact points); ``near_left`` and ``near_right`` ("x,y", taps near
        each heel). Taps become rough points when the pipeline takes them
        (``MeasureOptions.near_left_px``), else manual points snapped onto the heel's edge.

        Raises
        ------
        UsageError
            A field that is not a number or a point, or taps and exact points together.
        """
        from ..pipeline import MeasureOptions

        given = {k: v for k, v in fields.items() if v not in (None, "")}
        opts = dict(self.config.measure_defaults)
        stored = self.settings()
        if self.config.camera is not None:
            opts["camera"] = self.config.camera
        elif stored.get("camera"):  # the clinic's camera profile (legcheck config set camera)
            from ..vision.camera import CameraProfile

            opts["camera"] = CameraProfile.from_text(stored["camera"], "the stored camera profile")
        if stored.get("even-below-mm") and "even_below_mm" not in opts:
            opts["even_below_mm"] = float(stored["even-below-mm"])
        if "heel_height_mm" in given:
            opts["heel_height_mm"] = _number(given["heel_height_mm"], "heel_height_mm")
        if "even_below_mm" in given:  # the CLI's check: finite, 0 to MAX_EVEN_BELOW_MM (NaN and inf refused)
            opts["even_below_mm"] = require_mm("even_below_mm", given["even_below_mm"], MAX_EVEN_BELOW_MM, signed=False)
        if "method" in given:
            opts["method"] = str(given["method"])
        if "snap" in given:
            opts["snap"] = str(given["snap"]).lower() in ("1", "true", "on", "yes")
        exact = [_point(given.get(k), k) for k in ("left_heel", "right_heel")]
        near = [_point(given.get(k), k) for k in ("near_left", "near_right")]
        if any(p is not None for p in near):
            if any(p is not None for p in exact):
                raise UsageError("give taps near the heels (near_left, near_right) or exact points "
                                 "(left_heel, right_heel), not both")
            if rough_points_supported():
                opts["near_left_px"], opts["near_right_px"] = near
            else:  # until the pipeline refines rough taps itself: a tap is a manual point, snapped
                exact = near
                opts["snap"] = True
        if any(p is not None for p in exact):
            opts["left_heel_px"], opts["right_heel_px"] = exact
        return MeasureOptions(**opts)


@functools.cache
def rough_points_supported() -> bool:
    """Whether the pipeline finds each heel near a rough point (``MeasureOptions.near_left_px``)."""
    from ..pipeline import MeasureOptions

    return "near_left_px" in {f.name for f in dataclasses.fields(MeasureOptions)}


def _number(value, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number, got {value!r}") from None


def _point(value, name: str):
    if value in (None, ""):
        return None
    try:
        x, y = (float(v) for v in str(value).replace(" ", "").split(","))
    except ValueError:
        raise UsageError(f"{name} must be x,y in photo pixels, e.g. 1520.5,980; got {value!r}") from None
    return (x, y)


def web_of(request: Request) -> WebState:
    """The :class:`WebState` of the app serving ``request``."""
    return request.app.state.web


async def signed_in(request: Request) -> Session:
    """FastAPI dependency: the verified session of the request.

    Raises
    ------
    NotSignedIn
        No session cookie, a forged, expired or signed-out one, or a user who may no longer sign in (401).
    """
    web = web_of(request)
    sid, name = web.sessions.read(request.cookies.get(web.sessions.cookie_name))
    user = await run_in_threadpool(web.current_user, name)
    return Session(sid, user, web.sessions.csrf_for(sid))


def writer(action: str | None = None):
    """A FastAPI dependency for a write: the session, its CSRF token, and the role's permission.

    Parameters
    ----------
    action : str, optional
        What the route does (:data:`legcheck.records.users.PERMISSIONS`); None: any signed-in user.

    Raises
    ------
    NotSignedIn
        (401) as :func:`signed_in`.
    Forbidden
        (403) No CSRF token or the wrong one (``X-CSRF-Token`` header or ``csrf_token`` form
        field), or the user's role may not do ``action``.
    """
    from ..records.users import may

    async def dependency(request: Request) -> Session:
        session = await signed_in(request)
        token = request.headers.get(CSRF_HEADER)
        if token is None and request.headers.get("content-type", "").startswith(
                ("multipart/form-data", "application/x-www-form-urlencoded")):
            token = (await request.form()).get(CSRF_FIELD)
        web_of(request).sessions.check_csrf(session.sid, token if isinstance(token, str) else None)
        if action is not None and not may(session.user["role"], action):
            raise Forbidden(f"a user with the role {session.user['role']} may not {_WORDS.get(action, action)}; "
                            "ask a practitioner")
        return session

    return dependency


_WORDS = {"amend": "amend a check", "void": "void a check", "adjust": "record adjustments or findings",
          "users": "manage users", "record": "record checks", "capture": "measure photos"}


def static_dirs() -> list[tuple[str, str]]:
    """The packages whose ``static/`` folders are served at ``/static``: the web app's and the reports'."""
    return [("legcheck.web", "static"), ("legcheck.reports", "static")]


def templates_dir() -> Path:
    """The web app's templates (they extend the reports' ``base.html``)."""
    return Path(__file__).resolve().parent / "templates"
