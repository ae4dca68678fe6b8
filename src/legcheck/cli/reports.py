"""Report commands: a visit's pre/post comparison, a patient's trend (HTML, PDF, CSV)."""

from __future__ import annotations

import click

from ..reports.output import PAPERS
from ._common import db_option, handles_errors, open_db, stack_options


@click.group()
def report():
    """Reports: a visit's pre/post comparison, a patient's trend."""


def report_options(fn):
    """Where the report goes and what comes with it."""
    return stack_options(fn, [
        click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
                     help="HTML file to write (a new file unless --force)."),
        click.option("--pdf", is_flag=False, flag_value="", default=None, metavar="[PATH]",
                     help="Also write the same report as PDF: to PATH, or OUT with .pdf."),
        click.option("--csv", "as_csv", is_flag=False, flag_value="", default=None, metavar="[PATH]",
                     help="Also write the numbers as CSV: to PATH, or OUT with .csv."),
        click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True),
        click.option("--force", is_flag=True, help="Replace files that exist (never the database or its photos)."),
    ])


@report.command("visit")
@click.argument("visit_id", type=int)
@report_options
@db_option
@handles_errors
def report_visit(visit_id, out_path, pdf, as_csv, paper, force, db_path, create_db):
    """The visit: pre and post photos side by side, the change, Derifield, PD, drop pieces."""
    from ..records.bundles import visit_bundle
    from ..reports.output import write_report

    with open_db(db_path, create_db) as st:
        bundle = visit_bundle(st, visit_id)
        protected = st.protected_paths()
    for path in write_report("visit", bundle, out_path, paper, pdf, as_csv, overwrite=force, protected=protected):
        click.echo(str(path))


@report.command("patient")
@click.argument("chart")
@click.option("--from", "date_from", default=None, help="First visit date, YYYY-MM-DD.")
@click.option("--to", "date_to", default=None, help="Last visit date, YYYY-MM-DD.")
@report_options
@db_option
@handles_errors
def report_patient(chart, date_from, date_to, out_path, pdf, as_csv, paper, force, db_path, create_db):
    """The series: trend chart, visits, mean pre/post, how well corrections hold."""
    from ..records.bundles import patient_bundle
    from ..reports.output import write_report

    with open_db(db_path, create_db) as st:
        bundle = patient_bundle(st, chart, date_from, date_to)
        protected = st.protected_paths()
    for path in write_report("patient", bundle, out_path, paper, pdf, as_csv, overwrite=force, protected=protected):
        click.echo(str(path))
