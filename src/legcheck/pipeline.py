"""The one place the stages are chained: photo -> camera -> detection -> measurement.

``cli.py`` calls these functions and prints; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .vision.camera import CameraProfile, adapt_profile
from .errors import CameraProfileError, HeelNotFoundError
from .measure.measurement import Measurement
from .targets.spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec

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
    from .vision.calibrate import estimate_camera
    from .geometry import solve_board_pose

    size = (photo.width, photo.height)
    if profile is None:
        return estimate_camera(board.corners_px, board.board_mm, size, photo.exif.focal_35mm)
    candidates = adapt_profile(profile, size, photo.exif.orientation, photo.exif.raw_size, photo.exif.camera_name)
    fits = [(solve_board_pose(board.board_mm, board.corners_px, c.K, c.dist)[1], c) for c in candidates]
    rms, camera = min(fits, key=lambda f: f[0])
    if rms > 1.5:
        # A poor fit: is it the profile? Compare with the board fitted without it.
        estimated, _ = estimate_camera(board.corners_px, board.board_mm, size, photo.exif.focal_35mm)
        rms_est = solve_board_pose(board.board_mm, board.corners_px, estimated.K, estimated.dist)[1]
        if rms > PROFILE_MISFIT_FACTOR * rms_est:
            raise CameraProfileError(
                f"the camera profile does not fit this photo (board error {rms:.1f} px against {rms_est:.1f} px "
                "without it): it is for another camera or zoom; use this camera's profile or measure without --camera")
    extra = [] if len(candidates) == 1 else ["the photo's pixels were rotated without an EXIF tag; "
                                              "the profile's orientation was chosen by the board's fit"]
    return camera, extra


#: Typical height of the heel landmark above the table, prone, mm. The leg's depth at the ankle
#: is 70-90 mm in adults and the back of the heel sits a little above the ankle's back when the
#: foot rests near 90 degrees; shoes add 10-30 mm. 100 mm is mid-range; the ±30 mm carried in
#: the uncertainty covers bare feet of small adults (~70 mm) to large shoes (~130 mm).
DEFAULT_HEEL_HEIGHT_MM = 100.0
METHODS = ("auto", "tabs", "contour", "manual")


def measure_photo(path, camera: CameraProfile | str | Path | None = None, board: BoardSpec = DEFAULT_BOARD,
                  tabs: TabSpec = DEFAULT_TABS, even_below_mm: float = 1.0, method: str = "auto",
                  left_heel_px=None, right_heel_px=None,
                  heel_height_mm: float = DEFAULT_HEEL_HEIGHT_MM, snap: bool = True) -> MeasureResult:
    """Measure the leg-length discrepancy in one photo.

    ``method`` "auto" uses the heel tabs when both are in the photo, the heel contours when
    neither is, and manual points when ``left_heel_px`` and ``right_heel_px`` are given.

    Parameters
    ----------
    path : str or Path
        JPEG, PNG or HEIC photo with the board and both heel tabs in view.
    camera : CameraProfile, path, or None
        Calibrated camera profile; None estimates the focal length from the board (less accurate).
    board, tabs : BoardSpec, TabSpec
    even_below_mm : float
        |lld_mm| under this is reported as "even".
    method : {"auto", "tabs", "contour", "manual"}
    left_heel_px, right_heel_px : (float, float), optional
        Manual heel points, (x, y) pixels of the photo as displayed (after EXIF orientation).
    heel_height_mm : float
        Height of the heel landmark above the table, for contour and manual modes.
    snap : bool
        Move manual points onto the heel's edge when one lies within a few pixels along the
        table axis (a click is rarely exactly on it); the move is reported in ``warnings``.

    Raises
    ------
    LegcheckError
        ImageReadError (3), BoardNotFoundError (4), HeelNotFoundError (5), CameraProfileError (6).
    """
    from .vision.contour import find_heels, snap_to_edge
    from .vision.detect import find_board, find_markers, find_tabs, reduced
    from .geometry import solve_board_pose
    from .vision.imageio import load_photo, to_gray
    from .measure.measurement import measure_from_points, measure_from_tabs

    if even_below_mm < 0:
        raise ValueError(f"even_below_mm must be >= 0, got {even_below_mm}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    manual = left_heel_px is not None or right_heel_px is not None
    if manual and (left_heel_px is None or right_heel_px is None):
        raise ValueError("give both left_heel_px and right_heel_px")
    if manual and method not in ("auto", "manual"):
        raise ValueError(f"heel points given but method is {method!r}")
    if method == "manual" and not manual:
        raise ValueError("method 'manual' needs left_heel_px and right_heel_px")
    if not 0 < heel_height_mm < 400:
        raise ValueError(f"heel_height_mm must be in (0, 400), got {heel_height_mm}")
    profile = CameraProfile.load(camera) if isinstance(camera, (str, Path)) else camera
    photo = load_photo(path)
    gray = to_gray(photo.pixels)
    small = reduced(gray)
    markers, scale = find_markers(gray, board.dictionary, small=small)
    board_corners = find_board(gray, board, markers, scale, small=small)
    cam, warnings = _choose_camera(photo, board_corners, profile)
    board2cam, _ = solve_board_pose(board_corners.board_mm, board_corners.corners_px, cam.K, cam.dist)
    seed = int(photo.sha256[:8], 16)
    if manual:
        pts, sig, notes = {}, {}, []
        for side, given in (("left", left_heel_px), ("right", right_heel_px)):
            p = _check_point(given, photo, side)
            if snap:
                q, moved, s = snap_to_edge(photo.pixels, p, board2cam, cam.K, cam.dist, heel_height_mm)
            else:
                q, moved, s = p, None, MANUAL_SIGMA_PX
            pts[side], sig[side] = q, s
            if moved is not None and moved > 0.5:
                notes.append(f"the {side.upper()} point was moved {moved:.1f} px onto the heel's edge")
        m = measure_from_points(board_corners, pts, sig, cam, heel_height_mm, "manual", even_below_mm, seed,
                                list(warnings) + notes)
        outlines = {}
    else:
        found = None
        if method in ("auto", "tabs"):
            tab_markers = markers if tabs.dictionary == board.dictionary else find_markers(gray, tabs.dictionary)[0]
            try:
                found = find_tabs(gray, tab_markers, tabs, cam.K, cam.dist)
            except HeelNotFoundError as exc:
                if method == "tabs" or getattr(exc, "kind", "") != "none":
                    raise
        if found is not None:
            m = measure_from_tabs(board_corners, found, tabs, cam, even_below_mm=even_below_mm, seed=seed,
                                  warnings=warnings)
            outlines = {s: t.corners_px for s, t in found.items()}
        else:
            pair = find_heels(photo.pixels, board2cam, cam.K, cam.dist, heel_height_mm, board)
            m = measure_from_points(board_corners, {s: h.px for s, h in pair.heels.items()},
                                    {s: h.sigma_px for s, h in pair.heels.items()}, cam, heel_height_mm, "contour",
                                    even_below_mm, seed, list(warnings) + list(pair.warnings), pair.confidence)
            outlines = {s: h.outline_px for s, h in pair.heels.items()}
    m = replace(m, image=photo.info(), details={**m.details, "roi_px": _roi(photo, board, m, board2cam, cam)})
    return MeasureResult(m, photo, cam, board2cam, outlines)


def _roi(photo, board: BoardSpec, m, board2cam, cam) -> list[int]:
    """Photo region (x0, y0, x1, y1) holding the board and both heels, with a margin: what a report shows."""
    from .geometry import project_table

    import numpy as np

    w, h = board.width_mm, board.height_mm
    pts = np.array([[0, 0, 0], [w, 0, 0], [w, -h, 0], [0, -h, 0], m.left_heel_mm, m.right_heel_mm], dtype=float)
    px = project_table(pts, board2cam, cam.K, cam.dist)
    lo, hi = px.min(axis=0), px.max(axis=0)
    pad = np.maximum(0.25 * (hi - lo), 40.0)
    x0, y0 = np.maximum(lo - pad, 0).astype(int)
    x1, y1 = np.minimum(hi + pad, [photo.width - 1, photo.height - 1]).astype(int)
    return [int(x0), int(y0), int(x1), int(y1)]


#: 1-sigma of a heel point placed by hand, pixels.
MANUAL_SIGMA_PX = 1.0


def _check_point(p, photo, side):
    try:
        x, y = (float(v) for v in p)
    except (TypeError, ValueError):
        raise ValueError(f"{side} heel point must be two numbers x,y") from None
    if not (0 <= x < photo.width and 0 <= y < photo.height):
        raise HeelNotFoundError(f"the {side.upper()} heel point ({x:g}, {y:g}) is outside the "
                                f"{photo.width}x{photo.height} photo; give pixels of the photo as displayed")
    return (x, y)


def annotate(result: MeasureResult, out_path, board: BoardSpec = DEFAULT_BOARD) -> None:
    """Write the annotated copy of a measured photo (PNG or JPEG by suffix)."""
    from .vision import annotate as ann

    img = ann.draw(result.photo.pixels, result.measurement, result.board2cam, result.camera.K, result.camera.dist,
                   board, result.outlines)
    ann.save(img, out_path)
