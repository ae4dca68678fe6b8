"""Assessment commands: pain, symptoms, red flags and therapies of a visit (``assess``); adverse reactions (``reaction``).

Every word is checked against its vocabulary (:mod:`legcheck.records.assessment_terms`): an
unknown term is a usage error (exit 2) naming the allowed ones. A red flag is never just a
field: recording one prints the referral warning, and the visit's adjustment then needs
``adjust --override-red-flag``. legcheck records and reminds; it does not diagnose.
"""

from __future__ import annotations

import json
import re

import click

from ..errors import UsageError
from ..records.assessment_terms import OUTCOMES, PAIN_NRS_MAX, REACTION_ACTIONS, REACTION_KINDS, SEVERITIES
from ..records.inputs import require_date
from ..records.vocabulary import require_term
from ._common import checked, db_option, handles_errors, open_db, red_flag_box

_MINUTES = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:min|mins|minutes|m)?$", re.IGNORECASE)


def parse_term(kind: str, text: str) -> dict:
    """``TERM[:NOTE]`` of a symptom or red flag: {"term", "note"}.

    Raises
    ------
    UsageError
        The term is not in its vocabulary (naming the allowed terms).
    """
    term, _, note = text.partition(":")
    return {"term": require_term(kind, term.strip()), "note": note.strip() or None}


def parse_therapy(text: str) -> dict:
    """``TERM[:DURATION][:NOTES]`` of a therapy ("ist:10min", "ice:15", "other:cupping:5min"): {"term", "minutes", "note"}.

    Raises
    ------
    UsageError
        The term is not a therapy (naming the allowed terms); "other" without its text.
    """
    term, *parts = [p.strip() for p in text.split(":")]
    require_term("therapy", term)
    minutes, notes = None, []
    for part in parts:
        m = _MINUTES.match(part)
        if m and minutes is None:
            minutes = float(m.group(1))
        elif part:
            notes.append(part)
    if term == "other" and not notes:
        raise UsageError("the therapy 'other' needs its description: other:WHAT[:DURATION]")
    return {"term": term, "minutes": minutes, "note": ": ".join(notes) or None}


def _each(parse, *args):
    """A click callback applying ``parse`` to every value of a multiple option, naming the option on error."""
    one = checked(parse, *args)

    def callback(ctx, param, values):
        return [one(ctx, param, v) for v in values or ()]
    return callback


def red_flag_warning(banner: str) -> None:
    """The referral warning, prominent on stderr."""
    click.echo(red_flag_box(banner, "legcheck records and reminds; it does not diagnose.",
                            'An adjustment on this visit needs --override-red-flag "reason" (audited).'), err=True)


@click.command()
@click.option("--visit", "visit_id", type=int, default=None, help="The visit.")
@click.option("--pain-pre", type=click.IntRange(0, PAIN_NRS_MAX), default=None,
              help="Pain before the adjustment, 0-10 (numeric rating scale).")
@click.option("--pain-post", type=click.IntRange(0, PAIN_NRS_MAX), default=None, help="Pain after the adjustment, 0-10.")
@click.option("--symptom", "symptoms", multiple=True, callback=_each(parse_term, "symptom"), metavar="TERM[:NOTE]",
              help="A symptom (repeatable), e.g. back-spasm or 'sciatica:left leg, since Monday'.")
@click.option("--red-flag", "red_flags", multiple=True, callback=_each(parse_term, "red flag"), metavar="TERM[:NOTE]",
              help="A warning sign calling for immediate medical care (repeatable), e.g. bladder-bowel.")
@click.option("--therapy", "therapies", multiple=True, callback=_each(parse_therapy), metavar="TERM[:MIN][:NOTES]",
              help="A therapy given (repeatable), e.g. ist:10min, ice:15, other:cupping:5min.")
@click.option("--clear-red-flag", "clear", multiple=True, callback=_each(lambda v: require_term("red flag", v)),
              metavar="TERM", help="Close an open red flag of the visit (needs --reason), e.g. after medical clearance.")
@click.option("--void", "void_id", type=int, default=None, metavar="ITEM",
              help="Void an assessment item recorded in error (needs --reason).")
@click.option("--reason", default=None,
              help="Why: needed to amend an item the visit already has, to clear a red flag, to void an item.")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def assess(visit_id, pain_pre, pain_post, symptoms, red_flags, therapies, clear, void_id, reason, as_json, db_path,
           create_db):
    """Record the assessment of a visit: pain before and after, symptoms, red flags, therapies.

    \b
    legcheck assess --visit 3 --pain-pre 6 --symptom back-spasm --therapy ist:10min
    legcheck assess --visit 3 --pain-post 3
    legcheck assess --visit 3 --pain-pre 5 --reason "misheard: five"      (an amendment)
    legcheck assess --visit 3 --clear-red-flag bladder-bowel --reason "seen by GP, cleared"
    """
    if void_id is not None:
        if not (reason or "").strip():
            raise click.BadParameter("give the reason for the void", param_hint="'--reason'")
        with open_db(db_path, create_db) as st:
            new_id = st.void_assessment_item(void_id, reason)
        click.echo(f"assessment item {void_id} voided (record {new_id})")
        return
    if visit_id is None:
        raise click.UsageError("give --visit ID (or --void ITEM --reason TEXT)")
    items = [{"kind": "pain", "term": ph, "nrs": v} for ph, v in (("pre", pain_pre), ("post", pain_post)) if v is not None]
    items += [{"kind": "symptom", **s} for s in symptoms] + [{"kind": "red-flag", **f} for f in red_flags]
    items += [{"kind": "therapy", **t} for t in therapies]
    if not items and not clear:
        raise click.UsageError("give --pain-pre, --pain-post, --symptom, --red-flag, --therapy or --clear-red-flag")
    if clear and not (reason or "").strip():
        raise click.BadParameter("clearing a red flag needs the reason", param_hint="'--reason'")
    with open_db(db_path, create_db) as st:
        done = st.record_assessment(visit_id, items, reason) if items else []
        cleared = [st.clear_red_flag(visit_id, term, reason) for term in clear]
        open_flags = st.open_red_flags(visit_id)
    from ..reports.assess import red_flag_banner

    banner = red_flag_banner(open_flags)
    if red_flags and banner:
        red_flag_warning(banner)
    if as_json:
        click.echo(json.dumps({"visit_id": visit_id, "items": done, "cleared": cleared, "red_flag_warning": banner}))
        return
    for d in done:
        click.echo(f"visit {visit_id}: {d['kind']} {d['term']} {'amended' if d['amended'] else 'recorded'} "
                   f"(item {d['id']})")
    for term, row in zip(clear, cleared):
        click.echo(f"visit {visit_id}: red flag {term} cleared (item {row})")


def _reaction_values(kw: dict) -> dict:
    """The reaction options given, as the store's keyword arguments."""
    names = {"kind": "kind", "severity": "severity", "onset_min": "onset_min", "duration_min": "duration_min",
             "actions": "actions", "outcome": "outcome", "follow_up": "follow_up", "note": "note",
             "action_note": "action_note", "outcome_note": "outcome_note"}
    out = {names[k]: v for k, v in kw.items() if k in names and v not in (None, ())}
    if "actions" in out:
        out["actions"] = list(out["actions"])
    return out


@click.command()
@click.option("--visit", "visit_id", type=int, default=None, help="The visit.")
@click.option("--kind", type=click.Choice(tuple(REACTION_KINDS)), default=None, help="What happened.")
@click.option("--severity", type=click.Choice(tuple(SEVERITIES)), default=None)
@click.option("--onset-min", type=click.FloatRange(0, 1440), default=None, help="Minutes after the adjustment it began.")
@click.option("--duration-min", type=click.FloatRange(0, 1440), default=None, help="How long it lasted, minutes.")
@click.option("--action", "actions", multiple=True, type=click.Choice(tuple(REACTION_ACTIONS)),
              help="What was done (repeatable).")
@click.option("--action-note", default=None, help="The 'other' action, in words.")
@click.option("--outcome", type=click.Choice(tuple(OUTCOMES)), default=None)
@click.option("--outcome-note", default=None, help="The outcome in words.")
@click.option("--follow-up", default=None, callback=checked(require_date, "follow-up date"),
              help="Follow-up date, YYYY-MM-DD.")
@click.option("--note", default=None, help="The reaction in words ('other' needs it).")
@click.option("--amend", "amend_id", type=int, default=None, metavar="ID",
              help="Correct or complete reaction ID (its outcome, a follow-up...); needs --reason.")
@click.option("--void", "void_id", type=int, default=None, metavar="ID", help="Void reaction ID; needs --reason.")
@click.option("--reason", default=None, help="Why (an amendment or a void).")
@db_option
@handles_errors
def reaction(visit_id, amend_id, void_id, reason, db_path, create_db, **kw):
    """Record an adverse reaction after the adjustment: kind, onset, duration, severity, actions, outcome, follow-up.

    \b
    legcheck reaction --visit 3 --kind spasm --severity severe --onset-min 2 --duration-min 25 \\
        --action ice --action rest --outcome resolved --follow-up 2026-09-09
    """
    values = _reaction_values(kw)
    if (amend_id is not None or void_id is not None) and not (reason or "").strip():
        raise click.BadParameter("give the reason", param_hint="'--reason'")
    with open_db(db_path, create_db) as st:
        if void_id is not None:
            new_id = st.void_reaction(void_id, reason)
            click.echo(f"reaction {void_id} voided (record {new_id})")
            return
        if amend_id is not None:
            new_id = st.amend_reaction(amend_id, reason, **values)
            click.echo(f"reaction {amend_id} amended by reaction {new_id}")
            row = next(r for r in st.record_history("reactions", new_id) if r["id"] == new_id)
        else:
            if visit_id is None or "kind" not in values or "severity" not in values:
                raise click.UsageError("give --visit, --kind and --severity (or --amend ID / --void ID with --reason)")
            new_id = st.record_reaction(visit_id, **values)
            click.echo(f"visit {visit_id}: reaction recorded (reaction {new_id})")
            row = {**values, "actions": ",".join(values.get("actions", []))}
    _remind(row)


def _remind(row: dict) -> None:
    """Document, refer when it does not settle, follow up: say what is still open."""
    if row.get("outcome") in ("resolved", "resolved-with-sequelae"):
        return
    referred = "emergency-referral" in (row.get("actions") or "").split(",")
    click.echo("legcheck: reminder: the reaction has not resolved" +
               ("" if referred else "; refer to emergency care if it does not settle") +
               ("; follow up on " + row["follow_up"] if row.get("follow_up") else "; no follow-up date recorded"),
               err=True)
