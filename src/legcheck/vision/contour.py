"""Heels without tabs: find both feet in the photo and the heel landmark on each.

The landmark is the most caudal point of each heel's outline along the table axis: the
outline (from :mod:`legcheck.vision.segment`) is back-projected onto the plane z = heel
height and the point with the least table y is taken, then refined to sub-pixel accuracy on
the edge at full resolution, with the first-moment edge of :mod:`legcheck.vision.profiles`
on a foot-vs-table contrast channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import HeelNotFoundError
from ..geometry import Pose, backproject_to_height, project_table
from .profiles import PROFILE_STEP_PX, contrast_channel, end_levels, first_moment_edge, linear_crop, profile_offsets, sample_profiles
from .segment import components, outline, reduced_linear, segment_photo, split_touching, table_xy_map

#: Long side of the reduced copy the feet are segmented on, px.
WORK_SIDE_PX = 1200
#: A single foot seen from above at heel height, mm: narrower is not a foot, wider is two touching.
FOOT_WIDTH_MM = (35.0, 150.0)
#: A blob wider than this at heel height holds both feet.
TOUCHING_WIDTH_MM = 175.0
#: Below this confidence there is no credible pair of heels (exit 5).
MIN_CONFIDENCE = 0.3
#: A heel profile needs its foot and table ends this far apart in the contrast channel (0 table, 1 foot).
MIN_PROFILE_CONTRAST = 0.5


@dataclass(frozen=True)
class Heel:
    """A heel landmark.

    Attributes
    ----------
    side : str
        "left" or "right".
    px : tuple of float
        Landmark (x, y), photo pixels.
    sigma_px : float
        Its 1-sigma, pixels.
    outline_px : ndarray, shape (N, 2)
        The foot's outline, photo pixels (from the reduced copy: good to about a pixel).
    """

    side: str
    px: tuple
    sigma_px: float
    outline_px: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class HeelPair:
    """Both heels: ``heels`` {"left": Heel, "right": Heel}, a confidence in (0, 1] and warnings for people."""

    heels: dict
    confidence: float
    warnings: tuple


def find_heels(bgr: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray, heel_height_mm: float,
               board_spec) -> HeelPair:
    """Both heel landmarks in a photo without heel tabs.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    board2cam : Pose
        The board's pose (board frame to camera, mm).
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) for this photo.
    heel_height_mm : float
        Height of the heel landmark above the table, mm.
    board_spec : BoardSpec

    Returns
    -------
    HeelPair
        Left is the foot at lower table x (the patient's left, prone, seen from the foot end).

    Raises
    ------
    HeelNotFoundError
        No credible pair of heels (fewer than two feet, a heel cut off by the frame, or too
        little contrast between feet and table); the message names what went wrong.
    """
    H, W = bgr.shape[:2]
    s = min(1.0, WORK_SIDE_PX / max(H, W))
    lin = reduced_linear(bgr, s)
    h, w = lin.shape[:2]
    fg, shadow = segment_photo(lin, board2cam, K, dist, s, board_spec)
    # Table coordinates of every reduced pixel at heel height, for sizes and the landmark.
    tx, ty = table_xy_map(h, w, s, K, dist, board2cam, heel_height_mm)
    mm_per_px = float(np.median(np.abs(np.diff(tx, axis=1))))
    feet, warnings, confidence = _two_feet(fg, tx, mm_per_px)
    heels = {}
    for side, mask in zip(("left", "right"), feet):
        heel, notes, factor = _heel(bgr, mask, side, tx, ty, mm_per_px, s, shadow, K, dist, board2cam, heel_height_mm)
        heels[side] = heel
        warnings += notes
        confidence *= factor
    widths = [float(np.ptp(tx[f > 0])) for f in feet]
    if max(widths) > 1.6 * min(widths):
        warnings.append("the two feet look very different in size; one may be partly hidden")
        confidence *= 0.6
    sep = abs(float(np.median(tx[feet[1] > 0]) - np.median(tx[feet[0] > 0])))
    if not 60 <= sep <= 450:
        warnings.append(f"the heels are {sep:.0f} mm apart; check the heel points")
        confidence *= 0.6
    if confidence < MIN_CONFIDENCE:
        raise HeelNotFoundError("no credible pair of heels: " + "; ".join(warnings))
    return HeelPair(heels, float(confidence), tuple(warnings))


def _two_feet(fg, tx, mm_per_px):
    """The two foot masks, left (lower table x) first, with warnings and a confidence factor."""
    labels, keep = components(fg, min_area=(25.0 / mm_per_px) ** 2)
    warnings, confidence = [], 1.0
    wide = [i for i in keep if np.ptp(tx[labels == i]) >= FOOT_WIDTH_MM[0]]
    first_w = float(np.ptp(tx[labels == wide[0]])) if wide else 0.0
    second_small = len(wide) < 2 or (labels == wide[1]).sum() < 0.25 * (labels == wide[0]).sum()
    if wide and (first_w > TOUCHING_WIDTH_MM or (second_small and first_w >= 2 * FOOT_WIDTH_MM[0] + 20)):
        # One blob as wide as two feet and no second foot: the feet touch. Split it by shape.
        feet = list(split_touching((labels == wide[0]).astype(np.uint8), tx))
        warnings.append("the feet touch: they were separated by shape; check the heel points on the annotated photo")
        confidence *= 0.6
    else:
        feet = [(labels == i).astype(np.uint8) for i in wide[:2]]
    if len(feet) < 2:
        raise HeelNotFoundError(f"found {len(feet)} foot/feet, need both heels: photograph both feet with the board, "
                                "against the table covering, or use heel tabs or give both heel points")
    feet.sort(key=lambda mk: float(np.median(tx[mk > 0])))
    return feet, warnings, confidence


def _heel(bgr, mask, side, tx, ty, mm_per_px, s, shadow, K, dist, board2cam, h_mm):
    """One heel from its foot mask: (Heel, warnings, confidence factor)."""
    h, w = mask.shape
    line = outline(mask)
    border = (line[:, 0] <= 1) | (line[:, 1] <= 1) | (line[:, 0] >= w - 2) | (line[:, 1] >= h - 2)
    oi = np.round(line).astype(int)
    oy = ty[oi[:, 1], oi[:, 0]]
    k = int(np.argmin(np.where(border, np.inf, oy)))
    if not np.isfinite(oy[k]) or _near_border(line, border, k, 25.0 / mm_per_px):
        raise HeelNotFoundError(f"the {side.upper()} heel is cut off by the edge of the photo; "
                                "step back so both heels and the board are in the frame")
    warnings, factor = [], 1.0
    width = float(np.ptp(tx[mask > 0]))
    if not FOOT_WIDTH_MM[0] <= width <= FOOT_WIDTH_MM[1] * 1.3:
        warnings.append(f"the {side.upper()} foot looks {width:.0f} mm wide at heel height; check the outline")
        factor *= 0.7
    full_outline = (line + 0.5) / s - 0.5
    px, sig, contrast, shadowed = _refine_heel(bgr, full_outline, k, K, dist, board2cam, h_mm, shadow, s)
    if shadowed:
        warnings.append(f"a shadow lies next to the {side.upper()} heel; its outline there may be off")
        factor *= 0.75
    if contrast < 0.08:
        warnings.append(f"the {side.upper()} heel barely stands out from the table covering; "
                        "use heel tabs or a contrasting covering")
        factor *= 0.5
    return Heel(side, px, sig, full_outline), warnings, factor


def _near_border(line, border, k, radius_px):
    d = np.linalg.norm(line - line[k], axis=1)
    return bool(np.any(border & (d < radius_px)))


def _outline_normals(outline_px, sel, step, outward):
    """Unit normals (N, 2) of the outline at indices ``sel``, from neighbours ``step`` away, towards ``outward``."""
    n_out = len(outline_px)
    tang = outline_px[(sel + step) % n_out] - outline_px[(sel - step) % n_out]
    tang /= np.maximum(np.linalg.norm(tang, axis=1, keepdims=True), 1e-9)
    normals = np.c_[tang[:, 1], -tang[:, 0]]
    return normals * np.sign(normals @ outward)[:, None]


def _refine_heel(bgr, outline_px, k, K, dist, board2cam, h_mm, shadow_small, s):
    """Sub-pixel landmark at full resolution around outline point k.

    Returns (point (x, y) px, its 1-sigma px, foot/table contrast, shadow beside it).
    """
    P = outline_px[k]
    n_out = len(outline_px)
    # Local tangent from outline neighbours about 10 px (full resolution) away.
    step = max(2, int(round(8 * s)))
    t = outline_px[(k + step) % n_out] - outline_px[(k - step) % n_out]
    t /= max(np.linalg.norm(t), 1e-9)
    nrm = np.array([t[1], -t[0]])
    # Outward: away from the foot, i.e. towards lower table y at heel height.
    probe = backproject_to_height(np.array([P + 5 * nrm, P - 5 * nrm]), K, dist, board2cam, h_mm)
    if probe[0, 1] > probe[1, 1]:
        nrm = -nrm
    # Span along the edge: points whose outline distance from P is within ~ 0.35 of the heel's radius.
    d = np.linalg.norm(outline_px - P, axis=1)
    span = float(np.clip(0.5 * np.percentile(d, 3) + 30, 20, 90))
    # The reduced outline is good to about 2 reduced pixels: the first pass must reach past that.
    L = max(10.0, 4.5 / s)
    crop, origin = linear_crop(bgr, np.array([P - span - L - 4, P + span + L + 4]), pad_px=0)
    # Profiles across the outline itself (not its tangent), each along the outline's own normal.
    idx = np.arange(k - n_out, k + n_out)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(outline_px[idx % n_out], axis=0), axis=1))])
    arc -= arc[n_out]
    sel = idx[(np.abs(arc) <= span)] % n_out
    base = outline_px[sel]
    normals = _outline_normals(outline_px, sel, step, nrm)

    def edges(centres, half, levels_q):
        """First-moment edge offset on each profile, in a foot(1)/table(0) contrast channel."""
        offs = profile_offsets(half)
        chans = sample_profiles(crop, centres, normals, offs, origin)
        q = max(2, int(round(levels_q / PROFILE_STEP_PX)))
        foot = np.median(chans[:, :q].reshape(-1, 3), axis=0)
        table = np.median(chans[:, -q:].reshape(-1, 3), axis=0)
        proj = contrast_channel(chans, foot, table)
        inside, outside = end_levels(proj, q)
        ok = (inside - outside) > MIN_PROFILE_CONTRAST
        contrast = float(np.linalg.norm(foot - table) / max(np.linalg.norm(table) + np.linalg.norm(foot), 1e-6))
        return first_moment_edge(proj, offs, inside, outside), ok, contrast

    # Pass 1 finds the edge within +-L; pass 2 re-centres on it with a short window, so the
    # shading that falls off towards a rounded heel's silhouette biases the edge less.
    e1, ok1, contrast = edges(base, L, 2.0)
    centres = base + np.where(ok1, e1, 0.0)[:, None] * normals
    e2, ok2, _ = edges(centres, 4.0, 1.0)
    ok = ok1 & ok2 & (np.abs(e2) < 3.0)
    pts = centres[ok] + e2[ok, None] * normals[ok]
    if len(pts) < 5:
        return tuple(P), 2.0, contrast, False
    lm, sigma_px, mm_per_px = _landmark(pts, K, dist, board2cam, h_mm)
    # Shadow on the caudal side of the heel, in the reduced mask.
    sp = np.round((lm + 6 / max(mm_per_px, 1e-6) * nrm + 0.5) * s - 0.5).astype(int)
    r = max(2, int(4 * s / max(mm_per_px, 1e-6)))
    win = shadow_small[max(sp[1] - r, 0):sp[1] + r + 1, max(sp[0] - r, 0):sp[0] + r + 1]
    shadowed = bool(win.size and win.mean() > 0.3)
    return (float(lm[0]), float(lm[1])), sigma_px, contrast, shadowed


def _landmark(pts, K, dist, board2cam, h_mm):
    """The heel's most caudal point from its edge points (N, 2) px: (landmark px, 1-sigma px, mm per px).

    A parabola y(x) through the edge's table points near the extreme; its vertex is the landmark.
    """
    tab = backproject_to_height(pts, K, dist, board2cam, h_mm)
    xc = tab[:, 0].mean()
    A = np.c_[(tab[:, 0] - xc) ** 2, tab[:, 0] - xc, np.ones(len(tab))]
    coef, *_ = np.linalg.lstsq(A, tab[:, 1], rcond=None)
    a, b, c = coef
    xv = -b / (2 * a) if a > 1e-6 else float(tab[np.argmin(tab[:, 1]), 0]) - xc
    xv = float(np.clip(xv, tab[:, 0].min() - xc, tab[:, 0].max() - xc))
    yv = a * xv * xv + b * xv + c
    resid = tab[:, 1] - A @ coef
    # Image point of the landmark: project it back (same plane, so it lies on the fitted outline).
    lm = project_table(np.array([[xv + xc, yv, h_mm]]), board2cam, K, dist)[0]
    mm_per_px = np.linalg.norm(tab[-1, :2] - tab[0, :2]) / max(np.linalg.norm(pts[-1] - pts[0]), 1e-6)
    sig_mm = float(np.std(resid) * np.sqrt(3.0 / max(len(tab), 1))) if len(tab) > 3 else 1.0
    sigma_px = float(np.hypot(sig_mm / max(mm_per_px, 1e-6), 0.25))
    return lm, sigma_px, mm_per_px
