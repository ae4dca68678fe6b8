"""A restore is all or nothing, its database check included, on either backend.

A restore into PostgreSQL committed the archive's rows and only then ran the database check: an
archive that loads but fails the check left its rows in the (previously empty) target, with exit
11 saying the check failed. Here the archive is one that passes its own verification and loads
row for row, but whose records break a rule only the database check sees: two current patients
share one chart number (written by a store that skipped the chart-number check, each row with
its audit row, so the hash chain verifies). The restore must fail with exit 11 and leave the
target as empty as it was, ready for a good archive.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tarfile

from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store
from legcheck.records.archive import DATABASE, FORMAT, FORMAT_VERSION, MANIFEST, _add, _read_snapshot, _sha, \
    _summary
from legcheck.records.inputs import normalize_chart
from legcheck.records.postgres import PostgresBackend, is_postgres_url


def _cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _archive_of(db, dest):
    """An archive of the SQLite file ``db`` (no photos) in the backup format, without the backup's own check."""
    snap_path = db.parent / "snap.sqlite3"
    with open_store(db) as st:
        st.snapshot(snap_path)
    data = snap_path.read_bytes()
    con = sqlite3.connect(snap_path)
    try:
        snap = _read_snapshot(con)
    finally:
        con.close()
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": "2026-09-01T09:00:00+00:00",
                "source_backend": "sqlite", **_summary(snap), "members": {DATABASE: {"sha256": _sha(data),
                                                                                    "bytes": len(data)}}}
    with tarfile.open(dest, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, MANIFEST, json.dumps(manifest).encode(), 0)
        _add(tar, DATABASE, data, 0)
    return dest


def _clinic(tmp_path, duplicate: bool):
    db = tmp_path / ("dup" if duplicate else "good") / "legcheck.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        st.new_visit("C1", dt.datetime(2026, 9, 1, 9).astimezone())
        if duplicate:  # as a store without the chart-number check would write it: row and audit row
            chart, key = normalize_chart("C1")
            with st._write() as conn:
                st._append(conn, "patients", dict(chart=chart, chart_key=key, name="Bob Brown", dob=None, notes=None))
    return db


def _empty(location) -> bool:
    if is_postgres_url(location):
        backend = PostgresBackend(location)
        engine = backend.engine()
        try:
            with engine.connect() as conn:
                return backend.is_empty(conn)
        finally:
            engine.dispose()
    return not location.exists() and not (location.parent / f"{location.stem}-photos").exists()


def test_a_restore_failing_the_database_check_leaves_the_target_empty(db_location, tmp_path):
    bad = _archive_of(_clinic(tmp_path, duplicate=True), tmp_path / "dup.tar")
    assert _cli("backup", "--verify", bad).exit_code == 0  # the archive itself verifies: only the check sees it
    res = _cli("restore", bad, "--db", db_location)
    err = [line for line in res.output.splitlines() if line.startswith("legcheck: error:")]
    assert res.exit_code == 11 and len(err) == 1 and "Traceback" not in res.output, res.output
    assert _empty(db_location)
    assert "share the chart number key" in err[0] and "nothing was restored" in err[0], err[0]
    good = _archive_of(_clinic(tmp_path, duplicate=False), tmp_path / "good.tar")
    res = _cli("restore", good, "--db", db_location)  # the target is as it was: a good archive goes in
    assert res.exit_code == 0 and "database check OK" in res.output, res.output
    assert _cli("db", "check", "--db", db_location).exit_code == 0
