"""The table plane seen from above: a metric top view of the photo, and the straight segments in it.

The board's pose gives the table plane (z = 0 of the table frame). :func:`rectify` maps a band of
the photo around the board onto that plane as a top view at :data:`RECT_MM` per pixel (a plane
maps to a plane by a homography; the lens distortion is applied exactly, point by point), so a
straight edge on the table is straight there, at its true angle. :func:`coarse_lines` runs
OpenCV's line segment detector on it and joins segments that run along the board's y axis
("side" candidates) or across it ("end" candidates), within :data:`ANGLE_WINDOW_DEG`, into lines
good to a millimetre or two; :mod:`legcheck.vision.table_edges` measures them again at full
resolution. Segments on the board's own paper, and along the photo's border, are left out.

Frames: table frame (x to the patient's right, y to the head, mm); photo pixels with pixel
centres at integers.

References
----------
R. Grompone von Gioi, J. Jakubowicz, J.-M. Morel and G. Randall, "LSD: a Line Segment Detector",
Image Processing On Line 2, 35-55, 2012 (through ``cv2.createLineSegmentDetector``).
"""

from __future__ import annotations

import numpy as np

from .._cv import cv2
from ..geometry import Pose, project_table

#: Top view: mm per pixel, and how far around the board (and the heels, when given) it reaches, mm.
RECT_MM = 2.0
RECT_REACH_MM = 650.0
RECT_MAX_SIDE_MM = 2000.0
#: Segments within this of the board's squares are the board's paper: an untrimmed A4 or Letter sheet
#: reaches at most about 23 mm beyond the squares (the print's margins and label strip, centred). mm.
BOARD_MASK_MM = 25.0
#: Side candidates run within this of the board's y axis, end candidates of its x axis, degrees.
ANGLE_WINDOW_DEG = 15.0
#: Shortest segment kept, mm on the table.
MIN_SEGMENT_MM = 20.0
#: Segments this close (mm, across) and this parallel (degrees) are one line.
JOIN_MM, JOIN_DEG = 4.0, 3.0
#: A coarse line worth measuring: summed segment length and span, mm.
MIN_COARSE_SUPPORT_MM = 90.0
MIN_COARSE_SPAN_MM = 200.0


def search_box(board_spec, heels_mm=None) -> tuple:
    """The table-frame rectangle (x0, y0, x1, y1), mm, to search: board and heels with :data:`RECT_REACH_MM` around."""
    pts = [[0.0, 0.0], [board_spec.width_mm, -board_spec.height_mm]]
    if heels_mm is not None:
        pts += [list(np.asarray(h, float)[:2]) for h in heels_mm]
    pts = np.asarray(pts)
    lo, hi = pts.min(axis=0) - RECT_REACH_MM, pts.max(axis=0) + RECT_REACH_MM
    mid, half = (lo + hi) / 2, np.minimum((hi - lo) / 2, RECT_MAX_SIDE_MM / 2)
    return (*(mid - half), *(mid + half))


def rectify(gray: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray, box_mm) -> tuple:
    """A metric top view of the table plane (z = 0).

    Parameters
    ----------
    gray : ndarray, uint8, shape (H, W)
        The photo as displayed, grey.
    board2cam : Pose
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) of the photo.
    box_mm : (x0, y0, x1, y1)
        Table-frame rectangle to show, mm.

    Returns
    -------
    top : ndarray, uint8, shape (h, w)
        Pixel (row r, column c) shows table point (x0 + c RECT_MM, y1 - r RECT_MM): head up.
    valid : ndarray, bool, shape (h, w)
        Pixels that are in front of the camera and inside the photo.
    """
    cv = cv2()
    x0, y0, x1, y1 = box_mm
    w, h = int((x1 - x0) / RECT_MM) + 1, int((y1 - y0) / RECT_MM) + 1
    # Reduce the photo by a whole factor (OpenCV's fast path) to about 1.5 px per top-view pixel: no aliasing.
    c = np.array([[(x0 + x1) / 2, (y0 + y1) / 2, 0.0], [(x0 + x1) / 2 + 10.0, (y0 + y1) / 2, 0.0]])
    px_per_mm = float(np.linalg.norm(np.diff(project_table(c, board2cam, K, dist), axis=0))) / 10.0
    k = max(1, int(px_per_mm * RECT_MM / 1.5))
    H, W = gray.shape
    small = cv.resize(gray, (W // k, H // k), interpolation=cv.INTER_AREA) if k > 1 else gray
    sx, sy = (W // k) / W, (H // k) / H
    step = 4  # the map is smooth: project every 4th pixel, interpolate the rest
    U, V = np.meshgrid(np.arange(0, w + step, step), np.arange(0, h + step, step))
    pts = np.column_stack([x0 + U.ravel() * RECT_MM, y1 - V.ravel() * RECT_MM, np.zeros(U.size)])
    depth = (pts * [1.0, -1.0, -1.0]) @ board2cam.R[2] + board2cam.t[2]  # table -> board -> camera z
    px = project_table(pts, board2cam, K, dist)
    px[depth < 50.0] = -1e6
    mx = ((px[:, 0] + 0.5) * sx - 0.5).reshape(V.shape).astype(np.float32)
    my = ((px[:, 1] + 0.5) * sy - 0.5).reshape(V.shape).astype(np.float32)
    fx = np.tile((np.arange(w, dtype=np.float32) / step)[None, :], (h, 1))
    fy = np.tile((np.arange(h, dtype=np.float32) / step)[:, None], (1, w))
    mapx, mapy = cv.remap(mx, fx, fy, cv.INTER_LINEAR), cv.remap(my, fx, fy, cv.INTER_LINEAR)
    sh, sw = small.shape
    valid = (mapx > 1) & (mapx < sw - 2) & (mapy > 1) & (mapy < sh - 2)
    return cv.remap(small, mapx, mapy, cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT, borderValue=0), valid


def segments(top: np.ndarray, valid: np.ndarray, box_mm, board_spec) -> np.ndarray:
    """Line segments of a top view, (N, 4) rows (xa, ya, xb, yb) table mm, clear of the photo's border and the board.

    Parameters
    ----------
    top, valid : ndarray
        From :func:`rectify`.
    box_mm : (x0, y0, x1, y1)
        The box given to :func:`rectify`.
    board_spec : BoardSpec
    """
    cv = cv2()
    found = cv.createLineSegmentDetector().detect(top)[0]
    if found is None:
        return np.zeros((0, 4))
    seg = found.reshape(-1, 4).astype(np.float64)
    x0, _, _, y1 = box_mm
    seg_mm = np.column_stack([x0 + seg[:, 0] * RECT_MM, y1 - seg[:, 1] * RECT_MM,
                              x0 + seg[:, 2] * RECT_MM, y1 - seg[:, 3] * RECT_MM])
    keep = np.hypot(seg_mm[:, 2] - seg_mm[:, 0], seg_mm[:, 3] - seg_mm[:, 1]) >= MIN_SEGMENT_MM
    # Clear of the photo's border (a straight edge of its own) and of pixels off the photo.
    clear = cv.erode(valid.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    h, w = clear.shape
    bw, bh, m = board_spec.width_mm, board_spec.height_mm, BOARD_MASK_MM
    for f in (0.0, 0.5, 1.0):
        u = np.clip(np.round(seg[:, 0] * (1 - f) + seg[:, 2] * f).astype(int), 0, w - 1)
        v = np.clip(np.round(seg[:, 1] * (1 - f) + seg[:, 3] * f).astype(int), 0, h - 1)
        x = seg_mm[:, 0] * (1 - f) + seg_mm[:, 2] * f
        y = seg_mm[:, 1] * (1 - f) + seg_mm[:, 3] * f
        keep &= clear[v, u] & ~((x > -m) & (x < bw + m) & (y > -bh - m) & (y < m))  # and off the board's paper
    return seg_mm[keep]


def coarse_lines(seg_mm: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray, list]]:
    """Segments joined into lines along or across the board's y axis.

    Parameters
    ----------
    seg_mm : ndarray, shape (N, 4)
        From :func:`segments`.

    Returns
    -------
    list of (kind, point, direction, intervals)
        ``kind`` "side" (along the board's y) or "end" (across it); a point (2,) and unit
        direction (2,) of the line, table mm; ``intervals`` [(t0, t1), ...]: where along the line
        (mm from the point) segments were seen. Only lines with :data:`MIN_COARSE_SUPPORT_MM` of
        segments over :data:`MIN_COARSE_SPAN_MM`.
    """
    a, b = seg_mm[:, :2], seg_mm[:, 2:]
    d = b - a
    length = np.linalg.norm(d, axis=1)
    d = d / np.maximum(length, 1e-9)[:, None]
    ang = np.degrees(np.arctan2(d[:, 1], d[:, 0])) % 180.0  # 90: along the board's y
    kinds = np.where(np.abs(ang - 90.0) <= ANGLE_WINDOW_DEG, "side",
                     np.where(np.minimum(ang, 180.0 - ang) <= ANGLE_WINDOW_DEG, "end", ""))
    sel = kinds != ""
    a, b, d, length, kinds = a[sel], b[sel], d[sel], length[sel], kinds[sel]
    used = np.zeros(len(a), bool)
    cos_join = np.cos(np.radians(JOIN_DEG))
    out = []
    for i in np.argsort(-length):
        if used[i]:
            continue
        p, u = (a[i] + b[i]) / 2, d[i]
        for _ in range(3):
            n = np.array([u[1], -u[0]])
            same = (~used) & (kinds == kinds[i]) & (np.abs(d @ u) > cos_join)
            same &= (np.abs((a - p) @ n) < JOIN_MM) & (np.abs((b - p) @ n) < JOIN_MM)
            same[i] = True
            # Refit: the length-weighted principal direction of the members' endpoints.
            pts = np.concatenate([a[same], b[same]])
            wts = np.concatenate([length[same], length[same]])
            p = (pts * wts[:, None]).sum(0) / wts.sum()
            q = pts - p
            u = np.linalg.eigh((q * wts[:, None]).T @ q)[1][:, -1]
        used |= same
        ta, tb = (a[same] - p) @ u, (b[same] - p) @ u
        lo, hi = np.minimum(ta, tb), np.maximum(ta, tb)
        if length[same].sum() >= MIN_COARSE_SUPPORT_MM and hi.max() - lo.min() >= MIN_COARSE_SPAN_MM:
            out.append((str(kinds[i]), p, u, list(zip(lo, hi))))
    return out
