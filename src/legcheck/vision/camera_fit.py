"""Does a camera profile fit this photo? Asked of the board: a resize or a crop, and the focal length.

A profile of another lens or zoom is refused (:func:`check_focal`): the board's own perspective and
EXIF's 35 mm-equivalent focal length are compared with the profile's.

Is a photo of another size than its camera profile resized, or cropped?

A resized photo (the phone's lower-resolution mode, a messaging app) keeps the field of view: its
focal length in pixels scales with the size. A cropped photo keeps the focal length in pixels and
moves the principal point. A centre crop keeps the aspect ratio, so the size alone cannot tell the
two apart, and a crop measured as a resize is measured with a focal length off by the crop's
factor (a 70 % crop: 0.4 mm off at a 75-degree view, well outside a tab-mode bound).

The board's pose fit can tell: the photo is measured with the resized intrinsics only when

- they fit the board about as well as the profile's calibration photos were fitted
  (:data:`ABSOLUTE_FACTOR` times the profile's RMS, and at least :data:`MIN_NOISE_PX`), and
- the "centre crop" intrinsics fit clearly worse (:data:`CONFIRM_RATIO` times the RMS and
  :data:`CONFIRM_MARGIN_PX` more), unless EXIF's pixel dimensions (PixelXDimension,
  PixelYDimension) say the camera itself wrote the photo at this size: then it is enough that the
  crop does not fit clearly better.

Anything else is refused (:class:`~legcheck.errors.CameraProfileError`, exit 6) as a photo that looks
cropped. From straight above the two hypotheses fit a plane equally well, so an overhead photo of
another size than its profile is refused too; measuring it without the profile remains possible.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..errors import CameraProfileError
from .camera import CameraProfile

#: The resized intrinsics must fit the board within this many times the profile's own RMS.
ABSOLUTE_FACTOR = 3.0
#: The noise level assumed when the profile does not say (or says less), px RMS.
MIN_NOISE_PX = 0.1
#: The crop hypothesis must fit this many times worse (RMS) than the resize to confirm it ...
CONFIRM_RATIO = 1.5
#: ... and by at least this much, px RMS.
CONFIRM_MARGIN_PX = 0.03


def same_size(profile: CameraProfile, photo_size) -> bool:
    """Whether the photo (as displayed) has the profile's pixel size, either way round."""
    w, h = profile.image_size
    return tuple(photo_size) in ((w, h), (h, w))


def centre_crop_of(resized: CameraProfile, scale: float) -> CameraProfile:
    """The intrinsics of a centre crop of the full-size image, from the resized candidate.

    Parameters
    ----------
    resized : CameraProfile
        The profile adapted to the photo as a resize by ``scale`` (image_size is the photo's).
    scale : float
        Photo size over the profile's full size, < 1.

    Returns
    -------
    CameraProfile
        Focal length of the full-size image, principal point moved by half the size difference.
    """
    w, h = resized.image_size
    full = resized.scaled(1.0 / scale)  # the full-size image's intrinsics (and their covariance)
    K = full.K
    K[0, 2] -= (w / scale - w) / 2
    K[1, 2] -= (h / scale - h) / 2
    return replace(full, image_size=(w, h), camera_matrix=tuple(K.ravel()))


def confirm_resized(profile: CameraProfile, resized: CameraProfile, board_mm: np.ndarray, corners_px: np.ndarray,
                    exif_size=None, stored_size=None) -> float:
    """Check, on the board, that a photo of another size than ``profile`` is a resize, not a crop.

    Parameters
    ----------
    profile : CameraProfile
        The calibrated profile.
    resized : CameraProfile
        The profile adapted to the photo as a resize (orientation applied; image_size = photo's).
    board_mm : ndarray, shape (N, 3)
        Board corners, board frame, mm.
    corners_px : ndarray, shape (N, 2)
        Their photo pixels.
    exif_size : (int, int) or None
        (PixelXDimension, PixelYDimension) from EXIF: the size the camera wrote.
    stored_size : (int, int) or None
        (width, height) of the pixels as stored (before EXIF orientation).

    Returns
    -------
    float
        The board's RMS reprojection error with ``resized``, px.

    Raises
    ------
    CameraProfileError
        The board does not confirm the resize: the photo looks cropped (exit 6).
    """
    from ..geometry import solve_board_pose

    w, h = resized.image_size
    scale = max(w, h) / max(profile.image_size)
    rms_resized = solve_board_pose(board_mm, corners_px, resized.K, resized.dist)[1]
    noise = max(float(profile.rms_px or 0.0), MIN_NOISE_PX)
    camera_wrote_it = exif_size is not None and stored_size is not None and tuple(exif_size) == tuple(stored_size)
    why = None
    if rms_resized > ABSOLUTE_FACTOR * noise:
        why = (f"the board fits the resized profile poorly ({rms_resized:.2f} px, its calibration "
               f"{noise:.2f} px)")
    elif scale < 1.0:
        crop = centre_crop_of(resized, scale)
        rms_crop = solve_board_pose(board_mm, corners_px, crop.K, crop.dist)[1]
        crop_better = rms_resized > CONFIRM_RATIO * rms_crop + CONFIRM_MARGIN_PX
        confirmed = rms_crop >= CONFIRM_RATIO * rms_resized + CONFIRM_MARGIN_PX
        if crop_better or not (confirmed or camera_wrote_it):
            how = "better than" if crop_better else "as well as"
            why = f"the board fits a crop {how} a resize ({rms_crop:.3f} px against {rms_resized:.3f} px)"
    if why is not None:
        pw, ph = profile.image_size
        raise CameraProfileError(
            f"the photo looks cropped: it is {w}x{h} but the camera profile is for {pw}x{ph}, and {why}; "
            "a crop changes the camera's geometry; measure the photo as the phone saved it, or measure without "
            "the camera profile")
    return rms_resized


#: The board's own focal length and the profile's must agree within this many standard deviations.
FOCAL_AGREEMENT_SIGMAS = 4.0
#: One view's focal length is known no better than this (relative, 1-sigma): OpenCV's figure assumes
#: a perfect model, and a board lies never quite flat.
BOARD_FOCAL_FLOOR = 0.02
#: ... and the board must fit its own focal length clearly better: RMS this many times (plus
#: :data:`MIN_NOISE_PX`) below the profile's.
FOCAL_RMS_RATIO = 2.0
#: EXIF's 35 mm-equivalent focal length and the profile's agree within this (relative) for one lens;
#: a phone's lenses differ by 40 % or more (0.5x, 1x, 2x, 3x), its rounding and crop by a few %.
EXIF_FOCAL_TOLERANCE = 0.15


def board_focal_px(camera: CameraProfile, board_mm: np.ndarray, corners_px: np.ndarray) -> tuple[float, float] | None:
    """The focal length the board's perspective implies in this photo, with its 1-sigma, px.

    The principal point, fx/fy and distortion are the profile's; only the focal length is fitted
    (Zhang's constraint of one homography). From straight above the board hardly fixes it: the
    1-sigma then is large, and no disagreement can be shown.

    Parameters
    ----------
    camera : CameraProfile
        The profile adapted to the photo.
    board_mm : ndarray, shape (N, 3)
        Board corners, board frame, mm.
    corners_px : ndarray, shape (N, 2)
        Their photo pixels.

    Returns
    -------
    (float, float) or None
        fx and its 1-sigma (at least :data:`BOARD_FOCAL_FLOOR` of it), px; None when the fit fails.

    References
    ----------
    Zhang, "A flexible new technique for camera calibration", IEEE TPAMI 22(11), 2000; OpenCV
    ``calibrateCameraExtended``.
    """
    from .._cv import cv2

    cv = cv2()
    flags = (cv.CALIB_USE_INTRINSIC_GUESS | cv.CALIB_FIX_PRINCIPAL_POINT | cv.CALIB_FIX_ASPECT_RATIO
             | cv.CALIB_FIX_TANGENT_DIST | cv.CALIB_FIX_K1 | cv.CALIB_FIX_K2 | cv.CALIB_FIX_K3)
    try:
        _, K, _, _, _, std, _, _ = cv.calibrateCameraExtended(
            [np.asarray(board_mm, np.float32)], [np.asarray(corners_px, np.float32)], tuple(camera.image_size),
            camera.K.copy(), np.asarray(camera.dist, np.float64).copy(), flags=flags)
    except cv.error:
        return None
    f = float(K[0, 0])
    s = np.asarray(std, np.float64).ravel()[:2]  # with the aspect ratio fixed, OpenCV states fx's spread under fy
    sigma = float(np.nanmax(s)) if np.isfinite(s).any() else float("inf")
    if not (f > 0 and np.isfinite(f)):
        return None
    return f, max(sigma, BOARD_FOCAL_FLOOR * f)


def check_focal(camera: CameraProfile, board_mm: np.ndarray, corners_px: np.ndarray,
                exif_focal_px: float | None = None) -> None:
    """Refuse a profile whose focal length this photo contradicts: another camera, lens or zoom.

    A profile of another lens fits the board's corners about as well as the right one (a plane's
    perspective absorbs much of a focal error), yet measures heights wrongly. Two witnesses are
    asked: the board's own perspective (:func:`board_focal_px`: refused when the two focal lengths
    differ by more than :data:`FOCAL_AGREEMENT_SIGMAS` and the board fits its own clearly better,
    :data:`FOCAL_RMS_RATIO`), and EXIF's 35 mm-equivalent focal length (within
    :data:`EXIF_FOCAL_TOLERANCE`).

    Parameters
    ----------
    camera : CameraProfile
        The profile adapted to the photo (its focal length's 1-sigma counts too).
    board_mm, corners_px : ndarray
        As for :func:`board_focal_px`.
    exif_focal_px : float, optional
        The focal length EXIF's 35 mm-equivalent implies for this photo, px.

    Raises
    ------
    CameraProfileError
        Either witness disagrees with the profile (exit 6); the message gives both focal lengths.
    """
    fx = float(camera.K[0, 0])
    why = None
    if exif_focal_px and abs(exif_focal_px / fx - 1) > EXIF_FOCAL_TOLERANCE:
        why = f"the photo's EXIF says {exif_focal_px:.0f} px ({100 * abs(exif_focal_px / fx - 1):.0f} % apart)"
    fit = board_focal_px(camera, board_mm, corners_px) if why is None else None
    if fit is not None:
        from ..geometry import solve_board_pose

        f_board, s_board = fit
        s_profile = math.sqrt(max(float(camera.intrinsics_covariance()[0, 0]), 0.0))
        sigma = math.hypot(s_board, s_profile)
        K = camera.K.copy()
        K[1, 1] *= f_board / K[0, 0]
        K[0, 0] = f_board
        rms_profile = solve_board_pose(board_mm, corners_px, camera.K, camera.dist)[1]
        rms_board = solve_board_pose(board_mm, corners_px, K, camera.dist)[1]
        # Both: the two focal lengths differ beyond their spreads, and the board's clearly fits better (from
        # straight above a plane fits any focal length alike, and the fitted one can run away).
        if (abs(f_board - fx) > FOCAL_AGREEMENT_SIGMAS * sigma
                and rms_profile > FOCAL_RMS_RATIO * rms_board + MIN_NOISE_PX):
            why = (f"the board's perspective in this photo implies {f_board:.0f} +/- {s_board:.0f} px "
                   f"({100 * abs(f_board / fx - 1):.0f} % apart, {abs(f_board - fx) / sigma:.1f} sigma; the board fits "
                   f"it to {rms_board:.2f} px, the profile to {rms_profile:.2f} px)")
    if why is not None:
        raise CameraProfileError(
            f"the camera profile's focal length ({fx:.0f} px) does not match this photo: {why}; the profile is for "
            "another camera, lens or zoom; use this camera's profile (calibrated at this zoom), or measure "
            "without the profile")


def profile_grade_warnings(profile: CameraProfile) -> list[str]:
    """The measurement's warning for a profile graded poor when it was made ([] otherwise).

    A poor profile is still measured with: its stated uncertainty is drawn in the Monte Carlo, so
    the bound widens by what the profile does not know; the warning says so and names its faults.
    """
    quality = profile.extra.get("quality") or {}
    if str(quality.get("grade", "")).lower() != "poor":
        return []
    codes = [w.get("code", "") for w in quality.get("warnings", []) if w.get("severity") == "poor"]
    why = f" ({', '.join(c for c in codes if c)})" if any(codes) else ""
    return [f"the camera profile was graded POOR when it was made{why}: the bound includes its uncertainty and is "
            "wider than a good profile gives; recalibrate with better photos"]
