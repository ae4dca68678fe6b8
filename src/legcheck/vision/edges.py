"""Sub-pixel straight edges of a dark quadrilateral on a light ground (a heel tab's outline).

Each side of the coarse quadrilateral is sampled across its normal and the edge on each
profile is the first-moment estimate of :mod:`legcheck.vision.profiles`, in linear light. The
edge points are undistorted before the line fit (lines are straight only in the pinhole
image) and the four lines are intersected for the corners.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import distort_ideal, undistort_px
from .profiles import end_levels, first_moment_edge, profile_offsets, sample_profiles

#: A profile whose light and dark ends differ by less than this (linear light, 0-1) is skipped.
MIN_CONTRAST = 0.08
#: Systematic edge error no fit residual shows (JPEG blocks, demosaicing, ink spread, a card
#: not quite flat), px, 1-sigma; taken independently at each end of every side.
SYSTEMATIC_EDGE_PX = 0.03

#: Edge samples along one profile are correlated over about this many samples (blur, JPEG blocks);
#: the line-fit standard errors are inflated by its square root.
_CORRELATION_SAMPLES = 3.0


@dataclass(frozen=True)
class QuadEdges:
    """A refined quadrilateral.

    Attributes
    ----------
    corners_ideal_px : ndarray, shape (4, 2)
        Corners (x, y) in the undistorted pinhole image, in the input order.
    lines : ndarray, shape (4, 3)
        Lines (a, b, c) with a x + b y = c, (a, b) a unit outward normal, ideal pixels; line k joins corner k and k+1.
    line_sigma : ndarray, shape (4, 2)
        1-sigma of each line's offset (px) and angle (rad).
    edge_rms_px : float
        RMS distance of the edge points from their lines.
    n_points : int
    """

    corners_ideal_px: np.ndarray
    lines: np.ndarray
    line_sigma: np.ndarray
    edge_rms_px: float
    n_points: int


def intersect(l1: np.ndarray, l2: np.ndarray) -> np.ndarray:
    """Intersection of two lines.

    Parameters
    ----------
    l1, l2 : ndarray, shape (3,)
        Lines (a, b, c) with a x + b y = c, any pixel frame.

    Returns
    -------
    ndarray, shape (2,)
        The point (x, y) in the same frame.

    Raises
    ------
    numpy.linalg.LinAlgError
        The lines are parallel.
    """
    A = np.array([l1[:2], l2[:2]])
    return np.linalg.solve(A, np.array([l1[2], l2[2]]))


def corners_from_lines(lines: np.ndarray) -> np.ndarray:
    """The four corners of a quadrilateral from its side lines.

    Parameters
    ----------
    lines : ndarray, shape (4, 3)
        Side lines (a, b, c), a x + b y = c; line k joins corner k and corner k+1.

    Returns
    -------
    ndarray, shape (4, 2)
        Corner k, where line k-1 meets line k, (x, y) in the lines' frame.
    """
    return np.array([intersect(lines[k - 1], lines[k]) for k in range(4)])


def _fit_line(pts: np.ndarray, outward: np.ndarray):
    """Total-least-squares line through pts (N, 2) with up to two rounds of 3-sigma rejection.

    Returns the line (a, b, c) with (a, b) the unit normal towards ``outward``, its 1-sigma
    (offset px, angle rad) and the kept points' residuals (px).
    """
    keep = np.ones(len(pts), bool)
    for _ in range(3):
        p = pts[keep]
        mu = p.mean(axis=0)
        _, _, vt = np.linalg.svd(p - mu, full_matrices=False)
        n = vt[1]
        if n @ outward < 0:
            n = -n
        d = (pts - mu) @ n
        sigma = max(np.std(d[keep]), 1e-3)
        new_keep = np.abs(d) < 3 * sigma + 0.05
        if new_keep.sum() < 6 or np.array_equal(new_keep, keep):
            break
        keep = new_keep
    p = pts[keep]
    mu = p.mean(axis=0)
    t = np.array([-n[1], n[0]])
    s = (p - mu) @ t
    r = (p - mu) @ n
    rms = float(np.sqrt(np.mean(r ** 2)))
    n_eff = max(len(p) / _CORRELATION_SAMPLES, 2.0)
    span = max(float(s.max() - s.min()), 1.0)
    sig_off = float(np.hypot(rms / np.sqrt(n_eff), SYSTEMATIC_EDGE_PX / np.sqrt(2)))
    sig_ang = float(np.hypot(rms / np.sqrt(max(np.sum(s ** 2) / _CORRELATION_SAMPLES, 1e-9)),
                             np.sqrt(2) * SYSTEMATIC_EDGE_PX / span))
    line = np.array([n[0], n[1], n @ mu])
    return line, (sig_off, sig_ang), r


def _side_edge_points(lin: np.ndarray, corners: np.ndarray, k: int, border_frac: float) -> np.ndarray | None:
    """Edge points (N, 2), px, on side k (corner k to k+1) of a dark quad: one per pixel along the side.

    None when the side is too short to sample clear of its corners.
    """
    p0, p1 = corners[k], corners[(k + 1) % 4]
    length = np.linalg.norm(p1 - p0)
    t = (p1 - p0) / length
    n = np.array([t[1], -t[0]])
    if n @ ((p0 + p1) / 2 - corners.mean(axis=0)) < 0:
        n = -n  # outward: from the dark border to the light ground
    # Border width across this side: the quad's extent along n times the border fraction.
    across = float(np.max((corners - p0) @ -n))
    L = float(np.clip(0.6 * border_frac * across, 2.0, 10.0))
    offs = profile_offsets(L)
    # Stay clear of the corners, where the neighbouring side's edge enters the profile.
    margin = min(0.45 * length, L + 2.0)
    ts = np.arange(margin, length - margin, 1.0)
    if ts.size < 6:
        return None
    base = p0[None, :] + ts[:, None] * t[None, :]
    prof = sample_profiles(lin, base, n, offs)
    dark, light = end_levels(prof, max(2, len(offs) // 5))
    ok = light - dark > MIN_CONTRAST
    e = first_moment_edge(prof[ok], offs, dark[ok], light[ok])
    return base[ok] + e[:, None] * n[None, :]


def refine_quad(lin: np.ndarray, corners_px: np.ndarray, K: np.ndarray, dist: np.ndarray,
                border_frac: float, passes: int = 2) -> QuadEdges:
    """Refine a dark quadrilateral's corners to sub-pixel accuracy from its whole outline.

    Parameters
    ----------
    lin : ndarray, shape (H, W), float32
        Linear-light grey image (or a crop of it; then ``corners_px`` are in the crop's pixels
        and ``K`` must be shifted accordingly).
    corners_px : ndarray, shape (4, 2)
        Coarse corners (x, y) in the distorted image, in order around the quad.
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) for the image ``lin`` is cut from.
    border_frac : float
        Width of the quad's dark border as a fraction of its side (1/7 for a 5x5 ArUco marker).
        Each side's profiles reach 0.6 border widths inwards, measured across that side, so
        they stay in the border even where the quad is strongly foreshortened.
    passes : int
        Refinement passes; the first starts from the coarse corners.

    Returns
    -------
    QuadEdges
        Corners and lines in the undistorted (pinhole) pixels of ``lin``'s frame, with the lines'
        1-sigma from the fit residuals plus :data:`SYSTEMATIC_EDGE_PX`.

    Raises
    ------
    ValueError
        A side has fewer than 6 profiles with contrast: the quad is too small, too blurred or
        too faint to fit (callers turn this into their own typed error).

    References
    ----------
    Edge positions: A. J. Tabatabai and O. R. Mitchell, IEEE Trans. PAMI 6(2), 1984 (see
    :func:`legcheck.vision.profiles.first_moment_edge`).
    """
    corners = np.asarray(corners_px, dtype=np.float64)
    result = None
    for _ in range(passes):
        all_pts, owners = [], []
        for k in range(4):
            pts = _side_edge_points(lin, corners, k, border_frac)
            if pts is None:
                continue
            all_pts.append(pts)
            owners.append(np.full(len(pts), k))
        if len(all_pts) < 4 or any(len(p) < 6 for p in all_pts):
            raise ValueError("tab outline too small or too faint to fit")
        pts = np.concatenate(all_pts)
        ideal = undistort_px(pts, K, dist, K)
        owner = np.concatenate(owners)
        ideal_c = undistort_px(corners, K, dist, K)
        cen = ideal_c.mean(axis=0)
        lines, sig, resid = [], [], []
        for k in range(4):
            mid = (ideal_c[k] + ideal_c[(k + 1) % 4]) / 2
            line, s, r = _fit_line(ideal[owner == k], mid - cen)
            lines.append(line)
            sig.append(s)
            resid.append(r)
        lines = np.array(lines)
        ideal_corners = corners_from_lines(lines)
        corners = distort_ideal(ideal_corners, K, dist)  # back to photo pixels for the next pass
        rr = np.concatenate(resid)
        result = QuadEdges(ideal_corners, lines, np.array(sig), float(np.sqrt(np.mean(rr ** 2))), len(rr))
    return result
