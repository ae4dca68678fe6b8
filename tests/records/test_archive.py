"""Whole backups: one archive with the snapshot, every photo and a manifest; verified, restored, checked.

Real files throughout: a real SQLite database written by another process every 50 ms during the
backup, real JPEGs, real tar archives altered byte by byte."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from legcheck.cli import cli
from legcheck.errors import IntegrityCheckError, RecordConflictError, UsageError
from legcheck.records import open_store
from legcheck.records.archive import verify_backup
from legcheck.records.moving import restore_backup
from legcheck.records.migrations import LATEST

HERE = Path(__file__).parent
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
        st.add_patient("C2", "Bob Brown")
        for i, colour in enumerate(((200, 0, 0), (0, 200, 0), (0, 0, 200))):
            st.record_check("C1", "pre", "extended", dict(RESULT, lld_mm=float(i)), photo=_jpeg(colour),
                            annotated=_jpeg(tuple(c // 2 + 20 for c in colour)))
    return path


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, data) -> data or None (drop)`` applied to each member."""
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for m in src.getmembers():
            data = change(m.name, src.extractfile(m).read())
            if data is None:
                continue
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def test_backup_under_a_writer_every_50ms_is_whole_and_restores(db, tmp_path):
    writer = subprocess.Popen([sys.executable, str(HERE / "_writer.py"), str(db), "C2", "100000", "bk", "0.05"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = writer.stdout.readline()  # the writer has started writing
        assert first.startswith("bk 0 "), writer.stderr.read()
        time.sleep(0.5)
        archive = tmp_path / "out" / "backup.tar"
        archive.parent.mkdir()
        t0 = time.perf_counter()
        with open_store(db) as st:
            manifest = st.backup(archive)
        took = time.perf_counter() - t0
        time.sleep(0.3)
    finally:
        writer.kill()
        out, err = writer.communicate()
    written = 1 + len(out.splitlines())
    assert written > 10, err  # the writer really was writing before, during and after
    assert took < 10
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert os.listdir(archive.parent) == ["backup.tar"]  # no temporary or .part file left
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[:2] == ["manifest.json", "database.sqlite3"] and len(names) == 2 + 6
    assert manifest["counts"]["photos"] == 6 and manifest["schema_version"] == LATEST
    report = verify_backup(archive)
    assert report["ok"], report["problems"]
    restored = tmp_path / "restored" / "legcheck.sqlite3"
    out = restore_backup(archive, restored)
    assert out["check"]["ok"] and out["check"]["audit_head"] == manifest["audit_head"]
    with open_store(restored) as st:
        notes = sorted(int(json.loads(c["result_json"])["note"].split("-")[1]) for c in st.checks(chart="C2"))
        assert notes == list(range(len(notes))) and 0 < len(notes) <= written  # a consistent prefix
        assert [c["lld_mm"] for c in st.checks(chart="C1")] == [0.0, 1.0, 2.0]
        assert all(st.photo_path(c["photo_sha256"]).exists() for c in st.checks(chart="C1"))


@pytest.mark.parametrize("change,words", [
    (lambda n, d: d[:-1] + bytes([d[-1] ^ 1]) if n.startswith("photos/") else d, "does not match its hash"),
    (lambda n, d: None if n.startswith("photos/") else d, "listed in the manifest but missing"),
    (lambda n, d: d + b"x" if n == "database.sqlite3" else d, "database.sqlite3 does not match its hash"),
    (lambda n, d: d.replace(b'"checks": 3', b'"checks": 4') if n == "manifest.json" else d, "counts differs"),
])
def test_verify_finds_every_alteration(db, tmp_path, change, words):
    with open_store(db) as st:
        st.backup(tmp_path / "b.tar")
    bad = _rewrite(tmp_path / "b.tar", tmp_path / "bad.tar", change)
    report = verify_backup(bad)
    assert not report["ok"] and any(words in p for p in report["problems"]), report["problems"]
    res = CliRunner().invoke(cli, ["backup", "--verify", str(bad)])
    assert res.exit_code == 11 and words in res.output
    with pytest.raises(IntegrityCheckError, match="nothing was restored"):
        restore_backup(bad, tmp_path / "r.sqlite3")
    assert not (tmp_path / "r.sqlite3").exists() and not (tmp_path / "r-photos").exists()


def test_an_altered_record_inside_the_snapshot_is_named(db, tmp_path):
    import sqlite3

    with open_store(db) as st:
        st.backup(tmp_path / "b.tar")

    def alter(name, data):
        if name != "database.sqlite3":
            return data
        p = tmp_path / "snap.sqlite3"
        p.write_bytes(data)
        con = sqlite3.connect(p)
        con.execute("DROP TRIGGER checks_no_update")
        con.execute("UPDATE checks SET lld_mm = 9 WHERE id = 2")
        con.commit()
        con.close()
        return p.read_bytes()

    bad = _rewrite(tmp_path / "b.tar", tmp_path / "bad.tar", alter)
    problems = verify_backup(bad)["problems"]
    assert any(p.startswith("checks row 2: its stored values differ") for p in problems), problems


def test_restore_refuses_a_non_empty_target_and_backup_never_overwrites(db, tmp_path):
    with open_store(db) as st:
        st.backup(tmp_path / "b.tar")
        with pytest.raises(RecordConflictError):
            st.backup(tmp_path / "b.tar")
        for protected in (db, Path(str(db) + "-wal"), db.parent / "legcheck-photos" / "x.tar"):
            with pytest.raises(UsageError, match="part of the records"):
                st.backup(protected)
    res = CliRunner().invoke(cli, ["restore", str(tmp_path / "b.tar"), "--db", str(db)])
    assert res.exit_code == 9 and "not empty" in res.output
    target = tmp_path / "new.sqlite3"
    (tmp_path / "new-photos" / "ab").mkdir(parents=True)
    (tmp_path / "new-photos" / "ab" / "left-over.jpg").write_bytes(b"x")
    with pytest.raises(RecordConflictError, match="new-photos is not empty"):
        restore_backup(tmp_path / "b.tar", target)
    res = CliRunner().invoke(cli, ["backup", "--verify", str(db)])
    assert res.exit_code == 2 and "not a legcheck backup" in res.output


def test_a_backup_from_before_the_users_table_verifies_and_restores_migrated(tmp_path, monkeypatch):
    """A schema-1 archive (written before migration 2 added users) is verified against schema 1's
    tables and triggers, and the restored copy is migrated to the current schema and checks clean."""
    import legcheck.records.store as store_module
    from legcheck.records.migrations import MIGRATIONS

    old = tmp_path / "old.sqlite3"
    with monkeypatch.context() as m:  # this program as it was before migration 2
        m.setattr(store_module, "MIGRATIONS", MIGRATIONS[:1])
        m.setattr(store_module, "LATEST", 1)
        with open_store(old, create=True) as st:
            st.add_patient("C1", "Alice Adams")
            st.record_check("C1", "pre", "extended", RESULT, photo=_jpeg((200, 0, 0)))
            assert st.schema_version() == 1
            manifest = st.backup(tmp_path / "old.tar")
    assert manifest["schema_version"] == 1 and "users" not in manifest["counts"]
    assert verify_backup(tmp_path / "old.tar")["ok"]
    out = restore_backup(tmp_path / "old.tar", tmp_path / "new.sqlite3")
    assert out["check"]["ok"] and out["check"]["schema_version"] == LATEST
    with open_store(tmp_path / "new.sqlite3") as st:
        assert [c["lld_mm"] for c in st.checks()] == [RESULT["lld_mm"]] and st.users() == []
        st.add_user("kim", "assistant", "a long enough password")
        assert st.check_integrity()["ok"]
