"""What every response gets and every request is held to: security headers, a body limit, an access log.

Plain ASGI middleware (no per-request Python objects beyond what is needed):

- :class:`SecurityHeaders`: a Content-Security-Policy without inline script
  (``default-src 'self'; frame-ancestors 'none'`` ...), ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY`` and ``Cache-Control: no-store``
  (pages and answers hold patient data). A response that sets its own CSP keeps it: the
  reports are self-contained pages with an inline stylesheet and ``data:`` images
  (:data:`REPORT_CSP`).
- :class:`BodyLimit`: a request body over the limit is refused with 413 as soon as the
  Content-Length says so, or as soon as that many bytes have arrived.
- :class:`AccessLog`: method, path (never the query string: a search for a patient's name
  stays out of the log), status and milliseconds, on the ``legcheck.web.access`` logger.
  Paths hold ids (chart numbers, visit ids), never names.
"""

from __future__ import annotations

import json
import logging
import time

from .sessions import TooLarge

#: The policy of every page and answer: our own scripts, styles and images only; no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
#: The policy of a report page (the same HTML as ``legcheck report``): no script at all; its
#: stylesheet is inline and its chart (matplotlib SVG) styles elements inline.
REPORT_CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin"),
           (b"permissions-policy", b"geolocation=(), microphone=(), camera=()")]

access_log = logging.getLogger("legcheck.web.access")


class SecurityHeaders:
    """Adds the security headers to every HTTP response (see the module docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [h for h in HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", CSP.encode()))
                if b"cache-control" not in names:
                    extra.append((b"cache-control", b"max-age=3600" if static else b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` with 413 and the error object of :class:`TooLarge`."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = int(max_bytes)

    def _message(self) -> str:
        return (f"the upload is over the {self.max_bytes / 2**20:.0f} MB limit; send the photo as taken "
                "(a normal 12 MP photo is 2-6 MB)")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await _refuse(send, TooLarge(self._message()))
        seen = 0
        over: TooLarge | None = None
        started = False

        async def counted():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = TooLarge(self._message())
                    raise over
            return message

        async def tracked(message):
            # The framework may turn the error raised while reading into its own answer (FastAPI:
            # 400 "error parsing the body"); once the body was too large, the answer is ours.
            nonlocal started
            if over is not None:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _refuse(send, over)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except TooLarge as exc:
            if started:
                raise
            await _refuse(send, exc)


async def _refuse(send, exc) -> None:
    body = json.dumps(exc.to_json()).encode()
    await send({"type": "http.response.start", "status": exc.http_status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class AccessLog:
    """One line per request: method, path without its query, status, milliseconds."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = 0

        async def logged(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, logged)
        finally:
            access_log.info("%s %s %s %.0f ms", scope["method"], scope["path"], status or 500,
                            1000 * (time.perf_counter() - t0))
