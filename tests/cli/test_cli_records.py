"""Visit-log commands through click's CliRunner against a real SQLite file and real JPEGs."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner
from PIL import Image

from legcheck.cli import cli
from legcheck.synth.render import encode_jpeg
from legcheck.records import open_store

from conftest import profile_of


@pytest.fixture
def env(tmp_path, basic):
    scene, photo, truth = basic
    db = tmp_path / "data" / "legcheck.sqlite3"
    cam = tmp_path / "cam.json"
    profile_of(scene).save(cam)
    # The photo as a phone writes it: GPS position, serial number, make and model in EXIF.
    from legcheck._cv import cv2

    bgr = cv2().imread(str(photo))
    exif = {0x010F: "Acme", 0x0110: "Phone 9", 0x8825: {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)},
            "exif": {0xA431: "SN-12345"}}
    gps_photo = tmp_path / "IMG_0001.jpg"
    gps_photo.write_bytes(encode_jpeg(bgr, 92, exif))
    runner = CliRunner(env={"LEGCHECK_DB": str(db), "LEGCHECK_USER": "dr-a"})

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args])

    assert run("init").exit_code == 0
    assert run("patient", "add", "C7", "--name", "Carla Cruz", "--dob", "1980-05-06").exit_code == 0
    return dict(run=run, db=db, cam=cam, photo=gps_photo, truth=truth, scene=scene)


def test_check_records_measurement_and_clean_photo(env):
    run = env["run"]
    res = run("check", env["photo"], "--patient", "C7", "--phase", "pre", "--position", "extended",
              "--camera", env["cam"], "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)[0]
    assert abs(out["lld_mm"] - env["truth"]["lld_mm"]) <= out["uncertainty_mm"]
    with open_store(env["db"]) as st:
        (c,) = st.checks(chart="C7")
        assert c["lld_mm"] == pytest.approx(out["lld_mm"]) and c["phase"] == "pre" and c["position"] == "extended"
        stored = st.photo_path(c["photo_sha256"])
        (original,) = sqlite3.connect(env["db"]).execute("SELECT original_sha256 FROM photos WHERE sha256 = ?",
                                                         (c["photo_sha256"],)).fetchone()
        assert original == hashlib.sha256(env["photo"].read_bytes()).hexdigest()
        assert st.photo_path(c["annotated_sha256"]).exists()
    with Image.open(env["photo"]) as im:
        assert im.getexif().get_ifd(0x8825)  # the original carried a GPS position
    data = stored.read_bytes()
    assert hashlib.sha256(data).hexdigest() == c["photo_sha256"] == stored.stem
    assert b"SN-12345" not in data and b"Acme" not in data
    with Image.open(stored) as im:
        ex = im.getexif()
        assert 0x8825 not in ex and 0x010F not in ex
        assert im.size == (env["scene"].width, env["scene"].height)
    # Pixels untouched: the stored JPEG decodes to exactly the original's pixels.
    with Image.open(env["photo"]) as a, Image.open(stored) as b:
        assert a.tobytes() == b.tobytes()


def test_failed_measurement_leaves_nothing(env, tmp_path):
    run = env["run"]
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    res = run("check", bad, "--patient", "C7", "--phase", "pre", "--position", "extended")
    assert res.exit_code == 3
    with open_store(env["db"]) as st:
        assert st.visits("C7") == [] and st.checks() == []
        assert st.check_integrity()["counts"]["photos"] == 0
    assert not any((env["db"].parent / "legcheck-photos").glob("*/*"))


def test_bad_input_exit_codes(env):
    run = env["run"]
    args = ["--phase", "pre", "--position", "extended", "--camera", env["cam"]]
    res = run("check", env["photo"], "--patient", "NOPE", *args)
    assert res.exit_code == 8 and "no patient with chart number NOPE" in res.output
    assert run("patient", "add", "C8", "--name", "Dan Dee").exit_code == 0
    vid = int(run("visit", "new", "--patient", "C8").stdout.strip())
    res = run("check", env["photo"], "--patient", "C7", "--visit", vid, *args)
    assert res.exit_code == 9 and "belongs to chart C8" in res.output
    res = run("check", env["photo"], "--patient", "C7", "--phase", "during", "--position", "extended")
    assert res.exit_code == 2 and "during" in res.output
    res = run("check", env["photo"], "--patient", "C7", "--phase", "pre", "--position", "sitting")
    assert res.exit_code == 2
    res = run("patient", "add", "C7", "--name", "Again")
    assert res.exit_code == 9
    assert run("amend", "999", "--lld-mm", "1", "--uncertainty-mm", "1", "--reason", "x").exit_code == 8
    with open_store(env["db"]) as st:
        assert st.checks() == [] and [v["id"] for v in st.visits("C8")] == [vid]


def test_log_amend_history_export_backup_dbcheck(env, tmp_path):
    run = env["run"]
    r = run("check", env["photo"], "--patient", "C7", "--phase", "pre", "--position", "flexed", "--camera", env["cam"], "--json")
    cid = json.loads(r.stdout)[0]["check_id"]
    assert run("amend", cid, "--lld-mm", "-2.5", "--uncertainty-mm", "1.2", "--reason", "tab slipped").exit_code == 0
    rows = json.loads(run("log", "--patient", "C7", "--json").stdout)
    assert len(rows) == 1 and rows[0]["lld_mm"] == -2.5 and rows[0]["amended"] is True
    hist = list(csv.DictReader(io.StringIO(run("log", "--history", "--csv").stdout)))
    assert [h["id"] for h in hist] == [str(cid), str(cid + 1)]
    assert hist[0]["superseded_by"] == str(cid + 1) and hist[1]["reason"] == "tab slipped"
    table = run("log").stdout
    assert "amended" in table and "-2.50" in table
    exp = list(csv.DictReader(io.StringIO(run("export", "--format", "csv").stdout)))
    assert len(exp) == 1 and float(exp[0]["lld_mm"]) == -2.5 and "name" not in exp[0]
    assert "Carla" not in run("export", "--format", "json").stdout
    assert json.loads(run("export", "--format", "json", "--with-names").stdout)[0]["name"] == "Carla Cruz"
    assert run("backup", tmp_path / "b.tar").exit_code == 0
    assert run("restore", tmp_path / "b.tar", "--db", tmp_path / "r.sqlite3").exit_code == 0
    with open_store(tmp_path / "r.sqlite3") as b:
        assert len(b.checks(history=True)) == 2
    ok = run("db", "check", "--json")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    # A stored photo changed on disk: db check finds it.
    with open_store(env["db"]) as st:
        p = st.photo_path(st.checks()[0]["photo_sha256"])
    p.chmod(0o600)
    p.write_bytes(p.read_bytes() + b"tampered")
    bad = run("db", "check")
    assert bad.exit_code == 11 and "photo changed" in bad.output


def test_visit_show_and_adjust(env):
    run = env["run"]
    for pos in ("extended", "flexed"):
        assert run("check", env["photo"], "--patient", "C7", "--phase", "pre", "--position", pos,
                   "--camera", env["cam"], "--allow-duplicate-photo").exit_code == 0
    vid = json.loads(run("log", "--json").stdout)[0]["visit_id"]
    res = run("adjust", "--visit", vid, "--piece", "pelvic", "--side", "right", "--listing", "PI right ilium")
    assert res.exit_code == 0
    s = json.loads(run("visit", "show", vid, "--json").stdout)
    assert s["derifield"] == "negative"  # the same photo twice: the short leg stays short
    assert s["pd_side"] == "left" and s["listing"] == "PI right ilium"
    assert s["adjustments"][0]["piece"] == "pelvic" and s["adjustments"][0]["side"] == "right"
    assert run("adjust", "--visit", vid, "--piece", "knee").exit_code == 2


def test_batch_check_all_or_nothing(env, tmp_path):
    run = env["run"]
    d = tmp_path / "batch"
    d.mkdir()
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        shutil.copy(env["photo"], d / name)
    (d / "checks.csv").write_text("file,phase,position\na.jpg,pre,extended\nb.jpg,pre,flexed\nc.jpg,post,extended\n")
    res = run("check", "--batch", d, "--patient", "C7", "--camera", env["cam"], "--allow-duplicate-photo")
    assert res.exit_code == 0, res.output
    assert len(json.loads(run("log", "--json").stdout)) == 3
    (d / "c.jpg").write_bytes(b"")
    res = run("check", "--batch", d, "--patient", "C7", "--camera", env["cam"], "--allow-duplicate-photo")
    assert res.exit_code == 3 and "checks.csv row 4" in res.output and "c.jpg" in res.output  # names the file
    assert len(json.loads(run("log", "--json").stdout)) == 3  # nothing of the failed batch
