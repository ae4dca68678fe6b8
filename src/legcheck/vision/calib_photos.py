"""Calibration photos: read each, find the pattern's corners, bring them to the sensor frame.

A phone stores every photo in its sensor's frame and says with the EXIF orientation tag how to
turn it for display; portrait and landscape photos of one phone therefore share one sensor
frame. Corners are found in the displayed photo and mapped back to the sensor frame, so a set
may mix orientations. A set whose photos come from more than one camera (sensor sizes or EXIF
models differ) is refused, naming the odd photos.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._cv import cv2
from ..errors import BoardLayoutError, BoardNotFoundError, CalibrationError, ImageReadError
from ..targets.spec import BoardSpec
from .camera import _ORIENT
from .imageio import load_photo, to_gray


@dataclass(frozen=True)
class ViewResult:
    """What became of one photo: ``used``, its RMS error (px) and corner count, or the ``reason`` it was not."""

    path: str
    used: bool
    rms_px: float | None = None
    n_points: int = 0
    reason: str = ""


@dataclass(frozen=True)
class ViewPoints:
    """One photo's pattern corners: ``sensor_px`` (N, 2) in the sensor frame, ``board_mm`` (N, 3)."""

    path: str
    sensor_px: np.ndarray
    board_mm: np.ndarray
    orientation: int
    sensor_size: tuple
    make: str = ""
    model: str = ""

    @property
    def name(self) -> str:
        return Path(self.path).name


def displayed_to_sensor(px: np.ndarray, orientation: int, sensor_size) -> np.ndarray:
    """Pixels (N, 2) of a photo displayed with EXIF ``orientation`` to pixels of its stored (sensor) image."""
    (a, b, c, d), off = _ORIENT[orientation]
    A = np.array([[a, b], [c, d]], dtype=np.float64)
    return (np.asarray(px, np.float64).reshape(-1, 2) - np.array(off(*sensor_size), np.float64)) @ A  # A^-1 = A^T


def sensor_to_displayed(px: np.ndarray, orientation: int, sensor_size) -> np.ndarray:
    """The inverse of :func:`displayed_to_sensor`."""
    (a, b, c, d), off = _ORIENT[orientation]
    A = np.array([[a, b], [c, d]], dtype=np.float64)
    return np.asarray(px, np.float64).reshape(-1, 2) @ A.T + np.array(off(*sensor_size), np.float64)


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


def read_views(paths, board: BoardSpec, chessboard, square_mm, progress=None) -> tuple[list[ViewPoints], list[ViewResult]]:
    """Corners of every photo in the sensor frame, and the photos that gave none (with the reason).

    Raises
    ------
    CalibrationError
        The photos come from more than one camera (see :func:`_check_one_camera`).
    """
    views, failed, cameras = [], [], []
    for path in paths:
        if progress:
            progress(str(path))
        try:
            photo = load_photo(path)
        except ImageReadError as exc:
            failed.append(ViewResult(str(path), False, reason=exc.message))
            continue
        o = photo.exif.orientation
        # The decoded pixels are displayed; a quarter-turn tag means the stored image is the other way round.
        sensor = (photo.height, photo.width) if o in (5, 6, 7, 8) else (photo.width, photo.height)
        cameras.append((str(path), sensor, photo.exif.camera_name))
        gray = to_gray(photo.pixels)
        try:
            pts = chessboard_points(gray, chessboard, square_mm) if chessboard else charuco_points(gray, board)
        except BoardLayoutError as exc:
            failed.append(ViewResult(str(path), False, reason=exc.message))
            continue
        if pts is None:
            failed.append(ViewResult(str(path), False, reason="pattern not found"))
            continue
        img, obj = pts
        if len(img) < 6:
            failed.append(ViewResult(str(path), False, reason=f"only {len(img)} corners found"))
            continue
        views.append(ViewPoints(str(path), displayed_to_sensor(img, o, sensor), obj, o, sensor,
                                photo.exif.make, photo.exif.model))
    _check_one_camera(cameras)
    return views, failed


def _check_one_camera(cameras) -> None:
    """Refuse a set whose photos differ in sensor size or EXIF camera, naming the odd ones.

    ``cameras`` is a list of (path, (w, h) as stored, "make model" or ""). The reference is the
    most common size (ties: the first photo's) and the most common non-empty camera name.
    """
    if not cameras:
        return
    sizes = Counter(s for _, s, _ in cameras)
    ref_size = max(sizes, key=lambda s: (sizes[s], s == cameras[0][1]))
    names = Counter(n for _, _, n in cameras if n)
    ref_name = max(names, key=lambda n: names[n]) if names else ""
    odd = []
    for path, size, name in cameras:
        why = []
        if size != ref_size:
            why.append(f"{size[0]}x{size[1]}")
        if name and ref_name and name != ref_name:
            why.append(f"'{name}'")
        if why:
            odd.append(f"{Path(path).name} ({', '.join(why)})")
    if odd:
        ref = f"{ref_size[0]}x{ref_size[1]}" + (f" from '{ref_name}'" if ref_name else "")
        raise CalibrationError(
            f"the photos are not all from one camera: most are {ref} as stored, but {'; '.join(odd)} differ "
            "(another camera, another photo size or zoom, or pixels turned without an EXIF tag); "
            "calibrate each camera and photo size from its own photos")


def orientation_note(views) -> str:
    """A sentence when portrait and landscape photos were mixed ("" otherwise)."""
    portrait = [v for v in views if v.orientation in (5, 6, 7, 8)]
    if not portrait or len(portrait) == len(views):
        return ""
    return (f"{len(portrait)} of {len(views)} photos are turned a quarter turn by their EXIF orientation (portrait and "
            "landscape mixed): all were brought to the camera's sensor frame before calibrating")


def dropped_note(view: ViewResult) -> str:
    return f"{Path(view.path).name} was left out: {view.reason}"
