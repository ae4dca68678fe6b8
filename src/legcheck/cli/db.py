"""Database commands: an online backup, and the integrity check."""

from __future__ import annotations

import json

import click

from ..errors import IntegrityCheckError
from ._common import db_option, fail, handles_errors, open_db


@click.command()
@click.argument("dest", type=click.Path(dir_okay=False))
@db_option
@handles_errors
def backup(dest, db_path):
    """Copy the database to DEST with SQLite's online backup (safe while others record)."""
    with open_db(db_path) as st:
        st.backup(dest)
    click.echo(f"Backed up to {dest}")


@click.group()
def db():
    """Database maintenance."""


@db.command("check")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def db_check(as_json, db_path):
    """Integrity and foreign-key checks, and every stored photo against its hash."""
    with open_db(db_path) as st:
        report = st.check_integrity()
        where = st.location
    if as_json:
        click.echo(json.dumps(report))
    else:
        c = report["counts"]
        click.echo(f"{where}: schema {report['schema_version']}, {c['patients']} patients, {c['visits']} visits, "
                   f"{c['checks']} checks, {report['photos_checked']} photos checked")
        for p in report["problems"]:
            click.echo(f"  problem: {p}")
        if report["orphan_photos"]:
            click.echo(f"  note: {len(report['orphan_photos'])} photo file(s) with no record (an interrupted check)")
        click.echo("OK" if report["ok"] else "FAILED")
    if not report["ok"]:  # the report above is the output; the error is only the exit code and its line
        fail(IntegrityCheckError(f"database check failed: {report['problems'][0]}; restore from a backup"))
