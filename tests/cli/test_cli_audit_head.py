"""`legcheck audit head [--against ID:SHA256]`: note the chain's head, compare it later, honestly.
A real SQLite file; the forgeries write to it directly."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records.canonical import audit_sha256


@pytest.fixture
def run(tmp_path):
    runner = CliRunner(env={"LEGCHECK_DB": str(tmp_path / "log.sqlite3")})

    def _run(*args):
        return runner.invoke(cli, [str(a) for a in args])
    assert _run("init").exit_code == 0
    assert _run("patient", "add", "C1", "--name", "Alice Adams").exit_code == 0
    _run.db = tmp_path / "log.sqlite3"
    return _run


def _rewrite_chain_from(db, first_id: int) -> None:
    """A forger with write access: drop the protection, alter a row, recompute every later hash."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    con.execute("DROP TRIGGER audit_no_update")
    rows = [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY id")]
    prev = rows[first_id - 2]["sha256"]
    for a in rows[first_id - 1:]:
        if a["id"] == first_id:
            a["actor"] = "someone-else"
        a["prev_sha256"] = prev
        a["sha256"] = audit_sha256({k: v for k, v in a.items() if k != "sha256"})
        con.execute("UPDATE audit SET actor = ?, prev_sha256 = ?, sha256 = ? WHERE id = ?",
                    (a["actor"], a["prev_sha256"], a["sha256"], a["id"]))
        prev = a["sha256"]
    con.commit()
    con.close()


def test_the_noted_head_matches_and_survives_new_records(run):
    head = run("audit", "head").output.strip()
    hid, sha = head.split(":")
    assert int(hid) >= 5 and len(sha) == 64
    same = run("audit", "head", "--against", head)
    assert same.exit_code == 0 and "unchanged" in same.output
    assert run("patient", "add", "C2", "--name", "Bob").exit_code == 0
    later = run("audit", "head", "--against", head)
    assert later.exit_code == 0 and "1 audit row(s) added since" in later.output
    assert run("audit", "head", "--against", sha.upper()).exit_code == 0  # the hash alone, any case


def test_a_consistently_rewritten_chain_does_not_match_the_noted_head(run):
    head = run("audit", "head").output.strip()
    _rewrite_chain_from(run.db, 3)
    res = run("audit", "head", "--against", head)
    assert res.exit_code == 11 and "history was rewritten" in res.stderr
    res = run("audit", "head", "--against", head.split(":")[1])
    assert res.exit_code == 11 and "not in the chain" in res.stderr


@pytest.mark.parametrize("value", ["", "abc", "5:abcdef123456", "x:" + "0" * 64, "0" * 63])
def test_a_shortened_or_malformed_head_is_refused(run, value):
    res = run("audit", "head", "--against", value)
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "never shortened" in res.stderr


def test_a_head_beyond_the_chain_or_a_broken_chain_fails(run):
    head = run("audit", "head").output.strip()
    hid, sha = head.split(":")
    res = run("audit", "head", "--against", f"{int(hid) + 5}:{sha}")
    assert res.exit_code == 11 and "history was removed" in res.stderr
    con = sqlite3.connect(run.db)
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET actor = 'x' WHERE id = 2")
    con.commit()
    con.close()
    for args in (("audit", "head"), ("audit", "head", "--against", head)):
        res = run(*args)
        assert res.exit_code == 11 and "audit chain is broken" in res.stderr
