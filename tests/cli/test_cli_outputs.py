"""Every file a command writes follows one rule (legcheck.outputs): the records, the command's own
inputs and anything that is not a regular file are always refused (exit 2); an existing file only
with --force (exit 9 naming it and --force); a missing folder is refused (exit 14; only targets --out
DIR makes that one folder, and only when the command succeeds); and nothing is left half-written. One test per finding of the fresh testers, against real files."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from legcheck.cli import cli
from legcheck.records import open_store

from conftest import REALDATA

RESULT = {"lld_mm": -2.0, "short_leg": "right", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}


def _jpeg(colour=(10, 200, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def clinic(tmp_path):
    """A real database with one stored photo: (run, db, photos_dir, stored photo path, visit id)."""
    db = tmp_path / "data" / "legcheck.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        vid = st.new_visit("C1", dt.datetime(2026, 9, 1, 9).astimezone())
        out = st.record_check("C1", "pre", "extended", RESULT, visit_id=vid, photo=_jpeg())
        stored = st.photo_path(out["photo_sha256"])
    runner = CliRunner(env={"LEGCHECK_DB": str(db)})

    def run(*args):
        return runner.invoke(cli, [str(a) for a in args])

    return run, db, db.parent / "legcheck-photos", stored, vid


@pytest.fixture
def measured(basic, tmp_path):
    """A copy of the basic rendered photo in its own folder, and its camera profile."""
    from conftest import profile_of

    scene, photo, _ = basic
    work = tmp_path / "work"
    work.mkdir()
    copy = work / "heels.jpg"
    copy.write_bytes(photo.read_bytes())
    cam = work / "cam.json"
    profile_of(scene).save(cam)
    return copy, cam


def _records_intact(run):
    assert run("db", "check").exit_code == 0 and run("log").exit_code == 0


# -- 1. measure --annotate ----------------------------------------------------------------------
@pytest.mark.parametrize("target", ["db", "wal", "shm", "photo_file", "new_in_store"])
def test_measure_never_annotates_over_the_records(clinic, measured, target):
    run, db, photos, stored, _ = clinic
    photo, cam = measured
    out = {"db": db, "wal": Path(f"{db}-wal"), "shm": Path(f"{db}-shm"), "photo_file": stored,
           "new_in_store": photos / "ab" / "annotated.jpg"}[target]
    before = out.read_bytes() if out.exists() else None
    for force in ((), ("--force",)):
        res = run("measure", photo, "--camera", cam, "--annotate", out, *force)
        assert res.exit_code == 2 and "part of the records" in res.output, res.output
    assert (out.read_bytes() if out.exists() else None) == before
    _records_intact(run)


def test_measure_refuses_any_sqlite_database_and_its_inputs(measured, tmp_path):
    import sqlite3

    photo, cam = measured
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = other.read_bytes()
    for out in (other, photo, cam, "/dev/null"):
        res = CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam), "--annotate", str(out), "--force"])
        assert res.exit_code == 2, (out, res.output)
    assert other.read_bytes() == before and photo.stat().st_size > 10_000
    assert Path("/dev/null").is_char_device()


def test_measure_refuses_an_existing_annotated_file_unless_forced(measured):
    photo, cam = measured
    out = photo.parent / "mine.jpg"
    out.write_bytes(b"keep me")
    res = CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam), "--annotate", str(out)])
    assert res.exit_code == 9 and str(out) in res.output and "--force" in res.output
    assert out.read_bytes() == b"keep me"
    res = CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam), "--annotate", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:2] == b"\xff\xd8"


def test_the_default_annotated_copy_replaces_only_its_own_earlier_copy(measured):
    photo, cam = measured
    default = photo.with_name("heels.annotated.jpg")
    first = CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam)])
    assert first.exit_code == 0 and default.exists(), first.output
    again = CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam)])
    assert again.exit_code == 0, again.output  # our own copy of the same photo: replaced
    other = photo.with_name("other.jpg")
    other.write_bytes(photo.read_bytes()[:-200] + b"\x00" * 198 + b"\xff\xd9")  # another photo, another hash
    default.rename(other.with_name("other.annotated.jpg"))  # an annotated copy, but of heels.jpg
    res = CliRunner().invoke(cli, ["measure", str(other), "--camera", str(cam)])
    assert res.exit_code == 9 and "other.annotated.jpg" in res.output and "--force" in res.output
    default.write_bytes(b"the user's own file")
    res = CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam)])
    assert res.exit_code == 9 and default.read_bytes() == b"the user's own file"
    assert CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam), "--no-annotate"]).exit_code == 0


# -- 2. calibrate --out -------------------------------------------------------------------------
def _fifo(tmp_path):
    fifo = tmp_path / "a.fifo"
    os.mkfifo(fifo)
    return fifo


@pytest.mark.parametrize("target", ["db", "input", "dev_null", "fifo", "directory", "empty"])
def test_calibrate_out_refuses_the_records_inputs_and_special_files(clinic, tmp_path, target):
    run, db, _, _, _ = clinic
    photos = []
    for i in range(5):
        p = tmp_path / f"board_{i}.jpg"
        p.write_bytes(_jpeg((i * 40, 10, 10)))
        photos.append(p)
    out = {"db": db, "input": photos[2], "dev_null": "/dev/null", "fifo": _fifo(tmp_path), "directory": tmp_path,
           "empty": ""}[target]
    before = Path(out).read_bytes() if target in ("db", "input") else None
    for force in ((), ("--force",)):
        res = run("calibrate", *photos, "--out", out, *force)
        assert res.exit_code == 2 and "internal error" not in res.output, res.output
        assert "No such option" not in res.output and "Reading photos" not in res.output  # before calibrating
    if before is not None:
        assert Path(out).read_bytes() == before
    assert Path("/dev/null").is_char_device()
    _records_intact(run)


def test_calibrate_refuses_an_existing_profile_or_picture_before_calibrating(tmp_path):
    photos = []
    for i in range(5):
        p = tmp_path / f"board_{i}.jpg"
        p.write_bytes(_jpeg())
        photos.append(p)
    prof = tmp_path / "phone.json"
    prof.write_text("{}")
    res = CliRunner().invoke(cli, ["calibrate", *map(str, photos), "--out", str(prof)])
    assert res.exit_code == 9 and str(prof) in res.output and "--force" in res.output
    assert "Reading photos" not in res.output and prof.read_text() == "{}"
    prof.unlink()
    (tmp_path / "phone-coverage.png").write_bytes(b"keep")
    res = CliRunner().invoke(cli, ["calibrate", *map(str, photos), "--out", str(prof)])
    assert res.exit_code == 9 and "phone-coverage.png" in res.output and not prof.exists()
    res = CliRunner().invoke(cli, ["calibrate", *map(str, photos), "--out", str(tmp_path / "nodir" / "p.json")])
    assert res.exit_code == 14 and "Reading photos" not in res.output and not (tmp_path / "nodir").exists()


CHESS = sorted((REALDATA / "opencv_calib").glob("left*.jpg"))


@pytest.mark.skipif(len(CHESS) < 5, reason="../shared/realdata/opencv_calib not present")
def test_calibrate_never_replaces_the_database_and_replaces_a_profile_only_when_forced(clinic, tmp_path):
    run, db, _, _, _ = clinic
    args = ["calibrate", *CHESS, "--chessboard", "9x6", "--square-mm", "25", "--out"]
    res = run(*args, db)
    assert res.exit_code == 2 and "part of the records" in res.output, res.output
    _records_intact(run)
    prof = tmp_path / "left.json"
    assert run(*args, prof).exit_code == 0 and (tmp_path / "left-coverage.png").exists()
    before = prof.read_bytes()
    res = run(*args, prof)
    assert res.exit_code == 9 and "--force" in res.output and prof.read_bytes() == before
    assert run(*args, prof, "--force").exit_code == 0


@pytest.mark.skipif(len(CHESS) < 5, reason="../shared/realdata/opencv_calib not present")
def test_calibrate_leaves_nothing_when_the_picture_cannot_be_written(tmp_path):
    """A disk that fills up after the profile: neither file is left (a real write failure: the file size limit)."""
    out = tmp_path / "left.json"
    script = f"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # the JSON fits, the PNG does not
from legcheck.cli import main
sys.argv = ["legcheck", "calibrate", *{list(map(str, CHESS))!r}, "--chessboard", "9x6", "--square-mm", "25",
            "--out", {str(out)!r}]
main()
"""
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert res.returncode == 14, res.stderr
    assert "left-coverage.png" in res.stderr or "left.json" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [], list(tmp_path.iterdir())


# -- 3. targets --out DIR -----------------------------------------------------------------------
def test_targets_refuse_to_replace_printed_files_unless_forced(tmp_path):
    out = tmp_path / "print"
    out.mkdir()
    (out / "board.pdf").write_bytes(b"my own board")
    res = CliRunner().invoke(cli, ["targets", "--out", str(out)])
    assert res.exit_code == 9 and "board.pdf" in res.output and "--force" in res.output
    assert (out / "board.pdf").read_bytes() == b"my own board"
    assert sorted(p.name for p in out.iterdir()) == ["board.pdf"]  # nothing else written either
    res = CliRunner().invoke(cli, ["targets", "--out", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert (out / "board.pdf").read_bytes()[:5] == b"%PDF-"
    res = CliRunner().invoke(cli, ["targets", "--out", str(tmp_path / "a"), "--paper", "letter",
                                   "--board-squares", "30x30"])  # too big for the sheet: refused, no folder made
    assert res.exit_code == 2 and not (tmp_path / "a").exists(), res.output
    res = CliRunner().invoke(cli, ["targets", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0 and sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "board.pdf", "board.png", "tabs.pdf", "tabs.png", "targets.json"]
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


# -- 4. reports: all or nothing, the real cause, no invented folders -----------------------------
def test_report_leaves_nothing_when_a_later_file_fails(clinic, tmp_path):
    run, _, _, _, vid = clinic
    out = tmp_path / "r.html"
    res = run("report", "visit", vid, "--out", out, "--csv", "/proc/legcheck-x.csv")
    assert res.exit_code == 14 and "/proc/legcheck-x.csv" in res.output, res.output
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.html")] == []


def test_report_pdf_path_problems_are_named_before_chromium_runs(clinic, tmp_path):
    run, _, _, _, vid = clinic
    res = run("report", "visit", vid, "--out", tmp_path / "r.html", "--pdf", "/proc/legcheck-x.pdf")
    assert res.exit_code == 14 and "/proc/legcheck-x.pdf" in res.output and "Chromium" not in res.output
    assert not (tmp_path / "r.html").exists()


def test_a_chromium_that_cannot_start_says_why(clinic, tmp_path):
    run, _, _, _, vid = clinic
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "chromium"
    fake.write_text("#!/bin/sh\necho 'Missing X server or $DISPLAY' >&2\nexit 1\n")
    fake.chmod(0o755)
    runner = CliRunner(env={"LEGCHECK_DB": str(clinic[1]), "PATH": f"{bin_dir}:/usr/bin:/bin"})
    res = runner.invoke(cli, ["report", "visit", str(vid), "--out", str(tmp_path / "r.html"), "--pdf"])
    assert res.exit_code == 12 and "Missing X server" in res.output, res.output
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("cmd", ["report", "export", "backup"])
def test_an_output_is_owner_only_and_its_folder_keeps_its_mode(clinic, tmp_path, cmd):
    """Missing folders are refused (tests/cli/test_cli_output_folders.py); one that exists is left as it is."""
    run, _, _, _, vid = clinic
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    out = shared / ("x.csv" if cmd == "export" else "x.html")  # export writes CSV
    args = {"report": ("report", "visit", vid, "--out", out), "export": ("export", "--out", out),
            "backup": ("backup", out)}[cmd]
    old = os.umask(0)
    try:
        res = run(*args)
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755


# -- 8. standard output -------------------------------------------------------------------------
def _legcheck(args, db, stdout):
    env = dict(os.environ, LEGCHECK_DB=str(db))
    return subprocess.run([sys.executable, "-m", "legcheck", *args], stdout=stdout, stderr=subprocess.PIPE,
                          env=env, timeout=120)


def test_a_closed_pipe_ends_quietly(clinic):
    _, db, _, _, _ = clinic
    r, w = os.pipe()
    os.close(r)  # the reader is gone (`| head -1` after its line)
    try:
        res = _legcheck(["log"], db, w)
    finally:
        os.close(w)
    assert res.stderr.decode() == "" and res.returncode == 141


def test_a_full_standard_output_is_named(clinic):
    _, db, _, _, _ = clinic
    with open("/dev/full", "wb") as full:
        res = _legcheck(["log"], db, full)
    err = res.stderr.decode()
    assert res.returncode == 14 and "standard output" in err and "the disk is full" in err, err
    assert "Exception ignored" not in err and len(err.strip().splitlines()) == 1


# -- 9. check --batch stays inside its folder ---------------------------------------------------
@pytest.mark.parametrize("name", ["../outside.jpg", "/etc/passwd", "sub/../../outside.jpg", "link.jpg"])
def test_batch_rows_cannot_leave_the_batch_folder(clinic, tmp_path, name):
    run, _, _, _, _ = clinic
    batch = tmp_path / "batch"
    batch.mkdir()
    (tmp_path / "outside.jpg").write_bytes(_jpeg())
    (batch / "link.jpg").symlink_to(tmp_path / "outside.jpg")
    (batch / "inside.jpg").write_bytes(_jpeg())
    (batch / "checks.csv").write_text(f"file,phase,position\ninside.jpg,pre,extended\n{name},post,extended\n")
    res = run("check", "--batch", batch, "--patient", "C1")
    assert res.exit_code == 2 and "row 3" in res.output and "checks.csv" in res.output, res.output
    assert "outside the batch folder" in res.output


# -- 7. init on an existing empty file ----------------------------------------------------------
def test_init_makes_an_existing_empty_file_owner_only(tmp_path):
    import stat

    db = tmp_path / "clinic.sqlite3"
    db.touch()
    db.chmod(0o644)
    res = CliRunner().invoke(cli, ["init", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@pytest.mark.parametrize("target", ["dev_null", "fifo"])
def test_init_refuses_a_special_file(tmp_path, target):
    path = Path("/dev/null") if target == "dev_null" else _fifo(tmp_path)
    mode = path.stat().st_mode
    res = CliRunner().invoke(cli, ["init", "--db", str(path)])
    assert res.exit_code == 10 and "not a regular file" in res.output, res.output
    assert path.stat().st_mode == mode and (path.is_char_device() or path.is_fifo())


@pytest.mark.parametrize("case", ["folder", "missing", "nul", "not_utf8", "csv_is_a_folder"])
def test_odd_batch_rows_are_one_line_errors(clinic, tmp_path, case):
    run, _, _, _, _ = clinic
    batch = tmp_path / "batch"
    (batch / "sub").mkdir(parents=True)
    (batch / "inside.jpg").write_bytes(_jpeg())
    rows = {"folder": "sub", "missing": "gone; $(rm -rf x).jpg", "nul": "a\x00b.jpg"}
    if case == "not_utf8":
        (batch / "checks.csv").write_bytes(b"file,phase,position\n\xff\xfe.jpg,pre,extended\n")
    elif case == "csv_is_a_folder":
        (batch / "checks.csv").mkdir()
    else:
        (batch / "checks.csv").write_text(f"file,phase,position\ninside.jpg,pre,extended\n{rows[case]},post,extended\n")
    res = run("check", "--batch", batch, "--patient", "C1")
    expected = {"folder": "row 3: sub is not a photo file", "missing": "row 3: gone; $(rm -rf x).jpg not found",
                "nul": "row 3: the file name holds a NUL character", "not_utf8": "is not a readable CSV file",
                "csv_is_a_folder": "checks.csv is not a file"}[case]
    assert res.exit_code == 2 and expected in res.output, res.output
    assert "internal error" not in res.output and len(res.output.strip().splitlines()) == 1
    assert "Traceback" not in res.output
    _records_intact(run)
    assert run("log", "--json").output.count('"phase"') == 1  # the batch recorded nothing


@pytest.mark.parametrize("photo", [".", "folder", "no such photo.jpg"])
def test_measure_of_a_folder_or_a_missing_photo_is_one_line(tmp_path, monkeypatch, photo):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    res = CliRunner().invoke(cli, ["measure", photo])
    assert res.exit_code == 3 and "internal error" not in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]  # no annotated copy anywhere


# -- 10. a file's name says what it holds -------------------------------------------------------
@pytest.mark.parametrize("name", ["x.txt", "x.html", "x"])
def test_measure_refuses_an_annotated_name_that_is_no_image_before_measuring(tmp_path, name):
    """--annotate x.txt wrote JPEG data under a .txt name."""
    out = tmp_path / name
    res = CliRunner().invoke(cli, ["measure", str(tmp_path / "missing.jpg"), "--annotate", str(out)])
    assert res.exit_code == 2, res.output  # before the photo is even read (a missing photo is exit 3)
    (line,) = res.output.strip().splitlines()
    assert f"--annotate {out}:" in line and "give a file name ending in .jpg, .jpeg or .png" in line, line
    assert not out.exists()


def test_measure_annotates_under_an_image_name_in_any_case(measured):
    photo, cam = measured
    out = photo.parent / "a.PNG"
    res = CliRunner().invoke(cli, ["measure", str(photo), "--camera", str(cam), "--annotate", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, bad", [(("--out", "r.txt"), "r.txt"), (("--out", "r.pdf"), "r.pdf"),
                                       (("--out", "r.html", "--pdf", "p.html"), "p.html"),
                                       (("--out", "r.html", "--csv", "n.txt"), "n.txt")])
def test_report_files_are_named_as_what_they_hold(clinic, tmp_path, args, bad):
    run, _, _, _, vid = clinic
    res = run("report", "visit", vid, *[a if a.startswith("--") else tmp_path / a for a in args])
    assert res.exit_code == 2, res.output
    (line,) = res.output.strip().splitlines()
    assert f"{tmp_path / bad}: this file is written as" in line and "give a file name ending in" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written, Chromium never ran


@pytest.mark.parametrize("args", [("calibrate", "a.jpg", "b.jpg", "--out", "{t}/p.txt"),
                                  ("export", "--format", "json", "--out", "{t}/e.csv"),
                                  ("bench", "--json", "{t}/b.txt")])
def test_other_outputs_are_named_as_what_they_hold(clinic, tmp_path, args):
    run = clinic[0]
    res = run(*[a.format(t=tmp_path) for a in args])
    assert res.exit_code == 2 and "this file is written as" in res.output, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
