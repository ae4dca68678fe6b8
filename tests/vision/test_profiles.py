"""The shared sub-pixel edge: profile sampling and the first-moment edge, against exact synthetic steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from legcheck.vision.profiles import (contrast_channel, end_levels, first_moment_edge, linear_crop, linearize,
                                      profile_offsets, sample_profiles)


def _phi(z):
    """Standard normal CDF, elementwise."""
    return 0.5 * (1.0 + np.vectorize(math.erf)(np.asarray(z, float) / math.sqrt(2.0)))


def _blurred_step(offs, edge, near, far, sigma):
    """A step from ``near`` to ``far`` at ``edge``, blurred by a Gaussian of ``sigma`` px, sampled at ``offs``."""
    return far + (near - far) * _phi((edge - offs) / sigma)


@pytest.mark.parametrize("near, far", [(0.05, 0.8), (0.9, 0.1)], ids=["dark-to-light", "light-to-dark"])
@pytest.mark.parametrize("sigma", [0.6, 1.0, 2.0])
def test_first_moment_edge_is_exact_on_a_blurred_step(near, far, sigma):
    offs = profile_offsets(3.0 + 6 * sigma)  # past the blur on both sides
    truth = np.linspace(-2.4, 2.6, 41)  # sub-pixel positions on both sides of the centre
    prof = np.array([_blurred_step(offs, e, near, far, sigma) for e in truth])
    e = first_moment_edge(prof, offs, np.full(len(truth), near), np.full(len(truth), far))
    assert np.abs(e - truth).max() < 1e-6


def test_first_moment_edge_from_the_profiles_own_levels():
    offs = profile_offsets(10.0)  # the end levels are medians of the last fifth: keep it clear of the blur
    prof = _blurred_step(offs, 0.37, 0.2, 0.7, 1.2)[None]
    near, far = end_levels(prof, len(offs) // 5)
    assert near[0] == pytest.approx(0.2, abs=1e-7) and far[0] == pytest.approx(0.7, abs=1e-7)
    assert first_moment_edge(prof, offs, near, far)[0] == pytest.approx(0.37, abs=1e-6)


def test_first_moment_edge_of_one_profile_is_a_number():
    offs = profile_offsets(6.0)
    e = first_moment_edge(_blurred_step(offs, -0.81, 1.0, 0.0, 0.9), offs, 1.0, 0.0)
    assert float(e) == pytest.approx(-0.81, abs=1e-6)


def test_sampler_follows_the_normal_and_the_crop_origin():
    """On a plane I = a x + b y + c bilinear samples are exact: each sample lands where it should."""
    h, w = 60, 80
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    plane = lambda x, y: 0.01 * x - 0.004 * y + 0.2  # noqa: E731
    img = np.dstack([plane(xx, yy), 2 * plane(xx, yy), np.full((h, w), 0.5)]).astype(np.float32)
    origin = np.array([100, 200])
    centres = np.array([[130.0, 230.0], [150.5, 225.25]])  # photo pixels
    normal = np.array([0.6, -0.8])
    offs = profile_offsets(5.0)
    prof = sample_profiles(img, centres, normal, offs, origin_px=origin)
    assert prof.shape == (2, len(offs), 3)
    pts = centres[:, None, :] + offs[None, :, None] * normal - origin  # every position is on the 1/32 px grid
    assert np.allclose(prof[..., 0], plane(pts[..., 0], pts[..., 1]), atol=2e-6)
    assert np.allclose(prof[..., 1], 2 * plane(pts[..., 0], pts[..., 1]), atol=4e-6)
    # One normal per profile gives the same samples.
    assert np.array_equal(sample_profiles(img, centres, np.tile(normal, (2, 1)), offs, origin), prof)


@pytest.mark.parametrize("angle_deg", [0.0, 23.0, 61.0])
@pytest.mark.parametrize("dark_first", [True, False], ids=["dark-to-light", "light-to-dark"])
def test_sampled_edge_in_an_image_lands_on_the_true_line(angle_deg, dark_first):
    """A straight blurred edge rendered exactly; profiles across it put it on the true line to 0.005 px."""
    h, w = 120, 120
    a = math.radians(angle_deg)
    n = np.array([math.cos(a), math.sin(a)])  # normal of the edge, from the near side to the far side
    c = n @ [60.3, 58.9]  # the edge: points with x . n = c
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    near, far = (0.05, 0.85) if dark_first else (0.85, 0.05)
    img = _blurred_step(xx * n[0] + yy * n[1], c, near, far, 1.0).astype(np.float32)
    t = np.array([-n[1], n[0]])
    centres = np.array([60.3, 58.9]) + 0.7 * n + np.arange(-20.0, 20.5, 1.0)[:, None] * t  # 0.7 px off the edge
    offs = profile_offsets(6.0)
    prof = sample_profiles(img, centres, n, offs)
    lo, hi = end_levels(prof, 5)
    e = first_moment_edge(prof, offs, lo, hi)
    found = centres + e[:, None] * n
    dist = found @ n - c
    # Bilinear remap resolves positions to 1/32 px and interpolates a curved step: a little per profile,
    # hardly any on average.
    assert np.abs(dist).max() < 0.005
    assert abs(dist.mean()) < 0.001


def test_colour_edge_without_grey_contrast_is_found_in_the_contrast_channel():
    """Red sock on a green cover of the same brightness: no grey step, a full step along the colour difference."""
    offs = profile_offsets(6.0)
    red, green = np.array([0.6, 0.1, 0.1]), np.array([0.1, 0.6, 0.1])
    frac = _phi((1.3 - offs) / 0.8)[:, None]
    prof = (frac * red + (1 - frac) * green)[None]  # (1, M, 3): red before the edge, green after
    assert np.ptp(prof.sum(axis=-1)) < 1e-9
    cc = contrast_channel(prof, red, green)
    assert cc[0, 0] == pytest.approx(1.0, abs=1e-6) and cc[0, -1] == pytest.approx(0.0, abs=1e-6)
    assert first_moment_edge(cc, offs, 1.0, 0.0)[0] == pytest.approx(1.3, abs=1e-6)


def test_linear_crop_is_clipped_and_linear():
    img = np.arange(100 * 120, dtype=np.uint32).reshape(100, 120).astype(np.uint8)
    crop, origin = linear_crop(img, np.array([[3.2, 4.9], [50.5, 60.0]]), pad_px=5)
    assert origin.tolist() == [0, 0] and crop.shape == (66, 57)
    assert np.array_equal(crop, linearize(img[:66, :57]))
    crop, origin = linear_crop(img, np.array([[118.0, 97.5]]), pad_px=3)
    assert origin.tolist() == [115, 94] and crop.shape == (6, 5)
    assert np.array_equal(crop, linearize(img[94:, 115:]))
