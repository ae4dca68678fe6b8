"""The ASGI app: routes, error mapping, middleware, the measuring pool's life.

:func:`create_app` builds it from a :class:`~legcheck.web.config.WebConfig`. Errors map at this
edge only: a :class:`~legcheck.errors.LegcheckError` becomes its HTTP status
(:data:`legcheck.errors.HTTP_STATUS`, or the web refusal's own: 401, 403, 413, 429) with the
body ``{"error": {"code", "exit_code", "message"}}`` (``LegcheckError.to_json()``, the CLI's
``--json`` error); a page that needs a session sends the browser to the sign-in page instead.
"""

from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from ..errors import HTTP_STATUS, LegcheckError, UsageError
from .config import WebConfig
from .security import AccessLog, BodyLimit, SecurityHeaders
from .sessions import NotSignedIn, TooManyAttempts, WebError
from .state import WebState, static_dirs

log = logging.getLogger("legcheck.web")


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The legcheck web app.

    Parameters
    ----------
    config : WebConfig, optional
        Default: the default database, two measuring workers, no TLS.

    Returns
    -------
    fastapi.FastAPI
        With ``app.state.web`` (:class:`~legcheck.web.state.WebState`); the measuring pool starts
        with the app's lifespan and closes after the last accepted request.

    Raises
    ------
    FileAccessError
        The data directory or its session key cannot be used.
    """
    from .api import router as api_router
    from .api_reports import router as reports_router
    from .docs import router as docs_router
    from .pages import router as pages_router

    config = config or WebConfig()
    web = WebState(config)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        web.pool.start()
        web.uploads.sweep()
        try:
            yield
        finally:
            web.pool.close()  # uvicorn has finished every request it accepted: wait for their jobs

    app = FastAPI(title="legcheck", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="Leg checks at the table: measure a photo, record it, see the visit and the reports. "
                              "Writes take form fields and need the session's CSRF token in X-CSRF-Token. "
                              "Errors are {\"error\": {\"code\", \"exit_code\", \"message\"}}, as the command line's --json.")
    app.state.web = web
    for r in (api_router, reports_router, docs_router, pages_router):
        app.include_router(r)
    app.mount("/static", StaticFiles(packages=static_dirs()), name="static")
    app.add_exception_handler(LegcheckError, _legcheck_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    # Outermost last: the log sees every answer, the headers go on every answer, the limit comes first.
    app.add_middleware(BodyLimit, max_bytes=config.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app


def _version() -> str:
    from .. import __version__

    return __version__


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, exc: LegcheckError) -> JSONResponse | HTMLResponse | RedirectResponse:
    """The answer to a user-caused error: JSON under /api/, the sign-in page or an error page otherwise."""
    status = getattr(exc, "http_status", None) or HTTP_STATUS.get(exc.exit_code, 500)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, TooManyAttempts) else None
    if _is_api(request):
        return JSONResponse(exc.to_json(), status_code=status, headers=headers)
    if isinstance(exc, NotSignedIn):
        from urllib.parse import quote

        return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)
    from .pages import render

    return render(request, "error.html", status_code=status, message=exc.message, code=exc.code)


async def _legcheck_error(request: Request, exc: LegcheckError):
    if not isinstance(exc, WebError) and exc.exit_code not in (2, 8, 9):
        log.info("refused %s %s: %s (exit %d)", request.method, request.url.path, exc.code, exc.exit_code)
    return error_response(request, exc)


async def _validation_error(request: Request, exc: RequestValidationError):
    parts = []
    for e in exc.errors():
        where = ".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return error_response(request, UsageError("; ".join(parts) or "the request is not valid"))


async def _http_error(request: Request, exc: StarletteHTTPException):
    err = WebError(str(exc.detail))
    err.http_status = exc.status_code
    err.code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, f"http_{exc.status_code}")
    return error_response(request, err)


async def _internal_error(request: Request, exc: Exception):
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, LegcheckError(f"internal error ({exc.__class__.__name__}); please report it "
                                                 "with the time it happened"))
