"""``legcheck serve`` and ``legcheck user`` as a person runs them: refusals, passwords, a graceful stop."""

from __future__ import annotations

import signal
import threading
import time

import httpx
from click.testing import CliRunner

from _web import PASSWORD, SAMPLES, live_server, make_db
from legcheck.cli import cli


def test_lan_without_tls_refuses_to_start(tmp_path):
    db = str(tmp_path / "db.sqlite3")
    for args in (["--lan"], ["--host", "0.0.0.0"], ["--lan", "--cert", __file__]):
        out = CliRunner().invoke(cli, ["serve", "--db", db, *args])
        assert out.exit_code == 2, (args, out.output)
        assert len(out.output.strip().splitlines()) == 1 and out.output.startswith("legcheck: error: "), out.output
    out = CliRunner().invoke(cli, ["serve", "--db", db, "--lan"])
    assert "needs TLS" in out.output and "--self-signed" in out.output
    assert not (tmp_path / "web-tls").exists()


def test_self_signed_certificate_is_made_once(tmp_path):
    from legcheck.web.tls import fingerprint, self_signed

    cert, key = self_signed(tmp_path, ["192.0.2.10", "clinic-laptop"])
    assert key.stat().st_mode & 0o777 == 0o600
    again = self_signed(tmp_path, ["198.51.100.1"])
    assert again == (cert, key) and fingerprint(cert) == fingerprint(again[0])
    from cryptography import x509

    san = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert "clinic-laptop" in san.get_values_for_type(x509.DNSName)
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == ["192.0.2.10"]


def test_user_add_reads_the_password_from_stdin(tmp_path):
    import sqlite3

    from legcheck.records import open_store

    db = str(tmp_path / "db.sqlite3")
    out = CliRunner().invoke(cli, ["user", "add", "Dr Who", "--role", "practitioner", "--db", db],
                             input="a long enough password\n")
    assert out.exit_code == 10 and db in out.output  # a mistyped --db is never a new, empty database
    assert CliRunner().invoke(cli, ["init", "--db", db]).exit_code == 0
    out = CliRunner().invoke(cli, ["user", "add", "Dr Who", "--role", "practitioner", "--db", db],
                             input="a long enough password\n")
    assert out.exit_code == 0, out.output
    out = CliRunner().invoke(cli, ["user", "add", "short", "--role", "assistant", "--db", db], input="2short\n")
    assert out.exit_code == 2 and "at least 10 characters" in out.output
    out = CliRunner().invoke(cli, ["user", "set", "dr who", "--role", "admin", "--disable", "--db", db])
    assert out.exit_code == 0 and "may not sign in" in out.output, out.output
    with open_store(db) as st:
        assert st.authenticate("Dr Who", "a long enough password") is None  # disabled
        st.update_user("Dr Who", active=True, reason="back from leave")
        assert st.authenticate("Dr Who", "a long enough password")["role"] == "admin"
        assert st.check_integrity()["ok"]
    con = sqlite3.connect(db)
    rows = con.execute("SELECT role, active, reason FROM users WHERE name = 'Dr Who' ORDER BY id").fetchall()
    assert rows == [("practitioner", 1, None), ("admin", 0, "role practitioner -> admin; may no longer sign in"),
                    ("admin", 1, "back from leave")]  # versions: nothing overwritten
    assert "long enough" not in str(con.execute("SELECT * FROM users").fetchall())
    out = CliRunner().invoke(cli, ["user", "list", "--json", "--db", db])
    assert '"role": "admin"' in out.output and "password" not in out.output


def test_serve_refuses_a_missing_database(tmp_path):
    db = tmp_path / "typo.sqlite3"
    out = CliRunner().invoke(cli, ["serve", "--db", str(db)])
    assert out.exit_code == 10 and str(db) in out.output and "legcheck init" in out.output, out.output
    assert not db.exists() and not (tmp_path / "web-secret.key").exists()


def test_stop_finishes_the_check_being_measured(tmp_path):
    """SIGTERM while a photo is being measured and recorded: the answer comes and the check is recorded."""
    from legcheck.records import open_store

    db = make_db(tmp_path / "db.sqlite3")
    with open_store(db) as st:
        st.add_patient("S1", "Stop Test")
    with live_server(db, workers=1) as (base, proc):
        c = httpx.Client(base_url=base, timeout=120)
        csrf = c.post("/api/session", data={"name": "ann", "password": PASSWORD}).json()["csrf_token"]
        answer = {}

        def record():
            files = {"photo": ("p.jpg", (SAMPLES / "drop_socks_left_short_5mm.jpg").read_bytes(), "image/jpeg")}
            answer["r"] = c.post("/api/checks", files=files, headers={"X-CSRF-Token": csrf},
                                 data={"chart": "S1", "phase": "pre", "position": "extended"})

        t = threading.Thread(target=record)
        t.start()
        time.sleep(0.4)  # uploaded (loopback) and being measured in the worker
        proc.send_signal(signal.SIGTERM)
        t.join(120)
        # uvicorn shuts down, then re-raises the signal it caught: the exit status says SIGTERM.
        assert proc.wait(60) in (0, -signal.SIGTERM)
        log = proc.stdout.read()
    assert log.index("Shutting down") < log.index("POST /api/checks 201"), log  # signalled mid-check, then finished
    r = answer["r"]
    assert r.status_code == 201, r.text
    with open_store(db) as st:
        checks = st.checks(chart="S1")
    assert [c["id"] for c in checks] == [r.json()["check_id"]] and checks[0]["author"] == "ann"
