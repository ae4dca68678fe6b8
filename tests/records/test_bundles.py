"""What reports and exports get from the log: bundles and export rows, built through the Store protocol."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from PIL import Image

from legcheck.errors import RecordNotFoundError, UsageError
from legcheck.records import open_store
from legcheck.records.bundles import export_rows, patient_bundle, visit_bundle

RESULT = {"lld_mm": -2.0, "short_leg": "right", "uncertainty_mm": 0.4, "method": "tabs", "left_heel_mm": [0, 0, 90],
          "right_heel_mm": [200, -2, 90], "warnings": ["view is steep"], "image": {}, "even_below_mm": 1.0}
SUMMARY_KEYS = {"visit", "checks", "means", "derifield", "derifield_derived", "derifield_overridden", "pd_side",
                "listing", "adjustments"}


@pytest.fixture
def st(tmp_path):
    photo, ann = tmp_path / "photo.png", tmp_path / "ann.png"
    Image.new("RGB", (16, 12), (10, 20, 30)).save(photo)
    Image.new("RGB", (16, 12), (200, 20, 30)).save(ann)
    with open_store(tmp_path / "b.sqlite3", create=True) as store:
        store.add_patient("P1", "Pat One")
        for day in (8, 1, 15):  # opened out of order: bundles follow the visit's start
            vid = store.new_visit("P1", dt.datetime(2026, 9, day, 9).astimezone())
            store.record_check("P1", "pre", "extended", RESULT, visit_id=vid, photo_path=photo,
                               annotated_path=ann if day == 1 else None, allow_duplicate_photo=True)
            store.record_check("P1", "post", "extended", dict(RESULT, lld_mm=-0.5), visit_id=vid)
        yield store


def test_visit_bundle_has_the_summary_the_patient_and_photo_paths(st):
    first = st.visits("P1")[0]
    b = visit_bundle(st, first["id"])
    assert set(b) == SUMMARY_KEYS | {"patient", "assessment", "reactions", "red_flags", "settings"}
    assert b["patient"]["name"] == "Pat One" and b["assessment"] == b["reactions"] == b["red_flags"] == []
    pre, post = b["checks"]
    assert pre["photo_path"].is_absolute() and pre["photo_path"] == st.photo_path(pre["annotated_sha256"])
    assert Image.open(pre["photo_path"]).getpixel((0, 0)) == (200, 20, 30)  # the annotated copy first
    assert post["photo_path"] is None
    assert isinstance(pre["result_json"], str) and pre["amended"] is False
    later = visit_bundle(st, st.visits("P1")[1]["id"])
    assert later["checks"][0]["photo_path"] == st.photo_path(later["checks"][0]["photo_sha256"])
    assert [(m["phase"], m["lld_mm"]) for m in b["means"]] == [("post", -0.5), ("pre", -2.0)]
    with pytest.raises(RecordNotFoundError):
        visit_bundle(st, 999)


def test_patient_bundle_orders_and_limits_visits(st):
    b = patient_bundle(st, "P1")
    assert [v["visit"]["visit_date"] for v in b["visits"]] == ["2026-09-01", "2026-09-08", "2026-09-15"]
    assert b["period"] == (None, None) and b["patient"]["chart"] == "P1"
    b = patient_bundle(st, "P1", dt.date(2026, 9, 2), "2026-09-15")
    assert [v["visit"]["visit_date"] for v in b["visits"]] == ["2026-09-08", "2026-09-15"]
    assert b["period"] == ("2026-09-02", "2026-09-15")
    with pytest.raises(UsageError, match="first date '2026-9-1'"):
        patient_bundle(st, "P1", "2026-9-1")
    with pytest.raises(RecordNotFoundError):
        patient_bundle(st, "NOPE")


def test_export_rows_flatten_the_measurement(st):
    rows, columns = export_rows(st)
    assert len(rows) == 6 and "name" not in columns and "result_json" not in rows[0]
    assert rows[0]["left_heel_mm"] == [0, 0, 90] and rows[0]["warnings"] == "view is steep"
    assert set(columns) <= set(rows[0])
    named, columns = export_rows(st, with_names=True)
    assert columns[:3] == ["id", "chart", "name"] and named[0]["name"] == "Pat One"
    json.dumps(named)  # plain data
