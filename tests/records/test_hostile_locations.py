"""A PostgreSQL location's password never shows, wherever libpq would read it from (the URL's
user part or its query string): not in errors, not in `info`, not in a store's location."""

from __future__ import annotations

from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store
from legcheck.records.postgres import safe_url


def test_safe_url_hides_a_password_in_the_query_string():
    shown = safe_url("postgresql://app@db.example/clinic?password=hunter2&sslpassword=s3cret&sslmode=require")
    assert "hunter2" not in shown and "s3cret" not in shown
    assert "password=***" in shown and "sslpassword=***" in shown and "sslmode=require" in shown
    assert "hunter2" not in safe_url("postgresql://app:hunter2@db.example/clinic?PASSWORD=hunter2")


def test_query_string_password_never_reaches_output(pg_server):
    url = pg_server.create_database("qs_pw")
    with open_store(url, create=True):
        pass
    secret = f"{url}&password=hunter2"
    runner = CliRunner()
    info = runner.invoke(cli, ["info", "--db", secret])
    assert info.exit_code == 0 and "hunter2" not in info.output and "password=***" in info.output
    missing = runner.invoke(cli, ["log", "--db", secret.replace("/qs_pw?", "/no_such_db?")])
    assert missing.exit_code == 10 and "hunter2" not in missing.output
    again = runner.invoke(cli, ["init", "--db", secret])
    assert again.exit_code == 9 and "hunter2" not in again.output
    with open_store(secret) as st:
        assert "hunter2" not in st.location
