"""Camera calibration: intrinsics, distortion and an honest uncertainty from photos of the board.

Multi-view calibration follows OpenCV's ``calibrateCamera`` (Zhang's method with
Brown-Conrady distortion, k1 k2 p1 p2 k3), in the camera's sensor frame (portrait and
landscape photos mixed by EXIF orientation are brought to it, :mod:`.calib_photos`).
Views whose own RMS reprojection error is far above the rest are dropped, with the reason,
and the calibration is re-run; fewer than :data:`MIN_VIEWS` usable views is refused.

The stated uncertainty of the intrinsics is the larger of OpenCV's covariance and a
bootstrap over the photos (:mod:`.calib_uncertainty`), widened where a check shows the model
does not hold (fx/fy off 1: the board is printed out of scale, and the square-pixel reading of
the photos is as likely as the fitted one). The profile is
judged (:mod:`.calib_checks`): named warnings, a grade, and where the corners fell in the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .calib_checks import (ASPECT_TOLERANCE, CalibrationWarning, Coverage, check_coverage, check_intrinsics, check_views,
                           coverage_png, frame_coverage, grade_of, near_copy_groups)
from .calib_photos import (ViewResult, camera_name, check_paths, dropped_note, lens_of, orientation_note, pattern_name,
                           read_views, sensor_to_displayed)
from .calib_summary import summary_text
from .calib_uncertainty import (BOOTSTRAP_RESAMPLES, bootstrap_covariance, bootstrap_params, fit_views,
                                larger_covariance, square_pixel_fit)
from .camera import CameraProfile
from .camera_checks import camera_problem
from .estimate import estimate_camera  # noqa: F401 - the pipeline and the benchmark import it from here
from .intrinsics import INTRINSIC_PARAMS
from ..errors import CalibrationError, PatternNotFoundError, UsageError
from ..targets.spec import BoardSpec, check_square_mm

MIN_VIEWS = 5
#: A view is dropped when its RMS error exceeds this many times the median view's (and 1 px).
OUTLIER_FACTOR = 3.0
#: RMS reprojection error above which the set is flagged (board not flat, blur).
HIGH_RMS_PX = 1.0
#: RMS reprojection error above which the result is no camera at all (refused): the corners do not
#: fit one pinhole camera (a pattern found wrongly, photos of several cameras).
MAX_RMS_PX = 3.0


@dataclass(frozen=True)
class CalibrationResult:
    """A calibration and its judgement.

    Attributes
    ----------
    profile : CameraProfile
        In the frame of the first photo (whose pattern was found) as displayed, ``orientation``
        its EXIF tag; portrait and landscape photos are calibrated together in the sensor frame. Its
        ``extra`` holds ``quality``, ``uncertainty``, ``coverage``, ``pattern`` and
        ``per_view_rms_px`` (the profile JSON's fields).
    views : tuple of ViewResult
        Every photo, in the order given: used, or why not.
    warnings : tuple of CalibrationWarning
    grade : str
        ``good``, ``usable`` or ``poor``.
    coverage : Coverage
        Corners per ninth of the profile's frame.
    points_px : tuple of ndarray (N_i, 2)
        Each used view's corners in the profile's frame (for the coverage picture).
    """

    profile: CameraProfile
    views: tuple = ()
    warnings: tuple = ()
    grade: str = "good"
    coverage: Coverage | None = None
    points_px: tuple = field(default=(), repr=False)

    def summary(self) -> str:
        """What ``legcheck calibrate`` prints: a plain first line, the grade, each value with its 1-sigma,
        the photos, the warnings (:func:`legcheck.vision.calib_summary.summary_text`)."""
        return summary_text(self)

    def to_json(self) -> dict:
        """The ``--json`` output: fit, views, grade, warnings and the stated standard deviations."""
        p = self.profile
        std = np.sqrt(np.diag(p.intrinsics_covariance()))
        return {"rms_px": p.rms_px, "n_views": p.n_views, "views": [v.__dict__ for v in self.views],
                "camera_matrix": p.K.tolist(), "dist_coeffs": list(p.dist_coeffs),
                "std": dict(zip(INTRINSIC_PARAMS, (float(v) for v in std))),
                "grade": self.grade, "warnings": [w.to_json() for w in self.warnings],
                "coverage": None if self.coverage is None else self.coverage.to_json()}


def coverage_png_path(profile_path) -> Path:
    """Where a profile's coverage picture goes: ``<profile stem>-coverage.png`` beside it."""
    profile_path = Path(profile_path)
    return profile_path.with_name(profile_path.stem + "-coverage.png")


def calibration_outputs(profile_path, overwrite: bool = False, inputs=()):
    """The two files a calibration writes (profile JSON, coverage PNG), checked now under the one output rule.

    Call it before :func:`calibrate_photos`: a path that would be refused is refused before
    the long calibration, not after it.

    Parameters
    ----------
    profile_path : str or Path
    overwrite : bool
        Replace existing files (``--force``).
    inputs : iterable of str or Path
        The calibration photos (never replaced).

    Returns
    -------
    legcheck.outputs.OutputFiles
        Both paths claimed; pass it to :func:`save_calibration`.

    Raises
    ------
    UsageError, OutputExistsError, FileAccessError
        As :func:`legcheck.outputs.check_output`, for either file (the profile's name ends in .json).
    """
    from ..outputs import OutputFiles

    files = OutputFiles(overwrite=overwrite, inputs=inputs)
    files.claim(profile_path, kind="json")  # first: an empty or forbidden path is named as given
    files.claim(coverage_png_path(profile_path))
    return files


def save_calibration(result: CalibrationResult, profile_path, files=None) -> tuple[Path, Path]:
    """Write the profile JSON and its coverage picture beside it, both or neither; return (profile path, PNG path).

    Parameters
    ----------
    result : CalibrationResult
    profile_path : str or Path
    files : legcheck.outputs.OutputFiles, optional
        From :func:`calibration_outputs` (default: made here, replacing nothing).

    Raises
    ------
    UsageError, OutputExistsError, FileAccessError
        A path is refused by the rule, or a file cannot be written (then neither is left).
    """
    from ..fileio import PUBLIC

    files = files if files is not None else calibration_outputs(profile_path)
    profile_path = Path(profile_path)
    png = coverage_png_path(profile_path)
    p = result.profile
    extra = dict(p.extra)
    extra["coverage"] = {**extra.get("coverage", {}), "png": png.name}
    title = f"{p.name or 'camera'}: {len(result.points_px)} photos, grade {result.grade}"
    with files:
        files.write(profile_path, replace(p, extra=extra).json_text(), PUBLIC)
        files.write(png, coverage_png(result.points_px, result.coverage, title), PUBLIC)
    return profile_path, png


def _fit_dropping_outliers(views, sensor_size):
    """Calibrate, dropping the worst view while its error stands out: (fit or None, kept views, dropped)."""
    views = list(views)
    dropped = []
    while len(views) >= MIN_VIEWS:
        fit = fit_views([v.board_mm for v in views], [v.sensor_px for v in views], sensor_size)
        med = float(np.median(fit.per_view_rms_px))
        worst = int(np.argmax(fit.per_view_rms_px))
        e = float(fit.per_view_rms_px[worst])
        if e <= max(OUTLIER_FACTOR * med, 1.0):
            return fit, views, dropped
        dropped.append(ViewResult(views[worst].path, False, reason=(
            f"reprojection error {e:.2f} px is over {OUTLIER_FACTOR:g}x the median {med:.2f} px "
            "(blurred, moved or board not flat)")))
        del views[worst]
    return None, views, dropped


def _model_covariance(fit, used, sensor_size) -> tuple[np.ndarray, float | None]:
    """Covariance (9, 9) of what the pinhole model cannot see in the photos' scatter, and the board's
    fitted x/y print ratio (None when fx/fy is within tolerance of 1).

    Phone pixels are square: fx/fy off 1 means the board is printed out of scale along one axis,
    and OpenCV's fit and the bootstrap then agree with each other on biased intrinsics. The
    square-pixel reading of the same photos (:func:`square_pixel_fit`) is the other candidate;
    the difference ``d`` between the two readings enters as ``d d^T``, so the truth, near either,
    is within about one standard deviation along that direction.
    """
    fx, fy = fit.params[:2]
    if abs(fx / fy - 1) <= ASPECT_TOLERANCE:
        return np.zeros((9, 9)), None
    ratio, alternative = square_pixel_fit([v.board_mm for v in used], [v.sensor_px for v in used], sensor_size)
    d = fit.params - alternative
    return np.outer(d, d), ratio


def _stated_covariance(fit, used, sensor_size, resamples: int, seed: int, groups):
    """(stated covariance (9, 9), its parts {"opencv", "bootstrap", "model"}, resamples fitted, board ratio)."""
    samples = bootstrap_params([v.board_mm for v in used], [v.sensor_px for v in used], sensor_size, fit,
                               resamples, seed, groups)
    model, ratio = _model_covariance(fit, used, sensor_size)
    parts = {"opencv": fit.covariance, "bootstrap": bootstrap_covariance(samples), "model": model}
    return larger_covariance(parts["opencv"], parts["bootstrap"]) + model, parts, int(len(samples)), ratio


def _judge(frame: CameraProfile, std: np.ndarray, fit, used, dropped, duplicates, coverage,
           board_ratio: float | None) -> list[CalibrationWarning]:
    """Every check on the calibrated camera (in the profile's frame), its views and its coverage."""
    mixed = orientation_note(used)
    # Which way up "top-left" is, when portrait and landscape photos were mixed.
    frame_of = used[0].name if mixed else ""
    warnings = (check_intrinsics(frame.params(), std, frame.image_size, board_ratio)
                + check_views(fit.rvecs, fit.tvecs, [v.name for v in used]) + check_coverage(coverage, frame_of))
    if fit.rms_px > HIGH_RMS_PX:
        warnings.append(CalibrationWarning("high_rms", "usable", (
            f"the RMS reprojection error is {fit.rms_px:.2f} px (over {HIGH_RMS_PX:g}): the board may not lie flat, "
            "or photos are blurred; flatten the board on a hard surface and hold the phone still")))
    warnings += [CalibrationWarning("outlier_view", "info", dropped_note(v)) for v in dropped]
    if duplicates:
        listed = ", ".join(f"{Path(v.path).name} (= {Path(v.duplicate_of).name})" for v in duplicates)
        warnings.append(CalibrationWarning("duplicate_photos", "info", (
            f"{listed}: the same file{'s' * (len(duplicates) > 1)} given again, counted once; a copy adds nothing")))
    if mixed:
        warnings.append(CalibrationWarning("mixed_orientations", "info", mixed))
    return warnings


def _std_in_frame(cov: np.ndarray, sensor: CameraProfile, orientation: int) -> list:
    c = replace(sensor, covariance=tuple(float(v) for v in cov.ravel()))
    c = c.reoriented(orientation) if orientation != 1 else c
    return [float(v) for v in np.sqrt(np.clip(np.diag(c.intrinsics_covariance()), 0, None))]


def calibrate_photos(paths, board: BoardSpec | None = None, chessboard: tuple[int, int] | None = None,
                     square_mm: float | None = None, name: str = "", progress=None,
                     resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> CalibrationResult:
    """Calibrate a camera from photos of the board (default) or of a classic chessboard, and judge it.

    Parameters
    ----------
    paths : list of path
        Photos of one camera, any mix of EXIF orientations.
    board : BoardSpec, optional
        The ChArUco board (default board when None and no chessboard is given).
    chessboard : (int, int), optional
        Inner corners (columns, rows) of a classic chessboard, e.g. (9, 6).
    square_mm : float, optional
        Chessboard square side; required with ``chessboard``.
    name : str
        The profile's name.
    progress : callable, optional
        Called with each photo's path as it is read.
    resamples : int
        Bootstrap resamples over the photos (fewer: faster, and a noisier spread).
    seed : int
        The bootstrap's seed: the same photos give the same profile.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    UsageError
        A chessboard without a sensible size or square size.
    ImageReadError
        A photo's path does not exist (exit 3; before anything is read).
    PatternNotFoundError
        No photo shows the pattern (exit 7): its size or dictionary is probably given wrongly.
    CalibrationError
        Fewer than 5 usable, distinct photos (copies of one file count once, near-copies as one
        view); photos from more than one camera or lens (the odd ones named); or a result that is
        no camera (RMS error over :data:`MAX_RMS_PX`, or a stated uncertainty ``measure`` would refuse).

    References
    ----------
    Zhang (2000), A flexible new technique for camera calibration, IEEE TPAMI 22(11); OpenCV ``calibrateCamera``.
    """
    from ..targets.spec import DEFAULT_BOARD

    chessboard, square_mm = _check_pattern(chessboard, square_mm)
    board = board or DEFAULT_BOARD
    paths = list(paths)
    check_paths(paths)
    views, failed = read_views(paths, board, chessboard, square_mm, progress)
    duplicates = [v for v in failed if v.duplicate_of]
    if not views and len(duplicates) < len(failed):
        raise PatternNotFoundError(
            f"no photo shows {pattern_name(board, chessboard)}: check the pattern's size"
            + (" (inner corners, one fewer than the squares each way)" if chessboard
               else ", dictionary and layout (boards from other tools often use the legacy layout)")
            + "; if they are right, take the photos in even light without glare, sharp, with the whole pattern "
            "large in the frame", chessboard=chessboard is not None, views=_in_order(paths, failed))
    sensor_size = views[0].sensor_size if views else None
    fit, used, dropped = _fit_dropping_outliers(views, sensor_size)
    if fit is None:
        raise CalibrationError(_too_few(paths, used, failed, dropped), views=_in_order(paths, failed + dropped))
    groups = near_copy_groups(fit.rvecs, fit.tvecs)
    if len(groups) < MIN_VIEWS:
        copies = "; ".join(", ".join(used[i].name for i in g) for g in groups if len(g) > 1)
        raise CalibrationError(
            f"only {len(groups)} distinct views among {len(used)} usable photos (need {MIN_VIEWS}): near-copies "
            f"({copies}) count as one view each group; move the phone and tilt the board differently between photos",
            views=_in_order(paths, failed + dropped))
    cov, parts, n_boot, board_ratio = _stated_covariance(fit, used, sensor_size, resamples, seed, groups)
    sensor = CameraProfile.from_arrays(sensor_size, fit.K, fit.dist, covariance=tuple(float(v) for v in cov.ravel()))
    _check_is_a_camera(sensor, fit, paths, failed + dropped)
    o = views[0].orientation
    frame = sensor.reoriented(o) if o != 1 else sensor
    std = np.sqrt(np.diag(frame.intrinsics_covariance()))
    points = tuple(sensor_to_displayed(v.sensor_px, o, sensor_size) for v in used)
    coverage = frame_coverage(points, frame.image_size)
    warnings = _judge(frame, std, fit, used, dropped, duplicates, coverage, board_ratio)
    grade = grade_of(warnings)
    make, model = camera_name(used)
    extra = {
        "pattern": ({"kind": "chessboard", "inner_corners": list(chessboard), "square_mm": square_mm}
                    if chessboard else board.to_dict()),
        "lens": lens_of(used),
        "per_view_rms_px": {v.name: round(float(e), 4) for v, e in zip(used, fit.per_view_rms_px)},
        "quality": {"grade": grade, "warnings": [w.to_json() for w in warnings]},
        "uncertainty": {"params": list(INTRINSIC_PARAMS), "stated_std": [float(v) for v in std],
                        **{f"{k}_std": _std_in_frame(c, sensor, o) for k, c in parts.items()},
                        "bootstrap_resamples": n_boot, "distinct_views": len(groups),
                        "method": "covariance = the larger of OpenCV's and the bootstrap's (over groups of "
                                  "near-copies) along every direction, plus d d^T when fx/fy is off 1 "
                                  "(d: to the square-pixel reading)",
                        "board_print_ratio": board_ratio},
        "coverage": coverage.to_json(),
    }
    profile = replace(frame, std_intrinsics=tuple(float(v) for v in std[:4]), std_dist=tuple(float(v) for v in std[4:]),
                      rms_px=fit.rms_px, n_views=len(used), make=make, model=model, name=name, extra=extra)
    results = [ViewResult(v.path, True, float(e), len(v.sensor_px)) for v, e in zip(used, fit.per_view_rms_px)]
    return CalibrationResult(profile, _in_order(paths, results + failed + dropped), tuple(warnings), grade, coverage,
                             points)


def _check_pattern(chessboard, square_mm):
    """(chessboard inner corners or None, square side mm or None), checked.

    Raises
    ------
    UsageError
        A chessboard under 3x3 inner corners (OpenCV finds none smaller), or without a square size
        within :data:`legcheck.targets.spec.SQUARE_MM_RANGE`.
    """
    if chessboard is None:
        return None, None
    try:
        cols, rows = (int(v) for v in chessboard)
    except (TypeError, ValueError):
        raise UsageError(f"chessboard must be two whole numbers (inner corners across, down), got {chessboard!r}") from None
    if not (3 <= cols <= 100 and 3 <= rows <= 100):
        raise UsageError(f"a chessboard's inner corners must be 3 to 100 each way, got {cols}x{rows}")
    if square_mm is None:
        raise UsageError("a chessboard needs its square size in millimetres")
    return (cols, rows), check_square_mm(square_mm, "the chessboard's square_mm")


def _in_order(paths, results) -> tuple:
    order = {str(p): i for i, p in enumerate(paths)}
    return tuple(sorted(results, key=lambda v: order.get(v.path, 0)))


def _too_few(paths, used, failed, dropped) -> str:
    """One line: how many photos were usable, why the rest were not (counted), what to do."""
    reasons = {}
    for v in failed + dropped:
        why = ("copies of another photo" if v.duplicate_of else "show no pattern" if v.reason == "pattern not found"
               else "were left out (error stood out)" if v in dropped else "could not be used")
        reasons[why] = reasons.get(why, 0) + 1
    counted = ", ".join(f"{n} {why}" for why, n in reasons.items())
    return (f"only {len(used)} of {len(paths)} photos are usable calibration photos (need {MIN_VIEWS})"
            + (f": {counted}" if counted else "") + "; take more photos of the pattern from different angles")


def _check_is_a_camera(sensor: CameraProfile, fit, paths, not_used) -> None:
    """Refuse a calibration that is no camera: what ``measure`` would refuse to load, or corners that
    do not fit one pinhole camera (:data:`MAX_RMS_PX`).

    Raises
    ------
    CalibrationError
        With the RMS error and the focal length's stated uncertainty.
    """
    cov = sensor.intrinsics_covariance()
    problem = camera_problem(sensor.image_size, sensor.K, sensor.dist, cov=cov)
    if not problem and fit.rms_px > MAX_RMS_PX:
        problem = f"the corners do not fit one camera (RMS error {fit.rms_px:.1f} px, over {MAX_RMS_PX:g} px)"
    if problem:
        fx, sfx = sensor.K[0, 0], math.sqrt(max(cov[0, 0], 0.0))
        raise CalibrationError(
            f"the calibration failed: {problem} (RMS error {fit.rms_px:.2f} px, fx {fx:.0f} +/- {sfx:.0f} px); "
            "take sharp photos with the whole pattern large in the frame, tilted 20-45 degrees in different "
            "directions (a pattern with more corners helps)", views=_in_order(paths, not_used))

