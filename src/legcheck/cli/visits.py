"""Visit commands: open a visit, show one (checks, means, Derifield, PD side, drop pieces)."""

from __future__ import annotations

import datetime as dt
import json

import click

from ..textsafe import shown
from ._common import db_option, emit, handles_errors, open_db


@click.group()
def visit():
    """Visits: new, show."""


def parse_when(when: str | None) -> dt.datetime | None:
    """Parse ``--date`` (YYYY-MM-DD or YYYY-MM-DDTHH:MM).

    Returns
    -------
    datetime or None
        Aware (local time when no zone is given); None when not given.

    Raises
    ------
    click.BadParameter
        Not a date (exit 2).
    """
    if when is None:
        return None
    try:
        t = dt.datetime.fromisoformat(when)
    except ValueError:
        raise click.BadParameter(f"{when!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return t if t.tzinfo else t.astimezone()


@visit.command("new")
@click.option("--patient", "chart", required=True, help="Chart number.")
@click.option("--date", "when", default=None, help="Date and time (YYYY-MM-DD[THH:MM]); default now.")
@click.option("--practitioner", default=None)
@click.option("--notes", default=None)
@db_option
@handles_errors
def visit_new(chart, when, practitioner, notes, db_path, create_db):
    """Open a new visit for a patient; prints its id."""
    when_dt = parse_when(when)
    with open_db(db_path, create_db) as st:
        vid = st.new_visit(chart, when_dt, practitioner, notes)
    click.echo(vid)


def _findings_line(s: dict) -> str:
    """Derifield, PD side and listing of a visit summary, in one line."""
    return (f"Derifield: {s['derifield'] or 'not determined'}" + (" (set by hand)" if s["derifield_overridden"] else "")
            + f"   PD side: {s['pd_side'] or '-'}" + (f"   listing: {s['listing']}" if s["listing"] else ""))


@visit.command("show")
@click.argument("visit_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def visit_show(visit_id, as_json, db_path, create_db):
    """A visit: checks, means per phase and position, Derifield, PD side, drop pieces."""
    from ..records.bundles import visit_summary

    with open_db(db_path, create_db) as st:
        s = visit_summary(st, visit_id)
    if as_json:
        click.echo(json.dumps(s, default=str))
        return
    v = s["visit"]
    click.echo(shown(f"Visit {v['id']}  patient {v['chart']}  {v['visit_date']}" +
                     (f"  {v['practitioner']}" if v["practitioner"] else "")))
    emit(s["means"], ["phase", "position", "n", "lld_mm", "uncertainty_mm", "short_leg"])
    click.echo(shown(_findings_line(s)))
    for a in s["adjustments"]:
        click.echo(shown(f"Drop piece: {a['piece']}" + (f" {a['side']}" if a["side"] else "") +
                         (f" - {a['listing']}" if a["listing"] else "")))
