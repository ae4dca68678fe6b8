"""Finding the board's corners and the heel tabs in a photo.

Markers are found once, on a reduced copy (a 12-megapixel photo is about ten
times faster to search at 1600 px and the markers stay tens of pixels wide);
every corner is then refined at full resolution: ChArUco corners with
``cornerSubPix`` in a window kept inside the square's clean area, tab corners
from sub-pixel fits of their whole outline (:mod:`legcheck.edges`).
All points are (x, y) pixels of the photo as displayed, pixel centres at integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from .edges import QuadEdges, refine_quad
from ..errors import BoardLayoutError, BoardNotFoundError, HeelNotFoundError
from ..targets.spec import BoardSpec, TabSpec
from .profiles import linear_crop

#: Long side of the reduced copy markers are searched on.
SEARCH_SIDE_PX = 1600
#: Fewest ChArUco corners for a pose we trust (of 24 on the default board).
MIN_BOARD_CORNERS = 8
#: A photo narrower than this on a side (px) is named as too small when no board is found in it:
#: a board's markers need some 30 px each to be read.
SMALL_PHOTO_PX = 400
#: This many of the board's markers found with too few corners between them means the board's
#: layout or size is not the one given, not a board out of view.
LAYOUT_MISMATCH_MARKERS = 4


@dataclass(frozen=True)
class Markers:
    """ArUco markers found in the photo: corners (N, 4, 2) full-resolution pixels, ids (N,)."""

    corners_px: np.ndarray
    ids: np.ndarray


@dataclass(frozen=True)
class BoardCorners:
    """ChArUco corners: image points (N, 2) px, their ids (N,), board-frame points (N, 3) mm."""

    corners_px: np.ndarray
    ids: np.ndarray
    board_mm: np.ndarray


@dataclass(frozen=True)
class TabCorners:
    """One heel tab: ``side`` "left"/"right", coarse and refined corners (4, 2) px (TL, TR, BR, BL)."""

    side: str
    marker_id: int
    coarse_px: np.ndarray
    corners_px: np.ndarray
    edges: QuadEdges


def _aruco(dictionary: str):
    cv = cv2()
    return cv.aruco.getPredefinedDictionary(getattr(cv.aruco, dictionary))


def _params():
    cv = cv2()
    p = cv.aruco.DetectorParameters()
    p.cornerRefinementMethod = cv.aruco.CORNER_REFINE_NONE  # we refine at full resolution
    return p


def reduced(gray: np.ndarray, search_side_px: int = SEARCH_SIDE_PX) -> np.ndarray:
    """The reduced copy markers are searched on.

    Parameters
    ----------
    gray : ndarray, uint8, shape (H, W)
    search_side_px : int
        Long side of the copy, px; a smaller image is returned as it is.

    Returns
    -------
    ndarray, uint8, shape (h, w)
        Area-averaged copy; its pixel (x', y') is photo pixel ((x' + 0.5) W / w - 0.5, ...).
    """
    cv = cv2()
    h, w = gray.shape
    scale = min(1.0, search_side_px / max(h, w))
    if scale == 1.0:
        return gray
    return cv.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv.INTER_AREA)


def find_markers(gray: np.ndarray, dictionary: str, search_side_px: int = SEARCH_SIDE_PX,
                 small: np.ndarray | None = None) -> tuple[Markers, float]:
    """ArUco markers found on a reduced copy, in full-resolution pixels.

    Parameters
    ----------
    gray : ndarray, uint8, shape (H, W)
        The photo in grey.
    dictionary : str
        OpenCV predefined dictionary name, e.g. "DICT_5X5_100".
    search_side_px : int
        Long side of the reduced copy searched, px.
    small : ndarray, optional
        The reduced copy, when the caller already made it (:func:`reduced`; reused by :func:`find_board`).

    Returns
    -------
    markers : Markers
        Corners (N, 4, 2) in photo pixels (pixel centres at integers), ids (N,); none found: N = 0.
    scale : float
        Width of the reduced copy over the photo's.
    """
    cv = cv2()
    h, w = gray.shape
    small = reduced(gray, search_side_px) if small is None else small
    scale = small.shape[1] / w
    det = cv.aruco.ArucoDetector(_aruco(dictionary), _params())
    corners, ids, _ = det.detectMarkers(small)
    if ids is None or len(ids) == 0:
        return Markers(np.zeros((0, 4, 2)), np.zeros(0, int)), scale
    sx, sy = w / small.shape[1], h / small.shape[0]
    c = np.array(corners, dtype=np.float64).reshape(-1, 4, 2)
    c = (c + 0.5) * np.array([sx, sy]) - 0.5  # pixel centres at integers in both images
    return Markers(c, np.asarray(ids).reshape(-1).astype(int)), scale


def _charuco_board(spec: BoardSpec):
    """OpenCV's board for ``spec``, in the legacy layout when the spec says so."""
    cv = cv2()
    board = cv.aruco.CharucoBoard((spec.squares_x, spec.squares_y), spec.square_mm, spec.marker_mm,
                                  _aruco(spec.dictionary))
    board.setLegacyPattern(spec.legacy)
    return board


def _charuco_corners(small: np.ndarray, spec: BoardSpec, mc, mids):
    """ChArUco corners and ids on ``small`` from markers already found there; ids None when none."""
    cv = cv2()
    ch_corners, ch_ids, _, _ = cv.aruco.CharucoDetector(_charuco_board(spec)).detectBoard(
        small, markerCorners=mc, markerIds=mids)
    return ch_corners, ch_ids


def _layout_error(small: np.ndarray, spec: BoardSpec, mc, mids, n_markers: int, n_corners: int) -> BoardLayoutError:
    """Markers found, corners not: say whether the other ChArUco layout fits, or what else may differ."""
    from dataclasses import replace

    seen = f"{n_markers} of the board's markers were found but only {n_corners} corners between them"
    if spec.squares_y % 2 == 0:
        other = replace(spec, legacy=not spec.legacy)
        _, ids = _charuco_corners(small, other, mc, mids)
        if ids is not None and len(np.asarray(ids).reshape(-1)) >= MIN_BOARD_CORNERS:
            if other.legacy:
                return BoardLayoutError(f"{seen}: the board is printed in the legacy ChArUco layout (OpenCV before "
                                        "4.6, calib.io boards); say that it is a legacy board", legacy=True)
            return BoardLayoutError(f"{seen}: the board is printed in the current ChArUco layout, not the legacy "
                                    "one; do not say that it is a legacy board", legacy=False)
    return BoardLayoutError(f"{seen}: the board looks like the legacy ChArUco layout (OpenCV before 4.6, calib.io "
                            "boards) or has another number of squares or other sizes than given; check the board's "
                            "squares across and down, its square and marker sizes and its layout")


def find_board(gray: np.ndarray, spec: BoardSpec, markers: Markers, scale: float,
               small: np.ndarray | None = None) -> BoardCorners:
    """The board's ChArUco corners, found on the reduced copy and refined at full resolution.

    Parameters
    ----------
    gray : ndarray, uint8, shape (H, W)
    spec : BoardSpec
    markers : Markers
        From :func:`find_markers` (the board's markers among them).
    scale : float
        The reduced copy's scale, from :func:`find_markers`.
    small : ndarray, optional
        That reduced copy, when the caller has it.

    Returns
    -------
    BoardCorners
        Corners (N, 2) in photo pixels, their ids (N,) and board-frame points (N, 3), mm.

    Raises
    ------
    BoardNotFoundError
        Fewer than two of the board's markers, or fewer than :data:`MIN_BOARD_CORNERS` corners.
    BoardLayoutError
        (exit 4) :data:`LAYOUT_MISMATCH_MARKERS` or more markers but too few corners: the board is
        printed in the other ChArUco layout (legacy or current), or its size differs from ``spec``.
    """
    cv = cv2()
    on_board = markers.ids < spec.n_markers
    h, w = gray.shape
    if on_board.sum() < 2:
        # A thumbnail cannot show the markers at all: say so rather than blame the board.
        fix = (f"this photo is only {w}x{h} pixels: give the phone's full-size photo, not a thumbnail"
               if min(h, w) < SMALL_PHOTO_PX else "photograph the whole board, flat, well lit and in focus")
        raise BoardNotFoundError(
            f"calibration board not found ({int(on_board.sum())} of its {spec.n_markers} markers seen); {fix}")
    if small is None:
        small = reduced(gray, round(scale * max(h, w))) if scale < 1.0 else gray
    sx, sy = w / small.shape[1], h / small.shape[0]
    mc = [((c + 0.5) / np.array([sx, sy]) - 0.5).astype(np.float32).reshape(1, 4, 2) for c in markers.corners_px[on_board]]
    mids = markers.ids[on_board].astype(np.int32).reshape(-1, 1)
    ch_corners, ch_ids = _charuco_corners(small, spec, mc, mids)
    n = 0 if ch_ids is None else len(np.asarray(ch_ids).reshape(-1))
    if n < MIN_BOARD_CORNERS and on_board.sum() >= LAYOUT_MISMATCH_MARKERS:
        raise _layout_error(small, spec, mc, mids, int(on_board.sum()), n)
    if n < MIN_BOARD_CORNERS:
        raise BoardNotFoundError(
            f"too few board corners seen ({n}, need {MIN_BOARD_CORNERS}); photograph the whole board, "
            "flat, in focus, without glare or shadows across it")
    ids = np.asarray(ch_ids).reshape(-1).astype(int)
    pts = (np.asarray(ch_corners, dtype=np.float64).reshape(-1, 2) + 0.5) * np.array([sx, sy]) - 0.5
    pts = _refine_saddles(gray, pts, spec)
    obj = spec.inner_corners_board_mm()[ids]
    return BoardCorners(pts, ids, obj)


def _refine_saddles(gray: np.ndarray, pts: np.ndarray, spec: BoardSpec) -> np.ndarray:
    """cornerSubPix per corner with a window inside the clean part of the squares.

    The markers start (square - marker) / 2 from each square's edge; a window that
    reaches them pulls the saddle point off, so the half-window is kept below that
    distance, measured in pixels from each corner's nearest neighbour.
    """
    cv = cv2()
    if len(pts) < 2:
        return pts
    d = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    nn = d.min(axis=1)  # roughly one square (or more where corners are missing)
    clean_frac = (spec.square_mm - spec.marker_mm) / 2 / spec.square_mm
    out = pts.copy()
    crit = (cv.TERM_CRITERIA_EPS + cv.TERM_CRITERIA_MAX_ITER, 60, 0.002)
    halves = np.clip(np.floor(0.85 * clean_frac * np.minimum(nn, np.median(nn) * 1.5)), 2, 25).astype(int)
    for half in np.unique(halves):
        sel = halves == half
        c = out[sel].astype(np.float32).reshape(-1, 1, 2)
        cv.cornerSubPix(gray, c, (int(half), int(half)), (-1, -1), crit)
        out[sel] = c.reshape(-1, 2)
    return out


def find_tabs(gray: np.ndarray, markers: Markers, tabs: TabSpec, K: np.ndarray, dist: np.ndarray,
              retry_full: bool = True) -> dict[str, TabCorners]:
    """Both heel tabs, each refined from its whole outline (:func:`legcheck.vision.edges.refine_quad`).

    Parameters
    ----------
    gray : ndarray, uint8, shape (H, W)
    markers : Markers
        Markers of the tabs' dictionary, from :func:`find_markers`.
    tabs : TabSpec
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) for this photo.
    retry_full : bool
        When a tab is missing from ``markers``, search the full-resolution photo once more.

    Returns
    -------
    dict
        ``{"left": TabCorners, "right": TabCorners}``, corners in photo pixels.

    Raises
    ------
    HeelNotFoundError
        A tab is missing, appears more than once, or is too small or blurred to measure. Its
        ``kind`` attribute says which: "none" (no tab at all), "missing", "duplicate".
    """
    found = {}
    for side, mid in (("left", tabs.left_id), ("right", tabs.right_id)):
        idx = np.nonzero(markers.ids == mid)[0]
        if len(idx) > 1:
            raise _tab_error("duplicate", f"the {side.upper()} heel tab (marker {mid}) appears {len(idx)} times; "
                                    f"keep exactly one {side.upper()} tab in the photo")
        if len(idx) == 1:
            found[side] = markers.corners_px[idx[0]]
    if len(found) < 2 and retry_full:
        full, _ = find_markers(gray, tabs.dictionary, search_side_px=max(gray.shape))
        return find_tabs(gray, full, tabs, K, dist, retry_full=False)
    missing = [s for s in ("left", "right") if s not in found]
    if missing:
        names = " and ".join(f"{s.upper()} (marker {tabs.left_id if s == 'left' else tabs.right_id})" for s in missing)
        raise _tab_error("none" if len(missing) == 2 else "missing",
                         f"heel tab not found: {names}; stick both printed tabs on the heels, "
                         "facing the camera, and keep them in the photo")
    return {side: _refine_tab(gray, side, tabs, coarse, K, dist) for side, coarse in found.items()}


def _tab_error(kind: str, message: str) -> HeelNotFoundError:
    """A HeelNotFoundError that says whether no tab, one tab, or a duplicate was seen."""
    exc = HeelNotFoundError(message)
    exc.kind = kind
    return exc


def _refine_tab(gray, side, tabs: TabSpec, coarse, K, dist) -> TabCorners:
    cells = _aruco(tabs.dictionary).markerSize + 2  # the marker's bits plus a black border cell each side
    crop, (x0, y0) = linear_crop(gray, coarse, pad_px=22)
    Kc = K.copy()
    Kc[0, 2] -= x0
    Kc[1, 2] -= y0
    try:
        edges = refine_quad(crop, coarse - [x0, y0], Kc, dist, 1.0 / cells)
    except ValueError:
        raise HeelNotFoundError(f"the {side.upper()} heel tab is too small or too blurred to measure; "
                                "take the photo closer and in focus") from None
    shift = np.array([x0, y0], dtype=np.float64)
    ideal = edges.corners_ideal_px + shift
    lines = edges.lines.copy()
    lines[:, 2] += lines[:, :2] @ shift
    edges = QuadEdges(ideal, lines, edges.line_sigma, edges.edge_rms_px, edges.n_points)
    from ..geometry import distort_ideal

    return TabCorners(side, tabs.left_id if side == "left" else tabs.right_id, coarse,
                      distort_ideal(ideal, K, dist), edges)
