"""What every store offers to correct records and keep the clinic's settings (part of :class:`legcheck.records.protocol.Store`).

A correction never overwrites: it is a new version of the record (same ``entity_id``,
``supersedes`` = the version it replaces) with the store's author, the time and a reason, in
the hash-chained audit; the old version stays readable. A void is a version with ``voided`` =
1: hidden from every figure (the ``current_`` views), kept in the history. A check never moves
to another patient: it is voided and recorded again there.
"""

from __future__ import annotations

from typing import Protocol


class CorrectionStore(Protocol):
    """Amendments, voids, patient edits and search, and the configuration of a store."""

    def amend_check(self, check_id: int, lld_mm: float | None = None, reason: str | None = None,
                    author: str | None = None, *, uncertainty_mm: float | None = None, phase: str | None = None,
                    position: str | None = None, visit_id: int | None = None) -> int:
        """Correct a check: a new check supersedes it; the original stays readable (:meth:`history`).

        Parameters
        ----------
        check_id : int
            The check to amend (its latest version).
        lld_mm : float, optional
            The corrected figure, mm (finite, |lld_mm| <= 40), typed in by hand: the method
            becomes "manual entry" (the measured method is kept as ``measured_method`` in the
            result) and its short leg follows by the check's own even threshold.
        reason : str
            Why (kept with the amendment; not empty).
        author : str, optional
            Who the caller says made the correction: recorded as the audit row's claim.
        uncertainty_mm : float
            The 95 % bound of ``lld_mm`` (needed with it: a hand-typed number never keeps the
            measured figure's bound), mm.
        phase, position : str, optional
            A check recorded with the wrong phase or position.
        visit_id : int, optional
            A check recorded at the wrong visit: another visit of the same patient.

        Returns
        -------
        int
            The new check's id.

        Raises
        ------
        UsageError
            No reason; nothing to change; ``lld_mm`` without ``uncertainty_mm``; a figure not
            finite or out of range; a phase or position outside the vocabulary.
        RecordNotFoundError
            No such check or visit.
        RecordConflictError
            The check was already amended (amend the newer one) or voided; the visit is another
            patient's.
        """

    def void_check(self, check_id: int, reason: str, author: str | None = None) -> int:
        """Withdraw a check: a new version with ``voided`` = 1 and the reason.

        Returns
        -------
        int
            The void's row id.

        Raises
        ------
        UsageError
            No reason.
        RecordNotFoundError
            No such check.
        RecordConflictError
            The check was amended (void the newer one) or is voided already.
        """

    def void_adjustment(self, adjustment_id: int, reason: str) -> int:
        """Withdraw a drop-piece record made by mistake (as :meth:`void_check`)."""

    def record_history(self, table: str, row_id: int) -> list[dict]:
        """Every version of a voidable record (``checks``, ``adjustments``, ``assessment_items``,
        ``reactions``) whose row is ``row_id``, oldest first.

        Raises
        ------
        UsageError
            Another table.
        RecordNotFoundError
            No such row.
        """

    def edit_patient(self, chart: str, name: str | None = None, dob: str | None = None, notes: str | None = None,
                     reason: str | None = None, new_chart: str | None = None) -> int:
        """Correct a patient's details: a new version of the patient (same id; visits keep pointing to it).

        Parameters
        ----------
        chart : str
            The patient's chart number now.
        name, dob, notes : str, optional
            The new values (``dob`` YYYY-MM-DD, in the past, after 1900; ``notes`` "" clears them).
        reason : str, optional
            Why; default: which details changed.
        new_chart : str, optional
            A new chart number (unique case-folded, as :meth:`add_patient`).

        Returns
        -------
        int
            The new version's row id.

        Raises
        ------
        UsageError
            Nothing changes; a value refused as in :meth:`add_patient`.
        RecordNotFoundError
            Unknown chart number.
        RecordConflictError
            ``new_chart`` is another patient's.
        """

    def patient_versions(self, chart: str) -> list[dict]:
        """Every version of a patient's details (rows of ``patients``: ``chart``, ``name``, ``dob``,
        ``notes``, ``supersedes``, ``author``, ``reason``, ``created_at``), oldest first.

        Raises
        ------
        RecordNotFoundError
            Unknown chart number.
        """

    def adjustment_records(self, chart: str | None = None, history: bool = False) -> list[dict]:
        """Drop-piece records in visit order with ``visit_date``, ``chart`` and ``superseded_by``:
        current and not voided, or every version with ``history``."""

    def find_patients(self, text: str) -> list[dict]:
        """The patients whose chart number or name holds ``text``, case- and accent-insensitive
        (:func:`legcheck.records.inputs.search_key`), as :meth:`patients` lists them; all of
        them for empty text."""

    def config(self) -> dict:
        """The clinic's settings now: setting -> value (text), only those set.

        Settings (:data:`legcheck.records.vocabulary.SETTINGS`): ``camera`` (a camera profile's
        JSON text), ``clinic-name``, ``units`` ("mm" or "in"), ``even-below-mm`` (a number).
        """

    def config_history(self) -> list[dict]:
        """Every version of every setting, oldest first (``setting``, ``value``, ``author``, ``reason``, ``created_at``)."""

    def set_config(self, setting: str, value: str | None, reason: str | None = None) -> int:
        """Set a setting (a new version of it); None unsets it (back to the default).

        The value is text; what it must be (a profile, a unit, a number) is the caller's check.

        Returns
        -------
        int
            The new version's row id.

        Raises
        ------
        UsageError
            Unknown setting; the value is what it already is; unsetting what is not set.
        """
