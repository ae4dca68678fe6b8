"""Moving the whole visit log between databases, verbatim: ``db copy``, snapshots and restores.

Rows are copied as stored, ids included, so every record's canonical hash and the audit chain
verify unchanged on the other side (:mod:`legcheck.records.canonical` hashes are
backend-independent). A copy goes into an **empty** target only, and in one write
transaction: the schema of the source's version (the migrations' statements, without their
own ``schema_migrations`` and audit rows: those come from the source), every history row
table by table in id order (a table after those it refers to), and the photos (a database
photo store takes them in the same transaction; a directory gets its files first, removed
again if the transaction fails). Then the copy is verified against what was read: counts,
every row's hash, the audit chain and its head, and the target's own database check.

Used by :func:`copy_database` (``legcheck db copy``), PostgreSQL's snapshot for backups
(:func:`snapshot_to_sqlite`) and restoring an archive into PostgreSQL
(:func:`legcheck.records.moving.restore_backup` through :func:`write_copy`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import IntegrityCheckError, RecordConflictError
from .canonical import chain_problems, record_sha256
from .migrations import MIGRATIONS, history_tables
from .photos import StoredPhoto

__all__ = ["read_records", "write_copy", "snapshot_to_sqlite", "compare_records"]


def read_records(conn, version: int) -> dict[str, list[dict]]:
    """Every history row of a database at ``version``, table by table in id order (one read transaction)."""
    import sqlalchemy as sa

    return {t: [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY id")).mappings()]
            for t in history_tables(version)}


def _create_schema(backend, conn, version: int) -> None:
    raw = conn.execution_options(no_parameters=True)
    for m in MIGRATIONS[:version]:
        for stmt in m.statements(backend.name):
            raw.exec_driver_sql(stmt)
        backend.migrated(conn, m.version)


def _insert(conn, table: str, rows: list[dict]) -> None:
    import sqlalchemy as sa

    if rows:
        cols = list(rows[0])
        conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"),
                     rows)


def _target(location, photos=None):
    """(backend, engine) of an empty target; refuses one that holds anything."""
    from .postgres import PostgresBackend, is_postgres_url, translated_errors
    from .sqlite import SqliteBackend

    if is_postgres_url(location):
        backend = PostgresBackend(location, photos)
        engine = backend.engine()
        with translated_errors(backend.location), engine.connect() as conn:
            empty = backend.is_empty(conn)
        if not empty:
            engine.dispose()
            raise RecordConflictError(f"{backend.location} is not empty; copy into an empty database")
        return backend, engine
    from ..fileio import make_private_dir

    path = Path(location)
    backend = SqliteBackend(path)
    side = [Path(str(path) + s) for s in ("-wal", "-journal")]
    if (path.exists() and path.stat().st_size > 0) or any(p.exists() for p in side):
        raise RecordConflictError(f"{path} is not empty; copy into a new database file")
    if backend.photos_dir.exists() and any(backend.photos_dir.iterdir()):
        raise RecordConflictError(f"{backend.photos_dir} is not empty; copy into a new database file")
    make_private_dir(path.parent)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR | getattr(os, "O_NOFOLLOW", 0), 0o600))
    return backend, backend.engine()


def write_copy(location, version: int, tables: dict[str, list[dict]], photo_bytes=None, photos=None,
               check: bool = False, done: str = "copied") -> dict:
    """Write rows read from another database, and their photos, into the empty database at ``location``.

    Parameters
    ----------
    location : str or Path
        An SQLite file that does not exist yet (or is empty, with no photos beside it), or an
        empty PostgreSQL database.
    version : int
        The schema version the rows were read at (the target gets exactly that schema).
    tables : dict
        :func:`read_records` of the source.
    photo_bytes : callable, optional
        ``photo_bytes(sha256, relpath) -> bytes`` of every ``photos`` row (checked against its
        hash); None: rows only (a snapshot, whose photos the archive carries).
    photos : str or Path, optional
        PostgreSQL: where the new database keeps photos ("database" or a shared directory).
    check : bool
        Run the database check (:func:`legcheck.records.integrity.check_records`) inside the
        write transaction, before it commits: a copy failing it is rolled back, not left behind.
    done : str
        What the caller does, for the messages ("nothing was copied", "... restored").

    Returns
    -------
    dict
        :func:`compare_records` of the source rows against the copy as read back; with
        ``check``, also ``check``: the database check of the copy, as committed.

    Raises
    ------
    RecordConflictError
        The target is not empty.
    IntegrityCheckError
        A photo does not match its hash, the copy differs from the source, or (with ``check``)
        it fails the database check: nothing is kept of a copy that failed inside its transaction.
    """
    from .integrity import check_records

    backend, engine = _target(location, photos)
    saved, store = [], None
    try:
        with backend.errors(backend.location), engine.connect() as plain:
            conn = plain.execution_options(legcheck_write=True)
            with conn.begin():
                backend.lock_writers(conn)
                _create_schema(backend, conn, version)
                store = backend.photo_store(conn)
                for table, rows in tables.items():
                    _insert(conn, table, rows)
                for p in tables.get("photos", []) if photo_bytes is not None else []:
                    data = photo_bytes(p["sha256"], p["relpath"])
                    if hashlib.sha256(data).hexdigest() != p["sha256"]:
                        raise IntegrityCheckError(f"the photo {p['relpath']} does not match its hash; run the "
                                                  "database check on the source")
                    photo = store.save(StoredPhoto(p["sha256"], p["original_sha256"], p["orientation"], p["relpath"],
                                                   p["bytes"], False), data)
                    saved.append(photo)
                    store.record(conn, photo, data)
                copied = read_records(conn, version)
                result = compare_records(tables, copied)
                if not result["ok"]:
                    raise IntegrityCheckError(f"the copy differs from the source ({result['problems'][0]}); "
                                              f"nothing was {done}")
                if check:  # before the commit: a failure rolls the whole copy back
                    result["check"] = check_records(backend, conn, store)
                    if not result["check"]["ok"]:
                        raise IntegrityCheckError(f"the {done} database fails the check "
                                                  f"({result['check']['first_broken']}); nothing was {done}")
    except BaseException:
        for photo in saved:
            store.discard(photo)
        if isinstance(backend.path, Path):  # nothing half-written is left behind
            for p in (backend.path, *(Path(str(backend.path) + s) for s in ("-wal", "-shm", "-journal"))):
                p.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    return result


def compare_records(source: dict[str, list[dict]], copy: dict[str, list[dict]]) -> dict:
    """Counts, every row's canonical hash and the audit chain of a copy against its source.

    Returns
    -------
    dict
        ``ok``, ``problems`` (one line each), ``counts`` (rows per table of the copy) and
        ``audit_head`` (``id``, ``sha256``).
    """
    problems = []
    for table, rows in source.items():
        got = copy.get(table, [])
        if len(got) != len(rows):
            problems.append(f"{table}: {len(got)} rows copied of {len(rows)}")
            continue
        for a, b in zip(rows, got):
            if record_sha256(a) != record_sha256(b):
                problems.append(f"{table} row {a['id']}: differs in the copy")
                break
    audit = copy.get("audit", [])
    problems += [p for _, p in chain_problems(audit)]
    head = {"id": audit[-1]["id"], "sha256": audit[-1]["sha256"]} if audit else None
    src_audit = source.get("audit", [])
    if head != ({"id": src_audit[-1]["id"], "sha256": src_audit[-1]["sha256"]} if src_audit else None):
        problems.append("the audit chain's head differs from the source's")
    return {"ok": not problems, "problems": problems, "counts": {t: len(r) for t, r in copy.items()},
            "audit_head": head}


def snapshot_to_sqlite(store, dest: Path) -> None:
    """Every history row of ``store``, read in one transaction, as the new SQLite file ``dest``.

    The file is a legcheck database at the source's schema version, in rollback-journal mode,
    with no photos beside it (the archive carries them): an archive's ``database.sqlite3``.
    """
    import sqlite3

    with store._read() as conn:
        version = store.backend.schema_version(conn)
        tables = read_records(conn, version)
    write_copy(dest, version, tables)
    con = sqlite3.connect(str(dest))
    try:
        con.execute("PRAGMA journal_mode = DELETE")
    finally:
        con.close()
