"""Rendered calibration photo sets, clean and with planted faults, and how well their profiles hold up.

Each set is a few board photos of one rendered camera (its truth kept as a
:class:`~legcheck.vision.camera.CameraProfile` in the sensor frame). Kinds:

========================  ===================================================================
``clean``                 varied tilts (15-40 degrees) and the board in every part of the frame
``wide_print``            the same, with the board printed 3 % wider than tall
``identical``             five near-identical fronto-parallel photos (refused: one distinct view)
``centre``                varied tilts, but the board always inside the centre third of the frame
``mixed_orientation``     the clean poses, some photos portrait and some landscape by EXIF tag
``offcentre``             a camera whose principal point is 7 % of the width from the centre
========================  ===================================================================

:func:`intrinsic_coverage` calibrates every set and says how often the stated standard
deviations cover the difference to the truth; :func:`measurement_coverage` measures heel-tab
scenes of the true camera with given profiles and says how often ``uncertainty_mm`` covers
the error. Both are what the benchmark reports.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .._cv import cv2
from ..errors import LegcheckError
from ..targets.spec import DEFAULT_BOARD
from ..vision.camera import CameraProfile
from .render import TABLE_COLOURS, Scene, write_scene

KINDS = ("clean", "wide_print", "identical", "centre", "mixed_orientation", "offcentre")
#: The warning each planted fault must raise (see :mod:`legcheck.vision.calib_checks`).
EXPECTED_WARNING = {"wide_print": "aspect_ratio", "centre": "frame_coverage",
                    "mixed_orientation": "mixed_orientations", "offcentre": "principal_point"}
#: The kinds ``calibrate`` must refuse (exit 7): five near-copies are one distinct view, not five.
EXPECTED_REFUSAL = ("identical",)
#: EXIF make and model written into every rendered calibration photo.
EXIF_CAMERA = ("Synth", "Cam")
#: Cells of the frame's 3x3 grid a clean set's views are centred on, in turn.
_CELL_ORDER = ((0, 0), (2, 2), (2, 0), (0, 2), (1, 1), (1, 0), (1, 2), (0, 1), (2, 1))


@dataclass(frozen=True)
class CalibrationSet:
    """Rendered calibration photos and the camera that took them.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    paths : tuple of Path
    truth : CameraProfile
        The true camera in the sensor frame (the photos' frame as stored, EXIF orientation 1).
    """

    kind: str
    paths: tuple
    truth: CameraProfile


def true_camera(size=(1600, 1200), kind: str = "clean") -> CameraProfile:
    """The rendered camera: a 26 mm-equivalent phone lens with mild distortion, sensor frame."""
    w, h = size
    f = 0.78 * w
    cx = (w - 1) / 2 + (0.07 * w if kind == "offcentre" else 0.006 * w)
    cy = (h - 1) / 2 - 0.004 * h
    K = np.array([[f, 0, cx], [0, f, cy], [0, 0, 1]])
    return CameraProfile.from_arrays((w, h), K, (0.06, -0.10, 4e-4, -3e-4, 0.02), make=EXIF_CAMERA[0],
                                     model=EXIF_CAMERA[1], name="truth")


def _board_corners_px(scene: Scene) -> np.ndarray:
    """The board's four outer square corners and its centre, photo pixels (5, 2)."""
    cv = cv2()
    w, h = scene.board.width_mm * scene.board_scale_xy[0], scene.board.height_mm * scene.board_scale_xy[1]
    pts = np.array([[0, 0, 0], [w, 0, 0], [w, h, 0], [0, h, 0], [w / 2, h / 2, 0]], float)
    b2c = scene.board2cam()
    cam = pts @ b2c.R.T + b2c.t
    if np.any(cam[:, 2] < 50):
        return np.full((5, 2), -1e9)
    return cv.projectPoints(cam, np.zeros(3), np.zeros(3), scene.K, np.asarray(scene.dist, float))[0].reshape(-1, 2)


def _camera_scene(camera: CameraProfile, rng, **kw) -> Scene:
    K = camera.K
    w, h = camera.image_size
    looks = dict(table=str(rng.choice(list(TABLE_COLOURS))), light_gain=rng.uniform(0.8, 1.1),
                 light_gradient=(rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2)), vignette=rng.uniform(0.0, 0.3),
                 blur_px=rng.uniform(0.7, 1.2), noise=rng.uniform(0.004, 0.012), jpeg_quality=int(rng.integers(85, 96)),
                 seed=int(rng.integers(0, 2 ** 31)), show_tabs=())
    looks.update(kw)
    return Scene(width=w, height=h, focal_px=float(K[0, 0]), principal_px=(float(K[0, 2]), float(K[1, 2])),
                 dist=tuple(camera.dist_coeffs), **looks)


def _pose(camera: CameraProfile, rng, accept, elevation=(50.0, 75.0), fill=(0.3, 0.55), offset=0.5,
          inplane_deg: float = 15.0, tries: int = 4000, **kw) -> Scene:
    """A board photo whose board corners pass ``accept(px (5, 2), (w, h))``, by rejection sampling.

    As people take calibration photos: the board's edges roughly along the photo's (within
    ``inplane_deg``, or turned half round), the board tilted away in any direction.
    """
    w, h = camera.image_size
    f = camera.K[0, 0]
    centre = np.array([DEFAULT_BOARD.width_mm / 2, -DEFAULT_BOARD.height_mm / 2, 0.0])
    for _ in range(tries):
        dist_mm = f * DEFAULT_BOARD.width_mm / (rng.uniform(*fill) * w)
        target = centre + np.r_[rng.uniform(-offset, offset, 2) * dist_mm, 0.0]
        # Scene angles: the board's normal leans towards 90 - roll in the image, its x axis lies along -(azimuth + roll).
        roll = 90.0 - rng.uniform(0.0, 360.0)
        inplane = rng.uniform(-inplane_deg, inplane_deg) + (180.0 if rng.random() < 0.25 else 0.0)
        s = _camera_scene(camera, rng, elevation_deg=rng.uniform(*elevation), azimuth_deg=-inplane - roll,
                          roll_deg=roll, distance_mm=dist_mm, target_mm=tuple(target), **kw)
        if accept(_board_corners_px(s), (w, h)):
            return s
    raise RuntimeError("no board pose met the constraints")


def _inside(px, size, margin=0.03):
    w, h = size
    return bool(np.all((px[:, 0] > margin * w) & (px[:, 0] < (1 - margin) * w)
                       & (px[:, 1] > margin * h) & (px[:, 1] < (1 - margin) * h)))


def _in_cell(cell):
    def ok(px, size):
        w, h = size
        cx, cy = px[4]
        return _inside(px, size) and int(3 * cx // w) == cell[0] and int(3 * cy // h) == cell[1]
    return ok


def _in_centre_third(px, size):
    w, h = size
    return bool(np.all((px[:4, 0] > w / 3) & (px[:4, 0] < 2 * w / 3) & (px[:4, 1] > h / 3) & (px[:4, 1] < 2 * h / 3)))


def calibration_scenes(kind: str, n_views: int = 9, seed: int = 0, size=(1600, 1200)):
    """The scenes of one set: list of (Scene, stored EXIF orientation), and the true sensor camera."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    camera = true_camera(size, kind)
    out = []
    if kind == "identical":
        base = dict(elevation_deg=89.0, azimuth_deg=0.0, roll_deg=0.0, distance_mm=camera.K[0, 0] * 252 / (0.55 * size[0]),
                    target_mm=(126.0, -90.0, 0.0))
        for _ in range(min(n_views, 5)):
            jitter = dict(elevation_deg=base["elevation_deg"] + rng.uniform(-1, 1), azimuth_deg=rng.uniform(-2, 2),
                          roll_deg=rng.uniform(-1, 1), distance_mm=base["distance_mm"] * rng.uniform(0.99, 1.01),
                          target_mm=(126.0 + rng.uniform(-3, 3), -90.0 + rng.uniform(-3, 3), 0.0))
            out.append((_camera_scene(camera, rng, **jitter), 1))
        return out, camera
    for i in range(n_views):
        if kind == "centre":
            s = _pose(camera, rng, _in_centre_third, fill=(0.2, 0.3), offset=0.05)
            out.append((s, 1))
            continue
        portrait = kind == "mixed_orientation" and i % 2 == 0
        orientation = (6 if i % 4 == 0 else 8) if portrait else 1
        cam_i = camera.reoriented(orientation) if portrait else camera
        extra = {"board_scale_xy": (1.03, 1.0)} if kind == "wide_print" else {}
        out.append((_pose(cam_i, rng, _in_cell(_CELL_ORDER[i % 9]), **extra), orientation))
    return out, camera


def write_calibration_set(kind: str, out_dir, n_views: int = 9, seed: int = 0, size=(1600, 1200)) -> CalibrationSet:
    """Render one set as JPEGs (with truth sidecars) into ``out_dir``."""
    out_dir = Path(out_dir)
    scenes, camera = calibration_scenes(kind, n_views, seed, size)
    exif = {0x010F: EXIF_CAMERA[0], 0x0110: EXIF_CAMERA[1]}
    paths = []
    for i, (scene, orientation) in enumerate(scenes):
        p = out_dir / f"{kind}_{seed}_{i:02d}.jpg"
        write_scene(scene, p, exif=exif, stored_orientation=orientation)
        paths.append(p)
    return CalibrationSet(kind, tuple(paths), camera)


def truth_in_frame_of(truth: CameraProfile, profile: CameraProfile) -> CameraProfile:
    """The true sensor camera in the frame a profile was written in (its EXIF orientation)."""
    return truth.reoriented(profile.orientation) if profile.orientation != 1 else truth


def set_report(cs: CalibrationSet, result, seconds: float = float("nan")) -> tuple[list, dict]:
    """Compare a calibration of ``cs`` with its truth.

    Returns
    -------
    rows : list of dict
        One per parameter: kind, seed, param, true, estimate, std (stated), z = (estimate - true) / std.
    summary : dict
        kind, grade, warning codes, the planted fault's expected code and whether it was raised, seconds.
    """
    from ..vision.intrinsics import INTRINSIC_PARAMS

    p = result.profile
    truth = truth_in_frame_of(cs.truth, p)
    std = np.sqrt(np.diag(p.intrinsics_covariance()))
    rows = [{"kind": cs.kind, "param": n, "true": float(t), "estimate": float(e), "std": float(s),
             "z": float((e - t) / s) if s > 0 else math.inf}
            for n, e, t, s in zip(INTRINSIC_PARAMS, p.params(), truth.params(), std)]
    codes = [w.code for w in result.warnings]
    expected = EXPECTED_WARNING.get(cs.kind)
    return rows, {"kind": cs.kind, "grade": result.grade, "warnings": codes, "expected": expected,
                  "raised": None if expected is None else expected in codes, "seconds": round(seconds, 2)}


def coverage_summary(rows: list, sets: list) -> dict:
    """``coverage``: the fraction of parameters with |z| <= 2, overall and ``coverage_by_kind``."""
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    return {"rows": rows, "sets": sets, "coverage": float(np.mean([abs(r["z"]) <= 2 for r in rows])),
            "coverage_by_kind": {k: float(np.mean([abs(r["z"]) <= 2 for r in rows if r["kind"] == k])) for k in kinds}}


def intrinsic_coverage(root, kinds=KINDS, seeds=(0,), n_views: int = 9, size=(1600, 1200), **calibrate_kw) -> dict:
    """Render and calibrate every set; how often the stated standard deviations cover the true error.

    Returns
    -------
    dict
        :func:`coverage_summary` of every set's :func:`set_report` (rows and sets carry the seed too); a
        set ``calibrate`` refuses has no rows, and its entry in ``sets`` says ``refused`` (the message)
        and whether that was expected (``raised``, :data:`EXPECTED_REFUSAL`).
    """
    from ..vision.calibrate import calibrate_photos

    from ..errors import CalibrationError

    rows, sets = [], []
    for kind in kinds:
        for seed in seeds:
            cs = write_calibration_set(kind, Path(root) / f"{kind}_{seed}", n_views, seed, size)
            t0 = time.perf_counter()
            try:
                res = calibrate_photos(list(cs.paths), **calibrate_kw)
            except CalibrationError as exc:  # no profile, so no parameter to cover
                sets.append({"kind": kind, "seed": seed, "grade": None, "warnings": [], "expected": "refused",
                             "raised": kind in EXPECTED_REFUSAL, "refused": exc.message,
                             "seconds": round(time.perf_counter() - t0, 2)})
                continue
            r, s = set_report(cs, res, time.perf_counter() - t0)
            rows += [{**x, "seed": seed} for x in r]
            sets.append({**s, "seed": seed})
    return coverage_summary(rows, sets)


def measurement_coverage(profiles: dict, truth: CameraProfile, root, n_scenes: int = 6, seed: int = 0) -> dict:
    """Measure heel-tab scenes of the true camera with each profile; how often |error| <= uncertainty_mm.

    Parameters
    ----------
    profiles : dict
        ``{name: CameraProfile}`` made from calibration sets of ``truth``.
    truth : CameraProfile
        The camera the scenes are rendered with (sensor frame).

    Returns
    -------
    dict
        ``rows`` (profile, scene, error_mm, uncertainty_mm, profile_share, covered; or ``refused`` with the
        error code when the pipeline refused the photo), ``coverage`` (of the measured ones),
        ``coverage_by_profile`` and ``refused`` (how many).
    """
    from ..pipeline import measure_photo
    from .render import random_visible_scene

    root = Path(root)
    rng = np.random.default_rng(seed)
    w, h = truth.image_size
    K = truth.K
    rows = []
    for i in range(n_scenes):
        s = random_visible_scene(rng, width=w, height=h, focal_px=float(K[0, 0]), distance_mm=(650.0, 1000.0),
                                 elevation_deg=(55.0, 90.0))
        s = replace(s, principal_px=(float(K[0, 2]), float(K[1, 2])), dist=tuple(truth.dist_coeffs))
        path = root / f"heels_{seed}_{i:02d}.jpg"
        t = write_scene(s, path)
        for name, prof in profiles.items():
            try:
                m = measure_photo(path, camera=prof).measurement
            except LegcheckError as exc:  # refused (e.g. the profile does not fit): no figure, no miss
                rows.append({"profile": name, "scene": i, "refused": exc.code})
                continue
            err = m.lld_mm - t["lld_mm"]
            rows.append({"profile": name, "scene": i, "error_mm": float(err), "uncertainty_mm": float(m.uncertainty_mm),
                         "profile_share": m.details.get("profile_share"), "covered": abs(err) <= m.uncertainty_mm})
    measured = [r for r in rows if "covered" in r]
    by_profile = {n: float(np.mean([r["covered"] for r in measured if r["profile"] == n] or [np.nan])) for n in profiles}
    return {"rows": rows, "coverage": float(np.mean([r["covered"] for r in measured])), "coverage_by_profile": by_profile,
            "refused": len(rows) - len(measured)}


def coverage_markdown(result: dict) -> str:
    """The per-parameter table of :func:`intrinsic_coverage` as Markdown (z = error / stated std)."""
    lines = ["| set | param | true | estimate | stated std | z |", "|---|---|---:|---:|---:|---:|"]
    for r in result["rows"]:
        lines.append(f"| {r['kind']}/{r.get('seed', 0)} | {r['param']} | {r['true']:.5g} | {r['estimate']:.5g} | "
                     f"{r['std']:.3g} | {r['z']:+.2f} |")
    lines.append(f"\nCovered at 2 sigma: {100 * result['coverage']:.0f} % of {len(result['rows'])} parameters.")
    return "\n".join(lines)
