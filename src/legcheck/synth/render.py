"""Synthetic scene renderer: the table, the board and two heel tabs, seen by a phone.

Used by the tests, the benchmark and ``sample_images/``: every rendered photo
comes with a sidecar JSON holding the truth (heel positions in the table frame,
lld_mm, the camera). Rendering is exact ray casting, not an approximation:
each photo pixel (distorted) is undistorted to its ray, the ray is intersected
with each plane (table, tab cards), and the plane's texture is sampled there.
Textures are area-sampled at about the photo's resolution (:mod:`legcheck.raster`).
Then, in linear light: shading and a lighting gradient, optical blur, shot and
read noise; then the sRGB tone curve, 8-bit quantisation and JPEG compression.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .._cv import cv2
from ..geometry import Pose
from ..targets.raster import board_rects_mm, paint_rects, tab_rects_mm
from .feet import FeetSpec, ray_ellipsoids, shade, shadow_factor
from ..targets.spec import BOARD2TABLE, DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec

SCENE_KIND = "legcheck-scene"
#: Anti-aliasing prefilter of every texture, in photo pixels (Gaussian sigma).
PREFILTER_PX = 0.6
#: Paper margin printed around the board's squares, mm.
BOARD_PAPER_MARGIN_MM = 12.0
#: Linear-light reflectances.
PAPER_RGB = (0.78, 0.80, 0.80)  # BGR order throughout, as OpenCV images
INK_RGB = (0.035, 0.035, 0.04)
TABLE_COLOURS = {
    "burgundy vinyl": (0.05, 0.04, 0.20),
    "black vinyl": (0.035, 0.035, 0.035),
    "brown vinyl": (0.04, 0.08, 0.14),
    "blue vinyl": (0.18, 0.07, 0.03),
    "grey cloth": (0.22, 0.22, 0.21),
    "white paper roll": (0.62, 0.66, 0.66),
    "patterned beige": (0.30, 0.42, 0.50),
}


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

    def tab2table(self) -> Pose:
        """Tab frame (x right as printed, y down the print, z into the card) to table frame."""
        def rot(axis, deg):
            a = math.radians(deg)
            c, s = math.cos(a), math.sin(a)
            if axis == "x":
                return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
            if axis == "y":
                return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
            return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])

        # Flat on the table like the board, then rolled in plane, tilted towards the foot end, yawed.
        R = rot("z", self.yaw_deg) @ rot("y", self.side_tilt_deg) @ rot("x", self.tilt_deg) @ BOARD2TABLE @ rot("z", self.roll_deg)
        return Pose(R, np.asarray(self.centre_mm, dtype=np.float64))


@dataclass(frozen=True)
class Scene:
    """Everything that defines one rendered photo. Angles in degrees, lengths in mm, image sizes in px."""

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

    @property
    def K(self) -> np.ndarray:
        cx, cy = self.principal_px if self.principal_px else ((self.width - 1) / 2, (self.height - 1) / 2)
        return np.array([[self.focal_px, 0, cx], [0, self.focal_px, cy], [0, 0, 1]], dtype=np.float64)

    def table2cam(self) -> Pose:
        e, a = math.radians(self.elevation_deg), math.radians(self.azimuth_deg)
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
        t2c = self.table2cam()
        return Pose(t2c.R @ BOARD2TABLE, t2c.t)

    def truth(self) -> dict:
        if self.feet is not None:
            left = np.asarray(self.feet.left_heel_mm, dtype=float)
            right = np.asarray(self.feet.right_heel_mm, dtype=float)
        else:
            left = np.asarray(self.left_tab.centre_mm, dtype=float)
            right = np.asarray(self.right_tab.centre_mm, dtype=float)
        b2c = self.board2cam()
        return {
            "kind": SCENE_KIND, "version": 1,
            "lld_mm": float(left[1] - right[1]),
            "left_heel_mm": left.tolist(), "right_heel_mm": right.tolist(),
            "view_elevation_deg": self.elevation_deg,
            "camera_matrix": self.K.tolist(), "dist_coeffs": list(self.dist),
            "image_size": [self.width, self.height],
            "board2cam": {"R": b2c.R.tolist(), "t_mm": b2c.t.tolist()},
            "scene": _scene_to_json(self),
        }


def _scene_to_json(scene: Scene) -> dict:
    d = asdict(scene)
    d["board"] = scene.board.to_dict()
    d["tabs"] = scene.tabs.to_dict()
    d["feet"] = None if scene.feet is None else asdict(scene.feet)
    return d


def scene_from_json(d: dict) -> Scene:
    d = dict(d)
    d["board"] = BoardSpec(**d["board"])
    d["tabs"] = TabSpec(**d["tabs"])
    for k in ("left_tab", "right_tab"):
        t = dict(d[k])
        t["centre_mm"] = tuple(t["centre_mm"])
        d[k] = TabPlacement(**t)
    for k in ("dist", "target_mm", "light_gradient", "tab_shading", "show_tabs", "board_scale_xy"):
        if k not in d:
            continue
        d[k] = tuple(d[k])
    if d.get("principal_px") is not None:
        d["principal_px"] = tuple(d["principal_px"])
    if d.get("feet"):
        f = {k: tuple(v) if isinstance(v, list) else v for k, v in d["feet"].items()}
        d["feet"] = FeetSpec(**f)
    return Scene(**d)


# -- rays ------------------------------------------------------------------------------------

def _ray_grid(scene: Scene, step: int = 8) -> np.ndarray:
    """Normalised undistorted coordinates on a grid every ``step`` photo pixels, (rows, cols, 2) float32."""
    cv = cv2()
    W, H = scene.width, scene.height
    gx = np.arange(0, W + step, step, dtype=np.float64)
    gy = np.arange(0, H + step, step, dtype=np.float64)
    px = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 1, 2)
    K = scene.K
    if any(scene.dist):
        crit = (cv.TERM_CRITERIA_COUNT | cv.TERM_CRITERIA_EPS, 100, 1e-12)
        norm = cv.undistortPoints(px, K, np.asarray(scene.dist, dtype=np.float64), None, None, None, crit)
    else:
        norm = cv.undistortPoints(px, K, None)
    return norm.reshape(len(gy), len(gx), 2).astype(np.float32)


def _rays_at(grid: np.ndarray, u: np.ndarray, v: np.ndarray, step: int = 8):
    """(xn, yn) at photo pixel positions (u, v) (any shape, float), interpolated from the grid."""
    cv = cv2()
    mx = np.atleast_2d(np.asarray(u, np.float32) / step)
    my = np.atleast_2d(np.asarray(v, np.float32) / step)
    xn = cv.remap(grid[..., 0], mx, my, cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
    yn = cv.remap(grid[..., 1], mx, my, cv.INTER_LINEAR, borderMode=cv.BORDER_REPLICATE)
    return xn.reshape(np.shape(u)), yn.reshape(np.shape(u))


def _pixel_rays(scene: Scene, step: int = 8, grid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Normalised undistorted coordinates (xn, yn) of every photo pixel, each (H, W) float32.

    The inverse distortion is solved on a grid every ``step`` pixels and interpolated
    bilinearly: the field is smooth, the interpolation error is ~1e-3 px.
    """
    cv = cv2()
    W, H = scene.width, scene.height
    grid = _ray_grid(scene, step) if grid is None else grid
    mx = np.tile((np.arange(W, dtype=np.float32) / step)[None, :], (H, 1))
    my = np.tile((np.arange(H, dtype=np.float32) / step)[:, None], (1, W))
    xn = cv.remap(grid[..., 0], mx, my, cv.INTER_LINEAR)
    yn = cv.remap(grid[..., 1], mx, my, cv.INTER_LINEAR)
    return xn, yn


def _plane_coords(xn, yn, plane2cam: Pose):
    """Where each pixel's ray meets a plane (its z = 0): plane (x, y) in mm, and a front-facing mask."""
    cv = cv2()
    # Homography from plane (x, y, 1) to normalised image coordinates, inverted.
    H = np.column_stack([plane2cam.R[:, 0], plane2cam.R[:, 1], plane2cam.t])
    Hinv = np.linalg.inv(H)
    pts = np.stack([xn, yn], axis=-1).reshape(-1, 1, 2)
    xy = cv.perspectiveTransform(pts, Hinv).reshape(xn.shape + (2,))
    # In front of the camera: depth along the ray positive.
    # (x, y, 1) = depth * Hinv @ (xn, yn, 1): the third row gives 1 / depth, positive in front.
    front = (Hinv[2, 0] * xn + Hinv[2, 1] * yn + Hinv[2, 2]) > 0
    return xy[..., 0], xy[..., 1], front


def _texture_ppm(scene: Scene, plane_centre_cam_z: float) -> float:
    return float(np.clip(1.5 * scene.focal_px / max(plane_centre_cam_z, 100.0), 2.0, 24.0))


def _sample(texture: np.ndarray, ppm: float, origin_mm, x_mm, y_mm) -> np.ndarray:
    cv = cv2()
    mx = ((x_mm - origin_mm[0]) * ppm - 0.5).astype(np.float32)
    my = ((y_mm - origin_mm[1]) * ppm - 0.5).astype(np.float32)
    return cv.remap(texture.astype(np.float32), mx, my, cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT, borderValue=0)


def _board_layers(scene: Scene, ppm: float):
    """Board texture (1 = paper, 0 = ink) and paper mask, board frame, origin at -margin."""
    m = BOARD_PAPER_MARGIN_MM
    spec = scene.board
    w = int(math.ceil((spec.width_mm + 2 * m) * ppm)) + 2
    h = int(math.ceil((spec.height_mm + 2 * m) * ppm)) + 2
    ink = np.ones((h, w))
    paint_rects(ink, board_rects_mm(spec), ppm, origin_mm=(-m - 1 / ppm, -m - 1 / ppm))
    paper = np.zeros((h, w))
    paint_rects(paper, [(-m, -m, spec.width_mm + m, spec.height_mm + m)], ppm, origin_mm=(-m - 1 / ppm, -m - 1 / ppm), value=1.0)
    return ink, paper, (-m - 1 / ppm, -m - 1 / ppm)


def _tab_layers(spec: TabSpec, marker_id: int, label: str, ppm: float):
    """Tab card texture and mask, tab frame (marker centre at 0), with an L/R caption below the marker."""
    cv = cv2()
    half = spec.tab_mm / 2 + spec.margin_mm
    caption = 0.35 * spec.tab_mm
    x0, y0 = -half - 1 / ppm, -half - 1 / ppm
    w = int(math.ceil(2 * half * ppm)) + 3
    h = int(math.ceil((2 * half + caption) * ppm)) + 3
    ink = np.ones((h, w))
    paint_rects(ink, tab_rects_mm(spec, marker_id), ppm, origin_mm=(x0, y0))
    # Caption: a letter in the strip below the marker's margin (outside the detector's quiet zone).
    scale = caption * ppm / 30.0
    org = (int((-0.12 * spec.tab_mm - x0) * ppm), int((half + 0.8 * caption - y0) * ppm))
    text = np.zeros((h, w), np.uint8)
    cv.putText(text, label, org, cv.FONT_HERSHEY_SIMPLEX, scale, 255, max(1, int(scale * 2)), cv.LINE_AA)
    ink *= 1.0 - text / 255.0
    card = np.zeros((h, w))
    paint_rects(card, [(-half, -half, half, half + caption)], ppm, origin_mm=(x0, y0), value=1.0)
    return ink, card, (x0, y0)


def _bbox(scene: Scene, plane2cam: Pose, corners_plane_mm: np.ndarray, pad: int = 6):
    """Pixel box (r0, r1, c0, c1) holding a planar patch's image, or None when it is off-screen."""
    cv = cv2()
    cam = corners_plane_mm @ plane2cam.R.T + plane2cam.t
    if np.any(cam[:, 2] <= 1.0):
        return 0, scene.height, 0, scene.width  # straddles the camera plane: do it all
    # Sample the patch's edges densely: with distortion its image edges are curved.
    k = np.linspace(0, 1, 16)[:, None]
    pts = np.concatenate([corners_plane_mm[i] * (1 - k) + corners_plane_mm[(i + 1) % 4] * k for i in range(4)])
    # Project camera-frame points: plane2cam.R may scale (a mis-scaled print), which a rvec cannot hold.
    px = cv.projectPoints(pts @ plane2cam.R.T + plane2cam.t, np.zeros(3), np.zeros(3), scene.K,
                          np.asarray(scene.dist, float))[0].reshape(-1, 2)
    c0, r0 = np.floor(px.min(axis=0)).astype(int) - pad
    c1, r1 = np.ceil(px.max(axis=0)).astype(int) + pad
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, scene.width), min(r1, scene.height)
    if c1 <= c0 or r1 <= r0:
        return None
    return r0, r1, c0, c1


def _feet_bbox(scene: Scene, points_table: np.ndarray, pad: int = 8):
    cv = cv2()
    t2c = scene.table2cam()
    cam = points_table @ t2c.R.T + t2c.t
    cam = cam[cam[:, 2] > 10]
    if len(cam) == 0:
        return None
    px = cv.projectPoints(cam, np.zeros(3), np.zeros(3), scene.K, np.asarray(scene.dist, float))[0].reshape(-1, 2)
    c0, r0 = np.floor(px.min(axis=0)).astype(int) - pad
    c1, r1 = np.ceil(px.max(axis=0)).astype(int) + pad
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, scene.width), min(r1, scene.height)
    return None if c1 <= c0 or r1 <= r0 else (r0, r1, c0, c1)


def _box_corners(ellipsoids):
    pts = []
    for c, R, ax in ellipsoids:
        for sx in (-1, 1):
            for sy in (-1, 1):
                for sz in (-1, 1):
                    pts.append(c + R @ (ax * np.array([sx, sy, sz])))
    return np.array(pts)


def _render_feet(scene: Scene, img: np.ndarray, grid: np.ndarray, xn, yn, ss: int = 4):
    """Cast rays at the feet and darken the table in their shadows, in place.

    One ray per pixel inside the silhouettes; ``ss`` x ``ss`` rays on the pixels along
    the silhouette edges, so the outline is exactly anti-aliased.
    """
    cv = cv2()
    feet = scene.feet
    t2c = scene.table2cam()
    origin = -t2c.R.T @ t2c.t
    ells = feet.all_ellipsoids()
    corners = _box_corners(ells)

    def dirs_at(u, v):
        sx, sy = _rays_at(grid, u, v)
        return np.stack([sx.ravel(), sy.ravel(), np.ones(sx.size, np.float32)], -1).astype(np.float64) @ t2c.R

    def trace(d):
        t, normal = ray_ellipsoids(origin, d, ells)
        t_table = np.where(d[:, 2] < 0, -origin[2] / np.where(d[:, 2] < 0, d[:, 2], -1.0), np.inf)
        return np.isfinite(t) & (t < t_table), normal

    if feet.shadow > 0:
        light = np.asarray(feet.light_dir, float) / np.linalg.norm(feet.light_dir)
        shadow_pts = corners - (corners[:, 2:3] / light[2]) * light[None, :]
        box = _feet_bbox(scene, np.concatenate([corners * [1, 1, 0], shadow_pts]))
        if box is not None:
            r0, r1, c0, c1 = box
            k = 4  # the penumbra is soft: trace shadows every 4th pixel
            vv, uu = np.mgrid[r0:r1:k, c0:c1:k].astype(np.float32)
            d = dirs_at(uu, vv)
            t = -origin[2] / np.where(d[:, 2] < -1e-9, d[:, 2], -1e-9)
            f = shadow_factor(origin + t[:, None] * d, feet).reshape(uu.shape).astype(np.float32)
            f = cv.resize(cv.GaussianBlur(f, (0, 0), 1.0), (c1 - c0, r1 - r0), interpolation=cv.INTER_LINEAR)
            img[r0:r1, c0:c1] *= f[..., None]
    box = _feet_bbox(scene, corners)
    if box is None:
        return
    r0, r1, c0, c1 = box
    vv, uu = np.mgrid[r0:r1, c0:c1].astype(np.float32)
    d = dirs_at(uu, vv)
    hit, normal = trace(d)
    sub = img[r0:r1, c0:c1]
    flat = sub.reshape(-1, 3)
    under = flat.copy()
    if np.any(hit):
        flat[hit] = shade(normal[hit], d[hit], feet).astype(np.float32)
    # Edge pixels: any pixel whose 3x3 neighbourhood is not all hit or all miss.
    m = hit.reshape(uu.shape).astype(np.uint8)
    edge = (cv.dilate(m, np.ones((3, 3), np.uint8)) != cv.erode(m, np.ones((3, 3), np.uint8))).ravel()
    idx = np.nonzero(edge)[0]
    if idx.size:
        acc = np.zeros((idx.size, 3), np.float64)
        for i in range(ss):
            for j in range(ss):
                du, dv = (j + 0.5) / ss - 0.5, (i + 0.5) / ss - 0.5
                ds = dirs_at(uu.ravel()[idx] + du, vv.ravel()[idx] + dv)
                h, nrm = trace(ds)
                col = under[idx].astype(np.float64)
                if np.any(h):
                    col[h] = shade(nrm[h], ds[h], feet)
                acc += col
        flat[idx] = (acc / (ss * ss)).astype(np.float32)
    img[r0:r1, c0:c1] = flat.reshape(sub.shape)


def render_linear(scene: Scene) -> np.ndarray:
    """Noise-free linear-light BGR image (H, W, 3) float32, before blur."""
    cv = cv2()
    grid = _ray_grid(scene)
    xn, yn = _pixel_rays(scene, grid=grid)
    H, W = xn.shape
    rng = np.random.default_rng(scene.seed)
    table_rgb = np.array(TABLE_COLOURS[scene.table], dtype=np.float32)
    # Table covering: its colour with a faint, smooth mottling (vinyl grain is below the blur).
    mott = rng.normal(0, 0.04, (H // 64 + 1, W // 64 + 1)).astype(np.float32)
    mott = cv.resize(cv.GaussianBlur(mott, (0, 0), 2), (W, H), interpolation=cv.INTER_CUBIC)
    img = (1 + mott)[..., None] * table_rgb[None, None, :]
    if scene.table.startswith("patterned"):
        # A quilted diamond pattern in the covering, 40 mm period, +-18 % brightness.
        tx, ty, tfront = _plane_coords(xn, yn, scene.board2cam())
        pat = 0.18 * np.cos(2 * np.pi * (tx + ty) / 40.0) * np.cos(2 * np.pi * (tx - ty) / 40.0)
        img *= (1 + pat.astype(np.float32))[..., None]
    paper_rgb, ink_rgb = np.array(PAPER_RGB, np.float32), np.array(INK_RGB, np.float32)

    def layer(plane2cam: Pose, corners_mm, texture, mask, origin, ppm, shade=1.0, shadow=None):
        box = _bbox(scene, plane2cam, corners_mm)
        if box is None:
            return
        r0, r1, c0, c1 = box
        # Band-limit the texture before point-sampling it at pixel centres: without this an edge
        # nearly parallel to the pixel grid is quantised to whole pixels (up to 0.5 px of bias).
        # sigma is PREFILTER_PX photo pixels at the patch's farthest point.
        z_far = float(np.max(corners_mm @ plane2cam.R[2] + plane2cam.t[2]))
        sigma_tex = PREFILTER_PX * ppm * z_far / scene.focal_px
        texture = cv.GaussianBlur(texture.astype(np.float32), (0, 0), sigma_tex)
        mask = cv.GaussianBlur(mask.astype(np.float32), (0, 0), sigma_tex)
        px_, py_, front = _plane_coords(xn[r0:r1, c0:c1], yn[r0:r1, c0:c1], plane2cam)
        a = _sample(mask, ppm, origin, px_, py_) * front
        g = _sample(texture, ppm, origin, px_, py_)
        col = ink_rgb + g[..., None] * (paper_rgb - ink_rgb)
        if shadow is not None:
            col = col * shadow(px_, py_)[..., None]
        sub = img[r0:r1, c0:c1]
        sub += a[..., None] * (col * shade - sub)

    b2c = scene.board2cam()
    if scene.show_board:
        ppm = _texture_ppm(scene, float(b2c.t[2]) * 0.6)
        ink, paper, origin = _board_layers(scene, ppm)
        m = BOARD_PAPER_MARGIN_MM
        bw, bh = scene.board.width_mm, scene.board.height_mm
        corners = np.array([[-m, -m, 0], [bw + m, -m, 0], [bw + m, bh + m, 0], [-m, bh + m, 0]], float)
        shadow = None
        if scene.board_shadow > 0:
            # A soft shadow (the examiner's arm) across part of the board.
            shadow = lambda x, y: (1 - scene.board_shadow / (1 + np.exp(-(x - 0.6 * bw) / 15.0))).astype(np.float32)  # noqa: E731
        # A mis-scaled print: scaling the plane's axes stretches the texture on the table.
        printed = Pose(b2c.R * np.array([*scene.board_scale_xy, 1.0]), b2c.t)
        layer(printed, corners, ink, paper, origin, ppm, shadow=shadow)
    table2cam = scene.table2cam()
    cam_centre = -table2cam.R.T @ table2cam.t
    if scene.feet is not None:
        _render_feet(scene, img, grid, xn, yn)
    placements = {"left": scene.left_tab, "right": scene.right_tab}
    shading = dict(zip(("left", "right"), scene.tab_shading))
    # Draw the farther tab first so a nearer one occludes it.
    order = sorted(scene.show_tabs, key=lambda s: -np.linalg.norm(np.asarray(placements[s].centre_mm) - cam_centre))
    for side in order:
        tab2table = placements[side].tab2table()
        tab2cam = Pose(table2cam.R @ tab2table.R, table2cam.R @ tab2table.t + table2cam.t)
        # Printed face towards the camera: its outward normal (-z of the tab) points at the camera.
        if (tab2cam.R @ np.array([0, 0, -1.0])) @ (-tab2cam.t) <= 0:
            continue
        mid = scene.marker_ids.get(side, scene.tabs.left_id if side == "left" else scene.tabs.right_id)
        tppm = _texture_ppm(scene, float(tab2cam.t[2]) * 0.6)
        tink, card, torigin = _tab_layers(scene.tabs, mid, "L" if side == "left" else "R", tppm)
        half = scene.tabs.tab_mm / 2 + scene.tabs.margin_mm
        cap = 0.35 * scene.tabs.tab_mm
        corners = np.array([[-half, -half, 0], [half, -half, 0], [half, half + cap, 0], [-half, half + cap, 0]], float)
        layer(tab2cam, corners, tink, card, torigin, tppm, shade=shading[side])
    return img


#: Linear light (16-bit) -> sRGB uint8, the phone's tone curve.
_LIN16 = np.arange(65536, dtype=np.float64) / 65535.0
_SRGB_LUT = np.clip(np.round(255.0 * np.where(_LIN16 <= 0.0031308, 12.92 * _LIN16,
                                               1.055 * np.power(_LIN16, 1 / 2.4) - 0.055)), 0, 255).astype(np.uint8)


def _finish(scene: Scene, img: np.ndarray) -> np.ndarray:
    """Lighting, blur, noise, tone curve: linear BGR float32 -> sRGB uint8."""
    cv = cv2()
    H, W = img.shape[:2]
    u = (np.arange(W, dtype=np.float32) / W - 0.5)[None, :]
    v = (np.arange(H, dtype=np.float32) / H - 0.5)[:, None]
    gx, gy = scene.light_gradient
    light = (scene.light_gain * (1 + gx * u + gy * v) * (1 - scene.vignette * (u ** 2 + v ** 2) * 2)).astype(np.float32)
    img *= light[..., None]
    if scene.blur_px > 0:
        img = cv.GaussianBlur(img, (0, 0), scene.blur_px)
    if scene.motion_px > 0:
        n = max(3, int(round(scene.motion_px)) | 1)
        k = np.zeros((n, n), np.float32)
        k[n // 2, :] = 1.0 / n
        img = cv.filter2D(img, -1, k)
    if scene.noise > 0:
        # Read noise plus shot noise (variance growing with the signal).
        cv.setRNGSeed(int(scene.seed) & 0x7FFFFFFF)
        z = np.empty_like(img)
        cv.randn(z, 0.0, 1.0)
        sigma = cv.sqrt(np.maximum(img, 0) * np.float32(0.01 * scene.noise) + np.float32(scene.noise ** 2))
        img = cv.add(img, cv.multiply(z, sigma))
    lin16 = np.clip(img * 65535.0 + 0.5, 0, 65535).astype(np.uint16)
    return _SRGB_LUT[lin16]


def render(scene: Scene) -> np.ndarray:
    """The photo as the phone would store it before compression: BGR uint8 (H, W, 3)."""
    return _finish(scene, render_linear(scene))


def encode_jpeg(bgr: np.ndarray, quality: int, exif: dict | None = None) -> bytes:
    """JPEG bytes, optionally with an EXIF block ({tag: value}; 0x8769 sub-IFD tags as {"exif": {...}})."""
    cv = cv2()
    ok, buf = cv.imencode(".jpg", bgr, [cv.IMWRITE_JPEG_QUALITY, int(quality)])
    data = buf.tobytes()
    if not exif:
        return data
    from PIL import Image

    ex = Image.Exif()
    for k, v in exif.items():
        if k != "exif":
            ex[k] = v
    if "exif" in exif:
        ifd = ex.get_ifd(0x8769)
        ifd.update(exif["exif"])
    payload = ex.tobytes()
    if not payload.startswith(b"Exif\x00\x00"):
        payload = b"Exif\x00\x00" + payload
    seg = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:2] + seg + data[2:]


def write_scene(scene: Scene, path, exif: dict | None = None, stored_orientation: int = 1) -> dict:
    """Render, save as JPEG (or PNG by suffix) with a ``.json`` sidecar of the truth; return the truth.

    ``stored_orientation`` stores the pixels rotated as a phone held sideways does and sets the
    EXIF orientation tag, so a reader that honours EXIF gets the rendered image back.
    """
    cv = cv2()
    path = Path(path)
    bgr = render(scene)
    exif = dict(exif or {})
    if stored_orientation != 1:
        inv = {6: cv.ROTATE_90_COUNTERCLOCKWISE, 8: cv.ROTATE_90_CLOCKWISE, 3: cv.ROTATE_180}[stored_orientation]
        bgr = cv.rotate(bgr, inv)
        exif[0x0112] = stored_orientation
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".png":
        ok, buf = cv.imencode(".png", bgr)
        path.write_bytes(buf.tobytes())
    else:
        path.write_bytes(encode_jpeg(bgr, scene.jpeg_quality, exif or None))
    truth = scene.truth()
    truth["stored_orientation"] = stored_orientation
    path.with_suffix(".json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


# -- random scenes -----------------------------------------------------------------------------

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
    cv = cv2()
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
    px = cv.projectPoints(allp, b2c.rvec, b2c.t, scene.K, np.asarray(scene.dist, float))[0].reshape(-1, 2)
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
    cv = cv2()
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
    px = cv.projectPoints(cam, np.zeros(3), np.zeros(3), scene.K, np.asarray(scene.dist, float))[0].reshape(-1, 2)
    return bool(np.all((px[:, 0] > 10) & (px[:, 0] < scene.width - 10) & (px[:, 1] > 10) & (px[:, 1] < scene.height - 10)))


def random_visible_feet_scene(rng: np.random.Generator, tries: int = 200, **kw) -> Scene:
    for _ in range(tries):
        s = random_feet_scene(rng, **kw)
        if feet_in_view(s):
            return s
    raise RuntimeError("no visible feet scene in the ranges given")


def visible_heel_pixels(scene: Scene, height_mm: float | None = None) -> dict:
    """Where a person sees each heel's caudal extreme in the photo: {"left": (x, y), "right": (x, y)}.

    On the heel ellipsoid's occluding contour (the circle u . C' = 1 in its unit-sphere frame,
    C' the camera centre there), the point whose ray meets the plane z = ``height_mm`` (default:
    the mean heel height) furthest towards the foot end. This is the landmark contour mode looks
    for, and what a person clicks on; from straight above it is the 3D landmark itself.
    """
    cv = cv2()
    feet = scene.feet
    t2c = scene.table2cam()
    C = -t2c.R.T @ t2c.t
    h = height_mm if height_mm is not None else (feet.left_heel_mm[2] + feet.right_heel_mm[2]) / 2
    out = {}
    for side in ("left", "right"):
        c, R, ax = feet.ellipsoids(side)[0]  # the heel
        Cp = (R.T @ (C - c)) / ax
        d = np.linalg.norm(Cp)
        n = Cp / d
        # Circle of tangency: centre n / d, radius sqrt(1 - 1/d^2), in the plane normal to n.
        e1 = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(n, e1)
        th = np.linspace(0, 2 * np.pi, 20001)
        r = math.sqrt(max(1 - 1 / d ** 2, 0.0))
        u = n[None, :] / d + r * (np.cos(th)[:, None] * e1 + np.sin(th)[:, None] * e2)
        p = c + (u * ax) @ R.T
        t = (h - C[2]) / (p[:, 2] - C[2])
        y = C[1] + t * (p[:, 1] - C[1])
        best = p[int(np.argmin(y))]
        cam = (best @ t2c.R.T + t2c.t).reshape(1, 3)
        out[side] = tuple(cv.projectPoints(cam, np.zeros(3), np.zeros(3), scene.K,
                                           np.asarray(scene.dist, float))[0].reshape(2))
    return out
