"""The plain layout: an endless table plane, the board, two heel tabs and ellipsoid feet.

This is the renderer's original scene (kept as one case among many): the covering is one
colour with a faint mottling (or a quilted pattern), the board lies caudal of the feet,
and the feet of :mod:`legcheck.synth.feet` stand toes-down above the table. Printed
planes (board, tab cards) are composited with :func:`draw_plane`, which the drop-table
renderer shares.
"""

from __future__ import annotations

import math

import numpy as np

from .._cv import cv2
from ..geometry import Pose
from .feet import ray_ellipsoids, shade, shadow_factor
from .planar import (board_corners_mm, board_layers, patch_bbox, pixel_rays, plane_coords, points_bbox,
                     prefilter, project_cam, ray_grid, rays_at, sample_texture, tab_card_corners_mm, tab_layers,
                     texture_ppm)
from .scene import INK_RGB, PAPER_RGB, TABLE_COLOURS, Scene


def draw_plane(scene: Scene, img: np.ndarray, xn, yn, plane2cam: Pose, corners_mm, texture, mask, origin, ppm,
               gain=1.0, shadow=None) -> None:
    """Composite a printed plane (paper and ink) over ``img`` (linear BGR, (H, W, 3)) in place.

    Parameters
    ----------
    plane2cam : Pose
        The plane's frame (its z = 0) to the camera.
    corners_mm : ndarray, shape (4, 3)
        The patch's outline in the plane frame (bounds the work).
    texture, mask : ndarray
        Ink (0) to paper (1) and coverage, sampled at ``ppm`` pixels/mm from ``origin``.
    gain : float or ndarray
        Light on the paper; ``shadow(x_mm, y_mm)`` multiplies it per point.
    """
    box = patch_bbox(scene, plane2cam, corners_mm)
    if box is None:
        return
    r0, r1, c0, c1 = box
    # Band-limit the texture before point-sampling it at pixel centres: without this an edge
    # nearly parallel to the pixel grid is quantised to whole pixels (up to 0.5 px of bias).
    z_far = float(np.max(corners_mm @ plane2cam.R[2] + plane2cam.t[2]))
    texture = prefilter(texture, ppm, z_far, scene.focal_px)
    mask = prefilter(mask, ppm, z_far, scene.focal_px)
    px_, py_, front = plane_coords(xn[r0:r1, c0:c1], yn[r0:r1, c0:c1], plane2cam)
    a = sample_texture(mask, ppm, origin, px_, py_) * front
    g = sample_texture(texture, ppm, origin, px_, py_)
    paper_rgb, ink_rgb = np.array(PAPER_RGB, np.float32), np.array(INK_RGB, np.float32)
    col = ink_rgb + g[..., None] * (paper_rgb - ink_rgb)
    if shadow is not None:
        col = col * shadow(px_, py_)[..., None]
    if np.ndim(gain):
        gain = gain[r0:r1, c0:c1, None]
    sub = img[r0:r1, c0:c1]
    sub += a[..., None] * (col * gain - sub)


def draw_tabs(scene: Scene, img: np.ndarray, xn, yn, gains=None) -> None:
    """Composite the visible heel tab cards over ``img`` in place, farther first."""
    table2cam = scene.table2cam()
    cam_centre = scene.camera_centre_mm()
    placements = {"left": scene.left_tab, "right": scene.right_tab}
    gains = dict(zip(("left", "right"), scene.tab_shading)) if gains is None else gains
    order = sorted(scene.show_tabs, key=lambda s: -np.linalg.norm(np.asarray(placements[s].centre_mm) - cam_centre))
    for side in order:
        tab2table = placements[side].tab2table()
        tab2cam = Pose(table2cam.R @ tab2table.R, table2cam.R @ tab2table.t + table2cam.t)
        # Printed face towards the camera: its outward normal (-z of the tab) points at the camera.
        if (tab2cam.R @ np.array([0, 0, -1.0])) @ (-tab2cam.t) <= 0:
            continue
        mid = scene.marker_ids.get(side, scene.tabs.left_id if side == "left" else scene.tabs.right_id)
        tppm = texture_ppm(scene, float(tab2cam.t[2]) * 0.6)
        tink, card, torigin = tab_layers(scene.tabs, mid, "L" if side == "left" else "R", tppm)
        draw_plane(scene, img, xn, yn, tab2cam, tab_card_corners_mm(scene.tabs), tink, card, torigin, tppm,
                   gain=gains[side])


def _box_corners(ellipsoids):
    pts = []
    for c, R, ax in ellipsoids:
        for sx in (-1, 1):
            for sy in (-1, 1):
                for sz in (-1, 1):
                    pts.append(c + R @ (ax * np.array([sx, sy, sz])))
    return np.array(pts)


def _render_feet(scene: Scene, img: np.ndarray, grid: np.ndarray, ss: int = 4) -> None:
    """Cast rays at the ellipsoid feet and darken the table in their shadows, in place.

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
        sx, sy = rays_at(grid, u, v)
        return np.stack([sx.ravel(), sy.ravel(), np.ones(sx.size, np.float32)], -1).astype(np.float64) @ t2c.R

    def trace(d):
        t, normal = ray_ellipsoids(origin, d, ells)
        t_table = np.where(d[:, 2] < 0, -origin[2] / np.where(d[:, 2] < 0, d[:, 2], -1.0), np.inf)
        return np.isfinite(t) & (t < t_table), normal

    if feet.shadow > 0:
        light = np.asarray(feet.light_dir, float) / np.linalg.norm(feet.light_dir)
        shadow_pts = corners - (corners[:, 2:3] / light[2]) * light[None, :]
        box = points_bbox(scene, np.concatenate([corners * [1, 1, 0], shadow_pts]))
        if box is not None:
            r0, r1, c0, c1 = box
            k = 4  # the penumbra is soft: trace shadows every 4th pixel
            vv, uu = np.mgrid[r0:r1:k, c0:c1:k].astype(np.float32)
            d = dirs_at(uu, vv)
            t = -origin[2] / np.where(d[:, 2] < -1e-9, d[:, 2], -1e-9)
            f = shadow_factor(origin + t[:, None] * d, feet).reshape(uu.shape).astype(np.float32)
            f = cv.resize(cv.GaussianBlur(f, (0, 0), 1.0), (c1 - c0, r1 - r0), interpolation=cv.INTER_LINEAR)
            img[r0:r1, c0:c1] *= f[..., None]
    box = points_bbox(scene, corners)
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


def render_plain_linear(scene: Scene) -> np.ndarray:
    """Noise-free linear-light BGR image (H, W, 3) float32 of the plain layout, before blur."""
    cv = cv2()
    grid = ray_grid(scene)
    xn, yn = pixel_rays(scene, grid=grid)
    H, W = xn.shape
    rng = np.random.default_rng(scene.seed)
    table_rgb = np.array(TABLE_COLOURS[scene.table], dtype=np.float32)
    # Table covering: its colour with a faint, smooth mottling (vinyl grain is below the blur).
    mott = rng.normal(0, 0.04, (H // 64 + 1, W // 64 + 1)).astype(np.float32)
    mott = cv.resize(cv.GaussianBlur(mott, (0, 0), 2), (W, H), interpolation=cv.INTER_CUBIC)
    img = (1 + mott)[..., None] * table_rgb[None, None, :]
    if scene.table.startswith("patterned"):
        # A quilted diamond pattern in the covering, 40 mm period, +-18 % brightness.
        tx, ty, tfront = plane_coords(xn, yn, scene.board2cam())
        pat = 0.18 * np.cos(2 * np.pi * (tx + ty) / 40.0) * np.cos(2 * np.pi * (tx - ty) / 40.0)
        img *= (1 + pat.astype(np.float32))[..., None]
    if scene.show_board:
        b2c = scene.board2cam()
        ppm = texture_ppm(scene, float(b2c.t[2]) * 0.6)
        ink, paper, origin = board_layers(scene, ppm)
        shadow = None
        if scene.board_shadow > 0:
            # A soft shadow (the examiner's arm) across part of the board.
            bw = scene.board.width_mm
            shadow = lambda x, y: (1 - scene.board_shadow / (1 + np.exp(-(x - 0.6 * bw) / 15.0))).astype(np.float32)  # noqa: E731
        # A mis-scaled print: scaling the plane's axes stretches the texture on the table.
        printed = Pose(b2c.R * np.array([*scene.board_scale_xy, 1.0]), b2c.t)
        draw_plane(scene, img, xn, yn, printed, board_corners_mm(scene), ink, paper, origin, ppm, shadow=shadow)
    if scene.feet is not None:
        _render_feet(scene, img, grid)
    draw_tabs(scene, img, xn, yn)
    return img


def visible_heel_pixels(scene: Scene, height_mm: float | None = None) -> dict:
    """Where a person sees each ellipsoid heel's caudal extreme in a plain-layout photo.

    On the heel ellipsoid's occluding contour (the circle u . C' = 1 in its unit-sphere frame,
    C' the camera centre there), the point whose ray meets the plane z = ``height_mm`` (default:
    the mean heel height) furthest towards the foot end. This is the landmark contour mode looks
    for, and what a person clicks on; from straight above it is the 3D landmark itself.

    Returns
    -------
    dict
        ``{"left": (x, y), "right": (x, y)}``, photo pixels. For drop-table scenes use
        :func:`legcheck.synth.landmarks.heel_pixels`.
    """
    feet = scene.feet
    t2c = scene.table2cam()
    C = scene.camera_centre_mm()
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
        out[side] = tuple(project_cam(scene, (best @ t2c.R.T + t2c.t).reshape(1, 3))[0])
    return out
