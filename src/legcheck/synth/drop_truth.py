"""The sidecar of a drop-table scene: the truth in the board's frame and in the table-axis frame.

Adds to the common keys (:mod:`legcheck.synth.sidecar`):

- ``board_to_table_deg``: the table's axis from the board's +y, counter-clockwise from above;
- ``heel_source``: "tabs" (tab centres, tabs mode) or "landmark" (heel landmarks);
- ``left_heel_mm``/``right_heel_mm`` (table frame, as before) and ``left_heel_axis_mm``/
  ``right_heel_axis_mm`` (table-axis frame); ``lld_mm`` is along the table's AXIS,
  ``lld_board_mm`` along the board's y;
- ``landmarks``: per side ``{"table_mm", "axis_mm", "px", "direction_axis", "height_mm",
  "outline": {"table_mm", "axis_mm", "px", "on_outline", "offset_mm", "against"}}`` — the
  heel landmark (see :mod:`legcheck.synth.limbs`: the back of the heel where it meets the
  sole; for shoes the rear edge of the heel's tread) and where the photo shows its outline;
- ``table``: ``width_mm``, ``length_mm``, ``height_mm`` (top above the floor), ``cushion_mm``,
  and ``lines``: the top's ``left``, ``right`` long edges and its ``end``, each as two
  points (x, y) in the table (board) frame on the plane z = 0, plus ``edges_in_view``;
- ``labels``: footwear, cover, floor, view band and side, board side, edges in view...
"""

from __future__ import annotations

import numpy as np

from .drop_families import edges_in_view
from .landmarks import outline_points
from .patient import heel_landmarks
from .planar import project_cam
from .scene import Scene, camera_truth


def _r(v, nd=4):
    return [round(float(x), nd) for x in np.ravel(v)]


def drop_truth(scene: Scene, world=None) -> dict:
    """The sidecar dictionary of a drop-table scene (JSON types only).

    Parameters
    ----------
    scene : Scene
        With ``drop`` set.
    world : World, optional
        The scene's ray-casting world when one is at hand (it is built otherwise).
    """
    from .drop_world import World

    world = world or World(scene, light=False)
    drop = scene.drop
    a2t = drop.axis2table()
    t2c = scene.table2cam()
    heels = heel_landmarks(drop)
    if not heels:  # nobody on the table: no heels, no figure
        return _empty_truth(scene, world)
    outline = outline_points(scene, world)
    marks = {}
    for side, h in heels.items():
        p_t = a2t @ h.point_mm
        cam = p_t @ t2c.R.T + t2c.t
        marks[side] = {"table_mm": _r(p_t), "axis_mm": _r(h.point_mm), "px": _r(project_cam(scene, cam[None])[0]),
                       "direction_axis": _r(h.direction), "height_mm": round(float(h.point_mm[2]), 4),
                       "outline": outline[side]}
    if drop.tabs_on_heels and scene.show_tabs:
        source = "tabs"
        pts_t = {s: np.asarray((scene.left_tab if s == "left" else scene.right_tab).centre_mm, float)
                 for s in ("left", "right")}
    else:
        source = "landmark"
        pts_t = {s: a2t @ heels[s].point_mm for s in ("left", "right")}
    pts_a = {s: a2t.T @ p for s, p in pts_t.items()}
    out = camera_truth(scene)
    out.update(
        lld_mm=float(pts_a["left"][1] - pts_a["right"][1]),
        lld_board_mm=float(pts_t["left"][1] - pts_t["right"][1]),
        board_to_table_deg=float(drop.board_to_table_deg),
        heel_source=source,
        left_heel_mm=_r(pts_t["left"], 6), right_heel_mm=_r(pts_t["right"], 6),
        left_heel_axis_mm=_r(pts_a["left"], 6), right_heel_axis_mm=_r(pts_a["right"], 6),
        landmarks=marks,
        table=_table_truth(scene, world),
        labels=dict(drop.labels),
    )
    return out


def _table_truth(scene: Scene, world) -> dict:
    """The ``table`` entry: geometry, its lines in the board frame, the edges in view."""
    drop, tb = scene.drop, scene.drop.table
    a2t = drop.axis2table()
    corners_axis = {"left": ((tb.x_left_mm, tb.end_y_mm), (tb.x_left_mm, tb.end_y_mm + tb.length_mm)),
                    "right": ((tb.x_right_mm, tb.end_y_mm), (tb.x_right_mm, tb.end_y_mm + tb.length_mm)),
                    "end": ((tb.x_left_mm, tb.end_y_mm), (tb.x_right_mm, tb.end_y_mm))}
    lines = {k: [_r((a2t @ np.array([x, y, 0.0]))[:2]) for x, y in v] for k, v in corners_axis.items()}
    return {"width_mm": tb.width_mm, "length_mm": tb.length_mm, "height_mm": tb.height_mm,
            "cushion_mm": tb.cushion_mm, "lines": lines, "edges_in_view": edges_in_view(scene, world=world)}


def _empty_truth(scene: Scene, world) -> dict:
    """The sidecar of a table with nobody on it: the camera, the table, no heels (``lld_mm`` None)."""
    out = camera_truth(scene)
    out.update(lld_mm=None, lld_board_mm=None, board_to_table_deg=float(scene.drop.board_to_table_deg),
               heel_source="none", landmarks={}, table=_table_truth(scene, world), labels=dict(scene.drop.labels))
    return out
