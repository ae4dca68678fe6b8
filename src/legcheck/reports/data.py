"""Reports: the pre/post comparison of a visit and the trend across a patient's visits.

This module reads the visit log (it never measures) and turns it into numbers a
chiropractor asks for; :mod:`legcheck.report_html` draws them. Every change it
states carries whether it exceeds the combined uncertainty of the two figures it
compares (95 % bounds combine in quadrature); a change inside it is "no
measurable change", never an improvement.

Conventions: lld_mm > 0 means the LEFT leg appears short. "Even" is |lld_mm| under
:data:`legcheck.store.EVEN_MM`. The retention of a correction is how much of the
pre-to-post change at one visit is still there at the next visit's pre check:
``1 - max(0, |next pre| - |post|) / (|pre| - |post|)``, for corrections that were
measurable, clipped to 0..1.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from ..records.protocol import Store
from ..records.vocabulary import EVEN_BELOW_MM as EVEN_MM, POSITIONS


@dataclass(frozen=True)
class Change:
    """From figure ``a`` to figure ``b`` (mm, with 95 % bounds)."""

    a_mm: float
    a_unc: float
    b_mm: float
    b_unc: float

    @property
    def delta_mm(self) -> float:
        return self.b_mm - self.a_mm

    @property
    def combined_unc(self) -> float:
        return math.hypot(self.a_unc, self.b_unc)

    @property
    def measurable(self) -> bool:
        return abs(self.delta_mm) > self.combined_unc

    @property
    def verdict(self) -> str:
        """"improved", "worse", "reversed" or "no measurable change"."""
        if not self.measurable:
            return "no measurable change"
        if abs(self.b_mm) >= EVEN_MM and abs(self.a_mm) >= EVEN_MM and (self.a_mm > 0) != (self.b_mm > 0) \
                and abs(self.b_mm) > self.b_unc:
            return "reversed"
        return "improved" if abs(self.b_mm) < abs(self.a_mm) else "worse"

    def sentence(self, between_visits: bool = False) -> str:
        """Plain words; ``between_visits`` words a post-to-next-pre change as the discrepancy returning."""
        base = f"{describe(self.a_mm)} \u2192 {describe(self.b_mm)}"
        if not self.measurable:
            return (f"{base}: no measurable change ({abs(self.delta_mm):.1f} mm is within the "
                    f"\u00b1 {self.combined_unc:.1f} mm the two checks allow)")
        verdict = self.verdict
        if between_visits:
            verdict = {"worse": "came back", "improved": "evened further", "reversed": "reversed"}[verdict]
        return f"{base}: {verdict} by {abs(abs(self.a_mm) - abs(self.b_mm)):.1f} mm (\u00b1 {self.combined_unc:.1f} mm)"

    def to_dict(self) -> dict:
        return {"from_mm": self.a_mm, "to_mm": self.b_mm, "delta_mm": self.delta_mm,
                "combined_uncertainty_mm": self.combined_unc, "measurable": self.measurable, "verdict": self.verdict}


def describe(lld_mm: float) -> str:
    """Plain words for a figure: 'left short 4.2 mm', 'right short 1.5 mm', 'even (0.4 mm)'."""
    if abs(lld_mm) < EVEN_MM:
        return f"even ({abs(lld_mm):.1f} mm)"
    return f"{'left' if lld_mm > 0 else 'right'} short {abs(lld_mm):.1f} mm"


def _means(summary: dict) -> dict:
    return {(m["phase"], m["position"]): m for m in summary["means"]}


def visit_data(store: Store, visit_id: int) -> dict:
    """Everything the visit report shows, as plain data."""
    s = store.visit_summary(visit_id)
    means = _means(s)
    patient = store.patient(s["visit"]["chart"])
    positions = []
    for pos in POSITIONS:
        pre, post = means.get(("pre", pos)), means.get(("post", pos))
        if not pre and not post:
            continue
        checks = [c for c in s["checks"] if c["position"] == pos]
        by_phase = {ph: [c for c in checks if c["phase"] == ph and (c["annotated_sha256"] or c["photo_sha256"])]
                    for ph in ("pre", "post")}
        change = Change(pre["lld_mm"], pre["uncertainty_mm"], post["lld_mm"], post["uncertainty_mm"]) if pre and post else None
        positions.append({"position": pos, "pre": pre, "post": post, "change": change, "checks": by_phase})
    notes = []
    if not any(p["post"] for p in positions):
        notes.append("No post-adjustment check was recorded at this visit.")
    if not any(p["pre"] for p in positions):
        notes.append("No pre-adjustment check was recorded at this visit.")
    amended = [c["id"] for c in s["checks"] if c["amended"]]
    if amended:
        notes.append(f"Includes amended check(s) {', '.join(map(str, amended))}: the corrected values are shown; "
                     "the originals stay in the log ('legcheck log --history').")
    return {"visit": s["visit"], "patient": patient, "positions": positions, "derifield": s["derifield"],
            "derifield_overridden": s["derifield_overridden"], "pd_side": s["pd_side"], "listing": s["listing"],
            "adjustments": s["adjustments"], "notes": notes, "checks": s["checks"]}


def patient_data(store: Store, chart: str, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """Everything the patient report shows: per-visit figures, the series, the summary figures."""
    patient = store.patient(chart)
    visits = [v for v in store.visits(chart)
              if (date_from is None or v["visit_date"] >= date_from.isoformat())
              and (date_to is None or v["visit_date"] <= date_to.isoformat())]
    rows, any_amended = [], False
    for v in visits:
        s = store.visit_summary(v["id"])
        any_amended |= any(c["amended"] for c in s["checks"])
        means = _means(s)
        row = {"visit": v, "means": means, "checks": s["checks"], "derifield": s["derifield"], "pd_side": s["pd_side"],
               "adjustments": s["adjustments"], "listing": s["listing"],
               "amended": [c["id"] for c in s["checks"] if c["amended"]]}
        pre, post = means.get(("pre", "extended")), means.get(("post", "extended"))
        row["change"] = Change(pre["lld_mm"], pre["uncertainty_mm"], post["lld_mm"], post["uncertainty_mm"]) \
            if pre and post else None
        rows.append(row)
    figures = _figures(rows)
    notes = []
    if not rows:
        notes.append("No visits recorded for this patient" + (" in this period." if date_from or date_to else "."))
    elif len(rows) == 1:
        notes.append("Only one visit so far: a trend needs at least two.")
    if rows and not any(r["change"] for r in rows):
        notes.append("No visit has both a pre- and a post-adjustment check with the legs extended.")
    if any_amended:
        notes.append("Some checks were amended: the corrected values are used (marked *).")
    return {"patient": patient, "rows": rows, "figures": figures, "notes": notes,
            "summary": summary_sentence(patient, rows, figures),
            "period": (date_from.isoformat() if date_from else None, date_to.isoformat() if date_to else None)}


def _figures(rows) -> dict:
    pre = [r["means"][("pre", "extended")]["lld_mm"] for r in rows if ("pre", "extended") in r["means"]]
    post = [r["means"][("post", "extended")]["lld_mm"] for r in rows if ("post", "extended") in r["means"]]
    f = {"visits": len(rows), "visits_with_pre": len(pre), "visits_with_post": len(post),
         "mean_pre_abs_mm": _mean([abs(v) for v in pre]), "mean_post_abs_mm": _mean([abs(v) for v in post]),
         "mean_pre_mm": _mean(pre), "mean_post_mm": _mean(post),
         "even_after": sum(abs(v) < EVEN_MM for v in post),
         "share_even_after": (sum(abs(v) < EVEN_MM for v in post) / len(post)) if post else None}
    holds, pairs = [], []
    for a, b in zip(rows, rows[1:]):
        m_a, m_b = a["means"], b["means"]
        if ("post", "extended") not in m_a or ("pre", "extended") not in m_b:
            continue
        post_a, pre_b = m_a[("post", "extended")], m_b[("pre", "extended")]
        ch = Change(post_a["lld_mm"], post_a["uncertainty_mm"], pre_b["lld_mm"], pre_b["uncertainty_mm"])
        pair = {"from_visit": a["visit"]["id"], "to_visit": b["visit"]["id"], "change": ch, "retained": None}
        if a["change"] is not None and a["change"].measurable and abs(a["change"].b_mm) < abs(a["change"].a_mm):
            correction = abs(a["change"].a_mm) - abs(a["change"].b_mm)
            lost = max(0.0, abs(pre_b["lld_mm"]) - abs(post_a["lld_mm"])) if ch.measurable else 0.0
            pair["retained"] = min(1.0, max(0.0, 1.0 - lost / correction))
            holds.append(pair["retained"])
        pairs.append(pair)
    f["pairs"] = pairs
    f["mean_retained"] = _mean(holds)
    f["retained_pairs"] = len(holds)
    f["derifield"] = [(r["visit"]["visit_date"], r["derifield"], r["pd_side"]) for r in rows]
    return f


def _mean(v):
    return sum(v) / len(v) if v else None


def summary_sentence(patient: dict, rows, f) -> str:
    """One plain-language line for the top of the patient report."""
    name = patient["name"]
    if not rows:
        return f"{name}: no visits recorded yet."
    first, last = rows[0]["visit"]["visit_date"], rows[-1]["visit"]["visit_date"]
    span = f"{len(rows)} visit{'s' if len(rows) != 1 else ''}" + (f" ({first} to {last})" if len(rows) > 1 else f" ({first})")
    parts = []
    if f["mean_pre_mm"] is not None:
        side = "left" if f["mean_pre_mm"] > 0 else "right"
        parts.append(f"before adjustment the {side} leg appeared short by {f['mean_pre_abs_mm']:.1f} mm on average")
    if f["mean_post_abs_mm"] is not None:
        parts.append(f"after it {f['mean_post_abs_mm']:.1f} mm")
    if f["share_even_after"] is not None:
        parts.append(f"{f['even_after']} of {f['visits_with_post']} visits ended even")
    if f["mean_retained"] is not None:
        parts.append(f"about {100 * f['mean_retained']:.0f} % of each correction was still there at the next visit")
    if not parts:
        return f"{name}, {span}: no extended-leg checks to summarise."
    return f"{name}, {span}: " + "; ".join(parts) + "."


def csv_rows_patient(data: dict) -> list[dict]:
    out = []
    for r in data["rows"]:
        for pos in POSITIONS:
            pre, post = r["means"].get(("pre", pos)), r["means"].get(("post", pos))
            if not pre and not post:
                continue
            ch = Change(pre["lld_mm"], pre["uncertainty_mm"], post["lld_mm"], post["uncertainty_mm"]) if pre and post else None
            out.append({"visit_id": r["visit"]["id"], "visit_date": r["visit"]["visit_date"], "position": pos,
                        "pre_lld_mm": pre and round(pre["lld_mm"], 3), "pre_uncertainty_mm": pre and round(pre["uncertainty_mm"], 3),
                        "pre_n": pre and pre["n"], "post_lld_mm": post and round(post["lld_mm"], 3),
                        "post_uncertainty_mm": post and round(post["uncertainty_mm"], 3), "post_n": post and post["n"],
                        "change_mm": ch and round(ch.delta_mm, 3), "measurable": ch and ch.measurable,
                        "verdict": ch and ch.verdict, "derifield": r["derifield"], "pd_side": r["pd_side"]})
    return out


def csv_rows_visit(data: dict) -> list[dict]:
    return [{"check_id": c["id"], "phase": c["phase"], "position": c["position"], "taken_at": c["taken_at"],
             "lld_mm": c["lld_mm"], "uncertainty_mm": c["uncertainty_mm"], "short_leg": c["short_leg"],
             "method": c["method"], "amended": c["amended"]} for c in data["checks"]]
