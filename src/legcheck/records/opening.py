"""Opening a visit log: the location chooses the backend, the backend is wrapped in the one store.

This is the top of the records package's imports: the backends (:mod:`.sqlite`,
:mod:`.postgres`) know nothing of the store, the store (:mod:`.store`) takes a backend, and only
this module joins the two.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import DatabaseError, DatabaseMissingError, FileAccessError, UsageError
from ..fileio import make_private_dir
from .postgres import PostgresBackend, is_postgres_url, translated_errors as pg_errors
from .sqlite import SqliteBackend, default_db_path, identify, translated_errors
from .store import SqlStore

__all__ = ["open_store", "open_sqlite", "open_postgres"]


def open_store(location: str | Path | None = None, actor: str | None = None, create: bool = False, photos=None):
    """Open the store at ``location``, choosing the implementation from it.

    Parameters
    ----------
    location : str or Path, optional
        A database file path (SQLite), or ``postgresql://user@host/dbname`` (PostgreSQL: the
        database must exist); None: ``$LEGCHECK_DB`` if set, else the user's data directory,
        where an SQLite database is created on first use.
    actor : str, optional
        A signed-in user (the web app's): the author of this store's writes. Default: the
        operating-system user, with ``$LEGCHECK_USER`` recorded beside it as a claim.
    create : bool
        Create a database at ``location`` if there is none (a mistyped path is otherwise an
        error, never a new empty log).
    photos : str or Path, optional
        PostgreSQL only, when creating: "database" (default: photos inside the database) or a
        directory every client reaches at the same path.

    Returns
    -------
    legcheck.records.protocol.Store

    Raises
    ------
    UsageError
        ``location`` is a URL of a database kind legcheck cannot use (only SQLite files and
        PostgreSQL).
    DatabaseMissingError
        No database at ``location`` and ``create`` is False (a :class:`~legcheck.errors.DatabaseError`).
    DatabaseError, FileAccessError
        See :func:`open_sqlite`, :func:`open_postgres`.
    """

    if location is None:
        location = os.environ.get("LEGCHECK_DB") or None  # None: the default database, made on first use
    if is_postgres_url(location):
        return open_postgres(location, actor, create, photos)
    if isinstance(location, str) and "://" in location:
        raise UsageError(f"{location.split('://')[0]}:// databases are not supported; give an SQLite file path "
                         "or a postgresql:// location")
    return open_sqlite(location, actor, create)


def open_sqlite(path=None, actor: str | None = None, create: bool = False):
    """Open the legcheck database at ``path``.

    Parameters
    ----------
    path : str or Path, optional
        The database file; None: :func:`default_db_path`, created (directory owner-only) on
        first use.
    actor : str, optional
        A signed-in user (the web app's); default: the operating-system user.
    create : bool
        Create the database if ``path`` does not exist (or is an empty file). Without it a
        missing explicit path is an error: a mistyped path never becomes a new, empty log.

    Returns
    -------
    legcheck.records.store.SqlStore

    Raises
    ------
    DatabaseMissingError
        ``path`` does not exist and ``create`` is False.
    DatabaseError
        A directory, not a legcheck database, written by a newer legcheck, damaged.
    FileAccessError
        The file or its directory cannot be read, created or written.
    """
    if path is None:
        path, create = default_db_path(), True
    path = Path(path)
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory; give a database file path")
    new = not path.exists() or (path.stat().st_size == 0 and not Path(str(path) + "-wal").exists())
    if new and not create:
        raise DatabaseMissingError(f"there is no legcheck database at {path}; check the path, or create the "
                                   "database first")
    if new:
        make_private_dir(path.parent)  # owner-only, and only the directories created here
        try:
            fd = os.open(path, os.O_CREAT | os.O_RDWR | getattr(os, "O_NOFOLLOW", 0), 0o600)
            os.close(fd)
        except OSError as exc:
            raise FileAccessError(f"cannot create {path} ({exc.strerror}); choose another location") from None
    else:
        identify(path)
    backend = SqliteBackend(path)
    with translated_errors(path):
        engine = backend.engine()
        try:
            return SqlStore(backend, engine, actor)
        except BaseException:
            engine.dispose()
            raise


def open_postgres(location: str, actor: str | None = None, create: bool = False, photos=None, role: str | None = None):
    """Open the legcheck database at a ``postgresql://`` location.

    Parameters
    ----------
    location : str
        ``postgresql://user[:password]@host[:port]/dbname``; the database itself must exist.
    actor : str, optional
        A signed-in user (the web app's); default: the operating-system user.
    create : bool
        Create legcheck's schema if the database is empty. Without it an empty database is an
        error (a mistyped name never becomes a new, empty log).
    photos : str or Path, optional
        Where a new database keeps photos: "database" (default) or a shared directory.
    role : str, optional
        ``SET ROLE`` on every connection (:func:`legcheck.records.pg_roles.init_postgres`).

    Returns
    -------
    legcheck.records.store.SqlStore

    Raises
    ------
    DatabaseMissingError
        The database holds no legcheck schema and ``create`` is False.
    DatabaseError
        Unreachable, another program's tables, written by a newer legcheck, permission denied.
    """
    backend = PostgresBackend(location, photos, role)
    engine = backend.engine()
    try:
        with pg_errors(backend.location):
            with engine.connect() as conn:
                version = backend.schema_version(conn)
                if version and backend.settings(conn).get("application") != "legcheck":
                    raise DatabaseError(f"{backend.location} is not a legcheck database; give the location of one")
                if not version and not backend.is_empty(conn):
                    raise DatabaseError(f"{backend.location} holds other tables (not a legcheck database); "
                                        "give an empty database or a legcheck one")
                if not version and not create:
                    raise DatabaseMissingError(f"there is no legcheck database in {backend.location}; check the location, or "
                                  "create the database first")
            return SqlStore(backend, engine, actor)
    except BaseException:
        engine.dispose()
        raise
