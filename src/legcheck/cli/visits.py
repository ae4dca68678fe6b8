"""Visit commands: open a visit, list visits, show one (checks, means, the changes, Derifield, PD side,
drop pieces, the assessment and reactions, an open red flag first)."""

from __future__ import annotations

import json

import click

from ..records.when import parse_visit_time
from ..textsafe import shown
from ._common import checked, db_option, emit, handles_errors, open_db, output_options, red_flag_box, units_from, units_option, \
    with_inches

#: What ``visit show`` says beside a mean whose repeats disagree beyond their bounds.
RETAKE = "repeats disagree: retake"


@click.group()
def visit():
    """Visits: new, list, show."""


@visit.command("new")
@click.option("--patient", "chart", required=True, help="Chart number.")
@click.option("--date", "when", default=None, callback=checked(parse_visit_time),
              help="Date and time (YYYY-MM-DD[THH:MM][+HH:MM]; local time without a zone); default now.")
@click.option("--practitioner", default=None)
@click.option("--notes", default=None)
@db_option
@handles_errors
def visit_new(chart, when, practitioner, notes, db_path, create_db):
    """Open a new visit for a patient; prints its id."""
    with open_db(db_path, create_db) as st:
        vid = st.new_visit(chart, when, practitioner, notes)
    click.echo(vid)


@visit.command("list")
@click.option("--patient", "chart", default=None, help="Only this chart number.")
@output_options
@db_option
@handles_errors
def visit_list(chart, as_json, as_csv, db_path, create_db):
    """Visits by date: patient, practitioner, how many checks, an open red flag."""
    with open_db(db_path, create_db) as st:
        rows = st.visits(chart)
    if not (as_json or as_csv):
        for r in rows:
            r["red_flag"] = "RED FLAG" if r["open_red_flags"] else ""
    emit(rows, ["id", "chart", "visit_date", "practitioner", "checks", "open_red_flags" if as_json or as_csv
                else "red_flag"], as_json, as_csv)


def _findings_line(s: dict) -> str:
    """Derifield, PD side and listing of a visit summary, in one line."""
    return (f"Derifield: {s['derifield'] or 'not determined'}" + (" (set by hand)" if s["derifield_overridden"] else "")
            + f"   PD side: {s['pd_side'] or '-'}" + (f"   listing: {s['listing']}" if s["listing"] else ""))


def visit_changes(summary: dict, units: str) -> list[dict]:
    """The pre -> post change of each position checked both ways, in the words of the reports.

    Parameters
    ----------
    summary : dict
        :func:`legcheck.records.bundles.visit_summary` output.
    units : {"mm", "in"}

    Returns
    -------
    list of dict
        ``position`` and :meth:`legcheck.reports.change.Change.to_dict`, with ``sentence`` in
        ``units``; in the vocabulary's order of positions.
    """
    from ..records.vocabulary import POSITIONS
    from ..reports.change import change_between

    means = {(m["phase"], m["position"]): m for m in summary["means"]}
    out = []
    for pos in POSITIONS:
        ch = change_between(means.get(("pre", pos)), means.get(("post", pos)))
        if ch is not None:
            out.append({"position": pos, **ch.to_dict(), "sentence": ch.sentence(units=units)})
    return out


@visit.command("show")
@click.argument("visit_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@units_option
@db_option
@handles_errors
def visit_show(visit_id, as_json, units, db_path, create_db):
    """A visit: checks, means per phase and position, the changes, Derifield, PD side, drop pieces."""
    from ..records.bundles import visit_bundle
    from ..reports.assess import visit_assessment

    with open_db(db_path, create_db) as st:
        units = units_from(units, st)
        s = visit_bundle(st, visit_id)
    changes = visit_changes(s, units)
    a = visit_assessment(s)
    if as_json:
        if units == "in":
            s["means"] = with_inches(s["means"], [])[0]
        for c in s["checks"]:
            c.pop("photo_path", None)
        click.echo(json.dumps({**s, "changes": changes, "red_flag_warning": a["banner"]}, default=str))
        return
    v = s["visit"]
    if a["banner"]:
        click.echo(red_flag_box(a["banner"]))
    click.echo(shown(f"Visit {v['id']}  patient {v['chart']}  {v['visit_date']}" +
                     (f"  {v['practitioner']}" if v["practitioner"] else "")))
    for m in s["means"]:
        m["note"] = RETAKE if m["repeats_disagree"] else ""
    emit(s["means"], ["phase", "position", "n", "lld_mm", "uncertainty_mm", "short_leg", "note"], units=units)
    for c in changes:
        click.echo(f"{c['position']}: {c['sentence']}")
    click.echo(shown(_findings_line(s)))
    for adj in s["adjustments"]:
        click.echo(shown(f"Drop piece: {adj['piece']}" + (f" {adj['side']}" if adj["side"] else "") +
                         (f" - {adj['listing']}" if adj["listing"] else "") +
                         (f"  (red flag overridden: {adj['red_flag_override']})" if adj.get("red_flag_override")
                          else "") + f"  [adjustment {adj['id']}]"))
    for line in assessment_lines(a, s):
        click.echo(shown(line))


def assessment_lines(a: dict, bundle: dict) -> list[str]:
    """The assessment of a visit, one line each, with the ids a correction names.

    Parameters
    ----------
    a : dict
        :func:`legcheck.reports.assess.visit_assessment` of the visit.
    bundle : dict
        The visit bundle (its items' ids).
    """
    from ..records.assessment_terms import label

    items = bundle.get("assessment") or []
    ids = {(i["kind"], i["term"]): i["id"] for i in items}
    out = []
    if a["pain_text"]:
        out.append(f"Pain (0-10): {a['pain_text']}  [items " +
                   ", ".join(str(ids[("pain", ph)]) for ph in ("pre", "post") if ("pain", ph) in ids) + "]")
    for i in items:
        if i["kind"] == "symptom":
            out.append(f"Symptom: {label('symptom', i['term'])}" + (f" - {i['note']}" if i["note"] else "")
                       + f"  [item {i['id']}]")
        elif i["kind"] == "red-flag":
            state = f"cleared: {i['reason']}" if i["cleared"] else "OPEN: refer for immediate medical care"
            out.append(f"Red flag: {label('red-flag', i['term'])} ({state})  [item {i['id']}]")
    from ..reports.assess import therapy_words

    for i in items:
        if i["kind"] == "therapy":
            out.append(f"Therapy: {therapy_words(i)}  [item {i['id']}]")
    for r in a["reactions"]:
        out.append(f"Reaction: {r['words']}  [reaction {r['id']}]")
    return out
