"""Database commands: create one, back it up whole, verify and restore a backup, check the records,
set up PostgreSQL's roles, copy the whole log between databases."""

from __future__ import annotations

import json

import click

from ..errors import IntegrityCheckError
from ._common import db_option, fail, handles_errors, open_db


def photos_option(fn):
    """``--photos database|DIR``: where a new PostgreSQL database keeps photos."""
    return click.option("--photos", default=None, metavar="database|DIR",
                        help="PostgreSQL: keep photos inside the database (default), or in DIR, a shared directory "
                             "every client reaches at the same path.")(fn)


@click.command()
@db_option
@photos_option
@handles_errors
def init(db_path, create_db, photos):
    """Create a new, empty visit log (the database given by --db, or the default one).

    A postgresql://user@host/dbname location must name an existing, empty database; see
    'legcheck db init-postgres' for its roles.
    """
    from pathlib import Path

    from ..errors import RecordConflictError
    from ..records import open_store
    from ..records.postgres import is_postgres_url
    from ..records.sqlite import default_db_path

    if is_postgres_url(db_path):
        from ..records.postgres import safe_url
        from ..records.sqlite import DatabaseMissingError

        try:
            open_store(db_path).close()
        except DatabaseMissingError:
            pass
        else:
            raise RecordConflictError(f"{safe_url(db_path)} already holds a visit log; it was not changed")
        with open_store(db_path, create=True, photos=photos) as st:
            where, version = st.location, st.schema_version()
        click.echo(f"Created {where} (schema {version})")
        return
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
    'legcheck restore ARCHIVE --db NEW.sqlite3'. A database failing its check is not backed up
    (exit 11 names the damage).
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
    from ..records.sqlite import DatabaseDamagedError

    try:
        with open_db(db_path, create_db) as st:
            manifest = st.backup(archive)
    except DatabaseDamagedError as exc:  # damaged pages: a failed check, and no backup of them
        fail(IntegrityCheckError(f"the database fails its check ({exc.message}); no backup was written"), as_json)
    if as_json:
        click.echo(json.dumps(manifest))
        return
    c = manifest["counts"]
    click.echo(f"Backed up {c.get('patients', 0)} patient rows, {c.get('checks', 0)} check rows and "
               f"{c.get('photos', 0)} photos to {archive}")


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, exists=True))
@click.option("--db", "db_path", type=click.Path(dir_okay=False), required=True,
              help="The new database file to restore into (must not exist, or be empty), or an empty "
                   "postgresql://user@host/dbname.")
@photos_option
@handles_errors
def restore(archive, db_path, photos):
    """Restore a backup ARCHIVE into a new database (SQLite or PostgreSQL), verifying every hash, then check it."""
    from ..records.moving import restore_backup

    out = restore_backup(archive, db_path, photos=photos)
    c = out["check"]["counts"]
    click.echo(f"Restored {c.get('patients', 0)} patient rows, {c.get('checks', 0)} check rows and "
               f"{out['check']['photos_checked']} photos into {out['location']}; database check OK")


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
        for w in report["warnings"]:  # intact records that invite a mistake: the check still passes
            click.echo(f"  warning: {w}")
        if report["orphan_photos"]:
            click.echo(f"  note: {len(report['orphan_photos'])} photo file(s) with no record (an interrupted check)")
        click.echo("OK" if report["ok"] else "FAILED")
    if not report["ok"]:  # the report above is the output; the error is only the exit code and its line
        fail(IntegrityCheckError(f"database check failed: {report['first_broken']}; restore from a backup"))


@db.command("init-postgres")
@click.option("--db", "db_path", envvar="LEGCHECK_DB", required=True, metavar="postgresql://ADMIN@HOST/DBNAME",
              help="The database, as a superuser (it is created when missing).")
@click.option("--owner", default="legcheck_owner", show_default=True, help="The role that owns the schema and "
              "runs migrations (password from LEGCHECK_OWNER_PASSWORD).")
@click.option("--app", "app_role", default="legcheck_app", show_default=True, help="The role every client uses: "
              "INSERT and SELECT only (password from LEGCHECK_APP_PASSWORD).")
@photos_option
@click.option("--empty", is_flag=True, help="Roles and grants only: leave the database empty for 'db copy' or "
              "'restore' (run as the owner role), then run this again.")
@handles_errors
def init_postgres(db_path, owner, app_role, photos, empty):
    """Set up a PostgreSQL visit log: the owner and application roles, their grants, the schema.

    Safe to run again (after an upgrade: it migrates the schema as the owner and re-applies the
    grants). Prints what it did; never a password.
    """
    from ..records.pg_roles import init_postgres as setup

    for line in setup(db_path, owner, app_role, photos, empty):
        click.echo(line)


@db.command("copy")
@click.option("--from", "source", required=True, metavar="DB", help="The database to copy (SQLite file or "
              "postgresql://...).")
@click.option("--to", "target", required=True, metavar="DB", help="A new SQLite file or an empty PostgreSQL database.")
@photos_option
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def db_copy(source, target, photos, as_json):
    """Copy the whole visit log (every record, its history and audit, every photo) into an empty database.

    Rows keep their ids, so the audit chain verifies unchanged; the copy is checked by counts,
    every row's hash, the chain's head and the database check. A non-empty target is refused.
    """
    from ..records.moving import copy_database

    out = copy_database(source, target, photos)
    if as_json:
        click.echo(json.dumps(out))
        return
    c = out["copy"]["counts"]
    click.echo(f"Copied {c.get('patients', 0)} patient rows, {c.get('visits', 0)} visit rows, "
               f"{c.get('checks', 0)} check rows, {c.get('audit', 0)} audit rows and "
               f"{out['check']['photos_checked']} photos into {out['location']}; "
               f"audit head {out['copy']['audit_head']['sha256'][:12]}; database check OK")


@click.group()
def audit():
    """The audit hash chain."""


@audit.command("head")
@click.option("--against", "noted", default=None, metavar="ID:SHA256",
              help="A head noted earlier: exit 11 unless the chain still holds it unchanged (rows added since "
                   "are fine).")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def audit_head(noted, as_json, db_path, create_db):
    """Print the verified head of the audit chain (ID:SHA256), to note down and compare with later.

    With --against, exit 0 only when the chain verifies and the noted row is still in it with
    the same hash; exit 11 when history up to it was rewritten or removed.
    """
    from ..records.audit_head import audit_head as head_of, compare_head

    with open_db(db_path, create_db) as st:
        out = compare_head(st, noted) if noted is not None else head_of(st)
    if as_json:
        click.echo(json.dumps(out))
    elif noted is None:
        click.echo(out["head"] or "(empty chain)")
    else:
        since = f"{out['rows_since']} audit row(s) added since" if out["rows_since"] else "unchanged"
        click.echo(f"{out['head']}\nOK: the noted head (audit row {out['noted_id']}) is in the chain; {since}")
