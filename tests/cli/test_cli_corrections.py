"""The records half of issue 13 through the command line, against a real database made here: the
exact words and numbers of visit show, the reports and their CSV after each correction, every
original readable in log --history, checks on entry, batch rows, the stored configuration."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store

BASE = {"short_leg": "left", "method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90],
        "warnings": [], "image": {}, "even_below_mm": 1.0}
STRIKE = "\u0336"


@pytest.fixture
def env(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("C1042", "José Núñez", "1970-01-02")
        st.add_patient("C7", "Carla Cruz")
        vid = st.new_visit("C1042", dt.datetime(2026, 9, 1, 9).astimezone(), practitioner="Dr Ada")
        pre = st.record_check("C1042", "pre", "extended", dict(BASE, lld_mm=4.9, uncertainty_mm=0.8), visit_id=vid)
        post = st.record_check("C1042", "post", "extended", dict(BASE, lld_mm=-4.5, uncertainty_mm=0.8, short_leg="right"),
                               visit_id=vid)
    runner = CliRunner(env={"LEGCHECK_DB": str(db), "LEGCHECK_USER": "dr-a"})

    def run(*args, code=0):
        res = runner.invoke(cli, [str(a) for a in args])
        assert res.exit_code == code, res.output
        return res

    return dict(run=run, db=db, vid=vid, pre=pre["check_id"], post=post["check_id"], tmp=tmp_path)


def _changes(run, vid):
    return [line for line in run("visit", "show", vid).stdout.splitlines() if line.startswith("extended:")]


def test_an_amended_figure_changes_the_words_and_keeps_the_original(env):
    run, vid = env["run"], env["vid"]
    assert _changes(run, vid) == ["extended: left short 4.9 → right short 4.5 mm: the short side changed, by 9.4 mm (± 1.1)"]
    res = run("amend", env["post"], "--lld-mm", "1.2", "--reason", "re-read", code=2)
    assert "'--uncertainty-mm'" in res.output and "95 % bound" in res.output
    res = run("amend", env["post"], "--lld-mm", "1.2", "--uncertainty-mm", "0.8", "--reason", "tab on the seam")
    new = int(res.stdout.split()[-1])
    assert _changes(run, vid) == ["extended: left short 4.9 → left short 1.2 mm: 3.7 mm less (± 1.1)"]
    hist = list(csv.DictReader(io.StringIO(run("log", "--history", "--csv").stdout)))
    assert [(h["id"], h["lld_mm"], h["method"], h["superseded_by"], h["reason"]) for h in hist] == [
        (str(env["pre"]), "4.9", "tabs", "", ""), (str(env["post"]), "-4.5", "tabs", str(new), ""),
        (str(new), "1.2", "manual entry", "", "tab on the seam")]
    rows = _report_csv(run, env["tmp"], "visit", vid)
    assert [(r["check_id"], r["lld_mm"], r["uncertainty_mm"], r["method"], r["amended"]) for r in rows] == [
        (str(env["pre"]), "4.9", "0.8", "tabs", "False"), (str(new), "1.2", "0.8", "manual entry", "True")]
    (ext,) = _report_csv(run, env["tmp"], "patient", "C1042")
    assert (ext["change_mm"], ext["change"]) == ("-3.7", "left short 4.9 → left short 1.2 mm: 3.7 mm less (± 1.1)")


def test_phase_and_visit_are_amended_and_another_patients_visit_is_refused(env):
    run = env["run"]
    v2 = int(run("visit", "new", "--patient", "C1042", "--date", "2026-09-08T09:00").stdout)
    other = int(run("visit", "new", "--patient", "C7").stdout)
    res = run("amend", env["post"], "--visit", other, "--reason", "wrong patient", code=9)
    assert f"visit {other} is another patient's (chart C7, not C1042)" in res.output
    new = int(run("amend", env["post"], "--visit", v2, "--phase", "pre", "--reason", "it was the next visit").stdout
              .split()[-1])
    assert _changes(run, env["vid"]) == [] and _changes(run, v2) == []
    shown = json.loads(run("visit", "show", v2, "--json").stdout)
    assert [(m["phase"], m["position"], m["lld_mm"]) for m in shown["means"]] == [("pre", "extended", -4.5)]
    hist = json.loads(run("log", "--history", "--json").stdout)
    assert [(h["id"], h["visit_id"], h["phase"]) for h in hist if h["entity_id"] == env["post"]] == [
        (env["post"], env["vid"], "post"), (new, v2, "pre")]


def test_a_voided_check_leaves_the_figures_and_is_struck_through_in_the_history(env):
    run = env["run"]
    assert run("void", env["pre"], "--reason", " ", code=2).output.count("needs a reason") == 1
    assert run("void", env["pre"], "--reason", "photo of another patient").stdout.startswith(f"check {env['pre']} voided")
    assert _changes(run, env["vid"]) == []
    log = json.loads(run("log", "--json").stdout)
    assert [r["id"] for r in log] == [env["post"]]
    text = run("log", "--history").stdout
    struck = [line for line in text.splitlines() if STRIKE in line]
    assert len(struck) == 2 and all("voided" not in line or "photo of another patient" in line for line in struck)
    assert f"+{STRIKE}4{STRIKE}.{STRIKE}9{STRIKE}0{STRIKE}" in struck[0] and struck[1].rstrip().endswith("voided")
    assert [r["check_id"] for r in _report_csv(run, env["tmp"], "visit", env["vid"])] == [str(env["post"])]
    res = run("amend", env["pre"], "--phase", "post", "--reason", "x", code=9)
    assert "voided" in res.output


def test_a_drop_piece_is_voided(env):
    run = env["run"]
    run("adjust", "--visit", env["vid"], "--piece", "pelvic", "--side", "right")
    adj = json.loads(run("visit", "show", env["vid"], "--json").stdout)["adjustments"][0]["id"]
    assert run("adjust", "--void", adj, code=2).output.count("'--reason'") == 1
    assert run("adjust", "--void", adj, "--reason", "wrong piece").stdout == f"adjustment {adj} voided (record {adj + 1})\n"
    assert "Drop piece" not in run("visit", "show", env["vid"]).stdout
    hist = json.loads(run("log", "--kind", "adjustments", "--history", "--json").stdout)
    assert [(h["id"], h["piece"], h["voided"], h["reason"]) for h in hist] == [
        (adj, "pelvic", None, None), (adj + 1, "pelvic", 1, "wrong piece")]
    assert json.loads(run("log", "--kind", "adjustments", "--json").stdout) == []


def test_patients_are_edited_found_and_checked_on_entry(env):
    run = env["run"]
    res = run("patient", "add", "c1042", "--name", "Again", code=9)
    assert "chart number c1042 is already a patient (C1042)" in res.output
    for dob, words in (("2090-01-01", "is not in the past"), ("1890-05-01", "is before 1900"),
                       ("1980-02-30", "is not a date")):
        res = run("patient", "add", "C9", "--name", "New", "--dob", dob, code=2)
        assert "Invalid value for '--dob'" in res.output and words in res.output
    assert run("patient", "edit", "c1042", "--name", "Jose Nunez", "--dob", "1971-01-02").stdout == \
        "Patient C1042: Jose Nunez, born 1971-01-02\n"
    found = json.loads(run("patient", "find", "NÚÑEZ", "--json").stdout)
    assert [p["chart"] for p in found] == ["C1042"] and found[0]["name"] == "Jose Nunez"
    assert json.loads(run("patient", "find", "cruz", "--json").stdout)[0]["chart"] == "C7"
    versions = json.loads(run("patient", "show", "C1042", "--history", "--json").stdout)["versions"]
    assert [(v["name"], v["dob"], v["reason"]) for v in versions] == [
        ("José Núñez", "1970-01-02", None), ("Jose Nunez", "1971-01-02", "corrected: name, date of birth")]
    assert "José Núñez" in run("patient", "show", "C1042", "--history").stdout


def test_visit_list(env):
    run = env["run"]
    run("visit", "new", "--patient", "C7", "--date", "2026-09-02T10:00")
    rows = json.loads(run("visit", "list", "--json").stdout)
    assert [(r["chart"], r["visit_date"], r["checks"], r["open_red_flags"]) for r in rows] == [
        ("C1042", "2026-09-01", 2, 0), ("C7", "2026-09-02", 0, 0)]
    assert [r["chart"] for r in json.loads(run("visit", "list", "--patient", "c7", "--json").stdout)] == ["C7"]


def test_batch_rows_are_checked_against_phase_and_position(env, tmp_path):
    run = env["run"]
    d = tmp_path / "batch"
    d.mkdir()
    (d / "a.jpg").write_bytes(b"x")
    (d / "checks.csv").write_text("file,phase,position\na.jpg,pre,extended\na.jpg,post,\n")
    res = run("check", "--batch", d, "--patient", "C1042", "--phase", "pre", code=2)
    assert f"{d / 'checks.csv'}, row 3: phase post contradicts --phase pre" in res.output
    (d / "checks.csv").write_text("file,phase\na.jpg,pre\n")
    res = run("check", "--batch", d, "--patient", "C1042", code=2)
    assert "row 2: needs a position (extended/flexed/head-left/head-right), in the file or as --position" in res.output
    (d / "checks.csv").write_text("file\nb.jpg\n")
    res = run("check", "--batch", d, "--patient", "C1042", "--phase", "pre", "--position", "flexed", code=2)
    assert "row 2: b.jpg not found" in res.output


def test_the_stored_settings_are_used_by_checks_commands_and_reports(env, basic):
    from conftest import profile_of

    run = env["run"]
    scene, photo, truth = basic
    cam = env["tmp"] / "phone.json"
    profile_of(scene).save(cam)
    assert run("config", "set", "camera", env["tmp"] / "nope.json", code=6).exit_code == 6
    out = run("config", "set", "camera", cam).stdout
    ident = __import__("legcheck.vision.camera", fromlist=["CameraProfile"]).CameraProfile.load(cam).identity()
    assert out == f"camera = truth (sha256 {ident['sha256'][:12]})\n"
    run("config", "set", "units", "in")
    run("config", "set", "clinic-name", "Back Bay Chiropractic")
    assert run("config", "set", "units", "cm", code=2).exit_code == 2
    info = run("info").stdout
    assert f"database: {env['db']} (schema 5)" in info and "units: in" in info and "clinic-name: Back Bay" in info
    assert f"camera: truth (sha256 {ident['sha256'][:12]})" in info
    (rec,) = json.loads(run("check", photo, "--patient", "C7", "--phase", "pre", "--position", "extended",
                            "--no-annotate", "--json").stdout)
    assert abs(rec["lld_mm"] - truth["lld_mm"]) <= rec["uncertainty_mm"] and "lld_in" in rec  # stored units
    with open_store(env["db"]) as st:
        c = st.checks(chart="C7")[0]
        assert json.loads(c["result_json"])["camera_profile"] == ident and c["annotated_sha256"] is None
    assert "lld_in" in run("export").stdout.splitlines()[0].split(",")  # the stored units
    assert '3/16"' in run("visit", "show", env["vid"]).stdout  # 4.9 mm shown in inches
    html = env["tmp"] / "v.html"
    run("report", "visit", env["vid"], "--out", html)
    text = html.read_text()
    assert '<p class="clinic">Back Bay Chiropractic</p>' in text and "3/16&#34;" in text


def _report_csv(run, tmp, kind, what):
    out = tmp / f"{kind}-{what}.html"
    run("report", kind, what, "--out", out, "--csv", "--force")
    return list(csv.DictReader(io.StringIO(out.with_suffix(".csv").read_text())))
