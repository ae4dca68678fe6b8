"""Patient commands: add, list, show."""

from __future__ import annotations

import json

import click

from ..textsafe import shown
from ._common import db_option, emit, handles_errors, open_db, output_options


@click.group()
def patient():
    """Patients: add, list, show."""


@patient.command("add")
@click.argument("chart")
@click.option("--name", required=True, help="Patient's name.")
@click.option("--dob", default=None, help="Date of birth, YYYY-MM-DD.")
@click.option("--notes", default=None)
@db_option
@handles_errors
def patient_add(chart, name, dob, notes, db_path, create_db):
    """Add a patient under the clinic's CHART number."""
    with open_db(db_path, create_db) as st:
        pid = st.add_patient(chart, name, dob, notes)
    click.echo(f"Added patient {chart} (id {pid})")


@patient.command("list")
@output_options
@db_option
@handles_errors
def patient_list(as_json, as_csv, db_path, create_db):
    """List patients with their number of visits."""
    with open_db(db_path, create_db) as st:
        rows = st.patients()
    emit(rows, ["chart", "name", "dob", "visits", "last_visit"], as_json, as_csv)


@patient.command("show")
@click.argument("chart")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def patient_show(chart, as_json, db_path, create_db):
    """A patient and their visits."""
    with open_db(db_path, create_db) as st:
        p = st.patient(chart)
        visits = st.visits(chart)
    if as_json:
        click.echo(json.dumps({"patient": p, "visits": visits}))
        return
    click.echo(shown(f"{p['chart']}  {p['name']}" + (f"  born {p['dob']}" if p["dob"] else "")))
    if p["notes"]:
        click.echo(f"notes: {shown(p['notes'])}")
    emit(visits, ["id", "visit_date", "practitioner", "notes"])
