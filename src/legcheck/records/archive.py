"""Whole backups: one tar archive holding a consistent snapshot of the records and every photo it names.

Archive format (``format`` "legcheck-backup", ``format_version`` 1), an uncompressed POSIX
(pax) tar whose members are, in this order:

``manifest.json``
    ``format``, ``format_version``, ``created_at``, ``source_backend``, ``schema_version``,
    ``application_id``, ``counts`` (rows per history table), ``audit_head`` (``id`` and
    ``sha256`` of the last audit row) and ``members``: every other member's ``sha256`` and
    ``bytes``.
``database.sqlite3``
    The snapshot: a self-describing legcheck SQLite database (rollback-journal mode) with its
    schema version inside (``PRAGMA user_version`` and ``schema_migrations``), taken in one
    read (:meth:`legcheck.records.store.SqlStore.snapshot`). A PostgreSQL store writes the same
    file by copying its rows, read in one REPEATABLE READ transaction, into a new SQLite
    database (:func:`legcheck.records.transfer.snapshot_to_sqlite`); an archive restores into
    PostgreSQL by copying the snapshot's rows back (:func:`legcheck.records.transfer.write_copy`):
    the canonical hashes are backend-independent, so the chain verifies on either side.
``photos/ab/abcdef....jpg`` (or ``.png``)
    Every photo the snapshot's ``photos`` table names, under its ``relpath``; the file name is
    its own SHA-256.

Every member is owner-only in the archive, and the archive itself is written 0600 through a
temporary file created ``O_EXCL`` beside it (no ``.part`` file is left behind on failure).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from ..errors import IntegrityCheckError, OutputExistsError, PhotoIntegrityError, RecordConflictError, UsageError
from ..fileio import PRIVATE
from .integrity import row_problems, trigger_problems, view_problems
from .migrations import APPLICATION_ID, LATEST, expected_triggers, expected_views, history_tables
from .sqlite import view_form

__all__ = ["write_backup", "verify_backup", "FORMAT", "FORMAT_VERSION"]

FORMAT, FORMAT_VERSION = "legcheck-backup", 1
MANIFEST, DATABASE = "manifest.json", "database.sqlite3"
_MANIFEST_KEYS = {"format", "format_version", "created_at", "source_backend", "schema_version", "application_id",
                  "counts", "audit_head", "members"}
_PHOTO = re.compile(r"photos/[0-9a-f]{2}/[0-9a-f]{64}\.(jpg|png)")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_snapshot(con: sqlite3.Connection) -> dict:
    """What a snapshot holds: version, application id, every history table's rows (of its schema), triggers."""
    con.row_factory = sqlite3.Row
    version = con.execute("PRAGMA user_version").fetchone()[0]
    tables = {t: [dict(r) for r in con.execute(f"SELECT * FROM {t} ORDER BY id")]
              for t in history_tables(min(version, LATEST))}
    return {"schema_version": version,
            "application_id": con.execute("PRAGMA application_id").fetchone()[0],
            "tables": tables,
            "triggers": {n: s for n, s in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")},
            "views": {n: view_form(s) for n, s in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")}}


def _summary(snap: dict) -> dict:
    audit = snap["tables"]["audit"]
    return {"schema_version": snap["schema_version"], "application_id": snap["application_id"],
            "counts": {t: len(rows) for t, rows in snap["tables"].items()},
            "audit_head": {"id": audit[-1]["id"], "sha256": audit[-1]["sha256"]} if audit else None}


def _add(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime, info.type = len(data), 0o600, mtime, tarfile.REGTYPE
    tar.addfile(info, io.BytesIO(data))


def write_backup(store, dest) -> dict:
    """Write one archive of the whole visit log: a consistent snapshot plus every photo it names.

    Parameters
    ----------
    store : legcheck.records.protocol.Store
        Others may keep writing meanwhile: the snapshot is one read, retried while busy.
    dest : str or Path
        The archive file (a new file; written owner-only).

    Returns
    -------
    dict
        The manifest written.

    Raises
    ------
    RecordConflictError
        ``dest`` exists (a backup never overwrites).
    UsageError
        ``dest`` is part of the records (the database or the photo store), a device or a folder.
    IntegrityCheckError
        The database fails its check (:func:`legcheck.records.integrity.check_store`), the
        snapshot taken fails its own, or a stored photo is missing or does not match its hash:
        nothing is written.
    FileAccessError
        ``dest`` cannot be written.
    """
    from ..outputs import OutputFiles

    dest = Path(dest)
    files = OutputFiles(overwrite=False, protected=store.protected_paths())  # the one rule; never overwriting
    try:
        files.claim(dest)
    except OutputExistsError:
        raise RecordConflictError(f"{dest} exists; give a new file name for the backup") from None
    check = store.check_integrity()  # a backup of damaged records would carry the damage on unnoticed
    if not check["ok"]:
        raise IntegrityCheckError(f"the database fails its check ({check['first_broken']}); no backup was "
                                  "written (run the database check; restore from an earlier backup)")
    with tempfile.TemporaryDirectory(prefix="legcheck-backup-") as tmp:  # owner-only
        snap_path = Path(tmp) / DATABASE
        store.snapshot(snap_path)
        db_bytes = snap_path.read_bytes()
        con = sqlite3.connect(str(snap_path))
        try:
            snap = _read_snapshot(con)
            storage = [m for (m,) in con.execute("PRAGMA integrity_check") if m != "ok"]
        finally:
            con.close()
    problems = _own_problems(snap, storage)  # the very bytes going into the archive
    if problems:
        raise IntegrityCheckError(f"the snapshot fails its check ({problems[0]}); no backup was written")
    now = dt.datetime.now(dt.timezone.utc)
    photos = [(f"photos/{p['relpath']}", p["sha256"], p["bytes"]) for p in snap["tables"]["photos"]]
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": now.isoformat(timespec="seconds"),
                "source_backend": getattr(getattr(store, "backend", None), "name", "sqlite"), **_summary(snap),
                "members": {DATABASE: {"sha256": _sha(db_bytes), "bytes": len(db_bytes)},
                            **{name: {"sha256": sha, "bytes": size} for name, sha, size in photos}}}
    mtime = int(now.timestamp())
    with files, files.writer(dest, PRIVATE) as fh:
        with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
            _add(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8"), mtime)
            _add(tar, DATABASE, db_bytes, mtime)
            for name, sha, _ in photos:
                try:
                    data = store.photo_bytes(sha)  # checked against its hash
                except PhotoIntegrityError:
                    raise IntegrityCheckError(f"the stored photo {name[7:]} does not match its hash; run the "
                                              "database check and restore that photo before backing up") from None
                _add(tar, name, data, mtime)
    return manifest


def _members(tar: tarfile.TarFile) -> tuple[dict, list[str]]:
    """Name -> TarInfo of a legcheck archive's members, and problems with their names or kinds."""
    out, problems = {}, []
    for m in tar.getmembers():
        if not m.isreg():
            problems.append(f"member {m.name!r} is not a regular file")
        elif m.name in out:
            problems.append(f"member {m.name!r} appears twice")
        elif m.name not in (MANIFEST, DATABASE) and not _PHOTO.fullmatch(m.name):
            problems.append(f"member {m.name!r} is not part of a legcheck backup")
        else:
            out[m.name] = m
    return out, problems


def verify_backup(archive) -> dict:
    """Check an archive without restoring it: every member's hash, the snapshot's records and chain.

    Parameters
    ----------
    archive : str or Path

    Returns
    -------
    dict
        ``ok``, ``problems`` (one line each, the first broken thing first) and ``manifest``.

    Raises
    ------
    UsageError
        ``archive`` is not a tar file or has no legcheck manifest.
    IntegrityCheckError
        It begins as a legcheck archive but is damaged or truncated (its tar structure breaks
        off, its manifest is not JSON): exit 11, one line.
    FileAccessError
        It cannot be read.
    """
    try:
        return _verify(archive)
    except (tarfile.TarError, EOFError) as exc:  # the tar structure ends or breaks part-way
        if _starts_like_a_backup(archive):
            raise IntegrityCheckError(f"{archive} is a damaged or truncated backup ({exc}); use another copy "
                                      "of it") from None
        raise UsageError(f"{archive} is not a legcheck backup (not a tar archive)") from None
    except OSError as exc:
        from ..errors import FileAccessError

        raise FileAccessError(f"cannot read {archive} ({exc.strerror or exc}); check the path") from None


def _starts_like_a_backup(archive) -> bool:
    """Whether the file begins as a legcheck archive does: a tar header naming the manifest (cut
    short, perhaps), or any POSIX tar header (its name damaged)."""
    with open(archive, "rb") as fh:
        head = fh.read(512)
    return head.startswith(MANIFEST.encode() + b"\0") or head[257:262] == b"ustar"


def _verify(archive) -> dict:
    problems: list[str] = []
    with tarfile.open(archive, mode="r:") as tar:
        members, problems = _members(tar)
        if MANIFEST not in members:
            raise UsageError(f"{archive} is not a legcheck backup (no {MANIFEST})")
        try:
            manifest = json.loads(tar.extractfile(members[MANIFEST]).read())
        except ValueError:
            raise IntegrityCheckError(f"{archive} is a damaged backup: its {MANIFEST} is not JSON; use another "
                                      "copy of it") from None
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise UsageError(f"{archive} is not a legcheck backup this program can read "
                             f"(format {manifest.get('format')!r} {manifest.get('format_version')!r})")
        listed = manifest.get("members", {})
        problems += [f"member {n} is listed in the manifest but missing" for n in listed if n not in members]
        problems += [f"member {n} is not listed in the manifest" for n in members if n not in listed and n != MANIFEST]
        db_bytes = None
        for name, info in members.items():
            if name == MANIFEST or name not in listed:
                continue
            data = tar.extractfile(info).read()
            if _sha(data) != listed[name]["sha256"] or len(data) != listed[name]["bytes"]:
                problems.append(f"member {name} does not match its hash in the manifest")
            elif name.startswith("photos/") and Path(name).stem != listed[name]["sha256"]:
                problems.append(f"member {name} is listed under another photo's hash")
            if name == DATABASE:
                db_bytes = data
    if db_bytes is not None:
        problems += _snapshot_problems(db_bytes, manifest, {n for n in members if n.startswith("photos/")})
    return {"ok": not problems, "problems": problems, "manifest": manifest}


def _snapshot_problems(db_bytes: bytes, manifest: dict, photo_members: set[str]) -> list[str]:
    """The snapshot (opened in memory) against the manifest, its audit chain and its triggers."""
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(db_bytes)
        snap = _read_snapshot(con)
        storage = [m for (m,) in con.execute("PRAGMA integrity_check") if m != "ok"]
    except sqlite3.DatabaseError as exc:
        return [f"the snapshot cannot be read ({exc})"]
    finally:
        con.close()
    problems = _own_problems(snap, storage)
    summary = _summary(snap)
    for key in ("schema_version", "application_id", "counts", "audit_head"):
        if summary[key] != manifest.get(key):
            problems.append(f"the snapshot's {key} differs from the manifest's")
    if set(manifest) != _MANIFEST_KEYS:
        problems.append(f"the manifest's fields are not a legcheck backup's ({', '.join(sorted(set(manifest) ^ _MANIFEST_KEYS))})")
    named = {f"photos/{p['relpath']}" for p in snap["tables"]["photos"]}
    problems += [f"photo {n[7:]} is named by the records but not in the archive" for n in sorted(named - photo_members)]
    return problems


def _own_problems(snap: dict, storage: list[str]) -> list[str]:
    """A snapshot's own soundness: SQLite's integrity, the application id, its rows and chain, triggers."""
    problems = [f"snapshot integrity: {m}" for m in storage]
    if snap["application_id"] != APPLICATION_ID:
        problems.append("the snapshot is not a legcheck database")
    if snap["schema_version"] > LATEST:
        problems.append(f"the snapshot has schema {snap['schema_version']}, newer than this legcheck ({LATEST})")
    tables = {t: rows for t, rows in snap["tables"].items() if t != "audit"}
    problems += [p for _, p in row_problems(tables, snap["tables"]["audit"])]
    version = min(snap["schema_version"], LATEST)
    problems += trigger_problems(snap["triggers"], expected_triggers("sqlite", version))
    problems += view_problems(snap["views"], {n: view_form(s) for n, s in expected_views("sqlite", version).items()})
    return problems
