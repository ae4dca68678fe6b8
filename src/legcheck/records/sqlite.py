"""The visit log in SQLite: the embedded default store, and the only module that opens its file.

One database file in the user's data directory (platformdirs), or a path the caller gives, with
the stored photos beside it (``<db stem>-photos/``). Connections, transactions and migrations:
:mod:`legcheck.records.sqlite_db`; the checks: :mod:`legcheck.records.sqlite_checks`. The
store implements :class:`legcheck.records.protocol.Store` and holds no clinical rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from pathlib import Path

from ..errors import DatabaseError, RecordConflictError, RecordNotFoundError, UsageError
from ..fileio import PRIVATE, atomic_write, make_private_dir
from .sqlite_checks import SqliteChecks
from .sqlite_db import connect, current_actor, default_db_path, migrate, now_iso, write_tx
from .users import SqliteUsers
from .vocabulary import require_term

__all__ = ["SqliteStore", "open_store", "default_db_path"]

#: Tables counted by :meth:`SqliteStore.check_integrity`.
COUNTED = ("patients", "visits", "checks", "photos", "users", "audit")


class SqliteStore(SqliteChecks, SqliteUsers):
    """A legcheck SQLite database and its photo directory (a :class:`~legcheck.records.protocol.Store`).

    Use :func:`open_store`. Methods that write run in one ``BEGIN IMMEDIATE`` transaction each.

    Parameters
    ----------
    path : Path
        The database file.
    con : sqlite3.Connection
        A connection from :func:`~legcheck.records.sqlite_db.connect`, migrated.
    actor : str, optional
        Who writes through this store: the author of its checks, amendments, adjustments and
        findings, and the audit log's actor (default :func:`~legcheck.records.sqlite_db.current_actor`).
    """

    def __init__(self, path: Path, con: sqlite3.Connection, actor: str | None = None):
        self.path = Path(path).absolute()
        self.con = con
        self.actor = actor or current_actor()

    @property
    def location(self) -> str:
        """The database file's path."""
        return str(self.path)

    @property
    def photos_dir(self) -> Path:
        """Stored photos live beside the database file: ``<db stem>-photos/ab/abcd....jpg``."""
        return self.path.parent / (self.path.stem + "-photos")

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- patients --------------------------------------------------------------------------
    def add_patient(self, chart: str, name: str, dob: str | None = None, notes: str | None = None) -> int:
        """Add a patient; see :meth:`legcheck.records.protocol.Store.add_patient`."""
        chart, name = (chart or "").strip(), (name or "").strip()
        if not chart or not name:
            raise UsageError("a patient needs a chart number and a name")
        if dob:
            try:
                dt.date.fromisoformat(dob)
            except ValueError:
                raise UsageError(f"date of birth {dob!r} is not a date; use YYYY-MM-DD") from None
        with write_tx(self.con):
            if self.con.execute("SELECT 1 FROM patients WHERE chart = ?", (chart,)).fetchone():
                raise RecordConflictError(f"chart number {chart} is already a patient; use another chart number")
            cur = self.con.execute("INSERT INTO patients (chart, name, dob, notes, created_at) VALUES (?, ?, ?, ?, ?)",
                                   (chart, name, dob, notes, now_iso()))
            return cur.lastrowid

    def patient(self, chart: str) -> dict:
        """The patient with this chart number; :class:`RecordNotFoundError` if none.

        See :meth:`legcheck.records.protocol.Store.patient`.
        """
        row = self.con.execute("SELECT * FROM patients WHERE chart = ?", (chart,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no patient with chart number {chart}; add the patient first")
        return dict(row)

    def patients(self) -> list[dict]:
        """Every patient by chart number, with ``visits`` and ``last_visit``.

        See :meth:`legcheck.records.protocol.Store.patients`.
        """
        return [dict(r) for r in self.con.execute(
            """SELECT p.*, (SELECT count(*) FROM visits v WHERE v.patient_id = p.id) AS visits,
                      (SELECT max(visit_date) FROM visits v WHERE v.patient_id = p.id) AS last_visit
               FROM patients p ORDER BY p.chart""")]

    # -- visits ----------------------------------------------------------------------------
    def new_visit(self, chart: str, when: dt.datetime | None = None, practitioner: str | None = None,
                  notes: str | None = None) -> int:
        """Open a visit; see :meth:`legcheck.records.protocol.Store.new_visit`."""
        with write_tx(self.con):
            return self._new_visit(self.patient(chart)["id"], when, practitioner, notes)

    def _new_visit(self, patient_id, when, practitioner, notes) -> int:
        when = when or dt.datetime.now().astimezone()
        cur = self.con.execute(
            "INSERT INTO visits (patient_id, visit_date, started_at, practitioner, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (patient_id, when.date().isoformat(), when.isoformat(timespec="seconds"), practitioner, notes, now_iso()))
        return cur.lastrowid

    def visit(self, visit_id: int) -> dict:
        """A visit with its patient's chart; :class:`RecordNotFoundError` if none.

        See :meth:`legcheck.records.protocol.Store.visit`.
        """
        row = self.con.execute("""SELECT v.*, p.chart FROM visits v JOIN patients p ON p.id = v.patient_id
                                  WHERE v.id = ?""", (visit_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no visit {visit_id} in this database")
        return dict(row)

    def visits(self, chart: str) -> list[dict]:
        """A patient's visits by start time.

        See :meth:`legcheck.records.protocol.Store.visits`.
        """
        pid = self.patient(chart)["id"]
        return [dict(r) for r in self.con.execute(
            "SELECT * FROM visits WHERE patient_id = ? ORDER BY started_at, id", (pid,))]

    def visit_for_check(self, chart: str, visit_id: int | None = None, when: dt.datetime | None = None) -> int:
        """The visit a check goes to; see :meth:`legcheck.records.protocol.Store.visit_for_check`.

        Creating the day's visit writes: call it inside a write transaction, or with ``visit_id``.
        """
        patient = self.patient(chart)
        if visit_id is not None:
            v = self.visit(visit_id)
            if v["patient_id"] != patient["id"]:
                raise RecordConflictError(f"visit {visit_id} belongs to chart {v['chart']}, not {chart}; "
                                          "check the visit and the patient")
            return visit_id
        day = (when or dt.datetime.now().astimezone()).date().isoformat()
        row = self.con.execute("SELECT id FROM visits WHERE patient_id = ? AND visit_date = ? ORDER BY id DESC LIMIT 1",
                               (patient["id"], day)).fetchone()
        return row["id"] if row else self._new_visit(patient["id"], when, None, None)

    # -- findings and adjustments ----------------------------------------------------------
    def add_adjustment(self, visit_id: int, piece: str, side: str | None = None, listing: str | None = None) -> int:
        """Record a drop piece used at a visit; see :meth:`legcheck.records.protocol.Store.add_adjustment`."""
        require_term("drop piece", piece)
        require_term("side", side, optional=True)
        with write_tx(self.con):
            self.visit(visit_id)
            return self.con.execute(
                "INSERT INTO adjustments (visit_id, piece, side, listing, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (visit_id, piece, side, listing, self.actor, now_iso())).lastrowid

    def set_findings(self, visit_id: int, derifield: str | None = None, pd_side: str | None = None,
                     listing: str | None = None) -> int:
        """Record findings for a visit; a newer row amends the older (the latest non-null value wins).

        See :meth:`legcheck.records.protocol.Store.set_findings`.
        """
        require_term("Derifield", derifield, optional=True)
        require_term("PD side", pd_side, optional=True)
        with write_tx(self.con):
            self.visit(visit_id)
            return self.con.execute(
                "INSERT INTO findings (visit_id, derifield, pd_side, listing, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (visit_id, derifield, pd_side, listing, self.actor, now_iso())).lastrowid

    def findings(self, visit_id: int) -> list[dict]:
        """A visit's findings rows, oldest first.

        See :meth:`legcheck.records.protocol.Store.findings`.
        """
        return [dict(r) for r in self.con.execute("SELECT * FROM findings WHERE visit_id = ? ORDER BY id", (visit_id,))]

    def adjustments(self, visit_id: int) -> list[dict]:
        """A visit's drop-piece rows, oldest first.

        See :meth:`legcheck.records.protocol.Store.adjustments`.
        """
        return [dict(r) for r in self.con.execute("SELECT * FROM adjustments WHERE visit_id = ? ORDER BY id",
                                                  (visit_id,))]

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, dest) -> Path:
        """A consistent copy of the database at ``dest`` (owner-only, never overwritten).

        SQLite's online backup API copies into memory while other processes keep writing; the
        copy (rollback journal, not WAL, so it is one self-contained file) is then written with
        :func:`~legcheck.fileio.atomic_write`. Stored photos are not copied.

        Raises
        ------
        RecordConflictError
            ``dest`` exists.
        FileAccessError
            ``dest`` cannot be written.
        """
        dest = Path(dest)
        if dest.exists():
            raise RecordConflictError(f"{dest} exists; give a new file name for the backup")
        make_private_dir(dest.parent)
        out = sqlite3.connect(":memory:")
        try:
            self.con.backup(out, pages=256)
            data = out.serialize()
        finally:
            out.close()
        return atomic_write(dest, data, mode=PRIVATE, overwrite=False)

    def check_integrity(self) -> dict:
        """SQLite integrity and foreign-key checks, and every stored photo against its hash."""
        problems = [f"integrity: {m}" for m in (r[0] for r in self.con.execute("PRAGMA integrity_check")) if m != "ok"]
        problems += [f"foreign key: {r[0]} row {r[1]} -> {r[2]}" for r in self.con.execute("PRAGMA foreign_key_check")]
        n_photos, known = 0, set()
        for r in self.con.execute("SELECT sha256, relpath FROM photos"):
            n_photos += 1
            p = self.photos_dir / r["relpath"]
            known.add(p.name)
            try:
                h = hashlib.sha256(p.read_bytes()).hexdigest()
            except OSError:
                problems.append(f"photo missing: {r['relpath']}")
                continue
            if h != r["sha256"]:
                problems.append(f"photo changed: {r['relpath']}")
        orphans = [str(p.relative_to(self.photos_dir)) for p in self.photos_dir.glob("*/*")
                   if p.name not in known] if self.photos_dir.exists() else []
        counts = {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        return {"ok": not problems, "problems": problems, "photos_checked": n_photos,
                "orphan_photos": orphans, "counts": counts,
                "schema_version": self.con.execute("PRAGMA user_version").fetchone()[0]}


def open_store(path=None, actor: str | None = None) -> SqliteStore:
    """Open (creating if needed) the legcheck database at ``path``.

    Parameters
    ----------
    path : str or Path, optional
        The database file (default :func:`~legcheck.records.sqlite_db.default_db_path`). A new
        file's directory is created owner-only (0700) and the file itself owner-only (0600).
    actor : str, optional
        The name the audit log records for this connection's writes (default: the login name).

    Returns
    -------
    SqliteStore

    Raises
    ------
    DatabaseError
        ``path`` is a directory, not a legcheck database, written by a newer legcheck, damaged.
    FileAccessError
        The directory cannot be created.
    """
    path = Path(path) if path else default_db_path()
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory; give a database file path")
    make_private_dir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)  # SQLite writes it; this fixes its mode first
        os.close(fd)
    con = connect(path, actor)
    try:
        migrate(con)
    except sqlite3.DatabaseError as exc:
        con.close()
        raise DatabaseError(f"{path}: not a usable legcheck database ({exc}); check the database path") from None
    except BaseException:
        con.close()
        raise
    return SqliteStore(path, con, actor)
