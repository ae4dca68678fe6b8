"""SQLite connections for the visit log: settings, write transactions, schema migrations.

Every connection is opened by :func:`connect`: WAL journal, ``synchronous=FULL`` (a committed
check survives a power cut), foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for every
transaction that writes (:func:`write_tx`), so two terminals can record at once without
"database is locked". The schema carries its version (``PRAGMA user_version``) and upgrades
itself forward, one migration per transaction (:func:`migrate`); an older program refuses a
newer database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import os
import sqlite3
from pathlib import Path

from ..errors import DatabaseError
from .migrations_sqlite import LATEST, MIGRATIONS

BUSY_TIMEOUT_MS = 30_000


def default_db_path() -> Path:
    """The database file used when none is given.

    Returns
    -------
    Path
        ``$LEGCHECK_DB`` if set, else ``legcheck.sqlite3`` in the user's data directory
        (platformdirs).
    """
    env = os.environ.get("LEGCHECK_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("legcheck", appauthor=False)) / "legcheck.sqlite3"


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds: every ``created_at``."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def current_actor() -> str:
    """Who is writing: ``$LEGCHECK_USER``, else the login name, else "unknown"."""
    try:
        return os.environ.get("LEGCHECK_USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def connect(path: Path, actor: str | None = None) -> sqlite3.Connection:
    """Open a connection with the settings every legcheck connection must have.

    Parameters
    ----------
    path : Path
        The database file (created by SQLite if missing).
    actor : str, optional
        The name the audit triggers record (default :func:`current_actor`).

    Returns
    -------
    sqlite3.Connection
        In autocommit mode (transactions are explicit, :func:`write_tx`), rows as ``sqlite3.Row``.

    Raises
    ------
    DatabaseError
        The file is not a usable database, or cannot be put in WAL mode.
    """
    try:
        con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        con.execute("PRAGMA synchronous = FULL")
        con.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path}: not a usable database ({exc}); check the database path or restore a backup") from None
    if str(mode).lower() != "wal":
        raise DatabaseError(f"{path}: could not switch the database to WAL mode ({mode}); is it on a network drive?")
    who = actor or current_actor()
    con.create_function("legcheck_actor", 0, lambda: who)
    return con


@contextlib.contextmanager
def write_tx(con: sqlite3.Connection):
    """A write transaction: BEGIN IMMEDIATE takes the write lock up front (no deadlock on upgrade).

    Raises
    ------
    DatabaseError
        Another writer held the lock for longer than the busy timeout.
    """
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"the database is busy ({exc}); try again in a moment") from None
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


def migrate(con: sqlite3.Connection) -> int:
    """Bring the schema up to date, one migration per transaction.

    Returns
    -------
    int
        The schema version now (:data:`~legcheck.records.migrations_sqlite.LATEST`).

    Raises
    ------
    DatabaseError
        The database was written by a newer legcheck, or is an SQLite file of something else.
    """
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > LATEST:
        raise DatabaseError(f"this database was written by a newer legcheck (schema {version}, this program knows "
                            f"{LATEST}); upgrade legcheck")
    if version == 0:
        tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise DatabaseError("this file is an SQLite database but not a legcheck one; give another database path")
    for target in range(version + 1, LATEST + 1):
        with write_tx(con):
            # Re-read inside the lock: another process may have migrated meanwhile.
            if con.execute("PRAGMA user_version").fetchone()[0] >= target:
                continue
            for stmt in MIGRATIONS[target - 1]:
                con.execute(stmt)
            con.execute(f"PRAGMA user_version = {target}")
    return LATEST
