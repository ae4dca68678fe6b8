"""Random scenes of the plain layout: heel tabs, or ellipsoid feet, above an endless table.

Each function draws one plausible photo from uniform ranges with a seeded
``numpy.random.Generator``, so a benchmark's scene set is reproducible. Drop-table
families (the real set-up) are in :mod:`legcheck.synth.drop_families`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..targets.spec import BOARD2TABLE, DEFAULT_BOARD
from .feet import FeetSpec
from .planar import project_cam
from .scene import BOARD_PAPER_MARGIN_MM, TABLE_COLOURS, Scene, TabPlacement


def random_scene(rng: np.random.Generator, *, elevation_deg=(60.0, 90.0), distance_mm=(600.0, 1500.0),
                 width=4032, height=3024, dist_strength=(0.0, 0.0), lld_mm=(-12.0, 12.0), **overrides) -> Scene:
    """A plausible leg-check photo, drawn from the ranges given (tuples are uniform ranges)."""
    def pick(r):
        return float(rng.uniform(*r)) if isinstance(r, tuple) else float(r)

    board = overrides.get("board", DEFAULT_BOARD)
    lld = pick(lld_mm)
    mid_x = board.width_mm / 2 + rng.uniform(-30, 30)
    sep = rng.uniform(140, 230)
    y_mid = rng.uniform(50, 130)
    z_l, z_r = rng.uniform(60, 140, 2)
    if rng.random() < 0.5:  # heels often at nearly the same height
        z_r = float(np.clip(z_l + rng.uniform(-15, 15), 60, 140))
    left = TabPlacement((mid_x - sep / 2, y_mid + lld / 2, z_l), tilt_deg=rng.uniform(0, 45),
                        yaw_deg=rng.uniform(-20, 20), roll_deg=rng.uniform(-15, 15), side_tilt_deg=rng.uniform(-15, 15))
    right = TabPlacement((mid_x + sep / 2, y_mid - lld / 2, z_r), tilt_deg=rng.uniform(0, 45),
                         yaw_deg=rng.uniform(-20, 20), roll_deg=rng.uniform(-15, 15), side_tilt_deg=rng.uniform(-15, 15))
    elevation = pick(elevation_deg)
    f = width * rng.uniform(0.70, 0.85)  # 24-28 mm equivalent main cameras
    k = pick(dist_strength)
    dist = (k, -0.3 * k * rng.uniform(0.5, 1.5), rng.uniform(-1, 1) * 2e-4 * (k > 0), rng.uniform(-1, 1) * 2e-4 * (k > 0), 0.0)
    target = (board.width_mm / 2 + rng.uniform(-20, 20), rng.uniform(-40, 20), rng.uniform(20, 60))
    scene = Scene(
        width=width, height=height, focal_px=f,
        principal_px=((width - 1) / 2 + rng.uniform(-15, 15), (height - 1) / 2 + rng.uniform(-15, 15)),
        dist=dist, elevation_deg=elevation, azimuth_deg=rng.uniform(-12, 12), roll_deg=rng.uniform(-8, 8),
        distance_mm=pick(distance_mm), target_mm=target, left_tab=left, right_tab=right,
        table=str(rng.choice(list(TABLE_COLOURS))), light_gain=rng.uniform(0.7, 1.15),
        light_gradient=(rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)), vignette=rng.uniform(0.0, 0.35),
        tab_shading=(rng.uniform(0.75, 1.0), rng.uniform(0.75, 1.0)), blur_px=rng.uniform(0.5, 1.3),
        noise=rng.uniform(0.002, 0.012), jpeg_quality=int(rng.integers(70, 96)), seed=int(rng.integers(0, 2**31)),
    )
    return replace(scene, **{k: v for k, v in overrides.items() if k != "board"})


def fit_in_view(scene: Scene) -> bool:
    """True when the whole board and both tab cards are inside the frame (10 px margin)."""
    b2c = scene.board2cam()
    m = BOARD_PAPER_MARGIN_MM
    W, H = scene.board.width_mm, scene.board.height_mm
    pts = [np.array([[-m, -m, 0], [W + m, -m, 0], [W + m, H + m, 0], [-m, H + m, 0]], float)]
    half = scene.tabs.tab_mm / 2 + scene.tabs.margin_mm
    for tab in (scene.left_tab, scene.right_tab):
        p = tab.tab2table()
        corners = np.array([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]], float)
        tbl = p.apply(corners)
        pts.append(tbl @ BOARD2TABLE.T)
    allp = np.concatenate(pts)
    cam = allp @ b2c.R.T + b2c.t
    if np.any(cam[:, 2] <= 50):
        return False
    px = project_cam(scene, cam)
    return bool(np.all((px[:, 0] > 10) & (px[:, 0] < scene.width - 10) & (px[:, 1] > 10) & (px[:, 1] < scene.height - 10)))


def random_visible_scene(rng: np.random.Generator, tries: int = 200, **kw) -> Scene:
    """:func:`random_scene` redrawn until board and tabs are all in the frame and the tabs face the camera."""
    for _ in range(tries):
        s = random_scene(rng, **kw)
        if fit_in_view(s) and _tabs_visible(s):
            return s
    raise RuntimeError("no visible scene in the ranges given")


def _tabs_visible(scene: Scene, max_angle_deg: float = 65.0) -> bool:
    t2c = scene.table2cam()
    cam_centre = -t2c.R.T @ t2c.t
    for tab in (scene.left_tab, scene.right_tab):
        p = tab.tab2table()
        normal = p.R @ np.array([0, 0, -1.0])
        to_cam = cam_centre - p.t
        cosang = normal @ to_cam / np.linalg.norm(to_cam)
        if cosang < math.cos(math.radians(max_angle_deg)):
            return False
    return True


#: Foot colour on table covering: the combinations the renderer draws feet with.
FOOT_TABLE_COMBOS = (
    ("light skin", False, "burgundy vinyl"),
    ("white sock", False, "blue vinyl"),
    ("black shoe", True, "grey cloth"),
    ("brown shoe", True, "white paper roll"),
    ("dark skin", False, "patterned beige"),
    ("grey sock", False, "brown vinyl"),
)


def random_feet_scene(rng: np.random.Generator, *, elevation_deg=(60.0, 90.0), distance_mm=(600.0, 1100.0),
                      width=4032, height=3024, lld_mm=(-12.0, 12.0), combo=None, shadow=None,
                      height_diff_mm=3.0, **overrides) -> Scene:
    """A leg-check photo of bare, socked or shod feet (no tabs).

    Both heels stand at one height in 60-140 mm; they differ by up to ``height_diff_mm``
    (same shoes on a level table). ``combo`` indexes :data:`FOOT_TABLE_COMBOS`.
    """
    def pick(r):
        return float(rng.uniform(*r)) if isinstance(r, tuple) else float(r)

    board = DEFAULT_BOARD
    colour, shoe, table = FOOT_TABLE_COMBOS[int(rng.integers(len(FOOT_TABLE_COMBOS))) if combo is None else combo]
    lld = pick(lld_mm)
    mid_x = board.width_mm / 2 + rng.uniform(-30, 30)
    sep = rng.uniform(150, 230)
    y_mid = rng.uniform(70, 140)
    h = rng.uniform(60, 140)
    dh = rng.uniform(-height_diff_mm, height_diff_mm)
    shadow_amt = (rng.uniform(0.3, 0.55) if rng.random() < 0.3 else 0.0) if shadow is None else shadow
    feet = FeetSpec(left_heel_mm=(mid_x - sep / 2, y_mid + lld / 2, h + dh / 2),
                    right_heel_mm=(mid_x + sep / 2, y_mid - lld / 2, h - dh / 2),
                    colour=colour, shoe=shoe, size=rng.uniform(0.9, 1.1),
                    toe_out_deg=(rng.uniform(0, 15), rng.uniform(0, 15)),
                    light_dir=(rng.uniform(-0.4, 0.4), rng.uniform(-0.2, 0.5), 1.0), shadow=shadow_amt)
    f = width * rng.uniform(0.70, 0.85)
    scene = Scene(
        width=width, height=height, focal_px=f,
        principal_px=((width - 1) / 2 + rng.uniform(-15, 15), (height - 1) / 2 + rng.uniform(-15, 15)),
        elevation_deg=pick(elevation_deg), azimuth_deg=rng.uniform(-12, 12), roll_deg=rng.uniform(-8, 8),
        distance_mm=pick(distance_mm), target_mm=(board.width_mm / 2 + rng.uniform(-20, 20), rng.uniform(-20, 40), 40.0),
        table=table, light_gain=rng.uniform(0.8, 1.15), light_gradient=(rng.uniform(-0.25, 0.25), rng.uniform(-0.25, 0.25)),
        vignette=rng.uniform(0.0, 0.3), blur_px=rng.uniform(0.5, 1.2), noise=rng.uniform(0.002, 0.01),
        jpeg_quality=int(rng.integers(75, 96)), seed=int(rng.integers(0, 2**31)), show_tabs=(), feet=feet)
    return replace(scene, **overrides)


def feet_in_view(scene: Scene, margin_mm: float = 60.0) -> bool:
    """Board and both heels (with ``margin_mm`` around each landmark) inside the frame."""
    m = BOARD_PAPER_MARGIN_MM
    W, H = scene.board.width_mm, scene.board.height_mm
    pts = [np.array([[-m, m, 0], [W + m, m, 0], [W + m, -H - m, 0], [-m, -H - m, 0]], float)]
    for heel in (scene.feet.left_heel_mm, scene.feet.right_heel_mm):
        c = np.asarray(heel, float)
        pts.append(c + np.array([[-margin_mm, -margin_mm, 0], [margin_mm, -margin_mm, 0],
                                 [-margin_mm, 2 * margin_mm, 0], [margin_mm, 2 * margin_mm, 0]]))
    allp = np.concatenate(pts)
    t2c = scene.table2cam()
    cam = allp @ t2c.R.T + t2c.t
    if np.any(cam[:, 2] <= 50):
        return False
    px = project_cam(scene, cam)
    return bool(np.all((px[:, 0] > 10) & (px[:, 0] < scene.width - 10) & (px[:, 1] > 10) & (px[:, 1] < scene.height - 10)))


def random_visible_feet_scene(rng: np.random.Generator, tries: int = 200, **kw) -> Scene:
    """:func:`random_feet_scene` redrawn until the board and both heels are in the frame."""
    for _ in range(tries):
        s = random_feet_scene(rng, **kw)
        if feet_in_view(s):
            return s
    raise RuntimeError("no visible feet scene in the ranges given")
