"""The SQLite store itself against a real file: concurrency, crashes, online backups, triggers,
schema versions, permissions and connection settings. Raw SQL only where SQLite is the subject."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from legcheck.errors import DatabaseError, RecordConflictError
from legcheck.records.sqlite import open_store

HERE = Path(__file__).parent
RESULT = {"lld_mm": 2.0, "short_leg": "left", "uncertainty_mm": 0.4, "method": "tabs", "left_heel_mm": [0, 2, 90],
          "right_heel_mm": [200, 0, 90], "warnings": [], "image": {}, "even_below_mm": 1.0}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "clinic" / "legcheck.sqlite3"
    with open_store(path) as st:
        st.add_patient("C1", "Alice Adams")
        st.add_patient("C2", "Bob Brown")
    return path


def _writer(db, chart, n, tag):
    return subprocess.Popen([sys.executable, str(HERE / "_writer.py"), str(db), chart, str(n), tag],
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
        assert st.check_integrity()["ok"]


def test_sigkill_keeps_every_returned_check(db):
    rng = random.Random(4)
    returned = set()
    for round_no in range(6):
        p = _writer(db, "C1", 10_000, f"k{round_no}")
        time.sleep(0.3 + rng.random() * 0.7)
        p.send_signal(signal.SIGKILL)
        out, _ = p.communicate()
        returned |= {int(line.split()[2]) for line in out.splitlines() if len(line.split()) == 3}
    assert len(returned) > 50
    with open_store(db) as st:
        report = st.check_integrity()
        assert report["ok"], report["problems"]
        stored = {c["id"] for c in st.checks(history=True)}
    assert returned <= stored


def test_backup_while_writing_restores_consistent(db, tmp_path):
    p = _writer(db, "C2", 400, "bk")
    time.sleep(0.5)
    with open_store(db) as st:
        st.backup(tmp_path / "backup.sqlite3")
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0
    assert stat.S_IMODE((tmp_path / "backup.sqlite3").stat().st_mode) == 0o600
    with open_store(tmp_path / "backup.sqlite3") as restored:
        report = restored.check_integrity()
        assert report["ok"]
        n = len(restored.checks(chart="C2"))
        assert 0 < n <= 400
        # A consistent prefix: checks 0..n-1 of the writer, each with its audit row.
        notes = sorted(int(json.loads(c["result_json"])["note"].split("-")[1]) for c in restored.checks(chart="C2"))
        assert notes == list(range(n))
        audits = restored.con.execute("SELECT count(*) FROM audit WHERE entity = 'check'").fetchone()[0]
        assert audits == n
    with pytest.raises(RecordConflictError):
        with open_store(db) as st:
            st.backup(tmp_path / "backup.sqlite3")  # never overwrites


def test_triggers_audit_amendments_and_refuse_overwrites(db):
    with open_store(db, actor="dr-test") as st:
        cid = st.record_check("C1", "pre", "extended", RESULT)["check_id"]
        st.amend_check(cid, -1.5, "heel tab was on the shoe seam", author="dr-test")
        audit = st.con.execute("SELECT * FROM audit WHERE action = 'amend'").fetchone()
        detail = json.loads(audit["detail"])
        assert detail == {"supersedes": cid, "old_lld_mm": 2.0, "new_lld_mm": -1.5,
                          "reason": "heel tab was on the shoe seam"}
        assert audit["actor"] == "dr-test"
        # The database itself refuses overwriting a check or editing the audit log.
        for sql in ("UPDATE checks SET lld_mm = 0 WHERE id = 1", "DELETE FROM checks WHERE id = 1",
                    "UPDATE audit SET actor = 'x'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError):
                st.con.execute(sql)
        # The audit log names ids, never patients.
        text = " ".join(str(v) for r in st.con.execute("SELECT * FROM audit") for v in tuple(r))
        assert "Alice" not in text and "Adams" not in text


def test_schema_constraints_are_the_vocabulary(db):
    from legcheck.records.vocabulary import PHASES, POSITIONS

    with open_store(db) as st:
        schema = st.con.execute("SELECT sql FROM sqlite_master WHERE name = 'checks'").fetchone()[0]
        vid = st.new_visit("C1")
        with pytest.raises(sqlite3.IntegrityError):  # the database refuses what the vocabulary does not name
            st.con.execute("INSERT INTO adjustments (visit_id, piece, created_at) VALUES (?, 'knee', 'now')", (vid,))
    for word in PHASES + POSITIONS:
        assert f"'{word}'" in schema


def test_newer_schema_refused(db):
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(DatabaseError, match="newer legcheck"):
        open_store(db)


def test_foreign_sqlite_file_refused(tmp_path):
    p = tmp_path / "other.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE x (a)")
    con.close()
    with pytest.raises(DatabaseError, match="not a legcheck"):
        open_store(p)


def test_owner_only_permissions_and_settings(db):
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    with open_store(db) as st:
        assert st.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert st.con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert st.con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert st.con.execute("PRAGMA user_version").fetchone()[0] >= 1
