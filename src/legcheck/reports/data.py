"""Report data: the pre/post comparison of a visit and the trend across a patient's visits.

This module turns data bundles (plain dicts built from the visit log by
:mod:`legcheck.pipeline`; it never touches a store and never measures) into the numbers a
chiropractor asks for; :mod:`legcheck.reports.html` draws them. Every change it states
carries whether it exceeds the combined uncertainty of the two figures it compares (95 %
bounds of independent checks combine in quadrature); a change inside it is "no measurable
change", never an improvement.

Conventions: lld_mm > 0 means the LEFT leg appears short. "Even" is ``|lld_mm|`` under
:data:`EVEN_MM`. The retention of a correction is how much of the pre-to-post change at one
visit is still there at the next visit's pre check (extended legs)::

    retained = 1 - max(0, |next pre| - |post|) / (|pre| - |post|)

for corrections that were measurable improvements, clipped to 0..1; the loss counts only
when the post-to-next-pre change is itself measurable.

References
----------
Combining two independent 95 % bounds in quadrature: JCGM 100:2008 (GUM), "Evaluation of
measurement data - Guide to the expression of uncertainty in measurement", section 5.1.2
(law of propagation of uncertainty, uncorrelated inputs). The retention ratio is legcheck's
own definition (no published formula); it is reported with the number of visit pairs it
averages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..records.vocabulary import EVEN_BELOW_MM as EVEN_MM, POSITIONS

__all__ = ["Change", "describe", "change_between", "visit_data", "patient_data", "summary_sentence", "EVEN_MM", "POSITIONS"]


@dataclass(frozen=True)
class Change:
    """From figure ``a`` to figure ``b``: two lld_mm values with their 95 % bounds.

    Parameters
    ----------
    a_mm, b_mm : float
        The two figures (mm, positive = LEFT leg appears short): pre and post of a visit, or
        one visit's post and the next visit's pre.
    a_unc, b_unc : float
        Their 95 % bounds (mm), from independent checks.
    """

    a_mm: float
    a_unc: float
    b_mm: float
    b_unc: float

    @property
    def delta_mm(self) -> float:
        """Signed change ``b - a`` (mm)."""
        return self.b_mm - self.a_mm

    @property
    def combined_unc(self) -> float:
        """95 % bound of the change (mm): the two bounds in quadrature (independent checks)."""
        return math.hypot(self.a_unc, self.b_unc)

    @property
    def measurable(self) -> bool:
        """Whether ``|delta_mm|`` exceeds :attr:`combined_unc`."""
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
        """The change in plain words.

        Parameters
        ----------
        between_visits : bool
            Word a post-to-next-pre change as the discrepancy returning ("came back",
            "evened further") instead of a pre-to-post verdict.

        Returns
        -------
        str
            For example "right short 6.0 mm → right short 1.0 mm: improved by 5.0 mm (± 0.6 mm)".
        """
        base = f"{describe(self.a_mm)} \u2192 {describe(self.b_mm)}"
        if not self.measurable:
            return (f"{base}: no measurable change ({abs(self.delta_mm):.1f} mm is within the "
                    f"\u00b1 {self.combined_unc:.1f} mm the two checks allow)")
        verdict = self.verdict
        if between_visits:
            verdict = {"worse": "came back", "improved": "evened further", "reversed": "reversed"}[verdict]
        return f"{base}: {verdict} by {abs(abs(self.a_mm) - abs(self.b_mm)):.1f} mm (\u00b1 {self.combined_unc:.1f} mm)"

    def to_dict(self) -> dict:
        """The change as JSON-ready numbers.

        Returns
        -------
        dict
            ``from_mm``, ``to_mm``, ``delta_mm``, ``combined_uncertainty_mm`` (mm),
            ``measurable`` and ``verdict``.
        """
        return {"from_mm": self.a_mm, "to_mm": self.b_mm, "delta_mm": self.delta_mm,
                "combined_uncertainty_mm": self.combined_unc, "measurable": self.measurable, "verdict": self.verdict}


def describe(lld_mm: float) -> str:
    """Plain words for one figure.

    Parameters
    ----------
    lld_mm : float
        Apparent leg-length difference (mm), positive when the LEFT leg appears short.

    Returns
    -------
    str
        "left short 4.2 mm", "right short 1.5 mm", or "even (0.4 mm)" under :data:`EVEN_MM`.
    """
    if abs(lld_mm) < EVEN_MM:
        return f"even ({abs(lld_mm):.1f} mm)"
    return f"{'left' if lld_mm > 0 else 'right'} short {abs(lld_mm):.1f} mm"


def change_between(a: dict | None, b: dict | None) -> Change | None:
    """The change from one mean to another.

    Parameters
    ----------
    a, b : dict or None
        Rows of a bundle's ``means`` (``lld_mm``, ``uncertainty_mm``, mm).

    Returns
    -------
    Change or None
        None unless both means exist.
    """
    if not a or not b:
        return None
    return Change(a["lld_mm"], a["uncertainty_mm"], b["lld_mm"], b["uncertainty_mm"])


def _means(bundle: dict) -> dict:
    return {(m["phase"], m["position"]): m for m in bundle["means"]}


def visit_data(bundle: dict) -> dict:
    """Everything the visit report shows, as plain data.

    Parameters
    ----------
    bundle : dict
        A visit bundle (``pipeline.visit_bundle``): ``visit``, ``patient``, ``checks`` (each with
        ``photo_path``: Path or None, ``result_json``, ``amended``), ``means``, ``derifield``,
        ``derifield_overridden``, ``pd_side``, ``listing``, ``adjustments``.

    Returns
    -------
    dict
        ``visit``, ``patient``, ``positions`` (one per position checked, in the vocabulary's
        order: ``position``, ``pre``/``post`` means or None, ``change`` (:class:`Change` or
        None), ``checks`` ``{"pre": [...], "post": [...]}`` holding the checks with a photo),
        ``derifield``, ``derifield_overridden``, ``pd_side``, ``listing``, ``adjustments``,
        ``notes`` (plain sentences) and ``checks`` (all current checks).
    """
    means = _means(bundle)
    positions = []
    for pos in POSITIONS:
        pre, post = means.get(("pre", pos)), means.get(("post", pos))
        if not pre and not post:
            continue
        with_photo = {ph: [c for c in bundle["checks"]
                           if c["position"] == pos and c["phase"] == ph and c["photo_path"] is not None]
                      for ph in ("pre", "post")}
        positions.append({"position": pos, "pre": pre, "post": post, "change": change_between(pre, post),
                          "checks": with_photo})
    notes = []
    if not any(p["post"] for p in positions):
        notes.append("No post-adjustment check was recorded at this visit.")
    if not any(p["pre"] for p in positions):
        notes.append("No pre-adjustment check was recorded at this visit.")
    amended = [c["id"] for c in bundle["checks"] if c["amended"]]
    if amended:
        notes.append(f"Includes amended check(s) {', '.join(map(str, amended))}: the corrected values are shown; "
                     "the originals stay in the log ('legcheck log --history').")
    keys = ("visit", "patient", "derifield", "derifield_overridden", "pd_side", "listing", "adjustments", "checks")
    return {**{k: bundle[k] for k in keys}, "positions": positions, "notes": notes}


def patient_data(bundle: dict) -> dict:
    """Everything the patient report shows: per-visit figures, the summary figures, the notes.

    Parameters
    ----------
    bundle : dict
        A patient bundle (``pipeline.patient_bundle``): ``patient``, ``visits`` (visit bundles
        ordered by start, already limited to the period) and ``period`` ``(from, to)`` as ISO
        dates or None.

    Returns
    -------
    dict
        ``patient``, ``period``, ``rows`` (one per visit: ``visit``, ``means`` keyed by
        ``(phase, position)``, ``checks``, ``derifield``, ``pd_side``, ``adjustments``,
        ``listing``, ``amended`` check ids, ``change``: the extended pre-to-post
        :class:`Change` or None), ``figures`` (see :func:`summary_sentence`), ``notes`` and
        ``summary``.
    """
    patient, period = bundle["patient"], tuple(bundle["period"])
    rows, any_amended = [], False
    for vb in bundle["visits"]:
        means = _means(vb)
        amended = [c["id"] for c in vb["checks"] if c["amended"]]
        any_amended |= bool(amended)
        rows.append({"visit": vb["visit"], "means": means, "checks": vb["checks"], "derifield": vb["derifield"],
                     "pd_side": vb["pd_side"], "adjustments": vb["adjustments"], "listing": vb["listing"],
                     "amended": amended,
                     "change": change_between(means.get(("pre", "extended")), means.get(("post", "extended")))})
    figures = _figures(rows)
    notes = []
    if not rows:
        notes.append("No visits recorded for this patient" + (" in this period." if any(period) else "."))
    elif len(rows) == 1:
        notes.append("Only one visit so far: a trend needs at least two.")
    if rows and not any(r["change"] for r in rows):
        notes.append("No visit has both a pre- and a post-adjustment check with the legs extended.")
    if any_amended:
        notes.append("Some checks were amended: the corrected values are used (marked *).")
    return {"patient": patient, "rows": rows, "figures": figures, "notes": notes,
            "summary": summary_sentence(patient, rows, figures), "period": period}


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
        post_a, pre_b = a["means"].get(("post", "extended")), b["means"].get(("pre", "extended"))
        ch = change_between(post_a, pre_b)
        if ch is None:
            continue
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


def summary_sentence(patient: dict, rows: list[dict], f: dict) -> str:
    """One plain-language line for the top of the patient report.

    Parameters
    ----------
    patient : dict
        The patient (``name`` is used).
    rows : list of dict
        The per-visit rows of :func:`patient_data`.
    f : dict
        The summary figures: ``mean_pre_mm``, ``mean_pre_abs_mm``, ``mean_post_abs_mm`` (mm,
        extended legs), ``even_after`` of ``visits_with_post``, ``share_even_after`` and
        ``mean_retained`` (0..1, see the module docstring) or None where there is no data.

    Returns
    -------
    str
        For example "Pat, 3 visits (2026-09-01 to 2026-09-15): before adjustment ...".
    """
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
