"""Exact area-sampled rasterisation of the printed targets.

Every black region of a ChArUco board or a heel tab is an axis-aligned
rectangle in millimetres, so the coverage of a pixel by a rectangle is the
product of two 1-D overlaps: the images are exactly anti-aliased at any
(non-integer) pixels-per-millimetre, with no half-pixel bias.

Convention: texture pixel ``(row i, col j)`` covers millimetres
``[j, j+1) / ppm`` in x and ``[i, i+1) / ppm`` in y from the texture origin, so
its centre, OpenCV pixel coordinate ``(x=j, y=i)``, is at ``(j + 0.5) / ppm`` mm.
"""

from __future__ import annotations

import numpy as np

from .spec import BoardSpec, TabSpec


def _coverage_1d(a_px: float, b_px: float, n: int):
    """Overlap of [a, b) with each pixel [i, i+1), returned for the touched slice only."""
    i0 = max(int(np.floor(a_px)), 0)
    i1 = min(int(np.ceil(b_px)), n)
    if i1 <= i0:
        return i0, np.zeros(0)
    idx = np.arange(i0, i1, dtype=np.float64)
    cov = np.clip(np.minimum(b_px, idx + 1) - np.maximum(a_px, idx), 0.0, 1.0)
    return i0, cov


def paint_rects(canvas: np.ndarray, rects_mm, ppm: float, origin_mm=(0.0, 0.0), value: float = 0.0):
    """Paint non-overlapping rectangles into a float canvas (rows, cols) in place, blending by coverage.

    Coverage is summed over all rectangles before blending, so rectangles that share an
    edge (adjacent marker cells) leave no seam.

    Parameters
    ----------
    canvas : ndarray, shape (H, W), float
        Image to paint into.
    rects_mm : iterable of (x0, y0, x1, y1)
        Rectangles in millimetres (x right, y down); they must not overlap.
    ppm : float
        Pixels per millimetre.
    origin_mm : (float, float)
        Millimetre coordinates (x, y) of the canvas's top-left pixel edge.
    value : float
        Paint value; pixels become ``(1 - c) * old + c * value`` for coverage c.
    """
    h, w = canvas.shape
    ox, oy = origin_mm
    cover = np.zeros_like(canvas)
    for x0, y0, x1, y1 in rects_mm:
        c0, cx = _coverage_1d((x0 - ox) * ppm, (x1 - ox) * ppm, w)
        r0, cy = _coverage_1d((y0 - oy) * ppm, (y1 - oy) * ppm, h)
        if cx.size == 0 or cy.size == 0:
            continue
        cover[r0:r0 + cy.size, c0:c0 + cx.size] += np.outer(cy, cx)
    np.clip(cover, 0.0, 1.0, out=cover)
    canvas *= 1.0 - cover
    canvas += cover * value


def _marker_bits(dictionary: str, marker_id: int) -> np.ndarray:
    """Marker cells including the black border, shape (n, n), True = black."""
    from .._cv import cv2

    cv = cv2()
    d = cv.aruco.getPredefinedDictionary(getattr(cv.aruco, dictionary))
    n = d.markerSize + 2
    return d.generateImageMarker(int(marker_id), n, borderBits=1) == 0


def _cells_to_rects(bits: np.ndarray, x0: float, y0: float, cell: float):
    rows, cols = np.nonzero(bits)
    return [(x0 + c * cell, y0 + r * cell, x0 + (c + 1) * cell, y0 + (r + 1) * cell) for r, c in zip(rows, cols)]


def board_rects_mm(spec: BoardSpec):
    """All black rectangles of a ChArUco board.

    Parameters
    ----------
    spec : BoardSpec

    Returns
    -------
    list of tuple
        Rectangles (x0, y0, x1, y1), board frame (x right, y down as printed), mm: the black
        squares and every black cell of every marker (OpenCV's layout and bit patterns).
    """
    s, m = spec.square_mm, spec.marker_mm
    rects = [(c * s, r * s, (c + 1) * s, (r + 1) * s) for c, r in spec.black_squares()]
    off = (s - m) / 2
    for marker_id, (c, r) in enumerate(spec.marker_squares()):
        bits = _marker_bits(spec.dictionary, marker_id)
        rects += _cells_to_rects(bits, c * s + off, r * s + off, m / bits.shape[0])
    return rects


def tab_rects_mm(spec: TabSpec, marker_id: int):
    """Black rectangles of one heel-tab marker.

    Parameters
    ----------
    spec : TabSpec
    marker_id : int
        The marker's id in ``spec.dictionary``.

    Returns
    -------
    list of tuple
        Rectangles (x0, y0, x1, y1), tab frame (centre at 0, x right, y down as printed), mm.
    """
    bits = _marker_bits(spec.dictionary, marker_id)
    h = spec.tab_mm / 2
    return _cells_to_rects(bits, -h, -h, spec.tab_mm / bits.shape[0])
