"""Intrinsics for a photo measured without a profile: focal length from the board's perspective and EXIF."""

from __future__ import annotations

import math

import numpy as np

from .._cv import cv2
from .camera import DEFAULT_FOCAL_35MM, FILM_DIAGONAL_MM, CameraProfile

#: Residual radial distortion assumed (1-sigma) when one photo cannot measure it.
ASSUMED_K1_STD = 0.02
#: Phone principal points sit within about this fraction of the long side from the centre (1-sigma).
PRINCIPAL_POINT_REL_STD = 0.005


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


def focal_from_exif(photo_size, focal_35mm: float | None) -> float | None:
    """Focal length in pixels from EXIF's 35 mm-equivalent focal length, or None."""
    if not focal_35mm or not 8 <= focal_35mm <= 400:
        return None
    return focal_35mm / FILM_DIAGONAL_MM * math.hypot(*photo_size)


def nominal_camera(photo_size, focal_px: float, source: str, rel_std: float, k1: float = 0.0,
                   k1_std: float = 0.0) -> CameraProfile:
    """A camera with the principal point at the image centre (its offset unknown) and radial k1 only."""
    w, h = photo_size
    K = np.array([[focal_px, 0, (w - 1) / 2], [0, focal_px, (h - 1) / 2], [0, 0, 1]])
    s = rel_std * focal_px
    sc = PRINCIPAL_POINT_REL_STD * max(w, h)
    return CameraProfile.from_arrays((w, h), K, (k1, 0.0, 0.0, 0.0, 0.0), std_intrinsics=(s, s, sc, sc),
                                     std_dist=(k1_std, 0.0, 0.0, 0.0, 0.0), source=source)
