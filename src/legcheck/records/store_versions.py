"""Corrections of the store: voids, patient edits, the patient search and the clinic's configuration.

Every correction is a new version of the record, written by :meth:`StoreVersions._supersede`
inside one write transaction: the old row's own values with the changes, the same
``entity_id``, ``supersedes`` = the old row, the store's author, the time and a reason, chained
into the audit like every row. The old row stays readable (the history). A void is such a
version with ``voided = 1``: the ``current_`` views leave it out of every figure.
"""

from __future__ import annotations

from ..errors import RecordConflictError, RecordNotFoundError, UsageError
from .inputs import MAX_NAME_CHARS, normalize_chart, require_dob, require_text, search_key
from .lookalike import refuse_lookalike
from .migrations import VOIDABLE
from .vocabulary import require_term

#: Columns a new version never copies from the old row: the store fills them in.
_VERSION_KEYS = ("id", "entity_id", "supersedes", "author", "reason", "created_at")
#: How a record is named in messages.
_NAMES = {"checks": "check", "adjustments": "adjustment", "assessment_items": "assessment item",
          "reactions": "reaction", "patients": "patient", "config": "setting"}


def require_reason(reason, what: str = "a correction") -> str:
    """A correction's reason: text, not empty.

    Raises
    ------
    UsageError
        Missing or blank.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(f"{what} needs a reason")
    return require_text("the reason", reason)


class StoreVersions:
    """Version, void, patient-edit and configuration methods of :class:`legcheck.records.store.SqlStore`.

    Needs ``_read``, ``_write``, ``_one``, ``_rows``, ``_append`` and ``_patient`` from the class it is mixed into.
    """

    # -- versions --------------------------------------------------------------------------
    def _latest(self, conn, table: str, row_id: int) -> dict:
        """The row ``row_id`` of ``table`` if it is its record's current, not voided, version.

        Raises
        ------
        RecordNotFoundError
            No such row.
        RecordConflictError
            A newer version supersedes it (named), or it is voided.
        """
        name = _NAMES.get(table, table)
        row = self._one(conn, f"SELECT * FROM {table} WHERE id = :i", i=int(row_id))
        if row is None:
            raise RecordNotFoundError(f"no {name} {row_id} in this database")
        cols = "id, voided" if table in VOIDABLE else "id"
        newer = self._one(conn, f"SELECT {cols} FROM {table} WHERE supersedes = :i", i=row["id"])
        if newer is not None:
            if newer.get("voided"):
                raise RecordConflictError(f"{name} {row_id} was voided ({name} {newer['id']}); it cannot be changed")
            raise RecordConflictError(f"{name} {row_id} was already amended by {name} {newer['id']}; "
                                      f"correct {name} {newer['id']} instead")
        if row.get("voided"):
            raise RecordConflictError(f"{name} {row_id} is voided; it cannot be changed")
        return row

    def _supersede(self, conn, table: str, old: dict, changes: dict, reason: str, action: str = "amend",
                   detail: dict | None = None, claim: str | None = None) -> dict:
        """A new version of ``old`` with ``changes``; inside the caller's write transaction. Returns the row."""
        values = {k: v for k, v in old.items() if k not in _VERSION_KEYS}
        values.update(changes, reason=reason)
        return self._append(conn, table, values, action=action, detail={"supersedes": old["id"], **(detail or {})},
                            old=old, claim=claim)

    def _void(self, table: str, row_id: int, reason: str, claim: str | None = None) -> int:
        reason = require_reason(reason, "a void")
        with self._write() as conn:
            old = self._latest(conn, table, row_id)
            return self._supersede(conn, table, old, {"voided": 1}, reason, action="void", claim=claim)["id"]

    def void_check(self, check_id: int, reason: str, author: str | None = None) -> int:
        """Withdraw a check; see :meth:`legcheck.records.protocol_corrections.CorrectionStore.void_check`."""
        return self._void("checks", check_id, reason, claim=author.strip() if author and author.strip() else None)

    def void_adjustment(self, adjustment_id: int, reason: str) -> int:
        """Withdraw a drop-piece record; see :meth:`legcheck.records.protocol_corrections.CorrectionStore.void_adjustment`."""
        return self._void("adjustments", adjustment_id, reason)

    def record_history(self, table: str, row_id: int) -> list[dict]:
        """Every version of the record whose row is ``row_id`` in ``table`` (a voidable table), oldest first.

        Raises
        ------
        UsageError
            ``table`` is not one of :data:`legcheck.records.migrations.VOIDABLE`.
        RecordNotFoundError
            No such row.
        """
        if table not in VOIDABLE:
            raise UsageError(f"{table} is not a table of corrected records")
        with self._read() as conn:
            row = self._one(conn, f"SELECT entity_id FROM {table} WHERE id = :i", i=int(row_id))
            if row is None:
                raise RecordNotFoundError(f"no {_NAMES[table]} {row_id} in this database")
            return self._rows(conn, f"SELECT * FROM {table} WHERE entity_id = :e ORDER BY id", e=row["entity_id"])

    # -- patients --------------------------------------------------------------------------
    def edit_patient(self, chart: str, name: str | None = None, dob: str | None = None, notes: str | None = None,
                     reason: str | None = None, new_chart: str | None = None) -> int:
        """Correct a patient's details by a new version; see the CorrectionStore protocol."""
        changes = {}
        if name is not None:
            changes["name"] = require_text("a patient's name", name, max_chars=MAX_NAME_CHARS)
        if dob is not None:
            changes["dob"] = require_dob(dob)
        if notes is not None:
            changes["notes"] = require_text("notes", notes, optional=True)
        if new_chart is not None:
            changes["chart"], changes["chart_key"] = normalize_chart(new_chart)
        reason = require_text("reason", reason, optional=True)
        with self._write() as conn:
            old = self._patient(conn, chart)
            changed = [k for k, v in changes.items() if v != old[k] and k != "chart_key"]
            if not changed:
                raise UsageError(f"nothing to change: patient {old['chart']} already has these details")
            if "chart" in changed:
                taken = self._one(conn, "SELECT chart FROM current_patients WHERE chart_key = :k AND entity_id <> :e",
                                  k=changes["chart_key"], e=old["entity_id"])
                if taken is not None:
                    raise RecordConflictError(f"chart number {changes['chart']} is already a patient ({taken['chart']}); "
                                              "use another chart number")
                refuse_lookalike(changes["chart"], [r["chart"] for r in self._rows(
                    conn, "SELECT chart FROM current_patients WHERE entity_id <> :e", e=old["entity_id"])])
            words = {"name": "name", "dob": "date of birth", "notes": "notes", "chart": "chart number"}
            stored = {**{k: v for k, v in old.items() if k != "version_id"}, "id": old["version_id"]}
            row = self._supersede(conn, "patients", stored,
                                  {k: changes[k] for k in changes if k in changed or k == "chart_key"},
                                  reason or "corrected: " + ", ".join(words[k] for k in changed),
                                  detail={"changed": changed})
        return row["id"]

    def patient_versions(self, chart: str) -> list[dict]:
        """Every version of a patient's details, oldest first; see the CorrectionStore protocol."""
        with self._read() as conn:
            entity = self._patient(conn, chart)["id"]
            return self._rows(conn, "SELECT * FROM patients WHERE entity_id = :e ORDER BY id", e=entity)

    def adjustment_records(self, chart: str | None = None, history: bool = False) -> list[dict]:
        """Drop-piece records with their visit date and chart; see the CorrectionStore protocol."""
        return self._visit_records("adjustments", chart, None, history)

    def find_patients(self, text: str) -> list[dict]:
        """Patients whose chart number or name holds ``text``; see the CorrectionStore protocol."""
        key = search_key(text)
        found = self.patients()
        if not key:
            return found
        return [p for p in found if key in search_key(p["chart"]) or key in search_key(p["name"])]

    # -- configuration ---------------------------------------------------------------------
    def config(self) -> dict:
        """The clinic's settings now; see the CorrectionStore protocol."""
        with self._read() as conn:
            rows = self._rows(conn, "SELECT setting, value FROM current_config")
        return {r["setting"]: r["value"] for r in rows if r["value"] is not None}

    def config_history(self) -> list[dict]:
        """Every version of every setting, oldest first (``setting``, ``value``, ``author``, ``reason``, ``created_at``)."""
        with self._read() as conn:
            return self._rows(conn, "SELECT * FROM config ORDER BY id")

    def set_config(self, setting: str, value: str | None, reason: str | None = None) -> int:
        """Set (or with None unset) a setting; see the CorrectionStore protocol."""
        require_term("setting", setting)
        value = require_text(setting, value, optional=True, max_chars=None) if value is not None else None
        reason = require_text("reason", reason, optional=True)
        with self._write() as conn:
            old = self._one(conn, "SELECT * FROM current_config WHERE setting = :s", s=setting)
            if old is None:
                if value is None:
                    raise UsageError(f"{setting} is not set; nothing to unset")
                return self._append(conn, "config", {"setting": setting, "value": value},
                                    detail={"setting": setting})["id"]
            if old["value"] == value:
                raise UsageError(f"{setting} is already {'unset' if value is None else 'set to that'}")
            why = reason or (f"{setting} unset" if value is None else f"{setting} changed")
            return self._supersede(conn, "config", old, {"value": value}, why, detail={"setting": setting})["id"]
