"""The SQLite backend of the visit log: finding, creating and opening a legcheck file safely.

A file is opened for writing only once it is known to be legcheck's: its 100-byte header is
read first (``application_id`` :data:`~legcheck.records.migrations.APPLICATION_ID`), and only
if that is ambiguous (a write still in the WAL) through a read-only connection. Another
program's SQLite file is refused untouched (never switched to WAL); a missing file is created
only when asked (:func:`open_store` with ``create=True``, ``legcheck init``), except the
default database in the user's data directory, made on first use.

Connections come from a SQLAlchemy engine whose pysqlite events (the recipe of SQLAlchemy's
SQLite dialect documentation, "Serializable isolation / Savepoints / Transactional DDL") turn
off the driver's own transaction handling and emit ``BEGIN`` for reads and ``BEGIN IMMEDIATE``
for writes (the write lock taken up front: writers are serialised, no deadlock on upgrade),
with WAL, ``synchronous=FULL``, foreign keys and a busy timeout on every connection.

References
----------
SQLite file format, section 1.3 (the database header); SQLite "Write-Ahead Logging";
SQLite "Online Backup API"; SQLAlchemy 2 documentation, SQLite dialect, pysqlite events.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
import time
from pathlib import Path

from ..errors import DatabaseDamagedError, DatabaseError, DatabaseMissingError, FileAccessError
from .migrations import APPLICATION_ID

__all__ = ["SqliteBackend", "default_db_path", "BUSY_TIMEOUT_MS", "DatabaseDamagedError",
           "DatabaseMissingError"]

BUSY_TIMEOUT_MS = 30_000
_MAGIC = b"SQLite format 3\x00"


def view_form(statement: str) -> str:
    """A CREATE VIEW statement with its whitespace collapsed (how SQLite's stored text is compared)."""
    return " ".join(str(statement).split())


def default_db_path() -> Path:
    """``legcheck.sqlite3`` in the user's data directory (platformdirs): used when no location is given."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("legcheck", appauthor=False)) / "legcheck.sqlite3"


def _header(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(100)
    except PermissionError:
        raise FileAccessError(f"cannot read {path}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise FileAccessError(f"cannot read {path} ({exc.strerror}); check the database path") from None


def _probe_read_only(path: Path) -> tuple[int, int]:
    """(application_id, user_version) through a read-only connection that changes nothing."""
    try:
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            return (con.execute("PRAGMA application_id").fetchone()[0], con.execute("PRAGMA user_version").fetchone()[0])
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseDamagedError(f"{path}: SQLite cannot read it ({exc}); restore a backup") from None


def identify(path: Path) -> int:
    """Make sure ``path`` is a legcheck database before anything writes to it; return its schema version.

    Raises
    ------
    DatabaseError
        Not an SQLite file, another program's SQLite file, or a legcheck file from before
        the append-only schema.
    FileAccessError
        The file cannot be read.
    """
    head = _header(path)
    if not head.startswith(_MAGIC) or len(head) < 100:
        raise DatabaseError(f"{path} is not an SQLite database; give the path of a legcheck database")
    version, app_id = struct.unpack(">I", head[60:64])[0], struct.unpack(">I", head[68:72])[0]
    wal = Path(str(path) + "-wal")
    if app_id != APPLICATION_ID and wal.exists() and wal.stat().st_size > 0:
        app_id, version = _probe_read_only(path)  # page 1 may be newer in the WAL
    if app_id != APPLICATION_ID:
        raise DatabaseError(f"{path} is an SQLite database but not a legcheck one (or one made before "
                            "legcheck kept tamper-evident records); give the path of a legcheck database")
    return version


class SqliteBackend:
    """What differs on SQLite: engine settings, the writer lock, schema version, triggers, snapshots.

    Parameters
    ----------
    path : Path
        The database file.
    """

    name = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path).absolute()

    @property
    def location(self) -> str:
        """The database file's path, for people."""
        return str(self.path)

    @property
    def photos_dir(self) -> Path:
        """Stored photos live beside the database file: ``<db stem>-photos/ab/abcd....jpg``."""
        return self.path.parent / (self.path.stem + "-photos")

    def protected_paths(self) -> list[Path]:
        """The database file and its ``-wal``, ``-shm`` and ``-journal`` files (the store adds its photos)."""
        return [self.path, *(Path(str(self.path) + s) for s in ("-wal", "-shm", "-journal"))]

    def photo_store(self, conn):
        """Photos are files beside the database, owner-only (:class:`~legcheck.records.photostore.DirectoryPhotos`)."""
        from .photostore import DirectoryPhotos

        return DirectoryPhotos(self.photos_dir)

    def audit_detail(self) -> dict:
        """What this backend adds to every audit row's detail: nothing (the author is the store's)."""
        return {}

    def engine(self):
        """A SQLAlchemy engine with legcheck's connection settings (see the module docstring)."""
        import sqlalchemy as sa
        from sqlalchemy import event

        url = sa.engine.URL.create("sqlite", database=str(self.path))
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _settings(dbapi_con, _record):
            dbapi_con.isolation_level = None  # the driver emits no BEGIN of its own: ours below
            cur = dbapi_con.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                cur.execute("PRAGMA synchronous = FULL")
                cur.execute("PRAGMA foreign_keys = ON")
            finally:
                cur.close()
            if str(mode).lower() != "wal":
                raise DatabaseError(f"{self.path}: could not switch the database to WAL mode ({mode}); "
                                    "is it on a network drive?")

        @event.listens_for(engine, "begin")
        def _begin(conn):
            write = conn.get_execution_options().get("legcheck_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    def errors(self, where):
        """A context that turns this driver's errors into legcheck's (:func:`translated_errors`)."""
        return translated_errors(where)

    def lock_writers(self, conn) -> None:
        """Serialise writers: on SQLite ``BEGIN IMMEDIATE`` already holds the write lock."""

    def schema_version(self, conn) -> int:
        """The schema version recorded in the database (``PRAGMA user_version``)."""
        return conn.exec_driver_sql("PRAGMA user_version").scalar_one()

    def migrated(self, conn, version: int) -> None:
        """Keep ``PRAGMA user_version`` in step with ``schema_migrations`` (inside the migration's transaction)."""
        conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")

    def triggers(self, conn) -> dict[str, str]:
        """The triggers in the database, name -> CREATE statement as stored."""
        return {r[0]: r[1] for r in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}

    def views(self, conn) -> dict[str, str]:
        """The views in the database, name -> CREATE statement as stored (whitespace collapsed)."""
        return {r[0]: view_form(r[1]) for r in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master "
                                                                     "WHERE type = 'view'")}

    def view_form(self, conn, statement: str) -> str:
        """A migration's CREATE VIEW as :meth:`views` gives it (SQLite keeps the statement's text)."""
        return view_form(statement)

    def storage_problems(self, conn) -> list[str]:
        """SQLite's own integrity and foreign-key checks, one line per problem (SQLite's words)."""
        problems = [f"integrity: {m}" for (m,) in conn.exec_driver_sql("PRAGMA integrity_check") if m != "ok"]
        problems += [f"foreign key: {t} row {r} -> {p}" for t, r, p, _ in conn.exec_driver_sql("PRAGMA foreign_key_check")]
        app_id = conn.exec_driver_sql("PRAGMA application_id").scalar_one()
        if app_id != APPLICATION_ID:
            problems.append(f"application_id is {app_id}, not legcheck's {APPLICATION_ID}")
        return problems

    def snapshot(self, store, dest: Path, attempts: int = 200) -> None:
        """A consistent copy of the whole database in the new file ``dest`` (rollback-journal mode).

        SQLite's online backup in one step: it reads one snapshot of the database (in WAL mode a
        reader does not block writers and is not restarted by them, unlike a backup copied in
        several steps, which starts over whenever another connection writes in between).
        SQLITE_BUSY is retried.

        Raises
        ------
        DatabaseError
            Still busy after ``attempts`` tries.
        """
        raw = store.engine.raw_connection()
        try:
            src = raw.driver_connection
            for attempt in range(attempts):
                dst = sqlite3.connect(str(dest))
                try:
                    src.backup(dst)  # pages=-1: everything in one step
                    dst.execute("PRAGMA journal_mode = DELETE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    time.sleep(min(0.01 * (attempt + 1), 0.2))
                finally:
                    dst.close()
            raise DatabaseError("the database stayed busy during the backup; try again in a moment")
        finally:
            raw.close()


@contextlib.contextmanager
def translated_errors(path):
    """Turn driver errors into legcheck's: damaged (SQLite's message), busy, read-only, unreadable."""
    import sqlalchemy.exc as sa_exc

    try:
        yield
    except (sa_exc.DBAPIError, sqlite3.Error) as exc:
        orig = getattr(exc, "orig", exc)
        msg = str(orig)
        if "malformed" in msg or "not a database" in msg or "corrupt" in msg:
            raise DatabaseDamagedError(f"{path}: the database is damaged ({msg}); restore a backup") from None
        if "locked" in msg or "busy" in msg:
            raise DatabaseError(f"{path}: the database is busy ({msg}); try again in a moment") from None
        if "readonly" in msg or "read-only" in msg or "unable to open" in msg or "disk I/O" in msg:
            raise FileAccessError(f"cannot write {path} ({msg}); check the file's and its directory's "
                                  "permissions and free space") from None
        if "full" in msg:
            raise FileAccessError(f"cannot write {path}: the disk is full; free space") from None
        if isinstance(orig, sqlite3.IntegrityError):
            raise DatabaseError(f"{path}: the database refused a write ({msg}); run the database check") from None
        raise DatabaseError(f"{path}: {msg}") from None


