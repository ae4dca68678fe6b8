"""The one rule for output files (legcheck.outputs), on real files: what it refuses, and that a set
of files is written all or nothing."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from legcheck.errors import FileAccessError, OutputExistsError, UsageError
from legcheck.outputs import OutputFiles, check_output, write_output


def _sqlite(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    return path


def test_the_records_are_recognised_without_a_store(tmp_path):
    db = _sqlite(tmp_path / "clinic.sqlite3")
    for p in (db, tmp_path / "clinic.sqlite3-wal", tmp_path / "clinic.sqlite3-shm",
              tmp_path / "clinic.sqlite3-journal", tmp_path / "clinic-photos" / "ab" / "x.jpg",
              tmp_path / "clinic-photos" / "new.html"):
        with pytest.raises(UsageError, match="part of the records"):
            check_output(p, overwrite=True)
    (tmp_path / "clinic-photos").mkdir()
    with pytest.raises(UsageError, match="part of the records"):
        check_output(tmp_path / "clinic-photos" / "new.html", overwrite=True)
    os.symlink(db, tmp_path / "innocent.html")
    with pytest.raises(UsageError, match="part of the records"):
        check_output(tmp_path / "innocent.html", overwrite=True)
    (tmp_path / "holiday-photos").mkdir()  # a -photos folder with no database beside it is the user's
    assert check_output(tmp_path / "holiday-photos" / "x.jpg") == tmp_path / "holiday-photos" / "x.jpg"


def test_special_files_and_inputs_are_always_refused(tmp_path):
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    os.link(photo, tmp_path / "same.jpg")
    for p, words in ((fifo, "not a regular file"), ("/dev/null", "not a regular file"),
                     (tmp_path, "not a regular file"), (photo, "an input"), (tmp_path / "same.jpg", "an input"),
                     ("", "empty")):
        with pytest.raises(UsageError, match=words):
            check_output(p, overwrite=True, inputs=[photo])


def test_an_existing_file_needs_overwrite_and_a_file_is_no_folder(tmp_path):
    f = tmp_path / "r.html"
    f.write_text("keep")
    with pytest.raises(OutputExistsError, match="already exists"):
        check_output(f)
    assert check_output(f, overwrite=True) == f
    dangling = tmp_path / "d.html"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputExistsError):
        check_output(dangling)
    with pytest.raises(FileAccessError, match=r"nope/deeper does not exist; create the folder first"):
        check_output(tmp_path / "nope" / "deeper" / "r.html")
    assert not (tmp_path / "nope").exists()  # checking makes nothing
    with pytest.raises(FileAccessError, match=r"r.html is not a folder"):
        check_output(f / "deeper" / "x.html", overwrite=True)
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(FileAccessError, match=r"locked is not writable \(permission denied\)"):
            check_output(locked / "x.html")


def test_only_the_folder_a_command_fills_is_made_owner_only_and_taken_back_on_failure(tmp_path):
    with pytest.raises(FileAccessError, match=r"the folder .*/a does not exist"), OutputFiles() as files:
        files.write(tmp_path / "a" / "r.html", "report")  # an output's folder is never made on the way
    with pytest.raises(FileAccessError, match=r"the folder .*/a does not exist"), OutputFiles() as files:
        files.claim(tmp_path / "a" / "b" / "r.html", new_folder=True)  # nor the folder above the one to fill
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    old = os.umask(0)
    try:
        with OutputFiles() as files:
            files.claim(tmp_path / "a" / "r.html", new_folder=True)
            files.write(tmp_path / "a" / "r.html", "report")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    (tmp_path / "taken.csv").write_text("someone else's")
    with pytest.raises(OutputExistsError), OutputFiles() as files:
        files.claim(tmp_path / "x" / "r.html", new_folder=True)
        files.write(tmp_path / "x" / "r.html", "report")
        files.write(tmp_path / "taken.csv", "mine")  # refused: it exists; the report and its folder go
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "taken.csv"]
    assert (tmp_path / "taken.csv").read_text() == "someone else's"


def test_a_set_of_files_is_written_all_or_nothing(tmp_path):
    out, csv = tmp_path / "r.html", tmp_path / "r.csv"
    out.write_text("old report")
    files = OutputFiles(overwrite=True)
    files.write(out, "new report")
    files.write(csv, "new,numbers\n")
    csv.mkdir()  # the CSV's place is taken by a folder between the check and the rename
    with pytest.raises(UsageError, match="not a regular file"):
        files.commit()
    assert out.read_text() == "old report" and csv.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.html"]  # no temporary file left
    csv.rmdir()
    with OutputFiles(overwrite=True) as files:
        files.write(out, "new report")
        files.write(csv, "new,numbers\n")
    assert out.read_text() == "new report" and csv.read_text() == "new,numbers\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "r.html"]


def test_a_new_file_appearing_meanwhile_is_not_replaced(tmp_path):
    out = tmp_path / "e.csv"
    files = OutputFiles()
    files.write(out, "mine")
    out.write_text("someone else's")
    with pytest.raises(OutputExistsError):
        files.commit()
    assert out.read_text() == "someone else's" and sorted(p.name for p in tmp_path.iterdir()) == ["e.csv"]
    write_output(tmp_path / "f.csv", "x")
    assert (tmp_path / "f.csv").read_text() == "x"
