"""The database check names every change to what protects or presents the records, on both
backends (tests/conftest.py ``db_location``): views replaced or dropped, triggers dropped or
replaced, and on PostgreSQL row-level security and policies. Raw SQL as the forger would write it."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store

HIDE = ("CREATE VIEW current_patients AS SELECT r.* FROM patients r WHERE NOT EXISTS "
        "(SELECT 1 FROM patients n WHERE n.supersedes = r.id) AND r.chart <> 'C2'")


def _raw(location, statements: list[str]) -> None:
    if isinstance(location, str):
        import psycopg

        from legcheck.records.postgres import _url

        u = _url(location)
        with psycopg.connect(dbname=u.database, user=u.username, host=u.query["host"], autocommit=True) as con:
            for s in statements:
                con.execute(s)
        return
    con = sqlite3.connect(location)
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


@pytest.fixture
def db(db_location):
    with open_store(db_location, create=True) as st:
        st.add_patient("C1", "Alice")
        st.add_patient("C2", "Bob")
    return db_location


def _check(db):
    res = CliRunner().invoke(cli, ["db", "check", "--db", str(db)])
    return res.exit_code, res.output


def test_a_clean_database_passes(db):
    assert _check(db) == (0, _check(db)[1]) and _check(db)[1].rstrip().endswith("OK")


@pytest.mark.parametrize("forgery,words", [
    (["DROP VIEW current_patients", HIDE], "view current_patients: changed"),
    (["DROP VIEW current_visits"], "view current_visits: missing"),
    (["CREATE VIEW all_patients AS SELECT * FROM patients"], "view all_patients: not one of legcheck's"),
])
def test_a_replaced_dropped_or_foreign_view_is_named(db, forgery, words):
    _raw(db, forgery)
    code, out = _check(db)
    assert code == 11 and words in out


def test_a_dropped_or_replaced_trigger_is_named(db):
    if isinstance(db, str):
        forgery = ["DROP TRIGGER patients_no_delete ON patients",
                   "CREATE OR REPLACE FUNCTION checks_no_replace() RETURNS trigger LANGUAGE plpgsql "
                   "AS $$ BEGIN RETURN NEW; END $$"]
        words = ["trigger patients_no_delete: missing", "trigger function checks_no_replace(): changed"]
    else:
        forgery = ["DROP TRIGGER patients_no_delete",
                   "DROP TRIGGER checks_no_update",
                   "CREATE TRIGGER checks_no_update BEFORE UPDATE ON checks WHEN (0) BEGIN SELECT 1; END"]
        words = ["trigger patients_no_delete: missing", "trigger checks_no_update: changed"]
    _raw(db, forgery)
    code, out = _check(db)
    assert code == 11 and all(w in out for w in words), out


def test_row_level_security_and_a_policy_are_named_on_postgresql(pg_url):
    with open_store(pg_url, create=True) as st:
        st.add_patient("C1", "Alice")
    _raw(pg_url, ["ALTER TABLE patients ENABLE ROW LEVEL SECURITY",
                  "CREATE POLICY hide_c2 ON patients USING (chart <> 'C2')"])
    code, out = _check(pg_url)
    assert code == 11 and "row-level security: enabled on patients" in out and "policy hide_c2 on patients" in out
