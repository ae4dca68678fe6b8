"""The drop-table scene: a prone patient's feet over the end of a real treatment table.

Scene model (all lengths mm, angles degrees):

- **Frames.** The *table frame* of legcheck is the board's (origin at the board's HEAD-edge
  left outer square corner, +x patient's right, +y head, +z up; ``docs/conventions.md``).
  The *table-axis frame* has the same origin, turned about z so that +y runs along the
  table's long axis towards the head: ``p_axis = Rz(-board_to_table_deg) @ p_table``, where
  ``board_to_table_deg`` is the angle from the board's +y to the table's axis,
  counter-clockwise seen from above (a board squared by eye is within +-5). The scene is
  built in the axis frame; everything written to the sidecar is given in both.
- **Table** (:class:`TableSpec`). An upholstered top ``width_mm`` (550-700) wide, its surface
  at z = 0, its caudal END at ``y = end_y_mm`` and its long sides at ``x = centre_x_mm +-
  width/2``; ``cushion_mm`` thick, with vertical side and end faces and a rounded edge
  (``edge_radius_mm``, shading only: the geometric edge is the top's boundary line). Below
  it a dark base, inset from the edges, stands on the floor. The cover is vinyl (black,
  brown, blue, grey, cream) or a paper roll / patterned sheet running along the table,
  narrower than it and laid up to a degree or two off its axis.
- **Floor** (:class:`FloorSpec`): ``height_mm`` (500-800) below the top; plain, tiled or
  planked, light, mid or dark, its pattern at any angle to the table.
- **Patient** (:class:`PatientSpec`). Prone along the axis: each lower leg lies on the
  table, shin down, in trousers or bare; each ankle ``overhang_mm`` beyond the table's end,
  so the foot hangs off it in plantar flexion (toes towards the floor, sole facing caudally
  and a little up), turned out (``turn_deg``) and tilted (``tilt_deg``) a few degrees. The
  two legs are moved along the axis so that the heel landmarks differ by the scene's lld.
  Footwear: bare feet (skin tones), light or dark socks, dark or brown dress shoes, white
  sneakers (:data:`FOOTWEAR`). The heel landmark is defined in :mod:`legcheck.synth.limbs`.
- **Board**: flat on the table beside the lower legs (``board_side`` "left"/"right") or
  between them ("between"), near the heels; it may overhang the table's side a little
  (``labels`` say by how much).
- **No patient** (``patient_present`` False): the same table, floor, board and light with nobody
  on the table; the sidecar then has no heels (``lld_mm`` None).
- **Light** (:class:`LightSpec`): one soft key light (its direction and angular radius: soft
  shadows of legs and feet on table and floor) plus ambient light, occluded by the scene.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .scene import rot_deg

#: Footwear: (mesh kind, material). Mesh kinds: "bare" (toes), "sock", "dress", "sneaker".
FOOTWEAR = {
    "bare": ("bare", "skin"),
    "white sock": ("sock", "white sock"),
    "grey sock": ("sock", "grey sock"),
    "black sock": ("sock", "black sock"),
    "black shoe": ("dress", "black leather"),
    "brown shoe": ("dress", "brown leather"),
    "white sneaker": ("sneaker", "white sneaker"),
}
COVERS = ("black vinyl", "brown vinyl", "blue vinyl", "grey vinyl", "cream vinyl", "paper roll", "patterned sheet")
FLOORS = ("light plain", "mid plain", "dark plain", "light tiles", "mid tiles", "dark tiles", "wood planks")
SKIN_TONES = ("light", "medium", "tan", "dark", "very dark")
LEGWEAR = ("bare", "navy trousers", "black trousers", "grey trousers", "beige trousers", "blue jeans",
           "black leggings")


@dataclass(frozen=True)
class TableSpec:
    """The table top and its place in the table-axis frame (see the module docstring)."""

    width_mm: float = 640.0
    length_mm: float = 1900.0
    cushion_mm: float = 80.0
    height_mm: float = 650.0
    edge_radius_mm: float = 12.0
    centre_x_mm: float = 0.0
    end_y_mm: float = 0.0
    cover: str = "black vinyl"
    #: Paper on the cover: width, x offset of its centre line from the table's, angle to the axis.
    paper_width_mm: float = 500.0
    paper_offset_mm: float = 0.0
    paper_angle_deg: float = 0.0
    base_inset_mm: float = 110.0

    @property
    def x_left_mm(self) -> float:
        return self.centre_x_mm - self.width_mm / 2

    @property
    def x_right_mm(self) -> float:
        return self.centre_x_mm + self.width_mm / 2


@dataclass(frozen=True)
class FloorSpec:
    """The floor: ``kind`` (a name of :data:`FLOORS`), pattern size and angle, a colour seed."""

    kind: str = "mid plain"
    tile_mm: float = 400.0
    angle_deg: float = 0.0
    offset_mm: tuple = (0.0, 0.0)


@dataclass(frozen=True)
class PatientSpec:
    """Legs and feet. Per-side tuples are (left, right).

    ``ankle_mm`` is each ankle joint's (x, y) in the table-axis frame; ``plantar_deg`` the
    plantar flexion from the foot's neutral 90 degrees (0: toes straight down to the floor);
    ``turn_deg`` the outward turn of the whole limb about its long axis; ``tilt_deg`` the
    foot's inversion (+) about its own long axis; ``leg_yaw_deg`` the leg's angle to the
    table's axis (+: its knee towards the patient's left).
    """

    footwear: str = "white sock"
    skin: str = "light"
    legwear: str = "navy trousers"
    hem_mm: float = 70.0
    sock_top_mm: float = 120.0
    foot_scale: float = 1.0
    girth_scale: float = 1.0
    ankle_mm: tuple = ((-90.0, -40.0), (90.0, -40.0))
    plantar_deg: tuple = (15.0, 15.0)
    turn_deg: tuple = (10.0, 10.0)
    tilt_deg: tuple = (0.0, 0.0)
    leg_yaw_deg: tuple = (0.0, 0.0)


@dataclass(frozen=True)
class LightSpec:
    """The key light's direction (elevation above the table, azimuth like the camera's), its
    angular radius (shadow softness), and the key and ambient intensities."""

    elevation_deg: float = 65.0
    azimuth_deg: float = 30.0
    radius_deg: float = 8.0
    key: float = 0.85
    ambient: float = 0.35

    def direction(self) -> np.ndarray:
        """Unit vector towards the light, table-axis frame, shape (3,)."""
        e, a = math.radians(self.elevation_deg), math.radians(self.azimuth_deg)
        return np.array([-math.cos(e) * math.sin(a), -math.cos(e) * math.cos(a), math.sin(e)])


@dataclass(frozen=True)
class DropScene:
    """A drop-table layout: table, floor, patient, light, and how the board lies on the table."""

    table: TableSpec = TableSpec()
    floor: FloorSpec = FloorSpec()
    patient: PatientSpec = PatientSpec()
    light: LightSpec = LightSpec()
    board_to_table_deg: float = 0.0
    board_side: str = "right"
    #: Heel tabs stuck on the heels (tabs mode) instead of bare landmarks.
    tabs_on_heels: bool = False
    #: Free labels for benchmarks (family, view side...), as (name, value) pairs; copied to the sidecar.
    labels: tuple = ()
    #: False: the table as left between patients (no legs, no feet): photos nothing may be measured in.
    patient_present: bool = True

    def axis2table(self) -> np.ndarray:
        """Rotation (3, 3) taking table-axis-frame vectors to table-frame (board) vectors."""
        return rot_deg("z", self.board_to_table_deg)

    def to_json(self) -> dict:
        """Plain JSON types; :meth:`from_json` inverts it."""
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "DropScene":
        """Rebuild from :meth:`to_json`'s output (lists become tuples)."""
        def tup(v):
            return tuple(tup(x) for x in v) if isinstance(v, list) else v

        d = dict(d)
        parts = {"table": TableSpec, "floor": FloorSpec, "patient": PatientSpec, "light": LightSpec}
        for k, typ in parts.items():
            d[k] = typ(**{kk: tup(vv) for kk, vv in d[k].items()})
        d["labels"] = tup(d.get("labels", []))
        return cls(**d)
