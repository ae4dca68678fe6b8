"""The PostgreSQL store against a real server (tests/conftest.py ``pg_server``): concurrent writers,
killed writers, the append-only triggers, the roles and their refusals, both photo stores, and
locations that never show a password. Raw SQL only where PostgreSQL itself is the subject."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from PIL import Image

from legcheck.cli import cli
from legcheck.errors import DatabaseError
from legcheck.records import open_store
from legcheck.records.migrations import HISTORY_TABLES
from legcheck.records.pg_roles import init_postgres
from legcheck.records.sqlite import DatabaseMissingError

HERE = Path(__file__).parent
RESULT = {"lld_mm": 2.5, "short_leg": "left", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}


def _jpeg(colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, "JPEG")
    return buf.getvalue()


def _raw(url: str) -> psycopg.Connection:
    """A plain psycopg connection (autocommit) to a legcheck location."""
    from legcheck.records.postgres import _url

    u = _url(url)
    return psycopg.connect(dbname=u.database, user=u.username, host=u.query["host"], autocommit=True)


@pytest.fixture
def pg(pg_url):
    with open_store(pg_url, actor="dr-test", create=True) as st:
        for chart in ("C1", "C2", "C3", "C4"):
            st.add_patient(chart, f"Patient {chart}")
    return pg_url


def _writer(db, chart, n, tag, pause=0.0):
    return subprocess.Popen([sys.executable, str(HERE / "_writer.py"), str(db), chart, str(n), tag, str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_processes_200_checks_each_lose_none(pg):
    t0 = time.perf_counter()
    procs = [_writer(pg, f"C{k}", 200, "abcd"[k - 1]) for k in range(1, 5)]
    outs = [p.communicate(timeout=300) for p in procs]
    took = time.perf_counter() - t0
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    ids = [int(line.split()[2]) for out, _ in outs for line in out.splitlines()]
    assert len(ids) == 800 and len(set(ids)) == 800
    with open_store(pg) as st:
        for k in range(1, 5):
            assert len(st.checks(chart=f"C{k}")) == 200
        notes = {json.loads(c["result_json"])["note"] for c in st.checks()}
        assert notes == {f"{t}-{i}" for t in "abcd" for i in range(200)}
        report = st.check_integrity()
    assert report["ok"], report["problems"]
    # one row per migration, 4 patients, 800 checks, 4 visits (one per patient and day)
    from legcheck.records.migrations import LATEST

    assert report["counts"]["audit"] == report["audit_head"]["id"] == LATEST + 4 + 800 + 4
    print(f"\n4 x 200 checks on PostgreSQL in {took:.1f} s")


def test_sigkill_keeps_every_returned_check(pg):
    rng = random.Random(17)
    returned = set()
    for round_no in range(6):
        p = _writer(pg, "C1", 10_000, f"k{round_no}")
        first = p.stdout.readline()  # writing has started: kill it at a random point from here
        time.sleep(0.1 + rng.random() * 0.7)
        p.send_signal(signal.SIGKILL)
        out, _ = p.communicate()
        returned |= {int(line.split()[2]) for line in (first + out).splitlines() if len(line.split()) == 3}
    assert len(returned) > 50
    with open_store(pg) as st:
        report = st.check_integrity()
        stored = {c["id"] for c in st.checks(history=True)}
    assert report["ok"], report["problems"]
    assert returned <= stored
    print(f"\n6 SIGKILLs: {len(returned)} returned checks, all stored ({len(stored)} stored)")
    res = CliRunner().invoke(cli, ["db", "check", "--db", pg])
    assert res.exit_code == 0 and res.output.rstrip().endswith("OK"), res.output


@pytest.mark.parametrize("table", list(HISTORY_TABLES))
def test_every_history_table_refuses_update_delete_truncate_and_replace(pg, table):
    with open_store(pg) as st:  # a row in every table
        vid = st.new_visit("C1")
        cid = st.record_check("C1", "pre", "extended", RESULT, visit_id=vid, photo=_jpeg())["check_id"]
        st.amend_check(cid, 1.0, "re-read", uncertainty_mm=0.5)
        st.add_adjustment(vid, "pelvic", "right")
        st.set_findings(vid, pd_side="left")
        st.add_user("ann", "practitioner", "correct horse battery")
        st.set_config("units", "in")
        st.record_assessment(vid, [{"kind": "pain", "term": "pre", "nrs": 5}])
        st.record_reaction(vid, "spasm", "mild", actions=["ice"])
    con = _raw(pg)  # the superuser: privileges do not stop it, the triggers do
    row = con.execute(f"SELECT * FROM {table} ORDER BY id LIMIT 1").fetchone()
    cols = [d.name for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    marks = ", ".join(["%s"] * len(cols))
    for sql, args in ((f"UPDATE {table} SET id = id", None), (f"DELETE FROM {table}", None),
                      (f"TRUNCATE {table} CASCADE", None),
                      (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", row),
                      (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks}) ON CONFLICT (id) DO UPDATE "
                       f"SET id = EXCLUDED.id", row)):
        with pytest.raises(psycopg.errors.IntegrityError, match="append-only|never replaced"):
            con.execute(sql, args)
    con.close()
    assert CliRunner().invoke(cli, ["db", "check", "--db", pg]).exit_code == 0


def test_db_check_names_what_was_altered_behind_its_back(pg):
    with open_store(pg) as st:
        cid = st.record_check("C1", "pre", "extended", RESULT)["check_id"]
    con = _raw(pg)
    con.execute("ALTER TABLE checks DISABLE TRIGGER checks_no_update")
    con.execute("UPDATE checks SET lld_mm = -3.0 WHERE id = %s", (cid,))
    con.execute("DROP TRIGGER audit_no_delete ON audit")
    con.execute("""CREATE OR REPLACE FUNCTION legcheck_refuse_change() RETURNS trigger LANGUAGE plpgsql
                   AS $$ BEGIN RETURN OLD; END $$""")
    con.execute("GRANT UPDATE ON findings TO PUBLIC")
    con.close()
    with open_store(pg) as st:
        report = st.check_integrity()
    assert not report["ok"] and report["first_broken"].startswith(f"checks row {cid}: its stored values differ")
    problems = report["problems"]
    assert "trigger audit_no_delete: missing (history could be rewritten)" in problems
    assert "trigger checks_no_update: changed from what legcheck wrote" in problems  # disabled
    assert "trigger function legcheck_refuse_change(): changed from what legcheck wrote" in problems
    assert "grant: role PUBLIC may UPDATE findings (history could be rewritten)" in problems
    res = CliRunner().invoke(cli, ["db", "check", "--db", pg])
    assert res.exit_code == 11 and f"database check failed: checks row {cid}" in res.output


def test_roles_the_application_may_only_add_and_read(pg_server):
    name = "roles_clinic"
    admin = pg_server.url(name)
    done = init_postgres(admin)  # creates the database, the roles, the schema as the owner, the grants
    text = "\n".join(done)
    assert "created database roles_clinic owned by legcheck_owner" in text
    assert "no UPDATE, DELETE or TRUNCATE anywhere" in text and "photos are kept inside the database" in text
    app, owner = pg_server.url(name, "legcheck_app"), pg_server.url(name, "legcheck_owner")
    with open_store(app, actor="dr-app") as st:  # the application works through its role
        st.add_patient("C1", "Alice Adams")
        cid = st.record_check("C1", "pre", "extended", RESULT, photo=_jpeg())["check_id"]
        st.amend_check(cid, 1.0, "re-read", uncertainty_mm=0.5)
        assert st.check_integrity()["ok"]
    con = _raw(app)
    assert con.execute("SELECT current_user").fetchone()[0] == "legcheck_app"
    detail = con.execute("SELECT detail FROM audit WHERE record_table = 'patients'").fetchone()[0]
    assert json.loads(detail) == {"db_role": "legcheck_app"}
    refusals = {}
    for sql in ("UPDATE checks SET lld_mm = 0", "DELETE FROM checks", "TRUNCATE checks", "DELETE FROM audit",
                "UPDATE audit SET actor = 'x'", "UPDATE photo_blobs SET data = ''", "DELETE FROM photo_blobs",
                "INSERT INTO legcheck_settings VALUES ('photo_dir', '/tmp')",
                "DROP TRIGGER checks_no_update ON checks", "ALTER TABLE checks DISABLE TRIGGER ALL",
                "CREATE TABLE mine (a INTEGER)", "DROP TABLE audit CASCADE"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as err:
            con.execute(sql)
        refusals[sql] = str(err.value).splitlines()[0]
    con.close()
    assert all("permission denied" in r or "must be owner" in r for r in refusals.values()), refusals
    con = _raw(owner)  # the owner may, by privilege; the triggers still refuse
    with pytest.raises(psycopg.errors.IntegrityError, match="append-only"):
        con.execute("UPDATE checks SET lld_mm = 0")
    con.close()
    again = init_postgres(admin)  # idempotent
    from legcheck.records.migrations import LATEST

    assert "role legcheck_app exists" in again and any(f"at version {LATEST}" in line for line in again)
    res = CliRunner().invoke(cli, ["db", "check", "--db", app])
    assert res.exit_code == 0, res.output


def test_init_postgres_command_prints_what_it_did_without_passwords(pg_server, monkeypatch):
    monkeypatch.setenv("LEGCHECK_APP_PASSWORD", "s3cret-app")
    res = CliRunner().invoke(cli, ["db", "init-postgres", "--db", pg_server.url("cmd_clinic", password="hunter2"),
                                   "--app", "cmd_app", "--owner", "cmd_owner", "--empty"])
    assert res.exit_code == 0, res.output
    assert "created role cmd_app" in res.output and "set the password of cmd_app from LEGCHECK_APP_PASSWORD" in res.output
    assert "left cmd_clinic empty" in res.output
    assert "s3cret" not in res.output and "hunter2" not in res.output


def test_photos_inside_the_database(pg):
    with open_store(pg) as st:
        assert st.photos_dir is None and st.protected_paths() == []
        out = st.record_check("C1", "pre", "extended", RESULT, photo=_jpeg())
        path = st.photo_path(out["photo_sha256"])
        assert path.read_bytes() == st.photo_bytes(out["photo_sha256"])
        assert stat.S_IMODE(path.stat().st_mode) == 0o400 and stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
        assert st.check_integrity()["photos_checked"] == 1
    con = _raw(pg)
    con.execute("ALTER TABLE photo_blobs DISABLE TRIGGER photo_blobs_no_update")
    con.execute("UPDATE photo_blobs SET data = %s", (_jpeg((0, 0, 0)),))
    con.close()
    with open_store(pg) as st:
        report = st.check_integrity()
    assert any(p.startswith("photo changed: ") for p in report["problems"]), report["problems"]


def test_photos_in_a_shared_directory(pg_url, tmp_path):
    shared = tmp_path / "shared-photos"
    res = CliRunner().invoke(cli, ["init", "--db", pg_url, "--photos", str(shared)])
    assert res.exit_code == 0, res.output
    with open_store(pg_url) as st:
        assert st.photos_dir == shared and st.protected_paths() == [shared]
        st.add_patient("C1", "Alice Adams")
        out = st.record_check("C1", "pre", "extended", RESULT, photo=_jpeg())
        stored = st.photo_path(out["photo_sha256"])
        assert stored.parent.parent == shared and stat.S_IMODE(stored.stat().st_mode) == 0o440
        assert st.check_integrity()["ok"]
    os.chmod(stored, 0o600)
    stored.write_bytes(b"not the photo")
    with open_store(pg_url) as st:
        assert f"photo changed: {stored.relative_to(shared)}" in st.check_integrity()["problems"]
    again = CliRunner().invoke(cli, ["init", "--db", pg_url])
    assert again.exit_code == 9 and "already holds a visit log" in again.output


def test_backup_under_a_writer_is_one_consistent_snapshot(pg, tmp_path):
    writer = _writer(pg, "C2", 100_000, "bk", 0.02)
    try:
        assert writer.stdout.readline().startswith("bk 0 ")
        time.sleep(0.3)
        with open_store(pg) as st:
            manifest = st.backup(tmp_path / "pg.tar")
        time.sleep(0.2)
    finally:
        writer.kill()
        writer.communicate()
    assert manifest["source_backend"] == "postgresql"
    res = CliRunner().invoke(cli, ["backup", "--verify", str(tmp_path / "pg.tar")])
    assert res.exit_code == 0 and res.output.rstrip().endswith("OK"), res.output


def test_opening_only_legcheck_databases_and_never_showing_a_password(pg_url, pg_server):
    with pytest.raises(DatabaseMissingError, match="no legcheck database"):
        open_store(pg_url)
    con = _raw(pg_url)
    con.execute("CREATE TABLE other_app (a INTEGER)")
    con.close()
    with pytest.raises(DatabaseError, match="holds other tables"):
        open_store(pg_url, create=True)
    secret = pg_server.url("nope_db", password="hunter2")
    res = CliRunner().invoke(cli, ["log", "--db", secret])
    assert res.exit_code == 10 and "hunter2" not in res.output and "postgresql://postgres:***@" in res.output
    fresh = pg_server.create_database("pw_db").replace("postgres@", "postgres:hunter2@")
    with open_store(fresh, create=True) as st:
        assert st.location.startswith("postgresql://postgres:***@/pw_db") and "hunter2" not in st.location


def test_a_newer_schema_is_refused(pg):
    con = _raw(pg)
    con.execute("INSERT INTO schema_migrations (id, name, author, created_at) VALUES (99, 'future', 'x', 'now')")
    con.close()
    with pytest.raises(DatabaseError, match="newer legcheck"):
        open_store(pg)


def test_moving_a_clinic_up_from_sqlite(pg_server, tmp_path):
    """init-postgres --empty, db copy as the owner, init-postgres again: the clients then record as the app role."""
    small = tmp_path / "room1.sqlite3"
    with open_store(small, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        cid = st.record_check("C1", "pre", "extended", RESULT, photo=_jpeg())["check_id"]
        st.amend_check(cid, 1.5, "re-read", uncertainty_mm=0.5)
    admin = pg_server.url("moved")
    assert any("left moved empty" in line for line in init_postgres(admin, empty=True))
    owner, app = pg_server.url("moved", "legcheck_owner"), pg_server.url("moved", "legcheck_app")
    res = CliRunner().invoke(cli, ["db", "copy", "--from", str(small), "--to", owner])
    assert res.exit_code == 0 and "database check OK" in res.output, res.output
    init_postgres(admin)
    with open_store(app) as st:
        assert [c["lld_mm"] for c in st.checks(chart="C1", history=True)] == [2.5, 1.5]
        st.record_check("C1", "post", "extended", RESULT, photo=_jpeg((10, 10, 200)))
        assert st.check_integrity()["ok"]
    con = _raw(app)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("DELETE FROM checks")
    owners = {r[0] for r in con.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
    con.close()
    assert owners == {"legcheck_owner"}


def test_a_writer_waits_for_the_lock_then_says_busy(pg, monkeypatch):
    import legcheck.records.postgres as backend

    monkeypatch.setattr(backend, "LOCK_TIMEOUT_MS", 300)
    holder = _raw(pg)
    holder.autocommit = False
    holder.execute("SELECT pg_advisory_xact_lock(%s)", (backend.LOCK_KEY,))  # another writer, mid-transaction
    with open_store(pg) as st:
        t0 = time.perf_counter()
        with pytest.raises(DatabaseError, match="busy"):
            st.add_patient("C9", "Waiting Writer")
        assert 0.25 < time.perf_counter() - t0 < 5
        holder.rollback()  # the other writer is done: this one goes through
        st.add_patient("C9", "Waiting Writer")
        assert st.check_integrity()["ok"]
    holder.close()


def test_a_later_migration_gets_triggers_and_grants_and_only_the_owner_runs_it(pg_server, monkeypatch):
    """A migration written once (shared DDL + protect) is protected and granted on PostgreSQL without
    anything PostgreSQL-specific; the application role cannot run it."""
    from legcheck.records import archive, integrity, migrations, store
    from legcheck.records.migrations import Migration

    admin = pg_server.url("later")
    init_postgres(admin)
    later = len(migrations.MIGRATIONS) + 1
    m2 = Migration(later, "a later table", shared=[
        "CREATE TABLE notes_t (id INTEGER PRIMARY KEY, body TEXT NOT NULL, author TEXT NOT NULL, created_at TEXT NOT NULL)"],
        protect={"notes_t": [("id",)]})
    migrations.MIGRATIONS.append(m2)
    try:
        for module in (migrations, store, integrity, archive):
            monkeypatch.setattr(module, "LATEST", later)
        app, owner = pg_server.url("later", "legcheck_app"), pg_server.url("later", "legcheck_owner")
        with pytest.raises(DatabaseError, match="schema changes are made as the owner role"):
            open_store(app)
        with open_store(owner) as st:
            assert st.schema_version() == later
        with open_store(app) as st:
            with st._write() as conn:
                st._append(conn, "notes_t", {"body": "added by the application role"})
            report = st.check_integrity()
        assert report["ok"], report["problems"]
        assert report["counts"]["notes_t"] == 1
        con = _raw(app)
        for sql in ("UPDATE notes_t SET body = 'x'", "DELETE FROM notes_t", "TRUNCATE notes_t"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(sql)
        con.close()
        con = _raw(owner)
        with pytest.raises(psycopg.errors.IntegrityError, match="append-only"):
            con.execute("DELETE FROM notes_t")
        con.close()
    finally:
        migrations.MIGRATIONS.remove(m2)
