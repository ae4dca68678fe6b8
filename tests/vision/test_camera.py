"""Camera profiles: JSON round trip, validation, and intrinsics for rotated, resized or cropped photos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from legcheck._cv import cv2
from legcheck.vision.camera import CameraProfile, _ORIENT, adapt_profile
from legcheck.vision.estimate import focal_from_exif
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


def test_null_make_and_model_are_no_camera_name(tmp_path):
    """A profile written by another tool with null make/model names no camera (not 'None None')."""
    path = tmp_path / "cam.json"
    PROFILE.save(path)
    d = json.loads(path.read_text())
    d.update(make=None, model=None, name=None)
    path.write_text(json.dumps(d))
    back = CameraProfile.load(path)
    assert back.camera_name == "" and back.name == "cam"


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


# -- uncertainty: covariance, draws, frames -------------------------------------------------------

def _spd(rng, scales):
    A = rng.normal(size=(9, 9))
    C = A @ A.T / 9 + np.eye(9) * 0.2
    return C * np.outer(scales, scales)


SCALES = np.array([2.0, 2.1, 1.5, 1.4, 0.004, 0.01, 1e-4, 1e-4, 0.008])
COV = _spd(np.random.default_rng(1), SCALES)
PROFILE2 = CameraProfile.from_arrays((4032, 3024), K, DIST, make="Acme", model="P1",
                                     covariance=tuple(COV.ravel()))


def _numeric_jacobian(profile, transform):
    """d(transformed params)/d(params), by perturbing each parameter of ``profile``."""
    J = np.zeros((9, 9))
    p0 = profile.params()
    for i in range(9):
        h = 1e-3 * max(abs(p0[i]), 1e-3)
        p = p0.copy()
        p[i] += h
        q = CameraProfile.from_arrays(profile.image_size, [[p[0], 0, p[2]], [0, p[1], p[3]], [0, 0, 1]], p[4:])
        J[:, i] = (transform(q).params() - transform(profile).params()) / h
    return J


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_covariance_follows_rotation_and_scale(orientation):
    """The covariance moves with the parameters: C' = J C J^T, J the parameters' own map."""
    for transform in (lambda c: c.reoriented(orientation), lambda c: c.scaled(0.5),
                      lambda c: c.reoriented(orientation).reoriented(orientation, inverse=True)):
        J = _numeric_jacobian(PROFILE2, transform)
        assert np.allclose(transform(PROFILE2).intrinsics_covariance(), J @ COV @ J.T, rtol=1e-5, atol=1e-14)
    back = PROFILE2.reoriented(orientation).reoriented(orientation, inverse=True)
    assert np.allclose(back.intrinsics_covariance(), COV, rtol=1e-9, atol=0)


def test_draws_follow_the_stored_covariance():
    Ks, dists = PROFILE2.draw_intrinsics(np.random.default_rng(0), 20000)
    p = np.c_[Ks[:, 0, 0], Ks[:, 1, 1], Ks[:, 0, 2], Ks[:, 1, 2], dists]
    s = np.sqrt(np.diag(COV))
    assert np.all(np.abs(p.mean(axis=0) - PROFILE2.params()) < 4 * s / np.sqrt(20000))
    assert np.allclose(p.std(axis=0), s, rtol=0.03)
    assert np.allclose(np.cov(p, rowvar=False) / np.outer(s, s), COV / np.outer(s, s), atol=0.04)


def test_draws_never_fold_the_lens():
    """A wide spread of k1..k3 is drawn again where the distortion would fold back inside the frame."""
    wide = np.diag(np.r_[4.0, 4.0, 2.0, 2.0, 0.05, 0.3, 1e-4, 1e-4, 1.5] ** 2)
    prof = CameraProfile.from_arrays((4032, 3024), K, (0.05, -0.1, 0, 0, 0.02), covariance=tuple(wide.ravel()))
    _, dists = prof.draw_intrinsics(np.random.default_rng(0), 2000)
    from legcheck.vision.intrinsics import max_radius, radial_monotonic

    r_max = 1.1 * max_radius(prof.params(), prof.image_size)
    assert radial_monotonic(dists[:, 0], dists[:, 1], dists[:, 4], r_max).all()
    assert dists[:, 0].std() > 0.02  # still spread


def test_fixed_profile_draws_the_same_random_numbers():
    for prof in (PROFILE, PROFILE2):
        a, b = np.random.default_rng(5), np.random.default_rng(5)
        prof.draw_intrinsics(a, 50)
        Ks, dists = prof.fixed().draw_intrinsics(b, 50)
        assert a.random() == b.random()  # both streams advanced alike: paired Monte Carlo runs
        assert np.allclose(Ks, prof.K) and np.allclose(dists, prof.dist)


def test_version_1_profile_loads_and_draws_as_before(tmp_path):
    v1 = {"kind": "legcheck-camera-profile", "version": 1, "name": "old", "image_size": [4032, 3024],
          "orientation": 1, "camera_matrix": K.tolist(), "dist_coeffs": DIST.tolist(),
          "std_intrinsics": [2.0, 2.1, 1.5, 1.4], "rms_px": 0.3, "n_views": 12}
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(v1))
    prof = CameraProfile.load(path)
    assert prof.covariance is None and prof.std_intrinsics == (2.0, 2.1, 1.5, 1.4)
    # fx and fy move together (one focal error), the principal point independently.
    Ks, _ = prof.draw_intrinsics(np.random.default_rng(0), 5000)
    assert np.corrcoef(Ks[:, 0, 0], Ks[:, 1, 1])[0, 1] > 0.99
    assert abs(np.corrcoef(Ks[:, 0, 2], Ks[:, 1, 2])[0, 1]) < 0.05
    assert Ks[:, 0, 0].std() == pytest.approx(2.0, rel=0.05)


def test_version_2_round_trip_and_newer_refused(tmp_path):
    path = tmp_path / "v2.json"
    PROFILE2.save(path)
    d = json.loads(path.read_text())
    assert d["version"] == 2 and d["covariance_params"] == ["fx", "fy", "cx", "cy", "k1", "k2", "p1", "p2", "k3"]
    back = CameraProfile.load(path)
    assert np.allclose(back.intrinsics_covariance(), COV, rtol=1e-12, atol=0)
    d["version"] = 3
    path.write_text(json.dumps(d))
    with pytest.raises(CameraProfileError, match="newer"):
        CameraProfile.load(path)
    d["version"] = 2
    d["covariance"][0][1] += 1.0  # not symmetric: not a covariance
    path.write_text(json.dumps(d))
    with pytest.raises(CameraProfileError):
        CameraProfile.load(path)


def test_larger_covariance_dominates_both():
    from legcheck.vision.calib_uncertainty import larger_covariance

    rng = np.random.default_rng(3)
    a, b = _spd(rng, SCALES), _spd(rng, SCALES * 1.5)
    c = larger_covariance(a, b)
    s = np.sqrt(np.diag(c))
    for m in (a, b):  # c - m is positive semi-definite (in the parameters' own units)
        assert np.linalg.eigvalsh((c - m) / np.outer(s, s)).min() > -1e-9
    assert np.all(np.diag(c) >= np.maximum(np.diag(a), np.diag(b)) * (1 - 1e-9))
    assert np.allclose(larger_covariance(a, 0.5 * a), a, rtol=1e-8, atol=0)  # b inside a: a itself
    assert np.allclose(larger_covariance(a, 2 * a), 2 * a, rtol=1e-8, atol=0)
