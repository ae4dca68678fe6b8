"""The Monte Carlo pieces both methods share, against values known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from legcheck.measure.tabs import perturbed_corners
from legcheck.measure.uncertainty import Z95, board_noise_px, bound_95, draw_cameras
from legcheck.vision.camera import CameraProfile
from legcheck.vision.edges import corners_from_lines


def test_bound_counts_spread_bias_and_floors():
    draws = np.array([-1.0, 1.0, -1.0, 1.0])  # sd 1 about 0
    assert bound_95(draws, 0.0) == pytest.approx(Z95)
    assert bound_95(draws, 1.0) == pytest.approx(Z95 * np.sqrt(2.0))  # mean 1 mm off the nominal value
    assert bound_95(draws, 0.0, 0.3, 0.4) == pytest.approx(Z95 * np.sqrt(1.0 + 0.25))


def test_board_noise_undoes_the_fit_and_has_a_floor():
    # 24 corners, 48 residual coordinates, 6 pose dof: per-coordinate sigma = rms/sqrt(2) * sqrt(48/42).
    assert board_noise_px(0.5, 24) == pytest.approx(0.5 / np.sqrt(2) * np.sqrt(48 / 42))
    assert board_noise_px(0.0, 24) == 0.03


def test_unperturbed_lines_give_the_quad_back():
    corners = np.array([[10.0, 10.0], [50.0, 12.0], [48.0, 55.0], [9.0, 50.0]])
    lines = []
    for k in range(4):
        p, q = corners[k], corners[(k + 1) % 4]
        n = np.array([q[1] - p[1], p[0] - q[0]]) / np.linalg.norm(q - p)
        lines.append([n[0], n[1], n @ p])
    lines = np.array(lines)
    assert np.allclose(corners_from_lines(lines), corners)
    out = perturbed_corners(lines, np.zeros((4, 2)), corners, np.random.default_rng(0), 5)
    assert out.shape == (5, 4, 2) and np.allclose(out, corners)
    spread = perturbed_corners(lines, np.full((4, 2), [0.1, 0.0]), corners, np.random.default_rng(0), 4000)
    assert 0.08 < spread.std(axis=0).mean() < 0.2  # offsets of 0.1 px move corners by about that much


def test_camera_draws_move_focal_lengths_together():
    prof = CameraProfile.from_arrays((1600, 1200), np.array([[1250.0, 0, 800], [0, 1250.0, 600], [0, 0, 1]]),
                                     np.zeros(5), std_intrinsics=(10.0, 10.0, 3.0, 3.0))
    K, dist = draw_cameras(prof, np.random.default_rng(1), 2000)
    assert K.shape == (2000, 3, 3) and dist.shape == (2000, 5)
    assert np.allclose(K[:, 0, 0] - 1250.0, K[:, 1, 1] - 1250.0)
    assert np.std(K[:, 0, 0]) == pytest.approx(10.0, rel=0.1)
    assert np.std(K[:, 0, 2]) == pytest.approx(3.0, rel=0.1)
    assert np.all(dist == 0.0)


def test_normal_quantiles_are_a_stratified_standard_normal():
    from legcheck.measure.uncertainty import normal_quantiles

    q = normal_quantiles(200)
    assert q.shape == (200,) and np.all(np.diff(q) > 0)
    assert q[0] == pytest.approx(-2.807, abs=1e-3) and q[-1] == pytest.approx(2.807, abs=1e-3)  # at 0.0025, 0.9975
    assert q.mean() == pytest.approx(0.0, abs=1e-12) and q.std() == pytest.approx(0.99, abs=0.01)
    assert normal_quantiles(1).tolist() == [0.0]
    with pytest.raises(ValueError, match="n must be at least 1"):
        normal_quantiles(0)
