"""Users of the web app in a real SQLite file: Argon2id hashes, append-only rows, roles."""

from __future__ import annotations

import sqlite3

import pytest

from legcheck.errors import RecordConflictError, RecordNotFoundError, UsageError
from legcheck.records import open_store
from legcheck.records.users import may

PW = "a long enough password"


def test_users_are_hashed_append_only_and_authored(tmp_path):
    with open_store(tmp_path / "db.sqlite3", actor="boss") as st:
        uid = st.add_user("kim", "assistant", PW)
        raw = st.con.execute("SELECT password_hash, author FROM users WHERE id = ?", (uid,)).fetchone()
        assert raw["password_hash"].startswith("$argon2id$") and PW not in raw["password_hash"]
        assert raw["author"] == "boss"
        with pytest.raises(RecordConflictError):
            st.add_user("kim", "admin", PW)
        with pytest.raises(UsageError):
            st.add_user("lee", "janitor", PW)
        with pytest.raises(UsageError):
            st.add_user("lee", "admin", "short")
        with pytest.raises(sqlite3.DatabaseError):
            st.con.execute("UPDATE users SET role = 'admin'")
        with pytest.raises(sqlite3.DatabaseError):
            st.con.execute("DELETE FROM users")
        st.update_user("kim", password="another long password")
        assert st.authenticate("kim", PW) is None
        assert st.authenticate("kim", "another long password")["role"] == "assistant"
        assert st.authenticate("nobody", PW) is None
        with pytest.raises(RecordNotFoundError):
            st.update_user("nobody", role="admin")
        audit = st.con.execute("SELECT count(*) FROM audit WHERE entity = 'user'").fetchone()[0]
        assert audit == 2 and st.check_integrity()["counts"]["users"] == 2


def test_checks_and_adjustments_are_authored_by_the_store_actor(tmp_path):
    with open_store(tmp_path / "db.sqlite3", actor="dr-b") as st:
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
