"""What reports and exports need from the visit log, collected into plain data.

Reports never get a store: they get these bundles (photo references included as paths).
Everything here reads through the :class:`~legcheck.records.protocol.Store` protocol, so it
works with any store.
"""

from __future__ import annotations

import datetime as dt
import json

from ..errors import UsageError
from .protocol import Store
from .rules import visit_summary as summarize

#: Columns of :func:`export_rows`, in order (``name`` after ``chart`` when names are exported).
EXPORT_COLUMNS = ("id", "chart", "visit_id", "visit_date", "phase", "position", "taken_at", "lld_mm",
                  "uncertainty_mm", "short_leg", "method", "photo_sha256", "supersedes", "author", "reason",
                  "warnings")


def visit_summary(store: Store, visit_id: int) -> dict:
    """A visit's summary from the records the store returns (:func:`legcheck.records.rules.visit_summary`).

    Raises
    ------
    RecordNotFoundError
        No such visit in ``store``.
    """
    return summarize(store.visit(visit_id), store.checks(visit_id=visit_id), store.findings(visit_id),
                     store.adjustments(visit_id))


def visit_bundle(store: Store, visit_id: int) -> dict:
    """Everything a visit report shows.

    Parameters
    ----------
    store : Store
    visit_id : int

    Returns
    -------
    dict
        The keys of :func:`visit_summary` ("visit", "checks", "means", "derifield",
        "derifield_derived", "derifield_overridden", "pd_side", "listing", "adjustments") and
        "patient" (the patient record). Each check keeps "result_json" (str) and "amended", and
        gains "photo_path": the absolute Path of the stored annotated copy if there is one, else
        of the stored photo, else None.

    Raises
    ------
    RecordNotFoundError
        No such visit.
    """
    bundle = visit_summary(store, visit_id)
    bundle["patient"] = store.patient(bundle["visit"]["chart"])
    for c in bundle["checks"]:
        c["photo_path"] = store.photo_path(c["annotated_sha256"]) or store.photo_path(c["photo_sha256"])
    return bundle


def _day(value, what: str) -> str | None:
    """``value`` (a date, an ISO date string or None) as YYYY-MM-DD."""
    if value is None or isinstance(value, dt.date):
        return None if value is None else value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise UsageError(f"the {what} date {value!r} is not a date; use YYYY-MM-DD") from None


def patient_bundle(store: Store, chart: str, date_from=None, date_to=None) -> dict:
    """Everything a patient's trend report shows.

    Parameters
    ----------
    store : Store
    chart : str
        The patient's chart number.
    date_from, date_to : datetime.date or str (YYYY-MM-DD), optional
        The first and last visit dates to include (inclusive).

    Returns
    -------
    dict
        "patient" (the patient record), "visits" (a :func:`visit_bundle` per visit in the
        period, by start time) and "period" (the two dates as YYYY-MM-DD, or None).

    Raises
    ------
    RecordNotFoundError
        No patient with this chart number.
    UsageError
        A date is not YYYY-MM-DD.
    """
    lo, hi = _day(date_from, "first"), _day(date_to, "last")
    patient = store.patient(chart)
    visits = [visit_bundle(store, v["id"]) for v in store.visits(chart)
              if (lo is None or v["visit_date"] >= lo) and (hi is None or v["visit_date"] <= hi)]
    return {"patient": patient, "visits": visits, "period": (lo, hi)}


def export_rows(store: Store, with_names: bool = False) -> tuple[list[dict], list[str]]:
    """Every current check as a flat row for a spreadsheet, and the columns to write.

    Parameters
    ----------
    store : Store
    with_names : bool
        Add the patient's name (left out by default: a chart number is not a name).

    Returns
    -------
    rows : list of dict
        The check's columns plus ``left_heel_mm``, ``right_heel_mm`` (table-axis frame, mm) and
        ``warnings`` (joined by "; ") from its measurement, and ``name`` with ``with_names``.
    columns : list of str
        :data:`EXPORT_COLUMNS`, with ``name`` after ``chart`` when names are exported.
    """
    rows = store.checks()
    names = {p["chart"]: p["name"] for p in store.patients()} if with_names else {}
    for r in rows:
        result = json.loads(r.pop("result_json"))
        r["left_heel_mm"], r["right_heel_mm"] = result.get("left_heel_mm"), result.get("right_heel_mm")
        r["warnings"] = "; ".join(result.get("warnings", []))
        if with_names:
            r["name"] = names.get(r["chart"])
    columns = list(EXPORT_COLUMNS)
    if with_names:
        columns.insert(columns.index("chart") + 1, "name")
    return rows, columns
