"""Hostile backups: a damaged database is never backed up, a truncated or corrupted archive is exit
11 in one line with nothing restored, and a restore that fails part-way leaves no trace. Real
SQLite files, real JPEGs, real tar archives cut and flipped byte by byte."""

from __future__ import annotations

import io
import sqlite3
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import legcheck.records.moving as moving
from legcheck.cli import cli
from legcheck.errors import IntegrityCheckError
from legcheck.records import open_store

RESULT = {"lld_mm": 2.0, "short_leg": "left", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}


def _jpeg(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 32), colour).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "clinic" / "legcheck.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        for i, colour in enumerate(((200, 0, 0), (0, 200, 0))):
            st.record_check("C1", "pre", "extended", dict(RESULT, lld_mm=float(i)), photo=_jpeg(colour))
    return path


def _cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _one_line_11(res, *words):
    err = [line for line in res.output.splitlines() if line.startswith("legcheck: error:")]
    assert res.exit_code == 11 and len(err) == 1 and "Traceback" not in res.output, res.output
    assert all(w in err[0] for w in words), err[0]


@pytest.mark.parametrize("damage,words", [
    ("DROP TRIGGER checks_no_update; UPDATE checks SET lld_mm = 9 WHERE id = 2", "checks row 2"),
    ("DROP TRIGGER checks_no_update", "trigger checks_no_update: missing"),
    ("DROP VIEW current_checks; CREATE VIEW current_checks AS SELECT * FROM checks WHERE id = 1",
     "view current_checks"),
])
def test_a_damaged_database_is_not_backed_up(db, tmp_path, damage, words):
    con = sqlite3.connect(db)
    con.executescript(damage)
    con.close()
    out = tmp_path / "b.tar"
    _one_line_11(_cli("backup", out, "--db", db), "no backup was written", words)
    assert not out.exists() and list(tmp_path.glob("*.tar*")) == []


def test_damaged_pages_are_not_backed_up(tmp_path):
    path = tmp_path / "pages.sqlite3"
    with open_store(path, create=True) as st:
        for i in range(40):
            st.add_patient(f"P{i}", "x", notes="x" * 400)
    data = bytearray(path.read_bytes())
    for k in range(4096 * 3, len(data) - 4096, 4096):
        data[k + 8:k + 40] = b"\xee" * 32
    path.write_bytes(bytes(data))
    res = _cli("backup", tmp_path / "b.tar", "--db", path)
    _one_line_11(res, "no backup was written")
    assert not (tmp_path / "b.tar").exists()


@pytest.fixture
def archive(db, tmp_path):
    out = tmp_path / "good.tar"
    assert _cli("backup", out, "--db", db).exit_code == 0
    return out


def _spots(archive: Path) -> list[int]:
    """Byte offsets inside every member's header and data (not the tar's zero padding at the end)."""
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    return [s for m in members for s in (m.offset + 5, m.offset + 150, m.offset_data + 7,
                                         m.offset_data + m.size - 3)]


@pytest.mark.parametrize("cut", [100, 600, 3000, 20_000, "each member"])
def test_a_truncated_archive_is_exit_11_and_restores_nothing(archive, tmp_path, cut):
    data = archive.read_bytes()
    for n in [cut] if cut != "each member" else _spots(archive)[2::2]:
        bad = tmp_path / "cut.tar"
        bad.write_bytes(data[:n])
        _restores_nothing(bad, tmp_path)


def _restores_nothing(bad, tmp_path):
    _one_line_11(_cli("backup", "--verify", bad))
    target = tmp_path / "new" / "restored.sqlite3"
    _one_line_11(_cli("restore", bad, "--db", target), "nothing was restored")
    assert not target.exists() and not (target.parent / "restored-photos").exists()


def test_a_flipped_byte_is_exit_11_and_restores_nothing(archive, tmp_path):
    spots = _spots(archive)
    assert len(spots) == 4 * 4  # manifest, database, two photos
    for offset in spots:
        data = bytearray(archive.read_bytes())
        data[offset] ^= 0x5A
        bad = tmp_path / "flip.tar"
        bad.write_bytes(bytes(data))
        _restores_nothing(bad, tmp_path)


def test_a_restore_failing_part_way_leaves_the_target_as_it_was(archive, tmp_path, monkeypatch):
    real = moving._member
    target = tmp_path / "restored.sqlite3"
    target.touch()  # an empty file given as the target: it stays empty

    def failing(tar, members, listed, name):
        if name.startswith("photos/"):  # the database is already written (to the staging directory)
            raise IntegrityCheckError(f"member {name} changed during the restore; try again")
        return real(tar, members, listed, name)

    monkeypatch.setattr(moving, "_member", failing)
    _one_line_11(_cli("restore", archive, "--db", target), "changed during the restore")
    assert target.read_bytes() == b"" and not (tmp_path / "restored-photos").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".legcheck-restore")] == []
    monkeypatch.setattr(moving, "_member", real)
    assert _cli("restore", archive, "--db", target).exit_code == 0
    assert _cli("db", "check", "--db", target).exit_code == 0


def test_a_restore_failing_its_check_leaves_nothing(archive, tmp_path, monkeypatch):
    from legcheck.records.store import SqlStore

    monkeypatch.setattr(SqlStore, "check_integrity", lambda self: {"ok": False, "first_broken": "forced failure"})
    target = tmp_path / "restored.sqlite3"
    _one_line_11(_cli("restore", archive, "--db", target), "forced failure", "nothing was restored")
    assert not target.exists() and not Path(str(target) + "-wal").exists()
    assert not (tmp_path / "restored-photos").exists()
