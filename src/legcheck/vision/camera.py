"""Camera models: calibrated profiles (JSON) and their adaptation to a photo.

A profile's intrinsics are for images of ``image_size`` (width, height) in the
frame of the calibration photos *as displayed*; ``orientation`` is the EXIF
orientation those photos carried (1 when upright as stored). A photo that is the
same sensor image rotated by EXIF, or resized with the same aspect ratio, gets
correspondingly rotated or scaled intrinsics; a cropped photo, or one from
another camera, is refused (:class:`CameraProfileError`, exit 6).

Distortion model: OpenCV's five coefficients (k1, k2, p1, p2, k3).

Uncertainty: a calibrated profile (version 2) carries the covariance of its nine intrinsic
parameters (:data:`INTRINSIC_PARAMS`); a measurement draws its intrinsics from it
(:meth:`CameraProfile.draw_intrinsics`), so a poorly known camera widens ``uncertainty_mm``.
Version-1 profiles and cameras estimated from one photo carry standard deviations only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import CameraProfileError
from ..fileio import PUBLIC, atomic_write, make_private_dir
from .camera_checks import camera_problem, describe_lens, lens_mismatch
from .intrinsics import INTRINSIC_PARAMS, draw_params

PROFILE_KIND = "legcheck-camera-profile"
#: 2: adds ``covariance`` (9x9, :data:`INTRINSIC_PARAMS`), ``std_dist``, ``quality`` and ``uncertainty``.
PROFILE_VERSION = 2

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
    covariance : tuple or None
        81 values: the 9x9 covariance of :data:`INTRINSIC_PARAMS` (px and px^2, unitless for
        distortion), row-major; None when only the standard deviations are known.
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
    covariance: tuple | None = None

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

    # -- uncertainty -----------------------------------------------------------------------
    def params(self) -> np.ndarray:
        """(fx, fy, cx, cy, k1, k2, p1, p2, k3), shape (9,)."""
        K = self.K
        return np.array([K[0, 0], K[1, 1], K[0, 2], K[1, 2], *self.dist_coeffs], dtype=np.float64)

    def intrinsics_covariance(self) -> np.ndarray:
        """Covariance (9, 9) of :data:`INTRINSIC_PARAMS`.

        Without a stored covariance: fx and fy fully correlated (a focal error moves both), the
        principal point and the distortion terms independent, from the standard deviations.
        """
        if self.covariance is not None:
            return np.array(self.covariance, dtype=np.float64).reshape(9, 9)
        sfx, sfy, scx, scy = self.std_intrinsics
        C = np.diag(np.r_[sfx, sfy, scx, scy, self.std_dist] ** 2).astype(np.float64)
        C[0, 1] = C[1, 0] = sfx * sfy
        return C

    def draw_intrinsics(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws of the intrinsics from their uncertainty: (K (n, 3, 3), dist (n, 5)).

        With a stored covariance: a multivariate normal about the profile's values (the
        correlations kept). Without: focal errors move fx and fy together; the principal point
        and k1 vary independently.
        """
        if self.covariance is None:
            sfx, sfy, scx, scy = self.std_intrinsics
            e = rng.normal(size=(n, 4))
            ed = rng.normal(size=n) * self.std_dist[0]
            K = np.repeat(self.K[None], n, axis=0)
            K[:, 0, 0] += e[:, 0] * sfx
            K[:, 1, 1] += e[:, 0] * sfy
            K[:, 0, 2] += e[:, 2] * scx
            K[:, 1, 2] += e[:, 3] * scy
            dist = np.repeat(self.dist[None], n, axis=0)
            dist[:, 0] += ed
            return K, dist
        return draw_params(self.params(), self.intrinsics_covariance(), self.image_size, rng, n)

    def fixed(self) -> "CameraProfile":
        """The same camera with its intrinsics taken as exact; :meth:`draw_intrinsics` then draws the
        same random numbers and returns the nominal values (a Monte Carlo without the profile's part)."""
        return replace(self, std_intrinsics=(0.0,) * 4, std_dist=(0.0,) * 5,
                       covariance=None if self.covariance is None else (0.0,) * 81)

    def _transform_covariance(self, T: np.ndarray):
        if self.covariance is None:
            return None
        C = T @ self.intrinsics_covariance() @ T.T
        return tuple(float(v) for v in ((C + C.T) / 2).ravel())

    # -- persistence -----------------------------------------------------------------------
    def to_json(self) -> dict:
        K = self.K
        out = {
            "kind": PROFILE_KIND, "version": PROFILE_VERSION, "name": self.name,
            "image_size": list(self.image_size), "orientation": self.orientation,
            "make": self.make, "model": self.model,
            "camera_matrix": K.tolist(), "dist_coeffs": list(self.dist_coeffs),
            "std_intrinsics": list(self.std_intrinsics), "std_dist": list(self.std_dist),
            "rms_px": self.rms_px, "n_views": self.n_views,
        }
        if self.covariance is not None:
            out["covariance_params"] = list(INTRINSIC_PARAMS)
            out["covariance"] = self.intrinsics_covariance().tolist()
        return {**out, **self.extra}

    def json_text(self) -> str:
        """The profile as the JSON text :meth:`save` writes and :meth:`load` reads."""
        return json.dumps(self.to_json(), indent=2) + "\n"

    def save(self, path) -> None:
        """Write the profile JSON atomically (never half-written), replacing a file there.

        Raises
        ------
        FileAccessError
            The directory cannot be created or written.
        """
        path = Path(path)
        if not path.parent.exists():
            make_private_dir(path.parent)
        atomic_write(path, self.json_text(), mode=PUBLIC)

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
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CameraProfileError(f"{path}: camera profile not found; make one with 'legcheck calibrate'") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CameraProfileError(f"{path}: not a camera profile JSON ({exc.__class__.__name__}); "
                                     "make one with 'legcheck calibrate'") from None
        return cls.from_text(text, str(path), path.stem)

    @classmethod
    def from_text(cls, text: str, where: str = "the stored profile", default_name: str = "") -> "CameraProfile":
        """A profile from its JSON text (a file's, or the one kept in the clinic's configuration).

        Parameters
        ----------
        text : str
            The profile JSON, as :meth:`save` writes it.
        where : str
            Named in messages (the file, or "the stored profile").
        default_name : str
            The profile's name when the JSON has none.

        Raises
        ------
        CameraProfileError
            Not JSON, or values that are not a usable camera.
        """
        path = where
        try:
            d = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
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
            std_dist = tuple(float(v) for v in d.get("std_dist", [0] * 5))[:5]
            cov = None if d.get("covariance") is None else np.array(d["covariance"], dtype=np.float64).reshape(9, 9)
        except (KeyError, TypeError, ValueError) as exc:
            raise CameraProfileError(f"{path}: camera profile is incomplete ({exc}); recalibrate with 'legcheck calibrate'") from None
        problem = camera_problem(size, K, dist, std, std_dist, cov)
        if problem:
            raise CameraProfileError(f"{path}: {problem}; recalibrate with 'legcheck calibrate'")
        known = {"kind", "version", "name", "image_size", "orientation", "make", "model", "camera_matrix",
                 "dist_coeffs", "std_intrinsics", "std_dist", "covariance", "covariance_params", "rms_px", "n_views"}
        return cls.from_arrays(size, K, dist[:5], std_intrinsics=std + (0.0,) * (4 - len(std)),
                               std_dist=std_dist + (0.0,) * (5 - len(std_dist)),
                               covariance=None if cov is None else tuple(float(v) for v in cov.ravel()),
                               rms_px=d.get("rms_px"), n_views=int(d.get("n_views", 0)),
                               orientation=int(d.get("orientation", 1)), make=str(d.get("make") or ""),
                               model=str(d.get("model") or ""), name=str(d.get("name") or default_name),
                               extra={k: v for k, v in d.items() if k not in known})

    def identity(self) -> dict:
        """What a check records about the profile it was measured with: its name and the SHA-256
        of its canonical JSON (:meth:`to_json`, keys sorted, compact), the same whichever file or
        stored copy it was read from."""
        import hashlib

        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return {"name": self.name, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}

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
                       camera_matrix=tuple(K.ravel()), std_intrinsics=std,
                       covariance=self._transform_covariance(np.diag([s, s, s, s, 1, 1, 1, 1, 1.0])))

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
        sd = self.std_dist
        # The same map on the parameter vector, for the covariance: fx/fy swap, c and (p2, p1) turn by A.
        T = np.eye(9)
        T[:2, :2] = [[0, 1], [1, 0]] if swap else np.eye(2)
        T[2:4, 2:4] = A
        T[6:8, 6:8] = [[A[1, 1], A[1, 0]], [A[0, 1], A[0, 0]]]
        Kn = np.array([[fx, 0, c_new[0]], [0, fy, c_new[1]], [0, 0, 1]])
        return replace(self, image_size=new_size, camera_matrix=tuple(Kn.ravel()),
                       dist_coeffs=(k1, k2, float(p1n), float(p2n), k3), std_intrinsics=std,
                       std_dist=(sd[0], sd[1], sd[3], sd[2], sd[4]) if swap else sd,
                       covariance=self._transform_covariance(T), orientation=1 if inverse else orientation)


def _same_aspect(a, b, tol=0.004) -> bool:
    return abs(a[0] / a[1] - b[0] / b[1]) <= tol * (a[0] / a[1])


def adapt_profile(profile: CameraProfile, photo_size, orientation: int = 1, raw_size=None,
                  photo_camera: str = "", photo_lens: dict | None = None) -> list[CameraProfile]:
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
    photo_lens : dict, optional
        The photo's lens as EXIF says (:attr:`legcheck.vision.imageio.ExifInfo.lens`); compared with
        the lens of the profile's calibration photos (its ``lens`` field) where both say.

    Returns
    -------
    list of CameraProfile
        One candidate, or two (+/-90 degrees) when the photo's pixels were rotated
        without an EXIF tag saying which way; the caller keeps the one the board fits best.

    Raises
    ------
    CameraProfileError
        Another camera (EXIF make/model differ), another lens or zoom of it (EXIF lens model or
        focal lengths differ), or another aspect ratio (cropped).
    """
    if profile.camera_name and photo_camera and profile.camera_name.lower() != photo_camera.lower():
        raise CameraProfileError(f"the camera profile is for '{profile.camera_name}' but the photo is from "
                                 f"'{photo_camera}'; use that camera's profile or calibrate this one")
    lens = profile.extra.get("lens") or {}
    if lens_mismatch(lens, photo_lens):
        raise CameraProfileError(
            f"the camera profile is for the lens {describe_lens(lens)} but the photo was taken with "
            f"{describe_lens(photo_lens)}: another lens or zoom of the phone changes the camera's geometry; "
            "use a profile made with this lens (calibrate it at the same zoom), or measure without the profile")
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
