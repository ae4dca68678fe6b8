"""Is a camera profile a camera at all, and was a photo taken with its lens?

:func:`camera_problem` is the one set of rules a profile must pass, applied both when ``measure``
loads one and before ``calibrate`` writes one. :func:`lens_mismatch` compares two EXIF lens
descriptions (a phone's wide, ultra-wide and tele cameras share make and model, not geometry).
"""

from __future__ import annotations

import math

import numpy as np


#: A profile whose focal length is known only to more than this (1-sigma, relative) is no calibration.
MAX_FOCAL_REL_STD = 0.10
#: ... nor one whose principal point is known only to more than this fraction of the image size (1-sigma).
MAX_CENTRE_REL_STD = 0.10


def camera_problem(size, K: np.ndarray, dist: np.ndarray, std=(0.0,) * 4, std_dist=(0.0,) * 5,
                   cov: np.ndarray | None = None) -> str:
    """Why these values are not a usable camera ("" when they are): the one set of rules that
    :meth:`CameraProfile.from_text` (``measure``) and ``calibrate`` both apply.

    Parameters
    ----------
    size : (int, int)
        (width, height), px.
    K : ndarray (3, 3)
    dist : ndarray (4, 5 or 8)
    std : sequence of 4 float
        1-sigma of (fx, fy, cx, cy), px.
    std_dist : sequence of float
    cov : ndarray (9, 9), optional
        The covariance of :data:`INTRINSIC_PARAMS`; when given, its diagonal is what is judged.

    Returns
    -------
    str
        One phrase, e.g. "camera profile values are not a valid camera", or "".
    """
    size = tuple(size)
    w, h = size if len(size) == 2 else (0, 0)
    K = np.asarray(K, np.float64).reshape(3, 3)
    dist = np.asarray(dist, np.float64).ravel()
    ok = (w > 0 and h > 0 and np.all(np.isfinite(K)) and np.all(np.isfinite(dist)) and dist.size in (4, 5, 8)
          and K[0, 0] > 0 and K[1, 1] > 0 and 0.1 < K[0, 0] / K[1, 1] < 10
          and -0.5 * w < K[0, 2] < 1.5 * w and -0.5 * h < K[1, 2] < 1.5 * h and K[2, 2] == 1
          and all(math.isfinite(v) and v >= 0 for v in tuple(std) + tuple(std_dist))
          and (cov is None or (np.all(np.isfinite(cov)) and np.allclose(cov, cov.T, rtol=1e-6, atol=0)
                               and np.all(np.diag(cov) >= 0))))
    if not ok:
        return "camera profile values are not a valid camera"
    sd = np.sqrt(np.diag(cov)[:4]) if cov is not None else np.asarray(std, np.float64)[:4]
    focal = float(max(sd[0] / K[0, 0], sd[1] / K[1, 1]))
    centre = float(max(sd[2] / w, sd[3] / h))
    if focal > MAX_FOCAL_REL_STD or centre > MAX_CENTRE_REL_STD:
        return (f"the camera profile's stated uncertainty is implausibly large (focal length +/- {100 * focal:.0f} %, "
                f"principal point +/- {100 * centre:.0f} % of the image at 1 sigma; a calibration knows them to about "
                f"1 %): it is no calibration of this camera")
    return ""


#: Two EXIF focal lengths (mm, and 35 mm-equivalent) further apart than this (relative) are two lenses or zooms.
LENS_FOCAL_TOLERANCE = 0.02


def lens_mismatch(a: dict, b: dict) -> list[str]:
    """What tells two lens descriptions (:attr:`legcheck.vision.imageio.ExifInfo.lens`) apart:
    the fields both give and that differ (EXIF LensModel, or a focal length more than
    :data:`LENS_FOCAL_TOLERANCE` apart); [] when they agree wherever both say."""
    a, b = a or {}, b or {}
    out = []
    if a.get("lens_model") and b.get("lens_model") and a["lens_model"].strip().lower() != b["lens_model"].strip().lower():
        out.append("lens_model")
    for key in ("focal_mm", "focal_35mm"):
        if a.get(key) and b.get(key) and abs(float(a[key]) / float(b[key]) - 1) > LENS_FOCAL_TOLERANCE:
            out.append(key)
    return out


def describe_lens(lens: dict) -> str:
    """A lens for people: "'iPhone 13 back camera 5.1mm f/1.6' (5.1 mm, 26 mm-equivalent)"."""
    parts = [f"{float(lens['focal_mm']):g} mm"] if lens.get("focal_mm") else []
    parts += [f"{float(lens['focal_35mm']):g} mm-equivalent"] if lens.get("focal_35mm") else []
    name = f"'{lens['lens_model']}'" if lens.get("lens_model") else "a lens"
    return f"{name} ({', '.join(parts)})" if parts else name
