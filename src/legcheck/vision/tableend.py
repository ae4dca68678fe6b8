"""The table's end: where the table top stops and the floor shows beyond it.

The patient's feet hang over the table's end, so the end line tells contour mode which way the
feet are (the board may lie either way round) and splits the photo into table and floor. It is
found on a plan view of the table plane (z = 0, rectified with the board's pose): the nearest
long, straight, sharp edge beyond the board, roughly square to the board's y axis, on either
side of it. Each candidate line (angle within :data:`MAX_ANGLE_DEG`, offset from the board's
paper) scores the length over which it crosses a sharp colour step (the gradient across it,
saturated, so a short strong edge such as a dark foot on a light floor cannot beat a long
faint one), less the texture around it; the nearest line scoring at least half the best is the end.

Frames: table frame (docs/conventions.md), mm; the plan's rows run towards decreasing table y.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from ..geometry import Pose, project_table

#: The end is searched within this angle of the board's x axis, degrees.
MAX_ANGLE_DEG = 12.0
#: ... and this far beyond the board's paper, mm.
MAX_REACH_MM = 900.0
#: Plan view resolution, mm per pixel.
PLAN_MM_PX = 4.0
#: Gradient (feature units per plan pixel) at which an edge counts fully.
FULL_EDGE = 0.08
#: A line crossing a sharp step over less than this (mm, above the texture) is no end.
MIN_SCORE_MM = 150.0


@dataclass(frozen=True)
class TableEnd:
    """The table's end line in the table plane.

    Attributes
    ----------
    side : int
        -1 when the end lies beyond the board's foot edge (table -y: the board lies as printed),
        +1 beyond its HEAD edge (the board is turned round).
    angle_deg : float
        The line's angle to the board's x axis, degrees.
    offset_mm : float
        Its distance beyond the board's reference edge line (:func:`reference_y`) at the board's
        centre, mm.
    score_mm : float
        Length of sharp straight edge found along it, mm.
    """

    side: int
    angle_deg: float
    offset_mm: float
    score_mm: float

    def beyond_mm(self, x_mm, y_mm, board_spec) -> np.ndarray:
        """Signed distance of table points beyond the end, mm: positive past it (where the feet hang)."""
        t = np.radians(self.angle_deg)
        y0 = reference_y(board_spec, self.side)
        return (self.side * (np.asarray(y_mm) - y0) * np.cos(t) - (np.asarray(x_mm) - board_spec.width_mm / 2)
                * np.sin(t) - self.offset_mm)

    def caudal(self) -> np.ndarray:
        """Unit vector (2,) in the table plane pointing past the end (towards the feet), table frame."""
        t = np.radians(self.angle_deg)
        v = np.array([-np.sin(t), self.side * np.cos(t)])
        return v / np.linalg.norm(v)


def reference_y(board_spec, side: int) -> float:
    """Table y of the line the end's offset is measured from: 25 mm beyond the board's edge on ``side``."""
    return -board_spec.height_mm - 25.0 if side < 0 else 25.0


@dataclass(frozen=True)
class Plan:
    """The table plane around the board, rectified: features (rows, cols, 3), valid mask, origin."""

    feat: np.ndarray
    valid: np.ndarray
    x0_mm: float
    y0_mm: float
    mm_px: float

    def xy(self, cols, rows):
        """Table (x, y) mm of plan pixels."""
        return self.x0_mm + np.asarray(cols) * self.mm_px, self.y0_mm - np.asarray(rows) * self.mm_px


def make_plan(feat: np.ndarray, s: float, board2cam: Pose, K: np.ndarray, dist: np.ndarray, board_spec,
              half_x_mm: float = 700.0, half_y_mm: float = 1000.0, mm_px: float = PLAN_MM_PX) -> Plan:
    """Warp reduced-photo features onto the table plane around the board.

    Parameters
    ----------
    feat : ndarray, shape (h, w, 3)
        Features of the photo reduced by ``s``.
    s : float
        Its scale (reduced px = (photo px + 0.5) s - 0.5).
    board2cam : Pose
    K, dist : ndarray
        Intrinsics of the full-size photo.
    board_spec : BoardSpec
    half_x_mm, half_y_mm, mm_px : float
        Extent either side of the board's centre and resolution.

    Returns
    -------
    Plan
    """
    cv = cv2()
    from ..targets.spec import BOARD2TABLE

    cx, cy = board_spec.width_mm / 2, -board_spec.height_mm / 2
    nx, ny = int(2 * half_x_mm / mm_px), int(2 * half_y_mm / mm_px)
    step = 8
    gx = cx - half_x_mm + np.arange(0, nx + step, step) * mm_px
    gy = cy + half_y_mm - np.arange(0, ny + step, step) * mm_px
    X, Y = np.meshgrid(gx, gy)
    pts = np.c_[X.ravel(), Y.ravel(), np.zeros(X.size)]
    cam = (pts @ BOARD2TABLE.T) @ board2cam.R.T + board2cam.t
    px = (project_table(pts, board2cam, K, dist) + 0.5) * s - 0.5
    # Behind the camera, or so far out that the lens model folds back: not in the photo.
    h, w = feat.shape[:2]
    ideal = cam[:, :2] / np.maximum(cam[:, 2:], 1e-6)
    corner = np.hypot(w / s, h / s) / K[0, 0]
    px[(cam[:, 2] < 50) | (np.linalg.norm(ideal, axis=1) > 1.3 * corner)] = -1e4
    ux = np.tile((np.arange(nx, dtype=np.float32) / step)[None, :], (ny, 1))
    uy = np.tile((np.arange(ny, dtype=np.float32) / step)[:, None], (1, nx))
    mx = cv.remap(px[:, 0].reshape(X.shape).astype(np.float32), ux, uy, cv.INTER_LINEAR)
    my = cv.remap(px[:, 1].reshape(X.shape).astype(np.float32), ux, uy, cv.INTER_LINEAR)
    valid = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
    return Plan(cv.remap(feat, mx, my, cv.INTER_LINEAR), valid, cx - half_x_mm, cy + half_y_mm, mm_px)


def find_end(plan: Plan, board_spec) -> TableEnd | None:
    """The table's end: the best of the nearest strong straight edges beyond either side of the board.

    Parameters
    ----------
    plan : Plan
    board_spec : BoardSpec

    Returns
    -------
    TableEnd or None
        None when no straight edge beyond the board scores :data:`MIN_SCORE_MM`.
    """
    cands = [c for c in (_nearest_line(plan, board_spec, side) for side in (-1, 1)) if c is not None]
    if not cands:
        return None
    best = max(cands, key=lambda c: c.score_mm)
    return best if best.score_mm >= MIN_SCORE_MM else None


def _nearest_line(plan: Plan, board_spec, side: int) -> TableEnd | None:
    cv = cv2()
    f = cv.GaussianBlur(plan.feat, (0, 0), 0.7)
    gc = cv.Sobel(f, cv.CV_32F, 1, 0, ksize=3) / 8.0
    gr = cv.Sobel(f, cv.CV_32F, 0, 1, ksize=3) / 8.0
    valid = cv.erode(plan.valid.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    rows, cols = np.nonzero(valid)
    x, y = plan.xy(cols, rows)
    y0 = reference_y(board_spec, side)
    d = side * (y - y0)
    sel = (d > 0) & (d < MAX_REACH_MM)
    if sel.sum() < 100:
        return None
    x, d = x[sel], d[sel]
    g_c, g_r = gc[rows[sel], cols[sel]], gr[rows[sel], cols[sel]]
    xc = board_spec.width_mm / 2
    angles = np.arange(-MAX_ANGLE_DEG, MAX_ANGLE_DEG + 1e-9, 0.5)
    scores = []
    for a in angles:
        t = np.radians(a)
        r = d * np.cos(t) - (x - xc) * np.sin(t)
        ok = r > 0
        # Gradient across the line: d/dx -> cols, d/dy -> -rows.
        gn = g_c[ok] * (-np.sin(t)) + (-g_r[ok]) * side * np.cos(t)
        mag = np.minimum(np.sqrt((gn ** 2).sum(axis=1)) / FULL_EDGE, 1.0)
        rb = np.round(r[ok] / plan.mm_px).astype(int)
        acc = np.bincount(rb, weights=mag, minlength=rb.max() + 3)
        acc3 = acc[:-2] + acc[1:-1] + acc[2:]
        pad = np.pad(acc3, 12, mode="edge")
        base = np.median(np.lib.stride_tricks.sliding_window_view(pad, 25), axis=1)
        scores.append((acc3 - base) * plan.mm_px)
    n = max(len(s) for s in scores)
    S = np.zeros((len(angles), n))
    for i, s in enumerate(scores):
        S[i, :len(s)] = s
    col = S.max(axis=0)
    top = float(col.max())
    if top <= 0:
        return None
    peaks = [k for k in range(1, n - 1) if col[k] >= col[k - 1] and col[k] >= col[k + 1] and col[k] >= 0.5 * top]
    k = peaks[0] if peaks else int(np.argmax(col))
    i = int(np.argmax(S[:, k]))
    return TableEnd(side, float(angles[i]), (k + 1) * plan.mm_px, float(col[k]))
