"""What one rendered photo shows: the :class:`Scene` value, its heel tabs, and its JSON form.

A :class:`Scene` fixes everything a render depends on (camera, lens, table, board, tabs,
feet, light, noise, seed), so a scene and its render are reproducible from the sidecar
JSON alone (:func:`scene_from_json`). Frames are those of ``docs/conventions.md``: the
*table frame* is defined by the board (origin at its HEAD-edge left outer square corner,
+x patient's right, +y head, +z up), in millimetres.

Two layouts share the value:

- the **plain layout** (``drop is None``): an endless table plane with the board, two heel
  tabs and optionally two ellipsoid feet (:mod:`legcheck.synth.feet`) above it;
- the **drop-table layout** (``drop`` a :class:`legcheck.synth.droptable.DropScene`): a
  finite table with a floor below, a prone patient's legs and feet hanging off its end
  (:mod:`legcheck.synth.droptable`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..geometry import Pose
from ..targets.spec import BOARD2TABLE, DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec
from .feet import FeetSpec

SCENE_KIND = "legcheck-scene"
#: Paper margin printed around the board's squares, mm.
BOARD_PAPER_MARGIN_MM = 12.0
#: Linear-light reflectances, BGR order throughout (as OpenCV images).
PAPER_RGB = (0.78, 0.80, 0.80)
INK_RGB = (0.035, 0.035, 0.04)
#: Table coverings of the plain layout, linear BGR.
TABLE_COLOURS = {
    "burgundy vinyl": (0.05, 0.04, 0.20),
    "black vinyl": (0.035, 0.035, 0.035),
    "brown vinyl": (0.04, 0.08, 0.14),
    "blue vinyl": (0.18, 0.07, 0.03),
    "grey cloth": (0.22, 0.22, 0.21),
    "white paper roll": (0.62, 0.66, 0.66),
    "patterned beige": (0.30, 0.42, 0.50),
}


def rot_deg(axis: str, deg: float) -> np.ndarray:
    """Rotation matrix (3, 3) by ``deg`` degrees about the x, y or z axis (right-handed)."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], dtype=np.float64)
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], dtype=np.float64)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], dtype=np.float64)


@dataclass(frozen=True)
class TabPlacement:
    """A heel tab card in the table frame: marker centre (x, y, z) mm and orientation.

    ``tilt_deg`` tilts the printed face from facing straight up towards the foot
    end (towards a camera standing there); ``yaw_deg`` turns it about the vertical;
    ``roll_deg`` turns it in its own plane.
    """

    centre_mm: tuple
    tilt_deg: float = 20.0
    yaw_deg: float = 0.0
    roll_deg: float = 0.0
    side_tilt_deg: float = 0.0
    #: The tab-to-table rotation itself, row-major (3, 3) as nested tuples; overrides the angles.
    rotation: tuple | None = None

    def tab2table(self) -> Pose:
        """Tab frame (x right as printed, y down the print, z into the card) to table frame.

        Returns
        -------
        Pose
            ``X_table = R @ X_tab + t``, millimetres.
        """
        if self.rotation is not None:
            return Pose(np.asarray(self.rotation, dtype=np.float64), np.asarray(self.centre_mm, dtype=np.float64))
        # Flat on the table like the board, then rolled in plane, tilted towards the foot end, yawed.
        R = (rot_deg("z", self.yaw_deg) @ rot_deg("y", self.side_tilt_deg) @ rot_deg("x", self.tilt_deg)
             @ BOARD2TABLE @ rot_deg("z", self.roll_deg))
        return Pose(R, np.asarray(self.centre_mm, dtype=np.float64))


@dataclass(frozen=True)
class Scene:
    """Everything that defines one rendered photo. Angles in degrees, lengths in mm, image sizes in px.

    The camera looks at ``target_mm`` (table frame) from ``distance_mm`` away, its optical
    axis ``elevation_deg`` above the table plane and turned ``azimuth_deg`` about the
    vertical from the table's axis (0: from the foot end looking towards the head; 90:
    from the patient's left; 180: from the head side looking towards the feet). In the
    plain layout the table's axis is the board's y; in the drop-table layout it is turned
    from the board's y by ``drop.board_to_table_deg``.
    """

    width: int = 4032
    height: int = 3024
    focal_px: float = 3024.0
    principal_px: tuple | None = None
    dist: tuple = (0.0, 0.0, 0.0, 0.0, 0.0)
    elevation_deg: float = 75.0
    azimuth_deg: float = 0.0
    roll_deg: float = 0.0
    distance_mm: float = 900.0
    target_mm: tuple = (126.0, 20.0, 40.0)
    left_tab: TabPlacement = TabPlacement((40.0, 90.0, 100.0))
    right_tab: TabPlacement = TabPlacement((210.0, 86.0, 100.0))
    table: str = "burgundy vinyl"
    light_gain: float = 1.0
    light_gradient: tuple = (0.15, -0.1)
    vignette: float = 0.25
    tab_shading: tuple = (0.92, 0.95)
    board_shadow: float = 0.0
    blur_px: float = 0.8
    motion_px: float = 0.0
    noise: float = 0.006
    jpeg_quality: int = 92
    seed: int = 0
    board: BoardSpec = DEFAULT_BOARD
    tabs: TabSpec = DEFAULT_TABS
    show_tabs: tuple = ("left", "right")
    show_board: bool = True
    feet: FeetSpec | None = None
    #: Print another marker id on a tab card (e.g. a second LEFT tab), {"right": 40}.
    marker_ids: dict = field(default_factory=dict)
    #: The board as printed, scaled along its own x and y (a print 3 % wider than tall: (1.03, 1.0)).
    board_scale_xy: tuple = (1.0, 1.0)
    #: The drop-table layout (table, floor, prone patient); None for the plain layout.
    drop: object | None = None

    @property
    def K(self) -> np.ndarray:
        """Camera matrix (3, 3), pixels."""
        cx, cy = self.principal_px if self.principal_px else ((self.width - 1) / 2, (self.height - 1) / 2)
        return np.array([[self.focal_px, 0, cx], [0, self.focal_px, cy], [0, 0, 1]], dtype=np.float64)

    @property
    def board_to_table_deg(self) -> float:
        """Angle from the board's y axis to the table's long axis, degrees, counter-clockwise from above."""
        return 0.0 if self.drop is None else float(self.drop.board_to_table_deg)

    def table2cam(self) -> Pose:
        """Table frame (the board's) to camera frame.

        Returns
        -------
        Pose
            ``X_cam = R @ X_table + t``, millimetres.
        """
        e = math.radians(self.elevation_deg)
        # The azimuth is given from the table's axis; the table frame is the board's, turned by
        # board_to_table_deg from it.
        a = math.radians(self.azimuth_deg - self.board_to_table_deg)
        axis = np.array([math.cos(e) * math.sin(a), math.cos(e) * math.cos(a), -math.sin(e)])
        x_cam = np.array([math.cos(a), -math.sin(a), 0.0])
        y_cam = np.cross(axis, x_cam)
        r = math.radians(self.roll_deg)
        xr = math.cos(r) * x_cam + math.sin(r) * y_cam
        yr = -math.sin(r) * x_cam + math.cos(r) * y_cam
        R = np.stack([xr, yr, axis])
        C = np.asarray(self.target_mm, dtype=np.float64) - self.distance_mm * axis
        return Pose(R, -R @ C)

    def board2cam(self) -> Pose:
        """Board frame (OpenCV ChArUco) to camera frame."""
        t2c = self.table2cam()
        return Pose(t2c.R @ BOARD2TABLE, t2c.t)

    def camera_centre_mm(self) -> np.ndarray:
        """The camera's optical centre, table frame, mm, shape (3,)."""
        t2c = self.table2cam()
        return -t2c.R.T @ t2c.t

    def truth(self) -> dict:
        """The ground truth of a plain-layout scene (:func:`legcheck.synth.sidecar.scene_truth` takes both layouts).

        Returns
        -------
        dict
            The sidecar's keys (:mod:`legcheck.synth.sidecar`): ``lld_mm``, ``left_heel_mm``,
            ``right_heel_mm`` (table frame, mm), the camera and the scene.

        Raises
        ------
        TypeError
            For a drop-table scene, whose truth needs the ray-casting world.
        """
        if self.drop is not None:
            raise TypeError("a drop-table scene's truth comes from legcheck.synth.sidecar.scene_truth")
        if self.feet is not None:
            left = np.asarray(self.feet.left_heel_mm, dtype=float)
            right = np.asarray(self.feet.right_heel_mm, dtype=float)
        else:
            left = np.asarray(self.left_tab.centre_mm, dtype=float)
            right = np.asarray(self.right_tab.centre_mm, dtype=float)
        out = camera_truth(self)
        out.update(lld_mm=float(left[1] - right[1]), left_heel_mm=left.tolist(), right_heel_mm=right.tolist())
        return out


def camera_truth(scene: Scene) -> dict:
    """The sidecar keys every layout shares: kind, version, the camera, the scene itself (JSON types)."""
    b2c = scene.board2cam()
    return {
        "kind": SCENE_KIND, "version": 1 if scene.drop is None else 2,
        "view_elevation_deg": scene.elevation_deg,
        "camera_matrix": scene.K.tolist(), "dist_coeffs": list(scene.dist),
        "image_size": [scene.width, scene.height],
        "board2cam": {"R": b2c.R.tolist(), "t_mm": b2c.t.tolist()},
        "scene": scene_to_json(scene),
    }


def scene_to_json(scene: Scene) -> dict:
    """The scene as plain JSON types (nested dicts and lists); :func:`scene_from_json` inverts it."""
    d = asdict(scene)
    d["board"] = scene.board.to_dict()
    d["tabs"] = scene.tabs.to_dict()
    d["feet"] = None if scene.feet is None else asdict(scene.feet)
    if scene.drop is None:
        d.pop("drop")
    else:
        d["drop"] = scene.drop.to_json()
    return d
