"""The one-line result: it names a side only when the bound and the heels found allow it."""

from __future__ import annotations

import pytest

from legcheck.measure.measurement import CONFIDENT, Measurement


def _m(lld, unc, conf=1.0, method="contour"):
    return Measurement(lld_mm=lld, short_leg="right" if lld < 0 else "left", uncertainty_mm=unc, method=method,
                       left_heel_mm=(0.0, 0.0, 100.0), right_heel_mm=(150.0, 0.0, 100.0), camera_source="profile",
                       board_reprojection_px=0.2, view_elevation_deg=60.0, confidence=conf)


@pytest.mark.parametrize("lld,unc,conf,tail", [
    (-18.0, 17.8, 1.0, "(± 17.8 mm, heel contours)"),  # bound clear of zero, heels found without doubt
    (-18.0, 17.8, 0.37, "(± 17.8 mm, heel contours; low confidence 0.37, the side is not certain)"),
    (7.8, 16.6, 1.0, "(± 16.6 mm, heel contours; the side is not certain)"),
    (-18.0, 17.8, CONFIDENT, "(± 17.8 mm, heel contours)"),
])
def test_side_is_certain_only_with_a_clear_bound_and_confident_heels(lld, unc, conf, tail):
    line = _m(lld, unc, conf).summary()
    assert line.endswith(tail)
    assert line.startswith(("Right" if lld < 0 else "Left") + f" leg short by {abs(lld):.1f} mm")


def test_an_unlikely_heel_height_is_warned_of():
    from legcheck.measure.points import TYPICAL_HEEL_HEIGHT_MM, heel_height_warnings

    lo, hi = TYPICAL_HEEL_HEIGHT_MM
    assert heel_height_warnings(100.0) == [] and heel_height_warnings(lo) == [] and heel_height_warnings(hi) == []
    (w,) = heel_height_warnings(1.0)
    assert w.startswith("the heel height given (1 mm) is unlike a prone adult's heel (40-180 mm")
    assert heel_height_warnings(250.0)[0].startswith("the heel height given (250 mm)")
