"""The web app and the assessment (issue 14): the visit page shows it with the red-flag banner, and
the adjustment form honours the safeguard (409 with the error object, then the audited override).
Stored settings (units, clinic name) are followed by the pages and reports."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from fastapi.testclient import TestClient

from _web import make_db, sign_in
from legcheck.records import open_store
from legcheck.web.app import create_app
from legcheck.web.config import WebConfig


def test_the_visit_page_and_the_adjustment_honour_an_open_red_flag(tmp_path):
    db = make_db(tmp_path / "db.sqlite3")
    with open_store(db, actor="pat") as st:
        st.add_patient("R1", "Rita Red")
        vid = st.new_visit("R1", dt.datetime(2026, 9, 8, 9).astimezone())
        st.record_check("R1", "pre", "extended", {"lld_mm": 4.9, "short_leg": "left", "uncertainty_mm": 0.8,
                                                  "method": "tabs", "warnings": [], "image": {}}, visit_id=vid)
        st.record_assessment(vid, [{"kind": "pain", "term": "pre", "nrs": 8},
                                   {"kind": "red-flag", "term": "bladder-bowel"}])
        st.set_config("units", "in")
        st.set_config("clinic-name", "Back Bay Chiropractic")
    app = create_app(WebConfig(db=db, workers=0))
    with TestClient(app) as c:
        csrf = sign_in(c, "pat")
        page = c.get(f"/visits/{vid}").text
        banner = "red flag recorded: loss of bladder or bowel control — refer for immediate medical care"
        assert f'<p class="redflag" role="alert">⚠ {banner}</p>' in page
        assert page.index(banner) < page.index("Pre → post") and "<td>8/10 before</td>" in page
        assert 'name="override_red_flag" required' in page and "3/16&#34;" in page  # the stored units
        r = c.post(f"/api/visits/{vid}/adjustments", data={"piece": "lumbar"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 409
        err = r.json()["error"]
        assert err["code"] == "safeguard" and err["exit_code"] == 15 and "open red flag" in err["message"]
        r = c.post(f"/api/visits/{vid}/adjustments", data={"piece": "lumbar", "override_red_flag": "referred; consent"},
                   headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201, r.text
        v = r.json()["visit"]
        assert v["red_flag_warning"] == banner and v["adjustments"][0]["red_flag_override"] == "referred; consent"
        assert v["assessment"]["pain"] == {"pre": 8, "post": None}
        report = c.get(f"/api/visits/{vid}/report.html").text
        assert '<p class="clinic">Back Bay Chiropractic</p>' in report and banner in report
    con = sqlite3.connect(db)
    (actor, action, detail), = con.execute("SELECT actor, action, detail FROM audit WHERE record_table = 'adjustments'")
    assert (actor, action, json.loads(detail)["red_flag_override"]) == ("pat", "override", True)
    assert "referred" not in detail  # the reason stays in the adjustments row
