"""What a database's files look like, without opening the database: SQLite's headers, the side files
SQLite keeps beside a database, and the photo folder legcheck keeps beside it.

Used by :mod:`legcheck.outputs` to refuse any output over a database, even by a command that
opens none (``legcheck measure --annotate``, ``legcheck calibrate --out``).

References: SQLite's file formats, https://www.sqlite.org/fileformat2.html (the 100-byte
header's magic string, section 1.3; the write-ahead log header's magic number, section 4.1;
the rollback journal's header, section 3.1).
"""

from __future__ import annotations

import glob
import os
import stat
from pathlib import Path

__all__ = ["SQLITE_MAGIC", "is_sqlite", "records_reason"]

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_MAGICS = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
JOURNAL_MAGIC = b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7"
SIDE_FILES = ("-wal", "-shm", "-journal")
PHOTOS_SUFFIX = "-photos"


def _head(path, n: int) -> bytes:
    """The first ``n`` bytes of a regular file; b"" for anything else or what cannot be read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, n)
    except OSError:
        return b""
    finally:
        os.close(fd)


def is_sqlite(path) -> bool:
    """Whether ``path`` is a regular file starting with SQLite's database header."""
    return _head(path, 16) == SQLITE_MAGIC


def _database_beside(photos_dir: Path) -> bool:
    """Whether a ``<stem>-photos`` folder sits beside an SQLite file named ``<stem>`` or ``<stem>.<suffix>``."""
    stem = photos_dir.name[:-len(PHOTOS_SUFFIX)]
    if not stem:
        return False
    near = [photos_dir.parent / stem, *map(Path, glob.glob(glob.escape(str(photos_dir.parent / stem)) + ".*"))]
    return any(is_sqlite(p) for p in near)


def records_reason(path) -> str | None:
    """Why ``path`` is part of a database's records without knowing the database, or None.

    Parameters
    ----------
    path : str or Path
        Resolved (no symlinks, no ``..``).

    Returns
    -------
    str or None
        "an SQLite database", "a database's write-ahead log", "a database's journal", "beside
        the SQLite file X" (its side file), "inside the photo store X", or None.
    """
    path = Path(path)
    head = _head(path, 16)
    if head == SQLITE_MAGIC:
        return "an SQLite database"
    if head[:4] in WAL_MAGICS:
        return "a database's write-ahead log"
    if head[:8] == JOURNAL_MAGIC:
        return "a database's journal"
    for side in SIDE_FILES:
        if path.name.endswith(side) and is_sqlite(path.with_name(path.name[:-len(side)])):
            return f"the {side[1:]} file of the SQLite database {path.name[:-len(side)]}"
    for d in path.parents:
        if d.name.endswith(PHOTOS_SUFFIX) and _database_beside(d):
            return f"inside the photo store {d.name}"
    return None
