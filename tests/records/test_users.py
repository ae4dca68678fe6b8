"""Users of the web app in a real SQLite file: Argon2id hashes, versioned append-only rows in the
hash-chained audit, roles, and the store's actor as the author of everything it writes."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from legcheck.errors import RecordConflictError, RecordNotFoundError, UsageError
from legcheck.records import open_store
from legcheck.records.users import may

PW = "a long enough password"


def _raw(path):
    con = sqlite3.connect(path, isolation_level=None)
    con.row_factory = sqlite3.Row
    return con


def test_users_are_hashed_versioned_append_only_and_authored(tmp_path):
    path = tmp_path / "db.sqlite3"
    with open_store(path, actor="boss", create=True) as st:
        uid = st.add_user("Kim", "assistant", PW)
        with pytest.raises(RecordConflictError):
            st.add_user("kim", "admin", PW)  # names are unique case-folded
        with pytest.raises(UsageError):
            st.add_user("lee", "janitor", PW)
        with pytest.raises(UsageError):
            st.add_user("lee", "admin", "short")
        with pytest.raises(UsageError):
            st.add_user("le\u200be", "admin", PW)  # a zero-width space: two names that look alike
        new_row = st.update_user("KIM", password="another long password")
        assert st.authenticate("kim", PW) is None
        assert st.authenticate("Kim", "another long password")["role"] == "assistant"
        assert st.authenticate("nobody", PW) is None and st.authenticate("", PW) is None
        st.update_user("kim", role="practitioner", reason="qualified")
        with pytest.raises(UsageError):
            st.update_user("kim", role="practitioner")  # nothing would change
        st.update_user("kim", active=False)
        assert st.authenticate("kim", "another long password") is None
        with pytest.raises(RecordNotFoundError):
            st.update_user("nobody", role="admin")
        u = st.user("kim")
        assert (u["id"], u["name"], u["role"], u["active"], u["author"]) == (uid, "Kim", "practitioner", False, "boss")
        assert "password_hash" not in u and [x["name"] for x in st.users()] == ["Kim"]
        assert st.check_integrity()["ok"]

    con = _raw(path)
    rows = [dict(r) for r in con.execute("SELECT * FROM users ORDER BY id")]
    assert len(rows) == 4 and rows[1]["id"] == new_row
    assert all(r["password_hash"].startswith("$argon2id$") and PW not in r["password_hash"] for r in rows)
    assert [r["supersedes"] for r in rows] == [None, rows[0]["id"], rows[1]["id"], rows[2]["id"]]
    assert {r["entity_id"] for r in rows} == {uid} and {r["author"] for r in rows} == {"boss"}
    assert [r["reason"] for r in rows] == [None, "new password", "qualified", "may no longer sign in"]
    audit = [dict(r) for r in con.execute("SELECT * FROM audit WHERE record_table = 'users' ORDER BY id")]
    assert [a["action"] for a in audit] == ["add", "amend", "amend", "amend"]
    assert [json.loads(a["detail"])["password"] for a in audit] == ["set", "changed", "kept", "kept"]
    for a, r in zip(audit, rows):  # the audit holds a hash of the row, never the password hash itself
        assert a["actor"] == "boss" and r["password_hash"] not in json.dumps(a)
        assert r["password_hash"].split("$")[-1] not in json.dumps(a)
    for sql in ("UPDATE users SET role = 'admin'", "DELETE FROM users"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)


def test_an_unknown_name_costs_the_same_time_as_a_wrong_password(tmp_path):
    with open_store(tmp_path / "db.sqlite3", create=True) as st:
        st.add_user("kim", "assistant", PW)
        st.authenticate("nobody", PW)  # the dummy hash is made once

        def took(name):
            t0 = time.perf_counter()
            assert st.authenticate(name, "wrong password!") is None
            return time.perf_counter() - t0

        known = min(took("kim") for _ in range(3))
        unknown = min(took("nobody") for _ in range(3))
        assert 0.2 < unknown / known < 5.0  # both one Argon2 verification (tens of ms); a quick miss is < 0.01


def test_a_user_row_altered_in_the_file_is_named_by_db_check(tmp_path):
    path = tmp_path / "db.sqlite3"
    with open_store(path, create=True) as st:
        st.add_user("kim", "assistant", PW)
    con = _raw(path)
    con.execute("DROP TRIGGER users_no_update")
    con.execute("UPDATE users SET role = 'admin'")
    con.close()
    with open_store(path) as st:
        report = st.check_integrity()
    assert not report["ok"]
    assert report["first_broken"].startswith("users row 1: its stored values differ")
    assert "trigger users_no_update: missing (history could be rewritten)" in report["problems"]


def test_checks_and_adjustments_are_authored_by_the_store_actor(tmp_path):
    with open_store(tmp_path / "db.sqlite3", actor="dr-b", create=True) as st:
        st.add_patient("P", "Pat")
        vid = st.new_visit("P")
        st.add_adjustment(vid, "pelvic", "left")
        st.set_findings(vid, pd_side="left")
        assert st.adjustments(vid)[0]["author"] == "dr-b" and st.findings(vid)[0]["author"] == "dr-b"


def test_what_each_role_may_do():
    assert may("assistant", "record") and may("assistant", "capture")
    assert not may("assistant", "amend") and not may("assistant", "void") and not may("assistant", "adjust")
    assert may("practitioner", "amend") and may("practitioner", "adjust") and not may("practitioner", "users")
    assert may("admin", "users") and not may("ghost", "capture")
