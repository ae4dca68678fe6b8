"""recording.record_check(s): measure, annotate and record in one step, all or nothing, on a rendered photo."""

from __future__ import annotations

import json

import pytest

from legcheck.errors import ImageReadError, RecordNotFoundError, UsageError
from legcheck.pipeline import CheckRequest, MeasureOptions, record_check, record_checks
from legcheck.records import open_store

from conftest import profile_of


@pytest.fixture
def st(tmp_path):
    with open_store(tmp_path / "p.sqlite3", create=True) as store:
        store.add_patient("C1", "Carla Cruz")
        yield store


def test_record_check_measures_annotates_and_stores(st, basic):
    scene, photo, truth = basic
    done = record_check(st, photo, "C1", "pre", "extended", MeasureOptions(camera=profile_of(scene)))
    m = done.measurement
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm and m.short_leg == "left"
    (c,) = st.checks(chart="C1")
    assert (c["id"], c["visit_id"], c["phase"], c["position"]) == (done.check_id, done.visit_id, "pre", "extended")
    assert c["lld_mm"] == m.to_json()["lld_mm"] and json.loads(c["result_json"])["method"] == "tabs"
    assert st.photo_path(c["photo_sha256"]).exists() and st.photo_path(c["annotated_sha256"]).exists()


def test_without_annotation_and_with_its_own_even_threshold(st, basic):
    scene, photo, truth = basic
    opts = MeasureOptions(camera=profile_of(scene), annotate=False, even_below_mm=10.0)
    done = record_check(st, photo, "C1", "post", "flexed", opts)
    (c,) = st.checks(chart="C1")
    assert c["annotated_sha256"] is None and c["photo_sha256"] == done.photo_sha256
    assert c["short_leg"] == "even" and json.loads(c["result_json"])["even_below_mm"] == 10.0


def test_batch_is_all_or_nothing(st, basic, tmp_path):
    scene, photo, _ = basic
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    seen = []
    with pytest.raises(ImageReadError):
        record_checks(st, [CheckRequest(photo, "pre", "extended"), CheckRequest(empty, "post", "extended")], "C1",
                      MeasureOptions(camera=profile_of(scene)), progress=seen.append)
    assert seen == [1]  # the first was measured, then the second failed: nothing recorded
    assert st.checks() == [] and st.visits("C1") == [] and st.check_integrity()["photos_checked"] == 0


def test_bad_requests_fail_before_measuring(st, tmp_path):
    missing = tmp_path / "never-read.jpg"  # any measuring would fail with ImageReadError instead
    with pytest.raises(UsageError, match="position 'sitting'"):
        record_check(st, missing, "C1", "pre", "sitting")
    with pytest.raises(UsageError, match="no photos"):
        record_checks(st, [], "C1")
    with pytest.raises(RecordNotFoundError):
        record_check(st, missing, "NOPE", "pre", "extended")
    with pytest.raises(RecordNotFoundError):
        record_check(st, missing, "C1", "pre", "extended", visit_id=42)
