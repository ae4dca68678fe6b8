"""Users of the web app: who may sign in, with which role, and their password hashes.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended
parameter set); a password never reaches the database or a log, only its hash. The ``users``
table is versioned and append-only like patients (schema migration 2, docs/records.md): a new
role, a new password or a disabled account is a new row superseding the user's current one,
with a reason, and the old row stays. Every row is written through ``SqlStore._append``, so it
is in the hash-chained audit: the audit row holds the SHA-256 of the row's canonical content
(which covers the password hash) and a detail of role, access and whether the password
changed, never the hash itself.

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

from ..errors import RecordConflictError, RecordNotFoundError, UsageError
from .inputs import normalize_user_name, require_text
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
#: The keys of a user record returned by the store (never the hash): ``id`` is the user's
#: stable id (the first row's), ``version_id`` the current row.
USER_COLUMNS = ("id", "version_id", "name", "role", "active", "author", "reason", "created_at")


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


class StoreUsers:
    """User methods of :class:`legcheck.records.store.SqlStore` (see :class:`~legcheck.records.protocol_users.UserStore`).

    Needs ``_read``, ``_write``, ``_one``, ``_rows`` and ``_append`` from the class it is mixed into.
    """

    def add_user(self, name: str, role: str, password: str) -> int:
        """Add a user; see :meth:`legcheck.records.protocol_users.UserStore.add_user`."""
        name, key = normalize_user_name(name)
        require_term("role", role)
        digest = hash_password(password)  # before the write lock: hashing takes a moment
        with self._write() as conn:
            taken = self._one(conn, "SELECT name FROM current_users WHERE name_key = :k", k=key)
            if taken is not None:
                raise RecordConflictError(f"user {taken['name']} exists; choose another name or change that user")
            row = self._append(conn, "users", dict(name=name, name_key=key, role=role, password_hash=digest, active=1),
                               detail={"role": role, "active": 1, "password": "set"})
        return row["entity_id"]

    def update_user(self, name: str, role: str | None = None, password: str | None = None,
                    active: bool | None = None, reason: str | None = None) -> int:
        """Change a user by a new row; see :meth:`legcheck.records.protocol_users.UserStore.update_user`."""
        require_term("role", role, optional=True)
        reason = require_text("reason", reason, optional=True)
        if role is None and password is None and active is None:
            raise UsageError("nothing to change: give a role, a password or whether the user may sign in")
        digest = hash_password(password) if password is not None else None
        with self._write() as conn:
            old = self._current_user(conn, name)
            new_active = old["active"] if active is None else int(bool(active))
            changes = ([f"role {old['role']} -> {role}"] if role is not None and role != old["role"] else []) + \
                      (["new password"] if digest is not None else []) + \
                      ([("may sign in again" if new_active else "may no longer sign in")]
                       if new_active != old["active"] else [])
            if not changes:
                raise UsageError(f"nothing to change: user {old['name']} already has that role and access")
            row = self._append(conn, "users", dict(name=old["name"], name_key=old["name_key"], role=role or old["role"],
                                                   password_hash=digest or old["password_hash"], active=new_active,
                                                   reason=reason or "; ".join(changes)),
                               action="amend", old=old,
                               detail={"supersedes": old["id"], "role": role or old["role"], "active": new_active,
                                       "password": "changed" if digest else "kept"})
        return row["id"]

    def user(self, name: str) -> dict:
        """The user now; see :meth:`legcheck.records.protocol_users.UserStore.user`."""
        with self._read() as conn:
            return _shown(self._current_user(conn, name))

    def users(self) -> list[dict]:
        """Every user now, by name; see :meth:`legcheck.records.protocol_users.UserStore.users`."""
        with self._read() as conn:
            return [_shown(r) for r in self._rows(conn, "SELECT * FROM current_users ORDER BY name_key, entity_id")]

    def authenticate(self, name: str, password: str) -> dict | None:
        """The user if the password is theirs and they may sign in; see the protocol."""
        try:
            key = normalize_user_name(name)[1]
        except UsageError:
            key = None
        row = None
        if key is not None:
            with self._read() as conn:
                row = self._one(conn, "SELECT * FROM current_users WHERE name_key = :k", k=key)
        ok = verify_password(row["password_hash"] if row else None, password)  # the same cost either way
        if not ok or not row["active"]:
            return None
        return _shown(row)

    def _current_user(self, conn, name: str) -> dict:
        try:
            key = normalize_user_name(name)[1]
        except UsageError:
            key = ""
        row = self._one(conn, "SELECT * FROM current_users WHERE name_key = :k", k=key)
        if row is None:
            raise RecordNotFoundError(f"no user {name}; add the user first")
        return row


def _shown(row: dict) -> dict:
    """A user row as the store returns it: no hash, ``id`` the stable id, ``active`` a bool."""
    user = {**row, "id": row["entity_id"], "version_id": row["id"], "active": bool(row["active"])}
    return {k: user[k] for k in USER_COLUMNS}
