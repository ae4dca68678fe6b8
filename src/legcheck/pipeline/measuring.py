"""The one place the stages are chained: photo -> camera -> detection -> measurement.

The command line and the benchmark call these functions; nothing here prints. A caller that
wants to know where the time goes passes ``on_stage`` to :func:`measure_photo`: it is called
with each stage's name (:data:`STAGES`) and its wall-clock seconds as the stage ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..errors import CameraProfileError, HeelNotFoundError, UsageError
from ..measure.measurement import Measurement
from ..records.vocabulary import EVEN_BELOW_MM
from ..targets.spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec
from ..vision.camera import CameraProfile, adapt_profile
from ._board import find_board_upright, mirror_warning
from ._arguments import METHODS, check_method as _check_method, check_near as _check_near, \
    check_point as _check_point  # noqa: F401 - METHODS is public here

#: A profile whose board fit is this much worse than a board-only fit (and over 1.5 px) is for another camera.
PROFILE_MISFIT_FACTOR = 4.0
#: Typical height of the heel landmark above the table, prone, mm. The leg's depth at the ankle
#: is 70-90 mm in adults and the back of the heel sits a little above the ankle's back when the
#: foot rests near 90 degrees; shoes add 10-30 mm. 100 mm is mid-range; the ±50 mm carried in
#: the uncertainty covers bare feet of small adults (~60 mm) to shoes hanging over a cushioned
#: table end (~150 mm).
DEFAULT_HEEL_HEIGHT_MM = 100.0
#: The stages of :func:`measure_photo`, in order, as named to its ``on_stage`` callback. One photo
#: passes through "tabs", "contour" or "manual" (auto mode tries "tabs" first, then "contour").
STAGES = ("decode", "grey", "markers", "board", "camera", "table", "tabs", "contour", "manual", "uncertainty", "result")

OnStage = Callable[[str, float], None]


@dataclass(frozen=True)
class MeasureResult:
    """A measurement plus what drawing it needs.

    Attributes
    ----------
    measurement : Measurement
    photo : legcheck.vision.imageio.Photo
    camera : CameraProfile
        The intrinsics used (adapted to the photo).
    board2cam : Pose
        The board's pose (board frame to camera, mm).
    outlines : dict
        ``{"left": (N, 2), "right": (N, 2)}`` photo pixels: tab outlines or heel contours (empty
        for manual points).
    """

    measurement: Measurement
    photo: object
    camera: CameraProfile
    board2cam: object
    outlines: dict


class _StageClock:
    """Reports each stage's seconds to ``on_stage`` as it ends; does nothing without one."""

    def __init__(self, on_stage: OnStage | None):
        self._on_stage = on_stage
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        """Stage ``name`` ends now: report its seconds and start timing the next."""
        if self._on_stage is not None:
            self._on_stage(name, time.perf_counter() - self._t)
            self._t = time.perf_counter()  # the callback's own time counts for no stage


def measure_photo(path, camera: CameraProfile | str | Path | None = None, board: BoardSpec = DEFAULT_BOARD,
                  tabs: TabSpec = DEFAULT_TABS, even_below_mm: float = EVEN_BELOW_MM, method: str = "auto",
                  left_heel_px=None, right_heel_px=None, heel_height_mm: float = DEFAULT_HEEL_HEIGHT_MM,
                  snap: bool = True, board_squared: bool = False, on_stage: OnStage | None = None,
                  near_left_px=None, near_right_px=None) -> MeasureResult:
    """Measure the leg-length discrepancy in one photo.

    ``method`` "auto" uses the heel tabs when both are in the photo, the heel contours when
    neither is, and manual points when ``left_heel_px`` and ``right_heel_px`` are given. Rough
    points (``near_left_px``, ``near_right_px``: taps near each heel) make contour mode look for
    each heel near its tap (``method`` "contour", ``assisted`` True).

    Parameters
    ----------
    path : str, Path or legcheck.vision.imageio.PhotoBytes
        JPEG, PNG or HEIC photo with the board and both heels in view, or its bytes as read
        once (what is measured is then exactly those bytes).
    camera : CameraProfile, str, Path or None
        Calibrated camera profile (or its JSON file); None estimates the focal length from the
        board (less accurate).
    board, tabs : BoardSpec, TabSpec
    even_below_mm : float
        |lld_mm| under this is reported as "even", mm, >= 0.
    method : {"auto", "tabs", "contour", "manual"}
    left_heel_px, right_heel_px : (float, float), optional
        Manual heel points, (x, y) pixels of the photo as displayed (after EXIF orientation; of
        the unmirrored photo when a mirroring tag was undone: ``pipeline._board``); both or neither.
    heel_height_mm : float
        Height of the heel landmark above the table, mm, in (0, 400); contour and manual modes.
    snap : bool
        Move manual points onto the heel's edge when one lies within a few pixels along the
        table axis (a click is rarely exactly on it); the move is reported in ``warnings``.
    board_squared : bool
        The board was squared with the table (a jig, a fence): when no edge of the table is found
        in the photo, its axis is taken as exact instead of within the assumed ±0.5° (95 %) that
        otherwise goes into the uncertainty (:mod:`legcheck.measure.table_axis`).
    on_stage : callable, optional
        ``on_stage(name, seconds)``, called as each stage ends with its name from :data:`STAGES`
        and its wall-clock time in seconds (time spent in the callback counts for no stage).
    near_left_px, near_right_px : (float, float), optional
        Rough heel positions (a tap on each heel, up to about 30 mm off on the table), (x, y)
        pixels of the photo as displayed; both or neither; not with manual points or heel tabs.

    Returns
    -------
    MeasureResult

    Raises
    ------
    UsageError
        A bad argument (exit 2): the message names the parameter.
    LegcheckError
        ImageReadError (3), BoardNotFoundError (4), HeelNotFoundError (5), CameraProfileError (6).
    """
    from ..geometry import solve_board_pose
    from ..measure.measurement import check_even_below_mm
    from ..measure.points import check_heel_height_mm
    from ..vision.imageio import load_photo
    from ..vision.table_edges import find_table_lines

    even_below_mm = check_even_below_mm(even_below_mm)
    heel_height_mm = check_heel_height_mm(heel_height_mm)
    manual = _check_method(method, left_heel_px, right_heel_px)
    near = _check_near(method, manual, near_left_px, near_right_px)
    profile = _profile(camera)
    if not isinstance(board, BoardSpec) or not isinstance(tabs, TabSpec):
        raise UsageError("board must be a BoardSpec and tabs a TabSpec")
    clock = _StageClock(on_stage)
    photo = load_photo(path)
    clock.done("decode")
    photo, gray, markers, board_corners = find_board_upright(photo, board, clock)
    cam, warnings = _choose_camera(photo, board_corners, profile)
    warnings = mirror_warning(photo) + warnings
    board2cam, _ = solve_board_pose(board_corners.board_mm, board_corners.corners_px, cam.K, cam.dist)
    clock.done("camera")
    hints = []  # lines seen but not measurable: they can only widen the bound (measure.table_axis)
    table_lines = find_table_lines(photo.pixels, board2cam, cam.K, cam.dist, board, gray=gray, unmeasured=hints)
    table_lines += hints
    clock.done("table")
    seed = int(photo.sha256[:8], 16)
    common = dict(even_below_mm=even_below_mm, seed=seed, table_lines=table_lines, board_squared=bool(board_squared))
    if manual:
        m, outlines = _manual(photo, board_corners, board2cam, cam, (left_heel_px, right_heel_px), heel_height_mm,
                              snap, warnings, common, clock)
    else:
        if near is not None:
            near = {side: _check_point(p, photo, f"near_{side}", "tap") for side, p in near.items()}
        m, outlines = _automatic(photo, gray, markers, board_corners, board2cam, cam, board, tabs, method,
                                 heel_height_mm, warnings, common, clock, near)
    clock.done("uncertainty")
    m = replace(m, image=photo.info(), details={**m.details, "roi_px": _roi(photo, board, m, board2cam, cam)})
    clock.done("result")
    return MeasureResult(m, photo, cam, board2cam, outlines)


def load_profile(camera) -> CameraProfile | None:
    """The camera profile of an option: None, a :class:`CameraProfile`, or a profile file's path (read).

    Raises
    ------
    CameraProfileError
        The file is not a usable profile.
    UsageError
        Neither of these.
    """
    return _profile(camera)


def _profile(camera) -> CameraProfile | None:
    if camera is None or isinstance(camera, CameraProfile):
        return camera
    if isinstance(camera, (str, Path)):
        return CameraProfile.load(camera)
    raise UsageError(f"camera must be a CameraProfile, the path of a profile, or None; got {type(camera).__name__}")


def _choose_camera(photo, board, profile: CameraProfile | None):
    """The intrinsics for this photo, and warnings: the profile adapted to it, or estimated from the board.

    A photo of another pixel size than the profile is measured with it only when the board's fit
    confirms a resize rather than a crop (:func:`legcheck.vision.camera_fit.confirm_resized`); a profile
    whose focal length the photo contradicts is refused (:func:`legcheck.vision.camera_fit.check_focal`);
    a profile graded poor when it was made is used with a warning.
    """
    from ..geometry import solve_board_pose
    from ..vision.camera_fit import check_focal, confirm_resized, profile_grade_warnings, same_size
    from ..vision.estimate import estimate_camera, focal_from_exif

    size = (photo.width, photo.height)
    if profile is None:
        return estimate_camera(board.corners_px, board.board_mm, size, photo.exif.focal_35mm)
    candidates = adapt_profile(profile, size, photo.exif.orientation, photo.exif.raw_size, photo.exif.camera_name,
                               photo.exif.lens)
    fits = [(solve_board_pose(board.board_mm, board.corners_px, c.K, c.dist)[1], c) for c in candidates]
    rms, camera = min(fits, key=lambda f: f[0])
    if not same_size(profile, size):
        confirm_resized(profile, camera, board.board_mm, board.corners_px, photo.exif.pixel_size, photo.exif.raw_size)
    if rms > 1.5:
        # A poor fit: is it the profile? Compare with the board fitted without it.
        estimated, _ = estimate_camera(board.corners_px, board.board_mm, size, photo.exif.focal_35mm)
        rms_est = solve_board_pose(board.board_mm, board.corners_px, estimated.K, estimated.dist)[1]
        if rms > PROFILE_MISFIT_FACTOR * rms_est:
            raise CameraProfileError(
                f"the camera profile does not fit this photo (board error {rms:.1f} px against {rms_est:.1f} px "
                "without it): it is for another camera or zoom; use this camera's profile, or measure without one")
    check_focal(camera, board.board_mm, board.corners_px, focal_from_exif(size, photo.exif.focal_35mm))
    extra = [] if len(candidates) == 1 else ["the photo's pixels were rotated without an EXIF tag; "
                                              "the profile's orientation was chosen by the board's fit"]
    return camera, extra + profile_grade_warnings(profile)


def _manual(photo, board_corners, board2cam, cam, given, heel_height_mm, snap, warnings, common, clock):
    """Manual mode: the given points, snapped onto the heel's edge when one is right there.

    A point with no edge within snapping reach is kept, with a warning, and the bound widens by
    how far the nearest edge along the table axis lies (:func:`legcheck.vision.snap.nearest_edge`).
    """
    from ..measure.points import measure_from_points
    from ..vision.snap import FAR_REACH_MM, MANUAL_SIGMA_PX, SNAP_RADIUS_PX, nearest_edge, snap_to_edge

    pts, sig, notes, bias_mm = {}, {}, [], 0.0
    for side, p in zip(("left", "right"), given):
        p = _check_point(p, photo, side)
        if snap:
            q, moved, s = snap_to_edge(photo.pixels, p, board2cam, cam.K, cam.dist, heel_height_mm)
        else:
            q, moved, s = p, None, MANUAL_SIGMA_PX
        pts[side], sig[side] = q, s
        if moved is not None and moved > 0.5:
            notes.append(f"the {side.upper()} point was moved {moved:.1f} px onto the heel's edge")
        if moved is None:
            off = nearest_edge(photo.pixels, p, board2cam, cam.K, cam.dist, heel_height_mm)
            if off is None:
                bias_mm += FAR_REACH_MM
                notes.append(f"no heel edge within {FAR_REACH_MM:.0f} mm of the {side.upper()} point along the "
                             f"table: the bound was widened by {FAR_REACH_MM:.0f} mm; place the point on the back "
                             "of the heel, where it meets the background")
            elif off[0] > SNAP_RADIUS_PX:
                bias_mm += off[1]
                notes.append(f"the {side.upper()} point is not on the heel's edge: the nearest edge along the table "
                             f"lies {off[0]:.0f} px ({off[1]:.1f} mm) away, so the bound was widened by "
                             f"{off[1]:.1f} mm; place the point on the back of the heel")
    clock.done("manual")
    m = measure_from_points(board_corners, pts, sig, cam, heel_height_mm, "manual", warnings=list(warnings) + notes,
                            bias_mm=bias_mm, **common)
    return m, {}


def _automatic(photo, gray, markers, board_corners, board2cam, cam, board, tabs, method, heel_height_mm, warnings,
               common, clock, near=None):
    """Tab mode when both tabs are there (or asked for), else heel contours (near the taps, when given)."""
    from ..measure.points import measure_from_points
    from ..measure.tabs import measure_from_tabs
    from ..vision.contour import find_heels
    from ..vision.detect import find_markers, find_tabs

    if method in ("auto", "tabs") and near is None:
        tab_markers = markers if tabs.dictionary == board.dictionary else find_markers(gray, tabs.dictionary)[0]
        try:
            found = find_tabs(gray, tab_markers, tabs, cam.K, cam.dist)
        except HeelNotFoundError as exc:
            if method == "tabs" or getattr(exc, "kind", "") != "none":
                raise
            found = None
        clock.done("tabs")
        if found is not None:
            m = measure_from_tabs(board_corners, found, tabs, cam, warnings=warnings, **common)
            return m, _sided(m, {s: t.corners_px for s, t in found.items()})
    pair = find_heels(photo.pixels, board2cam, cam.K, cam.dist, heel_height_mm, board, near_px=near)
    clock.done("contour")
    m = measure_from_points(board_corners, {s: h.px for s, h in pair.heels.items()},
                            {s: h.sigma_px for s, h in pair.heels.items()}, cam, heel_height_mm, "contour",
                            warnings=list(warnings) + list(pair.warnings), confidence=pair.confidence,
                            bias_mm=pair.bias_mm, **common)
    m = replace(m, assisted=near is not None, details={**m.details, "contour": pair.details})
    return m, _sided(m, {s: h.outline_px for s, h in pair.heels.items()})


def _sided(m, outlines: dict) -> dict:
    """The outlines keyed by the patient's side: swapped when the measurement took the labels' opposite."""
    if m.details.get("labels_swapped"):
        return {"left": outlines["right"], "right": outlines["left"]}
    return outlines


def _roi(photo, board: BoardSpec, m, board2cam, cam) -> list[int]:
    """Photo region (x0, y0, x1, y1) holding the board and both heels, with a margin: what a report shows."""
    import numpy as np

    from ..geometry import project_table
    from ..measure.table_axis import axis_to_table

    w, h = board.width_mm, board.height_mm
    heels = axis_to_table(m, [m.left_heel_mm, m.right_heel_mm])
    pts = np.r_[np.array([[0, 0, 0], [w, 0, 0], [w, -h, 0], [0, -h, 0]], dtype=float), heels]
    px = project_table(pts, board2cam, cam.K, cam.dist)
    lo, hi = px.min(axis=0), px.max(axis=0)
    pad = np.maximum(0.25 * (hi - lo), 40.0)
    x0, y0 = np.maximum(lo - pad, 0).astype(int)
    x1, y1 = np.minimum(hi + pad, [photo.width - 1, photo.height - 1]).astype(int)
    return [int(x0), int(y0), int(x1), int(y1)]


def annotate(result: MeasureResult, out_path, board: BoardSpec = DEFAULT_BOARD, *, overwrite: bool = False,
             inputs=()) -> None:
    """Write the annotated copy of a measured photo (JPEG for .jpg/.jpeg, PNG otherwise).

    A JPEG carries a comment naming the SHA-256 of the photo it was drawn on
    (:func:`legcheck.vision.annotate.drawn_on` reads it back), so a later run can tell its own
    copy of the same photo from anyone else's file.

    Parameters
    ----------
    result : MeasureResult
    out_path : str or Path
        Where to write; written atomically, owner-only (it shows the patient), under the one
        output rule (:func:`legcheck.outputs.check_output`): its folder must exist.
    board : BoardSpec
        The board the photo was measured with (its outline is drawn).
    overwrite : bool
        Replace an existing file.
    inputs : iterable of Path
        Input files that must never be replaced (the photo, the camera profile).

    Raises
    ------
    UsageError, OutputExistsError, FileAccessError
        The path is refused by the rule, or the file cannot be written.
    """
    from ..vision import annotate as ann

    img = ann.draw(result.photo.pixels, result.measurement, result.board2cam, result.camera.K, result.camera.dist,
                   board, result.outlines)
    ann.save(img, out_path, getattr(result.photo, "sha256", None), overwrite=overwrite, inputs=inputs)


def is_own_annotated_copy(out_path, photo) -> bool:
    """Whether ``out_path`` holds legcheck's annotated copy of this very photo (same SHA-256).

    Parameters
    ----------
    out_path : str or Path
        An existing annotated copy, perhaps.
    photo : str or Path
        The photo (a regular file; anything else is never "the same").

    Returns
    -------
    bool
    """
    import hashlib
    import os
    import stat

    from ..vision.annotate import drawn_on

    sha = drawn_on(out_path)
    try:
        if sha is None or not stat.S_ISREG(os.stat(photo).st_mode):
            return False
        with open(photo, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest() == sha
    except OSError:
        return False
