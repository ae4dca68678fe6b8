"""The visit log's behaviour through the Store protocol, the same on both backends: every test runs on a
real SQLite file and on a real PostgreSQL database (the ``db_location`` fixture, tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from legcheck.errors import RecordConflictError, RecordNotFoundError, UsageError
from legcheck.records import open_store
from legcheck.records.bundles import visit_summary
from legcheck.records.protocol import Store
from legcheck.records.vocabulary import derive_derifield

RESULT = {"lld_mm": 2.0, "short_leg": "left", "uncertainty_mm": 0.4, "method": "tabs", "left_heel_mm": [0, 2, 90],
          "right_heel_mm": [200, 0, 90], "warnings": [], "image": {}, "even_below_mm": 1.0}


@pytest.fixture
def st(db_location):
    with open_store(db_location, actor="dr-test", create=True) as store:
        store.add_patient("C1", "Alice Adams")
        store.add_patient("C2", "Bob Brown")
        yield store


def test_the_store_is_a_store(st):
    assert isinstance(st, Store)
    assert st.location.endswith("legcheck.sqlite3") or st.location.startswith("postgresql://postgres@/t")


def test_amendment_keeps_old_value(st):
    cid = st.record_check("C1", "pre", "extended", RESULT)["check_id"]
    new = st.amend_check(cid, -1.5, "heel tab was on the shoe seam", author="dr-test", uncertainty_mm=1.0)
    cur = st.checks(chart="C1")
    assert [c["id"] for c in cur] == [new] and cur[0]["lld_mm"] == -1.5 and cur[0]["short_leg"] == "right"
    assert cur[0]["amended"] and cur[0]["reason"] == "heel tab was on the shoe seam"
    chain = st.history(new)
    assert [c["id"] for c in chain] == [cid, new] and chain[0]["lld_mm"] == 2.0
    assert [c["superseded_by"] for c in st.checks(chart="C1", history=True)] == [new, None]
    with pytest.raises(RecordConflictError, match="already amended"):
        st.amend_check(cid, 0.0, "again", uncertainty_mm=1.0)
    with pytest.raises(UsageError, match="needs a reason"):
        st.amend_check(new, 0.0, "  ", uncertainty_mm=1.0)
    with pytest.raises(RecordNotFoundError):
        st.amend_check(999, 0.0, "no such check", uncertainty_mm=1.0)


@pytest.mark.parametrize("extended,flexed,expected", [
    (4.0, 3.5, "negative"),   # left short stays short
    (4.0, 0.4, "positive"),   # evens
    (-5.0, 3.0, "positive"),  # right short becomes long
    (4.0, None, None),        # no flexed check
])
def test_derifield_four_cases(st, extended, flexed, expected):
    assert derive_derifield(extended, flexed) == expected
    vid = st.new_visit("C1")
    st.record_check("C1", "pre", "extended", dict(RESULT, lld_mm=extended), visit_id=vid)
    if flexed is not None:
        st.record_check("C1", "pre", "flexed", dict(RESULT, lld_mm=flexed), visit_id=vid)
    s = visit_summary(st, vid)
    assert s["derifield"] == expected
    st.set_findings(vid, derifield="negative")
    s = visit_summary(st, vid)
    assert s["derifield"] == "negative" and s["derifield_overridden"] and s["derifield_derived"] == expected


def test_repeats_use_the_mean(st):
    vid = st.new_visit("C1")
    for v in (3.0, 4.0, 5.0):
        st.record_check("C1", "pre", "extended", dict(RESULT, lld_mm=v, uncertainty_mm=0.6), visit_id=vid)
    m = visit_summary(st, vid)["means"][0]
    assert m["n"] == 3 and m["lld_mm"] == pytest.approx(4.0)
    # The repeats' spread (t = 4.3027 for 2 degrees of freedom, s = 1) outweighs the propagated
    # 0.6 / sqrt(3), and 3, 4, 5 +- 0.6 disagree beyond their bounds (legcheck.repeats).
    assert m["uncertainty_mm"] == pytest.approx(4.3027 * 1.0 / 3 ** 0.5) and m["repeats_disagree"] is True


def test_bad_references(st):
    vid = st.new_visit("C2")
    with pytest.raises(RecordNotFoundError):
        st.record_check("NOPE", "pre", "extended", RESULT)
    with pytest.raises(RecordConflictError, match="belongs to chart C2"):
        st.record_check("C1", "pre", "extended", RESULT, visit_id=vid)
    with pytest.raises(UsageError, match="middle"):
        st.record_check("C1", "middle", "extended", RESULT)
    with pytest.raises(RecordConflictError, match="already a patient"):
        st.add_patient("C1", "Someone Else")
    assert st.checks() == [] and len(st.visits("C1")) == 0


def test_bad_arguments_are_usage_errors(st):
    vid = st.new_visit("C1")
    for call in (lambda: st.add_patient(" ", "Nobody"), lambda: st.add_patient("C9", "Dee", dob="1980-13-01"),
                 lambda: st.add_adjustment(vid, "knee"), lambda: st.add_adjustment(vid, "pelvic", side="up"),
                 lambda: st.set_findings(vid, derifield="maybe"), lambda: st.set_findings(vid, pd_side="both")):
        with pytest.raises(UsageError):
            call()
    assert st.adjustments(vid) == [] and st.findings(vid) == []


def test_findings_and_adjustments_keep_their_order(st):
    vid = st.new_visit("C1")
    st.add_adjustment(vid, "pelvic", "right", "PI right ilium")
    st.add_adjustment(vid, "lumbar")
    st.set_findings(vid, pd_side="left")
    st.set_findings(vid, listing="PI right ilium")
    assert [a["piece"] for a in st.adjustments(vid)] == ["pelvic", "lumbar"]
    assert [(f["pd_side"], f["listing"]) for f in st.findings(vid)] == [("left", None), (None, "PI right ilium")]
    with pytest.raises(RecordNotFoundError):
        st.add_adjustment(999, "pelvic")


def test_visit_for_check_uses_the_days_visit(st):
    morning = dt.datetime(2026, 3, 2, 9).astimezone()
    vid = st.new_visit("C1", morning)
    assert st.visit_for_check("C1", when=morning.replace(hour=11)) == vid
    other = st.visit_for_check("C1", when=morning + dt.timedelta(days=1))
    assert other != vid and [v["id"] for v in st.visits("C1")] == [vid, other]
    assert st.visit_for_check("C1", vid) == vid
    with pytest.raises(RecordConflictError):
        st.visit_for_check("C2", vid)


def test_patients_list_counts_visits(st):
    st.new_visit("C2", dt.datetime(2026, 1, 5, 9).astimezone())
    rows = {p["chart"]: p for p in st.patients()}
    assert rows["C2"]["visits"] == 1 and rows["C2"]["last_visit"] == "2026-01-05"
    assert rows["C1"]["visits"] == 0 and rows["C1"]["last_visit"] is None


def test_other_database_urls_are_refused_without_their_password(tmp_path):
    with pytest.raises(UsageError, match="mysql:// databases are not supported") as err:
        open_store("mysql://clinic:secret@db/legcheck")
    assert "secret" not in err.value.message
