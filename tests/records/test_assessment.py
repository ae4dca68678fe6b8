"""The assessment around the leg check in the store (issue 14): every vocabulary checked on entry,
amendments keep the original, the red-flag safeguard and its audited override. A real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from legcheck.errors import RecordConflictError, SafeguardError, UsageError
from legcheck.records import open_store
from legcheck.records.assessment_terms import (OUTCOMES, RED_FLAGS, REACTION_ACTIONS, REACTION_KINDS, SEVERITIES,
                                               SYMPTOM_GROUPS, SYMPTOMS, THERAPIES)


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "a.sqlite3", create=True) as store:
        store.add_patient("A1", "Ann Assess")
        store.vid = store.new_visit("A1", dt.datetime(2026, 9, 8, 9).astimezone())
        yield store


def test_the_vocabularies_are_the_issues_lists():
    assert list(SYMPTOM_GROUPS["musculoskeletal"].values()) == [
        "back spasm", "low back pain", "hip or buttock pain", "neck pain or stiffness", "spinal stiffness",
        "shoulder or arm pain", "leg or buttock numbness or tingling", "muscle weakness", "curvature"]
    assert list(SYMPTOM_GROUPS["neurological"].values()) == [
        "numbness, pain or tingling in arms, legs, shoulder or buttocks", "sciatica", "tension headache"]
    assert list(RED_FLAGS.values()) == [
        "numbness or weakness on one side of the body", "balance or coordination problems",
        "loss of sensation in a limb", "loss of bladder or bowel control", "muscle weakness in arms or legs",
        "pain with fever or nausea"]
    assert list(THERAPIES) == ["ist", "ice", "heat", "massage", "e-stim", "other"]
    assert list(REACTION_KINDS.values()) == ["spasm", "increased pain", "dizziness", "other"]
    assert list(REACTION_ACTIONS.values()) == ["ice", "rest", "massage", "referral to emergency care", "other"]


@pytest.mark.parametrize("item,allowed", [
    ({"kind": "symptom", "term": "headache"}, SYMPTOMS),
    ({"kind": "red-flag", "term": "fever"}, RED_FLAGS),
    ({"kind": "therapy", "term": "cupping"}, THERAPIES),
    ({"kind": "pain", "term": "during", "nrs": 3}, ("pre", "post")),
    ({"kind": "mood", "term": "low"}, ("pain", "symptom", "red-flag", "therapy")),
])
def test_every_assessment_term_is_checked_naming_the_allowed_ones(st, item, allowed):
    with pytest.raises(UsageError, match="is not one of " + ", ".join(allowed)):
        st.record_assessment(st.vid, [item])
    assert st.assessment_items(visit_id=st.vid, history=True) == []


@pytest.mark.parametrize("changes,allowed", [
    ({"kind": "fainting"}, REACTION_KINDS), ({"severity": "extreme"}, SEVERITIES),
    ({"actions": ["ice", "prayer"]}, REACTION_ACTIONS), ({"outcome": "fine"}, OUTCOMES),
])
def test_every_reaction_term_is_checked_naming_the_allowed_ones(st, changes, allowed):
    values = {"kind": "spasm", "severity": "mild", **changes}
    with pytest.raises(UsageError, match="is not one of " + ", ".join(allowed)):
        st.record_reaction(st.vid, **values)
    assert st.reactions(history=True) == []


@pytest.mark.parametrize("item,words", [
    ({"kind": "pain", "term": "pre", "nrs": 11}, "whole number from 0 to 10"),
    ({"kind": "pain", "term": "pre", "nrs": 6.5}, "whole number from 0 to 10"),
    ({"kind": "therapy", "term": "ist", "minutes": -5}, "outside 0 to 1440"),
    ({"kind": "therapy", "term": "other"}, "needs its description"),
    ({"kind": "symptom", "term": "sciatica", "nrs": 3}, "takes no pain rating"),
])
def test_figures_out_of_range_are_refused(st, item, words):
    with pytest.raises(UsageError, match=words):
        st.record_assessment(st.vid, [item])


def test_an_item_given_again_is_an_amendment_keeping_the_original(st):
    (pain,) = st.record_assessment(st.vid, [{"kind": "pain", "term": "pre", "nrs": 6}])
    with pytest.raises(RecordConflictError, match=r"already has a pain rating before the adjustment \(6/10\)"):
        st.record_assessment(st.vid, [{"kind": "pain", "term": "pre", "nrs": 5}])
    (new,) = st.record_assessment(st.vid, [{"kind": "pain", "term": "pre", "nrs": 5}], reason="misheard: five")
    assert new["amended"] and [i["nrs"] for i in st.assessment_items(visit_id=st.vid)] == [5]
    hist = st.assessment_items(visit_id=st.vid, history=True)
    assert [(i["id"], i["nrs"], i["superseded_by"], i["reason"]) for i in hist] == [
        (pain["id"], 6, new["id"], None), (new["id"], 5, None, "misheard: five")]
    st.void_assessment_item(new["id"], "asked the wrong patient")
    assert st.assessment_items(visit_id=st.vid) == []
    assert [i["voided"] for i in st.assessment_items(visit_id=st.vid, history=True)] == [None, None, 1]


def test_an_open_red_flag_refuses_the_adjustment_until_overridden_and_audits_the_override(st):
    (flag,) = st.record_assessment(st.vid, [{"kind": "red-flag", "term": "bladder-bowel"}])
    with pytest.raises(SafeguardError) as err:
        st.add_adjustment(st.vid, "lumbar")
    assert err.value.exit_code == 15 and "loss of bladder or bowel control" in err.value.message
    assert st.adjustments(st.vid) == []
    adj = st.add_adjustment(st.vid, "lumbar", override_red_flag="referred; patient insisted, consent signed")
    (row,) = st.adjustments(st.vid)
    assert row["red_flag_override"] == "referred; patient insisted, consent signed"
    con = sqlite3.connect(st.location)
    action, detail = con.execute("SELECT action, detail FROM audit WHERE record_table = 'adjustments' "
                                 "AND record_id = ?", (adj,)).fetchone()
    assert action == "override" and json.loads(detail) == {
        "open_red_flags": [flag["id"]], "red_flag_override": True}  # ids, never the reason's words
    st.clear_red_flag(st.vid, "bladder-bowel", "seen in the emergency department, cleared")
    assert st.open_red_flags(st.vid) == []
    plain = st.add_adjustment(st.vid, "pelvic")  # closed: no override needed
    assert st.adjustments(st.vid)[-1]["id"] == plain and st.adjustments(st.vid)[-1]["red_flag_override"] is None
    with pytest.raises(RecordConflictError, match="already cleared"):
        st.clear_red_flag(st.vid, "bladder-bowel", "again")
    st.record_assessment(st.vid, [{"kind": "red-flag", "term": "bladder-bowel"}], reason="symptoms came back")
    assert [f["term"] for f in st.open_red_flags(st.vid)] == ["bladder-bowel"]  # recorded again: open again
    assert st.check_integrity()["ok"]


def test_a_reaction_is_recorded_amended_and_followed_up(st):
    rid = st.record_reaction(st.vid, "spasm", "severe", onset_min=3, duration_min=20, actions=["ice", "rest"],
                             note="lumbar spasm standing up from the IST table")
    with pytest.raises(UsageError, match="before the visit"):
        st.record_reaction(st.vid, "dizziness", "mild", follow_up="2026-09-01")
    with pytest.raises(UsageError, match="'other' needs its description"):
        st.record_reaction(st.vid, "spasm", "mild", actions=["other"])
    new = st.amend_reaction(rid, "settled; follow-up booked", outcome="resolved", follow_up="2026-09-09")
    (cur,) = st.reactions(visit_id=st.vid)
    assert (cur["id"], cur["actions"], cur["outcome"], cur["follow_up"], cur["onset_min"]) == (
        new, ["ice", "rest"], "resolved", "2026-09-09", 3.0)
    old, _ = st.reactions(visit_id=st.vid, history=True)
    assert old["outcome"] is None and old["superseded_by"] == new
