"""What every store of the visit log offers: the CLI, the reports' bundles and a web app use only this.

A store holds patients, visits, leg checks (amended by superseding rows, never overwritten),
findings, drop-piece adjustments, the photos of the checks and the users of the web app. What
it writes is authored by the store's actor (``open_store(location, actor=...)``). It holds no clinical rules: the
summary of a visit is :func:`legcheck.records.rules.visit_summary` over the records a store
returns. Records are plain dicts whose keys are the column names of the schema
(:mod:`legcheck.records.migrations_sqlite`); timestamps are ISO 8601 strings, dates
YYYY-MM-DD. lld_mm > 0 means the LEFT leg appears short.

Errors every method may raise: :class:`~legcheck.errors.RecordNotFoundError` (8) for an
unknown chart, visit or check, :class:`~legcheck.errors.RecordConflictError` (9) for a record
the rules refuse, :class:`~legcheck.errors.UsageError` (2) for a bad argument (a word outside
:mod:`legcheck.records.vocabulary`, an empty name or reason, a malformed date) and
:class:`~legcheck.errors.DatabaseError` (10) when the store cannot be used.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class Store(Protocol):
    """The visit log. Open one with :func:`legcheck.records.open_store`; close it (or use ``with``)."""

    @property
    def location(self) -> str:
        """Where the records are, for people: a file path, or a URL without its password."""

    # -- patients ---------------------------------------------------------------------------
    def add_patient(self, chart: str, name: str, dob: str | None = None, notes: str | None = None) -> int:
        """Add a patient.

        Parameters
        ----------
        chart : str
            The clinic's chart number (unique, not empty).
        name : str
            The patient's name (not empty).
        dob : str, optional
            Date of birth, YYYY-MM-DD.
        notes : str, optional

        Returns
        -------
        int
            The patient's id.

        Raises
        ------
        UsageError
            Empty chart number or name; ``dob`` not a date.
        RecordConflictError
            The chart number is taken.
        """

    def patient(self, chart: str) -> dict:
        """The patient with this chart number (``id``, ``chart``, ``name``, ``dob``, ``notes``, ``created_at``).

        Raises
        ------
        RecordNotFoundError
            No patient has this chart number.
        """

    def patients(self) -> list[dict]:
        """Every patient by chart number, each with ``visits`` (how many) and ``last_visit`` (date or None)."""

    # -- visits -----------------------------------------------------------------------------
    def new_visit(self, chart: str, when: dt.datetime | None = None, practitioner: str | None = None,
                  notes: str | None = None) -> int:
        """Open a visit of a patient.

        Parameters
        ----------
        chart : str
            The patient's chart number.
        when : datetime, optional
            When it starts (aware; default now, local time); its date is the visit's date.
        practitioner, notes : str, optional

        Returns
        -------
        int
            The visit's id.

        Raises
        ------
        RecordNotFoundError
            Unknown chart number.
        """

    def visit(self, visit_id: int) -> dict:
        """A visit (``id``, ``patient_id``, ``visit_date``, ``started_at``, ``practitioner``, ``notes``) with ``chart``.

        Raises
        ------
        RecordNotFoundError
            No such visit.
        """

    def visits(self, chart: str) -> list[dict]:
        """A patient's visits by start time.

        Raises
        ------
        RecordNotFoundError
            Unknown chart number.
        """

    def visit_for_check(self, chart: str, visit_id: int | None = None, when: dt.datetime | None = None) -> int:
        """The visit a check of a patient goes to.

        Parameters
        ----------
        chart : str
            The patient's chart number.
        visit_id : int, optional
            A visit given by the user: returned once checked to be this patient's.
        when : datetime, optional
            Without ``visit_id``: the patient's visit on this day (default today) is returned,
            and created if there is none.

        Returns
        -------
        int
            The visit's id.

        Raises
        ------
        RecordNotFoundError
            Unknown chart number or visit.
        RecordConflictError
            The visit is another patient's.
        """

    # -- checks -----------------------------------------------------------------------------
    def record_checks(self, chart: str, items: list[dict], visit_id: int | None = None) -> list[dict]:
        """Record measured leg checks, all or none.

        Parameters
        ----------
        chart : str
            The patient's chart number.
        items : list of dict
            Each with ``phase`` and ``position`` (vocabulary words), ``result`` (a measurement,
            ``Measurement.to_json()``: ``lld_mm``, ``short_leg``, ``uncertainty_mm``, ``method``,
            ``image`` ...), and optionally ``photo_path`` (the photo as taken), ``annotated_path``
            (its annotated copy) and ``taken_at`` (aware datetime, default now). Photos are
            stored without location or device metadata.
        visit_id : int, optional
            The visit; default: :meth:`visit_for_check` of each check's ``taken_at``.

        Returns
        -------
        list of dict
            One ``{"check_id", "visit_id", "photo_sha256"}`` per item, in order.

        Raises
        ------
        UsageError
            A phase or position outside the vocabulary.
        RecordNotFoundError, RecordConflictError
            As :meth:`visit_for_check`. Nothing is recorded and no photo is left behind.
        """

    def record_check(self, chart: str, phase: str, position: str, result: dict, visit_id: int | None = None,
                     photo_path: Path | None = None, annotated_path: Path | None = None,
                     taken_at: dt.datetime | None = None) -> dict:
        """Record one measured check.

        Parameters
        ----------
        chart : str
            The patient's chart number.
        phase, position, result, photo_path, annotated_path, taken_at
            One item of :meth:`record_checks`.
        visit_id : int, optional
            As :meth:`record_checks`.

        Returns
        -------
        dict
            ``{"check_id", "visit_id", "photo_sha256"}``.
        """

    def amend_check(self, check_id: int, lld_mm: float, reason: str, author: str | None = None) -> int:
        """Correct a check: a new check supersedes it; the original stays readable (:meth:`history`).

        Parameters
        ----------
        check_id : int
            The check to amend (its latest version).
        lld_mm : float
            The corrected figure, mm; its short leg follows by the check's own even threshold.
        reason : str
            Why (kept with the amendment; not empty).
        author : str, optional
            Who (default: the store's actor).

        Returns
        -------
        int
            The new check's id.

        Raises
        ------
        UsageError
            No reason.
        RecordNotFoundError
            No such check.
        RecordConflictError
            The check was already amended (amend the newer one).
        """

    def checks(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Checks in visit and time order.

        Parameters
        ----------
        chart : str, optional
            Only this patient's.
        visit_id : int, optional
            Only this visit's.
        history : bool
            Every version of amended checks, not only the current ones.

        Returns
        -------
        list of dict
            Check records (``id``, ``visit_id``, ``phase``, ``position``, ``taken_at``,
            ``lld_mm``, ``short_leg``, ``uncertainty_mm``, ``method``, ``result_json`` (str),
            ``photo_sha256``, ``annotated_sha256``, ``supersedes``, ``author``, ``reason``) with
            ``visit_date``, ``chart``, ``amended`` (bool: it supersedes another) and
            ``superseded_by``.

        Raises
        ------
        RecordNotFoundError
            Unknown chart number.
        """

    def history(self, check_id: int) -> list[dict]:
        """The amendment chain a check belongs to, oldest first.

        Raises
        ------
        RecordNotFoundError
            No such check.
        """

    # -- findings and adjustments -------------------------------------------------------------
    def add_adjustment(self, visit_id: int, piece: str, side: str | None = None, listing: str | None = None) -> int:
        """Record a drop piece used at a visit.

        Parameters
        ----------
        visit_id : int
        piece : {"cervical", "dorsal", "lumbar", "pelvic"}
        side : {"left", "right", "both"}, optional
        listing : str, optional
            e.g. "PI right ilium".

        Returns
        -------
        int
            The adjustment's id.

        Raises
        ------
        UsageError
            A piece or side outside the vocabulary.
        RecordNotFoundError
            No such visit.
        """

    def set_findings(self, visit_id: int, derifield: str | None = None, pd_side: str | None = None,
                     listing: str | None = None) -> int:
        """Record findings set by hand; a newer non-null value amends an older one.

        Parameters
        ----------
        visit_id : int
        derifield : {"positive", "negative"}, optional
            Overrides the result derived from the checks.
        pd_side : {"left", "right"}, optional
            The pelvic-deficient side.
        listing : str, optional

        Returns
        -------
        int
            The findings row's id.

        Raises
        ------
        UsageError
            A value outside the vocabulary.
        RecordNotFoundError
            No such visit.
        """

    def findings(self, visit_id: int) -> list[dict]:
        """A visit's findings rows (``derifield``, ``pd_side``, ``listing``, ``author``), oldest first."""

    def adjustments(self, visit_id: int) -> list[dict]:
        """A visit's drop-piece rows (``piece``, ``side``, ``listing``, ``author``), oldest first."""

    # -- users of the web app (legcheck.records.users) --------------------------------------
    def add_user(self, name: str, role: str, password: str) -> int:
        """Add a user who may sign in to the web app; the password is stored as its Argon2id hash.

        Parameters
        ----------
        name : str
            The sign-in name (not empty; the author recorded for what they write).
        role : {"practitioner", "assistant", "admin"}
        password : str
            At least :data:`legcheck.records.users.MIN_PASSWORD_CHARS` characters.

        Returns
        -------
        int
            The user row's id.

        Raises
        ------
        UsageError
            Empty name, unknown role, short password.
        RecordConflictError
            The name is taken.
        """

    def update_user(self, name: str, role: str | None = None, password: str | None = None,
                    active: bool | None = None) -> int:
        """Change a user's role, password or whether they may sign in, by a new row (the old one stays).

        Returns
        -------
        int
            The new row's id.

        Raises
        ------
        UsageError
            Nothing to change, unknown role, short password.
        RecordNotFoundError
            No such user.
        """

    def user(self, name: str) -> dict:
        """The user now (``id``, ``name``, ``role``, ``active``, ``author``, ``created_at``; never the hash).

        Raises
        ------
        RecordNotFoundError
            No such user.
        """

    def users(self) -> list[dict]:
        """Every user now, by name (as :meth:`user`)."""

    def authenticate(self, name: str, password: str) -> dict | None:
        """The user (as :meth:`user`) when ``password`` is theirs and they may sign in, else None.

        An unknown name costs the same time as a wrong password, and the answer does not say
        which it was.
        """

    # -- photos and maintenance -------------------------------------------------------------
    def photo_path(self, sha256: str | None) -> Path | None:
        """Where a stored photo (named by the SHA-256 of its stored bytes) can be read: an absolute path, or None."""

    def backup(self, dest: Path | str) -> Path:
        """Write a consistent copy of the records to ``dest``, safe while others write.

        Parameters
        ----------
        dest : str or Path
            The copy's file (owner-only); stored photos are not copied.

        Returns
        -------
        Path
            ``dest``.

        Raises
        ------
        RecordConflictError
            ``dest`` exists (a backup never overwrites).
        FileAccessError
            ``dest`` cannot be written.
        """

    def check_integrity(self) -> dict:
        """Check the records and every stored photo against its hash.

        Returns
        -------
        dict
            ``ok`` (bool), ``problems`` (one line each), ``photos_checked``, ``orphan_photos``
            (stored files no record names), ``counts`` (rows per table), ``schema_version``.
        """

    def close(self) -> None:
        """Release the store."""

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc) -> None: ...
