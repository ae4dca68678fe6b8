"""The SQLite store against a real file: concurrency, crashes, connection settings, opening only
legcheck's own files, permissions. Raw SQL only where SQLite itself is the subject."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from legcheck.errors import DatabaseError
from legcheck.records import open_store
from legcheck.records.migrations import APPLICATION_ID, LATEST
from legcheck.records.sqlite import DatabaseDamagedError, DatabaseMissingError

HERE = Path(__file__).parent


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "clinic" / "legcheck.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        st.add_patient("C2", "Bob Brown")
    return path


def _writer(db, chart, n, tag, pause=0.0):
    return subprocess.Popen([sys.executable, str(HERE / "_writer.py"), str(db), chart, str(n), tag, str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_200_checks_each_lose_none(db):
    procs = [_writer(db, "C1", 200, "a"), _writer(db, "C2", 200, "b")]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    ids = [int(line.split()[2]) for out, _ in outs for line in out.splitlines()]
    assert len(ids) == 400 and len(set(ids)) == 400
    with open_store(db) as st:
        assert len(st.checks(chart="C1")) == 200 and len(st.checks(chart="C2")) == 200
        notes = {json.loads(c["result_json"])["note"] for c in st.checks()}
        assert notes == {f"{t}-{i}" for t in "ab" for i in range(200)}
        report = st.check_integrity()
        assert report["ok"], report["problems"]
        assert report["counts"]["audit"] == report["audit_head"]["id"] == LATEST + 2 + 400 + 2  # migrations, patients, checks, visits


def test_sigkill_keeps_every_returned_check(db):
    rng = random.Random(4)
    returned = set()
    for round_no in range(6):
        p = _writer(db, "C1", 10_000, f"k{round_no}")
        first = p.stdout.readline()  # writing has started: kill it at a random point from here
        time.sleep(0.1 + rng.random() * 0.7)
        p.send_signal(signal.SIGKILL)
        out, _ = p.communicate()
        returned |= {int(line.split()[2]) for line in (first + out).splitlines() if len(line.split()) == 3}
    assert len(returned) > 50
    with open_store(db) as st:
        report = st.check_integrity()
        assert report["ok"], report["problems"]
        stored = {c["id"] for c in st.checks(history=True)}
    assert returned <= stored


def test_connection_settings_and_owner_only_files(db):
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with open_store(db) as st:
        with st._read() as conn:
            pragma = {k: conn.exec_driver_sql(f"PRAGMA {k}").scalar_one()
                      for k in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "application_id")}
        assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 30_000,
                          "application_id": APPLICATION_ID}
        assert st.schema_version() == LATEST


def test_writes_take_the_write_lock_up_front(db):
    """BEGIN IMMEDIATE: a second writer waits for the first instead of failing at commit."""
    with open_store(db) as st:
        with st._write() as conn:
            other = sqlite3.connect(db, timeout=0.1)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
            conn.exec_driver_sql("SELECT 1")


def test_newer_schema_refused(db):
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(DatabaseError, match="newer legcheck"):
        open_store(db)


def test_another_programs_database_is_refused_untouched(tmp_path):
    p = tmp_path / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE x (a)")
    con.commit()
    con.close()
    before = p.read_bytes()
    with pytest.raises(DatabaseError, match="not a legcheck"):
        open_store(p)
    assert p.read_bytes() == before  # not switched to WAL: the header still says rollback journal
    assert before[18:20] == b"\x01\x01" and not Path(str(p) + "-wal").exists()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        open_store(text)


def test_a_missing_path_is_not_created_unless_asked(tmp_path):
    p = tmp_path / "typo" / "legcheck.sqlite3"
    with pytest.raises(DatabaseMissingError, match=str(p)) as err:
        open_store(p)
    assert err.value.exit_code == 10 and not p.exists() and not p.parent.exists()
    with open_store(p, create=True) as st:
        assert st.patients() == []


@pytest.mark.parametrize("mode", [0o2775, 0o1777])
def test_a_shared_directory_keeps_its_permissions(tmp_path, mode):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    with open_store(shared / "legcheck.sqlite3", create=True) as st:
        st.add_patient("C1", "Alice Adams")
    assert stat.S_IMODE(shared.stat().st_mode) == mode
    assert stat.S_IMODE((shared / "legcheck.sqlite3").stat().st_mode) == 0o600


def test_the_default_database_is_made_on_first_use(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("LEGCHECK_DB", raising=False)
    with open_store() as st:
        assert Path(st.location) == tmp_path / "xdg" / "legcheck" / "legcheck.sqlite3"
    assert stat.S_IMODE((tmp_path / "xdg" / "legcheck").stat().st_mode) == 0o700


def test_damaged_pages_are_sqlites_message(db):
    with open_store(db) as st:
        for i in range(60):
            st.add_patient(f"P{i}", "x", notes="x" * 500)
    data = bytearray(db.read_bytes())
    page = 4096
    for k in range(page * 3, len(data) - page, page):  # scribble over every page after the schema
        data[k:k + 64] = b"\xee" * 64
    db.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamagedError, match="malformed|not a database") as err:
        with open_store(db) as st:
            st.patients()
    assert err.value.exit_code == 10
