"""What every store offers about the assessment around a leg check (part of :class:`legcheck.records.protocol.Store`).

Per visit: pain ratings (0-10 NRS, before and after the adjustment), symptoms, red flags and
therapies (``assessment_items``), and adverse reactions after the adjustment (``reactions``),
every term from :mod:`legcheck.records.assessment_terms`. Append-only and audited like every
record: a second value for an item is an amendment with a reason (the original stays in the
history), a void withdraws it, and a red flag stays open until cleared with a reason. While a
visit has an open red flag, :meth:`~legcheck.records.protocol.Store.add_adjustment` needs an
override (the clinical safeguard, exit 15). legcheck records and reminds; it does not diagnose.
"""

from __future__ import annotations

from typing import Protocol


class AssessmentStore(Protocol):
    """The assessment methods of a store."""

    def record_assessment(self, visit_id: int, items: list[dict], reason: str | None = None) -> list[dict]:
        """Record assessment items of a visit, all or none.

        Parameters
        ----------
        visit_id : int
        items : list of dict
            Each with ``kind`` ("pain", "symptom", "red-flag", "therapy") and ``term`` (the
            pain's phase "pre"/"post", else a word of the kind's vocabulary); ``nrs`` (pain: a
            whole number 0-10), ``minutes`` (therapy, optional) and ``note`` (free text; the
            "other" therapy needs it). Each (kind, term) once.
        reason : str, optional
            Needed when an item the visit already has is given again: that is an amendment (a
            red flag recorded again after it was cleared is open again).

        Returns
        -------
        list of dict
            Per item: ``id`` (the row written), ``kind``, ``term``, ``amended`` (bool).

        Raises
        ------
        UsageError
            A term outside its vocabulary (the message names the allowed terms), a rating not
            0-10, a duration not 0-1440 minutes, an item given twice, nothing to change.
        RecordNotFoundError
            No such visit.
        RecordConflictError
            The visit already has the item and no reason is given.
        """

    def clear_red_flag(self, visit_id: int, term: str, reason: str) -> int:
        """Close an open red flag of a visit (e.g. seen by a physician and cleared): a new version
        with ``cleared`` = 1 and the reason. Returns its row id.

        Raises
        ------
        UsageError
            An unknown red flag; no reason.
        RecordConflictError
            The visit has no such red flag, or it is cleared already.
        """

    def void_assessment_item(self, item_id: int, reason: str) -> int:
        """Withdraw an assessment item recorded in error (a voided red flag is closed too)."""

    def open_red_flags(self, visit_id: int) -> list[dict]:
        """The visit's red-flag items neither cleared nor voided, oldest first."""

    def assessment_items(self, chart: str | None = None, visit_id: int | None = None,
                         history: bool = False) -> list[dict]:
        """Assessment items in visit and entry order.

        Returns
        -------
        list of dict
            ``id``, ``entity_id``, ``visit_id``, ``kind``, ``term``, ``nrs``, ``minutes``,
            ``note``, ``cleared``, ``voided``, ``supersedes``, ``author``, ``reason``,
            ``created_at``, with ``visit_date``, ``chart`` and ``superseded_by``. Current,
            not voided, items; every version with ``history``.

        Raises
        ------
        RecordNotFoundError
            Unknown chart number.
        """

    def record_reaction(self, visit_id: int, kind: str, severity: str, onset_min: float | None = None,
                        duration_min: float | None = None, actions=(), outcome: str | None = None,
                        follow_up: str | None = None, note: str | None = None, action_note: str | None = None,
                        outcome_note: str | None = None) -> int:
        """Record an adverse reaction after the adjustment.

        Parameters
        ----------
        visit_id : int
        kind : {"spasm", "increased-pain", "dizziness", "other"}
        severity : {"mild", "moderate", "severe"}
        onset_min, duration_min : float, optional
            Minutes after the adjustment it began; how long it lasted (0-1440).
        actions : sequence of str
            What was done: "ice", "rest", "massage", "emergency-referral", "other".
        outcome : {"resolved", "resolving", "not-resolved", "resolved-with-sequelae", "unknown"}, optional
        follow_up : str, optional
            The follow-up date, YYYY-MM-DD, on or after the visit.
        note, action_note, outcome_note : str, optional
            The reaction, the "other" action and the outcome in words ("other" needs its words).

        Returns
        -------
        int
            The reaction's id.

        Raises
        ------
        UsageError
            A word outside its vocabulary (naming the allowed words), figures out of range, a
            follow-up before the visit.
        RecordNotFoundError
            No such visit.
        """

    def amend_reaction(self, reaction_id: int, reason: str, **changes) -> int:
        """Correct or complete a reaction (its outcome, a follow-up date...): a new version with the
        ``changes`` (keys of :meth:`record_reaction`) and the reason. Returns its row id.

        Raises
        ------
        UsageError
            No reason, nothing to change, a value refused as in :meth:`record_reaction`.
        RecordConflictError
            The reaction was amended (amend the newer one) or voided.
        """

    def void_reaction(self, reaction_id: int, reason: str) -> int:
        """Withdraw a reaction recorded in error."""

    def reactions(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Reactions in visit and entry order (columns of ``reactions``, ``actions`` as a list, with
        ``visit_date``, ``chart``, ``superseded_by``); every version with ``history``."""
