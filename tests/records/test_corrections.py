"""Corrections on the append-only store (issue 13): every one a new version with author, time and
reason, the original readable; voids hidden from figures; checks on entry; the configuration;
an older database migrated with its hashes intact. A real SQLite file, no mocks."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from legcheck.errors import DuplicatePhotoError, RecordConflictError, RecordNotFoundError, UsageError
from legcheck.records import open_store
from legcheck.records.bundles import visit_summary

RESULT = {"lld_mm": 4.9, "short_leg": "left", "uncertainty_mm": 0.8, "method": "tabs", "warnings": [], "image": {},
          "even_below_mm": 1.0}


def _jpeg(colour=(10, 200, 30)) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "c.sqlite3", create=True) as store:
        store.add_patient("C1042", "José Núñez", "1970-01-02")
        store.add_patient("C2", "Other Person")
        store.v1 = store.new_visit("C1042", dt.datetime(2026, 9, 1, 9).astimezone())
        store.v2 = store.new_visit("C1042", dt.datetime(2026, 9, 8, 9).astimezone())
        store.other = store.new_visit("C2", dt.datetime(2026, 9, 1, 10).astimezone())
        yield store


def _check(st, vid, phase="pre", position="extended", lld=4.9, unc=0.8, **kw):
    return st.record_check("C1042", phase, position, dict(RESULT, lld_mm=lld, uncertainty_mm=unc), visit_id=vid,
                           **kw)["check_id"]


def test_a_typed_figure_needs_its_own_bound_and_is_marked_manual(st):
    cid = _check(st, st.v1)
    with pytest.raises(UsageError, match="needs its uncertainty"):
        st.amend_check(cid, -1.5, "re-read")
    new = st.amend_check(cid, -1.5, "re-read the photo", uncertainty_mm=1.5)
    (cur,) = st.checks(chart="C1042")
    assert (cur["id"], cur["lld_mm"], cur["uncertainty_mm"], cur["method"], cur["short_leg"]) == (
        new, -1.5, 1.5, "manual entry", "right")
    result = json.loads(cur["result_json"])
    assert result["measured_method"] == "tabs" and result["amended_from"] == cid
    old, _ = st.history(new)
    assert (old["lld_mm"], old["uncertainty_mm"], old["method"]) == (4.9, 0.8, "tabs")  # the original, readable


def test_phase_position_and_visit_are_amended_never_to_another_patient(st):
    cid = _check(st, st.v1)
    new = st.amend_check(cid, phase="post", position="flexed", visit_id=st.v2, reason="recorded under the wrong visit")
    (cur,) = st.checks(chart="C1042")
    assert (cur["id"], cur["phase"], cur["position"], cur["visit_id"], cur["lld_mm"]) == (new, "post", "flexed",
                                                                                         st.v2, 4.9)
    assert st.checks(visit_id=st.v1) == []
    with pytest.raises(RecordConflictError, match="another patient's"):
        st.amend_check(new, visit_id=st.other, reason="wrong patient")
    with pytest.raises(RecordConflictError, match="already amended by check"):
        st.amend_check(cid, phase="pre", reason="again")
    with pytest.raises(UsageError, match="nothing to amend"):
        st.amend_check(new, phase="post", reason="same")
    audit = _audit(st)
    amend = [a for a in audit if a["action"] == "amend"][-1]
    assert json.loads(amend["detail"])["changed"] == ["phase", "position", "visit_id"]


def test_a_void_hides_the_check_from_figures_and_keeps_it_in_the_history(st):
    keep = _check(st, st.v1, lld=2.0, unc=0.4)
    gone = _check(st, st.v1, lld=-3.0, unc=0.4)
    assert visit_summary(st, st.v1)["means"][0]["n"] == 2
    void_id = st.void_check(gone, "photo of another patient")
    assert [c["id"] for c in st.checks(chart="C1042")] == [keep]
    m = visit_summary(st, st.v1)["means"][0]
    assert (m["n"], m["lld_mm"]) == (1, 2.0)
    hist = {c["id"]: c for c in st.checks(chart="C1042", history=True)}
    assert hist[gone]["superseded_by"] == void_id and hist[void_id]["voided"] == 1
    assert hist[void_id]["reason"] == "photo of another patient" and hist[void_id]["lld_mm"] == -3.0
    with pytest.raises(RecordConflictError, match="voided"):
        st.amend_check(gone, phase="post", reason="x")
    with pytest.raises(RecordConflictError, match="voided"):
        st.void_check(void_id, "again")
    with pytest.raises(UsageError, match="needs a reason"):
        st.void_check(keep, " ")
    assert st.check_integrity()["ok"]


def test_an_adjustment_is_voided(st):
    a = st.add_adjustment(st.v1, "pelvic", "right")
    st.add_adjustment(st.v1, "lumbar")
    st.void_adjustment(a, "wrong piece")
    assert [x["piece"] for x in st.adjustments(st.v1)] == ["lumbar"]
    assert [r["voided"] for r in st.record_history("adjustments", a)] == [None, 1]


def test_patient_edit_is_a_version_and_chart_numbers_stay_unique(st):
    row = st.edit_patient("c1042", name="Jose Nunez", dob="1971-01-02")
    p = st.patient("C1042")
    assert (p["name"], p["dob"], p["version_id"], p["reason"]) == ("Jose Nunez", "1971-01-02", row,
                                                                  "corrected: name, date of birth")
    assert [v["id"] for v in st.visits("C1042")] == [st.v1, st.v2]  # visits keep pointing to the patient
    con = sqlite3.connect(st.location)
    assert [r[0] for r in con.execute("SELECT name FROM patients WHERE chart = 'C1042' ORDER BY id")] == [
        "José Núñez", "Jose Nunez"]
    with pytest.raises(RecordConflictError, match="already a patient"):
        st.add_patient("c1042", "Someone Else")
    with pytest.raises(RecordConflictError, match="already a patient"):
        st.edit_patient("C2", new_chart="C1042")
    with pytest.raises(UsageError, match="nothing to change"):
        st.edit_patient("C1042", name="Jose Nunez")


@pytest.mark.parametrize("dob,words", [("2090-01-01", "not in the past"), ("1899-12-31", "before 1900"),
                                       ("1980-02-30", "not a date")])
def test_a_date_of_birth_must_be_past_and_after_1900(st, dob, words):
    with pytest.raises(UsageError, match=words):
        st.add_patient("C9", "New Person", dob)
    with pytest.raises(UsageError, match=words):
        st.edit_patient("C2", dob=dob)


def test_patients_are_found_by_chart_or_name_whatever_the_case_and_accents(st):
    assert [p["chart"] for p in st.find_patients("nunez")] == ["C1042"]
    assert [p["chart"] for p in st.find_patients("NÚÑ")] == ["C1042"]
    assert [p["chart"] for p in st.find_patients("c10")] == ["C1042"]
    assert [p["chart"] for p in st.find_patients("person")] == ["C2"]
    assert st.find_patients("zz") == []


def test_the_same_photo_twice_is_refused_unless_allowed(st):
    first = _check(st, st.v1, photo=_jpeg())
    with pytest.raises(DuplicatePhotoError, match=f"already recorded as check {first} \\(visit {st.v1} of 2026-09-01, "
                                                  "pre extended\\)"):
        _check(st, st.v2, phase="post", photo=_jpeg())
    assert len(st.checks()) == 1
    again = st.record_check("C1042", "post", "extended", RESULT, visit_id=st.v1, photo=_jpeg(),
                            allow_duplicate_photo=True)
    assert again["duplicate_of"] == first
    with pytest.raises(DuplicatePhotoError, match="also photo 1 of this batch"):
        st.record_checks("C1042", [dict(phase="pre", position="flexed", result=RESULT, photo=_jpeg((1, 2, 3)))] * 2,
                         st.v2)
    st.void_check(first, "wrong patient")
    st.void_check(again["check_id"], "wrong patient")
    assert _check(st, st.v2, photo=_jpeg())  # a voided check's photo may be recorded again


def test_the_configuration_is_versioned(st):
    st.set_config("units", "in")
    st.set_config("clinic-name", "Back Bay Chiropractic")
    st.set_config("units", "mm", reason="the new practitioner charts in mm")
    assert st.config() == {"units": "mm", "clinic-name": "Back Bay Chiropractic"}
    st.set_config("clinic-name", None)
    assert st.config() == {"units": "mm"}
    hist = [(r["setting"], r["value"], r["reason"]) for r in st.config_history()]
    assert hist == [("units", "in", None), ("clinic-name", "Back Bay Chiropractic", None),
                    ("units", "mm", "the new practitioner charts in mm"), ("clinic-name", None, "clinic-name unset")]
    with pytest.raises(UsageError, match="setting 'colour' is not one of camera, clinic-name, units, even-below-mm"):
        st.set_config("colour", "blue")
    with pytest.raises(UsageError, match="already"):
        st.set_config("units", "mm")


def test_a_schema_2_database_is_migrated_with_its_hashes_intact(tmp_path, monkeypatch):
    import legcheck.records.store as store_module
    from legcheck.records.migrations import LATEST, MIGRATIONS

    path = tmp_path / "old.sqlite3"
    with monkeypatch.context() as m:  # this program as it was before migration 3
        m.setattr(store_module, "MIGRATIONS", MIGRATIONS[:2])
        m.setattr(store_module, "LATEST", 2)
        with open_store(path, create=True) as old:
            old.add_patient("C1", "Alice Adams")
            cid = old.record_check("C1", "pre", "extended", RESULT)["check_id"]
            old.set_findings(old.checks()[0]["visit_id"], pd_side="left")
            assert old.schema_version() == 2
    with open_store(path) as st:
        assert st.schema_version() == LATEST
        report = st.check_integrity()
        assert report["ok"], report["problems"]
        st.void_check(cid, "recorded twice")
        assert st.checks() == [] and st.check_integrity()["ok"]


def test_refused_corrections_leave_nothing(st):
    cid = _check(st, st.v1)
    before = len(_audit(st))
    with pytest.raises(RecordNotFoundError):
        st.amend_check(999, phase="post", reason="x")
    with pytest.raises(UsageError, match="position 'sitting' is not one of"):
        st.amend_check(cid, position="sitting", reason="x")
    with pytest.raises(UsageError, match="needs a reason"):
        st.amend_check(cid, phase="post", reason="")
    assert len(_audit(st)) == before


def _audit(st) -> list[dict]:
    con = sqlite3.connect(st.location)
    con.row_factory = sqlite3.Row
    return [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY id")]
