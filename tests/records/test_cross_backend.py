"""Moving the demo database between SQLite and PostgreSQL: `db copy` both ways, and backup -> restore
across backends. Every report written from any copy is byte-identical to the original's (reports
dated by SOURCE_DATE_EPOCH), and every copy passes `db check`."""

from __future__ import annotations

import json
import tarfile

import pytest
from click.testing import CliRunner

from _demo import reports
from legcheck.cli import cli
from legcheck.records import open_store


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")


def _run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys() and len(a) == 2 * 7
    for name in a:
        assert a[name] == b[name], name


def test_db_copy_round_trips_the_demo_database(demo_db, pg_url, tmp_path):
    original = reports(demo_db, tmp_path / "r0")
    out = json.loads(_run("db", "copy", "--from", demo_db, "--to", pg_url, "--json"))
    assert out["check"]["ok"] and out["copy"]["ok"] and out["check"]["photos_checked"] == 2 * 24
    with open_store(demo_db) as st:
        assert out["copy"]["audit_head"] == st.check_integrity()["audit_head"]  # the chain, unchanged
    _same(original, reports(pg_url, tmp_path / "r1"))
    back = tmp_path / "back" / "demo.sqlite3"
    line = _run("db", "copy", "--from", pg_url, "--to", back)
    assert "database check OK" in line and str(back) in line
    _same(original, reports(back, tmp_path / "r2"))
    assert _run("db", "check", "--db", back).rstrip().endswith("OK")
    again = CliRunner().invoke(cli, ["db", "copy", "--from", demo_db, "--to", pg_url])
    assert again.exit_code == 9 and "is not empty" in again.output
    again = CliRunner().invoke(cli, ["db", "copy", "--from", pg_url, "--to", back])
    assert again.exit_code == 9 and "is not empty" in again.output


def test_backup_and_restore_across_backends(demo_db, pg_url, tmp_path):
    original = reports(demo_db, tmp_path / "r0")
    first = tmp_path / "sqlite.tar"
    _run("backup", first, "--db", demo_db)
    assert "database check OK" in _run("restore", first, "--db", pg_url)
    _same(original, reports(pg_url, tmp_path / "r1"))
    second = tmp_path / "postgres.tar"
    _run("backup", second, "--db", pg_url)
    assert _run("backup", "--verify", second).rstrip().endswith("OK")
    with tarfile.open(second) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        assert manifest["source_backend"] == "postgresql"
        assert sorted(n for n in tar.getnames() if n.startswith("photos/")) == sorted(
            n for n in tarfile.open(first).getnames() if n.startswith("photos/"))
    restored = tmp_path / "restored" / "demo.sqlite3"
    assert "database check OK" in _run("restore", second, "--db", restored)
    _same(original, reports(restored, tmp_path / "r2"))
    busy = CliRunner().invoke(cli, ["restore", str(first), "--db", pg_url])
    assert busy.exit_code == 9 and "is not empty" in busy.output


def test_a_copy_into_a_shared_photo_directory(demo_db, pg_url, tmp_path):
    shared = tmp_path / "shared"
    _run("db", "copy", "--from", demo_db, "--to", pg_url, "--photos", shared)
    with open_store(pg_url) as st:
        assert st.photos_dir == shared and st.check_integrity()["photos_checked"] == 2 * 24
    assert len(list(shared.glob("*/*"))) == 2 * 24
