"""The SQLite store's leg checks: recording (photos included, all or nothing), amending, reading.

Clinical records are amended, never overwritten: an amendment is a new check row that
``supersedes`` the old one, with author, time and reason (triggers refuse UPDATE and DELETE
on checks). Every insert lands in the append-only ``audit`` table, by id only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from pathlib import Path

from ..errors import RecordConflictError, RecordNotFoundError, UsageError
from .rules import amended_result
from .sqlite_db import now_iso, write_tx
from .vocabulary import require_term


class SqliteChecks:
    """Check methods of :class:`legcheck.records.sqlite.SqliteStore` (see :class:`~legcheck.records.protocol.Store`).

    Needs ``con`` (a connection from :func:`~legcheck.records.sqlite_db.connect`),
    ``photos_dir``, ``actor`` (the author of what it writes), ``patient()`` and ``visit_for_check()`` from the class it is mixed into.
    """

    con: sqlite3.Connection
    photos_dir: Path
    actor: str

    def record_check(self, chart: str, phase: str, position: str, result: dict, visit_id: int | None = None,
                     photo_path=None, annotated_path=None, taken_at: dt.datetime | None = None) -> dict:
        """Record one measured leg check (and its photo); see :meth:`record_checks`."""
        return self.record_checks(chart, [dict(phase=phase, position=position, result=result, photo_path=photo_path,
                                               annotated_path=annotated_path, taken_at=taken_at)], visit_id)[0]

    def record_checks(self, chart: str, items: list[dict], visit_id: int | None = None) -> list[dict]:
        """Record measured leg checks, all or none, in one transaction.

        Photos are stored without location or device metadata before the transaction (durably,
        named by hash); if the transaction fails, photos it stored are removed again, so a
        failed check leaves no visit and no photo behind. See
        :meth:`legcheck.records.protocol.Store.record_checks`.
        """
        from .photos import store_photo

        for it in items:
            require_term("phase", it["phase"])
            require_term("position", it["position"])
        self.patient(chart)  # fail before writing anything
        if visit_id is not None:
            self.visit_for_check(chart, visit_id)
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
            with write_tx(self.con):
                return [self._insert_check(chart, visit_id, it, photo, ann) for it, (photo, ann) in zip(items, stored)]
        except BaseException:
            for s in created:
                with contextlib.suppress(OSError):
                    (self.photos_dir / s.relpath).unlink()
            raise

    def _insert_check(self, chart, visit_id, it, photo, ann) -> dict:
        """Insert one check and its photo rows; inside the caller's write transaction."""
        vid = self.visit_for_check(chart, visit_id, it.get("taken_at"))
        for s, img in ((photo, it["result"].get("image", {})), (ann, {})):
            if s is not None:
                self.con.execute(
                    """INSERT OR IGNORE INTO photos (sha256, original_sha256, orientation, width, height,
                                                     bytes, relpath, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    (s.sha256, s.original_sha256, s.orientation, img.get("width"), img.get("height"),
                     s.bytes, s.relpath, now_iso()))
        r = it["result"]
        taken = (it.get("taken_at") or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
        cur = self.con.execute(
            """INSERT INTO checks (visit_id, phase, position, taken_at, photo_sha256, annotated_sha256, lld_mm,
                                  short_leg, uncertainty_mm, method, result_json, author, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (vid, it["phase"], it["position"], taken, photo.sha256 if photo else None,
             ann.sha256 if ann else None, float(r["lld_mm"]), r["short_leg"], float(r["uncertainty_mm"]),
             r["method"], json.dumps(r), self.actor, now_iso()))
        return {"check_id": cur.lastrowid, "visit_id": vid, "photo_sha256": photo.sha256 if photo else None}

    def photo_path(self, sha256: str | None) -> Path | None:
        """Where a stored photo is, or None.

        See :meth:`legcheck.records.protocol.Store.photo_path`.
        """
        if not sha256:
            return None
        row = self.con.execute("SELECT relpath FROM photos WHERE sha256 = ?", (sha256,)).fetchone()
        return self.photos_dir / row["relpath"] if row else None

    def amend_check(self, check_id: int, lld_mm: float, reason: str, author: str | None = None) -> int:
        """Supersede a check with a corrected lld_mm; the original stays readable. Returns the new id.

        See :meth:`legcheck.records.protocol.Store.amend_check`.
        """
        if not reason or not reason.strip():
            raise UsageError("an amendment needs a reason")
        with write_tx(self.con):
            old = self.con.execute("SELECT * FROM checks WHERE id = ?", (check_id,)).fetchone()
            if old is None:
                raise RecordNotFoundError(f"no check {check_id} in this database")
            newer = self.con.execute("SELECT id FROM checks WHERE supersedes = ?", (check_id,)).fetchone()
            if newer is not None:
                raise RecordConflictError(f"check {check_id} was already amended by check {newer['id']}; amend that one")
            result = amended_result(json.loads(old["result_json"]), lld_mm, check_id)
            cur = self.con.execute(
                """INSERT INTO checks (visit_id, phase, position, taken_at, photo_sha256, annotated_sha256, lld_mm, short_leg,
                                       uncertainty_mm, method, result_json, supersedes, author, reason, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (old["visit_id"], old["phase"], old["position"], old["taken_at"], old["photo_sha256"],
                 old["annotated_sha256"], result["lld_mm"], result["short_leg"], old["uncertainty_mm"], old["method"],
                 json.dumps(result), check_id, author or self.actor, reason.strip(), now_iso()))
            return cur.lastrowid

    def checks(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Checks with their visit and patient chart; current values only unless ``history``.

        Each row has ``amended`` (it supersedes an earlier row) and ``superseded_by``. See
        :meth:`legcheck.records.protocol.Store.checks`.
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
        """The amendment chain of a check, oldest first.

        See :meth:`legcheck.records.protocol.Store.history`.
        """
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
