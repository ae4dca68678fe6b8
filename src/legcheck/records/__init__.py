"""The visit log: clinical vocabulary and rules, the store and the photo store.

Public API: :func:`open_store` (the store for a location), the :class:`~legcheck.records.protocol.Store`
protocol every store implements, :mod:`legcheck.records.vocabulary` (phases, positions, pieces,
sides, the even threshold, short leg, Derifield, PD side) and :mod:`legcheck.records.rules`
(a visit's summary, an amendment). Only this package touches the database.
"""

from __future__ import annotations

from pathlib import Path


def open_store(location: str | Path | None = None, actor: str | None = None, create: bool = False, photos=None):
    """Open the store at ``location``; see :func:`legcheck.records.opening.open_store`."""
    from .opening import open_store as _open

    return _open(location, actor, create, photos)
