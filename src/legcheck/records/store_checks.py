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

from ..errors import DuplicatePhotoError, FileAccessError, RecordConflictError, RecordNotFoundError, UsageError
from .inputs import MAX_UNCERTAINTY_MM, require_lld_mm, require_mm, require_text
from .rules import amended_result
from .store_versions import require_reason
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
                     photo=None, annotated=None, allow_duplicate_photo: bool = False) -> dict:
        """Record one measured leg check (and its photo); see :meth:`record_checks`."""
        return self.record_checks(chart, [dict(phase=phase, position=position, result=result, photo_path=photo_path,
                                               annotated_path=annotated_path, taken_at=taken_at, photo=photo,
                                               annotated=annotated)], visit_id, allow_duplicate_photo)[0]

    def record_checks(self, chart: str, items: list[dict], visit_id: int | None = None,
                      allow_duplicate_photo: bool = False) -> list[dict]:
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
                duplicates = self._duplicate_photos(conn, [p[0] if p else None for p, _ in stored])
                if duplicates and not allow_duplicate_photo:
                    first = duplicates[0]
                    raise DuplicatePhotoError(first["message"] + "; a photo is recorded twice only on purpose",
                                              index=first["index"])
                out = [self._insert_check(conn, chart, visit_id, it, photo, ann)
                       for it, (photo, ann) in zip(items, stored)]
            for o, (photo, _) in zip(out, stored):
                o["duplicate_of"] = next((d["check_id"] for d in duplicates if photo and d["sha256"] == photo[0].sha256),
                                         None)
            return out
        except BaseException:
            for s in saved:
                self.photos.discard(s)
            raise

    def _duplicate_photos(self, conn, photos: list) -> list[dict]:
        """Photos of this batch already recorded as a current check, or given twice in it."""
        out, seen = [], {}
        for n, p in enumerate(photos):
            if p is None:
                continue
            row = self._one(conn, """SELECT c.id, c.visit_id, c.phase, c.position, v.visit_date FROM current_checks c
                                     JOIN current_visits v ON v.entity_id = c.visit_id
                                     WHERE c.photo_sha256 = :s ORDER BY c.id LIMIT 1""", s=p.sha256)
            if row is not None:
                out.append({"sha256": p.sha256, "check_id": row["id"], "index": n,
                            "message": f"this photo was already recorded as check {row['id']} (visit {row['visit_id']} "
                                       f"of {row['visit_date']}, {row['phase']} {row['position']})"})
            elif p.sha256 in seen:
                out.append({"sha256": p.sha256, "check_id": None, "index": n,
                            "message": f"this photo is also photo {seen[p.sha256] + 1} of this batch"})
            seen.setdefault(p.sha256, n)
        return out

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

    def amend_check(self, check_id: int, lld_mm: float | None = None, reason: str | None = None,
                    author: str | None = None, *, uncertainty_mm: float | None = None, phase: str | None = None,
                    position: str | None = None, visit_id: int | None = None) -> int:
        """Supersede a check with a corrected one; see :meth:`legcheck.records.protocol_corrections.CorrectionStore.amend_check`."""
        if lld_mm is not None:
            lld_mm = require_lld_mm(lld_mm)
            if uncertainty_mm is None:
                raise UsageError("a figure entered by hand needs its uncertainty (the 95 % bound, mm)")
            uncertainty_mm = require_mm("uncertainty_mm", uncertainty_mm, MAX_UNCERTAINTY_MM, signed=False)
        elif uncertainty_mm is not None:
            raise UsageError("an uncertainty is amended only with the figure it belongs to")
        require_term("phase", phase, optional=True)
        require_term("position", position, optional=True)
        if lld_mm is None and phase is None and position is None and visit_id is None:
            raise UsageError("nothing to amend: give the corrected figure, phase, position or visit")
        reason = require_reason(reason, "an amendment")
        with self._write() as conn:
            old = self._latest(conn, "checks", check_id)
            values = {"reason": reason}
            if lld_mm is not None:
                result = amended_result(json.loads(old["result_json"]), lld_mm, old["id"], uncertainty_mm)
                values.update(lld_mm=result["lld_mm"], short_leg=result["short_leg"], method=result["method"],
                              uncertainty_mm=result["uncertainty_mm"], result_json=json.dumps(result))
            values.update({k: v for k, v in (("phase", phase), ("position", position)) if v is not None})
            if visit_id is not None:
                values["visit_id"] = self._same_patient_visit(conn, old["visit_id"], visit_id)
            changed = sorted(k for k in values if k not in ("reason", "result_json") and values[k] != old[k])
            if not changed:
                raise UsageError(f"check {check_id} already has these values; nothing to amend")
            # ids and figures only: the reason is free text (it may name the patient) and stays in the row
            detail = {"changed": changed, "old_lld_mm": old["lld_mm"], "new_lld_mm": values.get("lld_mm", old["lld_mm"])}
            row = self._supersede(conn, "checks", old, {k: v for k, v in values.items() if k != "reason"}, reason,
                                  detail=detail, claim=author.strip() if author and author.strip() else None)
            return row["id"]

    def _same_patient_visit(self, conn, from_visit: int, to_visit: int) -> int:
        """``to_visit`` once it is known to be the same patient's as ``from_visit`` (a check never changes patient)."""
        a, b = self._visit(conn, from_visit), self._visit(conn, to_visit)
        if a["patient_id"] != b["patient_id"]:
            raise RecordConflictError(f"visit {to_visit} is another patient's (chart {b['chart']}, not {a['chart']}); "
                                      "a check never moves to another patient: void it and record it there")
        return b["id"]

    def _per_visit_rows(self, conn, sql: str, alias: str, chart, visit_id, order: str) -> list[dict]:
        """Rows of ``sql`` (a per-visit table as ``alias``, joined to visits ``v`` and patients ``p``),
        for one patient (chart) and/or one visit when given, in ``order``."""
        where, params = [], {}
        if chart is not None:
            where.append("p.entity_id = :p")
            params["p"] = self._patient(conn, chart)["id"]
        if visit_id is not None:
            where.append(f"{alias}.visit_id = :v")
            params["v"] = int(visit_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return self._rows(conn, f"{sql} ORDER BY {order}", **params)

    def checks(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Checks with their visit and patient chart; see :meth:`legcheck.records.protocol.Store.checks`."""
        table = "checks" if history else "current_checks"
        sql = f"""SELECT c.*, v.visit_date, v.patient_id, p.chart,
                         (SELECT n.id FROM checks n WHERE n.supersedes = c.id) AS superseded_by
                  FROM {table} c JOIN current_visits v ON v.entity_id = c.visit_id
                  JOIN current_patients p ON p.entity_id = v.patient_id"""
        with self._read() as conn:
            rows = self._per_visit_rows(conn, sql, "c", chart, visit_id, "v.started_at, c.visit_id, c.taken_at, c.id")
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
