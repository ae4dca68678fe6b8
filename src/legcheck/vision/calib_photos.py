"""Calibration photos: read each, find the pattern's corners, bring them to the sensor frame.

A phone stores every photo in its sensor's frame and says with the EXIF orientation tag how to
turn it for display; portrait and landscape photos of one phone therefore share one sensor
frame. Corners are found in the displayed photo and mapped back to the sensor frame, so a set
may mix orientations; a mirrored orientation is searched in the sensor's own image. A set whose
photos come from more than one camera or lens (sensor sizes, EXIF models or EXIF lenses differ)
is refused, naming the odd photos; a file given twice (the same bytes) is counted once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._cv import cv2
from ..errors import BoardLayoutError, BoardNotFoundError, CalibrationError, ImageReadError
from ..targets.spec import BoardSpec
from .camera import _ORIENT
from .camera_checks import LENS_FOCAL_TOLERANCE, describe_lens, lens_mismatch
from .imageio import load_photo, to_gray
from .orientation import MIRRORED, upright


@dataclass(frozen=True)
class ViewResult:
    """What became of one photo: ``used``, its RMS error (px) and corner count, or the ``reason`` it was not
    (``duplicate_of``: the photo whose identical copy it is)."""

    path: str
    used: bool
    rms_px: float | None = None
    n_points: int = 0
    reason: str = ""
    duplicate_of: str = ""


@dataclass(frozen=True)
class ViewPoints:
    """One photo's pattern corners: ``sensor_px`` (N, 2) in the sensor frame, ``board_mm`` (N, 3);
    ``lens``: its EXIF lens (:attr:`legcheck.vision.imageio.ExifInfo.lens`)."""

    path: str
    sensor_px: np.ndarray
    board_mm: np.ndarray
    orientation: int
    sensor_size: tuple
    make: str = ""
    model: str = ""
    lens: dict = field(default_factory=dict)

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


def pattern_name(board: BoardSpec, chessboard) -> str:
    """The pattern looked for, for people: "a chessboard of 10x7 squares (9x6 inner corners)" or
    "the ChArUco board of 7x5 squares with DICT_5X5_100 markers"."""
    if chessboard:
        return f"a chessboard of {chessboard[0] + 1}x{chessboard[1] + 1} squares ({chessboard[0]}x{chessboard[1]} inner corners)"
    return (f"the ChArUco board of {board.squares_x}x{board.squares_y} squares with {board.dictionary} markers"
            + (" (legacy layout)" if board.legacy else ""))


def check_paths(paths) -> None:
    """Refuse a set naming files that do not exist, before any photo is read.

    Raises
    ------
    ImageReadError
        One or more paths are missing (exit 3); the message names them.
    """
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise ImageReadError(f"calibration photo{'s' * (len(missing) > 1)} not found: {', '.join(missing)}; "
                             "check the path" + "s" * (len(missing) > 1))


def _find_pattern(photo, board, chessboard, square_mm):
    """(corners (N, 2) in the sensor frame, board points (N, 3)) or None.

    The pattern is looked for in the photo as displayed, and the corners are mapped to the stored
    (sensor) image. A mirrored orientation (2, 4, 5, 7) asks a viewer to mirror what the sensor
    recorded; a mirrored board's markers read as no markers at all, so the sensor's own image is
    searched first, then the displayed one (pixels an editor stored mirrored).
    """
    o = photo.exif.orientation
    gray = to_gray(photo.pixels)
    sensor = (photo.height, photo.width) if o in (5, 6, 7, 8) else (photo.width, photo.height)

    def find(g):
        return chessboard_points(g, chessboard, square_mm) if chessboard else charuco_points(g, board)

    if o in MIRRORED:
        pts = find(np.ascontiguousarray(upright(gray, o)))  # each mirror is its own inverse
        if pts is not None:
            return pts[0], pts[1]
    pts = find(gray)
    return None if pts is None else (displayed_to_sensor(pts[0], o, sensor), pts[1])


def read_views(paths, board: BoardSpec, chessboard, square_mm, progress=None) -> tuple[list[ViewPoints], list[ViewResult]]:
    """Corners of every photo in the sensor frame, and the photos that gave none (with the reason).

    A file whose bytes are those of an earlier one (the same photo copied) is counted once.

    Raises
    ------
    CalibrationError
        The photos come from more than one camera or lens (see :func:`_check_one_camera`).
    """
    views, failed, cameras, seen = [], [], [], {}
    for path in paths:
        if progress:
            progress(str(path))
        try:
            photo = load_photo(path)
        except ImageReadError as exc:
            failed.append(ViewResult(str(path), False, reason=exc.message))
            continue
        if photo.sha256 in seen:
            first = seen[photo.sha256]
            failed.append(ViewResult(str(path), False, reason=f"the same file as {Path(first).name} (identical "
                                     "contents): counted once", duplicate_of=first))
            continue
        seen[photo.sha256] = str(path)
        o = photo.exif.orientation
        # The decoded pixels are displayed; a quarter-turn tag means the stored image is the other way round.
        sensor = (photo.height, photo.width) if o in (5, 6, 7, 8) else (photo.width, photo.height)
        cameras.append((str(path), sensor, photo.exif.camera_name, photo.exif.lens))
        try:
            pts = _find_pattern(photo, board, chessboard, square_mm)
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
        views.append(ViewPoints(str(path), img, obj, o, sensor, photo.exif.make, photo.exif.model, photo.exif.lens))
    _check_one_camera(cameras)
    return views, failed


def _most_common(values, first):
    """The most common of ``values`` (ties: ``first`` when it is among them)."""
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], v == first))


def _lens_key(lens: dict):
    # Focal lengths within the tolerance share a key (rounded on a log scale).
    def bucket(v):
        return None if not v else round(float(np.log(float(v)) / LENS_FOCAL_TOLERANCE))
    return (str(lens.get("lens_model", "")).strip().lower(), bucket(lens.get("focal_mm")), bucket(lens.get("focal_35mm")))


def _check_one_camera(cameras) -> None:
    """Refuse a set whose photos differ in sensor size, EXIF camera or EXIF lens, naming the odd ones.

    ``cameras`` is a list of (path, (w, h) as stored, "make model" or "", lens dict). The reference is the
    most common size (ties: the first photo's), the most common non-empty camera name and lens.
    """
    if not cameras:
        return
    ref_size = _most_common([s for _, s, _, _ in cameras], cameras[0][1])
    names = [n for _, _, n, _ in cameras if n]
    ref_name = _most_common(names, names[0]) if names else ""
    lenses = [lens for _, _, _, lens in cameras if lens]
    ref_lens = {}
    if lenses:
        key = _most_common([_lens_key(x) for x in lenses], _lens_key(lenses[0]))
        ref_lens = next(x for x in lenses if _lens_key(x) == key)
    odd = []
    for path, size, name, lens in cameras:
        why = []
        if size != ref_size:
            why.append(f"{size[0]}x{size[1]}")
        if name and ref_name and name != ref_name:
            why.append(f"'{name}'")
        if lens_mismatch(ref_lens, lens):
            why.append(f"lens {describe_lens(lens)}")
        if why:
            odd.append(f"{Path(path).name} ({', '.join(why)})")
    if odd:
        ref = (f"{ref_size[0]}x{ref_size[1]}" + (f" from '{ref_name}'" if ref_name else "")
               + (f" with the lens {describe_lens(ref_lens)}" if ref_lens else ""))
        raise CalibrationError(
            f"the photos are not all from one camera and lens: {len(cameras) - len(odd)} of {len(cameras)} are "
            f"{ref} as stored, but {'; '.join(odd)} differ "
            "(another camera, another lens or zoom, another photo size, or pixels turned without an EXIF tag); "
            "calibrate each camera, lens and photo size from its own photos")


def orientation_note(views) -> str:
    """A sentence when portrait and landscape photos were mixed ("" otherwise)."""
    portrait = [v for v in views if v.orientation in (5, 6, 7, 8)]
    if not portrait or len(portrait) == len(views):
        return ""
    return (f"{len(portrait)} of {len(views)} photos are turned a quarter turn by their EXIF orientation (portrait and "
            "landscape mixed): all were brought to the camera's sensor frame before calibrating")


def dropped_note(view: ViewResult) -> str:
    return f"{Path(view.path).name} was left out: {view.reason}"


def lens_of(views) -> dict:
    """The EXIF lens the used photos share ({} when none says): the profile's ``lens``."""
    lenses = [v.lens for v in views if v.lens]
    return dict(lenses[0]) if lenses else {}


def camera_name(views) -> tuple[str, str]:
    """EXIF (make, model) the used photos share, or ("", "")."""
    names = {(v.make, v.model) for v in views if v.make or v.model}
    return names.pop() if len(names) == 1 else ("", "")
