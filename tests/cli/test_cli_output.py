"""Files and errors of the record commands: owner-only exports and reports, typed bad arguments (exit 2)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import stat

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store

RESULT = {"lld_mm": -2.0, "short_leg": "right", "uncertainty_mm": 0.4, "method": "tabs", "left_heel_mm": [0, 0, 90],
          "right_heel_mm": [200, -2, 90], "warnings": [], "image": {}, "even_below_mm": 1.0}


@pytest.fixture
def env(tmp_path):
    db = tmp_path / "d.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("P1", "Pat One")
        vid = st.new_visit("P1", dt.datetime(2026, 9, 1, 9).astimezone())
        st.record_check("P1", "pre", "extended", RESULT, visit_id=vid)
        st.record_check("P1", "post", "extended", dict(RESULT, lld_mm=-0.4, short_leg="even"), visit_id=vid)
    runner = CliRunner(env={"LEGCHECK_DB": str(db)})

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args])

    return run, vid


def test_export_file_is_owner_only(env, tmp_path):
    run, _ = env
    out = tmp_path / "export.csv"
    res = run("export", "--out", out)
    assert res.exit_code == 0 and "Exported 2 checks" in res.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [float(r["lld_mm"]) for r in rows] == [-2.0, -0.4]
    res = run("export", "--out", tmp_path / "missing" / "export.csv")
    assert res.exit_code == 14 and "missing does not exist" in res.output and not (tmp_path / "missing").exists()
    (tmp_path / "a-file").write_text("x")
    res = run("export", "--out", tmp_path / "a-file" / "export.csv")
    assert res.exit_code == 14 and "a-file is not a folder" in res.output


def test_report_files_are_owner_only(env, tmp_path):
    run, vid = env
    out = tmp_path / "reports" / "visit.html"
    out.parent.mkdir(mode=0o700)
    res = run("report", "visit", vid, "--out", out, "--csv")
    assert res.exit_code == 0, res.output
    assert res.stdout.split() == [str(out), str(out.with_suffix(".csv"))]
    for f in (out, out.with_suffix(".csv")):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    res = run("report", "patient", "P1", "--out", tmp_path / "p.html", "--from", "2026-08-01", "--to", "2026-09-30")
    assert res.exit_code == 0 and "Pat One" in (tmp_path / "p.html").read_text()


@pytest.mark.parametrize("args,words", [
    (("report", "patient", "P1", "--out", "x.html", "--from", "2026-13-01"), "not a date"),
    (("amend", "1", "--lld-mm", "1", "--reason", " "), "needs a reason"),
    (("patient", "add", "P9", "--name", "Dee", "--dob", "1980-02-30"), "not a date"),
    (("log", "--db", "mysql://clinic:secret@host/legcheck"), "not supported"),
    (("check", "photo.jpg", "--patient", "P1", "--phase", "pre"), "--position"),
])
def test_bad_arguments_exit_2_with_one_line(env, args, words):
    run, _ = env
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert words in res.output and "Traceback" not in res.output and "secret" not in res.output


def test_log_table_is_aligned(env):
    run, _ = env
    lines = run("log").stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "chart", "visit_id"] and set(lines[1]) <= {"-", " "}
    assert "-2.00" in lines[2] and "-0.40" in lines[3]
    assert lines[2].index("-2.00") == lines[3].index("-0.40")  # numbers line up
