"""Random drop-table scenes with explicit labels, for tests and the benchmark.

:func:`random_drop_scene` draws one photo of the real set-up (:mod:`legcheck.synth.droptable`)
from a seeded generator. Every choice a benchmark may want to report on is a label in
``scene.drop.labels`` (and the sidecar): ``family``, ``footwear``, ``cover``, ``floor``,
``view_band`` (elevation "45-60", "60-75", "75-90"), ``view_side`` ("foot end", "side",
"head side"), ``board_side`` ("left", "right", "between"), ``edges_in_view`` (which of the
table's "left", "right" long edges and its "end" show over at least 150 mm) and
``board_overhang_mm``. Arguments fix any of them; ``edge_in_view`` asks for a long side edge
in view (True) or neither (False; the framing is then tight). The table's end is in nearly
every photo: the feet hang over it.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..targets.spec import DEFAULT_BOARD
from .droptable import COVERS, FLOORS, FOOTWEAR, LEGWEAR, SKIN_TONES, DropScene, FloorSpec, LightSpec, PatientSpec, TableSpec
from .patient import heel_landmarks, posed_meshes
from .planar import project_cam
from .scene import BOARD_PAPER_MARGIN_MM, Scene, TabPlacement, rot_deg

VIEW_SIDES = {"foot end": 0.0, "side": 90.0, "head side": 180.0}
#: How far (mm) the board may reach past the table's side (a stiff card stays flat).
MAX_OVERHANG_MM = 50.0


def view_band(elevation_deg: float) -> str:
    """The elevation band label of a view: "45-60", "60-75" or "75-90"."""
    return "45-60" if elevation_deg < 60 else ("60-75" if elevation_deg < 75 else "75-90")


def _pick(rng, value, choices):
    return value if value is not None else choices[int(rng.integers(len(choices)))]


def _patient(rng, footwear, spacing_mm, lld_mm, between: bool) -> PatientSpec:
    legwear = LEGWEAR[int(rng.integers(len(LEGWEAR)))] if rng.random() < 0.8 else "bare"
    half = spacing_mm / 2
    yaw = rng.uniform(0.0, 1.5) if between else 0.0
    return PatientSpec(
        footwear=footwear, skin=_pick(rng, None, SKIN_TONES), legwear=legwear,
        hem_mm=float(rng.uniform(40, 200) if "leggings" not in legwear else rng.uniform(20, 60)),
        sock_top_mm=float(rng.uniform(70, 170)), foot_scale=float(rng.uniform(0.9, 1.06)),
        girth_scale=float(rng.uniform(0.92, 1.15)),
        ankle_mm=((-half, 0.0), (half, 0.0)),
        plantar_deg=tuple(float(v) for v in rng.uniform(5, 30, 2)),
        turn_deg=tuple(float(v) for v in rng.uniform(0, 18, 2)),
        tilt_deg=tuple(float(v) for v in rng.uniform(-8, 8, 2)),
        leg_yaw_deg=(-yaw + float(rng.uniform(-2, 2)), yaw + float(rng.uniform(-2, 2))),
    ), lld_mm


def _with_lld(drop: DropScene, lld_mm: float) -> DropScene:
    """Move the legs along the axis so the heel landmarks differ by ``lld_mm`` (left minus right)."""
    h = heel_landmarks(drop)
    now = h["left"].point_mm[1] - h["right"].point_mm[1]
    (lx, ly), (rx, ry) = drop.patient.ankle_mm
    c = (lld_mm - now) / 2
    return replace(drop, patient=replace(drop.patient, ankle_mm=((lx, ly + c), (rx, ry - c))))


def _leg_x_extent(drop: DropScene, y_lo: float, y_hi: float) -> dict:
    """Per side, the lowest and highest x of the leg near the table top between y_lo and y_hi (axis frame)."""
    out = {"left": [np.inf, -np.inf], "right": [np.inf, -np.inf]}
    for m in posed_meshes(drop):
        v = m.verts
        sel = (v[:, 1] > y_lo) & (v[:, 1] < y_hi) & (v[:, 2] < 40)
        if np.any(sel):
            e = out[m.side]
            e[0], e[1] = min(e[0], float(v[sel, 0].min())), max(e[1], float(v[sel, 0].max()))
    return out


def _board_extent_x(board, theta_deg: float) -> float:
    m = BOARD_PAPER_MARGIN_MM
    w, h = board.width_mm + 2 * m, board.height_mm + 2 * m
    t = math.radians(theta_deg)
    return abs(w * math.cos(t)) + abs(h * math.sin(t)), abs(w * math.sin(t)) + abs(h * math.cos(t))


def _place(rng, table: TableSpec, drop: DropScene, board, side: str, theta: float):
    """Table and ankles shifted so the board (origin at 0) lies beside/between the legs; None if it cannot."""
    ex, ey = _board_extent_x(board, theta)
    gap_end = rng.uniform(15, 110)
    cy = table.end_y_mm + gap_end + ey / 2
    ext = _leg_x_extent(drop, cy - ey / 2 - 20, cy + ey / 2 + 20)
    lo, hi = ext["left"][0], ext["right"][1]
    clear = rng.uniform(8, 40) if side != "between" else 5.0
    if side == "right":
        cx = hi + clear + ex / 2
    elif side == "left":
        cx = lo - clear - ex / 2
    else:
        if ext["right"][0] - ext["left"][1] < ex + 2 * clear:
            return None
        cx = (ext["left"][1] + ext["right"][0]) / 2
    # Slide the patient across the table (within reason) so the board's far side stays on it.
    half = table.width_mm / 2
    over = abs(cx) + ex / 2 - half
    shift = 0.0
    if over > 0 and side != "between":
        shift = -np.sign(cx) * min(over, rng.uniform(0, 120))
        if lo + shift < -half + 25 or hi + shift > half - 25:
            shift = 0.0
    cx += shift
    overhang = max(0.0, abs(cx) + ex / 2 - half)
    if overhang > MAX_OVERHANG_MM or lo + shift < -half + 20 or hi + shift > half - 20:
        return None
    # Board centre (cx, cy) in this table-centred frame -> its origin, which is the scene's origin.
    A = rot_deg("z", -theta)  # table frame (the board's) -> axis frame
    centre_table = np.array([board.width_mm / 2, -board.height_mm / 2, 0.0])
    origin = np.array([cx, cy, 0.0]) - A @ centre_table
    table = replace(table, centre_x_mm=float(table.centre_x_mm - origin[0]), end_y_mm=float(table.end_y_mm - origin[1]))
    (lx, ly), (rx, ry) = drop.patient.ankle_mm
    ankles = ((lx + shift - origin[0], ly - origin[1]), (rx + shift - origin[0], ry - origin[1]))
    return table, ankles, overhang


def _fit_distance(scene: Scene, points_table: np.ndarray, margin: float) -> float:
    """Smallest camera distance (mm) at which all points project inside the frame with ``margin`` (share)."""
    lo, hi = 300.0, 4000.0
    for _ in range(30):
        mid = (lo + hi) / 2
        s = replace(scene, distance_mm=mid)
        t2c = s.table2cam()
        cam = points_table @ t2c.R.T + t2c.t
        ok = np.all(cam[:, 2] > 50)
        if ok:
            px = project_cam(s, cam)
            mx, my = margin * s.width, margin * s.height
            ok = bool(np.all((px[:, 0] > mx) & (px[:, 0] < s.width - mx) & (px[:, 1] > my) & (px[:, 1] < s.height - my)))
        lo, hi = (lo, mid) if ok else (mid, hi)
    return hi


def edges_in_view(scene: Scene, min_mm: float = 150.0, world=None) -> list:
    """Which table edges ("left", "right" long edges, "end") show over at least ``min_mm`` in the photo.

    A stretch of edge counts where it is inside the frame and not hidden (by the legs, the
    feet or the board's overhang).

    Parameters
    ----------
    scene : Scene
        A drop-table scene.
    min_mm : float
        Shortest visible stretch that counts, mm along the edge.
    world : World, optional
        Its ray-casting world, when one is at hand.

    Returns
    -------
    list of str
        A subset of ["left", "right", "end"].
    """
    from .drop_world import World

    world = world or World(scene, light=False)
    drop, tb = scene.drop, scene.drop.table
    a2t = drop.axis2table()
    t2c = scene.table2cam()
    y1 = tb.end_y_mm + min(tb.length_mm, 2500.0)
    lines = {"left": ((tb.x_left_mm, tb.end_y_mm), (tb.x_left_mm, y1)),
             "right": ((tb.x_right_mm, tb.end_y_mm), (tb.x_right_mm, y1)),
             "end": ((tb.x_left_mm, tb.end_y_mm), (tb.x_right_mm, tb.end_y_mm))}
    out = []
    for name, (a, b) in lines.items():
        k = np.linspace(0, 1, 400)[:, None]
        pts = np.column_stack([np.asarray(a) * (1 - k) + np.asarray(b) * k, np.zeros(len(k))])
        step = np.linalg.norm(np.subtract(b, a)) / (len(k) - 1)
        cam = (pts @ a2t.T) @ t2c.R.T + t2c.t
        front = cam[:, 2] > 50
        if not np.any(front):
            continue
        px = project_cam(scene, cam[front])
        inside = (px[:, 0] > 2) & (px[:, 0] < scene.width - 2) & (px[:, 1] > 2) & (px[:, 1] < scene.height - 2)
        p_axis = pts[front][inside]
        if len(p_axis) == 0:
            continue
        # Seen: the ray to the edge point reaches it (a hair inside the top, which owns the edge).
        inward = np.array([1.0 if name == "left" else -1.0 if name == "right" else 0.0, 1.0 if name == "end" else 0.0, -0.3])
        hit = world.trace((p_axis + inward - world.C).astype(np.float32))
        seen = np.abs(hit["t"] - 1.0) * np.linalg.norm(p_axis - world.C, axis=1) < 3.0
        if seen.sum() * step >= min_mm:
            out.append(name)
    return out


def random_drop_scene(rng: np.random.Generator, *, width: int = 4032, height: int = 3024, footwear=None, cover=None,
                      floor=None, view_side=None, elevation_deg=(45.0, 90.0), board_side=None, board_angle_deg=(-5.0, 5.0),
                      lld_mm=(-12.0, 12.0), edge_in_view=None, tabs: bool = False, board=DEFAULT_BOARD,
                      tries: int = 60, **overrides) -> Scene:
    """A photo of the real set-up at a drop table, drawn at random; labels in ``scene.drop.labels``.

    Parameters
    ----------
    rng : numpy.random.Generator
    width, height : int
        Photo size, pixels (12 MP by default; any size for tests).
    footwear, cover, floor, view_side, board_side : str, optional
        Fix a label (names of :data:`~legcheck.synth.droptable.FOOTWEAR`, ``COVERS``, ``FLOORS``,
        :data:`VIEW_SIDES`, "left"/"right"/"between"); drawn at random when None.
    elevation_deg, board_angle_deg, lld_mm : float or (lo, hi)
        Values or uniform ranges: the view's elevation, the board's angle to the table's axis,
        the true lld_mm (left minus right heel along the table's axis).
    edge_in_view : bool, optional
        Require a long side edge of the table in the photo (True) or neither (False).
    tabs : bool
        Stick the heel tabs on the heels (tabs mode).
    board : BoardSpec
    **overrides
        Scene fields to set on the result (e.g. ``noise``, ``jpeg_quality``).

    Returns
    -------
    Scene
        With ``drop`` set; its ``truth()`` is the sidecar.

    Raises
    ------
    RuntimeError
        No scene met the constraints in ``tries`` draws.
    """
    def pick(r):
        return float(rng.uniform(*r)) if isinstance(r, tuple) else float(r)

    for _ in range(tries):
        fw = _pick(rng, footwear, tuple(FOOTWEAR))
        # With the board beside the legs a long edge is next to it: photos without one have it between them.
        sides = ("between",) if edge_in_view is False else ("left", "right", "left", "right", "between")
        side = _pick(rng, board_side, sides)
        between = side == "between"
        table = TableSpec(width_mm=float(rng.uniform(680 if edge_in_view is False else 620, 700) if between
                                         else rng.uniform(550, 700)),
                          cushion_mm=float(rng.uniform(60, 100)), height_mm=float(rng.uniform(500, 800)),
                          edge_radius_mm=float(rng.uniform(6, 18)), cover=_pick(rng, cover, COVERS),
                          paper_width_mm=float(rng.uniform(440, 540)), paper_offset_mm=float(rng.uniform(-30, 30)),
                          paper_angle_deg=float(rng.uniform(-1.5, 1.5)), base_inset_mm=float(rng.uniform(80, 160)))
        fl = FloorSpec(kind=_pick(rng, floor, FLOORS), tile_mm=float(rng.choice([300.0, 400.0, 450.0, 600.0])),
                       angle_deg=float(rng.uniform(0, 90)), offset_mm=tuple(float(v) for v in rng.uniform(0, 600, 2)))
        # Between the legs: ankles far enough apart for the board and a little room on each side.
        ex = _board_extent_x(board, 5.0)[0]
        spacing = float(ex + 2 * (72 + rng.uniform(15, 40)) if between else rng.uniform(130, 260))
        patient, lld = _patient(rng, fw, spacing, pick(lld_mm), between)
        overhang0 = -float(rng.uniform(15, 70))
        (lx, _), (rx, _) = patient.ankle_mm
        patient = replace(patient, ankle_mm=((lx, overhang0), (rx, overhang0)))
        light = LightSpec(elevation_deg=float(rng.uniform(45, 85)), azimuth_deg=float(rng.uniform(-180, 180)),
                          radius_deg=float(rng.uniform(3, 15)), key=float(rng.uniform(0.6, 1.0)),
                          ambient=float(rng.uniform(0.25, 0.5)))
        theta = pick(board_angle_deg)
        drop = _with_lld(DropScene(table=table, floor=fl, patient=patient, light=light, board_to_table_deg=theta,
                                   board_side=side, tabs_on_heels=tabs), lld)
        placed = _place(rng, table, drop, board, side, theta)
        if placed is None:
            continue
        table, ankles, overhang = placed
        drop = replace(drop, table=table, patient=replace(drop.patient, ankle_mm=ankles))
        scene = _camera(rng, drop, board, width, height, view_side, pick(elevation_deg), tight=edge_in_view is False)
        if scene is None:
            continue
        edges = edges_in_view(scene)
        if edge_in_view is not None and bool(set(edges) & {"left", "right"}) != edge_in_view:
            continue
        labels = {"family": "drop table" + (" tabs" if tabs else ""), "footwear": fw, "cover": table.cover,
                  "floor": fl.kind, "view_band": view_band(scene.elevation_deg),
                  "view_side": scene.drop.labels[0][1], "board_side": side, "edges_in_view": ",".join(edges),
                  "board_overhang_mm": round(float(overhang), 1), "legwear": drop.patient.legwear}
        drop = replace(scene.drop, labels=tuple(labels.items()))
        scene = replace(scene, drop=drop)
        if tabs:
            scene = replace(scene, **heel_tabs(drop), show_tabs=("left", "right"))
        return replace(scene, **overrides)
    raise RuntimeError("no drop-table scene met the constraints in the tries given")


def _camera(rng, drop: DropScene, board, width: int, height: int, view_side, elevation: float, tight: bool = False):
    """A phone camera that frames both heels and the board; None when it cannot."""
    vs = _pick(rng, view_side, ("foot end", "head side") if tight else tuple(VIEW_SIDES))
    base = VIEW_SIDES[vs]
    if vs == "side":  # stand on the board's side so the legs do not hide it
        base = -90.0 if drop.board_side == "right" else 90.0
        if drop.board_side == "between":
            base = float(rng.choice([-90.0, 90.0]))
    az = base + float(rng.uniform(-25, 25))
    a2t = drop.axis2table()
    m = BOARD_PAPER_MARGIN_MM
    bc = np.array([[-m, m, 0], [board.width_mm + m, m, 0], [board.width_mm + m, -board.height_mm - m, 0],
                   [-m, -board.height_mm - m, 0]], float)
    # Both feet whole (heels to toes) and the board must be in the frame.
    if tight:  # the heels and the board only: the frame stays inside the table's long sides
        pad = np.array([[dx, dy, dz] for dx in (-50, 50) for dy in (-50, 50) for dz in (-30, 30)], float)
        feet = [h.point_mm + pad for h in heel_landmarks(drop).values()]
    else:  # both feet whole, heels to toes
        feet = [mm.verts[mm.rest[:, 2] < 10.0][::50] for mm in posed_meshes(drop) if mm.kind in ("limb", "shoe")]
    feet_t = np.concatenate(feet).astype(np.float64) @ a2t.T
    pts = np.concatenate([bc, feet_t])
    target = 0.5 * (pts.min(axis=0) + pts.max(axis=0))
    target[2] = 20.0
    f = width * float(rng.uniform(0.70, 0.85))
    k1 = float(rng.uniform(0.0, 0.03))
    scene = Scene(width=width, height=height, focal_px=f,
                  principal_px=((width - 1) / 2 + float(rng.uniform(-15, 15)), (height - 1) / 2 + float(rng.uniform(-15, 15))),
                  dist=(k1, -0.3 * k1, 0.0, 0.0, 0.0), elevation_deg=elevation, azimuth_deg=az,
                  roll_deg=float(rng.uniform(-8, 8)), target_mm=tuple(float(v) for v in target), show_tabs=(),
                  drop=replace(drop, labels=(("view_side", vs),)), light_gain=float(rng.uniform(0.85, 1.1)),
                  light_gradient=(float(rng.uniform(-0.2, 0.2)), float(rng.uniform(-0.2, 0.2))),
                  vignette=float(rng.uniform(0.0, 0.3)), blur_px=float(rng.uniform(0.5, 1.1)),
                  noise=float(rng.uniform(0.002, 0.01)), jpeg_quality=int(rng.integers(75, 96)),
                  seed=int(rng.integers(0, 2**31)))
    d = _fit_distance(scene, pts, 0.015 if tight else 0.05)
    d *= float(1.0 if tight else rng.uniform(1.0, 1.35))
    if d < 450 or d > 2000:
        return None
    scene = replace(scene, distance_mm=d)
    if scene.camera_centre_mm()[2] < 250:
        return None
    return scene


def heel_tabs(drop: DropScene) -> dict:
    """``left_tab``/``right_tab`` placements for heel tabs stuck on the heel landmarks (table frame).

    Each card touches its heel at the landmark, its printed face looking along the landmark
    direction (back and down from the heel: up and towards the foot end), the print's top
    towards the head; the card's centre is the marker's, 1 mm off the heel.
    """
    a2t = drop.axis2table()
    out = {}
    for side, h in heel_landmarks(drop).items():
        out_n = h.direction / np.linalg.norm(h.direction)  # the face's outward normal, axis frame
        z_tab = -out_n  # into the card
        up = np.array([0.0, 1.0, 0.0])  # the print's top towards the head
        y_tab = -(up - (up @ z_tab) * z_tab)
        y_tab /= np.linalg.norm(y_tab)
        x_tab = np.cross(y_tab, z_tab)
        R = a2t @ np.column_stack([x_tab, y_tab, z_tab])
        centre = a2t @ (h.point_mm + out_n * 1.0)
        out[f"{side}_tab"] = TabPlacement(tuple(float(v) for v in centre), rotation=tuple(tuple(float(v) for v in r) for r in R))
    return out


def random_family_scene(rng: np.random.Generator, family: str, *, width: int = 4032, height: int = 3024,
                        **kw) -> Scene:
    """One random scene of a named family (see :data:`FAMILIES`); keyword arguments go to its generator.

    Parameters
    ----------
    rng : numpy.random.Generator
    family : str
        "plain tabs" and "plain feet" (the original layout: endless table, board caudal of the
        heels), "drop table" (feet hanging off a real table's end) and "drop table tabs" (the
        same with heel tabs on the heels).

    Returns
    -------
    Scene
    """
    from .families import random_visible_feet_scene, random_visible_scene

    if family == "plain tabs":
        return random_visible_scene(rng, width=width, height=height, **kw)
    if family == "plain feet":
        return random_visible_feet_scene(rng, width=width, height=height, **kw)
    if family in ("drop table", "drop table tabs"):
        return random_drop_scene(rng, width=width, height=height, tabs=family.endswith("tabs"), **kw)
    raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")


FAMILIES = ("plain tabs", "plain feet", "drop table", "drop table tabs")
