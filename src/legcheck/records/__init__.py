"""The visit log: clinical vocabulary and rules, the store and the photo store.

Public API: :func:`open_store` (the store for a location), the :class:`~legcheck.records.protocol.Store`
protocol every store implements, :mod:`legcheck.records.vocabulary` (phases, positions, pieces,
sides, the even threshold, short leg, Derifield, PD side) and :mod:`legcheck.records.rules`
(a visit's summary, an amendment). Only this package touches the database.
"""

from __future__ import annotations

from pathlib import Path


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
        See :func:`legcheck.records.sqlite.open_store`, :func:`legcheck.records.postgres.open_store`.
    """
    import os

    if location is None:
        location = os.environ.get("LEGCHECK_DB") or None  # None: the default database, made on first use
    from .postgres import is_postgres_url

    if is_postgres_url(location):
        from .postgres import open_store as open_postgres

        return open_postgres(location, actor, create, photos)
    if isinstance(location, str) and "://" in location:
        from ..errors import UsageError

        raise UsageError(f"{location.split('://')[0]}:// databases are not supported; give an SQLite file path "
                         "or a postgresql:// location")
    from .sqlite import open_store as open_sqlite

    return open_sqlite(location, actor, create)
