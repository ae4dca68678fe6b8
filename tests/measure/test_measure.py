"""Accuracy on rendered scenes: lld_mm within its uncertainty of the truth, from several views."""

from __future__ import annotations

import numpy as np
import pytest

from legcheck.measure.measurement import RECALIBRATE_ADVICE, WIDE_UNCERTAINTY_MM, wide_uncertainty_warnings
from legcheck.pipeline import measure_photo
from legcheck.synth.render import TabPlacement

from conftest import profile_of, small_scene

VIEWS = {  # name: (elevation, distance)
    "overhead": (86.0, 700.0),
    "sixty": (60.0, 750.0),
    "fortyfive": (45.0, 800.0),
}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("lld_true", [5.5, -3.0])
def test_lld_within_uncertainty_of_truth(scenes, view, lld_true):
    elevation, distance = VIEWS[view]
    scene = small_scene(
        elevation_deg=elevation, distance_mm=distance, dist=(0.08, -0.15, 0.0003, -0.0002, 0.0),
        left_tab=TabPlacement((45.0, 90.0 + lld_true / 2, 120.0), tilt_deg=30, yaw_deg=8, roll_deg=5),
        right_tab=TabPlacement((215.0, 90.0 - lld_true / 2, 85.0), tilt_deg=10, yaw_deg=-12, side_tilt_deg=8),
        seed=int(elevation * 10 + lld_true * 3 + 100))
    path, truth = scenes.get(f"{view}_{lld_true}", scene)
    assert truth["lld_mm"] == pytest.approx(lld_true)
    # The plain layout's table is endless (no edge): its axis is the board's by construction, so the
    # board counts as squared and the bound is the measurement's own.
    m = measure_photo(path, camera=profile_of(scene), board_squared=True).measurement
    err = m.lld_mm - lld_true
    assert abs(err) <= m.uncertainty_mm, (view, m.lld_mm, m.uncertainty_mm)
    assert m.short_leg == ("left" if lld_true > 0 else "right")
    assert m.view_elevation_deg == pytest.approx(elevation, abs=0.3)
    # Both heels land where they are, not just their difference.
    assert np.allclose(m.left_heel_mm, truth["left_heel_mm"], atol=3.0)
    assert np.allclose(m.right_heel_mm, truth["right_heel_mm"], atol=3.0)
    assert m.camera_source == "profile"
    if elevation < 45.5:
        assert any("oblique" in w for w in m.warnings)
    else:
        assert m.uncertainty_mm < 1.5


def test_overhead_uncertainty_narrower_than_oblique(scenes):
    out = {}
    for view in ("overhead", "fortyfive"):
        elevation, distance = VIEWS[view]
        path, truth = scenes.made.get(f"{view}_5.5", (None, None))
        if path is None:
            pytest.skip("depends on the parametrised scenes")
        out[view] = measure_photo(path, camera=profile_of(small_scene())).measurement.uncertainty_mm
    assert out["overhead"] < out["fortyfive"]


def test_without_profile_estimates_focal_and_warns(basic):
    scene, path, truth = basic
    m = measure_photo(path).measurement
    assert m.camera_source == "board"
    assert any("calibrated profile" in w for w in m.warnings)
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm
    assert m.details["focal_px"] == pytest.approx(scene.focal_px, rel=0.08)


def test_even_below_threshold(basic):
    scene, path, truth = basic
    m = measure_photo(path, camera=profile_of(scene), even_below_mm=10.0).measurement
    assert m.short_leg == "even"
    assert m.lld_mm == pytest.approx(truth["lld_mm"], abs=m.uncertainty_mm)


def test_json_fields_spelled_as_contract(basic):
    scene, path, truth = basic
    d = measure_photo(path, camera=profile_of(scene)).measurement.to_json()
    for key in ("lld_mm", "short_leg", "uncertainty_mm", "method", "left_heel_mm", "right_heel_mm",
                "camera_source", "board_reprojection_px", "view_elevation_deg", "image", "warnings", "table_axis"):
        assert key in d
    assert set(d["image"]) >= {"path", "width", "height", "sha256"}
    assert d["image"]["width"] == scene.width and d["image"]["height"] == scene.height
    assert d["method"] == "tabs"
    assert set(d["table_axis"]) == {"source", "board_to_table_deg", "sigma_deg"}
    assert d["lld_mm"] == pytest.approx(d["left_heel_mm"][1] - d["right_heel_mm"][1], abs=0.002)


def test_same_photo_same_answer(basic):
    scene, path, _ = basic
    a = measure_photo(path, camera=profile_of(scene)).measurement
    b = measure_photo(path, camera=profile_of(scene)).measurement
    assert a.lld_mm == b.lld_mm and a.uncertainty_mm == b.uncertainty_mm


def test_wide_bound_names_the_part_that_makes_it_wide():
    """The profile's, the photo's and the axis's parts add in quadrature; the advice follows the larger."""
    why = "; retake the photo closer"
    assert wide_uncertainty_warnings(WIDE_UNCERTAINTY_MM, 1.2, 0.0, why) == []
    assert wide_uncertainty_warnings(5.0, 0.0, 4.0, why) == ["the uncertainty is large (± 5.0 mm); retake the photo closer"]
    # 5 = hypot(4, 3): the profile's 4 mm outweighs the photo's 3 mm, and each alone is over the limit.
    profile, photo = wide_uncertainty_warnings(5.0, 4.0, 0.0, why)
    assert profile.endswith(RECALIBRATE_ADVICE) and "± 4.0 mm of it from the camera profile" in profile
    assert photo == "the uncertainty is large (± 5.0 mm); retake the photo closer"
    # The profile makes it wide, the photo alone would not: only the profile is named.
    (only,) = wide_uncertainty_warnings(3.0, 2.6, 0.0, why)
    assert only.endswith(RECALIBRATE_ADVICE)
