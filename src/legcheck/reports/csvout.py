"""The reports' numbers as CSV rows (one dict a row; the caller writes the file)."""

from __future__ import annotations

from .data import POSITIONS, change_between

__all__ = ["csv_rows_visit", "csv_rows_patient"]


def _r(mean: dict | None, key: str):
    return None if mean is None else round(mean[key], 3)


def csv_rows_patient(data: dict) -> list[dict]:
    """One row per visit and position checked: pre and post means, the change and its verdict.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output.

    Returns
    -------
    list of dict
        Keys ``visit_id``, ``visit_date``, ``position``, ``pre_lld_mm``, ``pre_uncertainty_mm``,
        ``pre_n``, ``post_lld_mm``, ``post_uncertainty_mm``, ``post_n`` (mm, rounded to 0.001;
        None when not checked), ``change_mm`` (post - pre), ``measurable``, ``verdict``,
        ``derifield``, ``pd_side``.
    """
    out = []
    for r in data["rows"]:
        for pos in POSITIONS:
            pre, post = r["means"].get(("pre", pos)), r["means"].get(("post", pos))
            if not pre and not post:
                continue
            ch = change_between(pre, post)
            out.append({"visit_id": r["visit"]["id"], "visit_date": r["visit"]["visit_date"], "position": pos,
                        "pre_lld_mm": _r(pre, "lld_mm"), "pre_uncertainty_mm": _r(pre, "uncertainty_mm"),
                        "pre_n": pre and pre["n"], "post_lld_mm": _r(post, "lld_mm"),
                        "post_uncertainty_mm": _r(post, "uncertainty_mm"), "post_n": post and post["n"],
                        "change_mm": ch and round(ch.delta_mm, 3), "measurable": ch and ch.measurable,
                        "verdict": ch and ch.verdict, "derifield": r["derifield"], "pd_side": r["pd_side"]})
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
        Keys ``check_id``, ``phase``, ``position``, ``taken_at`` (ISO), ``lld_mm``,
        ``uncertainty_mm`` (mm), ``short_leg``, ``method``, ``amended``.
    """
    return [{"check_id": c["id"], "phase": c["phase"], "position": c["position"], "taken_at": c["taken_at"],
             "lld_mm": c["lld_mm"], "uncertainty_mm": c["uncertainty_mm"], "short_leg": c["short_leg"],
             "method": c["method"], "amended": c["amended"]} for c in data["checks"]]
