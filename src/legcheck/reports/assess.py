"""The assessment around the leg check in words and figures: pain, symptoms, red flags, therapies, reactions.

The visit report, the patient report, ``legcheck visit show`` and the web app's visit page all
word the assessment here, from the bundles' ``assessment``, ``reactions`` and ``red_flags``
(:func:`legcheck.records.bundles.visit_bundle`). A red flag is never just a field: an open one
is the first line of the visit and patient reports (:func:`red_flag_banner`).

Pain and the leg figure "move together" when, from the first visit to the last with both, the
pain before the adjustment changed by at least :data:`PAIN_CHANGE_POINTS` on the 0-10 scale and
the short-leg figure (the size of the pre-adjustment difference, legs extended) changed by more
than the two checks' combined 95 % bound, in the same direction. It is an association across
visits, never a cause.

References
----------
Farrar J. T. et al., "Clinical importance of changes in chronic pain intensity measured on an
11-point numerical pain rating scale", Pain 94 (2001) 149-158: a change of about 2 points (30 %)
is clinically important.
"""

from __future__ import annotations

import math

from .. import units as u
from ..records.assessment_terms import (OUTCOMES, REACTION_ACTIONS, REACTION_KINDS, label, red_flag_sentence,
                                        symptom_group)

__all__ = ["PAIN_CHANGE_POINTS", "visit_assessment", "red_flag_banner", "therapy_words", "reaction_words",
           "reaction_timeline", "pain_series", "pain_figures", "pain_and_legs_sentence", "minutes_text"]

#: A change in pain this large on the 0-10 scale counts (Farrar et al. 2001).
PAIN_CHANGE_POINTS = 2


def minutes_text(minutes: float | None) -> str:
    """ "10 min", "1 h 30 min", "2.5 min"; "" for None."""
    if minutes is None:
        return ""
    if minutes >= 60:
        h, m = divmod(round(minutes), 60)
        return f"{h} h" + (f" {m} min" if m else "")
    return f"{minutes:g} min"


def red_flag_banner(red_flags: list[dict]) -> str | None:
    """The line at the top of a report while red flags are open, or None.

    Parameters
    ----------
    red_flags : list of dict
        Red-flag items (``term``, ``cleared``), of one visit or of several.

    Returns
    -------
    str or None
        "red flag recorded: loss of bladder or bowel control — refer for immediate medical care"
        (every open flag once, in the order recorded).
    """
    labels = list(dict.fromkeys(label("red-flag", f["term"]) for f in red_flags if not f.get("cleared")))
    return red_flag_sentence(labels) if labels else None


def therapy_words(item: dict) -> str:
    """A therapy in words: "intersegmental traction (IST), 10 min", "other: cupping, 5 min"."""
    name = f"other: {item['note']}" if item["term"] == "other" else label("therapy", item["term"])
    extra = [minutes_text(item.get("minutes"))] + ([item["note"]] if item.get("note") and item["term"] != "other" else [])
    return ", ".join([name] + [e for e in extra if e])


def _actions(r: dict) -> list[str]:
    return [f"other: {r['action_note']}" if a == "other" and r.get("action_note") else REACTION_ACTIONS.get(a, a)
            for a in r["actions"]]


def reaction_words(r: dict) -> str:
    """A reaction in one line: "spasm (severe), 2 min after the adjustment, lasted 30 min; ice, rest; resolved; follow-up 2026-09-09"."""
    kind = f"other: {r['note']}" if r["kind"] == "other" else REACTION_KINDS.get(r["kind"], r["kind"])
    parts = [f"{kind} ({r['severity']})" + (f", {minutes_text(r['onset_min'])} after the adjustment"
                                             if r.get("onset_min") is not None else "")
             + (f", lasted {minutes_text(r['duration_min'])}" if r.get("duration_min") is not None else "")]
    if r["actions"]:
        parts.append(", ".join(_actions(r)))
    if r.get("outcome"):
        parts.append(OUTCOMES.get(r["outcome"], r["outcome"]) + (f" ({r['outcome_note']})" if r.get("outcome_note") else ""))
    if r.get("follow_up"):
        parts.append(f"follow-up {r['follow_up']}")
    return "; ".join(parts)


def reaction_timeline(r: dict) -> list[dict]:
    """What happened after the adjustment, in order: ``at`` ("0 min", "+2 min", or "") and ``what``.

    Returns
    -------
    list of dict
        The adjustment, the reaction's onset (kind, severity, its words), what was done, when it
        settled (onset + duration), the outcome, the follow-up date: those recorded.
    """
    onset, duration = r.get("onset_min"), r.get("duration_min")
    kind = f"other: {r['note']}" if r["kind"] == "other" else REACTION_KINDS.get(r["kind"], r["kind"])
    steps = [{"at": "0 min", "what": "adjustment"},
             {"at": f"+{minutes_text(onset)}" if onset is not None else "",
              "what": f"{kind} began ({r['severity']})" + ("" if onset is not None else "; time not recorded")}]
    if r["actions"]:
        steps.append({"at": "", "what": "done: " + ", ".join(_actions(r))})
    if duration is not None:
        end = f"+{minutes_text((onset or 0) + duration)}" if onset is not None else ""
        steps.append({"at": end, "what": f"settled after {minutes_text(duration)}"})
    if r.get("outcome"):
        steps.append({"at": "", "what": "outcome: " + OUTCOMES.get(r["outcome"], r["outcome"])
                      + (f" ({r['outcome_note']})" if r.get("outcome_note") else "")})
    if r.get("follow_up"):
        steps.append({"at": r["follow_up"], "what": "follow-up"})
    return steps


def visit_assessment(bundle: dict) -> dict:
    """A visit's assessment as the reports and ``visit show`` word it.

    Parameters
    ----------
    bundle : dict
        A visit bundle with ``assessment``, ``reactions`` and ``red_flags`` (absent: nothing
        recorded).

    Returns
    -------
    dict
        ``pain`` ({"pre": 0-10 or None, "post": ...}), ``pain_text`` ("6/10 → 3/10" or None),
        ``symptoms`` (``label``, ``group``, ``note``, ``id``), ``red_flags`` (open, their words),
        ``cleared`` (closed red flags: ``label``, ``reason``, ``author``, ``created_at``),
        ``banner`` (:func:`red_flag_banner`), ``therapies`` (words), ``reactions`` (per
        reaction: ``id``, ``words``, ``timeline``), ``any`` (anything recorded).
    """
    items = bundle.get("assessment") or []
    pain = {ph: next((i["nrs"] for i in items if i["kind"] == "pain" and i["term"] == ph), None) for ph in ("pre", "post")}
    flags = bundle.get("red_flags") or [i for i in items if i["kind"] == "red-flag"]
    reactions = [{"id": r["id"], "words": reaction_words(r), "timeline": reaction_timeline(r)}
                 for r in bundle.get("reactions") or []]
    out = {"pain": pain, "pain_text": pain_text(pain),
           "symptoms": [{"id": i["id"], "label": label("symptom", i["term"]), "group": symptom_group(i["term"]),
                         "note": i["note"]} for i in items if i["kind"] == "symptom"],
           "red_flags": [label("red-flag", f["term"]) for f in flags if not f.get("cleared")],
           "cleared": [{"label": label("red-flag", f["term"]), "reason": f["reason"], "author": f["author"],
                        "created_at": f["created_at"]} for f in flags if f.get("cleared")],
           "banner": red_flag_banner(flags),
           "therapies": [therapy_words(i) for i in items if i["kind"] == "therapy"],
           "reactions": reactions}
    out["any"] = bool(items or reactions)
    return out


def pain_text(pain: dict) -> str | None:
    """ "6/10 → 3/10", "6/10 before", "3/10 after", or None."""
    pre, post = pain.get("pre"), pain.get("post")
    if pre is not None and post is not None:
        return f"{pre}/10 \u2192 {post}/10"
    if pre is not None:
        return f"{pre}/10 before"
    if post is not None:
        return f"{post}/10 after"
    return None


def pain_series(rows: list[dict]) -> list[dict]:
    """The points of the trend chart's pain panel, one series per phase with a rating.

    Parameters
    ----------
    rows : list of dict
        The per-visit rows of :func:`legcheck.reports.data.patient_data` (``visit``, ``pain``).

    Returns
    -------
    list of dict
        ``phase``, and equal-length lists ``visit_date``, ``visit_id``, ``nrs`` (0-10).
    """
    out = []
    for phase in ("pre", "post"):
        pts = [(r["visit"]["visit_date"], r["visit"]["id"], r["pain"][phase]) for r in rows
               if r["pain"].get(phase) is not None]
        if pts:
            out.append({"phase": phase, "visit_date": [p[0] for p in pts], "visit_id": [p[1] for p in pts],
                        "nrs": [p[2] for p in pts]})
    return out


def pain_figures(rows: list[dict]) -> dict:
    """Mean pain before and after the adjustment across visits, and how many ratings each.

    Returns
    -------
    dict
        ``pre_mean``, ``post_mean`` (0-10 or None), ``pre_n``, ``post_n``, ``first_pre`` and
        ``last_pre`` (the first and last visits' ratings before the adjustment, or None).
    """
    out = {}
    for phase in ("pre", "post"):
        v = [r["pain"][phase] for r in rows if r["pain"].get(phase) is not None]
        out[f"{phase}_mean"], out[f"{phase}_n"] = (sum(v) / len(v) if v else None), len(v)
    pre = [r["pain"]["pre"] for r in rows if r["pain"].get("pre") is not None]
    out["first_pre"], out["last_pre"] = (pre[0], pre[-1]) if pre else (None, None)
    return out


def _direction(delta: float, bound: float) -> int:
    return 0 if abs(delta) <= bound else (1 if delta > 0 else -1)


def pain_and_legs_sentence(rows: list[dict], units: str = u.DEFAULT_UNITS) -> str | None:
    """Whether pain and the short-leg figure moved together, in plain words (see the module docstring).

    Parameters
    ----------
    rows : list of dict
        The per-visit rows of :func:`legcheck.reports.data.patient_data` (``visit``, ``pain``,
        ``means``); means whose repeats disagree are left out.
    units : {"mm", "in"}

    Returns
    -------
    str or None
        For example "Pain and the short-leg figure fell together: pain before the adjustment
        went from 7/10 to 2/10 and the difference from 6.1 mm to 1.0 mm (2026-09-01 to
        2026-10-06), an association, not a cause."; None with fewer than two visits having
        both a pain rating and a pre-adjustment check with the legs extended.
    """
    both = [(r["visit"]["visit_date"], r["pain"]["pre"], r["means"][("pre", "extended")]) for r in rows
            if r["pain"].get("pre") is not None and ("pre", "extended") in r["means"]
            and not r["means"][("pre", "extended")].get("repeats_disagree")]
    if len(both) < 2:
        return None
    (d0, p0, m0), (d1, p1, m1) = both[0], both[-1]
    pain_dir = 0 if abs(p1 - p0) < PAIN_CHANGE_POINTS else (1 if p1 > p0 else -1)
    leg_dir = _direction(abs(m1["lld_mm"]) - abs(m0["lld_mm"]), math.hypot(m0["uncertainty_mm"], m1["uncertainty_mm"]))
    figures = (f"pain before the adjustment went from {p0}/10 to {p1}/10 and the difference from "
               f"{u.figure(abs(m0['lld_mm']), units)} to {u.figure(abs(m1['lld_mm']), units)} ({d0} to {d1})")
    word = {1: "rose", -1: "fell", 0: "held steady"}
    if pain_dir == leg_dir:
        lead = ("Pain and the short-leg figure " + (f"{word[pain_dir]} together" if pain_dir else
                                                     "both held steady (no change beyond their limits)"))
        return f"{lead}: {figures}; an association across visits, not a cause."
    if pain_dir and leg_dir:
        lead = f"Pain {word[pain_dir]} while the short-leg figure {word[leg_dir]}: they moved in opposite directions"
    else:
        lead = (f"Pain {word[pain_dir]} while the short-leg figure {word[leg_dir]}: they did not move together")
    return f"{lead} ({figures})."
