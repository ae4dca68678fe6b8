"""Camera profiles: JSON round trip, validation, and intrinsics for rotated, resized or cropped photos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from legcheck._cv import cv2
from legcheck.vision.camera import CameraProfile, _ORIENT, adapt_profile, focal_from_exif
from legcheck.errors import CameraProfileError

K = np.array([[3000.0, 0, 2010.3], [0, 3004.0, 1498.2], [0, 0, 1]])
DIST = np.array([0.11, -0.21, 0.0012, -0.0007, 0.05])
PROFILE = CameraProfile.from_arrays((4032, 3024), K, DIST, std_intrinsics=(2.0, 2.1, 1.5, 1.4), make="Acme", model="P1")


def _project(profile, pts_cam):
    return cv2().projectPoints(pts_cam, np.zeros(3), np.zeros(3), profile.K, profile.dist)[0].reshape(-1, 2)


@pytest.fixture
def points_cam():
    rng = np.random.default_rng(0)
    return np.c_[rng.uniform(-0.6, 0.6, (50, 2)), np.ones(50)] * rng.uniform(500, 1500, (50, 1))


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_reoriented_profile_projects_like_the_rotated_image(orientation, points_cam):
    """Pixel p of the raw image lands at A p + b in the displayed one; the new profile must agree."""
    (a, b, c, d), off = _ORIENT[orientation]
    A = np.array([[a, b], [c, d]], float)
    raw_px = _project(PROFILE, points_cam)
    displayed_px = raw_px @ A.T + np.array(off(4032, 3024), float)
    rot = PROFILE.reoriented(orientation)
    # The same scene seen by the rotated camera: camera x, y rotated by A.
    pts_rot = np.c_[points_cam[:, :2] @ A.T, points_cam[:, 2]]
    assert np.abs(_project(rot, pts_rot) - displayed_px).max() < 1e-6
    assert rot.image_size == ((3024, 4032) if orientation in (6, 8) else (4032, 3024))
    back = rot.reoriented(orientation, inverse=True)
    assert np.allclose(back.K, PROFILE.K) and np.allclose(back.dist, PROFILE.dist)


def test_scaled_profile_matches_resized_image(points_cam):
    half = PROFILE.scaled(0.5)
    full_px = _project(PROFILE, points_cam)
    assert np.abs(_project(half, points_cam) - ((full_px + 0.5) * 0.5 - 0.5)).max() < 1e-9


def test_adapt_same_size_rotated_resized_and_refused():
    assert adapt_profile(PROFILE, (4032, 3024))[0].K.tolist() == PROFILE.K.tolist()
    rot = adapt_profile(PROFILE, (3024, 4032), orientation=6, raw_size=(4032, 3024))
    assert len(rot) == 1 and np.allclose(rot[0].K, PROFILE.reoriented(6).K)
    small = adapt_profile(PROFILE, (2016, 1512))[0]
    assert small.K[0, 0] == pytest.approx(1500.0)
    # Rotated pixels without an EXIF tag: both quarter turns are offered.
    assert len(adapt_profile(PROFILE, (3024, 4032))) == 2
    with pytest.raises(CameraProfileError, match="aspect ratio"):
        adapt_profile(PROFILE, (3024, 3024))  # cropped square
    with pytest.raises(CameraProfileError, match="another camera|is for"):
        adapt_profile(PROFILE, (4032, 3024), photo_camera="Other Phone")


def test_json_round_trip(tmp_path):
    path = tmp_path / "cam.json"
    PROFILE.save(path)
    back = CameraProfile.load(path)
    assert np.allclose(back.K, PROFILE.K) and np.allclose(back.dist, PROFILE.dist)
    assert back.image_size == (4032, 3024) and back.camera_name == "Acme P1"


@pytest.mark.parametrize("content", [
    "not json at all",
    json.dumps({"kind": "something-else"}),
    json.dumps({"kind": "legcheck-camera-profile", "version": 1, "image_size": [4032, 3024]}),
    json.dumps({"kind": "legcheck-camera-profile", "version": 1, "image_size": [4032, 3024],
                "camera_matrix": [[-5, 0, 2000], [0, 3000, 1500], [0, 0, 1]], "dist_coeffs": [0, 0, 0, 0, 0]}),
])
def test_invalid_profiles_refused(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CameraProfileError):
        CameraProfile.load(path)


def test_focal_from_exif():
    # 26 mm equivalent on a 4032x3024 photo: 26 / 43.27 * 5040 px.
    assert focal_from_exif((4032, 3024), 26.0) == pytest.approx(3028.4, abs=0.5)
    assert focal_from_exif((4032, 3024), None) is None
