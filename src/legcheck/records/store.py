"""The visit log over SQLAlchemy Core: one store for every backend (SQLite and PostgreSQL).

:class:`SqlStore` implements :class:`legcheck.records.protocol.Store` with text SQL and named
parameters that both backends read; what differs (engine settings, the writer lock, the
schema version, triggers, storage checks, snapshots, where photos live) is the backend
object's (:class:`legcheck.records.sqlite.SqliteBackend`,
:class:`legcheck.records.postgres.PostgresBackend`).

Every write goes through :meth:`SqlStore._append` inside one serialised write transaction: the
row gets the next id, the store's author and the time, is inserted, read back, hashed
(:func:`legcheck.records.canonical.record_sha256`) and chained into ``audit`` (see
docs/records.md). Nothing is ever updated or deleted; a correction is a new row that
supersedes the old one. Check methods: :mod:`legcheck.records.store_checks`; voids, patient
edits and the configuration: :mod:`legcheck.records.store_versions`; the assessment (pain,
symptoms, red flags, therapies, reactions): :mod:`legcheck.records.store_assess`; user methods:
:mod:`legcheck.records.users`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path

from ..errors import DatabaseError, RecordConflictError, RecordNotFoundError, SafeguardError
from .assessment_terms import REFERRAL, label
from .canonical import GENESIS, audit_sha256, record_sha256
from .lookalike import refuse_lookalike
from .inputs import MAX_NAME_CHARS, chart_key, normalize_chart, require_dob, require_text
from .migrations import LATEST, MIGRATIONS, VERSIONED
from .store_assess import StoreAssess
from .store_checks import StoreChecks
from .store_versions import StoreVersions
from .users import StoreUsers
from .vocabulary import require_term
from .when import require_visit_time

__all__ = ["SqlStore", "os_user", "now_iso"]


def os_user() -> str:
    """The operating-system user running legcheck (from the password database, not the environment)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def now_iso() -> str:
    """The current UTC time as ISO 8601 text with milliseconds: every ``created_at`` and audit ``at``."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _sql(text):
    import sqlalchemy as sa

    return sa.text(text)


class SqlStore(StoreChecks, StoreVersions, StoreAssess, StoreUsers):
    """A legcheck database and its photo store (a :class:`~legcheck.records.protocol.Store`).

    Use :func:`legcheck.records.open_store`.

    Parameters
    ----------
    backend : SqliteBackend or PostgresBackend
        What differs per database kind.
    engine : sqlalchemy.engine.Engine
        From ``backend.engine()``.
    actor : str, optional
        A signed-in user; default: the operating-system user, with ``$LEGCHECK_USER``
        recorded beside it as a claim.
    """

    def __init__(self, backend, engine, actor: str | None = None):
        self.backend, self.engine = backend, engine
        if actor is not None and not str(actor).strip():
            raise DatabaseError("a signed-in user needs a name")
        self.actor = str(actor).strip() if actor is not None else os_user()
        self.claim = None if actor is not None else (os.environ.get("LEGCHECK_USER") or None)
        self._migrate()
        with self._read() as conn:
            self.photos = self.backend.photo_store(conn)

    # -- plumbing --------------------------------------------------------------------------
    @property
    def location(self) -> str:
        """The database file's path, or its URL without the password."""
        return self.backend.location

    @property
    def path(self) -> Path | None:
        """The database file (None for a database server)."""
        return self.backend.path

    @property
    def photos_dir(self) -> Path | None:
        """The photo directory, or None when photos are kept inside the database."""
        return getattr(self.photos, "root", None)

    def protected_paths(self) -> list[Path]:
        """What no output may ever replace or enter: the database, its side files, the photo store."""
        return [*self.backend.protected_paths(), *self.photos.protected_paths()]

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def _read(self):
        """A read transaction: one consistent view for every query inside it."""
        with self.backend.errors(self.location), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def _write(self):
        """A write transaction; writers are serialised (SQLite ``BEGIN IMMEDIATE``; the backend's lock)."""
        with self.backend.errors(self.location), self.engine.connect() as plain:
            conn = plain.execution_options(legcheck_write=True)
            with conn.begin():
                self.backend.lock_writers(conn)
                yield conn

    @staticmethod
    def _rows(conn, sql: str, **params) -> list[dict]:
        return [dict(r) for r in conn.execute(_sql(sql), params).mappings()]

    @staticmethod
    def _one(conn, sql: str, **params) -> dict | None:
        r = conn.execute(_sql(sql), params).mappings().first()
        return dict(r) if r is not None else None

    def _append(self, conn, table: str, values: dict, action: str = "add", detail: dict | None = None,
                old: dict | None = None, claim: str | None = None) -> dict:
        """Insert one history row and its audit row, inside the caller's write transaction.

        Parameters
        ----------
        conn : sqlalchemy.engine.Connection
            In a write transaction.
        table : str
            A history table (:data:`legcheck.records.migrations.HISTORY_TABLES`).
        values : dict
            The row's own columns; ``id`` (next free if absent), ``author`` and ``created_at``
            are filled in, and for a versioned table ``entity_id``/``supersedes`` (from ``old``).
        action : str
            What the audit row says ("add", "amend", ...).
        detail : dict, optional
            Ids and figures for the audit row (never names).
        old : dict, optional
            The stored row this one supersedes (same table).
        claim : str, optional
            Who the caller says did it, recorded beside the store's author.

        Returns
        -------
        dict
            The row as stored (read back).
        """
        now = now_iso()
        row = dict(values)
        if "id" not in row:
            row["id"] = conn.execute(_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one()
        if table in VERSIONED:
            row["entity_id"] = old["entity_id"] if old else row["id"]
            row["supersedes"] = old["id"] if old else None
        row.setdefault("author", self.actor)
        row.setdefault("created_at", now)
        cols = list(row)
        conn.execute(_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"), row)
        stored = self._one(conn, f"SELECT * FROM {table} WHERE id = :id", id=row["id"])
        last = self._one(conn, "SELECT id, sha256 FROM audit ORDER BY id DESC LIMIT 1")
        audit = {"id": (last["id"] + 1) if last else 1, "at": now, "actor": self.actor,
                 "claim": claim if claim is not None else self.claim, "action": action, "record_table": table,
                 "record_id": stored["id"], "record_sha256": record_sha256(stored),
                 "detail": self._detail(detail),
                 "prev_sha256": last["sha256"] if last else GENESIS}
        audit["sha256"] = audit_sha256(audit)
        cols = list(audit)
        conn.execute(_sql(f"INSERT INTO audit ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"), audit)
        return stored

    def _detail(self, detail: dict | None) -> str | None:
        """An audit row's ``detail``: the caller's ids and figures, and what the backend adds
        (PostgreSQL: the database role of the session, ``db_role``)."""
        detail = {**(detail or {}), **self.backend.audit_detail()}
        return json.dumps(detail, sort_keys=True) if detail else None

    def _migrate(self) -> None:
        """Bring the schema up to date, one migration per write transaction; refuse a newer database."""
        with self._read() as conn:
            version = self.backend.schema_version(conn)
        if version > LATEST:
            raise DatabaseError(f"{self.location} was written by a newer legcheck (schema {version}, this program "
                                f"knows {LATEST}); upgrade legcheck")
        for m in MIGRATIONS[version:]:
            with self._write() as conn:
                if self.backend.schema_version(conn) >= m.version:  # another process got there first
                    continue
                raw = conn.execution_options(no_parameters=True)  # DDL text as is: '%' is no placeholder
                for stmt in m.statements(self.backend.name):
                    raw.exec_driver_sql(stmt)
                self._append(conn, "schema_migrations", {"id": m.version, "name": m.name})
                self.backend.migrated(conn, m.version)

    def schema_version(self) -> int:
        """The schema version of the database."""
        with self._read() as conn:
            return self.backend.schema_version(conn)

    # -- patients --------------------------------------------------------------------------
    @staticmethod
    def _present(row: dict) -> dict:
        """A patient or visit as the protocol shows it: ``id`` is the stable entity id, ``version_id`` the row."""
        return {**row, "id": row["entity_id"], "version_id": row["id"]}

    def add_patient(self, chart: str, name: str, dob: str | None = None, notes: str | None = None) -> int:
        """Add a patient; see :meth:`legcheck.records.protocol.Store.add_patient`."""
        chart, key = normalize_chart(chart)
        name = require_text("a patient's name", name, max_chars=MAX_NAME_CHARS)
        dob = require_dob(dob)
        notes = require_text("notes", notes, optional=True)
        with self._write() as conn:
            taken = self._one(conn, "SELECT chart FROM current_patients WHERE chart_key = :k", k=key)
            if taken is not None:
                raise RecordConflictError(f"chart number {chart} is already a patient ({taken['chart']}); "
                                          "use another chart number")
            refuse_lookalike(chart, [r["chart"] for r in self._rows(conn, "SELECT chart FROM current_patients")])
            return self._append(conn, "patients", dict(chart=chart, chart_key=key, name=name, dob=dob,
                                                       notes=notes))["entity_id"]

    def _patient(self, conn, chart: str) -> dict:
        row = self._one(conn, "SELECT * FROM current_patients WHERE chart_key = :k", k=chart_key(chart))
        if row is None:
            raise RecordNotFoundError(f"no patient with chart number {chart}; add the patient first")
        return self._present(row)

    def patient(self, chart: str) -> dict:
        """The patient with this chart number; see :meth:`legcheck.records.protocol.Store.patient`."""
        with self._read() as conn:
            return self._patient(conn, chart)

    def patients(self) -> list[dict]:
        """Every patient by chart number; see :meth:`legcheck.records.protocol.Store.patients`."""
        with self._read() as conn:
            rows = self._rows(conn, """
                SELECT p.*, (SELECT count(*) FROM current_visits v WHERE v.patient_id = p.entity_id) AS visits,
                       (SELECT max(visit_date) FROM current_visits v WHERE v.patient_id = p.entity_id) AS last_visit
                FROM current_patients p ORDER BY p.chart_key, p.entity_id""")
        return [self._present(r) for r in rows]

    # -- visits ----------------------------------------------------------------------------
    def new_visit(self, chart: str, when: dt.datetime | None = None, practitioner: str | None = None,
                  notes: str | None = None) -> int:
        """Open a visit; see :meth:`legcheck.records.protocol.Store.new_visit`."""
        practitioner = require_text("practitioner", practitioner, optional=True)
        notes = require_text("notes", notes, optional=True)
        with self._write() as conn:
            return self._new_visit(conn, self._patient(conn, chart)["id"], when, practitioner, notes)

    def _new_visit(self, conn, patient_id, when, practitioner, notes) -> int:
        when = require_visit_time(when) if when is not None else dt.datetime.now().astimezone()
        return self._append(conn, "visits", dict(
            patient_id=patient_id, visit_date=when.date().isoformat(), started_at=when.isoformat(timespec="seconds"),
            practitioner=practitioner, notes=notes))["entity_id"]

    def _visit(self, conn, visit_id: int) -> dict:
        row = self._one(conn, """SELECT v.*, p.chart FROM current_visits v
                                 JOIN current_patients p ON p.entity_id = v.patient_id WHERE v.entity_id = :v""",
                        v=int(visit_id))
        if row is None:
            raise RecordNotFoundError(f"no visit {visit_id} in this database")
        return self._present(row)

    def visit(self, visit_id: int) -> dict:
        """A visit with its patient's chart; see :meth:`legcheck.records.protocol.Store.visit`."""
        with self._read() as conn:
            return self._visit(conn, visit_id)

    def visits(self, chart: str | None = None) -> list[dict]:
        """A patient's visits (or every visit) by start time; see :meth:`legcheck.records.protocol.Store.visits`."""
        sql = """SELECT v.*, p.chart, (SELECT count(*) FROM current_checks c WHERE c.visit_id = v.entity_id) AS checks,
                        (SELECT count(*) FROM current_assessment_items a WHERE a.visit_id = v.entity_id
                         AND a.kind = 'red-flag' AND a.cleared IS NULL) AS open_red_flags
                 FROM current_visits v JOIN current_patients p ON p.entity_id = v.patient_id"""
        with self._read() as conn:
            if chart is None:
                rows = self._rows(conn, sql + " ORDER BY v.started_at, v.entity_id")
            else:
                rows = self._rows(conn, sql + " WHERE v.patient_id = :p ORDER BY v.started_at, v.entity_id",
                                  p=self._patient(conn, chart)["id"])
        return [self._present(r) for r in rows]

    def _visit_for_check(self, conn, chart, visit_id=None, when=None) -> int:
        patient = self._patient(conn, chart)
        if visit_id is not None:
            v = self._visit(conn, visit_id)
            if v["patient_id"] != patient["id"]:
                raise RecordConflictError(f"visit {visit_id} belongs to chart {v['chart']}, not {patient['chart']}; "
                                          "check the visit and the patient")
            return v["id"]
        day = (when or dt.datetime.now().astimezone()).date().isoformat()
        row = self._one(conn, """SELECT entity_id FROM current_visits WHERE patient_id = :p AND visit_date = :d
                                 ORDER BY entity_id DESC LIMIT 1""", p=patient["id"], d=day)
        if row is not None:
            return row["entity_id"]
        return self._new_visit(conn, patient["id"], when, None, None)

    def visit_for_check(self, chart: str, visit_id: int | None = None, when: dt.datetime | None = None) -> int:
        """The visit a check goes to; see :meth:`legcheck.records.protocol.Store.visit_for_check`."""
        if visit_id is not None:
            with self._read() as conn:
                return self._visit_for_check(conn, chart, visit_id, when)
        with self._write() as conn:
            return self._visit_for_check(conn, chart, None, when)

    # -- findings and adjustments ----------------------------------------------------------
    def add_adjustment(self, visit_id: int, piece: str, side: str | None = None, listing: str | None = None,
                       override_red_flag: str | None = None) -> int:
        """Record a drop piece used at a visit; see :meth:`legcheck.records.protocol.Store.add_adjustment`.

        The clinical safeguard: a visit with an open red flag takes an adjustment only with
        ``override_red_flag`` (the reason), kept in the row; its audit row has action "override" and
        the open red flags' ids (never the reason's words).
        """
        require_term("drop piece", piece)
        require_term("side", side, optional=True)
        listing = require_text("listing", listing, optional=True)
        override = require_text("the reason for the override", override_red_flag, optional=True)
        with self._write() as conn:
            vid = self._visit(conn, visit_id)["id"]
            values, action, detail = dict(visit_id=vid, piece=piece, side=side, listing=listing), "add", None
            flags = self._open_red_flags(conn, vid)
            if flags:
                words = "; ".join(label("red-flag", f["term"]) for f in flags)
                if not override:
                    raise SafeguardError(f"visit {vid} has an open red flag ({words}): {REFERRAL}; an adjustment "
                                         "is recorded on it only with an override and its reason")
                values["red_flag_override"], action = override, "override"
                # The reason is free text (it may name the patient): it stays in the row, the audit
                # detail carries ids only.
                detail = {"red_flag_override": True, "open_red_flags": [f["id"] for f in flags]}
            return self._append(conn, "adjustments", values, action=action, detail=detail)["id"]

    def set_findings(self, visit_id: int, derifield: str | None = None, pd_side: str | None = None,
                     listing: str | None = None) -> int:
        """Record findings for a visit (the latest non-null value wins); see the protocol."""
        require_term("Derifield", derifield, optional=True)
        require_term("PD side", pd_side, optional=True)
        listing = require_text("listing", listing, optional=True)
        with self._write() as conn:
            vid = self._visit(conn, visit_id)["id"]
            return self._append(conn, "findings", dict(visit_id=vid, derifield=derifield, pd_side=pd_side,
                                                       listing=listing))["id"]

    def findings(self, visit_id: int) -> list[dict]:
        """A visit's findings rows, oldest first; see :meth:`legcheck.records.protocol.Store.findings`."""
        with self._read() as conn:
            return self._rows(conn, "SELECT * FROM current_findings WHERE visit_id = :v ORDER BY id", v=int(visit_id))

    def adjustments(self, visit_id: int) -> list[dict]:
        """A visit's drop-piece rows, oldest first; see :meth:`legcheck.records.protocol.Store.adjustments`."""
        with self._read() as conn:
            return self._rows(conn, "SELECT * FROM current_adjustments WHERE visit_id = :v ORDER BY id",
                              v=int(visit_id))

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, dest) -> dict:
        """Write one backup archive; see :func:`legcheck.records.archive.write_backup`."""
        from .archive import write_backup

        return write_backup(self, dest)

    def snapshot(self, dest: Path) -> None:
        """A consistent copy of the whole database as a new SQLite file ``dest`` (the archive's snapshot)."""
        with self.backend.errors(self.location):
            native = getattr(self.backend, "snapshot", None)
            if native is not None:  # SQLite copies its own pages (the online backup API)
                native(self, Path(dest))
            else:  # any other backend: one consistent read of every row, written as a new SQLite file
                from .transfer import snapshot_to_sqlite

                snapshot_to_sqlite(self, Path(dest))

    def check_integrity(self) -> dict:
        """Verify the records; see :func:`legcheck.records.integrity.check_store`."""
        from .integrity import check_store

        return check_store(self)
