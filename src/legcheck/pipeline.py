"""The one place the stages are chained: photo -> camera -> detection -> measurement.

``cli.py`` calls these functions and prints; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .camera import CameraProfile, adapt_profile
from .errors import CameraProfileError
from .measure import Measurement
from .spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec

#: A profile whose board fit is this much worse than a board-only fit (and over 1.5 px) is for another camera.
PROFILE_MISFIT_FACTOR = 4.0


@dataclass(frozen=True)
class MeasureResult:
    """A measurement plus what drawing it needs."""

    measurement: Measurement
    photo: object
    camera: CameraProfile
    board2cam: object
    outlines: dict


def _choose_camera(photo, board, profile: CameraProfile | None):
    from .calibrate import estimate_camera
    from .geometry import solve_board_pose

    size = (photo.width, photo.height)
    estimated, warnings = estimate_camera(board.corners_px, board.board_mm, size, photo.exif.focal_35mm)
    if profile is None:
        return estimated, warnings
    candidates = adapt_profile(profile, size, photo.exif.orientation, photo.exif.raw_size, photo.exif.camera_name)
    fits = [(solve_board_pose(board.board_mm, board.corners_px, c.K, c.dist)[1], c) for c in candidates]
    rms, camera = min(fits, key=lambda f: f[0])
    rms_est = solve_board_pose(board.board_mm, board.corners_px, estimated.K, estimated.dist)[1]
    if rms > 1.5 and rms > PROFILE_MISFIT_FACTOR * rms_est:
        raise CameraProfileError(
            f"the camera profile does not fit this photo (board error {rms:.1f} px against {rms_est:.1f} px "
            "without it): it is for another camera or zoom; use this camera's profile or measure without --camera")
    extra = [] if len(candidates) == 1 else ["the photo's pixels were rotated without an EXIF tag; "
                                              "the profile's orientation was chosen by the board's fit"]
    return camera, extra


def measure_photo(path, camera: CameraProfile | str | Path | None = None, board: BoardSpec = DEFAULT_BOARD,
                  tabs: TabSpec = DEFAULT_TABS, even_below_mm: float = 1.0) -> MeasureResult:
    """Measure the leg-length discrepancy in one photo (heel-tab mode).

    Parameters
    ----------
    path : str or Path
        JPEG, PNG or HEIC photo with the board and both heel tabs in view.
    camera : CameraProfile, path, or None
        Calibrated camera profile; None estimates the focal length from the board (less accurate).
    board, tabs : BoardSpec, TabSpec
    even_below_mm : float
        |lld_mm| under this is reported as "even".

    Raises
    ------
    LegcheckError
        ImageReadError (3), BoardNotFoundError (4), HeelNotFoundError (5), CameraProfileError (6).
    """
    from .detect import find_board, find_markers, find_tabs
    from .imageio import load_photo, to_gray
    from .measure import measure_from_tabs

    if even_below_mm < 0:
        raise ValueError(f"even_below_mm must be >= 0, got {even_below_mm}")
    profile = CameraProfile.load(camera) if isinstance(camera, (str, Path)) else camera
    photo = load_photo(path)
    gray = to_gray(photo.pixels)
    markers, scale = find_markers(gray, board.dictionary)
    board_corners = find_board(gray, board, markers, scale)
    cam, warnings = _choose_camera(photo, board_corners, profile)
    tab_markers = markers if tabs.dictionary == board.dictionary else find_markers(gray, tabs.dictionary)[0]
    found = find_tabs(gray, tab_markers, tabs, cam.K, cam.dist)
    m = measure_from_tabs(board_corners, found, tabs, cam, even_below_mm=even_below_mm,
                          seed=int(photo.sha256[:8], 16), warnings=warnings)
    m = replace(m, image=photo.info())
    from .geometry import solve_board_pose

    board2cam, _ = solve_board_pose(board_corners.board_mm, board_corners.corners_px, cam.K, cam.dist)
    return MeasureResult(m, photo, cam, board2cam, {s: t.corners_px for s, t in found.items()})


def annotate(result: MeasureResult, out_path, board: BoardSpec = DEFAULT_BOARD) -> None:
    """Write the annotated copy of a measured photo (PNG or JPEG by suffix)."""
    from . import annotate as ann

    img = ann.draw(result.photo.pixels, result.measurement, result.board2cam, result.camera.K, result.camera.dist,
                   board, result.outlines)
    ann.save(img, out_path)
