"""Feet against the table covering: which pixels of a reduced copy are foot, table or shadow.

Segmentation works on a reduced copy in linear light. The table covering's colour is
learnt from bands of table around the board (the feet lie towards the head from it); a
pixel is foot when its chromaticity differs from the table's or when it is far darker or
brighter than the table there. A shadow keeps the table's chromaticity and is only
moderately darker, so it stays table (and is reported when it touches a heel). OpenCV does
the morphology, components, contours and watershed.

Frames: ``s`` is the reduced copy's scale (reduced px = (photo px + 0.5) * s - 0.5); table
points are (x, y, z) mm in the table frame (:mod:`legcheck.targets.spec`).
"""

from __future__ import annotations

import numpy as np

from .._cv import cv2
from ..errors import HeelNotFoundError
from ..geometry import Pose, backproject_to_height, project_table
from .profiles import linearize

#: Paper around the board kept out of the foot mask, mm.
BOARD_MARGIN_MM = 14.0


def reduced_linear(bgr: np.ndarray, s: float) -> np.ndarray:
    """The photo reduced by ``s``, in linear light, lightly smoothed.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
    s : float
        Scale, 0 < s <= 1.

    Returns
    -------
    ndarray, float32, shape (round(H s), round(W s), 3)
    """
    cv = cv2()
    h, w = bgr.shape[:2]
    small = cv.resize(bgr, (round(w * s), round(h * s)), interpolation=cv.INTER_AREA)
    return cv.GaussianBlur(linearize(small), (0, 0), 1.0)


def table_polygon_px(pts_table_mm, board2cam: Pose, K: np.ndarray, dist: np.ndarray, s: float) -> np.ndarray:
    """Table-frame points to pixels of the copy reduced by ``s``.

    Parameters
    ----------
    pts_table_mm : array_like, shape (N, 3)
        Table frame, mm.
    board2cam : Pose
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) of the full-size photo.
    s : float
        Scale of the reduced copy.

    Returns
    -------
    ndarray, shape (N, 2)
        Reduced-copy pixels (x, y).
    """
    px = project_table(np.asarray(pts_table_mm, float), board2cam, K, dist)
    return (px + 0.5) * s - 0.5


def _sample_table(lin, board2cam, K, dist, s, board_spec):
    """Table colours (N, 3) and their reduced pixels (N, 2) from bands left, right and caudal of the board."""
    W, H = board_spec.width_mm, board_spec.height_mm
    xs, ys = [], []
    for x0, x1, y0, y1 in ((-110, -30, -H - 40, 20), (W + 30, W + 110, -H - 40, 20), (-60, W + 60, -H - 110, -H - 40)):
        gx, gy = np.meshgrid(np.linspace(x0, x1, 12), np.linspace(y0, y1, 12))
        xs.append(gx.ravel())
        ys.append(gy.ravel())
    pts = np.c_[np.concatenate(xs), np.concatenate(ys), np.zeros(sum(len(x) for x in xs))]
    px = table_polygon_px(pts, board2cam, K, dist, s)
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


def segment_feet(lin: np.ndarray, table_rgb: np.ndarray, field_I: np.ndarray, chroma_tol: float,
                 rho_lo: float = 0.30, rho_hi: float = 1.40) -> tuple[np.ndarray, np.ndarray]:
    """Foot mask and shadow-like mask on the reduced linear image.

    The table's brightness is re-learnt from the pixels first taken as table (a wide
    normalised blur), so uneven light and a patterned covering are not taken for feet.

    Parameters
    ----------
    lin : ndarray, float32, shape (h, w, 3)
        Reduced photo in linear light (:func:`reduced_linear`).
    table_rgb : ndarray, shape (3,)
        The covering's typical colour, linear light.
    field_I : ndarray, shape (h, w)
        First guess of the table's brightness (sum of channels) at every pixel.
    chroma_tol : float
        Chromaticity distance from the table's beyond which a pixel is foot.
    rho_lo, rho_hi : float
        Brightness ratios to the table below or above which a pixel is foot.

    Returns
    -------
    foot, shadow : ndarray, uint8 (0/1), shape (h, w)
    """
    cv = cv2()
    I = lin.sum(axis=2) + 1e-6
    smooth = cv.GaussianBlur(lin, (0, 0), 1.5)
    chroma = smooth / (smooth.sum(axis=2) + 1e-6)[..., None]
    c_t = table_rgb / table_rgb.sum()
    dc = np.sqrt(np.einsum("ijk,ijk->ij", chroma - c_t, chroma - c_t))

    def foreground(rho):
        # Chromaticity is noisy where it is dark (a shadow): demand more difference there.
        tol = chroma_tol * np.maximum(1.0, np.sqrt(0.6 / np.maximum(rho, 1e-3)))
        return (dc > tol) | (rho < rho_lo) | (rho > rho_hi)

    for _ in range(2):
        table = (~foreground(I / field_I)).astype(np.float32)
        field_I = np.where(*_masked_blur(I.astype(np.float32), table, max(I.shape) / 25.0), field_I)
    rho = I / field_I
    fg = foreground(rho)
    shadow = (~fg) & (rho < 0.75)
    return fg.astype(np.uint8), shadow.astype(np.uint8)


def segment_photo(lin: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray, s: float,
                  board_spec) -> tuple[np.ndarray, np.ndarray]:
    """Foot and shadow masks of a reduced photo, the table learnt from around the board.

    Parameters
    ----------
    lin : ndarray, float32, shape (h, w, 3)
        The photo reduced by ``s``, linear light (:func:`reduced_linear`).
    board2cam : Pose
        The board's pose (board frame to camera, mm).
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) of the full-size photo.
    s : float
        Scale of the reduced copy.
    board_spec : BoardSpec

    Returns
    -------
    foot, shadow : ndarray, uint8 (0/1), shape (h, w)
        The board and a margin of its paper are never foot.

    Raises
    ------
    HeelNotFoundError
        Too little table visible around the board to learn its colour.
    """
    cv = cv2()
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
    m = BOARD_MARGIN_MM
    bw, bh = board_spec.width_mm, board_spec.height_mm
    poly = table_polygon_px([[-m, m, 0], [bw + m, m, 0], [bw + m, -bh - m, 0], [-m, -bh - m, 0]], board2cam, K, dist, s)
    cv.fillPoly(fg, [np.round(poly).astype(np.int32)], 0)
    return fg, shadow


def components(fg: np.ndarray, min_area: float) -> tuple[np.ndarray, list[int]]:
    """Connected blobs of a cleaned mask (opened, then closed, 5 px ellipse), largest first.

    Parameters
    ----------
    fg : ndarray, uint8 (0/1), shape (h, w)
    min_area : float
        Smallest blob kept, pixels.

    Returns
    -------
    labels : ndarray, int32, shape (h, w)
    keep : list of int
        Labels of the kept blobs, by decreasing area.
    """
    cv = cv2()
    m = cv.morphologyEx(fg, cv.MORPH_OPEN, cv.getStructuringElement(cv.MORPH_ELLIPSE, (5, 5)))
    m = cv.morphologyEx(m, cv.MORPH_CLOSE, cv.getStructuringElement(cv.MORPH_ELLIPSE, (5, 5)))
    n, labels, stats, _ = cv.connectedComponentsWithStats(m, connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv.CC_STAT_AREA] >= min_area]
    keep.sort(key=lambda i: -stats[i, cv.CC_STAT_AREA])
    return labels, keep


def outline(mask: np.ndarray) -> np.ndarray:
    """The longest outer contour of a mask, (N, 2) float pixels (x, y), every boundary pixel; (0, 2) if empty."""
    cv = cv2()
    cs, _ = cv.findContours(mask.astype(np.uint8), cv.RETR_EXTERNAL, cv.CHAIN_APPROX_NONE)
    return max(cs, key=len).reshape(-1, 2).astype(np.float64) if cs else np.zeros((0, 2))


def split_touching(mask: np.ndarray, tx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split one blob holding both feet along table x: watershed from the two x-extreme halves.

    Parameters
    ----------
    mask : ndarray, uint8 (0/1), shape (h, w)
    tx : ndarray, shape (h, w)
        Table x (mm) of every pixel (:func:`table_xy_map`).

    Returns
    -------
    left, right : ndarray, uint8 (0/1), shape (h, w)
        The part at lower and at higher table x.
    """
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


def table_xy_map(h: int, w: int, s: float, K: np.ndarray, dist: np.ndarray, board2cam: Pose, height_mm: float,
                 step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Table (x, y), mm, at ``height_mm`` of every pixel of the copy reduced by ``s``.

    Solved exactly every ``step`` pixels and interpolated: the map is smooth, and undistorting
    a million points one by one is most of contour mode's time otherwise.

    Parameters
    ----------
    h, w : int
        Size of the reduced copy, pixels.
    s : float
        Its scale.
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) of the full-size photo.
    board2cam : Pose
    height_mm : float
        Height of the plane above the table, mm.
    step : int

    Returns
    -------
    tx, ty : ndarray, float64, shape (h, w)
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
