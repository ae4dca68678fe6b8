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
from .vocabulary import EVEN_BELOW_MM

#: Columns of the assessment items in listings and exports.
ASSESSMENT_COLUMNS = ["id", "chart", "visit_id", "visit_date", "kind", "term", "nrs", "minutes", "note", "cleared"]
#: Columns of the drop-piece records in listings and exports.
ADJUSTMENT_COLUMNS = ["id", "chart", "visit_id", "visit_date", "piece", "side", "listing", "red_flag_override"]
#: Columns of the adverse reactions in listings and exports.
REACTION_COLUMNS = ["id", "chart", "visit_id", "visit_date", "kind", "severity", "onset_min", "duration_min",
                    "actions", "outcome", "follow_up", "note", "action_note", "outcome_note"]

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
                     store.adjustments(visit_id), even_below(store))


def even_below(store: Store) -> float:
    """The clinic's even threshold (its ``even-below-mm`` setting), else the default, mm."""
    return float(store.config().get("even-below-mm") or EVEN_BELOW_MM)


def settings_of(store: Store) -> dict:
    """What a report takes from the clinic's configuration: ``units``, ``clinic_name`` and
    ``even_below_mm`` (only those set)."""
    cfg = store.config()
    out = {"units": cfg.get("units"), "clinic_name": cfg.get("clinic-name"),
           "even_below_mm": float(cfg["even-below-mm"]) if cfg.get("even-below-mm") else None}
    return {k: v for k, v in out.items() if v is not None}


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
        "derifield_derived", "derifield_overridden", "pd_side", "listing", "adjustments"),
        "patient" (the patient record), "assessment" (the visit's current assessment items),
        "reactions" (its adverse reactions), "red_flags" (its red-flag items, open or cleared) and
        "settings" (:func:`settings_of`). Each check keeps "result_json" (str) and "amended",
        and gains "photo_path": the absolute Path of the stored annotated copy if there is one,
        else of the stored photo, else None, and "photo_file_sha256": the hash that file's bytes
        must have (:func:`shown_photo`).

    Raises
    ------
    RecordNotFoundError
        No such visit.
    """
    bundle = visit_summary(store, visit_id)
    bundle["patient"] = store.patient(bundle["visit"]["chart"])
    bundle["assessment"] = store.assessment_items(visit_id=visit_id)
    bundle["reactions"] = store.reactions(visit_id=visit_id)
    bundle["red_flags"] = [a for a in bundle["assessment"] if a["kind"] == "red-flag"]
    bundle["settings"] = settings_of(store)
    for c in bundle["checks"]:
        c["photo_path"], c["photo_file_sha256"] = shown_photo(store, c)
    return bundle


def shown_photo(store: Store, check: dict):
    """The stored picture a check is shown with: its annotated copy if there is one, else its photo.

    Parameters
    ----------
    store : Store
    check : dict
        A check row (``annotated_sha256``, ``photo_sha256``).

    Returns
    -------
    (Path or None, str or None)
        Where the file is, and the SHA-256 its bytes must have: whoever reads it checks them
        (:func:`legcheck.records.photostore.read_verified`). (None, None) without a stored picture.
    """
    for key in ("annotated_sha256", "photo_sha256"):
        path = store.photo_path(check.get(key))
        if path is not None:
            return path, check[key]
    return None, None


def _day(value, what: str) -> str | None:
    """``value`` (a date, an ISO date string or None) as YYYY-MM-DD."""
    from .when import require_day

    return require_day(f"the {what} date", value)


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
        period, by start time), "period" (the two dates as YYYY-MM-DD, or None) and "settings"
        (:func:`settings_of`).

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
    return {"patient": patient, "visits": visits, "period": (lo, hi), "settings": settings_of(store)}


def listing_rows(store: Store, kind: str = "checks", chart: str | None = None,
                 history: bool = False) -> tuple[list[dict], list[str]]:
    """The records of one kind as rows, and their main columns (``log``'s listing).

    Parameters
    ----------
    store : Store
    kind : {"checks", "assessment", "reactions", "adjustments"}
    chart : str, optional
        Only this patient's.
    history : bool
        Every version (amended and voided ones too).

    Returns
    -------
    rows : list of dict
        The store's records (reactions' ``actions`` joined by commas).
    columns : list of str
        The columns a table shows: :data:`EXPORT_COLUMNS` for checks (without ``taken_at``,
        ``photo_sha256``, ``warnings``), :data:`ASSESSMENT_COLUMNS`, :data:`REACTION_COLUMNS`,
        :data:`ADJUSTMENT_COLUMNS`.

    Raises
    ------
    UsageError
        Unknown kind.
    """
    if kind == "checks":
        return store.checks(chart=chart, history=history), [c for c in EXPORT_COLUMNS if c not in
                                                            ("taken_at", "photo_sha256", "warnings")]
    if kind == "assessment":
        return store.assessment_items(chart=chart, history=history), list(ASSESSMENT_COLUMNS)
    if kind == "reactions":
        rows = store.reactions(chart=chart, history=history)
        for r in rows:
            r["actions"] = ",".join(r["actions"])
        return rows, list(REACTION_COLUMNS)
    if kind == "adjustments":
        return store.adjustment_records(chart=chart, history=history), list(ADJUSTMENT_COLUMNS)
    raise UsageError(f"kind {kind!r} is not one of checks, assessment, reactions, adjustments")


def export_rows(store: Store, with_names: bool = False, kind: str = "checks") -> tuple[list[dict], list[str]]:
    """Every current check (or assessment item, or reaction) as a flat row for a spreadsheet, and the columns to write.

    Parameters
    ----------
    store : Store
    with_names : bool
        Add the patient's name (left out by default: a chart number is not a name).
    kind : {"checks", "assessment", "reactions"}

    Returns
    -------
    rows : list of dict
        Checks: the check's columns plus ``left_heel_mm``, ``right_heel_mm`` (table-axis frame, mm),
        ``warnings`` (joined by "; ") and ``camera_profile`` (its name, or empty when the
        camera was estimated from the board) from its measurement. The assessment and
        reactions: as :func:`listing_rows`, with ``supersedes``, ``author``, ``reason``. And
        ``name`` with ``with_names``.
    columns : list of str
        :data:`EXPORT_COLUMNS` (or the kind's columns), with ``name`` after ``chart`` when
        names are exported.
    """
    names = {p["chart"]: p["name"] for p in store.patients()} if with_names else {}
    if kind == "checks":
        rows = store.checks()
        for r in rows:
            result = json.loads(r.pop("result_json"))
            r["left_heel_mm"], r["right_heel_mm"] = result.get("left_heel_mm"), result.get("right_heel_mm")
            r["warnings"] = "; ".join(result.get("warnings", []))
            r["camera_profile"] = (result.get("camera_profile") or {}).get("name")
        columns = list(EXPORT_COLUMNS) + ["camera_profile"]
    else:
        rows, columns = listing_rows(store, kind)
        columns += ["supersedes", "author", "reason", "created_at"]
    for r in rows:
        if with_names:
            r["name"] = names.get(r["chart"])
    if with_names:
        columns.insert(columns.index("chart") + 1, "name")
    return rows, columns
