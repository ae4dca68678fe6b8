"""Manual heel points: move a hand-placed point onto the heel's edge when one is right there.

A click on a phone screen lands a pixel or two off the edge; across the heel's caudal edge
that is directly an error in lld. Profiles through the point along the image direction of
the table axis (at heel height) find the strongest colour step within :data:`SNAP_RADIUS_PX`;
the point moves onto it (the first-moment edge of :mod:`legcheck.vision.profiles`) and keeps
its position along the edge. With no clear step there the point is kept as given.

A point with no heel edge within snapping reach may be far off it (a click inside the heel, on
the sock's seam, on the leg): :func:`nearest_edge` searches the same profiles out to
:data:`FAR_REACH_MM` along the table axis for the nearest clear step, and the pipeline widens the
bound by that distance in table millimetres (the most the point's offset can move lld_mm), or by
:data:`FAR_REACH_MM` when no edge lies within it.
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
#: How far along the table axis :func:`nearest_edge` looks for an edge, mm (either way): the
#: largest leg-length difference a result may show (:mod:`legcheck.measure.plausibility`).
FAR_REACH_MM = 40.0
#: A step counts as an edge for :func:`nearest_edge` when its contrast is at least this share of
#: the strongest step within reach: the heel's silhouette, not the shading or the weave on it.
EDGE_SHARE = 0.5
#: Profiles side by side across the table axis, px, averaged: a speck on one line cannot move the point.
_LATERAL_PX = np.arange(-3.0, 3.01, 1.0)
#: The step is the colour change between 1-4 px before and 1-4 px after a sample, in samples.
_NEAR_SAMPLES, _FAR_SAMPLES = round(1.0 / PROFILE_STEP_PX), round(4.0 / PROFILE_STEP_PX)


def _axis(point_px, board2cam: Pose, K, dist, h_mm: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(n, t, px_per_mm): the image direction of table -y (caudal) at a point, its normal, and the scale.

    ``px_per_mm`` is how many photo pixels one millimetre along the table axis spans there, at
    height ``h_mm``.
    """
    p = np.asarray(point_px, dtype=np.float64)
    on_table = backproject_to_height(p.reshape(1, 2), K, dist, board2cam, h_mm)[0]
    ahead = project_table(np.array([on_table + [0.0, -5.0, 0.0]]), board2cam, K, dist)[0]
    n = ahead - p
    px_per_mm = float(np.linalg.norm(n)) / 5.0
    n /= max(np.linalg.norm(n), 1e-9)
    return n, np.array([-n[1], n[0]]), px_per_mm


def _mean_profile(bgr: np.ndarray, p: np.ndarray, n: np.ndarray, t: np.ndarray, half_px: float):
    """(offsets (M,), mean colour profile (M, 3)) along ``n`` through ``p``, or None when it leaves the photo."""
    offs = profile_offsets(half_px)
    centres = p[None, :] + _LATERAL_PX[:, None] * t
    ends = np.concatenate([centres + offs[0] * n, centres + offs[-1] * n])
    H, W = bgr.shape[:2]
    if np.any(np.floor(ends.min(axis=0)) - 2 < 0) or np.any(np.ceil(ends.max(axis=0)) + 2 >= [W, H]):
        return None
    crop, origin = linear_crop(bgr, ends, pad_px=2)
    return offs, sample_profiles(crop, centres, n, offs, origin).mean(axis=0)  # across the lateral lines


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
    n, t, _ = _axis(p, board2cam, K, dist, h_mm)
    prof = _mean_profile(bgr, p, n, t, SNAP_RADIUS_PX + 4.0)
    if prof is None:
        return kept
    offs, mean = prof
    steps = _steps(mean, offs, SNAP_RADIUS_PX)
    if not steps:
        return kept
    k, _, a, b = max(steps, key=lambda st: st[1])
    # First-moment edge position within +-4 px of the step, in the a(1)/b(0) contrast channel.
    w = np.abs(offs - offs[k]) <= 4.0
    e = float(first_moment_edge(contrast_channel(mean[w], a, b), offs[w], 1.0, 0.0))
    q = p + e * n
    return (float(q[0]), float(q[1])), abs(e), SNAPPED_SIGMA_PX


def nearest_edge(bgr: np.ndarray, point_px, board2cam: Pose, K: np.ndarray, dist: np.ndarray, h_mm: float,
                 reach_mm: float = FAR_REACH_MM) -> tuple[float, float] | None:
    """How far a point lies from the nearest clear edge along the table axis, either way.

    The profiles of :func:`snap_to_edge`, out to ``reach_mm`` along the table axis; a step counts
    as an edge when it is clear (as for snapping) and at least :data:`EDGE_SHARE` of the
    strongest step within reach.

    Parameters
    ----------
    bgr, point_px, board2cam, K, dist, h_mm
        As :func:`snap_to_edge`.
    reach_mm : float
        How far to look, table mm at height ``h_mm``, either way along the table axis.

    Returns
    -------
    (float, float) or None
        (distance px, distance in table mm along the axis) of the nearest edge, or None when
        none lies within reach (or the profiles would leave the photo there: they are cut to fit).
    """
    p = np.asarray(point_px, dtype=np.float64)
    n, t, px_per_mm = _axis(p, board2cam, K, dist, h_mm)
    H, W = bgr.shape[:2]
    reach_px = reach_mm * px_per_mm
    # Keep the profiles inside the photo: cut the reach to the border along +-n.
    for sign in (1.0, -1.0):
        d = sign * n
        lim = [((W - 8) - p[0]) / d[0] if d[0] > 1e-9 else (p[0] - 7) / -d[0] if d[0] < -1e-9 else np.inf,
               ((H - 8) - p[1]) / d[1] if d[1] > 1e-9 else (p[1] - 7) / -d[1] if d[1] < -1e-9 else np.inf]
        reach_px = min(reach_px, max(min(lim) - 4.0, 0.0))
    if reach_px < 1.0:
        return None
    prof = _mean_profile(bgr, p, n, t, reach_px + 4.0)
    if prof is None:
        return None
    offs, mean = prof
    steps = _steps(mean, offs, reach_px)
    if not steps:
        return None
    strongest = max(c for _, c, _, _ in steps)
    near = min((abs(offs[k]) for k, c, _, _ in steps if c >= EDGE_SHARE * strongest), default=None)
    if near is None:
        return None
    return float(near), float(near / px_per_mm)


def _steps(mean, offs, radius_px):
    """Every clear step within ``radius_px``: (index, contrast, colour before, colour after), local maxima only.

    The contrast at a sample is the colour change between 1-4 px before and 1-4 px after it, not
    merely the steepest point: a heel's shading changes slowly, its silhouette at once. A step is
    clear when that change is over 0.02 and a tenth of the colours' mean brightness.
    """
    q1, q4 = _NEAR_SAMPLES, _FAR_SAMPLES
    idx = [j for j in np.nonzero(np.abs(offs) <= radius_px)[0] if q4 <= j < len(offs) - q4]
    if not idx:
        return []
    before = {j: np.median(mean[j - q4:j - q1], axis=0) for j in idx}
    after = {j: np.median(mean[j + q1:j + q4], axis=0) for j in idx}
    c = {j: float(np.linalg.norm(before[j] - after[j])) for j in idx}
    out = []
    for j in idx:
        if c[j] < c.get(j - 1, -1.0) or c[j] < c.get(j + 1, -1.0):
            continue  # not a local maximum
        level = (np.linalg.norm(before[j]) + np.linalg.norm(after[j])) / 2
        if c[j] >= 0.02 and c[j] >= 0.1 * level:
            out.append((j, c[j], before[j], after[j]))
    return out
