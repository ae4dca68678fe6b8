"""The record commands never destroy or leak: outputs, permissions, hostile input, damaged and foreign
databases. One test (or parameter) per finding of issue 12, against real files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store

RESULT = {"lld_mm": -2.0, "short_leg": "right", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}
EVIL_NAME = "Eve\nC999  Mallory  1970-01-01\x1b[2J\x1b]0;pwned\x07"


@pytest.fixture
def env(tmp_path):
    db = tmp_path / "data" / "legcheck.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("C1", EVIL_NAME, notes="=HYPERLINK(\"http://x\",\"y\")")
        st.add_patient("C2", "+cmd|' /C calc'!A0")
        vid = st.new_visit("C1", dt.datetime(2026, 9, 1, 9).astimezone())
        st.record_check("C1", "pre", "extended", RESULT, visit_id=vid)
        st.record_check("C1", "post", "extended", dict(RESULT, lld_mm=-0.5, short_leg="even"), visit_id=vid)
        st.record_check("C2", "pre", "extended", dict(RESULT, method="=1+2"), visit_id=st.new_visit("C2"))
    runner = CliRunner(env={"LEGCHECK_DB": str(db)})

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args])

    return run, db, vid


# -- 1. outputs never destroy ----------------------------------------------------------------
@pytest.mark.parametrize("target", ["db", "wal", "shm", "journal", "photo"])
def test_out_never_replaces_the_records(env, target):
    run, db, vid = env
    paths = {"db": db, "wal": Path(str(db) + "-wal"), "shm": Path(str(db) + "-shm"),
             "journal": Path(str(db) + "-journal"), "photo": db.parent / "legcheck-photos" / "ab" / "x.html"}
    out = paths[target]
    for args in (("report", "visit", vid, "--out", out, "--force"), ("export", "--out", out, "--force"),
                 ("report", "visit", vid, "--out", db.parent / "r.html", "--csv", out, "--force")):
        res = run(*args)
        assert res.exit_code == 2 and "part of the records" in res.output, res.output
    assert run("db", "check").exit_code == 0 and run("log").exit_code == 0


def test_out_refuses_an_existing_file_unless_forced(env, tmp_path):
    run, _, vid = env
    out = tmp_path / "visit.html"
    out.write_text("keep me")
    res = run("report", "visit", vid, "--out", out)
    assert res.exit_code == 9 and "already exists" in res.output and out.read_text() == "keep me"
    res = run("export", "--out", out)
    assert res.exit_code == 9 and out.read_text() == "keep me"
    assert run("report", "visit", vid, "--out", out, "--force").exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_pdf_and_csv_take_their_own_paths(env, tmp_path):
    run, _, vid = env
    res = run("report", "visit", vid, "--out", tmp_path / "r.pdf", "--pdf")
    assert res.exit_code == 2 and "would both be" in res.output and not (tmp_path / "r.pdf").exists()
    res = run("report", "visit", vid, "--out", tmp_path / "r.csv", "--csv")
    assert res.exit_code == 2 and not (tmp_path / "r.csv").exists()
    res = run("report", "visit", vid, "--out", tmp_path / "r.html", "--csv", tmp_path / "numbers" / "v.csv")
    assert res.exit_code == 14 and "numbers does not exist" in res.output, res.output  # never made on the way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    (tmp_path / "numbers").mkdir()
    res = run("report", "visit", vid, "--out", tmp_path / "r.html", "--csv", tmp_path / "numbers" / "v.csv")
    assert res.exit_code == 0, res.output
    assert res.stdout.split() == [str(tmp_path / "r.html"), str(tmp_path / "numbers" / "v.csv")]
    assert (tmp_path / "numbers" / "v.csv").read_text().startswith("check_id,")
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_writes_never_follow_a_planted_symlink(env, tmp_path):
    run, _, vid = env
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "r.html"
    for name in ("r.html.part", ".r.html.tmp", "r.part"):
        (tmp_path / name).symlink_to(victim)
    assert run("report", "visit", vid, "--out", out).exit_code == 0
    out.unlink()
    out.symlink_to(victim)
    assert run("report", "visit", vid, "--out", out).exit_code == 9  # a link at the target is a file that exists
    assert run("report", "visit", vid, "--out", out, "--force").exit_code == 0
    assert victim.read_text() == "precious" and not out.is_symlink()


def test_an_unwritable_out_is_a_file_access_error(env, tmp_path):
    run, _, vid = env
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        for args in (("report", "visit", vid, "--out", locked / "r.html"), ("export", "--out", locked / "e.csv")):
            res = run(*args)
            if os.geteuid() == 0:  # root writes anywhere: use a read-only file system path instead
                res = run(*args[:-1], "/proc/legcheck-report.html")
            assert res.exit_code == 14 and "cannot write" in res.output and "internal error" not in res.output
    finally:
        locked.chmod(0o700)


# -- 6. permissions: every file holding patient data is owner-only, even under umask 000 --------
def test_every_patient_file_is_owner_only_under_umask_000(tmp_path, basic):
    from conftest import profile_of

    scene, photo, _ = basic
    cam = tmp_path / "cam.json"
    profile_of(scene).save(cam)
    work = tmp_path / "work"
    work.mkdir()
    script = f"""
import os, sys
os.umask(0)
from click.testing import CliRunner
from legcheck.cli import cli
db = {str(work / 'data' / 'legcheck.sqlite3')!r}
def run(*a):
    r = CliRunner().invoke(cli, [*map(str, a), *(['--db', db] if a[0] not in ('measure', 'restore') else [])])
    assert r.exit_code == 0, (a, r.output)
    return r
os.mkdir({str(work / 'out')!r}, 0o700)  # outputs go into a folder that exists
run('init')
run('patient', 'add', 'C7', '--name', 'Carla Cruz')
run('check', {str(photo)!r}, '--patient', 'C7', '--phase', 'pre', '--position', 'extended', '--camera', {str(cam)!r})
run('report', 'visit', '1', '--out', {str(work / 'out' / 'visit.html')!r}, '--csv', '--pdf')
run('report', 'patient', 'C7', '--out', {str(work / 'out' / 'patient.html')!r}, '--csv')
run('export', '--out', {str(work / 'out' / 'export.csv')!r}, '--with-names')
run('backup', {str(work / 'out' / 'backup.tar')!r})
run('restore', {str(work / 'out' / 'backup.tar')!r}, '--db', {str(work / 'restored' / 'r.sqlite3')!r})
run('measure', {str(photo)!r}, '--camera', {str(cam)!r}, '--annotate', {str(work / 'out' / 'annotated.jpg')!r})
"""
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    files = [p for p in work.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"legcheck.sqlite3", "visit.html", "visit.csv", "visit.pdf", "patient.html", "patient.csv", "export.csv",
            "backup.tar", "r.sqlite3", "annotated.jpg"} <= names
    assert sum(p.suffix in (".jpg", ".png") and "photos" in str(p.parent.parent) for p in files) >= 4
    loose = [(str(p.relative_to(work)), oct(stat.S_IMODE(p.stat().st_mode))) for p in files
             if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []
    dirs = [p for p in work.rglob("*") if p.is_dir()]
    assert all(stat.S_IMODE(d.stat().st_mode) & 0o077 == 0 for d in dirs)  # directories legcheck made


# -- 7. databases -----------------------------------------------------------------------------
def test_a_mistyped_db_is_not_created(env, tmp_path):
    run, _, _ = env
    typo = tmp_path / "dta" / "legcheck.sqlite3"
    res = run("log", "--db", typo)
    assert res.exit_code == 10 and str(typo) in res.output and "legcheck init" in res.output
    assert not typo.exists() and not typo.parent.exists()
    assert run("patient", "list", "--db", typo, "--create").exit_code == 0 and typo.exists()
    assert run("init", "--db", typo).exit_code == 9  # init never touches an existing database


def test_another_programs_database_is_refused_untouched(env, tmp_path):
    run, _, _ = env
    other = tmp_path / "firefox-places.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE moz_places (url TEXT)")
    con.commit()
    con.close()
    before = other.read_bytes()
    res = run("log", "--db", other)
    assert res.exit_code == 10 and "not a legcheck one" in res.output
    assert other.read_bytes() == before and not Path(str(other) + "-wal").exists()


def test_damaged_pages_fail_the_check_with_sqlites_message(env):
    run, db, _ = env
    for i in range(40):
        assert run("patient", "add", f"P{i}", "--name", "x", "--notes", "x" * 400).exit_code == 0
    data = bytearray(db.read_bytes())
    for k in range(4096 * 3, len(data) - 4096, 4096):
        data[k + 8:k + 40] = b"\xee" * 32
    db.write_bytes(bytes(data))
    res = run("db", "check")
    assert res.exit_code == 11 and "internal error" not in res.output
    assert "malformed" in res.output or "integrity:" in res.output, res.output


# -- 8. input -----------------------------------------------------------------------------------
def test_csv_cells_are_never_formulas(env):
    run, _, _ = env
    text = run("patient", "list", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    names = {r["chart"]: r["name"] for r in rows}
    assert names["C2"] == "'+cmd|' /C calc'!A0"
    assert len(rows) == 2 and "\x1b" not in text  # the newline in C1's name forges no row
    assert names["C1"].startswith("Eve C999  Mallory")
    exported = run("export", "--with-names").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["chart"], r["name"], r["method"]) for r in rows][2] == ("C2", "'+cmd|' /C calc'!A0", "'=1+2")
    for line in csv.reader(io.StringIO(exported)):
        assert not any(cell[:1] in ("=", "+", "@", "\t", "\r") for cell in line)
    assert [r["lld_mm"] for r in rows] == ["-2.0", "-0.5", "-2.0"]  # numbers stay numbers
    log = list(csv.DictReader(io.StringIO(run("log", "--csv").stdout)))
    assert log[2]["method"] == "'=1+2"


def test_names_cannot_forge_rows_or_reach_the_terminal(env):
    run, _, vid = env
    table = run("patient", "list").stdout
    assert "\x1b" not in table and "\x07" not in table
    assert len(table.strip().splitlines()) == 2 + 2  # header, rule, two patients
    shown = run("patient", "show", "C1").stdout
    assert "\x1b" not in shown and shown.splitlines()[0].startswith("C1  Eve C999  Mallory")


@pytest.mark.parametrize("typed,found", [("C1", True), ("c1", True), ("Ｃ１", True), ("C\u200b1", False)])
def test_chart_numbers_are_normalised(env, typed, found):
    run, _, _ = env
    res = run("patient", "show", typed)
    assert (res.exit_code == 0) == found


@pytest.mark.parametrize("chart", ["C\u202e1042", "C\u200b1042", "C1042\n", "C\t1042", "C  1042", "C\u00ad1042"])
def test_invisible_or_control_characters_are_refused_in_chart_numbers(env, chart):
    run, _, _ = env
    res = run("patient", "add", chart, "--name", "Twin")
    assert res.exit_code == 2 and "chart number" in res.output


def test_lookalike_chart_numbers_are_one_patient(env):
    run, _, _ = env
    assert run("patient", "add", "ab-7", "--name", "First").exit_code == 0
    for same in ("AB-7", "ａｂ－７", "Ab-7"):
        res = run("patient", "add", same, "--name", "Second")
        assert res.exit_code == 9 and "already a patient" in res.output


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e308", "40.5", "-41"])
def test_implausible_figures_are_usage_errors(env, value):
    run, _, _ = env
    res = run("amend", "1", "--lld-mm", value, "--uncertainty-mm", "1", "--reason", "typo")
    assert res.exit_code == 2 and "lld_mm" in res.output and "internal error" not in res.output
    assert json.loads(run("log", "--json").stdout)[0]["lld_mm"] == -2.0 and run("db", "check").exit_code == 0


def test_a_photo_from_a_pipe_is_read_once(env, basic, tmp_path):
    from conftest import profile_of

    run, _, _ = env
    scene, photo, truth = basic
    cam = tmp_path / "cam.json"
    profile_of(scene).save(cam)
    fifo = tmp_path / "photo.fifo"
    os.mkfifo(fifo)
    feeder = subprocess.Popen(["sh", "-c", f"cat '{photo}' > '{fifo}'"])
    res = run("check", fifo, "--patient", "C2", "--phase", "pre", "--position", "extended", "--camera", cam, "--json")
    feeder.wait(timeout=30)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)[0]
    assert abs(out["lld_mm"] - truth["lld_mm"]) <= out["uncertainty_mm"] and out["photo_sha256"]


def test_the_stored_photo_is_the_measured_one_even_if_the_file_changes(env, basic, tmp_path, monkeypatch):
    """The file is replaced right after it was read: what is stored is still what was measured."""
    import hashlib

    from PIL import Image

    from legcheck.pipeline import recording

    run, db, _ = env
    _, photo, _ = basic
    target = tmp_path / "IMG.jpg"
    target.write_bytes(photo.read_bytes())
    real = recording.measure_with

    def measure_then_swap(source, options):
        result = real(source, options)
        Image.new("RGB", (64, 48), (255, 0, 0)).save(target)  # someone saves another photo over it
        return result

    monkeypatch.setattr(recording, "measure_with", measure_then_swap)
    res = run("check", target, "--patient", "C2", "--phase", "pre", "--position", "flexed", "--json")
    assert res.exit_code == 0, res.output
    with open_store(db) as st:
        (c,) = [c for c in st.checks(chart="C2") if c["position"] == "flexed"]
        stored = st.photo_path(c["photo_sha256"])
    assert json.loads(c["result_json"])["image"]["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    with Image.open(stored) as a, Image.open(photo) as b:
        assert a.size == b.size and a.tobytes() == b.tobytes()
