"""Patient commands: add, edit, list, find, show."""

from __future__ import annotations

import json

import click

from ..records.inputs import require_dob
from ..textsafe import shown
from ._common import checked, db_option, emit, handles_errors, open_db, output_options

PATIENT_COLUMNS = ["chart", "name", "dob", "visits", "last_visit"]


@click.group()
def patient():
    """Patients: add, edit, list, find, show."""


@patient.command("add")
@click.argument("chart")
@click.option("--name", required=True, help="Patient's name.")
@click.option("--dob", default=None, callback=checked(require_dob),
              help="Date of birth, YYYY-MM-DD (in the past, after 1900).")
@click.option("--notes", default=None)
@db_option
@handles_errors
def patient_add(chart, name, dob, notes, db_path, create_db):
    """Add a patient under the clinic's CHART number (unique, whatever the case)."""
    with open_db(db_path, create_db) as st:
        pid = st.add_patient(chart, name, dob, notes)
    click.echo(f"Added patient {chart} (id {pid})")


@patient.command("edit")
@click.argument("chart")
@click.option("--name", default=None, help="The corrected name.")
@click.option("--dob", default=None, callback=checked(require_dob), help="The corrected date of birth, YYYY-MM-DD.")
@click.option("--notes", default=None, help='New notes ("" clears them).')
@click.option("--reason", default=None, help="Why (default: which details changed).")
@db_option
@handles_errors
def patient_edit(chart, name, dob, notes, reason, db_path, create_db):
    """Correct a patient's details: a new version; the old one stays in the records."""
    if name is None and dob is None and notes is None:
        raise click.UsageError("give what changes: --name, --dob or --notes")
    with open_db(db_path, create_db) as st:
        st.edit_patient(chart, name=name, dob=dob, notes=notes, reason=reason)
        p = st.patient(chart)
    click.echo(shown(f"Patient {p['chart']}: {p['name']}" + (f", born {p['dob']}" if p["dob"] else "")))


@patient.command("list")
@output_options
@db_option
@handles_errors
def patient_list(as_json, as_csv, db_path, create_db):
    """List patients with their number of visits."""
    with open_db(db_path, create_db) as st:
        rows = st.patients()
    emit(rows, PATIENT_COLUMNS, as_json, as_csv)


@patient.command("find")
@click.argument("text")
@output_options
@db_option
@handles_errors
def patient_find(text, as_json, as_csv, db_path, create_db):
    """Patients whose chart number or name holds TEXT (any case, with or without accents)."""
    with open_db(db_path, create_db) as st:
        rows = st.find_patients(text)
    emit(rows, PATIENT_COLUMNS, as_json, as_csv)


@patient.command("show")
@click.argument("chart")
@click.option("--history", is_flag=True, help="Every version of the patient's details (edits keep the old ones).")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def patient_show(chart, history, as_json, db_path, create_db):
    """A patient and their visits."""
    with open_db(db_path, create_db) as st:
        p = st.patient(chart)
        visits = st.visits(chart)
        versions = st.patient_versions(chart) if history else None
    if as_json:
        click.echo(json.dumps({"patient": p, "visits": visits} | ({"versions": versions} if history else {})))
        return
    if history:
        emit(versions, ["id", "chart", "name", "dob", "notes", "author", "reason", "created_at"])
        return
    click.echo(shown(f"{p['chart']}  {p['name']}" + (f"  born {p['dob']}" if p["dob"] else "")))
    if p["notes"]:
        click.echo(f"notes: {shown(p['notes'])}")
    for v in visits:
        v["red_flag"] = "RED FLAG" if v["open_red_flags"] else ""
    emit(visits, ["id", "visit_date", "practitioner", "checks", "red_flag", "notes"])
