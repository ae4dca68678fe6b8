"""Backup -> restore round-trips the demo database: every report from the restored copy is
byte-identical and `db check` is clean, with another process recording every 50 ms meanwhile.

The database is built as scripts/demo.py builds it (the sample patient's six visits, measured
from the bundled sample photos with the sample phone's profile), through the library."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.pipeline import CheckRequest, MeasureOptions, record_checks
from legcheck.records import open_store
from legcheck.records.bundles import patient_bundle, visit_bundle
from legcheck.reports.output import write_report

HERE = Path(__file__).parent
REPO = HERE.parents[1]
SERIES = REPO / "sample_images" / "series"
CAMERA = REPO / "calibration" / "sample_phone.json"


def _demo_database(db: Path) -> None:
    visits: dict = {}
    with (SERIES / "visits.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            visits.setdefault((int(row["visit"]), row["date"]), []).append(row)
    with open_store(db, create=True) as st:
        st.add_patient("DEMO-001", "Sample Patient", "1968-04-12")
        st.add_patient("W-1", "Busy Writer")
        for (_, date), rows in sorted(visits.items()):
            vid = st.new_visit("DEMO-001", dt.datetime.fromisoformat(f"{date}T09:00").astimezone(), "Dr Demo")
            record_checks(st, [CheckRequest(SERIES / r["file"], r["phase"], r["position"]) for r in rows], "DEMO-001",
                          MeasureOptions(camera=CAMERA), vid)
            st.add_adjustment(vid, "pelvic", "right", "PI right ilium")
            st.set_findings(vid, listing="PI right ilium")
        first = st.checks(chart="DEMO-001")[0]["id"]
        st.amend_check(first, 1.25, "heel tab slipped", uncertainty_mm=1.0)


def _reports(db: Path, out: Path) -> dict[str, bytes]:
    with open_store(db) as st:
        bundles = {f"visit{v['id']}": ("visit", visit_bundle(st, v["id"])) for v in st.visits("DEMO-001")}
        bundles["patient"] = ("patient", patient_bundle(st, "DEMO-001"))
    files = {}
    for name, (kind, bundle) in bundles.items():
        for p in write_report(kind, bundle, out / f"{name}.html", as_csv=True, overwrite=False):
            files[p.name] = p.read_bytes()
    return files


def test_demo_database_round_trips_under_a_writer(tmp_path):
    db = tmp_path / "demo" / "demo.sqlite3"
    _demo_database(db)
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
