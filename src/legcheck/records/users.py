"""Users of the web app: who may sign in, with which role, and their password hashes.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended
parameter set); a password never reaches the database or a log, only its hash. The ``users``
table is append-only like every other table (schema migration 2): a new role, password or a
disabled account is a new row for the same name, and the newest row is the user now. Every
insert lands in the audit log, by id.

What each role may do is here too (:func:`may`), so the web app and any later adapter share one
rule: an assistant captures and records checks and adds patients; a practitioner also amends
and voids checks and records adjustments and findings; an administrator also manages users.

References
----------
RFC 9106, "Argon2 Memory-Hard Function for Password Hashing and Proof-of-Work Applications",
section 4 (recommended parameters).
"""

from __future__ import annotations

import functools
import sqlite3

from ..errors import RecordConflictError, RecordNotFoundError, UsageError
from .sqlite_db import now_iso, write_tx
from .vocabulary import require_term

#: Shortest password accepted, characters.
MIN_PASSWORD_CHARS = 10
#: What each role may do. "capture": measure photos; "record": record checks and add patients;
#: "amend" / "void": correct or withdraw a recorded check; "adjust": record adjustments and
#: findings; "users": add and change users.
PERMISSIONS = {
    "assistant": frozenset({"capture", "record"}),
    "practitioner": frozenset({"capture", "record", "amend", "void", "adjust"}),
    "admin": frozenset({"capture", "record", "amend", "void", "adjust", "users"}),
}
#: The columns of a user record returned by the store (never the hash).
USER_COLUMNS = ("id", "name", "role", "active", "author", "created_at")


def may(role: str, action: str) -> bool:
    """Whether a user with ``role`` may do ``action``.

    Parameters
    ----------
    role : {"practitioner", "assistant", "admin"}
    action : {"capture", "record", "amend", "void", "adjust", "users"}

    Returns
    -------
    bool
        False for an unknown role or action.
    """
    return action in PERMISSIONS.get(role, frozenset())


@functools.cache
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of a password (a PHC string: ``$argon2id$v=19$m=...``).

    Raises
    ------
    UsageError
        The password is shorter than :data:`MIN_PASSWORD_CHARS` characters.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a missing hash is checked against a dummy, same cost.

    Parameters
    ----------
    password_hash : str or None
        A stored hash, or None for an unknown user (the time taken does not tell them apart).
    password : str
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    target = password_hash or _dummy_hash()
    try:
        ok = _hasher().verify(target, password or "")
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash("legcheck-no-such-user")


class SqliteUsers:
    """User methods of :class:`legcheck.records.sqlite.SqliteStore` (see :class:`~legcheck.records.protocol.Store`).

    Needs ``con`` (a connection from :func:`~legcheck.records.sqlite_db.connect`) and ``actor``
    from the class it is mixed into.
    """

    con: sqlite3.Connection
    actor: str

    def add_user(self, name: str, role: str, password: str) -> int:
        """Add a user; see :meth:`legcheck.records.protocol.Store.add_user`."""
        name = (name or "").strip()
        if not name:
            raise UsageError("a user needs a name")
        require_term("role", role)
        digest = hash_password(password)  # before the lock: hashing takes a moment
        with write_tx(self.con):
            if self.con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise RecordConflictError(f"user {name} exists; choose another name or change that user")
            return self._insert_user(name, role, digest, 1)

    def update_user(self, name: str, role: str | None = None, password: str | None = None,
                    active: bool | None = None) -> int:
        """Change a user by a new row; see :meth:`legcheck.records.protocol.Store.update_user`."""
        require_term("role", role, optional=True)
        if role is None and password is None and active is None:
            raise UsageError("nothing to change: give a role, a password or whether the user may sign in")
        digest = hash_password(password) if password is not None else None
        with write_tx(self.con):
            old = self._current_user(name)
            return self._insert_user(old["name"], role or old["role"], digest or old["password_hash"],
                                     old["active"] if active is None else int(bool(active)))

    def user(self, name: str) -> dict:
        """The user now; see :meth:`legcheck.records.protocol.Store.user`."""
        row = self._current_user(name)
        return {k: (bool(row[k]) if k == "active" else row[k]) for k in USER_COLUMNS}

    def users(self) -> list[dict]:
        """Every user now, by name; see :meth:`legcheck.records.protocol.Store.users`."""
        return [{k: (bool(r[k]) if k == "active" else r[k]) for k in USER_COLUMNS}
                for r in self.con.execute("SELECT * FROM current_users ORDER BY name")]

    def authenticate(self, name: str, password: str) -> dict | None:
        """The user if the password is theirs and they may sign in; see :meth:`~legcheck.records.protocol.Store.authenticate`."""
        row = self.con.execute("SELECT * FROM current_users WHERE name = ?", ((name or "").strip(),)).fetchone()
        ok = verify_password(row["password_hash"] if row else None, password)
        if not ok or not row["active"]:
            return None
        return {k: (bool(row[k]) if k == "active" else row[k]) for k in USER_COLUMNS}

    def _current_user(self, name: str):
        row = self.con.execute("SELECT * FROM current_users WHERE name = ?", ((name or "").strip(),)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no user {name}; add the user first")
        return row

    def _insert_user(self, name, role, digest, active) -> int:
        return self.con.execute(
            "INSERT INTO users (name, role, password_hash, active, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (name, role, digest, active, self.actor, now_iso())).lastrowid
