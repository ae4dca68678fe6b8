"""What every store of the visit log offers: the CLI, the reports' bundles and a web app use only this.

A store holds patients, visits, leg checks, findings, drop-piece adjustments, the checks'
photos and the web app's users (:class:`~legcheck.records.protocol_users.UserStore`), all
append-only: a correction is a new row that supersedes the old one, and every row is chained
into a hash-chained audit log with its author (docs/records.md). It holds no clinical rules:
the summary of a visit is :func:`legcheck.records.rules.visit_summary` over the records a
store returns. Records are plain dicts whose keys are the schema's column names
(:mod:`legcheck.records.migrations`); timestamps are ISO 8601 strings, dates YYYY-MM-DD.
lld_mm > 0 means the LEFT leg appears short.

Identity: a patient's and a visit's ``id`` is its stable entity id (what other records refer
to; ``version_id`` is the row of its current version). A check's ``id`` is the row of that
version: an amendment is a new check id, and ``entity_id`` links the versions.

Who writes: the operating-system user, or the signed-in user given to :func:`legcheck.records.open_store`
(``actor``); ``$LEGCHECK_USER`` is recorded beside it as a claim, never instead of it.

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

from .protocol_assess import AssessmentStore
from .protocol_corrections import CorrectionStore
from .protocol_users import UserStore


@runtime_checkable
class Store(CorrectionStore, AssessmentStore, UserStore, Protocol):
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
            The clinic's chart number: NFKC-normalised, unique case-folded, no control, format
            or whitespace characters other than single spaces
            (:func:`legcheck.records.inputs.normalize_chart`).
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
            A chart number :func:`~legcheck.records.inputs.normalize_chart` refuses; an empty
            name; ``dob`` not a date.
        RecordConflictError
            The chart number is taken.
        """

    def patient(self, chart: str) -> dict:
        """The patient with this chart number, however it is typed (NFKC, any case).

        Keys: ``id`` (the patient's stable id), ``version_id``, ``chart``, ``chart_key``,
        ``name``, ``dob``, ``notes``, ``author``, ``created_at`` (of the current version).

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

    def visits(self, chart: str | None = None) -> list[dict]:
        """A patient's visits (every visit without ``chart``) by start time, each with ``chart``,
        ``checks`` (how many current checks) and ``open_red_flags`` (how many).

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
    def record_checks(self, chart: str, items: list[dict], visit_id: int | None = None,
                      allow_duplicate_photo: bool = False) -> list[dict]:
        """Record measured leg checks, all or none.

        Parameters
        ----------
        chart : str
            The patient's chart number.
        items : list of dict
            Each with ``phase`` and ``position`` (vocabulary words), ``result`` (a measurement,
            ``Measurement.to_json()``: ``lld_mm``, ``short_leg``, ``uncertainty_mm``, ``method``,
            ``image`` ...; |lld_mm| at most 40, finite), and optionally ``photo`` (the bytes
            that were measured, or an object with ``data`` such as
            :class:`legcheck.vision.imageio.PhotoBytes`; else ``photo_path``, read once),
            ``annotated`` / ``annotated_path`` (its annotated copy) and ``taken_at`` (aware
            datetime, default now). Photos are stored as their first image only, without
            metadata apart from the orientation (:mod:`legcheck.records.photos`).
        visit_id : int, optional
            The visit; default: :meth:`visit_for_check` of each check's ``taken_at``.
        allow_duplicate_photo : bool
            Record a photo already recorded as a current check (or twice in ``items``).

        Returns
        -------
        list of dict
            One ``{"check_id", "visit_id", "photo_sha256", "duplicate_of"}`` per item, in order
            (``duplicate_of``: the earlier check with the same photo, or None).

        Raises
        ------
        UsageError
            A phase or position outside the vocabulary; a figure not finite or implausible.
        ImageReadError
            A photo that cannot be stored (not a JPEG, PNG or HEIC; incomplete).
        RecordNotFoundError, RecordConflictError
            As :meth:`visit_for_check`. Nothing is recorded and no photo is left behind.
        DuplicatePhotoError
            A photo is already recorded (naming the check) and ``allow_duplicate_photo`` is False.
        """

    def record_check(self, chart: str, phase: str, position: str, result: dict, visit_id: int | None = None,
                     photo_path: Path | None = None, annotated_path: Path | None = None,
                     taken_at: dt.datetime | None = None, photo=None, annotated=None,
                     allow_duplicate_photo: bool = False) -> dict:
        """Record one measured check.

        Parameters
        ----------
        chart : str
            The patient's chart number.
        phase, position, result, photo_path, annotated_path, taken_at, photo, annotated
            One item of :meth:`record_checks`.
        visit_id, allow_duplicate_photo
            As :meth:`record_checks`.

        Returns
        -------
        dict
            ``{"check_id", "visit_id", "photo_sha256"}``.
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
            ``photo_sha256``, ``annotated_sha256``, ``supersedes``, ``author``, ``reason``,
            ``voided``) with ``visit_date``, ``chart``, ``amended`` (bool: it supersedes another)
            and ``superseded_by``. Voided checks only with ``history``.

        Raises
        ------
        RecordNotFoundError
            Unknown chart number.
        """

    def history(self, check_id: int) -> list[dict]:
        """Every version of the check (the rows sharing its ``entity_id``), oldest first.

        Raises
        ------
        RecordNotFoundError
            No such check.
        """

    # -- findings and adjustments -------------------------------------------------------------
    def add_adjustment(self, visit_id: int, piece: str, side: str | None = None, listing: str | None = None,
                       override_red_flag: str | None = None) -> int:
        """Record a drop piece used at a visit (the clinical safeguard: not on an open red flag).

        Parameters
        ----------
        visit_id : int
        piece : {"cervical", "dorsal", "lumbar", "pelvic"}
        side : {"left", "right", "both"}, optional
        listing : str, optional
            e.g. "PI right ilium".
        override_red_flag : str, optional
            Why the adjustment is given although the visit has an open red flag: kept in the
            row (``red_flag_override``) and in its audit row (action "override").

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
        SafeguardError
            The visit has an open red flag and no ``override_red_flag`` is given.
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

    # -- photos and maintenance -------------------------------------------------------------
    def photo_path(self, sha256: str | None) -> Path | None:
        """Where a stored photo (named by the SHA-256 of its stored bytes) can be read: an absolute path, or None."""

    def photo_bytes(self, sha256: str) -> bytes:
        """A stored photo's bytes (named by the SHA-256 of those bytes).

        Raises
        ------
        RecordNotFoundError
            No stored photo has this hash.
        FileAccessError
            It cannot be read.
        """

    def protected_paths(self) -> list[Path]:
        """What no output file may ever replace or enter: the database file, its ``-wal``,
        ``-shm`` and ``-journal`` files, the photo store (see :func:`legcheck.fileio.refuse_protected`)."""

    def snapshot(self, dest: Path) -> None:
        """Write a consistent copy of the whole database, safe while others write, as a new legcheck
        SQLite file ``dest`` (the archive's ``database.sqlite3``; PostgreSQL copies its rows into one)."""

    def backup(self, dest: Path | str) -> dict:
        """Write one backup archive: a snapshot of the records plus every photo it names, with a manifest.

        Parameters
        ----------
        dest : str or Path
            The archive (a new file, owner-only); see :mod:`legcheck.records.archive`.

        Returns
        -------
        dict
            The manifest (hashes of every member, counts, the audit chain head).

        Raises
        ------
        RecordConflictError
            ``dest`` exists (a backup never overwrites).
        UsageError
            ``dest`` is part of the records.
        IntegrityCheckError
            A stored photo is missing or changed.
        FileAccessError
            ``dest`` cannot be written.
        """

    def check_integrity(self) -> dict:
        """Verify the records, their protection and every stored photo (:mod:`legcheck.records.integrity`).

        Returns
        -------
        dict
            ``ok`` (bool), ``problems`` (one line each, broken rows in audit order),
            ``first_broken`` (the first broken row, or the first problem), ``photos_checked``,
            ``orphan_photos`` (stored files no record names), ``counts`` (rows per history
            table), ``schema_version``, ``audit_head`` (``id``, ``sha256``).
        """

    def close(self) -> None:
        """Release the store."""

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc) -> None: ...
