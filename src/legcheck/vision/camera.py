"""Camera models: calibrated profiles (JSON) and their adaptation to a photo.

A profile's intrinsics are for images of ``image_size`` (width, height) in the
frame of the calibration photos *as displayed*; ``orientation`` is the EXIF
orientation those photos carried (1 when upright as stored). A photo that is the
same sensor image rotated by EXIF, or resized with the same aspect ratio, gets
correspondingly rotated or scaled intrinsics; a cropped photo, or one from
another camera, is refused (:class:`CameraProfileError`, exit 6).

Distortion model: OpenCV's five coefficients (k1, k2, p1, p2, k3).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import CameraProfileError

PROFILE_KIND = "legcheck-camera-profile"
PROFILE_VERSION = 1

#: 35 mm film diagonal: focal_35mm / this * image diagonal (px) = focal length in pixels.
FILM_DIAGONAL_MM = math.hypot(36.0, 24.0)
#: Typical phone main camera (26 mm equivalent); used only when neither EXIF nor the board fixes f.
DEFAULT_FOCAL_35MM = 26.0

# EXIF orientation: displayed (u', v') = A @ (u, v) + b(w, h), for a raw image of size (w, h).
_ORIENT = {
    1: ((1, 0, 0, 1), lambda w, h: (0, 0)),
    2: ((-1, 0, 0, 1), lambda w, h: (w - 1, 0)),
    3: ((-1, 0, 0, -1), lambda w, h: (w - 1, h - 1)),
    4: ((1, 0, 0, -1), lambda w, h: (0, h - 1)),
    5: ((0, 1, 1, 0), lambda w, h: (0, 0)),
    6: ((0, -1, 1, 0), lambda w, h: (h - 1, 0)),
    7: ((0, -1, -1, 0), lambda w, h: (h - 1, w - 1)),
    8: ((0, 1, -1, 0), lambda w, h: (0, w - 1)),
}


@dataclass(frozen=True)
class CameraProfile:
    """Pinhole intrinsics with OpenCV distortion.

    Attributes
    ----------
    image_size : (int, int)
        (width, height) in pixels the intrinsics belong to.
    camera_matrix : tuple
        3x3 K, row-major, pixels; pixel centres at integer coordinates.
    dist_coeffs : tuple
        (k1, k2, p1, p2, k3).
    std_intrinsics : tuple
        1-sigma of (fx, fy, cx, cy) in pixels (0 when unknown).
    std_dist : tuple
        1-sigma of the distortion coefficients (used for cameras estimated from one photo).
    source : str
        "profile" (calibrated), "board" or "exif" (estimated from this photo).
    """

    image_size: tuple[int, int]
    camera_matrix: tuple
    dist_coeffs: tuple = (0.0, 0.0, 0.0, 0.0, 0.0)
    std_intrinsics: tuple = (0.0, 0.0, 0.0, 0.0)
    std_dist: tuple = (0.0, 0.0, 0.0, 0.0, 0.0)
    rms_px: float | None = None
    n_views: int = 0
    orientation: int = 1
    make: str = ""
    model: str = ""
    source: str = "profile"
    name: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def K(self) -> np.ndarray:
        return np.array(self.camera_matrix, dtype=np.float64).reshape(3, 3)

    @property
    def dist(self) -> np.ndarray:
        return np.array(self.dist_coeffs, dtype=np.float64)

    @property
    def camera_name(self) -> str:
        return " ".join(s for s in (self.make, self.model) if s)

    @classmethod
    def from_arrays(cls, image_size, K, dist, **kw) -> "CameraProfile":
        dist = np.zeros(5) if dist is None else np.asarray(dist, dtype=np.float64).ravel()
        dist = np.concatenate([dist, np.zeros(max(0, 5 - dist.size))])[:5]
        return cls(image_size=(int(image_size[0]), int(image_size[1])),
                   camera_matrix=tuple(float(v) for v in np.asarray(K, dtype=np.float64).ravel()),
                   dist_coeffs=tuple(float(v) for v in dist), **kw)

    # -- persistence -----------------------------------------------------------------------
    def to_json(self) -> dict:
        K = self.K
        return {
            "kind": PROFILE_KIND, "version": PROFILE_VERSION, "name": self.name,
            "image_size": list(self.image_size), "orientation": self.orientation,
            "make": self.make, "model": self.model,
            "camera_matrix": K.tolist(), "dist_coeffs": list(self.dist_coeffs),
            "std_intrinsics": list(self.std_intrinsics),
            "rms_px": self.rms_px, "n_views": self.n_views, **self.extra,
        }

    def save(self, path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)  # atomic: never a half-written profile

    @classmethod
    def load(cls, path) -> "CameraProfile":
        """Read a profile written by :meth:`save` (``legcheck calibrate``).

        Raises
        ------
        CameraProfileError
            Missing file, not JSON, or values that are not a usable camera.
        """
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CameraProfileError(f"{path}: camera profile not found; make one with 'legcheck calibrate'") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CameraProfileError(f"{path}: not a camera profile JSON ({exc.__class__.__name__}); "
                                     "make one with 'legcheck calibrate'") from None
        if not isinstance(d, dict) or d.get("kind") != PROFILE_KIND:
            raise CameraProfileError(f"{path}: not a legcheck camera profile (kind must be {PROFILE_KIND!r}); "
                                     "make one with 'legcheck calibrate'")
        if int(d.get("version", 0)) > PROFILE_VERSION:
            raise CameraProfileError(f"{path}: profile version {d.get('version')} is newer than this legcheck; upgrade legcheck")
        try:
            K = np.array(d["camera_matrix"], dtype=np.float64).reshape(3, 3)
            dist = np.array(d.get("dist_coeffs", [0] * 5), dtype=np.float64).ravel()
            size = tuple(int(v) for v in d["image_size"])
            std = tuple(float(v) for v in d.get("std_intrinsics", [0, 0, 0, 0]))[:4]
        except (KeyError, TypeError, ValueError) as exc:
            raise CameraProfileError(f"{path}: camera profile is incomplete ({exc}); recalibrate with 'legcheck calibrate'") from None
        w, h = size if len(size) == 2 else (0, 0)
        ok = (w > 0 and h > 0 and np.all(np.isfinite(K)) and np.all(np.isfinite(dist)) and dist.size in (4, 5, 8)
              and K[0, 0] > 0 and K[1, 1] > 0 and 0.1 < K[0, 0] / K[1, 1] < 10
              and -0.5 * w < K[0, 2] < 1.5 * w and -0.5 * h < K[1, 2] < 1.5 * h and K[2, 2] == 1)
        if not ok:
            raise CameraProfileError(f"{path}: camera profile values are not a valid camera; recalibrate with 'legcheck calibrate'")
        known = {"kind", "version", "name", "image_size", "orientation", "make", "model", "camera_matrix",
                 "dist_coeffs", "std_intrinsics", "rms_px", "n_views"}
        return cls.from_arrays(size, K, dist[:5], std_intrinsics=std + (0.0,) * (4 - len(std)),
                               rms_px=d.get("rms_px"), n_views=int(d.get("n_views", 0)),
                               orientation=int(d.get("orientation", 1)), make=str(d.get("make", "")),
                               model=str(d.get("model", "")), name=str(d.get("name", path.stem)),
                               extra={k: v for k, v in d.items() if k not in known})

    # -- geometry --------------------------------------------------------------------------
    def scaled(self, s: float) -> "CameraProfile":
        """Intrinsics for the same image resized by ``s`` (pixel centres kept at integers)."""
        K = self.K.copy()
        K[0, 0] *= s
        K[1, 1] *= s
        K[0, 2] = (K[0, 2] + 0.5) * s - 0.5
        K[1, 2] = (K[1, 2] + 0.5) * s - 0.5
        w, h = self.image_size
        std = tuple(v * s for v in self.std_intrinsics)
        return replace(self, image_size=(int(round(w * s)), int(round(h * s))),
                       camera_matrix=tuple(K.ravel()), std_intrinsics=std)

    def reoriented(self, orientation: int, inverse: bool = False) -> "CameraProfile":
        """Intrinsics for the image displayed with EXIF ``orientation`` (or undo it with ``inverse``)."""
        (a, b, c, d), off = _ORIENT[orientation]
        A = np.array([[a, b], [c, d]], dtype=np.float64)
        w, h = self.image_size
        if inverse:
            # We hold the displayed frame; find the raw frame's intrinsics.
            A = A.T  # signed permutation: inverse = transpose
            raw_w, raw_h = (h, w) if abs(a) == 0 else (w, h)
            bx, by = off(raw_w, raw_h)
            off_vec = -A @ np.array([bx, by], dtype=np.float64)
            new_size = (raw_w, raw_h)
        else:
            off_vec = np.array(off(w, h), dtype=np.float64)
            new_size = (h, w) if abs(a) == 0 else (w, h)
        K = self.K
        c_new = A @ np.array([K[0, 2], K[1, 2]]) + off_vec
        swap = abs(a) == 0
        fx, fy = (K[1, 1], K[0, 0]) if swap else (K[0, 0], K[1, 1])
        k1, k2, p1, p2, k3 = self.dist_coeffs
        p2n, p1n = A @ np.array([p2, p1])  # tangential terms rotate as the vector (p2, p1)
        sfx, sfy, scx, scy = self.std_intrinsics
        std = (sfy, sfx, scy, scx) if swap else (sfx, sfy, scx, scy)
        Kn = np.array([[fx, 0, c_new[0]], [0, fy, c_new[1]], [0, 0, 1]])
        return replace(self, image_size=new_size, camera_matrix=tuple(Kn.ravel()),
                       dist_coeffs=(k1, k2, float(p1n), float(p2n), k3), std_intrinsics=std,
                       orientation=1 if inverse else orientation)


def _same_aspect(a, b, tol=0.004) -> bool:
    return abs(a[0] / a[1] - b[0] / b[1]) <= tol * (a[0] / a[1])


def adapt_profile(profile: CameraProfile, photo_size, orientation: int = 1, raw_size=None,
                  photo_camera: str = "") -> list[CameraProfile]:
    """Intrinsics of ``profile`` for a photo, as one or more candidates.

    Parameters
    ----------
    profile : CameraProfile
    photo_size : (int, int)
        (width, height) of the photo as displayed.
    orientation : int
        The photo's EXIF orientation.
    raw_size : (int, int) or None
        (width, height) as stored, before orientation.
    photo_camera : str
        EXIF "make model" of the photo, "" when absent.

    Returns
    -------
    list of CameraProfile
        One candidate, or two (+/-90 degrees) when the photo's pixels were rotated
        without an EXIF tag saying which way; the caller keeps the one the board fits best.

    Raises
    ------
    CameraProfileError
        Another camera (EXIF make/model differ) or another aspect ratio (cropped).
    """
    if profile.camera_name and photo_camera and profile.camera_name.lower() != photo_camera.lower():
        raise CameraProfileError(f"the camera profile is for '{profile.camera_name}' but the photo is from "
                                 f"'{photo_camera}'; use that camera's profile or calibrate this one")
    sensor = profile.reoriented(profile.orientation, inverse=True) if profile.orientation != 1 else profile
    raw = tuple(raw_size) if raw_size else tuple(photo_size)
    sw, sh = sensor.image_size
    candidates = []
    if _same_aspect(raw, (sw, sh)):
        base = sensor if raw == (sw, sh) else sensor.scaled(raw[0] / sw)
        candidates.append(base.reoriented(orientation) if orientation != 1 else base)
    elif _same_aspect(raw, (sh, sw)) and orientation == 1:
        # Pixels rotated by some editor that dropped the EXIF tag: try both quarter turns.
        for o in (6, 8):
            rot = sensor.reoriented(o)
            rw, rh = rot.image_size
            candidates.append(rot if (rw, rh) == raw else rot.scaled(raw[0] / rw))
    if not candidates:
        raise CameraProfileError(
            f"the photo is {photo_size[0]}x{photo_size[1]} but the camera profile is for "
            f"{profile.image_size[0]}x{profile.image_size[1]} with another aspect ratio (cropped, or another camera); "
            "measure the uncropped photo or calibrate this camera")
    return [replace(c, image_size=tuple(photo_size), source="profile") for c in candidates]


def focal_from_exif(photo_size, focal_35mm: float | None) -> float | None:
    """Focal length in pixels from EXIF's 35 mm-equivalent focal length, or None."""
    if not focal_35mm or not 8 <= focal_35mm <= 400:
        return None
    return focal_35mm / FILM_DIAGONAL_MM * math.hypot(*photo_size)


#: Phone principal points sit within about this fraction of the long side from the centre (1-sigma).
PRINCIPAL_POINT_REL_STD = 0.005


def nominal_camera(photo_size, focal_px: float, source: str, rel_std: float, k1: float = 0.0,
                   k1_std: float = 0.0) -> CameraProfile:
    """A camera with the principal point at the image centre (its offset unknown) and radial k1 only."""
    w, h = photo_size
    K = np.array([[focal_px, 0, (w - 1) / 2], [0, focal_px, (h - 1) / 2], [0, 0, 1]])
    s = rel_std * focal_px
    sc = PRINCIPAL_POINT_REL_STD * max(w, h)
    return CameraProfile.from_arrays((w, h), K, (k1, 0.0, 0.0, 0.0, 0.0), std_intrinsics=(s, s, sc, sc),
                                     std_dist=(k1_std, 0.0, 0.0, 0.0, 0.0), source=source)
