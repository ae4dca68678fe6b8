"""Figures on the command line: the change words of `visit show`, repeats that disagree, and
`--units in` on measure, log, visit show and the reports (fractions for people, decimals in JSON/CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store
from legcheck.units import fraction_in

from conftest import profile_of, small_scene

BASE = {"short_leg": "left", "method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90],
        "warnings": [], "image": {}, "even_below_mm": 1.0}


@pytest.fixture
def env(tmp_path):
    db = tmp_path / "u.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("S1", "Sam Side", "1970-05-02")
        vid = st.new_visit("S1", dt.datetime(2026, 9, 1, 9).astimezone(), practitioner="Dr Ada")
        for phase, lld, unc in (("pre", 4.9, 0.8), ("post", -4.5, 0.8), ("post", -4.52, 0.15), ("post", 0.37, 0.17)):
            st.record_check("S1", phase, "extended", dict(BASE, lld_mm=lld, uncertainty_mm=unc), visit_id=vid)
        st.record_check("S1", "pre", "flexed", dict(BASE, lld_mm=4.76, uncertainty_mm=0.4), visit_id=vid)
    runner = CliRunner(env={"LEGCHECK_DB": str(db), "SOURCE_DATE_EPOCH": "1790000000"})

    def run(*args):
        res = runner.invoke(cli, [str(a) for a in args])
        assert res.exit_code == 0, res.output
        return res.stdout

    return dict(run=run, vid=vid, tmp=tmp_path)


def test_visit_show_says_what_changed(env):
    out = env["run"]("visit", "show", env["vid"]).splitlines()
    assert out[0] == "Visit 1  patient S1  2026-09-01  Dr Ada"
    post = next(line for line in out if line.startswith("post"))
    # Three post checks: -4.5 +- 0.8, -4.52 +- 0.15, +0.37 +- 0.17 disagree; their spread sets the bound:
    # mean -2.883, s = 2.8175, t(0.975, 2) = 4.3027: 4.3027 * 2.8175 / sqrt(3) = 7.00.
    assert post.split() == ["post", "extended", "3", "-2.88", "7.00", "right", "repeats", "disagree:", "retake"]
    # 4.9 -> -2.883 is the signed 7.8 mm; hypot(0.8, 7.0) = 7.05.
    assert "extended: left short 4.9 → right short 2.9 mm: the short side changed, by 7.8 mm (± 7.0)" in out


def test_visit_show_in_inches_and_json(env):
    out = env["run"]("visit", "show", env["vid"], "--units", "in").splitlines()
    header = next(line for line in out if line.startswith("phase"))
    assert header.split()[3:5] == ["lld_in", "uncertainty_in"]
    flexed = next(line for line in out if "flexed" in line)
    assert flexed.split()[3:5] == ['+3/16"', '1/16"']
    data = json.loads(env["run"]("visit", "show", env["vid"], "--units", "in", "--json"))
    m = {(m["phase"], m["position"]): m for m in data["means"]}
    assert m[("pre", "flexed")]["lld_in"] == 0.1874 and m[("post", "extended")]["repeats_disagree"] is True
    (ch,) = data["changes"]
    assert ch["position"] == "extended" and ch["delta_mm"] == pytest.approx(-2.88333 - 4.9, abs=1e-5)
    assert ch["sentence"] == 'left short 3/16" → right short 1/8": the short side changed, by 5/16" (± 5/16")'


def test_log_in_inches(env):
    out = env["run"]("log", "--units", "in").splitlines()
    assert out[0].split()[6:8] == ["lld_in", "uncertainty_in"]
    assert [line.split()[6:8] for line in out[2:]] == [['+3/16"', '1/16"'], ['-3/16"', '1/16"'], ['-3/16"', '1/16"'],
                                                       ['0"', '1/16"'], ['+3/16"', '1/16"']]
    rows = json.loads(env["run"]("log", "--units", "in", "--json"))
    assert [(r["lld_mm"], r["lld_in"]) for r in rows][:2] == [(4.9, 0.1929), (-4.5, -0.1772)]
    text = env["run"]("log", "--units", "in", "--csv")
    header = next(csv.reader([text.splitlines()[0]]))
    assert header[6:10] == ["lld_mm", "lld_in", "uncertainty_mm", "uncertainty_in"]


def test_reports_follow_the_units_and_are_byte_identical(env):
    run, tmp = env["run"], env["tmp"]
    (tmp / "a").mkdir()
    (tmp / "b").mkdir()
    first = run("report", "visit", env["vid"], "--out", tmp / "a" / "v.html", "--csv", "--units", "in",
                "--clinic", "Back Bay Chiropractic")
    run("report", "visit", env["vid"], "--out", tmp / "b" / "v.html", "--csv", "--units", "in",
        "--clinic", "Back Bay Chiropractic")
    assert first.split() == [str(tmp / "a" / "v.html"), str(tmp / "a" / "v.csv")]
    html = (tmp / "a" / "v.html").read_text()
    assert html == (tmp / "b" / "v.html").read_text()  # SOURCE_DATE_EPOCH: nothing changes between runs
    assert "Back Bay Chiropractic" in html and "<dt>Made</dt><dd>2026-09-21," in html
    assert "⚠ repeats disagree: retake" in html and "3/16&#34;" in html
    rows = list(csv.DictReader((tmp / "a" / "v.csv").open()))
    assert rows[0]["lld_mm"] == "4.9" and rows[0]["lld_in"] == "0.1929"
    run("report", "patient", "S1", "--out", tmp / "p.html", "--units", "in")
    assert "“Even” = under 1 mm (about 1/16&#34;)" in (tmp / "p.html").read_text()


def test_measure_in_inches(basic, tmp_path):
    scene, path, truth = basic
    cam = tmp_path / "cam.json"
    profile_of(small_scene()).save(cam)
    res = CliRunner().invoke(cli, ["measure", str(path), "--camera", str(cam), "--no-annotate", "--units", "in"])
    assert res.exit_code == 0, res.output
    d = json.loads(CliRunner().invoke(cli, ["measure", str(path), "--camera", str(cam), "--no-annotate", "--json",
                                            "--units", "in"]).stdout)
    # JSON rounds each field on its own: inches from the unrounded mm may differ in the last digit.
    assert d["lld_in"] == pytest.approx(d["lld_mm"] / 25.4, abs=1e-4)
    assert d["uncertainty_in"] == pytest.approx(d["uncertainty_mm"] / 25.4, abs=1e-4)
    assert res.stdout.strip() == (f"Left leg short by {fraction_in(d['lld_mm'])} (± "
                                  f"{fraction_in(d['uncertainty_mm'], round_up=True)}, heel tabs)")


def test_check_and_export_in_inches(basic, tmp_path):
    scene, path, truth = basic
    cam = tmp_path / "cam.json"
    profile_of(small_scene()).save(cam)
    runner = CliRunner(env={"LEGCHECK_DB": str(tmp_path / "c.sqlite3")})

    def run(*args):
        res = runner.invoke(cli, [str(a) for a in args])
        assert res.exit_code == 0, res.output
        return res.stdout

    run("init")
    run("patient", "add", "C1", "--name", "Carla")
    (d,) = json.loads(run("check", path, "--patient", "C1", "--phase", "pre", "--position", "extended", "--camera", cam,
                          "--units", "in", "--json"))
    # JSON rounds each field on its own: inches from the unrounded mm may differ in the last digit.
    assert d["lld_in"] == pytest.approx(d["lld_mm"] / 25.4, abs=1e-4)
    assert d["uncertainty_in"] == pytest.approx(d["uncertainty_mm"] / 25.4, abs=1e-4)
    line = run("check", path, "--patient", "C1", "--phase", "post", "--position", "extended", "--camera", cam,
               "--units", "in", "--allow-duplicate-photo").strip()
    assert line.endswith(f"Left leg short by {fraction_in(d['lld_mm'])} (± "
                         f"{fraction_in(d['uncertainty_mm'], round_up=True)}, heel tabs)"), line
    header = run("export", "--units", "in").splitlines()[0].split(",")
    assert header[header.index("lld_mm") + 1] == "lld_in" and header[header.index("uncertainty_mm") + 1] == "uncertainty_in"
