"""Backup -> restore round-trips the demo database: every report from the restored copy is
byte-identical and `db check` is clean, with another process recording every 50 ms meanwhile.

The database is built as scripts/demo.py builds it (tests/records/_demo.py), once per session."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from _demo import copy_sqlite, reports as _reports
from legcheck.cli import cli

HERE = Path(__file__).parent


def test_demo_database_round_trips_under_a_writer(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # reports dated 2026-01-01 whenever they are made
    db = copy_sqlite(demo_db, tmp_path / "demo" / "demo.sqlite3")
    before = _reports(db, tmp_path / "before")
    assert len(before) == 2 * 7 and b"Sample Patient" in before["patient.html"]
    writer = subprocess.Popen([sys.executable, str(HERE / "_writer.py"), str(db), "W-1", "100000", "w", "0.05"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().startswith("w 0 ")
        time.sleep(0.3)
        res = CliRunner().invoke(cli, ["backup", str(tmp_path / "demo.tar"), "--db", str(db)])
        time.sleep(0.3)
    finally:
        writer.kill()
        writer.communicate()
    assert res.exit_code == 0, res.output
    restored = tmp_path / "restored" / "demo.sqlite3"
    res = CliRunner().invoke(cli, ["restore", str(tmp_path / "demo.tar"), "--db", str(restored)])
    assert res.exit_code == 0 and "database check OK" in res.output, res.output
    check = CliRunner().invoke(cli, ["db", "check", "--db", str(restored)])
    assert check.exit_code == 0 and check.output.rstrip().endswith("OK"), check.output
    after = _reports(restored, tmp_path / "after")
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
