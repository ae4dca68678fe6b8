"""The truth written beside every render (``photo.json``).

Keys (all lengths mm, angles degrees; "table frame" is the board-defined frame of
``docs/conventions.md``):

- ``kind`` ("legcheck-scene"), ``version``;
- ``lld_mm``: left minus right heel position along the TABLE'S AXIS (positive: the left
  heel lies further towards the head, the left leg appears short). In the plain layout the
  axis is the board's y, so ``lld_mm = left_heel_mm[1] - right_heel_mm[1]``;
- ``left_heel_mm``, ``right_heel_mm``: the heels in the table frame: the tab centres when
  tabs are on the heels, else the heel landmarks;
- ``view_elevation_deg``, ``camera_matrix``, ``dist_coeffs``, ``image_size``,
  ``board2cam`` ({"R", "t_mm"}): the camera;
- ``scene``: the full :class:`~legcheck.synth.scene.Scene` (``scene_from_json`` rebuilds it);
- ``stored_orientation``: the EXIF orientation the pixels were stored with.

Drop-table scenes add (see :mod:`legcheck.synth.droptable`): ``board_to_table_deg``,
``lld_board_mm`` (along the board's y), ``heel_source`` ("tabs" or "landmark"),
``left_heel_axis_mm``/``right_heel_axis_mm`` (table-axis frame), ``landmarks`` (each heel's
landmark and its outline point, both frames and pixels), ``table`` (geometry, lines in the
board frame, edges in view) and ``labels`` (family, footwear, cover, floor, view band...).
"""

from __future__ import annotations

import numpy as np

from .scene import SCENE_KIND, Scene, scene_to_json

#: Version 1: the plain layout; 2 adds the drop-table keys.
SIDECAR_VERSION = 2


def scene_truth(scene: Scene) -> dict:
    """The sidecar dictionary of one scene (JSON types only).

    Parameters
    ----------
    scene : Scene

    Returns
    -------
    dict
        See the module docstring for the keys.
    """
    if scene.drop is not None:
        from .drop_truth import drop_truth

        return drop_truth(scene)
    if scene.feet is not None:
        left = np.asarray(scene.feet.left_heel_mm, dtype=float)
        right = np.asarray(scene.feet.right_heel_mm, dtype=float)
    else:
        left = np.asarray(scene.left_tab.centre_mm, dtype=float)
        right = np.asarray(scene.right_tab.centre_mm, dtype=float)
    out = camera_truth(scene)
    out.update(lld_mm=float(left[1] - right[1]), left_heel_mm=left.tolist(), right_heel_mm=right.tolist())
    return out


def camera_truth(scene: Scene) -> dict:
    """The keys every sidecar shares: kind, version, camera, the scene itself."""
    version = 1 if scene.drop is None else SIDECAR_VERSION
    b2c = scene.board2cam()
    return {
        "kind": SCENE_KIND, "version": version,
        "view_elevation_deg": scene.elevation_deg,
        "camera_matrix": scene.K.tolist(), "dist_coeffs": list(scene.dist),
        "image_size": [scene.width, scene.height],
        "board2cam": {"R": b2c.R.tolist(), "t_mm": b2c.t.tolist()},
        "scene": scene_to_json(scene),
    }
