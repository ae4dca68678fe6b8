"""Camera calibration: intrinsics and distortion from photos of the board or a chessboard.

Multi-view calibration follows OpenCV's ``calibrateCamera`` (Zhang's method with
Brown-Conrady distortion, k1 k2 p1 p2 k3). Views whose own RMS reprojection error
is far above the rest are dropped, with the reason, and the calibration is re-run;
fewer than :data:`MIN_VIEWS` usable views is refused.

Also here: the single-view focal-length estimate used when a photo is measured
without a profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._cv import cv2
from .camera import CameraProfile, focal_from_exif, nominal_camera, DEFAULT_FOCAL_35MM, FILM_DIAGONAL_MM
from ..errors import BoardLayoutError, BoardNotFoundError, CalibrationError, ImageReadError
from .imageio import load_photo, to_gray
from ..targets.spec import BoardSpec

MIN_VIEWS = 5
#: Residual radial distortion assumed (1-sigma) when one photo cannot measure it.
ASSUMED_K1_STD = 0.02
#: A view is dropped when its RMS error exceeds this many times the median view's (and 1 px).
OUTLIER_FACTOR = 3.0


@dataclass(frozen=True)
class ViewResult:
    path: str
    used: bool
    rms_px: float | None = None
    n_points: int = 0
    reason: str = ""


@dataclass(frozen=True)
class CalibrationResult:
    profile: CameraProfile
    views: tuple = ()


def chessboard_points(path_or_gray, pattern: tuple[int, int], square_mm: float):
    """Inner corners of a classic chessboard: (image points (N, 2) px, object points (N, 3) mm) or None.

    The classic detector is tried first (fast, and it finds views the SB detector misses on real
    photos); the sector-based detector is the fallback. Corners are refined with a window kept
    to a fifth of the square's size in pixels: a large window on an oblique view pulls corners off.
    """
    cv = cv2()
    gray = path_or_gray
    flags = cv.CALIB_CB_ADAPTIVE_THRESH | cv.CALIB_CB_NORMALIZE_IMAGE
    found, corners = cv.findChessboardCorners(gray, pattern, flags=flags)
    if found:
        corners = np.asarray(corners, dtype=np.float32).reshape(-1, 2)
        d = np.linalg.norm(np.diff(corners.reshape(pattern[1], pattern[0], 2), axis=1), axis=2)
        half = int(np.clip(d.min() / 5, 2, 11))
        c = corners.reshape(-1, 1, 2).copy()
        cv.cornerSubPix(gray, c, (half, half), (-1, -1), (cv.TERM_CRITERIA_EPS + cv.TERM_CRITERIA_MAX_ITER, 50, 0.001))
        corners = c.reshape(-1, 2)
    else:
        found, corners = cv.findChessboardCornersSB(gray, pattern, flags=cv.CALIB_CB_EXHAUSTIVE | cv.CALIB_CB_ACCURACY)
        if not found:
            return None
        corners = np.asarray(corners, dtype=np.float32).reshape(-1, 2)
    gx, gy = np.meshgrid(np.arange(pattern[0]), np.arange(pattern[1]))
    obj = np.stack([gx.ravel() * square_mm, gy.ravel() * square_mm, np.zeros(gx.size)], axis=1)
    return corners.astype(np.float64), obj


def charuco_points(gray: np.ndarray, spec: BoardSpec):
    """ChArUco corners of a board photo: (image points (N, 2), object points (N, 3)) or None."""
    from .detect import find_board, find_markers

    markers, scale = find_markers(gray, spec.dictionary)
    try:
        bc = find_board(gray, spec, markers, scale)
    except BoardLayoutError:
        raise  # markers found, corners not: the reason is worth more than "pattern not found"
    except BoardNotFoundError:
        return None
    return bc.corners_px, bc.board_mm


def _view_errors(obj_list, img_list, K, dist, rvecs, tvecs):
    cv = cv2()
    out = []
    for obj, img, r, t in zip(obj_list, img_list, rvecs, tvecs):
        proj = cv.projectPoints(obj, r, t, K, dist)[0].reshape(-1, 2)
        out.append(float(np.sqrt(np.mean(np.sum((proj - img) ** 2, axis=1)))))
    return out


def calibrate_points(obj_list, img_list, image_size, flags: int = 0):
    """One ``calibrateCameraExtended`` run: (rms, K, dist, std of fx fy cx cy, per-view RMS)."""
    cv = cv2()
    obj32 = [np.asarray(o, np.float32).reshape(-1, 3) for o in obj_list]
    img32 = [np.asarray(i, np.float32).reshape(-1, 2) for i in img_list]
    rms, K, dist, rvecs, tvecs, std_in, _, _ = cv.calibrateCameraExtended(obj32, img32, tuple(image_size), None, None, flags=flags)
    per_view = _view_errors(obj32, img32, K, dist, rvecs, tvecs)
    return float(rms), K, dist.ravel()[:5], np.asarray(std_in).ravel()[:4], per_view


def calibrate_photos(paths, board: BoardSpec | None = None, chessboard: tuple[int, int] | None = None,
                     square_mm: float | None = None, name: str = "", progress=None) -> CalibrationResult:
    """Calibrate a camera from photos of the board (default) or of a classic chessboard.

    Parameters
    ----------
    paths : list of path
    board : BoardSpec, optional
        The ChArUco board (default board when None and no chessboard is given).
    chessboard : (int, int), optional
        Inner corners (columns, rows) of a classic chessboard, e.g. (9, 6).
    square_mm : float, optional
        Chessboard square side; required with ``chessboard``.

    Raises
    ------
    CalibrationError
        Fewer than 5 usable photos, or photos of different sizes.
    """
    from ..targets.spec import DEFAULT_BOARD

    if chessboard is not None and not square_mm:
        raise CalibrationError("--chessboard needs --square-mm (the printed square's side in millimetres)")
    board = board or DEFAULT_BOARD
    views, obj_list, img_list, used_paths = [], [], [], []
    size = None
    exif_names = set()
    orientation = 1
    for path in paths:
        if progress:
            progress(str(path))
        try:
            photo = load_photo(path)
        except ImageReadError as exc:
            views.append(ViewResult(str(path), False, reason=exc.message))
            continue
        gray = to_gray(photo.pixels)
        this_size = (photo.width, photo.height)
        if size is None:
            size = this_size
            orientation = photo.exif.orientation
        elif this_size != size:
            views.append(ViewResult(str(path), False, reason=f"size {this_size[0]}x{this_size[1]} differs from the first photo's {size[0]}x{size[1]}"))
            continue
        try:
            pts = chessboard_points(gray, chessboard, square_mm) if chessboard else charuco_points(gray, board)
        except BoardLayoutError as exc:
            views.append(ViewResult(str(path), False, reason=exc.message))
            continue
        if pts is None:
            views.append(ViewResult(str(path), False, reason="pattern not found"))
            continue
        img, obj = pts
        if len(img) < 6:
            views.append(ViewResult(str(path), False, reason=f"only {len(img)} corners found"))
            continue
        if photo.exif.camera_name:
            exif_names.add(photo.exif.camera_name)
        obj_list.append(obj)
        img_list.append(img)
        used_paths.append(str(path))
    dropped = {}
    while True:
        if len(obj_list) < MIN_VIEWS:
            reasons = "; ".join(f"{Path(v.path).name}: {v.reason}" for v in views if not v.used)
            raise CalibrationError(f"only {len(obj_list)} usable calibration photos (need {MIN_VIEWS}); "
                                   f"take more photos of the board from different angles. {reasons}".strip())
        rms, K, dist, std, per_view = calibrate_points(obj_list, img_list, size)
        med = float(np.median(per_view))
        worst = int(np.argmax(per_view))
        if per_view[worst] > max(OUTLIER_FACTOR * med, 1.0):
            dropped[used_paths[worst]] = (f"reprojection error {per_view[worst]:.2f} px is over "
                                          f"{OUTLIER_FACTOR:g}x the median {med:.2f} px (blurred, moved or board not flat)")
            del obj_list[worst], img_list[worst], used_paths[worst]
            continue
        break
    for p, e, n in zip(used_paths, per_view, (len(i) for i in img_list)):
        views.append(ViewResult(p, True, e, n))
    views += [ViewResult(p, False, reason=r) for p, r in dropped.items()]
    make_model = exif_names.pop().split(" ", 1) if len(exif_names) == 1 else ["", ""]
    profile = CameraProfile.from_arrays(
        size, K, dist, std_intrinsics=tuple(float(v) for v in std), rms_px=rms, n_views=len(obj_list),
        orientation=orientation, make=make_model[0], model=make_model[1] if len(make_model) > 1 else "",
        name=name, extra={"pattern": ({"kind": "chessboard", "inner_corners": list(chessboard), "square_mm": square_mm}
                                       if chessboard else board.to_dict()),
                          "per_view_rms_px": {Path(p).name: round(e, 4) for p, e in zip(used_paths, per_view)}})
    order = {str(p): i for i, p in enumerate(paths)}
    views.sort(key=lambda v: order.get(v.path, 0))
    return CalibrationResult(profile, tuple(views))


def estimate_camera(board_px: np.ndarray, board_mm: np.ndarray, photo_size, focal_35mm: float | None) -> tuple[CameraProfile, list[str]]:
    """Intrinsics for a photo without a profile: focal length from the board's perspective and EXIF.

    A single view of a plane fixes the focal length through its perspective; seen
    from straight above it hardly does, but then the heels' table y barely depends
    on it either (a focal error scales depths and heights together). The board's
    estimate and EXIF's 35 mm-equivalent focal length (taken as 3 % uncertain) are
    combined by inverse variance; the principal point is the image centre and
    distortion is taken as zero (phones correct most of it in processing).

    Returns
    -------
    camera : CameraProfile
        ``source`` "exif" when EXIF contributed, else "board".
    warnings : list of str
    """
    cv = cv2()
    w, h = photo_size
    diag = math.hypot(w, h)
    f_exif = focal_from_exif(photo_size, focal_35mm)
    f0 = f_exif or DEFAULT_FOCAL_35MM / FILM_DIAGONAL_MM * diag
    K0 = np.array([[f0, 0, (w - 1) / 2], [0, f0, (h - 1) / 2], [0, 0, 1]])
    # The board's 24 corners also show the lens's radial distortion (k1): phones usually remove it,
    # wide-angle lenses often do not. k2, k3 and tangential terms are beyond one view.
    flags = (cv.CALIB_USE_INTRINSIC_GUESS | cv.CALIB_FIX_PRINCIPAL_POINT | cv.CALIB_FIX_ASPECT_RATIO
             | cv.CALIB_ZERO_TANGENT_DIST | cv.CALIB_FIX_K2 | cv.CALIB_FIX_K3)
    f_board, s_board = None, None
    k1, s_k1 = 0.0, ASSUMED_K1_STD
    try:
        _, K, d, _, _, std, _, _ = cv.calibrateCameraExtended(
            [board_mm.astype(np.float32)], [board_px.astype(np.float32)], (w, h), K0.copy(), np.zeros(5), flags=flags)
        std = np.asarray(std).ravel()
        fb, sb = float(K[0, 0]), float(std[0])
        if 0.3 * diag < fb < 3.0 * diag and np.isfinite(sb) and sb > 0:
            # OpenCV's std assumes the fit's residuals; keep at least 1 % for model error.
            f_board, s_board = fb, max(sb, 0.01 * fb)
        kb, skb = float(np.asarray(d).ravel()[0]), float(std[4])
        if np.isfinite(kb) and np.isfinite(skb) and abs(kb) < 0.5 and 0 < skb < 0.05:
            k1, s_k1 = kb, max(skb, 0.005)
    except cv.error:
        pass
    warnings = ["no camera profile: the focal length was estimated from the board"
                + (" and EXIF" if f_exif else "") + "; a calibrated profile ('legcheck calibrate') is more accurate"]
    if abs(k1) > max(0.03, 3 * s_k1):
        warnings.append(f"the lens shows distortion the phone did not remove (k1 about {k1:.2f}); it was estimated "
                        "from the board, but a calibrated profile ('legcheck calibrate') measures it far better")
    estimates = []
    if f_board is not None and s_board < 0.2 * f_board:
        estimates.append((f_board, s_board))
    if f_exif:
        estimates.append((f_exif, 0.03 * f_exif))
    if estimates:
        wts = np.array([1 / s ** 2 for _, s in estimates])
        f = float(np.sum([f * wt for (f, _), wt in zip(estimates, wts)]) / wts.sum())
        s = float(1 / math.sqrt(wts.sum()))
    else:
        f, s = f0, 0.15 * f0
        warnings.append("the focal length could not be measured from this view and the photo has no EXIF focal "
                        "length; assumed a typical phone camera")
    source = "exif" if f_exif else "board"
    return nominal_camera((w, h), f, source, s / f, k1, s_k1), warnings
