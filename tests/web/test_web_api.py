"""The JSON API against a real SQLite file and real sample photos: every endpoint, and every refusal.

Measuring runs in a thread here (``workers=0``) to keep the tests fast; the worker processes are
exercised by tests/web/test_serve.py and the phone walk-through (tests/web/test_phone.py).
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from fastapi.testclient import TestClient

from _web import PASSWORD, SAMPLES, heel_pixels, make_db, sign_in, truth
from legcheck.web.app import create_app
from legcheck.web.config import WebConfig, secret_key

TAB_SAMPLE = "overhead_right_short_6mm"
FEET_SAMPLE = "drop_socks_left_short_5mm"  # feet over a drop table's end, seen from the head side
NAME = "Zelda Quixote-Example"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    app = create_app(WebConfig(db=make_db(root / "db.sqlite3"), workers=0, max_upload_bytes=12 * 2**20))
    with TestClient(app) as base:
        yield app
    del base


def client(app, user: str | None = "pat"):
    """A new browser: its own cookies; signed in as ``user`` (returns (client, csrf))."""
    c = TestClient(app)
    return c, (sign_in(c, user) if user else "")


def photo(name: str):
    return {"photo": (f"{name}.jpg", (SAMPLES / f"{name}.jpg").read_bytes(), "image/jpeg")}


@pytest.fixture(scope="module")
def patient(app):
    c, csrf = client(app)
    r = c.post("/api/patients", data={"chart": "C100", "name": NAME, "dob": "1970-01-02"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    return "C100"


def test_session_cookie_is_httponly_strict_and_expires(app):
    c = TestClient(app)
    r = c.post("/api/session", data={"name": "pat", "password": PASSWORD})
    assert r.status_code == 201
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=43200" in cookie
    assert "secure" not in cookie  # plain HTTP on 127.0.0.1; under TLS it is Secure (test_tls_cookie)
    body = r.json()
    assert body["user"] == {"name": "pat", "role": "practitioner"} and len(body["csrf_token"]) == 64
    me = c.get("/api/session").json()
    assert me["csrf_token"] == body["csrf_token"]


def test_tls_cookie_is_secure_and_host_prefixed(tmp_path):
    app = create_app(WebConfig(db=make_db(tmp_path / "db.sqlite3"), workers=0, tls=True))
    r = TestClient(app, base_url="https://testserver").post("/api/session", data={"name": "ann", "password": PASSWORD})
    assert r.status_code == 201
    assert r.headers["set-cookie"].startswith("__Host-legcheck=") and "secure" in r.headers["set-cookie"].lower()


@pytest.mark.parametrize("method,url", [("GET", "/api/patients"), ("GET", "/api/patients/C100"),
                                        ("GET", "/api/visits/1"), ("POST", "/api/measure"), ("POST", "/api/checks"),
                                        ("GET", "/api/patients/C100/report.html"), ("GET", "/api/session"),
                                        ("DELETE", "/api/session")])
def test_no_session_is_401(app, method, url):
    r = TestClient(app).request(method, url)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_pages_without_session_go_to_sign_in(app):
    r = TestClient(app).get("/patients/C100", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/patients/C100"


def test_write_without_or_with_wrong_csrf_token_is_403(app):
    c, csrf = client(app)
    for headers in ({}, {"X-CSRF-Token": "0" * 64}):
        r = c.post("/api/patients", data={"chart": "X1", "name": "Nobody"}, headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert c.delete("/api/session", headers=headers).status_code == 403
    # A form's hidden field is as good as the header.
    r = c.post("/api/patients", data={"chart": "X1", "name": "Form Field", "csrf_token": csrf})
    assert r.status_code == 201
    # Another session's token is not this one's.
    _, other = client(app, "ada")
    assert c.post("/api/patients", data={"chart": "X2", "name": "N"}, headers={"X-CSRF-Token": other}).status_code == 403


def test_oversized_upload_is_413(app):
    c, csrf = client(app)
    big = b"\xff\xd8\xff" + bytes(13 * 2**20)
    r = c.post("/api/measure", files={"photo": ("big.jpg", big, "image/jpeg")}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"

    def chunks():  # no Content-Length: the limit counts the bytes as they come
        for _ in range(14):
            yield bytes(2**20)

    r = c.post("/api/measure", content=chunks(), headers={"X-CSRF-Token": csrf,
                                                          "Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_bad_photo_is_422_with_the_cli_error(app, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from legcheck.cli import cli

    data = b"this is not a photo at all"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.jpg").write_bytes(data)
    out = CliRunner().invoke(cli, ["measure", "bad.jpg", "--json", "--no-annotate"])
    assert out.exit_code == 3
    cli_error = json.loads(out.stdout.splitlines()[0])
    c, csrf = client(app)
    r = c.post("/api/measure", files={"photo": ("bad.jpg", data, "image/jpeg")}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    assert r.json() == cli_error
    truncated = (SAMPLES / f"{TAB_SAMPLE}.jpg").read_bytes()[:50_000]
    r = c.post("/api/measure", files={"photo": ("cut.jpg", truncated, "image/jpeg")}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and r.json()["error"]["code"] == "image_unreadable"
    assert "cut.jpg" in r.json()["error"]["message"] and "web-uploads" not in r.json()["error"]["message"]


def test_measure_returns_the_cli_json_and_the_annotated_copy(app, tmp_path):
    from legcheck.pipeline import measure_photo

    c, csrf = client(app)
    r = c.post("/api/measure", files=photo(TAB_SAMPLE), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    got = r.json()
    expected = measure_photo(SAMPLES / f"{TAB_SAMPLE}.jpg").measurement.to_json()
    expected["image"]["path"] = f"{TAB_SAMPLE}.jpg"
    assert {k: got[k] for k in expected} == expected
    assert abs(got["lld_mm"] - truth(TAB_SAMPLE)["lld_mm"]) <= got["uncertainty_mm"]
    assert got["summary"].startswith("Right leg short by 6.0 mm")
    img = c.get(got["annotated_url"])
    assert img.status_code == 200 and img.content[:3] == b"\xff\xd8\xff"
    assert c.get(got["photo_url"]).content == (SAMPLES / f"{TAB_SAMPLE}.jpg").read_bytes()
    # Only its sender sees it.
    other, _ = client(app, "ann")
    assert other.get(got["annotated_url"]).status_code == 404
    assert other.get(got["photo_url"]).status_code == 404


def test_taps_near_the_heels_correct_a_contour_measurement(app):
    """A heel tapped on the photo (a couple of pixels off) gives the true figure; accepting records it."""
    c, csrf = client(app, "ann")
    h = {"X-CSRF-Token": csrf}
    first = c.post("/api/measure", files=photo(FEET_SAMPLE), headers=h).json()
    px = heel_pixels(FEET_SAMPLE)
    taps = {"near_left": f"{px['left'][0] + 1.5:.1f},{px['left'][1] - 2:.1f}",
            "near_right": f"{px['right'][0] - 1:.1f},{px['right'][1] + 2:.1f}"}
    again = c.post("/api/measure", data={"upload_id": first["upload_id"], **taps}, headers=h)
    assert again.status_code == 200, again.text
    m = again.json()
    # Taps are rough points: contour mode looks for each heel near its tap.
    assert m["method"] == "contour" and m["assisted"] is True and m["upload_id"] == first["upload_id"]
    assert abs(m["lld_mm"] - truth(FEET_SAMPLE)["lld_mm"]) <= max(m["uncertainty_mm"], 0.5)


def test_record_amend_adjust_and_their_authors(app, patient):
    ann, ann_csrf = client(app, "ann")
    r = ann.post("/api/checks", files=photo(TAB_SAMPLE), data={"chart": patient, "phase": "pre", "position": "extended"},
                 headers={"X-CSRF-Token": ann_csrf})
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["author"] == "ann" and check["visit_url"] == f"/visits/{check['visit_id']}"
    vid = check["visit_id"]
    # An assistant captures and records, but does not amend or adjust.
    r = ann.post(f"/api/checks/{check['check_id']}/amendments", data={"lld_mm": "-5", "uncertainty_mm": "1", "reason": "re-read"},
                 headers={"X-CSRF-Token": ann_csrf})
    assert r.status_code == 403 and "assistant" in r.json()["error"]["message"]
    assert ann.post(f"/api/visits/{vid}/adjustments", data={"piece": "pelvic"},
                    headers={"X-CSRF-Token": ann_csrf}).status_code == 403
    pat, csrf = client(app, "pat")
    h = {"X-CSRF-Token": csrf}
    r = pat.post(f"/api/checks/{check['check_id']}/amendments", data={"lld_mm": "-5.5", "uncertainty_mm": "1", "reason": "re-read"}, headers=h)
    assert r.status_code == 201 and r.json()["author"] == "pat"
    r = pat.post(f"/api/visits/{vid}/adjustments", data={"piece": "pelvic", "side": "right", "listing": "PI right ilium"},
                 headers=h)
    assert r.status_code == 201
    r = pat.post(f"/api/visits/{vid}/findings", data={"derifield": "negative"}, headers=h)
    assert r.status_code == 201 and r.json()["visit"]["derifield"] == "negative"
    v = pat.get(f"/api/visits/{vid}").json()
    assert v["adjustments"][0]["author"] == "pat" and v["adjustments"][0]["piece"] == "pelvic"
    by_id = {c["id"]: c for c in v["checks"]}
    new = by_id[r.json()["visit"]["checks"][0]["id"]]
    assert new["amended"] and new["author"] == "pat" and new["lld_mm"] == -5.5
    assert pat.get(f"/api/checks/{check['check_id']}/photo").content[:3] == b"\xff\xd8\xff"
    # A post check from the same upload flow (measure, then accept by upload id) shows the change.
    m = pat.post("/api/measure", files=photo("view70_left_short_3.5mm"), headers=h).json()
    r = pat.post("/api/checks", data={"upload_id": m["upload_id"], "chart": patient, "phase": "post",
                                      "position": "extended", "visit_id": str(vid)}, headers=h)
    assert r.status_code == 201 and r.json()["measurement"]["lld_mm"] == m["lld_mm"]
    assert pat.get(m["photo_url"]).status_code == 404  # recorded: the waiting copy is gone
    ext = next(p for p in pat.get(f"/api/visits/{vid}").json()["positions"] if p["position"] == "extended")
    assert ext["change"]["from_mm"] == -5.5 and ext["change"]["to_mm"] == m["lld_mm"]
    sentence = ext["change"]["sentence"]  # main's Change.sentence(): "right short 5.5 → left short 3.1 mm: the short side changed, by 8.6 mm (± 1.5)"
    assert sentence.startswith("right short 5.5 \u2192 left short 3.") and ": the short side changed, by 8." in sentence
    # In the records: each version authored by whoever was signed in, and the audit's actor the same (no claim).
    import sqlite3

    con = sqlite3.connect(app.state.web.config.db)
    rows = con.execute("""SELECT c.author, a.actor, a.claim, a.action FROM checks c
                          JOIN audit a ON a.record_table = 'checks' AND a.record_id = c.id
                          WHERE c.entity_id = (SELECT entity_id FROM checks WHERE id = ?) ORDER BY c.id""",
                       (check["check_id"],)).fetchall()
    assert rows == [("ann", "ann", None, "add"), ("pat", "pat", None, "amend")]
    assert con.execute("SELECT author FROM adjustments").fetchall() == [("pat",)]
    assert con.execute("SELECT author FROM findings").fetchall() == [("pat",)]


def test_patients_find_add_show(app, patient):
    c, csrf = client(app, "ann")
    assert [p["chart"] for p in c.get("/api/patients", params={"q": "zelda"}).json()["patients"]] == [patient]
    assert [p["chart"] for p in c.get("/api/patients", params={"q": "c10"}).json()["patients"]] == [patient]
    assert c.get("/api/patients", params={"q": "nobody-like-this"}).json()["patients"] == []
    r = c.post("/api/patients", data={"chart": patient, "name": "Dup"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409 and r.json()["error"]["exit_code"] == 9
    r = c.post("/api/patients", data={"chart": "C101", "name": "Bad Date", "dob": "yesterday"},
               headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and r.json()["error"]["code"] == "usage"
    assert c.get("/api/patients/C100").json()["patient"]["name"] == NAME
    assert c.get("/api/patients/NOPE").status_code == 404
    assert c.get("/api/visits/9999").status_code == 404


def test_reports_html_csv_pdf(app, patient):
    c, _ = client(app)
    vid = c.get(f"/api/patients/{patient}").json()["visits"][0]["id"]
    html = c.get(f"/api/patients/{patient}/report.html")
    assert html.status_code == 200 and NAME in html.text
    assert "script-src 'none'" in html.headers["content-security-policy"]
    v = c.get(f"/api/visits/{vid}/report.html")
    assert v.status_code == 200 and "Leg check, visit of" in v.text
    csv = c.get(f"/api/visits/{vid}/report.csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("check_id,phase,position")
    assert c.get(f"/api/patients/{patient}/report.csv").text.startswith("visit_id,visit_date,position")
    assert c.get(f"/api/patients/{patient}/report.xls").status_code == 400
    from _web import need_chromium

    need_chromium()
    pdf = c.get(f"/api/visits/{vid}/report.pdf", params={"paper": "letter"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"


def test_ten_wrong_passwords_are_throttled(app):
    c = TestClient(app, client=("192.0.2.7", 50000))
    for _ in range(10):
        assert c.post("/api/session", data={"name": "tim", "password": "wrong password!"}).status_code == 401
    r = c.post("/api/session", data={"name": "tim", "password": PASSWORD})  # the right one, too late
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert r.json()["error"]["code"] == "throttled"
    # From another address too (the name is throttled), and any name from that address.
    assert TestClient(app).post("/api/session", data={"name": "tim", "password": PASSWORD}).status_code == 429
    assert c.post("/api/session", data={"name": "pat", "password": PASSWORD}).status_code == 429


def test_forged_expired_and_signed_out_cookies_are_refused(app):
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    web = app.state.web
    name = web.sessions.cookie_name
    c, csrf = client(app, "pat")
    good = c.cookies[name]
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert TestClient(app, cookies={name: forged}).get("/api/session").status_code == 401
    other_key = URLSafeTimedSerializer(b"x" * 32, salt="legcheck-session").dumps({"sid": "s", "u": "ada"})
    assert TestClient(app, cookies={name: other_key}).get("/api/session").status_code == 401

    class OldSigner(TimestampSigner):  # signed with the right key, a session's life and a minute ago
        def get_timestamp(self):
            return int(time.time()) - web.sessions.ttl_s - 60

    old = URLSafeTimedSerializer(secret_key(web.config.data_path), salt="legcheck-session",
                                 signer=OldSigner).dumps({"sid": "s", "u": "pat"})
    r = TestClient(app, cookies={name: old}).get("/api/session")
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]
    assert c.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert TestClient(app, cookies={name: good}).get("/api/session").status_code == 401


def test_disabled_user_is_signed_out(app):
    c, _ = client(app, "ada")
    with app.state.web.store("setup") as st:
        st.update_user("ada", active=False)
    try:
        assert c.get("/api/session").status_code == 401
        assert TestClient(app).post("/api/session", data={"name": "ada", "password": PASSWORD}).status_code in (401, 429)
    finally:
        with app.state.web.store("setup") as st:
            st.update_user("ada", active=True)


def test_security_headers_on_every_answer(app):
    c, _ = client(app)
    for url in ("/signin", "/patients", "/api/patients", "/api/nope", "/static/app.js", "/api/openapi.json",
                "/api/docs"):
        r = c.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, url
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer", url
    assert "<script>" not in c.get("/patients").text  # no inline script in any page


def test_openapi_and_local_docs(app):
    schema = TestClient(app).get("/api/openapi.json").json()
    paths = set(schema["paths"])
    for p in ("/api/measure", "/api/checks", "/api/patients", "/api/visits/{visit_id}", "/api/session",
              "/api/visits/{visit_id}/adjustments", "/api/patients/{chart}/report.{fmt}"):
        assert p in paths
    docs = TestClient(app).get("/api/docs").text
    assert "/api/measure" in docs and "near_left" in docs and "cdn" not in docs.lower()
    assert 'src="http' not in docs and 'href="http' not in docs


def test_no_patient_names_in_logs(app, caplog):
    c, csrf = client(app)
    with caplog.at_level(logging.DEBUG):
        c.post("/api/patients", data={"chart": "C200", "name": "Ottoline Unlogged"}, headers={"X-CSRF-Token": csrf})
        c.get("/api/patients", params={"q": "Ottoline"})
        c.get("/patients", params={"q": "Ottoline Unlogged"})
        c.post("/api/patients", data={"chart": "C200", "name": "Ottoline Unlogged"}, headers={"X-CSRF-Token": csrf})
    server = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("legcheck", "uvicorn", "fastapi")))
    assert "GET /api/patients 200" in server
    assert "Ottoline" not in server and "Unlogged" not in server


def test_pages_render_for_a_signed_in_user(app, patient):
    c, _ = client(app, "ann")
    vid = c.get(f"/api/patients/{patient}").json()["visits"][0]["id"]
    for url in ("/patients", f"/patients/{patient}", f"/visits/{vid}",
                f"/capture?chart={patient}&phase=pre&position=flexed", "/api/docs"):
        r = c.get(url)
        assert r.status_code == 200, url
    assert "Record the adjustment" not in c.get(f"/visits/{vid}").text  # an assistant has no adjustment form
    pat, _ = client(app, "pat")
    assert "Record the adjustment" in pat.get(f"/visits/{vid}").text
    r = c.get("/capture?chart=C100&phase=middle&position=extended")
    assert r.status_code == 400 and "phase" in r.text


def test_a_server_in_inches_words_every_figure_in_inches(tmp_path):
    """``legcheck serve --units in``: the result's line, the visit's change and its page in 1/16 inch;
    the JSON keeps millimetres with decimal inches beside them (as ``measure --json --units in``)."""
    app = create_app(WebConfig(db=make_db(tmp_path / "db.sqlite3"), workers=0, units="in"))
    with TestClient(app) as c:
        h = {"X-CSRF-Token": sign_in(c, "pat")}
        assert c.post("/api/patients", data={"chart": "IN1", "name": "Inch Patient"}, headers=h).status_code == 201
        pre = c.post("/api/checks", files=photo(TAB_SAMPLE), headers=h,
                     data={"chart": "IN1", "phase": "pre", "position": "extended"}).json()
        m = pre["measurement"]
        assert m["summary"].startswith("Right leg short by ") and '"' in m["summary"] and "mm" not in m["summary"]
        assert abs(m["lld_in"] - m["lld_mm"] / 25.4) < 1e-4
        vid = pre["visit_id"]
        post = c.post("/api/checks", files=photo("view70_left_short_3.5mm"), headers=h,
                      data={"chart": "IN1", "phase": "post", "position": "extended", "visit_id": str(vid)})
        assert post.status_code == 201, post.text
        v = c.get(f"/api/visits/{vid}").json()
        ext = next(p for p in v["positions"] if p["position"] == "extended")
        assert v["units"] == "in" and ext["change"]["sentence"].startswith('right short 1/4" \u2192 left short ')
        assert "mm" not in ext["change"]["sentence"] and ext["change"]["from_mm"] == pre["measurement"]["lld_mm"]
        page = c.get(f"/visits/{vid}").text
        assert "right short 1/4&#34;" in page and "right short 5.5 mm" not in page


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e308", "11", "abc"])
def test_hostile_even_below_is_400_one_line(app, value):
    c, csrf = client(app)
    photo = (SAMPLES / f"{TAB_SAMPLE}.jpg").read_bytes()
    r = c.post("/api/measure", files={"photo": ("p.jpg", photo, "image/jpeg")}, data={"even_below_mm": value},
               headers={"X-CSRF-Token": csrf})
    err = r.json()["error"]
    assert r.status_code == 400 and err["code"] == "usage" and "even_below_mm" in err["message"]
    assert "\n" not in err["message"]
