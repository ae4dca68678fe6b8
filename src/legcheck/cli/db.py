"""Database commands: create one, back it up whole, verify and restore a backup, check the records."""

from __future__ import annotations

import json

import click

from ..errors import IntegrityCheckError
from ._common import db_option, fail, handles_errors, open_db


@click.command()
@db_option
@handles_errors
def init(db_path, create_db):
    """Create a new, empty visit log (the database given by --db, or the default one)."""
    from pathlib import Path

    from ..errors import RecordConflictError
    from ..records.sqlite import default_db_path

    p = Path(db_path) if db_path else default_db_path()
    if p.exists() and p.stat().st_size > 0:
        raise RecordConflictError(f"{p} already exists; it was not changed")
    with open_db(p, True) as st:
        where, version = st.location, st.schema_version()
    click.echo(f"Created {where} (schema {version})")


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--verify", is_flag=True, help="Check ARCHIVE (every hash, the records' chain) without restoring it.")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def backup(archive, verify, as_json, db_path, create_db):
    """Write one backup ARCHIVE: the records and every photo, with a manifest of hashes.

    Safe while others record. The archive is a new file, owner-only; restore it with
    'legcheck restore ARCHIVE --db NEW.sqlite3'.
    """
    from ..records.archive import verify_backup

    if verify:
        report = verify_backup(archive)
        if as_json:
            click.echo(json.dumps(report))
        else:
            m = report["manifest"]
            click.echo(f"{archive}: schema {m['schema_version']}, {m['counts'].get('checks', 0)} check rows, "
                       f"{m['counts'].get('photos', 0)} photos, made {m['created_at']}")
            for p in report["problems"]:
                click.echo(f"  problem: {p}")
            click.echo("OK" if report["ok"] else "FAILED")
        if not report["ok"]:
            fail(IntegrityCheckError(f"the backup fails verification: {report['problems'][0]}"))
        return
    with open_db(db_path, create_db) as st:
        manifest = st.backup(archive)
    if as_json:
        click.echo(json.dumps(manifest))
        return
    c = manifest["counts"]
    click.echo(f"Backed up {c.get('patients', 0)} patient rows, {c.get('checks', 0)} check rows and "
               f"{c.get('photos', 0)} photos to {archive}")


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, exists=True))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), required=True,
              help="The new database file to restore into (must not exist, or be empty).")
@handles_errors
def restore(archive, db_path):
    """Restore a backup ARCHIVE into a new database, verifying every hash, then check it."""
    from ..records.archive import restore_backup

    out = restore_backup(archive, db_path)
    c = out["check"]["counts"]
    click.echo(f"Restored {c.get('patients', 0)} patient rows, {c.get('checks', 0)} check rows and "
               f"{out['check']['photos_checked']} photos into {db_path}; database check OK")


@click.group()
def db():
    """Database maintenance."""


@db.command("check")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def db_check(as_json, db_path, create_db):
    """Verify the records: storage, the audit hash chain, every row, the protective triggers, every photo.

    Exit 11 names the first broken row.
    """
    from ..records.sqlite import DatabaseDamagedError

    try:
        with open_db(db_path, create_db) as st:
            report = st.check_integrity()
            where = st.location
    except DatabaseDamagedError as exc:  # SQLite cannot even open it: damaged pages are a failed check
        fail(IntegrityCheckError(f"database check failed: {exc.message}"), as_json)
    if as_json:
        click.echo(json.dumps(report))
    else:
        c = report["counts"]
        click.echo(f"{where}: schema {report['schema_version']}, {c.get('patients', 0)} patient rows, "
                   f"{c.get('visits', 0)} visit rows, {c.get('checks', 0)} check rows, {c.get('users', 0)} user rows, "
                   f"{c.get('audit', 0)} audit rows, {report['photos_checked']} photos checked")
        for p in report["problems"]:
            click.echo(f"  problem: {p}")
        if report["orphan_photos"]:
            click.echo(f"  note: {len(report['orphan_photos'])} photo file(s) with no record (an interrupted check)")
        click.echo("OK" if report["ok"] else "FAILED")
    if not report["ok"]:  # the report above is the output; the error is only the exit code and its line
        fail(IntegrityCheckError(f"database check failed: {report['first_broken']}; restore from a backup"))
