"""Long straight edges on the table plane, measured to a hundredth of a degree: the table's sides and end.

Coarse lines come from the top view of :mod:`legcheck.vision.table_plane`. Each is measured
again at full resolution: at stations every :data:`STATION_MM` along it, a profile across it is
sampled in linear light, reduced to one channel along the colour difference of its two ends, and
the edge is found at the gradient's peak and placed by the first-moment estimate of
:mod:`legcheck.vision.profiles` in a narrow window around it (so the shading of a rounded table
edge, or a side face beyond it, does not pull it). A station counts only where the window holds
one clean step (not a thin line, such as tile grout) of at least :data:`MIN_STEP_CONTRAST`. The
edge points are back-projected onto z = 0 and fitted with a robust line (Huber weights, then a
3-sigma cut); the angle's sigma comes from the scatter of :data:`BLOCK_MM` block means of the
residuals (neighbouring points share texture and JPEG blocks: they are not independent), plus
:data:`SYSTEMATIC_EDGE_PX` at each end of the line, with a floor of :data:`ANGLE_FLOOR_DEG`.

A line is kept when it is long and straight *on the table plane*: inlier span at least
:data:`MIN_SPAN_MM`, support :data:`MIN_SUPPORT_MM` with one unbroken run of :data:`MIN_RUN_MM`
(two short edges that happen to be in line, such as the heel tabs' cards, are not one), RMS
scatter under :data:`MAX_RMS_MM` and no bow over :data:`MAX_SAGITTA_MM`. The outlines of legs, trousers and shadows are curved, or lie
above the plane where perspective bends them, so they fail; the board's paper is masked out
before. Which kept lines are the table's, and the angle they give, is judged with the heels'
positions in :mod:`legcheck.measure.table_axis`.

Frames: table frame (x to the patient's right, y to the head, mm; ``docs/conventions.md``);
photo pixels with pixel centres at integers.

References
----------
A. J. Tabatabai and O. R. Mitchell, "Edge location to subpixel values in digital imagery",
IEEE Trans. PAMI 6(2), 188-201, 1984 (through :func:`legcheck.vision.profiles.first_moment_edge`).
P. J. Huber, "Robust Estimation of a Location Parameter", Ann. Math. Statist. 35(1), 73-101, 1964.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._cv import cv2
from ..geometry import Pose, backproject_to_height, project_table
from .profiles import PROFILE_STEP_PX, first_moment_edge, linear_crop, profile_offsets, sample_profiles
from .table_plane import coarse_lines, rectify, search_box, segments

#: A kept line: inlier span and summed support along it, mm; RMS scatter and bow, mm.
MIN_SPAN_MM = 250.0
MIN_SUPPORT_MM = 150.0
MAX_RMS_MM = 0.6
MAX_SAGITTA_MM = 0.6
#: A kept line holds at least one unbroken run this long (two short edges in line are no table edge), mm.
MIN_RUN_MM = 100.0
#: Edge stations along a line, mm apart; the blocks whose means set the angle's sigma, mm.
STATION_MM = 3.0
BLOCK_MM = 20.0
#: How far either side of a coarse line the edge is looked for, mm; the step's window, px each side.
SEARCH_MM = 5.0
WINDOW_PX = 4.0
#: A station's two sides must differ by this much (colour distance over summed brightness).
MIN_STEP_CONTRAST = 0.05
#: Edge position error no block scatter shows, px, 1-sigma, taken independently at each end of a line: a
#: rounded edge's shading ramp, shadows and ambient occlusion near the legs shift the edge by amounts that
#: change slowly along it, which a line fit takes for a turn (measured on renders: up to about 0.5 px at
#: 2 MP and 12 MP alike).
SYSTEMATIC_EDGE_PX = 0.4
#: And a floor on the angle's sigma, degrees.
ANGLE_FLOOR_DEG = 0.01
#: 1-sigma of a line's angle seen only in the reduced top view (2 mm pixels, segments >= 20 mm), degrees.
COARSE_SIGMA_DEG = 1.0


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class TableLine:
    """A long straight edge on the table plane.

    Attributes
    ----------
    kind : {"side", "end"}
        Along the board's y axis (a long side of the table, if it is the table's) or across it.
    angle_deg : float
        The table axis it implies, from the board's +y, counter-clockwise seen from above, in
        (-90, 90]: for a side line its own direction, for an end line its normal.
    sigma_deg : float
        1-sigma of ``angle_deg``.
    point_mm : ndarray, shape (2,)
        A point of the line (the inliers' centroid), table frame (x, y), mm.
    direction : ndarray, shape (2,)
        Unit direction, table frame.
    span_mm : tuple of float
        Inliers' extent along ``direction`` from ``point_mm``, mm.
    support_mm : float
        Length along the line covered by inlier edge points, mm.
    rms_mm, sagitta_mm : float
        Inliers' RMS distance from the line, and the bow of a parabola fitted to them, mm.
    contrast : float
        Median colour step across the line (colour distance over summed brightness).
    sides_bgr : ndarray, shape (2, 3)
        Median linear-light colour at the two sides: [left of ``direction``, right of it].
    points_px : ndarray, shape (N, 2)
        The inlier edge points, photo pixels (to draw).
    """

    kind: str
    angle_deg: float
    sigma_deg: float
    point_mm: np.ndarray
    direction: np.ndarray
    span_mm: tuple
    support_mm: float
    rms_mm: float
    sagitta_mm: float
    contrast: float
    sides_bgr: np.ndarray = field(repr=False)
    points_px: np.ndarray = field(repr=False)

    @property
    def measured(self) -> bool:
        """False for a line seen only in the reduced top view (``unmeasured`` of :func:`find_table_lines`)."""
        return bool(np.isfinite(self.support_mm))

    def normal(self) -> np.ndarray:
        """Unit normal (2,): ``direction`` turned clockwise (to its right, seen from above)."""
        return np.array([self.direction[1], -self.direction[0]])

    def signed_distance(self, xy_mm) -> np.ndarray:
        """Signed distance (N,) of table points (N, 2+) from the line, mm, positive to its :meth:`normal` side."""
        p = np.atleast_2d(np.asarray(xy_mm, float))[:, :2]
        return (p - self.point_mm) @ self.normal()

    def endpoints_mm(self) -> np.ndarray:
        """The inliers' two extreme points on the line, (2, 2) table (x, y), mm."""
        return self.point_mm + np.outer(self.span_mm, self.direction)


def axis_angle_deg(direction, kind: str) -> float:
    """The table-axis angle (degrees, (-90, 90]) a line's table-frame direction implies.

    A side line runs along the axis: the axis (0, 1) of the table-axis frame is (-sin t, cos t)
    in the table frame, so t = atan2(-dx, dy). An end line runs along the axis frame's x:
    (cos t, sin t), so t = atan2(dy, dx). Both are taken modulo 180 degrees (a line has no sense).
    """
    dx, dy = float(direction[0]), float(direction[1])
    t = float(np.degrees(np.arctan2(-dx, dy) if kind == "side" else np.arctan2(dy, dx)))
    t = (t + 90.0) % 180.0 - 90.0
    return 90.0 if t == -90.0 else t


def _stations(intervals, pad_mm: float = 20.0) -> np.ndarray:
    """Positions along a line, every :data:`STATION_MM`, covering the intervals with ``pad_mm`` to spare."""
    t = np.concatenate([np.arange(t0 - pad_mm, t1 + pad_mm, STATION_MM) for t0, t1 in intervals])
    return np.unique(np.round(t / STATION_MM).astype(int)) * STATION_MM


def _contrast(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Colour step between rows of linear colours (N, 3): distance over summed brightness, 0-1."""
    return np.linalg.norm(a - b, axis=1) / np.maximum(np.linalg.norm(a, axis=1) + np.linalg.norm(b, axis=1), 1e-6)


def _steps(prof: np.ndarray, offs: np.ndarray):
    """The one clean step on each profile (N, M, 3): (rows kept, edge offset px, contrast, near/far colours (n, 2, 3))."""
    m = prof.shape[1] // 8
    near, far = prof[:, :m].mean(axis=1), prof[:, -m:].mean(axis=1)
    dv = near - far
    cc = np.einsum("nmc,nc->nm", prof - far[:, None, :], dv) / np.maximum((dv * dv).sum(1), 1e-12)[:, None]
    g = -np.diff(cc, axis=1)
    k = np.argmax(g[:, :-2] + g[:, 1:-1] + g[:, 2:], axis=1) + 1
    wn, q = int(round(WINDOW_PX / PROFILE_STEP_PX)), 4
    rows = np.nonzero((k > wn) & (k < len(offs) - wn - 1))[0]
    win = k[rows, None] + np.arange(-wn, wn + 1)[None, :]
    ccw, colw = cc[rows[:, None], win], prof[rows[:, None], win]
    lo, hi = ccw[:, :q].mean(axis=1), ccw[:, -q:].mean(axis=1)
    c_near, c_far = colw[:, :q].mean(axis=1), colw[:, -q:].mean(axis=1)
    contrast = _contrast(c_near, c_far)
    # One step, most of the profile's end-to-end change: not a thin line such as tile grout (its two
    # ends alike), nor a wiggle on a larger slope.
    good = ((lo - hi > 0.3) & (lo - hi > 0.6 * (ccw.max(axis=1) - ccw.min(axis=1))) & (contrast >= MIN_STEP_CONTRAST)
            & (_contrast(near[rows], far[rows]) >= MIN_STEP_CONTRAST))
    rows, win, ccw = rows[good], win[good], ccw[good]
    e = first_moment_edge(ccw, np.arange(2 * wn + 1) * PROFILE_STEP_PX, lo[good], hi[good]) + offs[win[:, 0]]
    return rows, e, contrast[good], np.stack([c_near[good], c_far[good]], axis=1)


def _edge_points(bgr, board2cam, K, dist, p, u, n, t):
    """Sub-pixel crossings of the line p + t u with a clean step in the photo, station by station.

    Returns (table xy (N, 2), photo px (N, 2), t (N,), contrast (N,), colours (N, 2, 3), mm per px
    across the line (float)) of the stations with a step, or None; ``n`` points to the far side
    (colours are [near, far]).
    """
    z = np.zeros((len(t), 1))
    P = p + np.outer(t, u)
    c_px = project_table(np.hstack([P, z]), board2cam, K, dist)
    nrm_px = project_table(np.hstack([P + n, z]), board2cam, K, dist) - project_table(np.hstack([P - n, z]), board2cam,
                                                                                      K, dist)
    px_per_mm = np.linalg.norm(nrm_px, axis=1) / 2.0
    nrm_px /= np.maximum(2.0 * px_per_mm, 1e-9)[:, None]
    H, W = bgr.shape[:2]
    half = float(np.clip(SEARCH_MM * np.median(px_per_mm), 10.0, 40.0))
    offs = profile_offsets(half)
    inside = np.nonzero((c_px[:, 0] > half + 2) & (c_px[:, 0] < W - half - 3) & (c_px[:, 1] > half + 2)
                        & (c_px[:, 1] < H - half - 3))[0]
    got = []
    for chunk in np.array_split(inside, max(1, len(inside) // 24)):  # small crops: little to linearise
        if len(chunk):
            lin, origin = linear_crop(bgr, c_px[chunk], int(half) + 3)
            rows, e, contrast, cols = _steps(sample_profiles(lin, c_px[chunk], nrm_px[chunk], offs, origin), offs)
            sel = chunk[rows]
            got.append((c_px[sel] + e[:, None] * nrm_px[sel], t[sel], contrast, cols))
    if not got or sum(len(g[1]) for g in got) == 0:
        return None
    px = np.concatenate([g[0] for g in got])
    xy = backproject_to_height(px, K, dist, board2cam, 0.0)[:, :2]
    return (xy, px, *(np.concatenate([g[i] for g in got]) for i in (1, 2, 3)),
            1.0 / max(float(np.median(px_per_mm[inside])), 1e-9))


def _longest_run_mm(k: np.ndarray, max_gap: int = 3) -> float:
    """The longest stretch of station indices ``k`` (sorted, unique) with gaps of at most ``max_gap`` stations, mm."""
    if len(k) == 0:
        return 0.0
    breaks = np.nonzero(np.diff(k) > max_gap)[0]
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, len(k) - 1]
    return float((k[ends] - k[starts]).max()) * STATION_MM


def _line_fit(t: np.ndarray, s: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares line s = a + b t."""
    ws = w.sum()
    tm, sm = (w * t).sum() / ws, (w * s).sum() / ws
    b = (w * (t - tm) * (s - sm)).sum() / max((w * (t - tm) ** 2).sum(), 1e-12)
    return float(sm - b * tm), float(b)


def _robust_fit(t: np.ndarray, s: np.ndarray):
    """Huber line fit s = a + b t, then a 3-sigma cut; (a, b, inlier mask).

    References
    ----------
    P. J. Huber, "Robust Estimation of a Location Parameter", Ann. Math. Statist. 35(1), 73-101, 1964.
    """
    w = np.ones_like(t)
    sig = 1.0
    for _ in range(8):
        a, b = _line_fit(t, s, w)
        r = s - a - b * t
        sig = max(1.4826 * float(np.median(np.abs(r - np.median(r)))), 0.03)
        w = np.minimum(1.0, 1.345 * sig / np.maximum(np.abs(r), 1e-12))
    inl = np.abs(s - a - b * t) <= max(3.0 * sig, 0.15)
    if inl.sum() >= 3:
        a, b = _line_fit(t[inl], s[inl], np.ones(int(inl.sum())))
    return a, b, inl


def _slope_sigma(t: np.ndarray, r: np.ndarray) -> float:
    """1-sigma of a fitted line's slope from the scatter of :data:`BLOCK_MM` block means of its residuals ``r``."""
    _, inv, cnt = np.unique(np.floor((t - t.min()) / BLOCK_MM).astype(int), return_inverse=True, return_counts=True)
    w = cnt.astype(float)
    tb, rb = np.bincount(inv, t) / w, np.bincount(inv, r) / w
    if len(w) < 4:  # too short for blocks: the points themselves, as if 3 apart were one
        return float(np.sqrt(3.0 * np.mean(r ** 2) / max(float(((t - t.mean()) ** 2).sum()), 1e-9)))
    a, b = _line_fit(tb, rb, w)
    e = rb - a - b * tb
    tm = (w * tb).sum() / w.sum()
    return float(np.sqrt((w * e * e).sum() / (len(w) - 2) / max(float((w * (tb - tm) ** 2).sum()), 1e-9)))


def refine_line(bgr, board2cam: Pose, K, dist, kind: str, p, u, intervals, centre_mm) -> TableLine | None:
    """A coarse line measured at full resolution: its :class:`TableLine`, or None when it is not long and straight.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    board2cam : Pose
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,).
    kind : {"side", "end"}
    p, u : ndarray, shape (2,)
        A point of the coarse line and its direction, table frame, mm.
    intervals : list of (float, float)
        Stretches along ``u`` from ``p`` (mm) where the coarse line was seen.
    centre_mm : array_like, shape (2,)
        The board's centre, table frame: the line's direction is oriented to have it on the left.
    """
    u = np.asarray(u, float) / np.linalg.norm(u)
    p = np.asarray(p, float)
    n = np.array([u[1], -u[0]])
    if (np.asarray(centre_mm, float) - p) @ n > 0:  # n points away from the board
        u, n = -u, -n
        intervals = [(-t1, -t0) for t0, t1 in intervals]
    got = _edge_points(bgr, board2cam, K, dist, p, u, n, _stations(intervals))
    if got is None or len(got[0]) < MIN_SUPPORT_MM / STATION_MM:
        return None
    xy, px, tt, contrast, cols, mm_per_px = got
    tq, sq = (xy - p) @ u, (xy - p) @ n
    a, b, inl = _robust_fit(tq, sq)
    tq, sq, xy = tq[inl], sq[inl], xy[inl]
    k = np.unique(np.round(tt[inl] / STATION_MM).astype(int))
    support = len(k) * STATION_MM
    span = float(tq.max() - tq.min()) if len(tq) else 0.0
    if support < MIN_SUPPORT_MM or span < MIN_SPAN_MM or _longest_run_mm(k) < MIN_RUN_MM:
        return None
    r = sq - a - b * tq
    rms = float(np.sqrt(np.mean(r ** 2)))
    sagitta = float(abs(np.polyfit(tq - tq.mean(), r, 2)[0]) * (span / 2) ** 2)
    if rms > MAX_RMS_MM or sagitta > MAX_SAGITTA_MM:
        return None
    d = (u + b * n) / np.hypot(1.0, b)
    centre = xy.mean(axis=0)
    ts = (xy - centre) @ d
    systematic = np.sqrt(2.0) * SYSTEMATIC_EDGE_PX * mm_per_px / max(span, 1.0)  # radians
    sigma = float(np.sqrt(np.degrees(_slope_sigma(tq, r)) ** 2 + np.degrees(systematic) ** 2 + ANGLE_FLOOR_DEG ** 2))
    return TableLine(kind=kind, angle_deg=axis_angle_deg(d, kind), sigma_deg=sigma, point_mm=centre, direction=d,
                     span_mm=(float(ts.min()), float(ts.max())), support_mm=float(support), rms_mm=rms,
                     sagitta_mm=sagitta, contrast=float(np.median(contrast[inl])),
                     sides_bgr=np.median(cols[inl], axis=0), points_px=px[inl])


def find_table_lines(bgr: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray, board_spec,
                     heels_mm=None, gray: np.ndarray | None = None, unmeasured: list | None = None) -> list[TableLine]:
    """Long straight edges on the table plane around the board: candidates for the table's sides and end.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    board2cam : Pose
        The board's pose (board frame to camera, mm).
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) of the photo.
    board_spec : BoardSpec
    heels_mm : sequence of array_like, optional
        The heels, table frame, mm: the search reaches around them too.
    gray : ndarray, uint8, shape (H, W), optional
        The photo in grey, when at hand.
    unmeasured : list, optional
        Gets the long straight lines seen in the reduced top view that could not be measured at full
        resolution (too little unbroken support, too ragged), as TableLines with the coarse angle,
        :data:`COARSE_SIGMA_DEG`, and no support figures: not precise enough to give the axis, but
        evidence that the board may be turned against the table.

    Returns
    -------
    list of TableLine
        Every line that is long and straight on the table plane (the board's paper left out),
        each with its direction oriented so the board's centre lies on its left.
    """
    box = search_box(board_spec, heels_mm)
    gray = cv2().cvtColor(bgr, cv2().COLOR_BGR2GRAY) if gray is None else gray
    top, valid = rectify(gray, board2cam, K, dist, box)
    centre = np.array([board_spec.width_mm / 2, -board_spec.height_mm / 2])
    out = []
    for kind, p, u, iv in coarse_lines(segments(top, valid, box, board_spec)):
        line = refine_line(bgr, board2cam, K, dist, kind, p, u, iv, centre)
        if line is not None:
            out.append(line)
        elif unmeasured is not None:
            unmeasured.append(_coarse_line(kind, p, u, iv, centre))
    return out


def _coarse_line(kind: str, p, u, intervals, centre_mm) -> TableLine:
    """A coarse line as a TableLine (direction oriented with the board's centre on its left)."""
    u = np.asarray(u, float) / np.linalg.norm(u)
    p = np.asarray(p, float)
    if (np.asarray(centre_mm, float) - p) @ np.array([u[1], -u[0]]) > 0:
        u = -u
        intervals = [(-t1, -t0) for t0, t1 in intervals]
    ts = [t for iv in intervals for t in iv]
    return TableLine(kind=kind, angle_deg=axis_angle_deg(u, kind), sigma_deg=COARSE_SIGMA_DEG, point_mm=p, direction=u,
                     span_mm=(float(min(ts)), float(max(ts))), support_mm=float("nan"), rms_mm=float("nan"),
                     sagitta_mm=float("nan"), contrast=float("nan"), sides_bgr=np.full((2, 3), np.nan),
                     points_px=np.empty((0, 2)))
