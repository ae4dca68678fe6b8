"""Rays and planes: each photo pixel's ray, where it meets a plane, and the printed textures.

Rendering is exact ray casting: each photo pixel (distorted, as stored) is undistorted to
its ray, the ray is met with each plane (table, board, tab cards, floor), and the plane's
texture is sampled there. Textures are area-sampled at about the photo's resolution
(:mod:`legcheck.targets.raster`) and band-limited by ``PREFILTER_PX`` before they are
point-sampled, so an edge nearly parallel to the pixel grid carries no half-pixel bias.
"""

from __future__ import annotations

import math

import numpy as np

from .._cv import cv2
from ..geometry import Pose
from ..targets.raster import board_rects_mm, paint_rects, tab_rects_mm
from ..targets.spec import TabSpec
from .scene import BOARD_PAPER_MARGIN_MM, Scene

#: Anti-aliasing prefilter of every texture, in photo pixels (Gaussian sigma).
PREFILTER_PX = 0.6
#: Rays are solved exactly every RAY_STEP photo pixels and interpolated between.
RAY_STEP = 8


def remap_points(src: np.ndarray, mx, my, border: int | None = None, value: float = 0.0) -> np.ndarray:
    """Bilinear samples of ``src`` at map coordinates (mx, my) of any shape (OpenCV remap, any count).

    ``border`` is an OpenCV border mode (default: constant ``value``).
    """
    cv = cv2()
    shape = np.shape(mx)
    mx = np.asarray(mx, np.float32).ravel()
    my = np.asarray(my, np.float32).ravel()
    n = mx.size
    cols = 4096 if n > 4096 else max(n, 1)
    rows = -(-n // cols)
    pad = rows * cols - n
    if pad:
        mx = np.concatenate([mx, np.zeros(pad, np.float32)])
        my = np.concatenate([my, np.zeros(pad, np.float32)])
    border = cv.BORDER_CONSTANT if border is None else border
    out = cv.remap(src, mx.reshape(rows, cols), my.reshape(rows, cols), cv.INTER_LINEAR, borderMode=border,
                   borderValue=value)
    return out.reshape(rows * cols, *src.shape[2:])[:n].reshape(shape + src.shape[2:])


def ray_grid(scene: Scene, step: int = RAY_STEP) -> np.ndarray:
    """Normalised undistorted coordinates on a grid every ``step`` photo pixels.

    Returns
    -------
    ndarray, shape (rows, cols, 2), float32
        ``(x/z, y/z)`` of the ray through photo pixel ``(col * step, row * step)``.
    """
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


def rays_at(grid: np.ndarray, u, v, step: int = RAY_STEP):
    """Normalised coordinates ``(xn, yn)`` at photo pixel positions ``(u, v)`` (any shape, float).

    Bilinear interpolation of :func:`ray_grid`'s grid in floating point (OpenCV's remap rounds
    positions to 1/32 of a cell, a quarter pixel here); the field is smooth, the error is ~1e-3 px.
    """
    x = np.asarray(u, np.float64) / step
    y = np.asarray(v, np.float64) / step
    x0 = np.clip(np.floor(x).astype(np.int64), 0, grid.shape[1] - 2)
    y0 = np.clip(np.floor(y).astype(np.int64), 0, grid.shape[0] - 2)
    fx = np.clip(x - x0, 0.0, 1.0)[..., None]
    fy = np.clip(y - y0, 0.0, 1.0)[..., None]
    g = grid.astype(np.float64)
    out = ((g[y0, x0] * (1 - fx) + g[y0, x0 + 1] * fx) * (1 - fy)
           + (g[y0 + 1, x0] * (1 - fx) + g[y0 + 1, x0 + 1] * fx) * fy).astype(np.float32)
    return out[..., 0], out[..., 1]


def pixel_rays(scene: Scene, step: int = RAY_STEP, grid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Normalised undistorted coordinates ``(xn, yn)`` of every photo pixel, each (H, W) float32."""
    cv = cv2()
    W, H = scene.width, scene.height
    grid = ray_grid(scene, step) if grid is None else grid
    mx = np.tile((np.arange(W, dtype=np.float32) / step)[None, :], (H, 1))
    my = np.tile((np.arange(H, dtype=np.float32) / step)[:, None], (1, W))
    xn = cv.remap(grid[..., 0], mx, my, cv.INTER_LINEAR)
    yn = cv.remap(grid[..., 1], mx, my, cv.INTER_LINEAR)
    return xn, yn


def plane_coords(xn, yn, plane2cam: Pose):
    """Where each pixel's ray meets a plane (its z = 0).

    Returns
    -------
    x_mm, y_mm : ndarray
        Plane coordinates, shaped like ``xn``.
    front : ndarray of bool
        True where the plane lies in front of the camera along the ray.
    """
    cv = cv2()
    # Homography from plane (x, y, 1) to normalised image coordinates, inverted.
    H = np.column_stack([plane2cam.R[:, 0], plane2cam.R[:, 1], plane2cam.t])
    Hinv = np.linalg.inv(H)
    pts = np.stack([xn, yn], axis=-1).reshape(-1, 1, 2)
    xy = cv.perspectiveTransform(pts, Hinv).reshape(np.shape(xn) + (2,))
    # (x, y, 1) = depth * Hinv @ (xn, yn, 1): the third row gives 1 / depth, positive in front.
    front = (Hinv[2, 0] * xn + Hinv[2, 1] * yn + Hinv[2, 2]) > 0
    return xy[..., 0], xy[..., 1], front


def texture_ppm(scene: Scene, plane_centre_cam_z: float) -> float:
    """Texture resolution (pixels per mm) for a plane about ``plane_centre_cam_z`` mm from the camera."""
    return float(np.clip(1.5 * scene.focal_px / max(plane_centre_cam_z, 100.0), 2.0, 24.0))


def sample_texture(texture: np.ndarray, ppm: float, origin_mm, x_mm, y_mm) -> np.ndarray:
    """Bilinear samples of a texture at plane points (mm); 0 outside it."""
    mx = ((np.asarray(x_mm) - origin_mm[0]) * ppm - 0.5).astype(np.float32)
    my = ((np.asarray(y_mm) - origin_mm[1]) * ppm - 0.5).astype(np.float32)
    if mx.ndim == 2 and max(mx.shape) < 32767:  # an image-shaped map: one remap
        cv = cv2()
        return cv.remap(texture.astype(np.float32), mx, my, cv.INTER_LINEAR, borderMode=cv.BORDER_CONSTANT,
                        borderValue=0)
    return remap_points(texture.astype(np.float32), mx, my)


def prefilter(texture: np.ndarray, ppm: float, z_far_mm: float, focal_px: float) -> np.ndarray:
    """Band-limit a texture to ``PREFILTER_PX`` photo pixels at ``z_far_mm`` from the camera."""
    sigma_tex = PREFILTER_PX * ppm * z_far_mm / focal_px
    return cv2().GaussianBlur(texture.astype(np.float32), (0, 0), sigma_tex)


def board_corners_mm(scene: Scene) -> np.ndarray:
    """Corners of the board's paper, board frame, shape (4, 3), mm."""
    m = BOARD_PAPER_MARGIN_MM
    bw, bh = scene.board.width_mm, scene.board.height_mm
    return np.array([[-m, -m, 0], [bw + m, -m, 0], [bw + m, bh + m, 0], [-m, bh + m, 0]], float)


def board_layers(scene: Scene, ppm: float):
    """The board's texture (1 = paper, 0 = ink), its paper mask, and their origin (board mm)."""
    m = BOARD_PAPER_MARGIN_MM
    spec = scene.board
    w = int(math.ceil((spec.width_mm + 2 * m) * ppm)) + 2
    h = int(math.ceil((spec.height_mm + 2 * m) * ppm)) + 2
    origin = (-m - 1 / ppm, -m - 1 / ppm)
    ink = np.ones((h, w))
    paint_rects(ink, board_rects_mm(spec), ppm, origin_mm=origin)
    paper = np.zeros((h, w))
    paint_rects(paper, [(-m, -m, spec.width_mm + m, spec.height_mm + m)], ppm, origin_mm=origin, value=1.0)
    return ink, paper, origin


def tab_card_corners_mm(spec: TabSpec) -> np.ndarray:
    """Corners of a tab card (marker, margin and caption strip), tab frame, shape (4, 3), mm."""
    half = spec.tab_mm / 2 + spec.margin_mm
    cap = 0.35 * spec.tab_mm
    return np.array([[-half, -half, 0], [half, -half, 0], [half, half + cap, 0], [-half, half + cap, 0]], float)


def tab_layers(spec: TabSpec, marker_id: int, label: str, ppm: float):
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


def project_cam(scene: Scene, points_cam_mm: np.ndarray) -> np.ndarray:
    """Photo pixels (N, 2) of camera-frame points (N, 3), with the scene's lens distortion."""
    pts = np.asarray(points_cam_mm, float).reshape(-1, 3)
    return cv2().projectPoints(pts, np.zeros(3), np.zeros(3), scene.K,
                               np.asarray(scene.dist, float))[0].reshape(-1, 2)


def project_table(scene: Scene, points_table_mm: np.ndarray) -> np.ndarray:
    """Photo pixels (N, 2) of table-frame points (N, 3)."""
    t2c = scene.table2cam()
    return project_cam(scene, np.asarray(points_table_mm, float).reshape(-1, 3) @ t2c.R.T + t2c.t)


def pixel_box(scene: Scene, px: np.ndarray, pad: int):
    """Pixel box ``(r0, r1, c0, c1)`` around points (N, 2), clipped to the photo; None when empty."""
    c0, r0 = np.floor(px.min(axis=0)).astype(int) - pad
    c1, r1 = np.ceil(px.max(axis=0)).astype(int) + pad
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, scene.width), min(r1, scene.height)
    return None if c1 <= c0 or r1 <= r0 else (r0, r1, c0, c1)


def patch_bbox(scene: Scene, plane2cam: Pose, corners_plane_mm: np.ndarray, pad: int = 6):
    """Pixel box ``(r0, r1, c0, c1)`` holding a planar patch's image, or None when it is off-screen."""
    cam = corners_plane_mm @ plane2cam.R.T + plane2cam.t
    if np.any(cam[:, 2] <= 1.0):
        return 0, scene.height, 0, scene.width  # straddles the camera plane: do it all
    # Sample the patch's edges densely: with distortion its image edges are curved.
    k = np.linspace(0, 1, 16)[:, None]
    pts = np.concatenate([corners_plane_mm[i] * (1 - k) + corners_plane_mm[(i + 1) % 4] * k for i in range(4)])
    return pixel_box(scene, project_cam(scene, pts @ plane2cam.R.T + plane2cam.t), pad)


def points_bbox(scene: Scene, points_table: np.ndarray, pad: int = 8):
    """Pixel box around table-frame points in front of the camera, or None."""
    t2c = scene.table2cam()
    cam = points_table @ t2c.R.T + t2c.t
    cam = cam[cam[:, 2] > 10]
    if len(cam) == 0:
        return None
    return pixel_box(scene, project_cam(scene, cam), pad)
