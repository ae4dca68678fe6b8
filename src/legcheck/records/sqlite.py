"""The clinic's record of leg checks: the only module that touches the database.

SQLite is the embedded default: one file in the user's data directory
(platformdirs), or ``--db`` / ``LEGCHECK_DB``. Every connection is opened by
:func:`connect`: WAL journal, ``synchronous=FULL`` (a committed check survives a
power cut), foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for every
transaction that writes, so two terminals can record at once without
"database is locked". The schema carries its version (``PRAGMA user_version``)
and upgrades itself forward, one migration per transaction; an older program
refuses a newer database.

Clinical records are amended, never overwritten: an amendment is a new check row
that ``supersedes`` the old one, with author, time and reason (triggers refuse
UPDATE and DELETE on checks). Every insert lands in the append-only ``audit``
table, by id only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatabaseError, RecordConflictError, RecordNotFoundError
from .migrations_sqlite import LATEST, MIGRATIONS, PHASES, PIECES, POSITIONS, SIDES

BUSY_TIMEOUT_MS = 30_000
#: |mean lld_mm| under this counts as even when deriving Derifield from the checks.
EVEN_MM = 1.0

__all__ = ["Store", "open_store", "default_db_path", "PHASES", "POSITIONS", "PIECES", "SIDES", "EVEN_MM",
           "derive_derifield"]


def default_db_path() -> Path:
    env = os.environ.get("LEGCHECK_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("legcheck", appauthor=False)) / "legcheck.sqlite3"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _actor() -> str:
    try:
        return os.environ.get("LEGCHECK_USER") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def connect(path: Path, actor: str | None = None) -> sqlite3.Connection:
    """Open a connection with the settings every legcheck connection must have."""
    try:
        con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        con.execute("PRAGMA synchronous = FULL")
        con.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path}: not a usable database ({exc}); check the --db path or restore a backup") from None
    if str(mode).lower() != "wal":
        raise DatabaseError(f"{path}: could not switch the database to WAL mode ({mode}); is it on a network drive?")
    who = actor or _actor()
    con.create_function("legcheck_actor", 0, lambda: who)
    return con


@contextlib.contextmanager
def write_tx(con: sqlite3.Connection):
    """A write transaction: BEGIN IMMEDIATE takes the write lock up front (no deadlock on upgrade)."""
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"the database is busy ({exc}); try again in a moment") from None
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


def migrate(con: sqlite3.Connection) -> int:
    """Bring the schema up to date; return the version. Refuses a newer database."""
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > LATEST:
        raise DatabaseError(f"this database was written by a newer legcheck (schema {version}, this program knows "
                            f"{LATEST}); upgrade legcheck")
    if version == 0:
        tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise DatabaseError("this file is an SQLite database but not a legcheck one; give another --db path")
    for target in range(version + 1, LATEST + 1):
        with write_tx(con):
            # Re-read inside the lock: another process may have migrated meanwhile.
            if con.execute("PRAGMA user_version").fetchone()[0] >= target:
                continue
            for stmt in MIGRATIONS[target - 1]:
                con.execute(stmt)
            con.execute(f"PRAGMA user_version = {target}")
    return LATEST


def derive_derifield(extended_mm: float | None, flexed_mm: float | None, even_mm: float = EVEN_MM) -> str | None:
    """Derifield from the mean pre-adjustment lld_mm, legs extended and knees flexed.

    "negative": the leg short when extended stays short when flexed; "positive": it evens
    (|flexed| < ``even_mm``) or reverses. None when either check is missing or the legs are
    even when extended (there is no short leg to follow).
    """
    if extended_mm is None or flexed_mm is None or abs(extended_mm) < even_mm:
        return None
    if abs(flexed_mm) < even_mm or (flexed_mm > 0) != (extended_mm > 0):
        return "positive"
    return "negative"


def _short(lld: float, even: float) -> str:
    return "even" if abs(lld) < even else ("left" if lld > 0 else "right")


@dataclass
class Store:
    """A legcheck database and its photo directory.

    Use :func:`open_store`. Methods that write run in one ``BEGIN IMMEDIATE`` transaction each.
    """

    path: Path
    con: sqlite3.Connection

    @property
    def photos_dir(self) -> Path:
        """Stored photos live beside the database file: ``<db stem>-photos/ab/abcd....jpg``."""
        return self.path.parent / (self.path.stem + "-photos")

    def close(self):
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- patients --------------------------------------------------------------------------
    def add_patient(self, chart: str, name: str, dob: str | None = None, notes: str | None = None) -> int:
        chart, name = (chart or "").strip(), (name or "").strip()
        if not chart or not name:
            raise RecordConflictError("a patient needs a chart number and a name")
        if dob:
            try:
                dt.date.fromisoformat(dob)
            except ValueError:
                raise RecordConflictError(f"date of birth {dob!r} is not a date; use YYYY-MM-DD") from None
        with write_tx(self.con):
            if self.con.execute("SELECT 1 FROM patients WHERE chart = ?", (chart,)).fetchone():
                raise RecordConflictError(f"chart number {chart} is already a patient; use another chart number")
            cur = self.con.execute("INSERT INTO patients (chart, name, dob, notes, created_at) VALUES (?, ?, ?, ?, ?)",
                                   (chart, name, dob, notes, _now()))
            return cur.lastrowid

    def patient(self, chart: str) -> dict:
        row = self.con.execute("SELECT * FROM patients WHERE chart = ?", (chart,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no patient with chart number {chart}; add one with 'legcheck patient add'")
        return dict(row)

    def patients(self) -> list[dict]:
        return [dict(r) for r in self.con.execute(
            """SELECT p.*, (SELECT count(*) FROM visits v WHERE v.patient_id = p.id) AS visits,
                      (SELECT max(visit_date) FROM visits v WHERE v.patient_id = p.id) AS last_visit
               FROM patients p ORDER BY p.chart""")]

    # -- visits ----------------------------------------------------------------------------
    def new_visit(self, chart: str, when: dt.datetime | None = None, practitioner: str | None = None,
                  notes: str | None = None) -> int:
        with write_tx(self.con):
            return self._new_visit(self.patient(chart)["id"], when, practitioner, notes)

    def _new_visit(self, patient_id, when, practitioner, notes) -> int:
        when = when or dt.datetime.now().astimezone()
        cur = self.con.execute(
            "INSERT INTO visits (patient_id, visit_date, started_at, practitioner, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (patient_id, when.date().isoformat(), when.isoformat(timespec="seconds"), practitioner, notes, _now()))
        return cur.lastrowid

    def visit(self, visit_id: int) -> dict:
        row = self.con.execute("""SELECT v.*, p.chart FROM visits v JOIN patients p ON p.id = v.patient_id
                                  WHERE v.id = ?""", (visit_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no visit {visit_id}; list visits with 'legcheck log'")
        return dict(row)

    def visits(self, chart: str) -> list[dict]:
        pid = self.patient(chart)["id"]
        return [dict(r) for r in self.con.execute(
            "SELECT * FROM visits WHERE patient_id = ? ORDER BY started_at, id", (pid,))]

    def _visit_for(self, chart: str, visit_id: int | None, when: dt.datetime | None) -> int:
        """The visit a check goes to: the given one (of this patient), or today's, created if needed."""
        patient = self.patient(chart)
        if visit_id is not None:
            v = self.visit(visit_id)
            if v["patient_id"] != patient["id"]:
                raise RecordConflictError(f"visit {visit_id} belongs to chart {v['chart']}, not {chart}; "
                                          "check the --visit and --patient values")
            return visit_id
        day = (when or dt.datetime.now().astimezone()).date().isoformat()
        row = self.con.execute("SELECT id FROM visits WHERE patient_id = ? AND visit_date = ? ORDER BY id DESC LIMIT 1",
                               (patient["id"], day)).fetchone()
        return row["id"] if row else self._new_visit(patient["id"], when, None, None)

    # -- checks ----------------------------------------------------------------------------
    def record_check(self, chart: str, phase: str, position: str, result: dict, visit_id: int | None = None,
                     photo_path=None, annotated_path=None, taken_at: dt.datetime | None = None) -> dict:
        """Record one measured leg check (and its photo); see :meth:`record_checks`."""
        return self.record_checks(chart, [dict(phase=phase, position=position, result=result, photo_path=photo_path,
                                               annotated_path=annotated_path, taken_at=taken_at)], visit_id)[0]

    def record_checks(self, chart: str, items: list[dict], visit_id: int | None = None) -> list[dict]:
        """Record measured leg checks, all or none, in one transaction.

        Each item: ``phase``, ``position``, ``result`` (a measurement's JSON,
        ``Measurement.to_json()``), optional ``photo_path``, ``annotated_path`` and ``taken_at``.
        Photos are stored without location or device metadata before the transaction (durably,
        named by hash); if the transaction fails, photos it stored are removed again, so a
        failed check leaves no visit and no photo behind.

        Returns one ``{"check_id", "visit_id", "photo_sha256"}`` per item.
        """
        from .photos import store_photo

        for it in items:
            if it["phase"] not in PHASES:
                raise RecordConflictError(f"phase {it['phase']!r} is not one of {', '.join(PHASES)}")
            if it["position"] not in POSITIONS:
                raise RecordConflictError(f"position {it['position']!r} is not one of {', '.join(POSITIONS)}")
        self.patient(chart)  # fail before writing anything
        if visit_id is not None:
            self._visit_for(chart, visit_id, None)
        created, stored = [], []
        try:
            for it in items:
                image = it["result"].get("image", {})
                photo = ann = None
                if it.get("photo_path") is not None:
                    photo = store_photo(self.photos_dir, it["photo_path"], image.get("sha256", ""),
                                        int(image.get("orientation", 1)))
                if it.get("annotated_path") is not None:
                    ann = store_photo(self.photos_dir, it["annotated_path"], photo.sha256 if photo else "", 1)
                created += [s for s in (photo, ann) if s is not None and s.created]
                stored.append((photo, ann))
            out = []
            with write_tx(self.con):
                for it, (photo, ann) in zip(items, stored):
                    vid = self._visit_for(chart, visit_id, it.get("taken_at"))
                    for s, img in ((photo, it["result"].get("image", {})), (ann, {})):
                        if s is not None:
                            self.con.execute(
                                """INSERT OR IGNORE INTO photos (sha256, original_sha256, orientation, width, height,
                                                                 bytes, relpath, created_at)
                                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                                (s.sha256, s.original_sha256, s.orientation, img.get("width"), img.get("height"),
                                 s.bytes, s.relpath, _now()))
                    r = it["result"]
                    taken = (it.get("taken_at") or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
                    cur = self.con.execute(
                        """INSERT INTO checks (visit_id, phase, position, taken_at, photo_sha256, annotated_sha256, lld_mm,
                                              short_leg, uncertainty_mm, method, result_json, author, created_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                        (vid, it["phase"], it["position"], taken, photo.sha256 if photo else None,
                         ann.sha256 if ann else None, float(r["lld_mm"]), r["short_leg"], float(r["uncertainty_mm"]),
                         r["method"], json.dumps(r), _actor(), _now()))
                    out.append({"check_id": cur.lastrowid, "visit_id": vid, "photo_sha256": photo.sha256 if photo else None})
            return out
        except BaseException:
            for s in created:
                with contextlib.suppress(OSError):
                    (self.photos_dir / s.relpath).unlink()
            raise

    def photo_path(self, sha256: str | None) -> Path | None:
        """Where a stored photo is, or None."""
        if not sha256:
            return None
        row = self.con.execute("SELECT relpath FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
        return self.photos_dir / row["relpath"] if row else None

    def amend_check(self, check_id: int, lld_mm: float, reason: str, author: str | None = None) -> int:
        """Supersede a check with a corrected lld_mm; the original stays readable. Returns the new id."""
        if not reason or not reason.strip():
            raise RecordConflictError("an amendment needs a --reason")
        with write_tx(self.con):
            old = self.con.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
            if old is None:
                raise RecordNotFoundError(f"no check {check_id}; list checks with 'legcheck log'")
            newer = self.con.execute("SELECT id FROM checks WHERE supersedes = ?", (check_id,)).fetchone()
            if newer is not None:
                raise RecordConflictError(f"check {check_id} was already amended by check {newer['id']}; amend that one")
            result = json.loads(old["result_json"])
            even = float(result.get("even_below_mm", EVEN_MM))
            result.update({"lld_mm": float(lld_mm), "short_leg": _short(float(lld_mm), even), "amended_from": check_id})
            cur = self.con.execute(
                """INSERT INTO checks (visit_id, phase, position, taken_at, photo_sha256, annotated_sha256, lld_mm, short_leg,
                                       uncertainty_mm, method, result_json, supersedes, author, reason, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (old["visit_id"], old["phase"], old["position"], old["taken_at"], old["photo_sha256"],
                 old["annotated_sha256"], float(lld_mm),
                 result["short_leg"], old["uncertainty_mm"], old["method"], json.dumps(result), check_id,
                 author or _actor(), reason.strip(), _now()))
            return cur.lastrowid

    def checks(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Checks with their visit and patient chart; current values only unless ``history``.

        Each row has ``amended`` (it supersedes an earlier row) and, with history,
        ``superseded_by``.
        """
        table = "checks" if history else "current_checks"
        sql = f"""SELECT c.*, v.visit_date, v.patient_id, p.chart,
                         (SELECT n.id FROM checks n WHERE n.supersedes = c.id) AS superseded_by
                  FROM {table} c JOIN visits v ON v.id = c.visit_id JOIN patients p ON p.id = v.patient_id"""
        args, where = [], []
        if chart is not None:
            where.append("p.chart = ?")
            args.append(self.patient(chart)["chart"])
        if visit_id is not None:
            where.append("c.visit_id = ?")
            args.append(visit_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY v.started_at, c.visit_id, c.taken_at, c.id"
        rows = []
        for r in self.con.execute(sql, args):
            d = dict(r)
            d["amended"] = d["supersedes"] is not None
            rows.append(d)
        return rows

    def history(self, check_id: int) -> list[dict]:
        """The amendment chain of a check, oldest first."""
        row = self.con.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"no check {check_id}")
        while row["supersedes"] is not None:
            row = self.con.execute("SELECT * FROM checks WHERE id = ?", (row["supersedes"],)).fetchone()
        chain = [dict(row)]
        while True:
            nxt = self.con.execute("SELECT * FROM checks WHERE supersedes = ?", (chain[-1]["id"],)).fetchone()
            if nxt is None:
                return chain
            chain.append(dict(nxt))

    # -- findings and adjustments ----------------------------------------------------------
    def add_adjustment(self, visit_id: int, piece: str, side: str | None, listing: str | None) -> int:
        if piece not in PIECES:
            raise RecordConflictError(f"drop piece {piece!r} is not one of {', '.join(PIECES)}")
        with write_tx(self.con):
            self.visit(visit_id)
            return self.con.execute(
                "INSERT INTO adjustments (visit_id, piece, side, listing, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (visit_id, piece, side, listing, _actor(), _now())).lastrowid

    def set_findings(self, visit_id: int, derifield: str | None = None, pd_side: str | None = None,
                     listing: str | None = None) -> int:
        """Record findings for a visit; a newer row amends the older (the latest non-null value wins)."""
        with write_tx(self.con):
            self.visit(visit_id)
            return self.con.execute(
                "INSERT INTO findings (visit_id, derifield, pd_side, listing, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (visit_id, derifield, pd_side, listing, _actor(), _now())).lastrowid

    def visit_summary(self, visit_id: int) -> dict:
        """Everything about a visit: checks (current), means per phase and position, Derifield, PD, pieces."""
        v = self.visit(visit_id)
        checks = self.checks(visit_id=visit_id)
        means = {}
        for c in checks:
            means.setdefault((c["phase"], c["position"]), []).append(c)
        mean_rows = []
        for (phase, position), cs in sorted(means.items()):
            n = len(cs)
            mean = sum(c["lld_mm"] for c in cs) / n
            # Repeats average: the bound of a mean of n independent checks shrinks by sqrt(n).
            unc = (sum(c["uncertainty_mm"] ** 2 for c in cs) ** 0.5) / n
            mean_rows.append({"phase": phase, "position": position, "n": n, "lld_mm": mean, "uncertainty_mm": unc,
                              "short_leg": _short(mean, EVEN_MM), "check_ids": [c["id"] for c in cs]})
        get = {(m["phase"], m["position"]): m["lld_mm"] for m in mean_rows}
        derived = derive_derifield(get.get(("pre", "extended")), get.get(("pre", "flexed")))
        finds = [dict(r) for r in self.con.execute("SELECT * FROM findings WHERE visit_id = ? ORDER BY id", (visit_id,))]

        def latest(key):
            vals = [f[key] for f in finds if f[key] is not None]
            return vals[-1] if vals else None

        ext = get.get(("pre", "extended"))
        pd_derived = None if ext is None else (None if abs(ext) < EVEN_MM else ("left" if ext > 0 else "right"))
        pieces = [dict(r) for r in self.con.execute("SELECT * FROM adjustments WHERE visit_id = ? ORDER BY id", (visit_id,))]
        return {
            "visit": v, "checks": checks, "means": mean_rows,
            "derifield": latest("derifield") or derived, "derifield_derived": derived,
            "derifield_overridden": latest("derifield") is not None,
            "pd_side": latest("pd_side") or pd_derived, "listing": latest("listing"),
            "adjustments": pieces,
        }

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, dest) -> Path:
        """Online backup (SQLite's backup API) to ``dest``; safe while other processes write."""
        dest = Path(dest)
        if dest.exists():
            raise RecordConflictError(f"{dest} exists; give a new file name for the backup")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        if tmp.exists():
            tmp.unlink()
        out = sqlite3.connect(str(tmp))
        try:
            self.con.backup(out, pages=256)
            out.execute("PRAGMA journal_mode = DELETE")
        finally:
            out.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
        return dest

    def check_integrity(self) -> dict:
        """SQLite integrity and foreign-key checks, and every stored photo against its hash."""
        import hashlib

        problems = []
        ic = [r[0] for r in self.con.execute("PRAGMA integrity_check")]
        if ic != ["ok"]:
            problems += [f"integrity: {m}" for m in ic]
        for r in self.con.execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign key: {r[0]} row {r[1]} -> {r[2]}")
        n_photos = 0
        known = set()
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
        counts = {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("patients", "visits", "checks", "photos", "audit")}
        return {"ok": not problems, "problems": problems, "photos_checked": n_photos,
                "orphan_photos": orphans, "counts": counts,
                "schema_version": self.con.execute("PRAGMA user_version").fetchone()[0]}


def open_store(path=None, actor: str | None = None) -> Store:
    """Open (creating if needed) the legcheck database at ``path`` (default: the user's data directory).

    The directory is created owner-only (0700) and the database file is owner-only (0600).
    """
    path = Path(path) if path else default_db_path()
    if path.exists() and path.is_dir():
        raise DatabaseError(f"{path} is a directory; give a database file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise DatabaseError(f"cannot create {path.parent} ({exc.strerror}); choose another --db path") from None
    new = not path.exists()
    if new:
        with contextlib.suppress(OSError):
            os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    con = connect(path, actor)
    try:
        migrate(con)
    except sqlite3.DatabaseError as exc:
        con.close()
        raise DatabaseError(f"{path}: not a usable legcheck database ({exc}); check the --db path") from None
    except BaseException:
        con.close()
        raise
    return Store(path, con)
