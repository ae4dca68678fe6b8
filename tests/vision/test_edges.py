"""Sub-pixel outline fitting on an exactly known, anti-aliased, blurred square."""

from __future__ import annotations

import numpy as np
import pytest

from legcheck._cv import cv2
from legcheck.vision.edges import refine_quad
from legcheck.vision.profiles import linearize
from legcheck.targets.raster import paint_rects


def _square_image(corner_xy, side_px, angle_deg, blur=1.0, noise=0.0, seed=0):
    """A dark square (border cell 1/7 of its side) on white, drawn by area coverage at 8x then reduced."""
    S = 8
    size = 200
    img = np.ones((size * S, size * S))
    paint_rects(img, [(0, 0, side_px, side_px)], ppm=S, origin_mm=(-corner_xy[0] - 0.5, -corner_xy[1] - 0.5))
    # Rotate about the square's first corner, at the fine scale.
    c = (corner_xy[0] * S + (S - 1) / 2, corner_xy[1] * S + (S - 1) / 2)
    M = cv2().getRotationMatrix2D(c, -angle_deg, 1.0)
    img = cv2().warpAffine(img, M, (size * S, size * S), flags=cv2().INTER_LINEAR, borderValue=1.0)
    img = cv2().resize(img, (size, size), interpolation=cv2().INTER_AREA)
    img = cv2().GaussianBlur(img, (0, 0), blur) * 0.8 + 0.04
    rng = np.random.default_rng(seed)
    img = np.clip(img + rng.normal(0, noise, img.shape), 0, 1)
    a = np.radians(angle_deg)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    local = np.array([[0, 0], [side_px, 0], [side_px, side_px], [0, side_px]], float)
    truth = local @ R.T + corner_xy
    return img.astype(np.float32), truth


@pytest.mark.parametrize("angle", [0.0, 1.5, 17.0, 44.0])
def test_corners_to_hundredths_of_a_pixel(angle):
    img, truth = _square_image((60.3, 50.7), 80.0, angle)
    coarse = truth + np.random.default_rng(1).uniform(-1.5, 1.5, truth.shape)
    K = np.array([[500.0, 0, 100], [0, 500.0, 100], [0, 0, 1]])
    q = refine_quad(img, coarse, K, np.zeros(5), border_frac=1 / 7)
    assert np.abs(q.corners_ideal_px - truth).max() < 0.03
    assert q.edge_rms_px < 0.05


def test_noise_reported_in_line_sigma():
    img, truth = _square_image((60.3, 50.7), 80.0, 10.0, noise=0.03)
    K = np.array([[500.0, 0, 100], [0, 500.0, 100], [0, 0, 1]])
    q = refine_quad(img, truth, K, np.zeros(5), border_frac=1 / 7)
    err = np.abs(q.corners_ideal_px - truth).max()
    assert err < 0.1
    assert q.edge_rms_px > 0.02
    assert np.all(q.line_sigma[:, 0] > 0.02)


def test_linearize_is_srgb():
    lut = linearize(np.array([[0, 128, 255]], np.uint8))
    assert lut[0, 0] == 0.0 and lut[0, 2] == pytest.approx(1.0)
    assert lut[0, 1] == pytest.approx(0.2158605, abs=1e-6)
