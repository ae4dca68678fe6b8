"""Heels without tabs: find both feet in the photo and the heel landmark on each.

The landmark is the most caudal point of each heel's outline along the table
axis: the outline is back-projected onto the plane z = heel height and the
point with the least table y is taken, then refined to sub-pixel accuracy on
the edge at full resolution.

Segmentation works on a reduced copy in linear light. The table covering's
colour is learnt from bands of table around the board (the feet lie towards the
head from it); a pixel is foot when its chromaticity differs from the table's
or when it is far darker or brighter than the table there. A shadow keeps the
table's chromaticity and is only moderately darker, so it stays table (and is
reported when it touches a heel). OpenCV does the morphology, components,
contours and watershed; sub-pixel edges use the first-moment estimate of
:mod:`legcheck.edges` on a foot-vs-table contrast channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._cv import cv2
from .edges import _SRGB_TO_LINEAR
from ..errors import HeelNotFoundError
from ..geometry import Pose, backproject_to_height, project_table

WORK_SIDE_PX = 1200
#: A single foot seen from above at heel height, mm: narrower is not a foot, wider is two touching.
FOOT_WIDTH_MM = (35.0, 150.0)
#: A blob wider than this at heel height holds both feet.
TOUCHING_WIDTH_MM = 175.0
#: Below this confidence there is no credible pair of heels (exit 5).
MIN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Heel:
    """A heel landmark: (x, y) photo pixels, its 1-sigma in px, and the foot's outline (N, 2) px."""

    side: str
    px: tuple
    sigma_px: float
    outline_px: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class HeelPair:
    heels: dict
    confidence: float
    warnings: tuple


def _table_polygon_px(pts_table, board2cam, K, dist, s):
    px = project_table(np.asarray(pts_table, float), board2cam, K, dist)
    return (px + 0.5) * s - 0.5


def _linear_small(bgr, s):
    cv = cv2()
    h, w = bgr.shape[:2]
    small = cv.resize(bgr, (round(w * s), round(h * s)), interpolation=cv.INTER_AREA)
    lin = _SRGB_TO_LINEAR[small]
    return cv.GaussianBlur(lin, (0, 0), 1.0)


def _sample_table(lin, board2cam, K, dist, s, board_spec):
    """Table colours from bands left, right and caudal of the board's paper (table frame, mm)."""
    W, H = board_spec.width_mm, board_spec.height_mm
    xs, ys = [], []
    for x0, x1, y0, y1 in ((-110, -30, -H - 40, 20), (W + 30, W + 110, -H - 40, 20), (-60, W + 60, -H - 110, -H - 40)):
        gx, gy = np.meshgrid(np.linspace(x0, x1, 12), np.linspace(y0, y1, 12))
        xs.append(gx.ravel())
        ys.append(gy.ravel())
    pts = np.c_[np.concatenate(xs), np.concatenate(ys), np.zeros(sum(len(x) for x in xs))]
    px = _table_polygon_px(pts, board2cam, K, dist, s)
    h, w = lin.shape[:2]
    ok = (px[:, 0] >= 2) & (px[:, 0] < w - 2) & (px[:, 1] >= 2) & (px[:, 1] < h - 2)
    if ok.sum() < 20:
        return None
    p = np.round(px[ok]).astype(int)
    return lin[p[:, 1], p[:, 0]].astype(np.float64), px[ok]


def _brightness_field(samples_px, samples_I, shape):
    """Table brightness over the image: a least-squares quadratic in (u, v) through the samples."""
    h, w = shape
    u, v = samples_px[:, 0] / w - 0.5, samples_px[:, 1] / h - 0.5
    A = np.c_[np.ones_like(u), u, v, u * u, v * v, u * v]
    coef, *_ = np.linalg.lstsq(A, np.log(np.maximum(samples_I, 1e-4)), rcond=None)
    coef[3:] = np.clip(coef[3:], -1.5, 1.5)  # extrapolating a quadratic far from the samples is risky
    U, V = np.meshgrid(np.arange(w) / w - 0.5, np.arange(h) / h - 0.5)
    return np.exp(coef[0] + coef[1] * U + coef[2] * V + coef[3] * U * U + coef[4] * V * V + coef[5] * U * V)


def _masked_blur(values, weights, sigma):
    """Wide normalised Gaussian blur of ``values`` over ``weights``, on an 8x reduced grid (it is smooth).

    Returns (valid mask, blurred values) at full size.
    """
    cv = cv2()
    h, w = values.shape
    k = 8
    size = (max(1, w // k), max(1, h // k))
    num = cv.GaussianBlur(cv.resize(values * weights, size, interpolation=cv.INTER_AREA), (0, 0), sigma / k)
    den = cv.GaussianBlur(cv.resize(weights, size, interpolation=cv.INTER_AREA), (0, 0), sigma / k)
    num = cv.resize(num, (w, h), interpolation=cv.INTER_LINEAR)
    den = cv.resize(den, (w, h), interpolation=cv.INTER_LINEAR)
    return den > 0.05, num / np.maximum(den, 1e-6)


def segment_feet(lin, table_rgb, field_I, chroma_tol, rho_lo=0.30, rho_hi=1.40):
    """Foot mask and shadow-like mask (uint8, 0/1) on the reduced linear image.

    The table's brightness is re-learnt from the pixels first taken as table (a wide
    normalised blur), so uneven light and a patterned covering are not taken for feet.
    """
    cv = cv2()
    I = lin.sum(axis=2) + 1e-6
    smooth = cv.GaussianBlur(lin, (0, 0), 1.5)
    chroma = smooth / (smooth.sum(axis=2) + 1e-6)[..., None]
    c_t = table_rgb / table_rgb.sum()
    dc = np.sqrt(np.einsum("ijk,ijk->ij", chroma - c_t, chroma - c_t))
    for _ in range(2):
        rho = I / field_I
        # Chromaticity is noisy where it is dark (a shadow): demand more difference there.
        tol = chroma_tol * np.maximum(1.0, np.sqrt(0.6 / np.maximum(rho, 1e-3)))
        fg = (dc > tol) | (rho < rho_lo) | (rho > rho_hi)
        table = (~fg).astype(np.float32)
        field_I = np.where(*_masked_blur(I.astype(np.float32), table, max(I.shape) / 25.0), field_I)
    rho = I / field_I
    tol = chroma_tol * np.maximum(1.0, np.sqrt(0.6 / np.maximum(rho, 1e-3)))
    fg = (dc > tol) | (rho < rho_lo) | (rho > rho_hi)
    shadow = (~fg) & (rho < 0.75)
    return fg.astype(np.uint8), shadow.astype(np.uint8)


def _components(fg, min_area):
    cv = cv2()
    m = cv.morphologyEx(fg, cv.MORPH_OPEN, cv.getStructuringElement(cv.MORPH_ELLIPSE, (5, 5)))
    m = cv.morphologyEx(m, cv.MORPH_CLOSE, cv.getStructuringElement(cv.MORPH_ELLIPSE, (5, 5)))
    n, labels, stats, _ = cv.connectedComponentsWithStats(m, connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv.CC_STAT_AREA] >= min_area]
    keep.sort(key=lambda i: -stats[i, cv.CC_STAT_AREA])
    return labels, keep


def _outline(mask):
    cv = cv2()
    cs, _ = cv.findContours(mask.astype(np.uint8), cv.RETR_EXTERNAL, cv.CHAIN_APPROX_NONE)
    return max(cs, key=len).reshape(-1, 2).astype(np.float64) if cs else np.zeros((0, 2))


def _split_touching(mask, tx):
    """Split one blob holding both feet along table x: watershed from the two x-extreme halves."""
    cv = cv2()
    dist = cv.distanceTransform(mask.astype(np.uint8), cv.DIST_L2, 5)
    xs = tx[mask > 0]
    mid = np.median(xs)
    markers = np.zeros(mask.shape, np.int32)
    core = dist > 0.5 * dist.max()
    markers[(mask > 0) & core & (tx < mid - 0.15 * np.ptp(xs))] = 1
    markers[(mask > 0) & core & (tx > mid + 0.15 * np.ptp(xs))] = 2
    if (markers == 1).sum() == 0 or (markers == 2).sum() == 0:
        markers[(mask > 0) & (tx < mid)] = 1
        markers[(mask > 0) & (tx >= mid)] = 2
    markers[mask == 0] = 3
    img = np.dstack([(dist / max(dist.max(), 1e-6) * 255).astype(np.uint8)] * 3)
    cv.watershed(img, markers)
    return (markers == 1).astype(np.uint8), (markers == 2).astype(np.uint8)


def _table_xy_map(h, w, s, K, dist, board2cam, height_mm, step=4):
    """Table (x, y) at ``height_mm`` of every reduced pixel, (h, w) each.

    Solved exactly every ``step`` pixels and interpolated: the map is smooth, and undistorting
    a million points one by one is most of contour mode's time otherwise.
    """
    cv = cv2()
    gu = np.arange(0, w + step, step, dtype=np.float64)
    gv = np.arange(0, h + step, step, dtype=np.float64)
    U, V = np.meshgrid(gu, gv)
    full = np.c_[(U.ravel() + 0.5) / s - 0.5, (V.ravel() + 0.5) / s - 0.5]
    txy = backproject_to_height(full, K, dist, board2cam, height_mm).astype(np.float32)
    mx = np.tile((np.arange(w, dtype=np.float32) / step)[None, :], (h, 1))
    my = np.tile((np.arange(h, dtype=np.float32) / step)[:, None], (1, w))
    gx = txy[:, 0].reshape(len(gv), len(gu))
    gy = txy[:, 1].reshape(len(gv), len(gu))
    return (cv.remap(gx, mx, my, cv.INTER_LINEAR).astype(np.float64),
            cv.remap(gy, mx, my, cv.INTER_LINEAR).astype(np.float64))


def find_heels(bgr, board2cam: Pose, K, dist, heel_height_mm: float, board_spec) -> HeelPair:
    """Both heel landmarks in a photo without heel tabs.

    Raises
    ------
    HeelNotFoundError
        No credible pair of heels (fewer than two feet, a heel cut off by the frame, or too
        little contrast between feet and table); the message names what went wrong.
    """
    cv = cv2()
    H, W = bgr.shape[:2]
    s = min(1.0, WORK_SIDE_PX / max(H, W))
    lin = _linear_small(bgr, s)
    h, w = lin.shape[:2]
    sampled = _sample_table(lin, board2cam, K, dist, s, board_spec)
    if sampled is None:
        raise HeelNotFoundError("not enough table visible around the board to tell feet from table; "
                                "include more of the table around the board, or use heel tabs")
    samples, samples_px = sampled
    I_s = samples.sum(axis=1)
    table_rgb = np.median(samples, axis=0)
    chroma_s = samples / I_s[:, None]
    mad_c = np.median(np.linalg.norm(chroma_s - np.median(chroma_s, axis=0), axis=1))
    chroma_tol = max(6.0 * mad_c, 0.035)
    field_I = _brightness_field(samples_px, I_s, (h, w))
    # A patterned or mottled covering widens what counts as table brightness.
    rho_s = I_s / field_I[np.clip(np.round(samples_px[:, 1]).astype(int), 0, h - 1),
                          np.clip(np.round(samples_px[:, 0]).astype(int), 0, w - 1)]
    spread = float(np.median(np.abs(np.log(rho_s))))
    rho_lo, rho_hi = min(0.30, float(np.exp(-6 * spread))), max(1.40, float(np.exp(6 * spread)))
    fg, shadow = segment_feet(lin, table_rgb, field_I, chroma_tol, rho_lo, rho_hi)
    # The board (and its paper) is never a foot.
    m = 14.0
    bw, bh = board_spec.width_mm, board_spec.height_mm
    poly = _table_polygon_px([[-m, m, 0], [bw + m, m, 0], [bw + m, -bh - m, 0], [-m, -bh - m, 0]], board2cam, K, dist, s)
    cv.fillPoly(fg, [np.round(poly).astype(np.int32)], 0)
    # Table coordinates of every reduced pixel at heel height, for sizes and the landmark.
    tx, ty = _table_xy_map(h, w, s, K, dist, board2cam, heel_height_mm)
    mm_per_px = float(np.median(np.abs(np.diff(tx, axis=1))))
    labels, keep = _components(fg, min_area=(25.0 / mm_per_px) ** 2)
    warnings, confidence = [], 1.0
    feet = []
    wide = [i for i in keep if np.ptp(tx[labels == i]) >= FOOT_WIDTH_MM[0]]
    first_w = float(np.ptp(tx[labels == wide[0]])) if wide else 0.0
    second_small = len(wide) < 2 or (labels == wide[1]).sum() < 0.25 * (labels == wide[0]).sum()
    if wide and (first_w > TOUCHING_WIDTH_MM or (second_small and first_w >= 2 * FOOT_WIDTH_MM[0] + 20)):
        # One blob as wide as two feet and no second foot: the feet touch. Split it by shape.
        a, b = _split_touching((labels == wide[0]).astype(np.uint8), tx)
        feet = [a, b]
        warnings.append("the feet touch: they were separated by shape; check the heel points on the annotated photo")
        confidence *= 0.6
    else:
        feet = [(labels == i).astype(np.uint8) for i in wide[:2]]
    if len(feet) < 2:
        raise HeelNotFoundError(f"found {len(feet)} foot/feet, need both heels: photograph both feet with the board, "
                                "against the table covering, or use heel tabs or --left-heel/--right-heel")
    feet.sort(key=lambda mk: float(np.median(tx[mk > 0])))
    heels = {}
    lin_full_cache = {}
    for side, mask in zip(("left", "right"), feet):
        outline = _outline(mask)
        border = (outline[:, 0] <= 1) | (outline[:, 1] <= 1) | (outline[:, 0] >= w - 2) | (outline[:, 1] >= h - 2)
        oi = np.round(outline).astype(int)
        oy = ty[oi[:, 1], oi[:, 0]]
        k = int(np.argmin(np.where(border, np.inf, oy)))
        if not np.isfinite(oy[k]) or _near_border(outline, border, k, 25.0 / mm_per_px):
            raise HeelNotFoundError(f"the {side.upper()} heel is cut off by the edge of the photo; "
                                    "step back so both heels and the board are in the frame")
        width = float(np.ptp(tx[mask > 0]))
        if not FOOT_WIDTH_MM[0] <= width <= FOOT_WIDTH_MM[1] * 1.3:
            warnings.append(f"the {side.upper()} foot looks {width:.0f} mm wide at heel height; check the outline")
            confidence *= 0.7
        full_outline = (outline + 0.5) / s - 0.5
        px, sig, contrast, shadowed = _refine_heel(bgr, full_outline, k, K, dist, board2cam, heel_height_mm, side,
                                                   lin_full_cache, shadow, s)
        if shadowed:
            warnings.append(f"a shadow lies next to the {side.upper()} heel; its outline there may be off")
            confidence *= 0.75
        if contrast < 0.08:
            warnings.append(f"the {side.upper()} heel barely stands out from the table covering; "
                            "use heel tabs or a contrasting covering")
            confidence *= 0.5
        heels[side] = Heel(side, px, sig, full_outline)
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


def _near_border(outline, border, k, radius_px):
    d = np.linalg.norm(outline - outline[k], axis=1)
    return bool(np.any(border & (d < radius_px)))


def _refine_heel(bgr, outline_px, k, K, dist, board2cam, h_mm, side, cache, shadow_small, s):
    """Sub-pixel landmark at full resolution around outline point k.

    Returns (point (x, y) px, its 1-sigma px, foot/table contrast, shadow beside it).
    """
    cv = cv2()
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
    x0, y0 = np.floor(P - span - L - 4).astype(int)
    x1, y1 = np.ceil(P + span + L + 4).astype(int)
    H, W = bgr.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, W - 1), min(y1, H - 1)
    crop = _SRGB_TO_LINEAR[bgr[y0:y1 + 1, x0:x1 + 1]]
    chans_c = [np.ascontiguousarray(crop[..., c]) for c in range(3)]
    # Profiles across the outline itself (not its tangent), each along the outline's own normal.
    idx = np.arange(k - n_out, k + n_out)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(outline_px[idx % n_out], axis=0), axis=1))])
    arc -= arc[n_out]
    sel = idx[(np.abs(arc) <= span)] % n_out
    base = outline_px[sel]
    tang = outline_px[(sel + step) % n_out] - outline_px[(sel - step) % n_out]
    tang /= np.maximum(np.linalg.norm(tang, axis=1, keepdims=True), 1e-9)
    normals = np.c_[tang[:, 1], -tang[:, 0]]
    normals *= np.sign(normals @ nrm)[:, None]

    def profiles(centres, half):
        offs = np.arange(-half, half + 1e-9, 0.25)
        grid = centres[:, None, :] + offs[None, :, None] * normals[:, None, :] - [x0, y0]
        mx, my = grid[..., 0].astype(np.float32), grid[..., 1].astype(np.float32)
        return offs, np.stack([cv.remap(ch, mx, my, cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
                               for ch in chans_c], axis=-1).astype(np.float64)

    def edges(centres, half, levels_q):
        """First-moment edge offset on each profile, in a foot(1)/table(0) contrast channel."""
        offs, chans = profiles(centres, half)
        q = max(2, int(round(levels_q / 0.25)))
        foot = np.median(chans[:, :q].reshape(-1, 3), axis=0)
        table = np.median(chans[:, -q:].reshape(-1, 3), axis=0)
        diff = foot - table
        proj = (chans - table) @ diff / max(diff @ diff, 1e-12)
        inside = np.median(proj[:, :q], axis=1)
        outside = np.median(proj[:, -q:], axis=1)
        ok = (inside - outside) > 0.5
        frac = np.clip((proj - outside[:, None]) / np.where(ok, inside - outside, 1.0)[:, None], -0.5, 1.5)
        e = -half + frac.sum(axis=1) * 0.25 - 0.125
        contrast = float(np.linalg.norm(diff) / max(np.linalg.norm(table) + np.linalg.norm(foot), 1e-6))
        return e, ok, contrast

    # Pass 1 finds the edge within +-L; pass 2 re-centres on it with a short window, so the
    # shading that falls off towards a rounded heel's silhouette biases the edge less.
    e1, ok1, contrast = edges(base, L, 2.0)
    centres = base + np.where(ok1, e1, 0.0)[:, None] * normals
    e2, ok2, _ = edges(centres, 4.0, 1.0)
    ok = ok1 & ok2 & (np.abs(e2) < 3.0)
    pts = centres[ok] + e2[ok, None] * normals[ok]
    if len(pts) < 5:
        return tuple(P), 2.0, contrast, False
    tab = backproject_to_height(pts, K, dist, board2cam, h_mm)
    # Parabola y(x) through the outline's table points near the extreme; its vertex is the landmark.
    xc = tab[:, 0].mean()
    A = np.c_[(tab[:, 0] - xc) ** 2, tab[:, 0] - xc, np.ones(len(tab))]
    coef, res, *_ = np.linalg.lstsq(A, tab[:, 1], rcond=None)
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
    # Shadow on the caudal side of the heel, in the reduced mask.
    sp = np.round((lm + 6 / max(mm_per_px, 1e-6) * nrm + 0.5) * s - 0.5).astype(int)
    hh, ww = shadow_small.shape
    r = max(2, int(4 * s / max(mm_per_px, 1e-6)))
    win = shadow_small[max(sp[1] - r, 0):sp[1] + r + 1, max(sp[0] - r, 0):sp[0] + r + 1]
    shadowed = bool(win.size and win.mean() > 0.3)
    return (float(lm[0]), float(lm[1])), sigma_px, contrast, shadowed


#: Manual points are snapped onto an edge no farther than this (photo pixels) along the table axis.
SNAP_RADIUS_PX = 5.0


def snap_to_edge(bgr, point_px, board2cam: Pose, K, dist, h_mm: float):
    """Move a hand-placed heel point onto the heel's edge along the table axis, if one is right there.

    A click on a phone screen lands a pixel or two off the edge; across the heel's caudal edge that
    is directly an error in lld. Profiles through the point along the image direction of the table
    axis (at heel height) find the strongest step within :data:`SNAP_RADIUS_PX`; the point moves onto
    it (first-moment sub-pixel position) and keeps its position along the edge. With no clear step
    there the point is kept as given.

    Returns
    -------
    (point (x, y), moved_px or None, sigma_px)
    """
    cv = cv2()
    p = np.asarray(point_px, dtype=np.float64)
    on_table = backproject_to_height(p.reshape(1, 2), K, dist, board2cam, h_mm)[0]
    ahead = project_table(np.array([on_table + [0.0, -5.0, 0.0]]), board2cam, K, dist)[0]
    n = ahead - p
    n /= max(np.linalg.norm(n), 1e-9)  # image direction of table -y (caudal) at this point
    t = np.array([-n[1], n[0]])
    R = SNAP_RADIUS_PX + 4.0
    offs = np.arange(-R, R + 1e-9, 0.25)
    lateral = np.arange(-3.0, 3.01, 1.0)
    grid = p[None, None, :] + lateral[:, None, None] * t + offs[None, :, None] * n
    H, W = bgr.shape[:2]
    x0, y0 = np.floor(grid.reshape(-1, 2).min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(grid.reshape(-1, 2).max(axis=0)).astype(int) + 2
    if x0 < 0 or y0 < 0 or x1 >= W or y1 >= H:
        return (float(p[0]), float(p[1])), None, 1.0
    crop = _SRGB_TO_LINEAR[bgr[y0:y1 + 1, x0:x1 + 1]]
    mx = (grid[..., 0] - x0).astype(np.float32)
    my = (grid[..., 1] - y0).astype(np.float32)
    prof = np.stack([cv.remap(np.ascontiguousarray(crop[..., c]), mx, my, cv.INTER_LINEAR) for c in range(3)], -1)
    mean = prof.mean(axis=0).astype(np.float64)  # (len(offs), 3), averaged across the lateral lines
    # The edge is where the colour changes most between 1-4 px before and 1-4 px after, not merely
    # the steepest point: a heel's shading changes slowly, its silhouette at once.
    q1, q4 = 4, 16  # 1 and 4 px in 0.25 px steps
    best, k, a, b = 0.0, None, None, None
    for j in np.nonzero(np.abs(offs) <= SNAP_RADIUS_PX)[0]:
        if j - q4 < 0 or j + q4 >= len(offs):
            continue
        aa = np.median(mean[j - q4:j - q1], axis=0)
        bb = np.median(mean[j + q1:j + q4], axis=0)
        c = float(np.linalg.norm(aa - bb))
        if c > best:
            best, k, a, b = c, j, aa, bb
    if k is None:
        return (float(p[0]), float(p[1])), None, 1.0
    if best < 0.02 or best < 0.1 * (np.linalg.norm(a) + np.linalg.norm(b)) / 2:
        return (float(p[0]), float(p[1])), None, 1.0  # no clear edge here: keep the point as given
    # First-moment edge position within +-4 px of the step.
    d = b - a
    proj = ((mean - a) @ d) / (d @ d)
    w = (np.abs(offs - offs[k]) <= 4.0)
    frac = np.clip(1.0 - proj[w], -0.5, 1.5)  # 1 on the near (a) side, 0 beyond the edge
    e = offs[w][0] + frac.sum() * 0.25 - 0.125
    q = p + e * n
    return (float(q[0]), float(q[1])), float(abs(e)), 0.3
