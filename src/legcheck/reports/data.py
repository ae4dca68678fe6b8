"""Report data: the pre/post comparison of a visit and the trend across a patient's visits.

This module turns data bundles (plain dicts from :mod:`legcheck.records.bundles`; it never
touches a store and never measures) into the numbers and sentences a chiropractor and a
patient read; :mod:`legcheck.reports.html` draws them. Every change is described by
:class:`~legcheck.reports.change.Change` (signed, side-aware, "no measurable change" inside the
combined 95 % bound).

Conventions: lld_mm > 0 means the LEFT leg appears short. "Even" is ``|lld_mm|`` under
:data:`EVEN_MM`. The patient summary (each side's share of visits, how well corrections hold)
is :mod:`legcheck.reports.summary`.

Report settings (units, clinic name, date made) come from the function's arguments, else the
bundle's ``settings`` dict (where a stored configuration feeds them), else the defaults; the
date made is ``SOURCE_DATE_EPOCH`` when set (reproducible output), else today.

References
----------
Combining two independent 95 % bounds in quadrature: JCGM 100:2008 (GUM) 5.1.2.
"""

from __future__ import annotations

import datetime as dt
import json
import os

from .. import __version__
from .. import units as u
from ..records.vocabulary import EVEN_BELOW_MM as EVEN_MM, POSITIONS, short_leg_of
from ..records.assessment_terms import label, red_flag_sentence
from .assess import pain_and_legs_sentence, pain_figures, pain_series, visit_assessment
from .change import Change, change_between, describe
from .summary import repeats_disagree, series_figures, shares_text, side_counts, summary_sentence

__all__ = ["Change", "describe", "change_between", "visit_data", "patient_data", "summary_sentence",
           "patient_line", "side_counts", "shares_text", "report_settings", "POSITION_LABELS", "EVEN_MM", "POSITIONS"]

#: How each position reads in a report.
POSITION_LABELS = {"extended": "legs extended", "flexed": "knees flexed", "head-left": "head turned left",
                   "head-right": "head turned right"}
PHASE_LABELS = {"pre": "before the adjustment", "post": "after the adjustment"}


def report_settings(bundle: dict, units: str | None = None, clinic: str | None = None,
                    made_at: dt.date | dt.datetime | str | None = None) -> dict:
    """The settings a report is made with: each argument, else ``bundle["settings"]``, else the default.

    Parameters
    ----------
    bundle : dict
        A visit or patient bundle; its optional ``settings`` dict may hold ``units``,
        ``clinic_name`` and ``made_at``.
    units : {"mm", "in"}, optional
    clinic : str, optional
        The clinic's name for the header.
    made_at : date, datetime or ISO string, optional
        The date the report is made; default ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC)
        when set, else today.

    Returns
    -------
    dict
        ``units``, ``clinic`` (str or None), ``made`` (YYYY-MM-DD) and ``version``.

    Raises
    ------
    UsageError
        Unknown units.
    """
    stored = bundle.get("settings") or {}
    made = made_at or stored.get("made_at")
    if made is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        made = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.date.today()
    made = made if isinstance(made, str) else made.isoformat()
    return {"units": u.resolve_units(units, stored.get("units")), "clinic": clinic or stored.get("clinic_name"),
            "made": made[:10], "version": __version__}


def _means(bundle: dict) -> dict:
    return {(m["phase"], m["position"]): m for m in bundle["means"]}


def _looked(lld_mm: float, units: str) -> str:
    """A figure in a patient's words: "your left leg looked 4.9 mm shorter", "your legs looked even"."""
    side = short_leg_of(lld_mm)
    return "your legs looked even" if side == "even" else f"your {side} leg looked {u.figure(abs(lld_mm), units)} shorter"


def patient_line(change: Change | None, units: str = u.DEFAULT_UNITS, retake: bool = False) -> str | None:
    """One plain line for the patient about a visit's pre -> post change.

    Parameters
    ----------
    change : Change or None
        The pre -> post change (legs extended).
    units : {"mm", "in"}
    retake : bool
        Repeats of either figure disagree: the line says the checks need retaking instead.

    Returns
    -------
    str or None
        For example "Before the adjustment your left leg looked 4.9 mm shorter; after it your
        legs looked even."; with no measurable change "...; after it, about the same (the
        difference was too small to measure)."; with ``retake`` "The checks of this visit
        disagreed with each other, so they need to be taken again."; None without a change.
    """
    if change is None:
        return None
    if retake:
        return "The checks of this visit disagreed with each other, so they need to be taken again."
    before = f"Before the adjustment {_looked(change.a_mm, units)}"
    if not change.measurable:
        return before + "; after it, about the same (the difference was too small to measure)."
    return f"{before}; after it {_looked(change.b_mm, units)}."


def _axis_line(checks: list[dict], position: str) -> str | None:
    """Where the table's axis came from in the checks of a position, one line.

    "Table axis from the table edge (board turned 2.1° ± 0.1°)." when every check says the same,
    else "Before: ...; after: ..." (a phase's repeats that say the same are said once); None when
    no check has it (results stored before the axis was measured).
    """
    from ..measure.table_axis import describe_axis

    said = {}
    for ph in ("pre", "post"):
        texts = [describe_axis(json.loads(c["result_json"]).get("table_axis"))
                 for c in checks if c["position"] == position and c["phase"] == ph]
        texts = list(dict.fromkeys(t for t in texts if t))
        if texts:
            said[ph] = "; ".join(texts)
    if not said:
        return None
    if len(set(said.values())) == 1:
        text = next(iter(said.values())) + "."
    else:
        text = "; ".join(f"{'before' if ph == 'pre' else 'after'}: {t}" for ph, t in said.items()) + "."
    return text[0].upper() + text[1:]


def visit_data(bundle: dict, units: str | None = None, clinic: str | None = None, made_at=None) -> dict:
    """Everything the visit report shows, as plain data.

    Parameters
    ----------
    bundle : dict
        A visit bundle (:func:`legcheck.records.bundles.visit_bundle`): ``visit``, ``patient``,
        ``checks`` (each with ``photo_path``: Path or None, ``result_json``, ``amended``),
        ``means``, ``derifield``, ``derifield_overridden``, ``pd_side``, ``listing``,
        ``adjustments``; optionally ``settings``.
    units, clinic, made_at
        See :func:`report_settings`.

    Returns
    -------
    dict
        ``visit``, ``patient``, ``settings`` (:func:`report_settings`), ``units``,
        ``positions`` (one per position checked, in the vocabulary's order: ``position``,
        ``label``, ``pre``/``post`` means or None, ``change`` (:class:`Change` or None),
        ``checks`` ``{"pre": [...], "post": [...]}`` holding the checks with a photo, ``amended``
        ``{"pre": bool, "post": bool}``, ``axis``: where each check's table axis came from, one line,
        or None for checks stored before it was measured), ``headline`` (the first position's change sentence or
        None), ``patient_line``, ``derifield``, ``derifield_overridden``, ``pd_side``,
        ``listing``, ``adjustments``, ``notes`` (plain sentences), ``checks`` and ``assessment``
        (:func:`legcheck.reports.assess.visit_assessment`: pain, symptoms, red flags and the
        ``banner`` the report opens with, therapies, reactions with their timeline).
    """
    settings = report_settings(bundle, units, clinic, made_at)
    units = settings["units"]
    means = _means(bundle)
    amended_ids = {c["id"] for c in bundle["checks"] if c["amended"]}
    positions, notes = [], []
    for pos in POSITIONS:
        pre, post = means.get(("pre", pos)), means.get(("post", pos))
        if not pre and not post:
            continue
        with_photo = {ph: [c for c in bundle["checks"]
                           if c["position"] == pos and c["phase"] == ph and c["photo_path"] is not None]
                      for ph in ("pre", "post")}
        amended = {ph: bool(m and amended_ids & set(m["check_ids"])) for ph, m in (("pre", pre), ("post", post))}
        positions.append({"position": pos, "label": POSITION_LABELS[pos], "pre": pre, "post": post,
                          "change": change_between(pre, post), "checks": with_photo, "amended": amended,
                          "axis": _axis_line(bundle["checks"], pos)})
        for ph, m in (("pre", pre), ("post", post)):
            if m and m.get("repeats_disagree"):
                notes.append(f"The {m['n']} checks {PHASE_LABELS[ph]} with the {POSITION_LABELS[pos]} disagree "
                             "beyond their bounds: retake them.")
    if not any(p["post"] for p in positions):
        notes.append("No post-adjustment check was recorded at this visit.")
    if not any(p["pre"] for p in positions):
        notes.append("No pre-adjustment check was recorded at this visit.")
    if amended_ids:
        notes.append("Includes amended checks (marked *): the corrected values are shown; the originals stay "
                     "in the log ('legcheck log --history').")
    first = next((p for p in positions if p["change"] is not None), None)
    keys = ("visit", "patient", "derifield", "derifield_overridden", "pd_side", "listing", "adjustments", "checks")
    return {**{k: bundle[k] for k in keys}, "settings": settings, "units": units, "positions": positions,
            "notes": notes, "assessment": visit_assessment(bundle),
            "headline": first and f"{first['label'].capitalize()}: {first['change'].sentence(units=units)}",
            "patient_line": first and patient_line(first["change"], units, repeats_disagree(first["pre"], first["post"]))}


def patient_data(bundle: dict, units: str | None = None, clinic: str | None = None, made_at=None) -> dict:
    """Everything the patient report shows: per-visit figures, the summary figures, the notes.

    Parameters
    ----------
    bundle : dict
        A patient bundle (:func:`legcheck.records.bundles.patient_bundle`): ``patient``,
        ``visits`` (visit bundles ordered by start, already limited to the period) and
        ``period`` ``(from, to)`` as ISO dates or None; optionally ``settings``.
    units, clinic, made_at
        See :func:`report_settings`.

    Returns
    -------
    dict
        ``patient``, ``period``, ``settings``, ``units``, ``practitioners`` (in order of first
        visit), ``rows`` (one per visit: ``visit``, ``means`` keyed by ``(phase, position)``,
        ``checks``, ``derifield``, ``pd_side``, ``adjustments``, ``listing``, ``amended`` check
        ids, ``changes`` (a :class:`Change` or None per position), ``change``: the extended
        one), ``positions`` (the positions checked, in the vocabulary's order), ``figures``
        (see :func:`summary_sentence`; with ``pre_text``, ``post_text`` and ``held_text``, the
        words of the report's figure boxes, or None), ``notes`` and ``summary``. The assessment:
        each row's ``pain`` ({"pre", "post"}: 0-10 or None) and ``assessment``
        (:func:`legcheck.reports.assess.visit_assessment`), ``pain`` (the means,
        :func:`legcheck.reports.assess.pain_figures`), ``pain_series`` (the chart's pain panel),
        ``red_flags`` (``date``, ``label``, ``open``, ``reason`` per red flag of the period) and
        ``banner`` (the open ones, each with its visit's date, or None).
    """
    settings = report_settings(bundle, units, clinic, made_at)
    patient, period = bundle["patient"], tuple(bundle["period"])
    rows, any_amended, disagree = [], False, False
    for vb in bundle["visits"]:
        means = _means(vb)
        amended = [c["id"] for c in vb["checks"] if c["amended"]]
        any_amended |= bool(amended)
        disagree |= repeats_disagree(*means.values())
        changes = {pos: change_between(means.get(("pre", pos)), means.get(("post", pos))) for pos in POSITIONS}
        assessment = visit_assessment(vb)
        rows.append({"visit": vb["visit"], "means": means, "checks": vb["checks"], "derifield": vb["derifield"],
                     "pd_side": vb["pd_side"], "adjustments": vb["adjustments"], "listing": vb["listing"],
                     "amended": amended, "changes": changes, "change": changes["extended"],
                     "assessment": assessment, "pain": assessment["pain"]})
    figures = series_figures(rows, settings["units"])
    flags = [{"date": r["visit"]["visit_date"], "label": label("red-flag", f["term"]), "open": not f["cleared"],
              "reason": f["reason"] if f["cleared"] else None}
             for r, vb in zip(rows, bundle["visits"]) for f in vb.get("red_flags") or []]
    notes = []
    if not rows:
        notes.append("No visits recorded for this patient" + (" in this period." if any(period) else "."))
    elif len(rows) == 1:
        notes.append("Only one visit so far: a trend needs at least two.")
    if rows and not any(r["change"] for r in rows):
        notes.append("No visit has both a pre- and a post-adjustment check with the legs extended.")
    if disagree:
        notes.append("Figures marked \u26a0 come from repeated checks that disagree beyond their bounds: "
                     "their bound is wide, the summary leaves them out; retake such checks.")
    if any_amended:
        notes.append("Some checks were amended: the corrected values are used (marked *).")
    practitioners = list(dict.fromkeys(r["visit"]["practitioner"] for r in rows if r["visit"].get("practitioner")))
    positions = [p for p in POSITIONS if any(p == pos for r in rows for _, pos in r["means"])]
    pain = pain_figures(rows)
    summary = " ".join(filter(None, [summary_sentence(patient, rows, figures, settings["units"]), pain_words(pain),
                                     pain_and_legs_sentence(rows, settings["units"])]))
    open_flags = [f"{f['label']} ({f['date']})" for f in flags if f["open"]]
    return {"patient": patient, "rows": rows, "figures": figures, "notes": notes, "period": period,
            "settings": settings, "units": settings["units"], "practitioners": practitioners,
            "positions": positions, "summary": summary, "pain": pain, "pain_series": pain_series(rows),
            "red_flags": flags, "banner": red_flag_sentence(open_flags) if open_flags else None}


def pain_words(pain: dict) -> str | None:
    """The pain means in a sentence: "Pain before the adjustment averaged 5.2/10 (6 visits), after it 3.0/10 (6 visits)."."""
    def mean(ph):
        n = pain[ph + "_n"]
        return f"{pain[ph + '_mean']:.1f}/10 ({n} visit{'s' if n != 1 else ''})"

    if pain["pre_n"] and pain["post_n"]:
        return f"Pain before the adjustment averaged {mean('pre')}, after it {mean('post')}."
    if pain["pre_n"] or pain["post_n"]:
        ph = "pre" if pain["pre_n"] else "post"
        return f"Pain {'before' if ph == 'pre' else 'after'} the adjustment averaged {mean(ph)}."
    return None
