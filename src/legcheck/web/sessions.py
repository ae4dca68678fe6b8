"""Who is signed in: signed session cookies, CSRF tokens, and the sign-in throttle.

A session is a cookie holding ``{"sid": random id, "u": user name}``, signed with HMAC-SHA1
over a key derived from the data directory's secret (itsdangerous) and time-stamped; it is
refused when the signature is wrong, when it is older than the session's life, when it was
signed out (its id is remembered until it would expire anyway), and when the user no longer
exists or may not sign in (the store is asked on every request, so a changed role counts at
once). The cookie is HttpOnly, SameSite=Strict, and Secure with the ``__Host-`` prefix under TLS.

The CSRF token of a session is HMAC-SHA256(secret, "csrf:" + sid): nothing to store, and it
dies with the session. Every write sends it back in ``X-CSRF-Token`` (or a form's
``csrf_token`` field); SameSite=Strict alone would already stop a cross-site form, the token
also stops a same-site page that is not ours.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from ..errors import LegcheckError

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
#: Wrong passwords allowed per user name and per client address in :data:`THROTTLE_WINDOW_S`.
THROTTLE_FAILURES = 10
THROTTLE_WINDOW_S = 15 * 60


class WebError(LegcheckError):
    """A refusal that only the web app makes: its HTTP status is its own (the exit code is usage, 2)."""

    exit_code = 2
    http_status = 400


class NotSignedIn(WebError):
    code = "unauthorized"
    http_status = 401


class Forbidden(WebError):
    code = "forbidden"
    http_status = 403


class TooManyAttempts(WebError):
    code = "throttled"
    http_status = 429

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooLarge(WebError):
    code = "too_large"
    http_status = 413


@dataclass(frozen=True)
class Session:
    """A verified session: its id, the user (a store record: ``name``, ``role``...) and its CSRF token."""

    sid: str
    user: dict
    csrf: str


class Sessions:
    """Makes and checks session cookies and CSRF tokens.

    Parameters
    ----------
    secret : bytes
        The data directory's key (:func:`legcheck.web.config.secret_key`).
    ttl_s : int
        A session's life, s.
    tls : bool
        Cookies are Secure and ``__Host-`` prefixed.
    """

    def __init__(self, secret: bytes, ttl_s: int, tls: bool):
        from itsdangerous import URLSafeTimedSerializer

        self._secret = secret
        self._signer = URLSafeTimedSerializer(secret, salt="legcheck-session")
        self.ttl_s = int(ttl_s)
        self.tls = tls
        self.cookie_name = "__Host-legcheck" if tls else "legcheck_session"
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def csrf_for(self, sid: str) -> str:
        """The CSRF token of session ``sid``."""
        return hmac.new(self._secret, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()

    def new(self, user_name: str) -> tuple[str, str]:
        """A new session for a user: (the cookie's value, its CSRF token)."""
        sid = secrets.token_urlsafe(18)
        return self._signer.dumps({"sid": sid, "u": user_name}), self.csrf_for(sid)

    def read(self, cookie: str | None) -> tuple[str, str]:
        """(sid, user name) of a cookie that is genuine, current and not signed out.

        Raises
        ------
        NotSignedIn
            No cookie, a forged or damaged one, an expired one, or one signed out.
        """
        from itsdangerous import BadSignature, SignatureExpired

        if not cookie:
            raise NotSignedIn("not signed in; sign in first")
        try:
            data = self._signer.loads(cookie, max_age=self.ttl_s)
        except SignatureExpired:
            raise NotSignedIn("the session has expired; sign in again") from None
        except BadSignature:
            raise NotSignedIn("the session is not valid; sign in again") from None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str) or not isinstance(data.get("u"), str):
            raise NotSignedIn("the session is not valid; sign in again")
        with self._lock:
            if data["sid"] in self._revoked:
                raise NotSignedIn("signed out; sign in again")
        return data["sid"], data["u"]

    def revoke(self, sid: str) -> None:
        """Sign a session out: its cookie is refused from now on (until it would have expired)."""
        now = time.time()
        with self._lock:
            self._revoked = {s: t for s, t in self._revoked.items() if t > now}
            self._revoked[sid] = now + self.ttl_s

    def check_csrf(self, sid: str, token: str | None) -> None:
        """Refuse a write whose CSRF token is missing or not this session's.

        Raises
        ------
        Forbidden
        """
        if not token or not hmac.compare_digest(token, self.csrf_for(sid)):
            raise Forbidden("the request has no valid CSRF token; reload the page and try again")

    def cookie_args(self) -> dict:
        """Keyword arguments of ``Response.set_cookie`` for a session cookie."""
        return dict(key=self.cookie_name, max_age=self.ttl_s, path="/", httponly=True, secure=self.tls,
                    samesite="strict")


class Throttle:
    """Counts wrong passwords per key (a user name, a client address) in a sliding window.

    Parameters
    ----------
    failures : int
        Wrong passwords allowed per key within ``window_s``; one more attempt is refused.
    window_s : float
    """

    def __init__(self, failures: int = THROTTLE_FAILURES, window_s: float = THROTTLE_WINDOW_S):
        self.failures = failures
        self.window_s = window_s
        self._seen: dict[str, deque] = {}
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        """Refuse an attempt when any key has used up its wrong passwords.

        Raises
        ------
        TooManyAttempts
            With the seconds until the oldest counted failure leaves the window.
        """
        now = time.monotonic()
        with self._lock:
            for k in keys:
                q = self._prune(k, now)
                if q is not None and len(q) >= self.failures:
                    wait = int(q[0] + self.window_s - now) + 1
                    raise TooManyAttempts(f"too many wrong passwords; wait {wait // 60 + 1} minutes and try again",
                                          wait)

    def failed(self, *keys: str) -> None:
        """Count a wrong password against each key."""
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._seen.setdefault(k, deque()).append(now)

    def succeeded(self, key: str) -> None:
        """Forget a key's failures (the user name's, after a right password)."""
        with self._lock:
            self._seen.pop(key, None)

    def _prune(self, key: str, now: float):
        q = self._seen.get(key)
        while q and q[0] < now - self.window_s:
            q.popleft()
        if q is not None and not q:
            del self._seen[key]
            return None
        return q
