"""Scenes a clinic meets that the plain renderer does not set up by itself (and a table with nobody on it).

The renderer keeps the board at the table origin with its HEAD edge towards the patient's head.
A board laid the other way round is, in the board's own frame, the patient lying the other way:
:func:`board_turned_180` mirrors the tabs and the camera through the board's centre (the heel tabs
go beyond the board's foot edge, the camera to the other end), and :func:`turned_truth` gives the
truth as the patient sees it. :func:`tabs_swapped` prints the LEFT tab's marker on the card at the
RIGHT heel and the other way round; the truth still follows the patient's heels.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from ..targets.spec import DEFAULT_TABS
from .render import Scene, TabPlacement, write_scene


def _turn_point(p, board, deg: float) -> tuple:
    """A point turned ``deg`` degrees (counter-clockwise from above) about the vertical through the board's centre."""
    cx, cy = board.width_mm / 2, -board.height_mm / 2
    a = math.radians(deg)
    x, y = p[0] - cx, p[1] - cy
    return (cx + math.cos(a) * x - math.sin(a) * y, cy + math.sin(a) * x + math.cos(a) * y, p[2])


def board_turned(scene: Scene, deg: float = 180.0) -> Scene:
    """The same photo with the board turned by ``deg`` degrees under the patient.

    Everything but the board turns ``deg`` degrees (counter-clockwise seen from above) about the
    vertical through the board's centre: the heel tabs (each keeps its side: ``left_tab`` is still
    the patient's LEFT heel), the camera's target and its azimuth. At 180 degrees the HEAD arrow
    points to the patient's feet; at 90 or 270 it points across the table. Scenes with feet are
    not supported (the renderer's feet point one way).

    Parameters
    ----------
    scene : Scene
        A heel-tab scene (``feet`` None).
    deg : float
        The turn, degrees.

    Returns
    -------
    Scene
        Its truth, as :meth:`Scene.truth` computes it in the board's frame, is not the patient's
        when the board is turned round: use :func:`turned_truth`.
    """
    if scene.feet is not None:
        raise ValueError("board_turned supports heel-tab scenes only")

    def turn(t: TabPlacement) -> TabPlacement:
        return replace(t, centre_mm=_turn_point(t.centre_mm, scene.board, deg), yaw_deg=t.yaw_deg + deg)

    return replace(scene, left_tab=turn(scene.left_tab), right_tab=turn(scene.right_tab),
                   target_mm=_turn_point(scene.target_mm, scene.board, deg), azimuth_deg=scene.azimuth_deg - deg)


def board_turned_180(scene: Scene) -> Scene:
    """:func:`board_turned` by 180 degrees: the board's HEAD arrow towards the patient's feet."""
    return board_turned(scene, 180.0)


def tabs_swapped(scene: Scene) -> Scene:
    """The same photo with the LEFT tab stuck on the RIGHT heel and the RIGHT tab on the LEFT heel."""
    tabs = scene.tabs or DEFAULT_TABS
    return replace(scene, marker_ids={"left": tabs.right_id, "right": tabs.left_id})


def turned_truth(truth: dict) -> dict:
    """The truth of a :func:`board_turned_180` scene as the patient sees it.

    The patient's head lies towards the board's -y: the LEFT heel's advance towards the head is
    the board frame's y difference negated.
    """
    out = dict(truth)
    out["lld_mm"] = -float(truth["lld_mm"])
    out["board_turned_deg"] = 180
    return out


def write_turned_scene(scene: Scene, path, **kw) -> dict:
    """Render ``board_turned_180(scene)`` to ``path`` (as :func:`write_scene`); returns the patient's truth.

    The sidecar JSON holds the patient's truth too.
    """
    import json

    from ..fileio import PUBLIC, atomic_write

    truth = turned_truth(write_scene(board_turned_180(scene), path, **kw))
    atomic_write(Path(path).with_suffix(".json"), json.dumps(truth, indent=1) + "\n", mode=PUBLIC)
    return truth


def without_patient(scene: Scene) -> Scene:
    """The same drop-table photo with nobody on the table: the table, floor, board and light only.

    A photo contour mode must refuse ("no feet found"); its sidecar has no heels.

    Parameters
    ----------
    scene : Scene
        A drop-table scene (``drop`` set).

    Returns
    -------
    Scene
    """
    if scene.drop is None:
        raise ValueError("without_patient takes a drop-table scene")
    labels = tuple((k, v) for k, v in scene.drop.labels if k not in ("footwear", "legwear")) + (("patient", "none"),)
    return replace(scene, drop=replace(scene.drop, patient_present=False, tabs_on_heels=False, labels=labels),
                   show_tabs=())
