"""The reports' numbers as CSV rows (one dict a row; the caller writes the file).

Lengths are millimetres (``_mm``, rounded to 0.001); when the report is in inches each length
also has its decimal-inch twin (``_in``, 0.0001"), never a fraction: a spreadsheet computes
with it.
"""

from __future__ import annotations

from .. import units as u
from .data import POSITIONS

__all__ = ["csv_rows_visit", "csv_rows_patient"]


def _r(mean: dict | None, key: str):
    return None if mean is None else round(mean[key], 3)


def _with_inches(row: dict, units: str) -> dict:
    """``row`` with an ``_in`` column after each ``_mm`` column when ``units`` is inches."""
    if units != "in":
        return row
    out = {}
    for k, v in row.items():
        out[k] = v
        if k.endswith("_mm"):
            out[k[:-3] + "_in"] = u.inches(v)
    return out


def csv_rows_patient(data: dict) -> list[dict]:
    """One row per visit and position checked: pre and post means, the change, its words.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output.

    Returns
    -------
    list of dict
        Keys ``visit_id``, ``visit_date``, ``position``, ``pre_lld_mm``, ``pre_uncertainty_mm``,
        ``pre_n``, ``pre_repeats_disagree``, ``post_lld_mm``, ``post_uncertainty_mm``,
        ``post_n``, ``post_repeats_disagree`` (mm, rounded to 0.001; None when not checked),
        ``change_mm`` (post - pre), ``change_uncertainty_mm``, ``measurable``, ``verdict``,
        ``change`` (the words, in the report's units), ``derifield``, ``pd_side``; in inches
        each ``_mm`` key is followed by its ``_in`` twin.
    """
    units, out = data["units"], []
    for r in data["rows"]:
        for pos in POSITIONS:
            pre, post = r["means"].get(("pre", pos)), r["means"].get(("post", pos))
            if not pre and not post:
                continue
            ch = r["changes"][pos]
            row = {"visit_id": r["visit"]["id"], "visit_date": r["visit"]["visit_date"], "position": pos}
            for name, m in (("pre", pre), ("post", post)):
                row.update({f"{name}_lld_mm": _r(m, "lld_mm"), f"{name}_uncertainty_mm": _r(m, "uncertainty_mm"),
                            f"{name}_n": m and m["n"], f"{name}_repeats_disagree": m and bool(m.get("repeats_disagree"))})
            row.update({"change_mm": ch and round(ch.delta_mm, 3), "change_uncertainty_mm": ch and round(ch.combined_unc, 3),
                        "measurable": ch and ch.measurable, "verdict": ch and ch.verdict,
                        "change": ch and ch.sentence(units=units), "derifield": r["derifield"], "pd_side": r["pd_side"]})
            out.append(_with_inches(row, units))
    return out


def csv_rows_visit(data: dict) -> list[dict]:
    """One row per current check of the visit.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.visit_data` output.

    Returns
    -------
    list of dict
        Keys ``check_id``, ``phase``, ``position``, ``visit_date``, ``taken_at`` (ISO),
        ``lld_mm``, ``uncertainty_mm`` (mm), ``short_leg``, ``method``, ``amended``; in inches
        ``lld_in`` and ``uncertainty_in`` follow their millimetre columns.
    """
    return [_with_inches({"check_id": c["id"], "phase": c["phase"], "position": c["position"],
                          "visit_date": data["visit"]["visit_date"], "taken_at": c["taken_at"], "lld_mm": c["lld_mm"],
                          "uncertainty_mm": c["uncertainty_mm"], "short_leg": c["short_leg"], "method": c["method"],
                          "amended": c["amended"]}, data["units"]) for c in data["checks"]]
