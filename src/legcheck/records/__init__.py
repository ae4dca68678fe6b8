"""The visit log: clinical vocabulary and rules, the store and the photo store.

Public API: :func:`open_store` (the store for a location), the :class:`~legcheck.records.protocol.Store`
protocol every store implements, :mod:`legcheck.records.vocabulary` (phases, positions, pieces,
sides, the even threshold, short leg, Derifield, PD side) and :mod:`legcheck.records.rules`
(a visit's summary, an amendment). Only this package touches the database.
"""

from __future__ import annotations

from pathlib import Path


def open_store(location: str | Path | None = None, actor: str | None = None):
    """Open the store at ``location``, choosing the implementation from it.

    Parameters
    ----------
    location : str or Path, optional
        A database file path (SQLite); None: ``$LEGCHECK_DB`` or the user's data directory.
    actor : str, optional
        The name the audit log records for this store's writes (default: the login name).

    Returns
    -------
    legcheck.records.protocol.Store

    Raises
    ------
    UsageError
        ``location`` is a URL of a database legcheck cannot use yet (only SQLite files for now).
    DatabaseError, FileAccessError
        See :func:`legcheck.records.sqlite.open_store`.
    """
    if isinstance(location, str) and "://" in location:
        from ..errors import UsageError

        raise UsageError(f"{location.split('://')[0]}:// databases are not supported yet; give an SQLite file path")
    from .sqlite import open_store as open_sqlite

    return open_sqlite(location, actor)
