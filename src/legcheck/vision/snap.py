"""Manual heel points: move a hand-placed point onto the heel's edge when one is right there.

A click on a phone screen lands a pixel or two off the edge; across the heel's caudal edge
that is directly an error in lld. Profiles through the point along the image direction of
the table axis (at heel height) find the strongest colour step within :data:`SNAP_RADIUS_PX`;
the point moves onto it (the first-moment edge of :mod:`legcheck.vision.profiles`) and keeps
its position along the edge. With no clear step there the point is kept as given.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Pose, backproject_to_height, project_table
from .profiles import (PROFILE_STEP_PX, contrast_channel, first_moment_edge, linear_crop, profile_offsets,
                       sample_profiles)

#: Manual points are snapped onto an edge no farther than this (photo pixels) along the table axis.
SNAP_RADIUS_PX = 5.0
#: 1-sigma of a snapped point along the table axis, px.
SNAPPED_SIGMA_PX = 0.3
#: 1-sigma of a heel point placed by hand and kept as given, px.
MANUAL_SIGMA_PX = 1.0
#: Profiles side by side across the table axis, px, averaged: a speck on one line cannot move the point.
_LATERAL_PX = np.arange(-3.0, 3.01, 1.0)
#: The step is the colour change between 1-4 px before and 1-4 px after a sample, in samples.
_NEAR_SAMPLES, _FAR_SAMPLES = round(1.0 / PROFILE_STEP_PX), round(4.0 / PROFILE_STEP_PX)


def snap_to_edge(bgr: np.ndarray, point_px, board2cam: Pose, K: np.ndarray, dist: np.ndarray,
                 h_mm: float) -> tuple[tuple[float, float], float | None, float]:
    """Move a hand-placed heel point onto the heel's edge along the table axis, if one is right there.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    point_px : (float, float)
        The point (x, y), photo pixels.
    board2cam : Pose
        The board's pose (board frame to camera, mm).
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) for this photo.
    h_mm : float
        Height of the heel landmark above the table, mm (sets the table axis's image direction).

    Returns
    -------
    point : (float, float)
        The snapped point, or the given one when no clear edge lies within :data:`SNAP_RADIUS_PX`
        (or the profiles would leave the photo).
    moved_px : float or None
        How far it moved, px; None when it was kept as given.
    sigma_px : float
        1-sigma of the returned point, px: :data:`SNAPPED_SIGMA_PX` or :data:`MANUAL_SIGMA_PX`.
    """
    p = np.asarray(point_px, dtype=np.float64)
    kept = (float(p[0]), float(p[1])), None, MANUAL_SIGMA_PX
    on_table = backproject_to_height(p.reshape(1, 2), K, dist, board2cam, h_mm)[0]
    ahead = project_table(np.array([on_table + [0.0, -5.0, 0.0]]), board2cam, K, dist)[0]
    n = ahead - p
    n /= max(np.linalg.norm(n), 1e-9)  # image direction of table -y (caudal) at this point
    t = np.array([-n[1], n[0]])
    offs = profile_offsets(SNAP_RADIUS_PX + 4.0)
    centres = p[None, :] + _LATERAL_PX[:, None] * t
    ends = np.concatenate([centres + offs[0] * n, centres + offs[-1] * n])
    H, W = bgr.shape[:2]
    if np.any(np.floor(ends.min(axis=0)) - 2 < 0) or np.any(np.ceil(ends.max(axis=0)) + 2 >= [W, H]):
        return kept
    crop, origin = linear_crop(bgr, ends, pad_px=2)
    mean = sample_profiles(crop, centres, n, offs, origin).mean(axis=0)  # (M, 3), across the lateral lines
    step = _strongest_step(mean, offs)
    if step is None:
        return kept
    k, a, b = step
    # First-moment edge position within +-4 px of the step, in the a(1)/b(0) contrast channel.
    w = np.abs(offs - offs[k]) <= 4.0
    e = float(first_moment_edge(contrast_channel(mean[w], a, b), offs[w], 1.0, 0.0))
    q = p + e * n
    return (float(q[0]), float(q[1])), abs(e), SNAPPED_SIGMA_PX


def _strongest_step(mean, offs):
    """(index, colour before, colour after) of the clearest step within the snap radius, or None.

    The edge is where the colour changes most between 1-4 px before and 1-4 px after, not merely
    the steepest point: a heel's shading changes slowly, its silhouette at once.
    """
    q1, q4 = _NEAR_SAMPLES, _FAR_SAMPLES
    best, k, a, b = 0.0, None, None, None
    for j in np.nonzero(np.abs(offs) <= SNAP_RADIUS_PX)[0]:
        if j - q4 < 0 or j + q4 >= len(offs):
            continue
        aa = np.median(mean[j - q4:j - q1], axis=0)
        bb = np.median(mean[j + q1:j + q4], axis=0)
        c = float(np.linalg.norm(aa - bb))
        if c > best:
            best, k, a, b = c, j, aa, bb
    if k is None or best < 0.02 or best < 0.1 * (np.linalg.norm(a) + np.linalg.norm(b)) / 2:
        return None  # no clear edge here
    return k, a, b
