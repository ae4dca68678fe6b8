"""The words and numbers of the reports for the cases of issue 13, in a database made here: a side
change, repeats that disagree, the header, dates instead of ids, colour only where something is
wrong, the patient's plain line, every position, inches, and byte-identical output."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from _bundles import patient_bundle, visit_bundle

from legcheck import __version__
from legcheck.records import open_store
from legcheck.reports.csvout import csv_rows_patient, csv_rows_visit
from legcheck.reports.data import patient_data, visit_data
from legcheck.reports.html import patient_html, visit_html

BASE = {"short_leg": "right", "method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90],
        "warnings": [], "image": {}, "even_below_mm": 1.0}
MADE = dict(clinic="Back Bay Chiropractic", made_at="2026-09-20")


def _check(st, vid, phase, position, lld, unc):
    st.record_check("S1", phase, position, dict(BASE, lld_mm=lld, uncertainty_mm=unc), visit_id=vid)


@pytest.fixture
def db(tmp_path):
    """Visit 1: left short 4.9 -> right short 4.5, every position. Visit 2: two post checks that disagree."""
    path = tmp_path / "w.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("S1", "Sam Side", "1970-05-02")
        v1 = st.new_visit("S1", dt.datetime(2026, 9, 1, 9).astimezone(), practitioner="Dr Ada Thompson")
        _check(st, v1, "pre", "extended", 4.9, 0.8)
        _check(st, v1, "post", "extended", -4.5, 0.8)
        _check(st, v1, "pre", "flexed", 3.0, 0.4)
        _check(st, v1, "post", "flexed", 0.5, 0.4)
        _check(st, v1, "pre", "head-left", 2.0, 0.4)
        _check(st, v1, "pre", "head-right", 4.0, 0.4)
        v2 = st.new_visit("S1", dt.datetime(2026, 9, 8, 9).astimezone(), practitioner="Dr Ada Thompson")
        _check(st, v2, "pre", "extended", -4.0, 0.4)
        _check(st, v2, "post", "extended", -4.52, 0.15)
        _check(st, v2, "post", "extended", 0.37, 0.17)
    return path


def _visit(db, n, units=None):
    with open_store(db) as st:
        return visit_data(visit_bundle(st, st.visits("S1")[n]["id"]), units=units, **MADE)


def _patient(db, units=None):
    with open_store(db) as st:
        return patient_data(patient_bundle(st, "S1"), units=units, **MADE)


def test_side_change_in_the_visit_report_and_its_csv(db):
    d = _visit(db, 0)
    text = visit_html(d)
    assert d["headline"] == ("Legs extended: left short 4.9 → right short 4.5 mm: the short side changed, "
                             "by 9.4 mm (± 1.1)")
    assert d["patient_line"] == ("Before the adjustment your left leg looked 4.9 mm shorter; after it your right leg "
                                 "looked 4.5 mm shorter.")
    assert d["headline"] in text and d["patient_line"] in text
    assert "reversed by 0.4" not in text
    assert '<span class="wrong">the short side changed, by 9.4 mm (± 1.1)</span>' in text  # wrong: coloured
    assert "<span>evened, by 2.5 mm (± 0.6)</span>" in text  # knees flexed improved: no colour
    rows = csv_rows_patient(_patient(db))
    ext = rows[0]
    assert (ext["pre_lld_mm"], ext["post_lld_mm"], ext["change_mm"], ext["change_uncertainty_mm"]) == (
        4.9, -4.5, -9.4, 1.131)
    assert ext["change"] == "left short 4.9 → right short 4.5 mm: the short side changed, by 9.4 mm (± 1.1)"


def test_repeats_that_disagree_are_marked(db):
    d = _visit(db, 1)
    text = visit_html(d)
    post = d["positions"][0]["post"]
    assert (post["n"], round(post["lld_mm"], 3), round(post["uncertainty_mm"], 2)) == (2, -2.075, 31.07)
    assert post["repeats_disagree"] is True
    assert d["notes"][0] == ("The 2 checks after the adjustment with the legs extended disagree beyond their bounds: "
                             "retake them.")
    assert "After: right short 2.1 mm ± 31.1 (mean of 2) <span class=\"flag\">⚠ repeats disagree: retake</span>" in text
    assert d["patient_line"] == "The checks of this visit disagreed with each other, so they need to be taken again."
    p = _patient(db)
    rows = csv_rows_patient(p)
    assert (rows[-1]["post_lld_mm"], rows[-1]["post_uncertainty_mm"], rows[-1]["post_repeats_disagree"]) == (
        -2.075, 31.067, True)
    # The summary leaves the doubtful mean out: 1 visit counted after the adjustment, not 2.
    assert p["figures"]["visits_with_post"] == 1
    assert "repeats disagree: retake" in patient_html(p)


def test_header_dates_and_colour(db):
    v, p = visit_html(_visit(db, 0)), patient_html(_patient(db))
    for text in (v, p):
        assert '<p class="clinic">Back Bay Chiropractic</p>' in text
        assert "<dt>Patient</dt><dd>Sam Side, chart S1</dd>" in text and "<dt>Born</dt><dd>1970-05-02</dd>" in text
        assert "<dt>Practitioner</dt><dd>Dr Ada Thompson</dd>" in text
        assert f"<dt>Made</dt><dd>2026-09-20, legcheck {__version__}</dd>" in text
        assert not re.search(r"\bvisits? \d", text)  # dates, never database ids
    holding = p[p.index("Holding between visits"):]
    assert "2026-09-01</td><td data-label=\"at the next visit\">2026-09-08" in holding
    assert 'class="wrong"' not in holding  # the Holding table is not all red


def test_every_position_in_the_patient_report(db):
    d = _patient(db)
    text = patient_html(d)
    assert d["positions"] == ["extended", "flexed", "head-left", "head-right"]
    assert re.findall(r'data-position="([a-z-]+)"', text) == ["extended", "flexed", "head-left", "head-right"]
    others = text[text.index("Other positions"):text.index("Holding between visits")]
    assert others.count("<tr><td") == 3
    assert "knees flexed</td><td class=\"num\" data-label=\"before\">left short 3.0 mm ± 0.4" in others
    assert "even 0.5 mm ± 0.4" in others and "evened, by 2.5 mm (± 0.6)" in others  # post-flexed
    assert "head turned left" in others and "head turned right" in others


def test_inches(db):
    d = _visit(db, 0, "in")
    assert d["headline"] == ('Legs extended: left short 3/16" → right short 3/16": the short side changed, '
                             'by 3/8" (± 1/16")')
    rows = csv_rows_visit(d)
    assert (rows[0]["lld_mm"], rows[0]["lld_in"], rows[0]["uncertainty_in"]) == (4.9, 0.1929, 0.0315)
    assert list(rows[0])[5:9] == ["lld_mm", "lld_in", "uncertainty_mm", "uncertainty_in"]
    p = _patient(db, "in")
    text = patient_html(p)
    assert text.count("<!-- Left leg short ↑ / Right leg short ↓ (in) -->") == 4
    assert 'left short 3/16" ± 1/16"' in text.replace("&#34;", '"')
    assert csv_rows_patient(p)[0]["change_in"] == -0.3701
    assert "mm" not in csv_rows_patient(_patient(db))[0]["change"].replace(" mm", "")  # one unit, once


def test_units_follow_the_settings_and_output_is_reproducible(db, monkeypatch):
    with open_store(db) as st:
        bundle = dict(visit_bundle(st, st.visits("S1")[0]["id"]), settings={"units": "in", "clinic_name": "Stored"})
    d = visit_data(bundle)
    assert d["units"] == "in" and d["settings"]["clinic"] == "Stored"
    assert visit_data(bundle, units="mm")["units"] == "mm"  # the argument wins
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # 2026-09-21 UTC
    assert visit_data(bundle)["settings"]["made"] == "2026-09-21"
    assert patient_html(_patient(db)) == patient_html(_patient(db))
    assert visit_html(_visit(db, 0)) == visit_html(_visit(db, 0))


def test_holding_is_not_known_when_repeats_disagree():
    from legcheck.reports.change import Change
    from legcheck.reports.summary import series_figures

    def mean(v, disagree=False):
        return {"lld_mm": v, "uncertainty_mm": 0.4, "n": 2, "repeats_disagree": disagree}

    rows = [{"visit": {"id": 1, "visit_date": "2026-09-01"}, "derifield": None, "pd_side": None,
             "means": {("pre", "extended"): mean(-6.0), ("post", "extended"): mean(-1.0)},
             "change": Change(-6.0, 0.4, -1.0, 0.4)},
            {"visit": {"id": 2, "visit_date": "2026-09-08"}, "derifield": None, "pd_side": None,
             "means": {("pre", "extended"): mean(-3.0, disagree=True)}, "change": None}]
    f = series_figures(rows)
    assert (f["pairs"][0]["retained"], f["pairs"][0]["held"]) == (None, "not known: repeats disagree")
    assert f["mean_retained"] is None and f["visits_with_pre"] == 1  # the doubtful pre is not counted
    rows[1]["means"][("pre", "extended")]["repeats_disagree"] = False
    assert series_figures(rows)["pairs"][0]["held"] == "60 % of the improvement"
