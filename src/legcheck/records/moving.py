"""Moving a whole visit log: copying it between databases, restoring a backup archive.

Both write every row verbatim into an empty database (either backend), then open the result
as a store and run the database check on it, so they sit above the store and the backends.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from ..errors import IntegrityCheckError, RecordConflictError
from ..fileio import PRIVATE, atomic_write, make_private_dir
from .archive import DATABASE, MANIFEST, _members, _read_snapshot, _sha, verify_backup
from .opening import open_store
from .photos import STORED_MODE
from .postgres import is_postgres_url
from .sqlite import SqliteBackend
from .transfer import read_records, write_copy

__all__ = ["copy_database", "restore_backup"]


def copy_database(source, target, photos=None, actor: str | None = None) -> dict:
    """Copy the whole visit log from ``source`` into the empty ``target`` (either backend), verified.

    Parameters
    ----------
    source : str or Path
        An existing legcheck database (SQLite file or ``postgresql://`` location).
    target : str or Path
        A new SQLite file, or an empty PostgreSQL database.
    photos : str or Path, optional
        PostgreSQL target: "database" (default) or a shared photo directory.
    actor : str, optional
        Passed to the stores opened.

    Returns
    -------
    dict
        ``copy`` (:func:`compare_records`: counts, audit head), ``check`` (the target's
        database check, :func:`legcheck.records.integrity.check_store`) and ``location`` (the
        target, for people: no password).

    Raises
    ------
    RecordConflictError
        The target is not empty.
    IntegrityCheckError
        The source fails its database check, a photo does not match its hash, the copy
        differs, or the copy fails its database check.
    """
    with open_store(source, actor=actor) as src:
        before = src.check_integrity()
        if not before["ok"]:
            raise IntegrityCheckError(f"the source fails the database check ({before['first_broken']}); "
                                      "nothing was copied")
        with src._read() as conn:
            version = src.backend.schema_version(conn)
            tables = read_records(conn, version)
        result = write_copy(target, version, tables, lambda sha, rel: src.photo_bytes(sha), photos, check=True)
    with open_store(target, actor=actor) as dst:
        check = dst.check_integrity()
        where = dst.location
    if not check["ok"]:
        raise IntegrityCheckError(f"the copy at {where} fails the database check ({check['first_broken']})")
    return {"copy": result, "check": check, "location": where}


def restore_backup(archive, target, actor: str | None = None, photos=None) -> dict:
    """Restore an archive into a new database at ``target`` and check the result.

    Parameters
    ----------
    archive : str or Path
    target : str or Path
        A database file that does not exist yet (or is empty), whose photo store
        (``<stem>-photos``) does not exist or is empty; or an empty PostgreSQL database
        (``postgresql://...``), which gets the snapshot's rows copied in.
    actor : str, optional
        Passed to the store opened for the check.
    photos : str or Path, optional
        PostgreSQL: where the new database keeps photos ("database", the default, or a shared
        directory).

    Returns
    -------
    dict
        ``manifest``, ``check`` (the database check of the restored copy, see
        :func:`legcheck.records.integrity.check_store`) and ``location`` (the target, for
        people: no password).

    Raises
    ------
    RecordConflictError
        ``target`` or its photo store is not empty.
    IntegrityCheckError
        The archive fails :func:`verify_backup`, or the restored copy fails the database check
        (run before the restore is committed, or moved into place: nothing is restored).
    """
    if not is_postgres_url(target):
        target = Path(target)
        _refuse_occupied(target)
        report = _verified(archive)
        check = _restore_file(archive, target, report["manifest"]["members"], actor)
        return {"manifest": report["manifest"], "check": check, "location": SqliteBackend(target).location}
    report = _verified(archive)  # an occupied PostgreSQL target is refused by the copy, before writing
    _restore_rows(archive, target, report["manifest"]["members"], photos)  # one transaction, checked before commit
    with open_store(target, actor=actor) as st:
        check = st.check_integrity()
        where = st.location
    if not check["ok"]:
        raise IntegrityCheckError(f"the restored database at {where} fails the check ({check['first_broken']})")
    return {"manifest": report["manifest"], "check": check, "location": where}


def _verified(archive) -> dict:
    try:
        report = verify_backup(archive)
    except IntegrityCheckError as exc:  # damaged or truncated
        raise IntegrityCheckError(f"{exc.message}; nothing was restored") from None
    if not report["ok"]:
        raise IntegrityCheckError(f"{archive} fails verification ({report['problems'][0]}); nothing was restored")
    return report


def _member(tar: tarfile.TarFile, members: dict, listed: dict, name: str) -> bytes:
    data = tar.extractfile(members[name]).read()
    if _sha(data) != listed[name]["sha256"]:  # the file changed since it was verified
        raise IntegrityCheckError(f"member {name} changed during the restore; try again")
    return data


def _restore_rows(archive, target: str, listed: dict, photos) -> None:
    """Copy the snapshot's rows and the archive's photos into an empty PostgreSQL database, and run the
    database check before committing: a restore failing it leaves the target empty."""
    with tarfile.open(archive, mode="r:") as tar:
        members, _ = _members(tar)
        con = sqlite3.connect(":memory:")
        try:
            con.deserialize(_member(tar, members, listed, DATABASE))
            snap = _read_snapshot(con)
        finally:
            con.close()
        version, tables = snap["schema_version"], snap["tables"]
        write_copy(target, version, tables, lambda sha, rel: _member(tar, members, listed, f"photos/{rel}"), photos,
                   check=True, done="restored")


def _refuse_occupied(target: Path) -> None:
    photos_dir = SqliteBackend(target).photos_dir
    side = [Path(str(target) + s) for s in ("-wal", "-journal")]
    if (target.exists() and target.stat().st_size > 0) or any(p.exists() for p in side):
        raise RecordConflictError(f"{target} is not empty; restore into a new database file")
    if photos_dir.exists() and any(photos_dir.iterdir()):
        raise RecordConflictError(f"{photos_dir} is not empty; restore into a new database file")


def _restore_file(archive, target: Path, listed: dict, actor) -> dict:
    """Restore into a staging directory beside ``target``, check it there, then move it into place.

    The database file and its photo store appear at ``target`` only once the whole restore has
    been written and has passed the database check; any failure (a member that changed, a full
    disk, a failed check) removes the staging directory and leaves ``target`` as it was.
    Returns the database check of the restored copy.
    """
    make_private_dir(target.parent)
    stage = Path(tempfile.mkdtemp(prefix=".legcheck-restore-", dir=target.parent))  # owner-only
    final_photos = SqliteBackend(target).photos_dir
    try:
        staged = stage / target.name
        photos_dir = SqliteBackend(staged).photos_dir
        with tarfile.open(archive, mode="r:") as tar:
            members, _ = _members(tar)
            for name in members:
                if name == MANIFEST:
                    continue
                data = _member(tar, members, listed, name)
                dest = staged if name == DATABASE else photos_dir / name[len("photos/"):]
                make_private_dir(dest.parent)
                atomic_write(dest, data, mode=PRIVATE if name == DATABASE else STORED_MODE, overwrite=False)
        with open_store(staged, actor=actor) as st:
            check = st.check_integrity()
        if not check["ok"]:
            raise IntegrityCheckError(f"the restored database fails the check ({check['first_broken']}); "
                                      f"nothing was restored at {target}")
        _refuse_occupied(target)  # nobody wrote there meanwhile
        if photos_dir.exists():
            if final_photos.exists():
                final_photos.rmdir()  # empty: checked above
            os.rename(photos_dir, final_photos)
        try:
            for side in ("-wal",):  # a clean close leaves none; if one is left it belongs to the file
                if Path(str(staged) + side).exists():
                    os.rename(str(staged) + side, str(target) + side)
            os.rename(staged, target)
        except OSError:
            if final_photos.exists() and not photos_dir.exists():
                os.rename(final_photos, photos_dir)
            raise
        return check
    finally:
        shutil.rmtree(stage, ignore_errors=True)
