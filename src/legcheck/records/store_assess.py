"""The store's assessment of a visit: pain, symptoms, red flags, therapies and adverse reactions.

Like every record they are append-only and audited: a second value for the same item of a
visit (the pain before the adjustment, a symptom, a red flag, a therapy) is an amendment, a new
version that supersedes the old one and needs a reason; a void withdraws an item; a red flag is
closed by a version with ``cleared`` = 1 and a reason (docs/clinical.md). Every term is checked
against :mod:`legcheck.records.assessment_terms` before anything is written.
"""

from __future__ import annotations

from ..errors import RecordConflictError, UsageError
from .assessment_terms import KIND_TERMS, PAIN_NRS_MAX, label
from .inputs import require_date, require_minutes, require_text, require_whole
from .store_versions import require_reason
from .vocabulary import require_term

__all__ = ["StoreAssess", "checked_item", "checked_reaction", "ITEM_VALUES", "REACTION_VALUES"]

#: The values of an assessment item besides its kind and term.
ITEM_VALUES = ("nrs", "minutes", "note")
#: The values of a reaction (``actions``: a list of action terms).
REACTION_VALUES = ("kind", "onset_min", "duration_min", "severity", "actions", "outcome", "follow_up", "note",
                   "action_note", "outcome_note")


def checked_item(item: dict) -> dict:
    """An assessment item's columns once every value is checked.

    Parameters
    ----------
    item : dict
        ``kind`` ("pain", "symptom", "red-flag", "therapy"), ``term`` (the pain's phase, or a
        word of the kind's vocabulary), and as the kind allows ``nrs`` (pain, whole 0-10),
        ``minutes`` (therapy, 0-1440) and ``note`` (free text; needed by the "other" therapy).

    Returns
    -------
    dict
        ``kind``, ``term``, ``nrs``, ``minutes``, ``note``.

    Raises
    ------
    UsageError
        A kind or term outside the vocabulary (the message names the allowed words), a value
        the kind does not take, a rating or duration out of range, "other" without its text.
    """
    kind = require_term("assessment kind", item.get("kind"))
    term = require_term(KIND_TERMS[kind], item.get("term"))
    nrs, minutes = item.get("nrs"), item.get("minutes")
    note = require_text("a note", item.get("note"), optional=True)
    if kind == "pain":
        nrs = require_whole(f"pain {label('pain', term)}", nrs, 0, PAIN_NRS_MAX, " (0-10 scale)")
    elif nrs is not None:
        raise UsageError(f"a {KIND_TERMS[kind]} takes no pain rating")
    if kind == "therapy":
        minutes = require_minutes(f"the duration of {label(kind, term)}", minutes)
        if term == "other" and note is None:
            raise UsageError("the therapy 'other' needs its description")
    elif minutes is not None:
        raise UsageError(f"a {KIND_TERMS[kind]} takes no duration")
    return {"kind": kind, "term": term, "nrs": nrs, "minutes": minutes, "note": note}


def checked_reaction(values: dict, partial: bool = False) -> dict:
    """A reaction's columns once every value is checked (``actions`` joined by commas).

    Parameters
    ----------
    values : dict
        Keys of :data:`REACTION_VALUES`; ``kind`` and ``severity`` are needed unless ``partial``.
    partial : bool
        Only the keys given (an amendment).

    Raises
    ------
    UsageError
        A kind, severity, action or outcome outside the vocabulary (naming the allowed words),
        onset or duration not 0-1440 minutes, a follow-up that is not a date, "other" without
        its text.
    """
    out = {}
    for key in ("kind", "severity"):
        if key in values or not partial:
            out[key] = require_term("reaction" if key == "kind" else key, values.get(key))
    if "outcome" in values:
        out["outcome"] = require_term("outcome", values["outcome"], optional=True)
    for key, words in (("onset_min", "the onset"), ("duration_min", "the duration")):
        if key in values:
            out[key] = require_minutes(f"{words} of the reaction", values[key])
    if "actions" in values or not partial:
        actions = list(values.get("actions") or [])
        for a in actions:
            require_term("action", a)
        out["actions"] = ",".join(dict.fromkeys(actions))
    if "follow_up" in values:
        out["follow_up"] = require_date("follow-up date", values["follow_up"])
    for key in ("note", "action_note", "outcome_note"):
        if key in values:
            out[key] = require_text("a note", values[key], optional=True)
    return out


def _other_texts(row: dict) -> None:
    """Refuse a reaction whose "other" kind or action has no words."""
    if row.get("kind") == "other" and not row.get("note"):
        raise UsageError("the reaction 'other' needs its description")
    if "other" in (row.get("actions") or "").split(",") and not row.get("action_note"):
        raise UsageError("the action 'other' needs its description")


class StoreAssess:
    """Assessment methods of :class:`legcheck.records.store.SqlStore` (the AssessmentStore protocol).

    Needs the plumbing of ``SqlStore`` and :class:`~legcheck.records.store_versions.StoreVersions`.
    """

    # -- assessment items ------------------------------------------------------------------
    def record_assessment(self, visit_id: int, items: list[dict], reason: str | None = None) -> list[dict]:
        """Record assessment items of a visit, all or none; see the AssessmentStore protocol."""
        checked = [checked_item(it) for it in items]
        if not checked:
            raise UsageError("nothing to record: give a pain rating, a symptom, a red flag or a therapy")
        keys = [(c["kind"], c["term"]) for c in checked]
        if len(set(keys)) != len(keys):
            raise UsageError("the same item is given twice; give each once")
        reason = require_text("reason", reason, optional=True)
        out = []
        with self._write() as conn:
            vid = self._visit(conn, visit_id)["id"]
            for c in checked:
                old = self._one(conn, """SELECT * FROM current_assessment_items
                                         WHERE visit_id = :v AND kind = :k AND term = :t""", v=vid, k=c["kind"], t=c["term"])
                detail = {"visit_id": vid, "kind": c["kind"], "term": c["term"], "nrs": c["nrs"], "minutes": c["minutes"]}
                if old is None:
                    row = self._append(conn, "assessment_items", dict(visit_id=vid, **c), detail=detail)
                else:
                    what = f"{KIND_TERMS[c['kind']]} {c['term']}" if c["kind"] != "pain" else \
                        f"a pain rating {label('pain', c['term'])} ({old['nrs']}/10)"
                    if reason is None:
                        raise RecordConflictError(f"visit {vid} already has {what} (item {old['id']}); "
                                                  "give a reason to amend it")
                    changes = {k: c[k] for k in ITEM_VALUES}
                    if c["kind"] == "red-flag":
                        changes["cleared"] = None  # recorded again: open again
                    if all(old[k] == v for k, v in changes.items()):
                        raise UsageError(f"visit {vid} already has {what} with these values; nothing to amend")
                    row = self._supersede(conn, "assessment_items", old, changes, reason, detail=detail)
                out.append({"id": row["id"], "kind": c["kind"], "term": c["term"], "amended": old is not None})
        return out

    def clear_red_flag(self, visit_id: int, term: str, reason: str) -> int:
        """Close an open red flag of a visit; see the AssessmentStore protocol."""
        require_term("red flag", term)
        reason = require_reason(reason, "clearing a red flag")
        with self._write() as conn:
            vid = self._visit(conn, visit_id)["id"]
            old = self._one(conn, """SELECT * FROM current_assessment_items
                                     WHERE visit_id = :v AND kind = 'red-flag' AND term = :t""", v=vid, t=term)
            if old is None:
                raise RecordConflictError(f"visit {vid} has no red flag {term} to clear")
            if old["cleared"]:
                raise RecordConflictError(f"the red flag {term} of visit {vid} was already cleared (item {old['id']})")
            return self._supersede(conn, "assessment_items", old, {"cleared": 1}, reason, action="clear",
                                   detail={"visit_id": vid, "kind": "red-flag", "term": term})["id"]

    def void_assessment_item(self, item_id: int, reason: str) -> int:
        """Withdraw an assessment item; see the AssessmentStore protocol."""
        return self._void("assessment_items", item_id, reason)

    def _open_red_flags(self, conn, visit_id: int) -> list[dict]:
        return self._rows(conn, """SELECT * FROM current_assessment_items WHERE visit_id = :v AND kind = 'red-flag'
                                   AND cleared IS NULL ORDER BY id""", v=int(visit_id))

    def open_red_flags(self, visit_id: int) -> list[dict]:
        """The red flags of a visit not cleared (nor voided), oldest first; see the protocol."""
        with self._read() as conn:
            return self._open_red_flags(conn, visit_id)

    def assessment_items(self, chart: str | None = None, visit_id: int | None = None,
                         history: bool = False) -> list[dict]:
        """Assessment items in visit and entry order; see the AssessmentStore protocol."""
        return self._visit_records("assessment_items", chart, visit_id, history)

    # -- reactions -------------------------------------------------------------------------
    def record_reaction(self, visit_id: int, kind: str, severity: str, onset_min: float | None = None,
                        duration_min: float | None = None, actions=(), outcome: str | None = None,
                        follow_up: str | None = None, note: str | None = None, action_note: str | None = None,
                        outcome_note: str | None = None) -> int:
        """Record an adverse reaction after the adjustment; see the AssessmentStore protocol."""
        values = checked_reaction(dict(kind=kind, severity=severity, onset_min=onset_min, duration_min=duration_min,
                                       actions=actions, outcome=outcome, follow_up=follow_up, note=note,
                                       action_note=action_note, outcome_note=outcome_note))
        _other_texts(values)
        with self._write() as conn:
            visit = self._visit(conn, visit_id)
            _follow_up_after(values.get("follow_up"), visit)
            return self._append(conn, "reactions", dict(visit_id=visit["id"], **values), detail=_reaction_detail(values))["id"]

    def amend_reaction(self, reaction_id: int, reason: str, **changes) -> int:
        """Correct or complete a reaction (outcome, follow-up...); see the AssessmentStore protocol."""
        unknown = set(changes) - set(REACTION_VALUES)
        if unknown:
            raise UsageError(f"a reaction has no {', '.join(sorted(unknown))}")
        values = checked_reaction(changes, partial=True)
        if not values:
            raise UsageError("nothing to amend: give the values that change")
        reason = require_reason(reason, "an amendment")
        with self._write() as conn:
            old = self._latest(conn, "reactions", reaction_id)
            new = {**old, **values}
            _other_texts(new)
            _follow_up_after(new.get("follow_up"), self._visit(conn, old["visit_id"]))
            if all(old[k] == v for k, v in values.items()):
                raise UsageError(f"reaction {reaction_id} already has these values; nothing to amend")
            return self._supersede(conn, "reactions", old, values, reason, detail=_reaction_detail(new))["id"]

    def void_reaction(self, reaction_id: int, reason: str) -> int:
        """Withdraw a reaction recorded in error; see the AssessmentStore protocol."""
        return self._void("reactions", reaction_id, reason)

    def reactions(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Reactions in visit and entry order (``actions`` as a list); see the AssessmentStore protocol."""
        rows = self._visit_records("reactions", chart, visit_id, history)
        for r in rows:
            r["actions"] = [a for a in r["actions"].split(",") if a]
        return rows

    # -- reading ---------------------------------------------------------------------------
    def _visit_records(self, table: str, chart, visit_id, history: bool) -> list[dict]:
        """Rows of a per-visit table with their visit date and chart (every version with ``history``)."""
        source = table if history else f"current_{table}"
        sql = f"""SELECT r.*, v.visit_date, v.patient_id, p.chart,
                         (SELECT n.id FROM {table} n WHERE n.supersedes = r.id) AS superseded_by
                  FROM {source} r JOIN current_visits v ON v.entity_id = r.visit_id
                  JOIN current_patients p ON p.entity_id = v.patient_id"""
        with self._read() as conn:
            return self._per_visit_rows(conn, sql, "r", chart, visit_id, "v.started_at, r.visit_id, r.entity_id, r.id")


def _follow_up_after(follow_up: str | None, visit: dict) -> None:
    if follow_up is not None and follow_up < visit["visit_date"]:
        raise UsageError(f"the follow-up date {follow_up} is before the visit ({visit['visit_date']}); check the date")


def _reaction_detail(values: dict) -> dict:
    """The audit detail of a reaction: its terms and figures, never its words."""
    return {k: values.get(k) for k in ("kind", "severity", "onset_min", "duration_min", "actions", "outcome",
                                       "follow_up")}

