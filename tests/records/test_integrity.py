"""Tamper-evident history: append-only tables, the hash-chained audit, and `db check` naming the
first broken row, against a real SQLite file altered by every route an attacker has."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store
from legcheck.records.canonical import GENESIS, audit_sha256, canonical, record_sha256
from legcheck.records.migrations import HISTORY_TABLES

RESULT = {"lld_mm": 3.14159265, "short_leg": "left", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "legcheck.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        vid = st.new_visit("C1")
        st.record_check("C1", "pre", "extended", dict(RESULT, lld_mm=-1.25), visit_id=vid, photo=_jpeg())
        cid = st.record_check("C1", "post", "extended", RESULT, visit_id=vid)["check_id"]
        st.record_check("C1", "post", "flexed", dict(RESULT, lld_mm=0.5), visit_id=vid)
        st.add_adjustment(vid, "pelvic", "right")
        st.set_findings(vid, pd_side="left")
        st.amend_check(cid - 1, -1.5, "re-read the photo", uncertainty_mm=1.0)
        st.add_user("kim", "assistant", "a long enough password")
        st.update_user("kim", role="practitioner")
        st.set_config("units", "in")
        st.record_assessment(vid, [{"kind": "pain", "term": "pre", "nrs": 4}])
        st.record_reaction(vid, "spasm", "mild", onset_min=3)
    return path, cid


def _raw(path):
    return sqlite3.connect(path, isolation_level=None)


def _db_check(path):
    return CliRunner().invoke(cli, ["db", "check", "--db", str(path)])


def test_canonical_content_is_backend_independent():
    assert canonical({"b": 1.0, "a": "x", "c": None, "d": True, "e": 7}) == b'{"a":"x","b":1.0,"d":1,"e":7}'
    assert canonical({"f": 0.1 + 0.2, "n": "Zoë"}) == '{"f":0.30000000000000004,"n":"Zoë"}'.encode()
    assert record_sha256({"a": 1}) == hashlib.sha256(b'{"a":1}').hexdigest()
    with pytest.raises(ValueError):
        canonical({"x": float("nan")})


def test_the_audit_is_a_hash_chain_over_every_row(db):
    path, _ = db
    con = _raw(path)
    con.row_factory = sqlite3.Row
    audit = [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY id")]
    prev = GENESIS
    for a in audit:
        assert a["prev_sha256"] == prev and a["sha256"] == audit_sha256(a)
        row = dict(con.execute(f"SELECT * FROM {a['record_table']} WHERE id = ?", (a["record_id"],)).fetchone())
        assert a["record_sha256"] == hashlib.sha256(canonical(row)).hexdigest()
        prev = a["sha256"]
    n_rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in HISTORY_TABLES if t != "audit")
    # migrations, patient, visit, photo, 4 checks, adjustment, findings, 2 user rows, setting, pain, reaction
    assert len(audit) == n_rows == 5 + 1 + 1 + 1 + 4 + 1 + 1 + 2 + 1 + 1 + 1
    amend = [a for a in audit if a["action"] == "amend" and a["record_table"] == "checks"]
    assert len(amend) == 1 and "reason" not in json.loads(amend[0]["detail"])  # free text stays in the row
    assert con.execute("SELECT reason FROM checks WHERE id = ?", (amend[0]["record_id"],)).fetchone()[0] == "re-read the photo"


@pytest.mark.parametrize("table", list(HISTORY_TABLES))
def test_every_history_table_refuses_update_delete_and_replace(db, table):
    path, _ = db
    con = _raw(path)
    con.row_factory = sqlite3.Row
    row = dict(con.execute(f"SELECT * FROM {table} ORDER BY id LIMIT 1").fetchone())
    cols = ", ".join(row)
    marks = ", ".join("?" * len(row))
    for sql, args in ((f"UPDATE {table} SET id = id", ()), (f"DELETE FROM {table}", ()),
                      (f"INSERT OR REPLACE INTO {table} ({cols}) VALUES ({marks})", tuple(row.values())),
                      (f"REPLACE INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))):
        with pytest.raises(sqlite3.IntegrityError, match="append-only|never replaced"):
            con.execute(sql, args)
    assert _db_check(path).exit_code == 0


def _alter_by_replace(con, cid):
    con.execute("DROP TRIGGER checks_no_replace")
    row = dict(zip([c[1] for c in con.execute("PRAGMA table_info(checks)")],
                   con.execute("SELECT * FROM checks WHERE id = ?", (cid,)).fetchone()))
    row["lld_mm"] = -3.0
    con.execute(f"INSERT OR REPLACE INTO checks ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()))


def _alter_by_update(con, cid):
    con.execute("DROP TRIGGER checks_no_update")
    con.execute("UPDATE checks SET lld_mm = -3.0 WHERE id = ?", (cid,))


def _alter_by_flipped_byte(con, cid):
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = con.execute("PRAGMA database_list").fetchone()[2]
    con.close()
    data = bytearray(open(path, "rb").read())
    needle = struct.pack(">d", RESULT["lld_mm"])
    assert data.count(needle) == 1  # the REAL column of the one check; the JSON holds the figure as text
    data[data.index(needle) + 7] ^= 0x01
    open(path, "wb").write(bytes(data))


@pytest.mark.parametrize("alter", [_alter_by_replace, _alter_by_update, _alter_by_flipped_byte],
                         ids=["insert-or-replace", "update-without-triggers", "flipped-byte"])
def test_db_check_names_the_altered_check(db, alter):
    path, cid = db
    con = _raw(path)
    with pytest.raises(sqlite3.IntegrityError):  # with the triggers in place, none of this gets through
        con.execute("UPDATE checks SET lld_mm = -3.0 WHERE id = ?", (cid,))
    alter(con, cid)
    with open_store(path) as st:
        report = st.check_integrity()
        assert st.checks(visit_id=1)[1]["lld_mm"] != RESULT["lld_mm"]  # the alteration is real
    assert not report["ok"] and report["first_broken"].startswith(f"checks row {cid}: ")
    res = _db_check(path)
    assert res.exit_code == 11
    assert f"database check failed: checks row {cid}: its stored values differ" in res.output


def test_db_check_finds_deleted_added_and_weakened_history(db):
    path, cid = db
    con = _raw(path)
    con.execute("DROP TRIGGER audit_no_delete")
    con.execute("DELETE FROM audit WHERE id = 3")
    con.execute("DROP TRIGGER findings_no_update")
    con.execute("CREATE TRIGGER findings_no_update BEFORE UPDATE ON findings BEGIN SELECT 1; END")
    con.execute("INSERT INTO adjustments (id, entity_id, visit_id, piece, author, created_at) "
                "VALUES (99, 99, 1, 'lumbar', 'mallory', '2026-01-01')")
    with open_store(path) as st:
        report = st.check_integrity()
    problems = report["problems"]
    assert report["first_broken"] == "audit row 4: rows 3 to 3 are missing"
    assert any(p.startswith("audit row 4: does not follow") for p in problems)
    assert "adjustments row 99: has no audit row (written outside legcheck)" in problems
    assert "trigger audit_no_delete: missing (history could be rewritten)" in problems
    assert "trigger findings_no_update: changed from what legcheck wrote" in problems


def test_the_author_is_the_operating_system_user_and_the_claim_beside_it(tmp_path, monkeypatch):
    import pwd
    import os

    me = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("LEGCHECK_USER", "dr-who")
    monkeypatch.setenv("USER", "somebody-else")
    monkeypatch.setenv("LOGNAME", "somebody-else")
    path = tmp_path / "a.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        assert st.patient("C1")["author"] == me
    with open_store(path, actor="dr-signed-in") as st:
        st.add_patient("C2", "Bob Brown")
    rows = _raw(path).execute("SELECT actor, claim FROM audit WHERE record_table = 'patients' ORDER BY id").fetchall()
    assert rows == [(me, "dr-who"), ("dr-signed-in", None)]
