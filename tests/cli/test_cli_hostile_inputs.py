"""Hostile dates and thresholds on the command line: exit 2 and one error line, never a traceback,
never stored. A real SQLite file and the bundled sample photo."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from legcheck.cli import cli

PHOTO = Path(__file__).resolve().parents[2] / "sample_images" / "series" / "visit1_post_extended.jpg"


@pytest.fixture
def run(tmp_path):
    runner = CliRunner(env={"LEGCHECK_DB": str(tmp_path / "log.sqlite3")})

    def _run(*args):
        return runner.invoke(cli, [str(a) for a in args])
    assert _run("init").exit_code == 0 and _run("patient", "add", "C1", "--name", "Alice").exit_code == 0
    _run.db = tmp_path / "log.sqlite3"
    return _run


def _one_error(res) -> str:
    errors = [line for line in res.output.splitlines() if "rror" in line]
    assert res.exit_code == 2 and len(errors) == 1 and "Traceback" not in res.output, res.output
    return errors[0]


@pytest.mark.parametrize("when,words", [
    ("9999-12-31", "in the future"), ("0001-01-01", "before 1990"), ("1989-12-31", "before 1990"),
    ("2024-02-30", "not a date"), ("20240101", "not a date"), ("2024-W01-1", "not a date"),
    ("2024-01-01T10:00:00.123456789", "not a date"), ("2024-01-01T10:00+25:00", "not a date"),
    ("2024-01-01T10:00-13:00", "time zone"), ("\u0662\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661", "not a date"),
    ("2024-01-01\n10:00", "not a date"), ("", "not a date"),
])
def test_hostile_visit_dates_are_refused(run, when, words):
    assert words in _one_error(run("visit", "new", "--patient", "C1", "--date", when))
    assert sqlite3.connect(run.db).execute("SELECT count(*) FROM visits").fetchone()[0] == 0


@pytest.mark.parametrize("when,day", [("2024-01-01", "2024-01-01"), ("2024-01-01T23:30+14:00", "2024-01-01"),
                                      ("2024-06-01 08:15", "2024-06-01"), ("2024-06-01T08:15Z", "2024-06-01")])
def test_plain_visit_dates_pass(run, when, day):
    res = run("visit", "new", "--patient", "C1", "--date", when)
    assert res.exit_code == 0, res.output
    assert sqlite3.connect(run.db).execute("SELECT visit_date FROM visits").fetchone()[0] == day


@pytest.mark.parametrize("args", [("patient", "add", "C2", "--name", "B", "--dob", "0001-01-01"),
                                  ("patient", "add", "C2", "--name", "B", "--dob", "19700101"),
                                  ("patient", "edit", "C1", "--dob", "9999-12-31"),
                                  ("report", "patient", "C1", "--from", "0001-01-01", "--out", "r.html"),
                                  ("report", "patient", "C1", "--to", "2024-13-01", "--out", "r.html")])
def test_hostile_dates_in_other_commands(run, args):
    _one_error(run(*args))


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "-inf", "1e308", "11", "abc"])
@pytest.mark.parametrize("command", ["measure", "check"])
def test_hostile_even_below_is_refused_before_measuring(run, command, value):
    args = ["measure", PHOTO] if command == "measure" else ["check", PHOTO, "--patient", "C1", "--phase", "pre",
                                                             "--position", "extended"]
    line = _one_error(run(*args, f"--even-below={value}"))
    assert "--even-below" in line
    assert sqlite3.connect(run.db).execute("SELECT count(*) FROM checks").fetchone()[0] == 0
