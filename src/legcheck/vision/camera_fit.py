"""Is a photo of another size than its camera profile resized, or cropped? Asked of the board.

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
