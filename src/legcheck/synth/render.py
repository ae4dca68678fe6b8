"""Render a :class:`Scene` to a photo and write it with its truth sidecar.

The renderer's modules (each one job):

- :mod:`.scene` — the :class:`Scene` value, heel tabs, JSON form;
- :mod:`.planar` — pixel rays (with lens distortion), plane intersections, printed textures;
- :mod:`.plain` — the plain layout (endless table, board, tabs, ellipsoid feet of :mod:`.feet`);
- :mod:`.droptable` — the drop-table scene model (table, floor, prone patient, board, light);
- :mod:`.limbs` — lower legs and feet (bare, socks, shoes) as meshes, and their heel landmarks;
- :mod:`.drop_render` — ray casting the drop-table scene (planes exactly, meshes with Embree);
- :mod:`.shading` — materials, procedural textures and light for the drop-table scene;
- :mod:`.finish` — light fall-off, blur, noise, tone curve, JPEG with EXIF;
- :mod:`.families`, :mod:`.drop_families` — random scene families;
- :mod:`.sidecar`, :mod:`.drop_truth` — the truth written beside each photo;
- :mod:`.scene_json` — a scene back from its JSON form;
- :mod:`.sdf`, :mod:`.patient`, :mod:`.lighting`, :mod:`.landmarks` — limb shapes, posing, light, heel pixels.

This module keeps the public names the tests and the benchmark import.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._cv import cv2
from .families import (FOOT_TABLE_COMBOS, feet_in_view, fit_in_view, random_feet_scene, random_scene,  # noqa: F401
                       random_visible_feet_scene, random_visible_scene)
from .drop_render import render_drop_linear
from .drop_world import World
from .feet import FeetSpec  # noqa: F401
from .finish import encode_jpeg, finish
from .plain import render_plain_linear, visible_heel_pixels  # noqa: F401
from .scene import TABLE_COLOURS, Scene, TabPlacement, scene_to_json  # noqa: F401
from .scene_json import scene_from_json  # noqa: F401
from .sidecar import scene_truth
from ..fileio import atomic_write

__all__ = ["Scene", "TabPlacement", "FeetSpec", "render", "render_linear", "write_scene", "encode_jpeg",
           "random_scene", "random_visible_scene", "random_feet_scene", "random_visible_feet_scene",
           "visible_heel_pixels", "FOOT_TABLE_COMBOS", "scene_from_json", "scene_to_json", "TABLE_COLOURS"]


def render_linear(scene: Scene) -> np.ndarray:
    """Noise-free linear-light BGR image, shape (H, W, 3) float32, before blur and noise."""
    if scene.drop is not None:
        return render_drop_linear(scene)
    return render_plain_linear(scene)


def render(scene: Scene) -> np.ndarray:
    """The photo as the phone would store it before compression: BGR uint8, shape (H, W, 3)."""
    return finish(scene, render_linear(scene))


def write_scene(scene: Scene, path, exif: dict | None = None, stored_orientation: int = 1) -> dict:
    """Render, save as JPEG (or PNG by suffix) with a ``.json`` sidecar of the truth.

    Parameters
    ----------
    scene : Scene
    path : str or Path
        The photo's path; the sidecar goes beside it with the suffix ``.json``.
    exif : dict, optional
        EXIF tags for :func:`encode_jpeg`.
    stored_orientation : {1, 3, 6, 8}
        Store the pixels rotated as a phone held sideways does and set the EXIF orientation
        tag, so a reader that honours EXIF gets the rendered image back.

    Returns
    -------
    dict
        The truth, as written to the sidecar (:mod:`legcheck.synth.sidecar`).
    """
    cv = cv2()
    path = Path(path)
    world = None
    if scene.drop is not None:  # one ray-casting world for the photo and its truth
        world = World(scene)
        bgr = finish(scene, render_drop_linear(scene, world))
    else:
        bgr = render(scene)
    exif = dict(exif or {})
    if stored_orientation != 1:
        inv = {6: cv.ROTATE_90_COUNTERCLOCKWISE, 8: cv.ROTATE_90_CLOCKWISE, 3: cv.ROTATE_180}[stored_orientation]
        bgr = cv.rotate(bgr, inv)
        exif[0x0112] = stored_orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".png":
        ok, buf = cv.imencode(".png", bgr)
        data = buf.tobytes()
    else:
        data = encode_jpeg(bgr, scene.jpeg_quality, exif or None)
    atomic_write(path, data)
    truth = scene_truth(scene, world)
    truth["stored_orientation"] = stored_orientation
    atomic_write(path.with_suffix(".json"), (json.dumps(truth, indent=1) + "\n").encode("utf-8"))
    return truth
