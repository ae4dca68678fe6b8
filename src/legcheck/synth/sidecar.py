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

from .drop_truth import drop_truth
from .scene import Scene


def scene_truth(scene: Scene, world=None) -> dict:
    """The sidecar dictionary of a scene of either layout (JSON types only).

    Parameters
    ----------
    scene : Scene
    world : legcheck.synth.drop_world.World, optional
        A drop-table scene's ray-casting world, when one is at hand.

    Returns
    -------
    dict
        See the module docstring for the keys.
    """
    return scene.truth() if scene.drop is None else drop_truth(scene, world)
