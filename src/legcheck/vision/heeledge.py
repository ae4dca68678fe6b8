"""A heel's landmark to sub-pixel accuracy: the middle of the heel's caudal end, at heel height.

The outline found on the reduced copy (good to about a reduced pixel) is sampled across at full
resolution over the heel's **cap** (the outline within :data:`CAP_DEPTH_MM` of its most caudal
point on the heel-height plane): profiles along the outline's own normals, each reduced to a
foot(1)/background(0) contrast channel and located by the first-moment edge of
:mod:`legcheck.vision.profiles` (two passes: the second re-centred with a short window, so the
shading that falls off towards a rounded heel's silhouette biases it less). The edge points are
back-projected onto the plane z = heel height; the landmark is the edge's point midway across the
cap (a quadratic through the edge points near it). For a rounded heel that is its most caudal
point; for a shoe's flat-backed heel, laid a little askew, it is the middle of the heel's rear
edge, not its lower corner (docs/conventions.md). Its 1-sigma comes from the fit's residuals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import Pose, backproject_to_height, project_table
from .profiles import PROFILE_STEP_PX, contrast_channel, end_levels, first_moment_edge, linear_crop, profile_offsets, \
    sample_profiles

#: A heel profile needs its foot and background ends this far apart in the contrast channel (0 background, 1 foot).
MIN_PROFILE_CONTRAST = 0.5
#: Fewer edge points than this around the tip: the landmark is the outline's own point, 2 px 1-sigma.
MIN_EDGE_POINTS = 5
#: The heel's cap: the outline within this of its most caudal point (table mm, heel-height plane).
CAP_DEPTH_MM = 12.0
#: Below this heel/background contrast the first look is repeated with profiles :data:`WIDEN` times longer.
FAINT = 0.08
WIDEN = 3.0
#: The edge is fitted within this of the cap's middle, mm (or a third of the cap's width, if more).
FIT_HALF_MM = 8.0


@dataclass(frozen=True)
class HeelEdge:
    """The refined landmark.

    Attributes
    ----------
    px : tuple of float
        Landmark (x, y), photo pixels.
    sigma_px : float
        Its 1-sigma, px.
    contrast : float
        Colour difference between heel and background, relative (0-1).
    edge_points : int
        Edge points the landmark was fitted to.
    """

    px: tuple
    sigma_px: float
    contrast: float
    edge_points: int


def refine(bgr: np.ndarray, outline_px: np.ndarray, k: int, K: np.ndarray, dist: np.ndarray, board2cam: Pose,
           h_mm: float, s: float, caudal_sign: int = -1) -> HeelEdge:
    """Sub-pixel landmark at full resolution around outline point ``k``.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    outline_px : ndarray, shape (N, 2)
        The foot's closed outline, photo pixels.
    k : int
        Index of its coarse tip.
    K, dist : ndarray
        Intrinsics for this photo.
    board2cam : Pose
    h_mm : float
        Heel height, mm.
    s : float
        Scale of the reduced copy the outline comes from (sets the first search window).
    caudal_sign : {-1, 1}
        -1 when the feet lie towards table -y (the board as printed), +1 when it is turned round.

    Returns
    -------
    HeelEdge
    """
    P = outline_px[k]
    n_out = len(outline_px)
    step = max(2, int(round(8 * s)))
    t = outline_px[(k + step) % n_out] - outline_px[(k - step) % n_out]
    t /= max(np.linalg.norm(t), 1e-9)
    nrm = np.array([t[1], -t[0]])
    # Outward: away from the foot, i.e. towards the caudal side at heel height.
    probe = backproject_to_height(np.array([P + 5 * nrm, P - 5 * nrm]), K, dist, board2cam, h_mm)
    if caudal_sign * (probe[0, 1] - probe[1, 1]) < 0:
        nrm = -nrm
    sel = _cap(outline_px, k, K, dist, board2cam, h_mm, caudal_sign)
    # The reduced outline is good to about 2 reduced pixels: the first pass must reach past that.
    L = max(10.0, 4.5 / s)
    base = outline_px[sel]
    crop, origin = linear_crop(bgr, np.array([base.min(axis=0) - WIDEN * L - 4, base.max(axis=0) + WIDEN * L + 4]),
                               pad_px=0)
    normals = _outline_normals(outline_px, sel, step, nrm)

    def edges(centres, half, levels_q):
        offs = profile_offsets(half)
        chans = sample_profiles(crop, centres, normals, offs, origin)
        q = max(2, int(round(levels_q / PROFILE_STEP_PX)))
        foot = np.median(chans[:, :q].reshape(-1, 3), axis=0)
        background = np.median(chans[:, -q:].reshape(-1, 3), axis=0)
        proj = contrast_channel(chans, foot, background)
        inside, outside = end_levels(proj, q)
        ok = (inside - outside) > MIN_PROFILE_CONTRAST
        contrast = float(np.linalg.norm(foot - background) / max(np.linalg.norm(background) + np.linalg.norm(foot), 1e-6))
        return first_moment_edge(proj, offs, inside, outside), ok, contrast

    e1, ok1, contrast = edges(base, L, 2.0)
    if contrast < FAINT:
        # Both ends alike: the reduced outline may lie on an edge inside the foot (a shoe's upper
        # against its sole, both dark), not on its outline. Look again, farther out.
        wide = edges(base, WIDEN * L, 2.0)
        if wide[2] > 2 * contrast:
            e1, ok1, contrast = wide
    centres = base + np.where(ok1, e1, 0.0)[:, None] * normals
    e2, ok2, _ = edges(centres, 4.0, 1.0)
    ok = ok1 & ok2 & (np.abs(e2) < 3.0)
    pts = centres[ok] + e2[ok, None] * normals[ok]
    if len(pts) < MIN_EDGE_POINTS:
        return HeelEdge((float(P[0]), float(P[1])), 2.0, contrast, int(len(pts)))
    lm, sigma_px = _landmark(pts, K, dist, board2cam, h_mm, caudal_sign)
    return HeelEdge((float(lm[0]), float(lm[1])), sigma_px, contrast, int(len(pts)))


def _cap(outline_px, k, K, dist, board2cam, h_mm, caudal_sign, margin_mm: float = 10.0) -> np.ndarray:
    """Outline indices around ``k`` over the heel's cap (within CAP_DEPTH_MM of the tip) and ``margin_mm`` more."""
    n = len(outline_px)
    tab = backproject_to_height(outline_px, K, dist, board2cam, h_mm)
    c = caudal_sign * tab[:, 1]
    step_mm = np.linalg.norm(np.diff(np.vstack([tab, tab[:1]])[:, :2], axis=0), axis=1)
    out = [k]
    for sgn in (1, -1):
        j, extra, arc = k, 0.0, 0.0
        while arc < 250.0:
            nxt = (j + sgn) % n
            if nxt == k:
                break
            d = step_mm[j if sgn > 0 else nxt]
            arc += d
            if c[k] - c[nxt] > CAP_DEPTH_MM:
                extra += d
                if extra > margin_mm:
                    break
            j = nxt
            out.append(j)
    return np.array(sorted(set(out), key=lambda i: (i - k + n // 2) % n))


def _outline_normals(outline_px, sel, step, outward):
    """Unit normals (N, 2) of the outline at indices ``sel``, from neighbours ``step`` away, towards ``outward``."""
    n_out = len(outline_px)
    tang = outline_px[(sel + step) % n_out] - outline_px[(sel - step) % n_out]
    tang /= np.maximum(np.linalg.norm(tang, axis=1, keepdims=True), 1e-9)
    normals = np.c_[tang[:, 1], -tang[:, 0]]
    return normals * np.sign(normals @ outward)[:, None]


def _landmark(pts, K, dist, board2cam, h_mm, caudal_sign):
    """The middle of the heel's caudal end from its edge points (N, 2) px: (landmark px, 1-sigma px)."""
    tab = backproject_to_height(pts, K, dist, board2cam, h_mm)
    c = caudal_sign * tab[:, 1]
    cap = c >= c.max() - CAP_DEPTH_MM
    x_lo, x_hi = tab[cap, 0].min(), tab[cap, 0].max()
    xc = 0.5 * (x_lo + x_hi)
    near = np.abs(tab[:, 0] - xc) <= max(FIT_HALF_MM, (x_hi - x_lo) / 3)
    if near.sum() < 4:
        near = cap
    x, y = tab[near, 0] - xc, tab[near, 1]
    A = np.c_[x ** 2, x, np.ones(len(x))] if near.sum() >= 6 else np.c_[x, np.ones(len(x))]
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    yc = float(coef[-1])
    resid = y - A @ coef
    lm = project_table(np.array([[xc, yc, h_mm]]), board2cam, K, dist)[0]
    mm_per_px = np.linalg.norm(tab[-1, :2] - tab[0, :2]) / max(np.linalg.norm(pts[-1] - pts[0]), 1e-6)
    sig_mm = float(np.std(resid) * np.sqrt(A.shape[1] / max(len(x), 1))) if len(x) > A.shape[1] else 1.0
    return lm, float(np.hypot(sig_mm / max(mm_per_px, 1e-6), 0.25))
