"""Manual points off the heel's edge: a warning, and a bound widened by what the offset can do to lld_mm."""

from __future__ import annotations

import pytest

from legcheck.pipeline import measure_photo
from legcheck.synth.feet import FeetSpec
from legcheck.synth.render import visible_heel_pixels
from legcheck.vision.snap import FAR_REACH_MM, SNAP_RADIUS_PX, nearest_edge

from conftest import profile_of, small_scene


@pytest.fixture(scope="module")
def feet(scenes):
    """Socked feet on blue vinyl, 75 degrees, the LEFT leg short by 5 mm (2 MP)."""
    scene = small_scene(elevation_deg=75.0, distance_mm=800.0, show_tabs=(), table="blue vinyl", seed=3,
                        feet=FeetSpec((50.0, 102.5, 100.0), (200.0, 97.5, 100.0), colour="white sock"))
    path, truth = scenes.get("feet_off_edge", scene)
    return scene, path, truth


@pytest.mark.parametrize("dy_px", [-20.0, -10.0, 10.0, 15.0, 25.0])
@pytest.mark.parametrize("snap", [True, False])
def test_point_off_the_edge_warns_and_widens_to_cover_the_truth(feet, dy_px, snap):
    """The LEFT point moved along the heel's axis in the image (+: up into the heel, -: onto the floor)."""
    scene, path, truth = feet
    hp = visible_heel_pixels(scene)
    left = (hp["left"][0], hp["left"][1] - dy_px)
    m = measure_photo(path, camera=profile_of(scene), left_heel_px=left, right_heel_px=hp["right"],
                      heel_height_mm=100.0, snap=snap).measurement
    exact = measure_photo(path, camera=profile_of(scene), left_heel_px=hp["left"], right_heel_px=hp["right"],
                          heel_height_mm=100.0).measurement
    warn = [w for w in m.warnings if "LEFT point is not on the heel's edge" in w]
    assert len(warn) == 1, m.warnings
    assert f"lies {abs(dy_px):.0f} px" in warn[0]
    # Without the widening the figure is off by several mm (from 15 px outside, by some 85 % of the
    # exact points' bound, which already carries the heels' unknown heights).
    assert abs(m.lld_mm - truth["lld_mm"]) > 5.0
    if abs(dy_px) >= 15:
        assert abs(m.lld_mm - truth["lld_mm"]) > 0.8 * exact.uncertainty_mm
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm
    assert m.uncertainty_mm > exact.uncertainty_mm + abs(m.lld_mm - exact.lld_mm) * 0.8


def test_points_on_the_edge_are_not_widened(feet):
    scene, path, truth = feet
    hp = visible_heel_pixels(scene)
    m = measure_photo(path, camera=profile_of(scene), left_heel_px=(hp["left"][0], hp["left"][1] - 3.0),
                      right_heel_px=hp["right"], heel_height_mm=100.0).measurement
    exact = measure_photo(path, camera=profile_of(scene), left_heel_px=hp["left"], right_heel_px=hp["right"],
                          heel_height_mm=100.0).measurement
    assert not any("not on the heel's edge" in w for w in m.warnings)
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm <= exact.uncertainty_mm + 0.05


def test_nearest_edge_distance_and_no_edge_within_reach(feet):
    from legcheck.vision.imageio import load_photo

    scene, path, _ = feet
    hp = visible_heel_pixels(scene)
    photo = load_photo(path)
    b2c, K, dist = scene.board2cam(), scene.K, scene.dist
    near = nearest_edge(photo.pixels, (hp["left"][0], hp["left"][1] - 12.0), b2c, K, dist, 100.0)
    assert near is not None and near[0] == pytest.approx(12.0, abs=1.5) and near[1] > 0
    assert near[0] > SNAP_RADIUS_PX
    # On the plain table beside the LEFT foot: no edge within reach along the table axis.
    beside = (527.0, 450.0)
    assert nearest_edge(photo.pixels, beside, b2c, K, dist, 100.0) is None
    m = measure_photo(path, camera=profile_of(scene), left_heel_px=beside, right_heel_px=hp["right"],
                      heel_height_mm=100.0).measurement
    assert any(f"no heel edge within {FAR_REACH_MM:.0f} mm of the LEFT point" in w for w in m.warnings)
    assert m.uncertainty_mm >= FAR_REACH_MM
