"""Hostile use of the visit log, on both backends (tests/conftest.py ``db_location``): what a
correction's free text may reach, look-alike chart numbers, lengths, dates."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image

from legcheck.errors import UsageError
from legcheck.records import open_store

RESULT = {"lld_mm": 2.5, "short_leg": "left", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}
NAME = "Jane Marple"  # what must never reach the audit chain through a reason


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def st(db_location):
    with open_store(db_location, actor="dr-test", create=True) as store:
        store.add_patient("C1", NAME, notes=f"{NAME} is allergic to latex")
        store.vid = store.new_visit("C1")
        yield store


def _audit_details(st) -> list[str]:
    with st._read() as conn:
        return [r["detail"] or "" for r in st._rows(conn, "SELECT detail FROM audit ORDER BY id")]


def test_no_correction_reason_reaches_the_audit_chain(st):
    why = f"{NAME} asked for it"
    st.edit_patient("C1", notes="moved", reason=why)
    cid = st.record_check("C1", "pre", "extended", RESULT, photo=_jpeg(), visit_id=st.vid)["check_id"]
    st.amend_check(cid, 1.5, why, uncertainty_mm=0.5)
    flag = st.record_assessment(st.vid, [{"kind": "red-flag", "term": "balance-coordination"}])[0]
    adj = st.add_adjustment(st.vid, "lumbar", override_red_flag=f"{NAME} referred, insisted")
    st.void_adjustment(adj, why)
    st.clear_red_flag(st.vid, "balance-coordination", why)
    rid = st.record_reaction(st.vid, "spasm", "mild")
    st.amend_reaction(rid, why, severity="moderate")
    st.record_assessment(st.vid, [{"kind": "pain", "term": "pre", "nrs": 3}])
    st.record_assessment(st.vid, [{"kind": "pain", "term": "pre", "nrs": 4}], reason=why)
    details = _audit_details(st)
    assert flag and len(details) > 10
    assert not [d for d in details if "Marple" in d or "referred" in d or "asked" in d]
    # ... while the reasons stay readable in the records themselves
    with st._read() as conn:
        rows = st._rows(conn, "SELECT red_flag_override, reason FROM adjustments ORDER BY id")
        amended = st._rows(conn, "SELECT reason FROM checks WHERE supersedes IS NOT NULL")
    assert rows[0]["red_flag_override"] == f"{NAME} referred, insisted" and rows[1]["reason"] == why
    assert amended == [{"reason": why}]


@pytest.mark.parametrize("when,words", [
    (dt.datetime(9999, 12, 31, 10, 0), "in the future"), (dt.datetime(1, 1, 1), "before 1990"),
    (dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-13))), "time zone"), ("2024-01-01", "date and time"),
])
def test_a_hostile_visit_time_is_refused_by_the_store(st, when, words):
    with pytest.raises(UsageError, match=words):
        st.new_visit("C1", when)
    assert len(st.visits("C1")) == 1


@pytest.mark.parametrize("chart,words", [
    ("\u04211", "U+0421 CYRILLIC CAPITAL LETTER ES"),  # Cyrillic Es + 1: "С1" is "C1" on paper
    ("C\u03011", "LATIN CAPITAL LETTER C WITH ACUTE"),  # a mark on the C
    ("Cl", "0/O, 1/l/I"), ("CI", "0/O, 1/l/I"), (" c1 ", "already a patient"), ("c\u200b1", "invisible"),
])
def test_a_lookalike_chart_number_is_refused(st, chart, words):
    from legcheck.errors import LegcheckError

    with pytest.raises(LegcheckError, match=re.escape(words)) as err:
        st.add_patient(chart, "Someone Else")
    assert err.value.exit_code in (2, 9) and "\n" not in err.value.message
    assert [p["chart"] for p in st.patients()] == ["C1"]


def test_an_edited_chart_number_may_not_look_like_another(st):
    from legcheck.errors import RecordConflictError

    st.add_patient("C2", "Bob")
    with pytest.raises(RecordConflictError, match="looks like the existing patient's chart number C1"):
        st.edit_patient("C2", new_chart="\u0421l")
    st.edit_patient("C1", new_chart="C1-A")  # its own old number does not count against it
    assert sorted(p["chart"] for p in st.patients()) == ["C1-A", "C2"]


@pytest.mark.parametrize("call,limit", [
    (lambda s: s.add_patient("C" * 41, "N"), 40),
    (lambda s: s.add_patient("C9", "N" * 201), 200),
    (lambda s: s.add_patient("C9", "N", notes="x" * 4001), 4000),
    (lambda s: s.new_visit("C1", notes="x" * 4001), 4000),
    (lambda s: s.edit_patient("C1", name="N" * 201), 200),
    (lambda s: s.void_adjustment(s.add_adjustment(s.vid, "lumbar"), "x" * 4001), 4000),
])
def test_length_limits(st, call, limit):
    with pytest.raises(UsageError, match=f"keep it to {limit}$"):
        call(st)
    assert [p["chart"] for p in st.patients()] == ["C1"]
