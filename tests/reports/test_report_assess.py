"""The assessment in the reports (issue 14), from a database made here: pain means and the pain
panel's data against the store, the red flag at the top of both reports, the table of therapies
and reactions, the reaction's timeline, and whether pain and the short-leg figure moved together."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from _bundles import patient_bundle, visit_bundle

from legcheck.records import open_store
from legcheck.reports.assess import pain_and_legs_sentence
from legcheck.reports.data import patient_data, visit_data
from legcheck.reports.html import patient_html, visit_html

BASE = {"method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90], "warnings": [], "image": {},
        "even_below_mm": 1.0}
#: (date, pre extended, post extended, pain before, pain after); every bound 0.4 mm.
SERIES = [("2026-09-01", 6.0, 1.5, 7, 5), ("2026-09-08", 4.0, 0.5, 5, 3), ("2026-09-15", 2.0, 0.2, 2, 1)]
MADE = dict(made_at="2026-09-20")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "a.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("P1", "Pia Pain", "1960-03-04")
        for n, (date, pre, post, pain_pre, pain_post) in enumerate(SERIES, start=1):
            vid = st.new_visit("P1", dt.datetime.fromisoformat(date + "T09:00").astimezone())
            for phase, lld in (("pre", pre), ("post", post)):
                st.record_check("P1", phase, "extended", dict(BASE, lld_mm=lld, uncertainty_mm=0.4,
                                                              short_leg="left" if lld >= 1 else "even"), visit_id=vid)
            st.record_assessment(vid, [{"kind": "pain", "term": "pre", "nrs": pain_pre},
                                       {"kind": "pain", "term": "post", "nrs": pain_post},
                                       {"kind": "therapy", "term": "ist", "minutes": 10}])
            if n == 2:
                st.record_assessment(vid, [{"kind": "symptom", "term": "back-spasm", "note": "after lifting a pan"}])
                st.record_reaction(vid, "spasm", "severe", onset_min=3, duration_min=20, actions=["ice", "rest"],
                                   outcome="resolved", follow_up="2026-09-09")
            if n == 3:
                st.record_assessment(vid, [{"kind": "red-flag", "term": "bladder-bowel"}])
    return path


def _patient(db):
    with open_store(db) as st:
        return patient_data(patient_bundle(st, "P1"), **MADE)


def _visit(db, n):
    with open_store(db) as st:
        return visit_data(visit_bundle(st, st.visits("P1")[n]["id"]), **MADE)


def test_pain_means_and_the_summary_words(db):
    d = _patient(db)
    assert d["pain"] == {"pre_mean": 14 / 3, "pre_n": 3, "post_mean": 3.0, "post_n": 3, "first_pre": 7, "last_pre": 2}
    assert d["summary"].endswith(
        "Pain before the adjustment averaged 4.7/10 (3 visits), after it 3.0/10 (3 visits). "
        "Pain and the short-leg figure fell together: pain before the adjustment went from 7/10 to 2/10 and the "
        "difference from 6.0 mm to 2.0 mm (2026-09-01 to 2026-09-15); an association across visits, not a cause.")
    html = patient_html(d)
    assert "<b>4.7 → 3.0</b>" in html


def test_the_pain_panel_draws_the_stored_ratings_on_the_trend_dates(db):
    d = _patient(db)
    html = patient_html(d)
    panel = json.loads(re.search(r'<script type="application/json" id="pain-data">(.*?)</script>', html).group(1))
    trend = json.loads(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', html).group(1))
    with open_store(db) as st:
        stored = {(i["visit_id"], i["term"]): i["nrs"] for i in st.assessment_items(chart="P1") if i["kind"] == "pain"}
        dates = {v["id"]: v["visit_date"] for v in st.visits("P1")}
    for ser in panel:
        assert ser["nrs"] == [stored[(v, ser["phase"])] for v in ser["visit_id"]]
        assert ser["visit_date"] == [dates[v] for v in ser["visit_id"]]
    assert [s["phase"] for s in panel] == ["pre", "post"]
    assert panel[0]["visit_date"] == trend[0]["visit_date"]  # the same dates as the leg figures
    assert html.count("Pain (0–10)") >= 2 and "<!-- Pain (0–10) -->" in html  # the panel's axis in the SVG


def test_an_open_red_flag_heads_both_reports(db):
    visit = visit_html(_visit(db, 2))
    banner = "red flag recorded: loss of bladder or bowel control — refer for immediate medical care"
    assert f'<p class="redflag" role="alert">⚠ {banner}</p>' in visit
    assert visit.index(banner) < visit.index('<p class="summary">')
    patient = patient_html(_patient(db))
    dated = "red flag recorded: loss of bladder or bowel control (2026-09-15) — refer for immediate medical care"
    assert f'<p class="redflag" role="alert">⚠ {dated}</p>' in patient
    assert patient.index(dated) < patient.index('<p class="summary">')
    assert '<p class="redflag"' not in visit_html(_visit(db, 0))
    with open_store(db) as st:
        st.clear_red_flag(st.visits("P1")[2]["id"], "bladder-bowel", "seen in the emergency department, cleared")
    cleared = patient_html(_patient(db))
    assert '<p class="redflag"' not in cleared
    assert ("Red flag cleared: loss of bladder or bowel control (2026-09-15): seen in the emergency department, "
            "cleared") in cleared


def test_therapies_and_reactions_table_and_the_reaction_timeline(db):
    patient = patient_html(_patient(db))
    table = patient[patient.index('id="therapies"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 4  # header + 3 visits
    assert ('<td data-label="pain">6/10' not in table and '<td data-label="pain">5/10 → 3/10</td>' in table
            and "intersegmental traction (IST), 10 min" in table)
    assert ("spasm (severe), 3 min after the adjustment, lasted 20 min; ice, rest; resolved; follow-up 2026-09-09"
            in table)
    visit = visit_html(_visit(db, 1))
    steps = re.findall(r'<li><span class="at">(.*?)</span>(.*?)</li>', visit)
    assert steps == [("0 min", "adjustment"), ("+3 min", "spasm began (severe)"), ("·", "done: ice, rest"),
                     ("+23 min", "settled after 20 min"), ("·", "outcome: resolved"), ("2026-09-09", "follow-up")]
    assert "back spasm (after lifting a pan)" in visit and "<td>5/10 → 3/10</td>" in visit
    assert 'class="timeline"' not in visit_html(_visit(db, 0))


def _rows(pairs):
    return [{"visit": {"visit_date": f"2026-09-0{i + 1}"}, "pain": {"pre": p},
             "means": {("pre", "extended"): {"lld_mm": lld, "uncertainty_mm": 0.4}}} for i, (p, lld) in enumerate(pairs)]


@pytest.mark.parametrize("pairs,lead", [
    ([(3, 2.0), (7, 6.0)], "Pain and the short-leg figure rose together"),
    ([(7, 2.0), (2, 6.0)], "Pain fell while the short-leg figure rose: they moved in opposite directions"),
    ([(7, 4.0), (2, 4.2)], "Pain fell while the short-leg figure held steady: they did not move together"),
    ([(5, 6.0), (4, -1.0)], "Pain held steady while the short-leg figure fell: they did not move together"),
    ([(5, 3.0), (5, 3.1)], "Pain and the short-leg figure both held steady"),
])
def test_whether_pain_and_the_leg_figure_moved_together(pairs, lead):
    assert pain_and_legs_sentence(_rows(pairs)).startswith(lead)
    assert pain_and_legs_sentence(_rows(pairs[:1])) is None
