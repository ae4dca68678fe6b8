"""A camera profile's uncertainty reaches the measurement: a poorly known camera widens uncertainty_mm,
and the JSON says how much of the bound comes from the profile."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from legcheck.pipeline import measure_photo

from conftest import profile_of


def _with_spread(profile, rel_focal: float, pp_px: float, k1: float):
    cov = np.diag(np.r_[rel_focal * profile.K[0, 0], rel_focal * profile.K[1, 1], pp_px, pp_px, k1, 0, 0, 0, 0] ** 2)
    cov[0, 1] = cov[1, 0] = cov[0, 0]  # one focal error moves fx and fy together
    return replace(profile, covariance=tuple(cov.ravel()))


@pytest.mark.parametrize("method", ["tabs", "manual"])
def test_profile_share_is_the_quadrature_difference(basic, method):
    scene, path, truth = basic
    wide = _with_spread(profile_of(scene), 0.02, 15.0, 0.02)
    kw = {}
    if method == "manual":  # click the tabs' centres
        outlines = measure_photo(path, camera=profile_of(scene)).outlines
        kw = dict(left_heel_px=tuple(outlines["left"].mean(axis=0)), right_heel_px=tuple(outlines["right"].mean(axis=0)),
                  snap=False)
    kw["board_squared"] = True  # the plain layout's endless table: the board is its axis (no assumed turn)
    m_wide = measure_photo(path, camera=wide, **kw).measurement
    # The same camera taken as exact draws the same random numbers for everything else.
    m_exact = measure_photo(path, camera=wide.fixed(), **kw).measurement
    assert m_exact.details["profile_share"] == 0.0 and m_exact.details["uncertainty_from_profile_mm"] == 0.0
    assert m_wide.uncertainty_mm > m_exact.uncertainty_mm
    share = m_wide.details["profile_share"]
    part = m_wide.details["uncertainty_from_profile_mm"]
    # Tab centres are no heel edge: manual mode widens both bounds alike and linearly by how far the
    # nearest edge lies (issue 10); the profile's part is of the drawn bound, without that widening.
    off = m_wide.details.get("point_off_edge_mm", 0.0)
    assert m_exact.details.get("point_off_edge_mm", 0.0) == off
    wide, exact = m_wide.uncertainty_mm - off, m_exact.uncertainty_mm - off
    # The profile's part and the rest add in quadrature to the bound; the rest is the exact camera's bound.
    assert part ** 2 + exact ** 2 == pytest.approx(wide ** 2, rel=0.005)
    # Both are rounded (share to 0.001, the part to 1 um): compare within what the rounding allows.
    assert part ** 2 == pytest.approx(share * wide ** 2, rel=0.01, abs=0.0005 * wide ** 2 + 0.001 * part)
    if method == "tabs":
        # With heel tabs little else is uncertain: a 2 % focal length is most of the bound.
        assert share > 0.5
        assert abs(m_wide.lld_mm - truth["lld_mm"]) <= m_wide.uncertainty_mm
    else:
        # Points carry the heel height's +/-30 mm: the profile is a small part there.
        assert 0 < share < 0.5
