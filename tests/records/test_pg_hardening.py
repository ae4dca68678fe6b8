"""PostgreSQL: the protection holds in a replica session, and init-postgres refuses roles that would
pass it. A real server (tests/conftest.py ``pg_server``); raw SQL where PostgreSQL is the subject."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.errors import UsageError
from legcheck.records import open_store
from legcheck.records.pg_roles import init_postgres

_n = itertools.count()


def _raw(url: str) -> psycopg.Connection:
    from legcheck.records.postgres import _url

    u = _url(url)
    return psycopg.connect(dbname=u.database, user=u.username, host=u.query["host"], autocommit=True)


def test_triggers_fire_in_a_replica_session(pg_url):
    with open_store(pg_url, create=True) as st:
        st.add_patient("C1", "Alice")
    con = _raw(pg_url)
    assert {r[0] for r in con.execute("SELECT DISTINCT tgenabled FROM pg_trigger WHERE NOT tgisinternal")} == {"A"}
    con.execute("SET session_replication_role = replica")  # a superuser may; legcheck's roles may not
    for stmt in ("UPDATE patients SET name = 'Mallory'", "DELETE FROM audit", "TRUNCATE checks CASCADE"):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"):
            con.execute(stmt)
    con.close()
    assert CliRunner().invoke(cli, ["db", "check", "--db", pg_url]).exit_code == 0


def test_a_trigger_switched_back_to_origin_only_is_named(pg_url):
    with open_store(pg_url, create=True):
        pass
    con = _raw(pg_url)
    con.execute("ALTER TABLE checks ENABLE TRIGGER checks_no_update")  # ordinary: skipped under replica
    con.close()
    res = CliRunner().invoke(cli, ["db", "check", "--db", pg_url])
    assert res.exit_code == 11 and "trigger checks_no_update: changed" in res.output


def test_the_app_role_cannot_set_the_replication_role(pg_server):
    db = f"repl{next(_n)}"
    owner, app = f"o_{db}", f"a_{db}"
    init_postgres(pg_server.url(db), owner, app)
    con = _raw(pg_server.url(db, app))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("SET session_replication_role = replica")
    con.close()
    admin = _raw(pg_server.url(db))
    admin.execute(f"GRANT SET ON PARAMETER session_replication_role TO {app}")
    res = CliRunner().invoke(cli, ["db", "check", "--db", pg_server.url(db, app)])
    assert res.exit_code == 11 and f"grant: role {app} may SET session_replication_role" in res.output
    with pytest.raises(UsageError, match="may SET session_replication_role"):
        init_postgres(pg_server.url(db), owner, app)
    admin.execute(f"REVOKE SET ON PARAMETER session_replication_role FROM {app}")
    admin.close()


@pytest.mark.parametrize("setup,role,words", [
    ("CREATE ROLE {r} LOGIN SUPERUSER", "app", "is a superuser"),
    ("CREATE ROLE {r} LOGIN SUPERUSER", "owner", "is a superuser"),
    ("CREATE ROLE {r} LOGIN CREATEROLE", "app", "may create roles"),
    ("CREATE ROLE {r} LOGIN; CREATE ROLE {o}; GRANT {o} TO {r}", "app", "is a member of the owner role"),
    ("CREATE ROLE {r} LOGIN; ALTER DATABASE {db} OWNER TO {r}", "app", "owns the database"),
    ("CREATE ROLE {r} LOGIN; CREATE TABLE {db}_t (a INTEGER); ALTER TABLE {db}_t OWNER TO {r}", "app", "owns"),
])
def test_init_postgres_refuses_roles_that_would_pass_the_protection(pg_server, setup, role, words):
    db = f"roles{next(_n)}"
    url = pg_server.create_database(db)
    r, o = f"r_{db}", f"o_{db}"
    con = _raw(url)
    for stmt in setup.format(r=r, o=o, db=db).split("; "):
        con.execute(stmt)
    con.close()
    args = ["db", "init-postgres", "--db", url, "--owner", r if role == "owner" else o]
    args += ["--app", r if role == "app" else f"a_{db}"]
    res = CliRunner().invoke(cli, args)
    err = [line for line in res.output.splitlines() if line.startswith("legcheck: error:")]
    assert res.exit_code == 2 and len(err) == 1 and words in err[0], res.output
    con = _raw(url)  # nothing was changed: no schema, no new role
    assert con.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (f"a_{db}",)).fetchone()[0] == 0
    con.close()
