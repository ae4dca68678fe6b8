"""The store's leg checks and photos: recording (photos included, all or nothing), amending, reading.

A check is amended, never overwritten: the amendment is a new check row that ``supersedes`` the
old one (same ``entity_id``), with the store's author, the time and a reason; the old row stays
readable (:meth:`StoreChecks.history`). Photos are stored cleaned (:mod:`legcheck.records.photos`)
from the very bytes that were measured.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from ..errors import FileAccessError, RecordConflictError, RecordNotFoundError, UsageError
from .inputs import MAX_UNCERTAINTY_MM, require_lld_mm, require_mm, require_text
from .rules import amended_result
from .vocabulary import SHORT_LEG, require_term

_CHECK_COLUMNS = ("visit_id", "phase", "position", "taken_at", "photo_sha256", "annotated_sha256", "lld_mm",
                  "short_leg", "uncertainty_mm", "method", "result_json")


def _photo_data(item: dict, key: str, path_key: str) -> bytes | None:
    """The bytes of an item's photo: given as bytes (or an object with ``data``), or read once from a path."""
    src = item.get(key)
    if src is not None:
        return bytes(getattr(src, "data", src))
    path = item.get(path_key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:  # a pipe or /dev/fd path is read like a file, once
            return fh.read()
    except OSError as exc:
        raise FileAccessError(f"cannot read {path} ({exc.strerror}); check the file") from None


def _checked_result(result: dict) -> dict:
    """A measurement's figures, refused when not finite or implausible."""
    require_lld_mm(result.get("lld_mm"))
    require_mm("uncertainty_mm", result.get("uncertainty_mm"), MAX_UNCERTAINTY_MM, signed=False)
    if result.get("short_leg") not in SHORT_LEG:
        raise UsageError(f"short_leg {result.get('short_leg')!r} is not one of {', '.join(SHORT_LEG)}")
    require_text("method", result.get("method"))
    return result


class StoreChecks:
    """Check and photo methods of :class:`legcheck.records.store.SqlStore` (see the Store protocol)."""

    photos: object  # a photo store (legcheck.records.photostore)

    def record_check(self, chart: str, phase: str, position: str, result: dict, visit_id: int | None = None,
                     photo_path=None, annotated_path=None, taken_at: dt.datetime | None = None,
                     photo=None, annotated=None) -> dict:
        """Record one measured leg check (and its photo); see :meth:`record_checks`."""
        return self.record_checks(chart, [dict(phase=phase, position=position, result=result, photo_path=photo_path,
                                               annotated_path=annotated_path, taken_at=taken_at, photo=photo,
                                               annotated=annotated)], visit_id)[0]

    def record_checks(self, chart: str, items: list[dict], visit_id: int | None = None) -> list[dict]:
        """Record measured leg checks, all or none, in one write transaction.

        Photos are cleaned and named by hash first. A photo directory gets the files before the
        transaction (durably), removed again if it fails; a database photo store takes the bytes
        inside the transaction (:mod:`legcheck.records.photostore`). See
        :meth:`legcheck.records.protocol.Store.record_checks`.
        """
        from .photos import clean_photo

        for it in items:
            require_term("phase", it["phase"])
            require_term("position", it["position"])
            _checked_result(it["result"])
        with self._read() as conn:  # fail before writing anything
            self._patient(conn, chart)
            if visit_id is not None:
                self._visit_for_check(conn, chart, visit_id)
        saved, stored = [], []
        try:
            for it in items:
                image = it["result"].get("image") or {}
                photo = ann = None
                data = _photo_data(it, "photo", "photo_path")
                if data is not None:
                    original = image.get("sha256") or hashlib.sha256(data).hexdigest()
                    photo = clean_photo(data, original, int(image.get("orientation", 1)))
                data = _photo_data(it, "annotated", "annotated_path")
                if data is not None:
                    ann = clean_photo(data, photo[0].sha256 if photo else "", 1)
                photo, ann = (None if s is None else (self.photos.save(*s), s[1]) for s in (photo, ann))
                saved += [s[0] for s in (photo, ann) if s is not None]
                stored.append((photo, ann))
            with self._write() as conn:
                return [self._insert_check(conn, chart, visit_id, it, photo, ann)
                        for it, (photo, ann) in zip(items, stored)]
        except BaseException:
            for s in saved:
                self.photos.discard(s)
            raise

    def _insert_photo(self, conn, s, image: dict) -> None:
        """The ``photos`` row (and, in a database photo store, the bytes) of a (StoredPhoto, bytes) pair."""
        if s is None or self._one(conn, "SELECT 1 AS x FROM photos WHERE sha256 = :s", s=s[0].sha256):
            return
        photo, clean = s
        self._append(conn, "photos", dict(sha256=photo.sha256, original_sha256=photo.original_sha256,
                                          orientation=photo.orientation, width=image.get("width"),
                                          height=image.get("height"), bytes=photo.bytes, relpath=photo.relpath))
        self.photos.record(conn, photo, clean)

    def _insert_check(self, conn, chart, visit_id, it, photo, ann) -> dict:
        """Insert one check and its photo rows; inside the caller's write transaction."""
        vid = self._visit_for_check(conn, chart, visit_id, it.get("taken_at"))
        r = it["result"]
        self._insert_photo(conn, photo, r.get("image") or {})
        self._insert_photo(conn, ann, {})
        taken = (it.get("taken_at") or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
        row = self._append(conn, "checks", dict(
            visit_id=vid, phase=it["phase"], position=it["position"], taken_at=taken,
            photo_sha256=photo[0].sha256 if photo else None, annotated_sha256=ann[0].sha256 if ann else None,
            lld_mm=float(r["lld_mm"]), short_leg=r["short_leg"], uncertainty_mm=float(r["uncertainty_mm"]),
            method=r["method"], result_json=json.dumps(r, allow_nan=False)))
        return {"check_id": row["id"], "visit_id": vid, "photo_sha256": row["photo_sha256"]}

    def _photo_row(self, conn, sha256: str) -> dict | None:
        return self._one(conn, "SELECT sha256, relpath FROM photos WHERE sha256 = :s", s=sha256)

    def photo_path(self, sha256: str | None) -> Path | None:
        """Where a stored photo is, or None; see :meth:`legcheck.records.protocol.Store.photo_path`."""
        if not sha256:
            return None
        with self._read() as conn:
            row = self._photo_row(conn, sha256)
            return self.photos.path(conn, row["sha256"], row["relpath"]) if row else None

    def photo_bytes(self, sha256: str) -> bytes:
        """A stored photo's bytes; see :meth:`legcheck.records.protocol.Store.photo_bytes`."""
        with self._read() as conn:
            row = self._photo_row(conn, sha256)
            if row is None:
                raise RecordNotFoundError(f"no stored photo {sha256[:12]}")
            return self.photos.read(conn, row["sha256"], row["relpath"])

    def amend_check(self, check_id: int, lld_mm: float, reason: str, author: str | None = None) -> int:
        """Supersede a check with a corrected lld_mm; see :meth:`legcheck.records.protocol.Store.amend_check`."""
        lld_mm = require_lld_mm(lld_mm)
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError("an amendment needs a reason")
        reason = require_text("the reason", reason)
        with self._write() as conn:
            old = self._one(conn, "SELECT * FROM checks WHERE id = :i", i=int(check_id))
            if old is None:
                raise RecordNotFoundError(f"no check {check_id} in this database")
            newer = self._one(conn, "SELECT id FROM checks WHERE supersedes = :i", i=old["id"])
            if newer is not None:
                raise RecordConflictError(f"check {check_id} was already amended by check {newer['id']}; amend that one")
            result = amended_result(json.loads(old["result_json"]), lld_mm, old["id"])
            values = {c: old[c] for c in _CHECK_COLUMNS}
            values.update(lld_mm=result["lld_mm"], short_leg=result["short_leg"], result_json=json.dumps(result),
                          reason=reason.strip())
            detail = {"supersedes": old["id"], "old_lld_mm": old["lld_mm"], "new_lld_mm": result["lld_mm"],
                      "reason": reason.strip()}
            return self._append(conn, "checks", values, action="amend", detail=detail, old=old,
                                claim=author.strip() if author and author.strip() else None)["id"]

    def checks(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Checks with their visit and patient chart; see :meth:`legcheck.records.protocol.Store.checks`."""
        table = "checks" if history else "current_checks"
        sql = f"""SELECT c.*, v.visit_date, v.patient_id, p.chart,
                         (SELECT n.id FROM checks n WHERE n.supersedes = c.id) AS superseded_by
                  FROM {table} c JOIN current_visits v ON v.entity_id = c.visit_id
                  JOIN current_patients p ON p.entity_id = v.patient_id"""
        where, params = [], {}
        with self._read() as conn:
            if chart is not None:
                where.append("p.entity_id = :p")
                params["p"] = self._patient(conn, chart)["id"]
            if visit_id is not None:
                where.append("c.visit_id = :v")
                params["v"] = int(visit_id)
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY v.started_at, c.visit_id, c.taken_at, c.id"
            rows = self._rows(conn, sql, **params)
        for d in rows:
            d["amended"] = d["supersedes"] is not None
        return rows

    def history(self, check_id: int) -> list[dict]:
        """Every version of a check, oldest first; see :meth:`legcheck.records.protocol.Store.history`."""
        with self._read() as conn:
            row = self._one(conn, "SELECT entity_id FROM checks WHERE id = :i", i=int(check_id))
            if row is None:
                raise RecordNotFoundError(f"no check {check_id}")
            return self._rows(conn, "SELECT * FROM checks WHERE entity_id = :e ORDER BY id", e=row["entity_id"])
