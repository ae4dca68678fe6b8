"""What every store of the visit log offers: the CLI, the reports' bundles and a web app use only this.

A store holds patients, visits, leg checks (amended by superseding rows, never overwritten),
findings, drop-piece adjustments and the photos of the checks. It holds no clinical rules: the
summary of a visit is :func:`legcheck.records.rules.visit_summary` over the records a store
returns. Records are plain dicts whose keys are the column names of the SQLite schema
(:mod:`legcheck.records.migrations_sqlite`); a check also carries ``visit_date``, ``chart``,
``amended`` and ``superseded_by``. Timestamps are ISO 8601 strings.

Errors: :class:`~legcheck.errors.RecordNotFoundError` (8) for an unknown chart, visit or check,
:class:`~legcheck.errors.RecordConflictError` (9) for a record the rules refuse,
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
        """Where the records are, for people: a file path or a URL without its password."""

    # -- patients ---------------------------------------------------------------------------
    def add_patient(self, chart: str, name: str, dob: str | None = None, notes: str | None = None) -> int:
        """Add a patient under a clinic chart number (unique); ``dob`` is YYYY-MM-DD. Returns the id."""

    def patient(self, chart: str) -> dict:
        """The patient with this chart number."""

    def patients(self) -> list[dict]:
        """Every patient, by chart number, with ``visits`` (their number) and ``last_visit`` (date)."""

    # -- visits -----------------------------------------------------------------------------
    def new_visit(self, chart: str, when: dt.datetime | None = None, practitioner: str | None = None,
                  notes: str | None = None) -> int:
        """Open a visit of a patient starting at ``when`` (default now, local time). Returns its id."""

    def visit(self, visit_id: int) -> dict:
        """A visit, with its patient's ``chart``."""

    def visits(self, chart: str) -> list[dict]:
        """A patient's visits, by start time."""

    def visit_for_check(self, chart: str, visit_id: int | None = None, when: dt.datetime | None = None) -> int:
        """The visit a check of ``chart`` goes to: ``visit_id`` once checked to be this patient's,
        else the patient's visit on the day of ``when`` (default today), created if there is none."""

    # -- checks -----------------------------------------------------------------------------
    def record_checks(self, chart: str, items: list[dict], visit_id: int | None = None) -> list[dict]:
        """Record measured checks all or none. Each item: ``phase``, ``position``, ``result``
        (``Measurement.to_json()``), optional ``photo_path``, ``annotated_path``, ``taken_at``.
        Returns one ``{"check_id", "visit_id", "photo_sha256"}`` per item."""

    def record_check(self, chart: str, phase: str, position: str, result: dict, visit_id: int | None = None,
                     photo_path: Path | None = None, annotated_path: Path | None = None,
                     taken_at: dt.datetime | None = None) -> dict:
        """Record one measured check; see :meth:`record_checks`."""

    def amend_check(self, check_id: int, lld_mm: float, reason: str, author: str | None = None) -> int:
        """Supersede a check with a corrected lld_mm (mm) and a reason; the original stays. Returns the new id."""

    def checks(self, chart: str | None = None, visit_id: int | None = None, history: bool = False) -> list[dict]:
        """Checks with their visit date and chart, in visit and time order; current values only
        unless ``history``."""

    def history(self, check_id: int) -> list[dict]:
        """The amendment chain a check belongs to, oldest first."""

    # -- findings and adjustments -------------------------------------------------------------
    def add_adjustment(self, visit_id: int, piece: str, side: str | None = None, listing: str | None = None) -> int:
        """Record a drop piece used at a visit. Returns its id."""

    def set_findings(self, visit_id: int, derifield: str | None = None, pd_side: str | None = None,
                     listing: str | None = None) -> int:
        """Record findings set by hand; a newer non-null value amends an older one. Returns the row id."""

    def findings(self, visit_id: int) -> list[dict]:
        """A visit's findings rows, oldest first."""

    def adjustments(self, visit_id: int) -> list[dict]:
        """A visit's drop-piece rows, oldest first."""

    # -- photos and maintenance -------------------------------------------------------------
    def photo_path(self, sha256: str | None) -> Path | None:
        """Where a stored photo (named by its SHA-256) can be read, or None."""

    def backup(self, dest: Path | str) -> Path:
        """A consistent copy of the records at ``dest`` (never overwritten), safe while others write."""

    def check_integrity(self) -> dict:
        """``ok``, ``problems`` (lines), ``photos_checked``, ``orphan_photos``, ``counts`` per table,
        ``schema_version``."""

    def close(self) -> None:
        """Release the store."""

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc) -> None: ...
