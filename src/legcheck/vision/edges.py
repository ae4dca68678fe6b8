"""Sub-pixel straight edges of a dark quadrilateral on a light ground (a heel tab's outline).

Each side of the coarse quadrilateral is sampled across its normal; the edge
position on each profile is the area (first-moment) estimate of the dark-to-light
step, which is unbiased for any symmetric blur and averages noise over the whole
profile. The edge points are undistorted before the line fit (lines are straight
only in the pinhole image) and the four lines are intersected for the corners.
Intensities are linearised (sRGB) first: a phone's tone curve would otherwise
move every blurred edge towards the dark side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from ..geometry import distort_ideal, undistort_px

#: sRGB decoding table, uint8 -> linear light in [0, 1].
_SRGB_TO_LINEAR = np.where(np.arange(256) / 255.0 <= 0.04045, np.arange(256) / 255.0 / 12.92,
                           ((np.arange(256) / 255.0 + 0.055) / 1.055) ** 2.4).astype(np.float32)

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


def linearize(gray_u8: np.ndarray) -> np.ndarray:
    """sRGB-encoded uint8 grey (H, W) to float32 linear light in [0, 1]."""
    return _SRGB_TO_LINEAR[gray_u8]


def intersect(l1: np.ndarray, l2: np.ndarray) -> np.ndarray:
    """Intersection (x, y) of two lines (a, b, c)."""
    A = np.array([l1[:2], l2[:2]])
    return np.linalg.solve(A, np.array([l1[2], l2[2]]))


def corners_from_lines(lines: np.ndarray) -> np.ndarray:
    """Corner k is where line k-1 meets line k. Returns (4, 2)."""
    return np.array([intersect(lines[k - 1], lines[k]) for k in range(4)])


def _fit_line(pts: np.ndarray, outward: np.ndarray):
    """Total-least-squares line through pts (N, 2) with two rounds of 3-sigma rejection."""
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
    return line, (sig_off, sig_ang), r[np.abs(r) < 1e9], mu


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
    """
    cv = cv2()
    corners = np.asarray(corners_px, dtype=np.float64)
    result = None
    for pass_no in range(passes):
        centroid = corners.mean(axis=0)
        all_pts, owners = [], []
        for k in range(4):
            p0, p1 = corners[k], corners[(k + 1) % 4]
            length = np.linalg.norm(p1 - p0)
            t = (p1 - p0) / length
            n = np.array([t[1], -t[0]])
            if n @ ((p0 + p1) / 2 - centroid) < 0:
                n = -n
            # Border width across this side: the quad's extent along n times the border fraction.
            across = float(np.max((corners - p0) @ -n))
            L = float(np.clip(0.6 * border_frac * across, 2.0, 10.0))
            offs = np.arange(-L, L + 1e-9, 0.25)
            # Stay clear of the corners, where the neighbouring side's edge enters the profile.
            margin = min(0.45 * length, L + 2.0)
            ts = np.arange(margin, length - margin, 1.0)
            if ts.size < 6:
                continue
            base = p0[None, :] + ts[:, None] * t[None, :]
            grid = base[:, None, :] + offs[None, :, None] * n[None, None, :]
            mx = grid[..., 0].astype(np.float32)
            my = grid[..., 1].astype(np.float32)
            prof = cv.remap(lin, mx, my, cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE).astype(np.float64)
            q = max(2, len(offs) // 5)
            dark = np.median(prof[:, :q], axis=1)
            light = np.median(prof[:, -q:], axis=1)
            contrast = light - dark
            ok = contrast > 0.08
            frac = np.clip((light[:, None] - prof) / np.where(ok, contrast, 1.0)[:, None], -0.5, 1.5)
            e = -L + frac.sum(axis=1) * 0.25 - 0.125  # area under the normalised dark fraction
            e = e[ok]
            pts = base[ok] + e[:, None] * n[None, :]
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
            line, s, r, _ = _fit_line(ideal[owner == k], mid - cen)
            lines.append(line)
            sig.append(s)
            resid.append(r)
        lines = np.array(lines)
        ideal_corners = corners_from_lines(lines)
        corners = distort_ideal(ideal_corners, K, dist)  # back to photo pixels for the next pass
        rr = np.concatenate(resid)
        result = QuadEdges(ideal_corners, lines, np.array(sig), float(np.sqrt(np.mean(rr ** 2))), len(rr))
    return result
