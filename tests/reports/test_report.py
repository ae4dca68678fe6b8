"""Reports built from a database made here: hand-computed figures, chart data against the log,
edge cases, a real headless Chromium load (images, no network) and the PDF's pages."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.reports.data import Change, patient_data, visit_data
from legcheck.reports.html import find_chromium, patient_html, visit_html
from legcheck.records.sqlite import open_store

BASE = {"short_leg": "right", "method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90],
        "warnings": [], "image": {}, "even_below_mm": 1.0}
#: (date, pre extended, post extended) with every uncertainty 0.4 mm; flexed pre at visit 1 only.
SERIES = [("2026-09-01", -6.0, -1.0), ("2026-09-08", -3.0, -2.8), ("2026-09-15", -2.0, -0.5)]


def _check(st, chart, vid, phase, position, lld, **kw):
    return st.record_check(chart, phase, position, dict(BASE, lld_mm=lld, uncertainty_mm=0.4), visit_id=vid, **kw)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "r.sqlite3"
    with open_store(path) as st:
        st.add_patient("P1", "Pat Series")
        st.add_patient("P0", "No Visits")
        st.add_patient("P2", "One Visit")
        for i, (date, pre, post) in enumerate(SERIES):
            vid = st.new_visit("P1", dt.datetime.fromisoformat(date + "T10:00").astimezone())
            _check(st, "P1", vid, "pre", "extended", pre)
            _check(st, "P1", vid, "post", "extended", post)
            if i == 0:
                _check(st, "P1", vid, "pre", "flexed", -5.5)
        vid = st.new_visit("P2", dt.datetime(2026, 10, 1, 9).astimezone())
        _check(st, "P2", vid, "pre", "extended", 3.0)
    return path


def test_summary_figures_match_hand_computation(db):
    with open_store(db) as st:
        d = patient_data(st, "P1")
        text = patient_html(d)
    f = d["figures"]
    assert f["mean_pre_abs_mm"] == pytest.approx((6 + 3 + 2) / 3)
    assert f["mean_post_abs_mm"] == pytest.approx((1 + 2.8 + 0.5) / 3)
    assert f["mean_pre_mm"] == pytest.approx(-11 / 3)
    assert (f["even_after"], f["visits_with_post"]) == (1, 3)
    # Visit 1 corrected 5.0 mm; 2.0 of it was lost by visit 2: 60 % kept. Visit 2's 0.2 mm is no correction.
    assert f["mean_retained"] == pytest.approx(0.6) and f["retained_pairs"] == 1
    assert [r["change"].verdict for r in d["rows"]] == ["improved", "no measurable change", "improved"]
    assert d["summary"] == ("Pat Series, 3 visits (2026-09-01 to 2026-09-15): before adjustment the right leg appeared "
                            "short by 3.7 mm on average; after it 1.4 mm; 1 of 3 visits ended even; about 60 % of each "
                            "correction was still there at the next visit.")
    assert d["summary"] in text.replace("&#x27;", "'")
    # The middle visit's 0.2 mm is inside the combined +-0.57 mm: never called an improvement.
    row2 = re.search(r"<tr><td>2026-09-08.*?</tr>", text).group(0)
    assert "no measurable change" in row2 and "improved" not in row2


def test_change_verdicts():
    assert Change(-6.0, 0.4, -1.0, 0.4).verdict == "improved"
    assert Change(-3.0, 0.4, -2.8, 0.4).verdict == "no measurable change"
    assert Change(-1.0, 0.3, -3.0, 0.3).verdict == "worse"
    assert Change(-4.0, 0.3, 3.0, 0.3).verdict == "reversed"
    assert Change(-3.0, 0.4, -2.8, 0.4).combined_unc == pytest.approx(0.4 * 2 ** 0.5)
    assert "no measurable change" in Change(-3.0, 0.4, -2.8, 0.4).sentence()


def test_chart_data_is_the_log(db):
    with open_store(db) as st:
        text = patient_html(patient_data(st, "P1"))
        log = st.checks(chart="P1")
    data = json.loads(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', text, re.S).group(1))
    series = {(s["position"], s["phase"]): s for s in data}
    assert set(series) == {("extended", "pre"), ("extended", "post"), ("flexed", "pre")}
    for (pos, phase), s in series.items():
        want = [c["lld_mm"] for c in log if c["position"] == pos and c["phase"] == phase]
        assert s["lld_mm"] == pytest.approx(want)
        assert s["visit_date"] == [c["visit_date"] for c in log if c["position"] == pos and c["phase"] == phase]
    assert text.count("<svg") == 1


def test_edge_cases_say_so(db):
    with open_store(db) as st:
        none = patient_html(patient_data(st, "P0"))
        one = patient_html(patient_data(st, "P2"))
        ranged = patient_html(patient_data(st, "P1", dt.date(2027, 1, 1)))
        v = st.visits("P2")[0]["id"]
        pre_only = visit_html(visit_data(st, v), st)
    assert "No visits recorded for this patient." in none and "<svg" not in none
    assert "in this period" in ranged and "<svg" not in ranged
    assert "Only one visit so far" in one and "<svg" not in one
    assert "No post-adjustment check was recorded at this visit." in pre_only


def test_amended_checks_are_marked_and_used(db):
    with open_store(db) as st:
        cid = st.checks(chart="P1")[0]["id"]  # visit 1, pre extended, -6.0
        st.amend_check(cid, -7.0, "re-read the photo")
        d = patient_data(st, "P1")
        text = patient_html(d)
        vtext = visit_html(visit_data(st, d["rows"][0]["visit"]["id"]), st)
    assert d["figures"]["mean_pre_abs_mm"] == pytest.approx((7 + 3 + 2) / 3)
    assert "Some checks were amended" in text and "2026-09-01*" in text
    assert "amended check" in vtext


@pytest.fixture(scope="module")
def photo_db(tmp_path_factory, basic):
    """A patient with two visits whose checks carry real photos and annotated photos."""
    from legcheck.pipeline import annotate, measure_photo

    from conftest import profile_of

    scene, photo, truth = basic
    tmp = tmp_path_factory.mktemp("photo_db")
    res = measure_photo(photo, camera=profile_of(scene))
    ann = tmp / "ann.jpg"
    annotate(res, ann)
    path = tmp / "p.sqlite3"
    with open_store(path) as st:
        st.add_patient("PH", "Photo Patient")
        for day, post in ((1, -1.0), (8, -0.5)):
            vid = st.new_visit("PH", dt.datetime(2026, 9, day, 9).astimezone())
            r = dict(res.measurement.to_json())
            st.record_check("PH", "pre", "extended", r, visit_id=vid, photo_path=photo, annotated_path=ann)
            st.record_check("PH", "post", "extended", dict(r, lld_mm=post), visit_id=vid, photo_path=photo, annotated_path=ann)
    return path


def _need(tool):
    if shutil.which(tool) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing in CI: the test set-up (make test) installs it")
        pytest.skip(f"{tool} not installed (make test installs it)")


def test_patient_report_in_headless_chromium(photo_db, tmp_path):
    _need("chromium")
    from _cdp import Browser

    out = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["report", "patient", "PH", "--out", str(out), "--db", str(photo_db)])
    assert res.exit_code == 0, res.output
    b = Browser(find_chromium())
    try:
        session = b.open(out.as_uri())
        n_img = b.evaluate(session, "document.images.length")
        loaded = b.evaluate(session, "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        svg = b.evaluate(session, "document.querySelectorAll('#trend svg').length")
        width = b.evaluate(session, "document.documentElement.scrollWidth")
        urls = b.requests()
    finally:
        b.close()
    assert n_img == 2 and loaded is True and svg == 1
    assert width > 0
    fetched = [u for u in urls if not u.startswith(("file:", "data:", "about:"))]
    assert fetched == [], fetched


def test_pdf_pages_are_a4(photo_db, tmp_path):
    _need("chromium")
    _need("pdftoppm")
    out = tmp_path / "visit.html"
    with open_store(photo_db) as st:
        vid = st.visits("PH")[0]["id"]
    res = CliRunner().invoke(cli, ["report", "visit", str(vid), "--out", str(out), "--pdf", "--csv", "--db", str(photo_db)])
    assert res.exit_code == 0, res.output
    pdf = out.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert 1 <= len(pages) <= 3
    from PIL import Image

    for p in pages:
        w, h = Image.open(p).size
        assert (w, h) == (round(210 / 25.4 * 20), round(297 / 25.4 * 20)) or abs(w - 165) <= 1 and abs(h - 234) <= 1
    rows = out.with_suffix(".csv").read_text().splitlines()
    assert rows[0].startswith("check_id,phase,position") and len(rows) == 3
