"""The benchmark's scenes: seeded random 12-megapixel renders that vary what varies at a real table.

View 45-90 degrees, camera 0.6-1.5 m, roll and yaw, lens distortion from none to strong
wide-angle (k1 up to 0.15), heel heights and tab tilts, true lld -12..+12 mm including 0,
focus and motion blur, sensor noise, uneven light, JPEG quality 60-95, a shadow across part of
the board. The same seed gives the same scene on every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

#: Distortion above this k1 is a wide-angle lens a phone did not correct.
CORRECTED_K1 = 0.03


def band(elevation_deg: float) -> str:
    """The view band a scene is reported in: "45-60", "60-75" or "75-90" degrees above the table."""
    return "45-60" if elevation_deg < 60 else ("60-75" if elevation_deg < 75 else "75-90")


def tab_scene(seed: int):
    """A heel-tab scene (:class:`legcheck.synth.render.Scene`) drawn from ``seed``."""
    from legcheck.synth.render import random_visible_scene

    rng = np.random.default_rng(seed)
    s = random_visible_scene(rng, elevation_deg=(45.0, 90.0), distance_mm=(600.0, 1500.0),
                             dist_strength=(0.0, 0.15) if rng.random() < 0.6 else (0.0, 0.0),
                             lld_mm=0.0 if seed % 15 == 0 else (-12.0, 12.0))
    return replace(s, jpeg_quality=int(rng.integers(60, 96)), blur_px=float(rng.uniform(0.5, 2.0)),
                   motion_px=float(rng.uniform(2, 5)) if rng.random() < 0.25 else 0.0,
                   board_shadow=float(rng.uniform(0.3, 0.6)) if rng.random() < 0.25 else 0.0)


def feet_scene(seed: int):
    """A scene of bare, socked or shod feet without tabs, drawn from ``seed``."""
    from legcheck.synth.render import random_visible_feet_scene

    rng = np.random.default_rng(seed)
    s = random_visible_feet_scene(rng, elevation_deg=(45.0, 90.0), combo=seed % 6,
                                  lld_mm=0.0 if seed % 15 == 0 else (-12.0, 12.0))
    k = float(rng.uniform(0.0, 0.15)) if rng.random() < 0.5 else 0.0
    return replace(s, dist=(k, -0.3 * k, 0.0, 0.0, 0.0), jpeg_quality=int(rng.integers(60, 96)),
                   motion_px=float(rng.uniform(2, 4)) if rng.random() < 0.2 else 0.0)


def phone_exif(scene) -> dict:
    """What a phone writes that matters here: the 35 mm-equivalent focal length, in whole mm."""
    from legcheck.vision.camera import FILM_DIAGONAL_MM

    return {"exif": {0xA405: int(round(scene.focal_px / math.hypot(scene.width, scene.height) * FILM_DIAGONAL_MM))}}


def profile_of(scene):
    """The scene's true camera as a profile (what a good calibration gives)."""
    from legcheck.vision.camera import CameraProfile

    return CameraProfile.from_arrays((scene.width, scene.height), scene.K, scene.dist)


def _write_turned(scene, path, **kw) -> dict:
    from legcheck.synth.variants import write_turned_scene

    return write_turned_scene(scene, path, **kw)


def _write_swapped(scene, path, **kw) -> dict:
    from legcheck.synth.render import write_scene
    from legcheck.synth.variants import tabs_swapped

    return write_scene(tabs_swapped(scene), path, **kw)


@dataclass(frozen=True)
class Variant:
    """A heel-tab scene set up as a clinic gets it wrong: ``write(scene, path, **kw)`` renders it and
    returns the patient's truth; ``label`` names its group."""

    label: str
    write: Callable


#: Heel-tab scenes with the board turned round (HEAD arrow to the feet) and with the tabs swapped.
VARIANTS = {"turned": Variant("board turned 180", _write_turned), "swapped": Variant("tabs swapped", _write_swapped)}
