"""Report commands: a visit's pre/post comparison, a patient's trend (HTML, PDF, CSV)."""

from __future__ import annotations

import click

from ..reports.output import PAPERS
from ._common import db_option, force_option, handles_errors, open_db, stack_options, units_from, units_option


@click.group()
def report():
    """Reports: a visit's pre/post comparison, a patient's trend."""


def report_options(fn):
    """Where the report goes and what comes with it."""
    return stack_options(fn, [
        click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
                     help="HTML file to write (a new file unless --force; its folder must exist)."),
        click.option("--pdf", is_flag=False, flag_value="", default=None, metavar="[PATH]",
                     help="Also write the same report as PDF: to PATH, or OUT with .pdf."),
        click.option("--csv", "as_csv", is_flag=False, flag_value="", default=None, metavar="[PATH]",
                     help="Also write the numbers as CSV: to PATH, or OUT with .csv."),
        click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True),
        force_option,
        units_option,
        click.option("--clinic", default=None, help="The clinic's name, for the report's header."),
    ])


def with_settings(bundle: dict, units: str | None, clinic: str | None) -> dict:
    """The bundle with the report settings the options give (the report reads ``bundle["settings"]``).

    Options override what the bundle already holds (a stored configuration, once there is one).
    The date made follows ``SOURCE_DATE_EPOCH`` when it is set.

    Parameters
    ----------
    bundle : dict
        A visit or patient bundle.
    units : {"mm", "in"} or None
        ``--units``.
    clinic : str or None
        ``--clinic``.

    Returns
    -------
    dict
        A copy of ``bundle`` with ``settings`` (``units``, ``clinic_name``) filled in.
    """
    settings = dict(bundle.get("settings") or {})
    settings["units"] = units_from(units or settings.get("units"))  # the option, else the stored setting
    if clinic:
        settings["clinic_name"] = clinic
    return {**bundle, "settings": settings}


@report.command("visit")
@click.argument("visit_id", type=int)
@report_options
@db_option
@handles_errors
def report_visit(visit_id, out_path, pdf, as_csv, paper, force, units, clinic, db_path, create_db):
    """The visit: pre and post photos side by side, the change, Derifield, PD, drop pieces."""
    from ..records.bundles import visit_bundle
    from ..reports.output import write_report

    with open_db(db_path, create_db) as st:
        bundle = with_settings(visit_bundle(st, visit_id), units, clinic)
        protected = st.protected_paths()
    _write(write_report, "visit", bundle, out_path, paper, pdf, as_csv, force, protected)


@report.command("patient")
@click.argument("chart")
@click.option("--from", "date_from", default=None, help="First visit date, YYYY-MM-DD.")
@click.option("--to", "date_to", default=None, help="Last visit date, YYYY-MM-DD.")
@report_options
@db_option
@handles_errors
def report_patient(chart, date_from, date_to, out_path, pdf, as_csv, paper, force, units, clinic, db_path, create_db):
    """The series: trend charts per position, visits, each side's share, how well corrections hold."""
    from ..records.bundles import patient_bundle
    from ..reports.output import write_report

    with open_db(db_path, create_db) as st:
        bundle = with_settings(patient_bundle(st, chart, date_from, date_to), units, clinic)
        protected = st.protected_paths()
    _write(write_report, "patient", bundle, out_path, paper, pdf, as_csv, force, protected)


def _write(write_report, kind, bundle, out_path, paper, pdf, as_csv, force, protected):
    """Write the report's files; print each path, and on stderr each photo left out for failing its hash.

    A photo that fails its integrity check does not stop the report (exit 0): the report says so
    in the photo's place, the warning names the check, and ``legcheck db check`` (exit 11) is
    the command that fails on it.
    """
    warnings: list[str] = []
    written = write_report(kind, bundle, out_path, paper, pdf, as_csv, overwrite=force, protected=protected,
                           warnings=warnings)
    for w in warnings:
        click.echo(f"legcheck: warning: {w}", err=True)
    for path in written:
        click.echo(str(path))
