"""An output's folder must exist and take a new file, and this is checked before any work.

`measure --annotate nodir/x.jpg` measured, then made the missing folder (so a typo in a folder's
name put the patient's photo somewhere unexpected), and `--annotate /proc/x.jpg` said "its
directory does not exist" of /proc. Now every command that writes a file refuses, before it
measures or reads anything, with one line naming the path and the fix (exit 14, the file-access
code), and writes nothing. One check (legcheck.outputs.check_output) serves every command.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store

from conftest import REPO
from test_cli_outputs import RESULT, _jpeg

PHOTO = REPO / "sample_images" / "overhead_right_short_6mm.jpg"


@pytest.fixture
def clinic(tmp_path):
    """A real database with one visit and check, and a copy of a sample photo: (run, visit id, photo)."""
    db = tmp_path / "data" / "legcheck.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        vid = st.new_visit("C1", dt.datetime(2026, 9, 1, 9).astimezone())
        st.record_check("C1", "pre", "extended", RESULT, visit_id=vid, photo=_jpeg())
    photo = tmp_path / "data" / "heels.jpg"
    shutil.copyfile(PHOTO, photo)
    runner = CliRunner(env={"LEGCHECK_DB": str(db)})
    return (lambda *args: runner.invoke(cli, [str(a) for a in args])), vid, photo


def _commands(vid, photo, out_dir):
    """Every command that writes a file, each writing into ``out_dir``."""
    return {
        "measure --annotate": ("measure", photo, "--annotate", out_dir / "x.jpg"),
        "report --out": ("report", "visit", vid, "--out", out_dir / "r.html"),
        "report --csv": ("report", "visit", vid, "--out", photo.parent / "r.html", "--csv", out_dir / "r.csv"),
        "export --out": ("export", "--out", out_dir / "e.csv"),
        "backup": ("backup", out_dir / "b.tar"),
        "calibrate --out": ("calibrate", photo, photo, photo, photo, photo, "--out", out_dir / "p.json"),
        "targets --out": ("targets", "--out", out_dir / "print"),
    }


COMMANDS = list(_commands(0, REPO, REPO))


@pytest.mark.parametrize("cmd", COMMANDS)
def test_an_output_in_a_missing_folder_is_refused_before_the_work(clinic, tmp_path, cmd):
    run, vid, photo = clinic
    missing = tmp_path / "nodir"
    res = run(*_commands(vid, photo, missing)[cmd])
    assert res.exit_code == 14, res.output
    (line,) = res.output.strip().splitlines()
    assert f"the folder {missing} does not exist" in line and "create the folder first" in line, line
    assert "Right leg short" not in res.output and "Reading photos" not in res.output  # refused before the work
    assert not missing.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert sorted(p.name for p in photo.parent.iterdir()) == ["heels.jpg", "legcheck-photos", "legcheck.sqlite3"]


@pytest.mark.parametrize("cmd", COMMANDS)
@pytest.mark.parametrize("place", ["/proc", "/sys"])
def test_an_output_in_a_folder_that_takes_no_file_is_named_not_writable(clinic, tmp_path, cmd, place):
    """/proc and /sys exist but take no new file (even for root): the message says so, not "does not exist"."""
    run, vid, photo = clinic
    args = _commands(vid, photo, tmp_path / "x")[cmd]
    args = tuple(f"{place}/{a.name}" if str(a).startswith(str(tmp_path / "x")) else a for a in args)
    res = run(*args)
    assert res.exit_code == 14, res.output
    (line,) = res.output.strip().splitlines()
    assert f"the folder {place} is not writable" in line and "choose another" in line, line
    assert "does not exist" not in line and "free space" not in line, line
    assert "Right leg short" not in res.output and "Reading photos" not in res.output


def test_targets_make_the_folder_they_are_given_but_not_its_parents(tmp_path):
    """targets --out DIR names the folder to fill (default ./targets): that one folder is made,
    a missing folder above it is refused like any other."""
    res = CliRunner().invoke(cli, ["targets", "--out", str(tmp_path / "print")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "print").iterdir()) == [
        "board.pdf", "board.png", "tabs.pdf", "tabs.png", "targets.json"]
    res = CliRunner().invoke(cli, ["targets", "--out", str(tmp_path / "a" / "b")])
    assert res.exit_code == 14 and f"the folder {tmp_path / 'a'} does not exist" in res.output, res.output
    assert not (tmp_path / "a").exists()
