"""Ray cast the drop-table scene to a noise-free linear-light image.

Every pixel's ray (lens distortion included, :mod:`legcheck.synth.planar`) is met with the
world (:mod:`legcheck.synth.drop_world`) by Embree; the hit is shaded from its material
(:mod:`legcheck.synth.shading`), its normal (the rounded table edge bends it), the key
light's visibility and ambient openness (:mod:`legcheck.synth.lighting`), and a gloss term.
The board is printed on the table top: its texture is sampled at the exact hit point, band
limited as in the plain layout, so its corners are exact. Pixels on a geometric edge (the
surface, or the depth, changes within their 3 x 3 neighbourhood) are shaded again with
``SUPERSAMPLE`` x ``SUPERSAMPLE`` rays and averaged: outlines are exactly anti-aliased.
Heel tabs (tabs mode) are composited last, where nothing is in front of them.
"""

from __future__ import annotations

import numpy as np

from .._cv import cv2
from .droptable import FOOTWEAR
from .drop_world import BASE, END, FLOOR, HEAD_END, LEFT_SIDE, MESH_ID0, RIGHT_SIDE, TOP, UNDERSIDE, World
from .planar import RAY_STEP, board_layers, pixel_rays, prefilter, project_table, ray_grid, rays_at, sample_texture, texture_ppm
from .plain import draw_tabs
from .scene import INK_RGB, PAPER_RGB, Scene
from .shading import (BASE_RGB, PAPER_BACKING, cover_albedo, floor_albedo, gloss_term, interior_albedo,
                      limb_albedo)

SUPERSAMPLE = 3
#: Exposure: the phone meters the scene to this median linear level, protecting highlights.
MEDIAN_TARGET = 0.16
HIGHLIGHT_TARGET = 0.85


class _Board:
    """The board's texture on the table top, band-limited for this photo."""

    def __init__(self, scene: Scene, world: World):
        b2c = scene.board2cam()
        self.ppm = texture_ppm(scene, float(b2c.t[2]) * 0.6)
        ink, paper, self.origin = board_layers(scene, self.ppm)
        m = 12.0
        corners = np.array([[-m, -m, 0], [scene.board.width_mm + m, scene.board.height_mm + m, 0]])
        z_far = float(np.max((np.array([[x, y, 0] for x in corners[:, 0] for y in corners[:, 1]]) @ b2c.R.T
                              + b2c.t)[:, 2]))
        self.ink = prefilter(ink, self.ppm, z_far, scene.focal_px)
        self.paper = prefilter(paper, self.ppm, z_far, scene.focal_px)
        self.a2t = scene.drop.axis2table()

    def pixel_box(self, scene: Scene):
        """Photo pixel box (r0, r1, c0, c1) of the board's paper, or None when off-screen."""
        from .planar import board_corners_mm, patch_bbox

        return patch_bbox(scene, scene.board2cam(), board_corners_mm(scene), pad=4)

    def sample(self, p_axis: np.ndarray):
        """(paper mask, ink-to-paper value) at table-axis points on the top."""
        pt = p_axis @ self.a2t.T
        bx, by = pt[:, 0], -pt[:, 1]
        return (sample_texture(self.paper, self.ppm, self.origin, bx, by),
                sample_texture(self.ink, self.ppm, self.origin, bx, by))


def _bent(normal_axis: int, sign: float, dist_mm: np.ndarray, radius: float, base: np.ndarray) -> np.ndarray:
    """Normals of a rounded edge: ``base`` tilted towards ``sign * e_axis`` within ``radius`` of the edge."""
    s = np.clip((radius - dist_mm) / max(radius, 1e-6), 0.0, 1.0)
    n = base * np.sqrt(1 - s * s)[:, None]
    n[:, normal_axis] += sign * s
    return n


def _shade_static(world: World, board: _Board, sid, p, d, px_mm):
    """Albedo, normal, key, ambient and gloss of hits on the floor and the table."""
    drop, tb = world.drop, world.drop.table
    n = len(sid)
    alb = np.tile(np.asarray(BASE_RGB, np.float32), (n, 1))
    nrm = np.tile(np.array([0, 0, 1.0], np.float32), (n, 1))
    key = np.zeros(n, np.float32)
    ao = np.full(n, 0.25, np.float32)
    gloss = np.zeros(n, np.float32)
    vinyl = tb.cover if tb.cover.endswith("vinyl") else PAPER_BACKING
    r = tb.edge_radius_mm
    m = sid == FLOOR
    if np.any(m):
        fl = drop.floor
        c, s = np.cos(np.radians(fl.angle_deg)), np.sin(np.radians(fl.angle_deg))
        x = p[m, 0] * c + p[m, 1] * s + fl.offset_mm[0]
        y = -p[m, 0] * s + p[m, 1] * c + fl.offset_mm[1]
        alb[m] = floor_albedo(fl.kind, x, y, px_mm[m], fl.tile_mm, world.scene.seed)
        key[m], ao[m] = world.planes[FLOOR].lookup(p[m])
        gloss[m] = 0.04 if "tiles" in fl.kind else 0.015
    m = sid == TOP
    if np.any(m):
        q = p[m].copy()
        q[:, 2] = 0.0
        x, y = q[:, 0], q[:, 1]
        col = cover_albedo(vinyl, x, y, px_mm[m], world.scene.seed)
        g = np.full(len(q), 0.06, np.float32)
        if not tb.cover.endswith("vinyl"):
            ca, sa = np.cos(np.radians(tb.paper_angle_deg)), np.sin(np.radians(tb.paper_angle_deg))
            across = (x - tb.centre_x_mm - tb.paper_offset_mm) * ca + (y - tb.end_y_mm) * sa
            on = np.clip((tb.paper_width_mm / 2 - np.abs(across)) / np.maximum(px_mm[m], 1e-3) + 0.5, 0, 1)
            paper = cover_albedo(tb.cover, x, y, px_mm[m], world.scene.seed)
            col = col * (1 - on[:, None]) + paper * on[:, None]
            g *= 1 - on
        if world.scene.show_board:
            a, ink = board.sample(q)
            pc = np.asarray(INK_RGB, np.float32) + ink[:, None] * (np.asarray(PAPER_RGB, np.float32) - INK_RGB)
            col = col * (1 - a[:, None]) + pc * a[:, None]
            g *= 1 - a
        alb[m] = col
        edge = np.minimum(np.minimum(x - tb.x_left_mm, tb.x_right_mm - x), y - tb.end_y_mm)
        which = np.argmin(np.stack([x - tb.x_left_mm, tb.x_right_mm - x, y - tb.end_y_mm]), axis=0)
        base = np.tile(np.array([0, 0, 1.0]), (len(q), 1))
        out = np.array([[-1.0, 0, 0], [1.0, 0, 0], [0, -1.0, 0]])[which]
        s = np.clip((r - edge) / max(r, 1e-6), 0, 1)
        nrm[m] = base * np.sqrt(1 - s * s)[:, None] + out * s[:, None]
        key[m], ao[m] = world.planes[TOP].lookup(q)
        gloss[m] = g
    for face, axis, sign in ((END, 1, -1.0), (LEFT_SIDE, 0, -1.0), (RIGHT_SIDE, 0, 1.0), (HEAD_END, 1, 1.0)):
        m = sid == face
        if not np.any(m):
            continue
        base = np.zeros((int(m.sum()), 3))
        base[:, axis] = sign
        nrm[m] = _bent(2, 1.0, -p[m, 2], r, base)
        alb[m] = cover_albedo(vinyl, p[m, 0] + p[m, 1], p[m, 2], px_mm[m], world.scene.seed) * 0.95
        if face in world.planes:
            key[m], ao[m] = world.planes[face].lookup(p[m])
        gloss[m] = 0.05
    for face in (UNDERSIDE, BASE):
        m = sid == face
        nrm[m] = (0, 0, -1.0) if face == UNDERSIDE else -np.sign(d[m]) * (np.abs(d[m]) == np.abs(d[m]).max(1, keepdims=True))
        ao[m] = 0.2
    return alb, nrm, key, ao, gloss


def _shade_mesh(world: World, i: int, prim, u, v, d):
    """Albedo, normal, key, ambient and gloss of hits on posed mesh ``i``."""
    m = world.meshes[i]
    tri = world.faces[i][prim]
    w = np.stack([1 - u - v, u, v], 1).astype(np.float32)

    def interp(a):
        return np.einsum("nk,nkc->nc", w, a[tri]) if a.ndim == 2 else np.einsum("nk,nk->n", w, a[tri])

    nrm = interp(m.normals)
    nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-9)
    key_v, ao_v = world.vertex_light[i]
    key, ao = interp(key_v), interp(ao_v)
    rest = interp(m.rest)
    from .limbs import limb_mesh, shoe_mesh, trousers_mesh  # the rest normals, for plantar skin

    kind = FOOTWEAR[world.drop.patient.footwear]
    part = m.part[tri[np.arange(len(tri)), np.argmax(w, axis=1)]]
    rest_mesh = {"limb": lambda: limb_mesh(kind[0] == "bare"), "trousers": lambda: trousers_mesh(),
                 "shoe": lambda: shoe_mesh(kind[0])}[m.kind]()
    rn = interp(rest_mesh.normals)
    alb, gloss = limb_albedo(part, rest, rn, world.drop.patient, kind[1], world.scene.seed)
    inside = np.einsum("ij,ij->i", nrm, d) > 0  # seen through an opening: the inside
    alb[inside] = interior_albedo()
    nrm[inside] *= -1
    ao[inside] *= 0.3
    key[inside] *= 0.3
    return alb, nrm, key, ao, gloss


def shade(world: World, board: _Board, d: np.ndarray, hit: dict) -> np.ndarray:
    """Linear BGR (N, 3) of camera rays ``d`` (N, 3) with their hits."""
    t, sid = hit["t"], hit["sid"]
    p = world.C[None, :].astype(np.float32) + t[:, None] * d
    px_mm = t / world.scene.focal_px / np.maximum(np.abs(d[:, 2]) / np.linalg.norm(d, axis=1), 0.25)
    n = len(t)
    alb = np.zeros((n, 3), np.float32)
    nrm = np.zeros((n, 3), np.float32)
    key, ao, gloss = np.zeros(n, np.float32), np.zeros(n, np.float32), np.zeros(n, np.float32)
    st = (sid >= 0) & (sid < MESH_ID0)
    if np.any(st):
        alb[st], nrm[st], key[st], ao[st], gloss[st] = _shade_static(world, board, sid[st], p[st], d[st], px_mm[st])
    for i in range(len(world.meshes)):
        m = sid == MESH_ID0 + i
        if np.any(m):
            alb[m], nrm[m], key[m], ao[m], gloss[m] = _shade_mesh(world, i, hit["prim"][m], hit["u"][m],
                                                                  hit["v"][m], d[m])
    li = world.drop.light
    ldir = world.light_dir.astype(np.float32)
    lam = np.clip(nrm @ ldir, 0, None)
    view = -d / np.linalg.norm(d, axis=1, keepdims=True)
    light = li.key * key * lam + li.ambient * ao * (0.7 + 0.3 * nrm[:, 2])
    spec = li.key * key * gloss * gloss_term(nrm, view, ldir, 30.0) * 4.0
    return alb * light[:, None] + spec[:, None]


def _pixels(world: World, board: _Board, grid, u: np.ndarray, v: np.ndarray, chunk: int = 400_000, rays=None):
    """Colour (N, 3), surface id (N,) and depth (N,) of the rays through photo pixels (u, v).

    ``rays`` may give their normalised coordinates (xn, yn) already.
    """
    n = u.size if rays is None else rays[0].size
    col = np.empty((n, 3), np.float32)
    sid = np.empty(n, np.int16)
    depth = np.empty(n, np.float32)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        xn, yn = rays_at(grid, u[a:b], v[a:b]) if rays is None else (rays[0][a:b], rays[1][a:b])
        d = world.directions(xn, yn)
        hit = world.trace(d)
        col[a:b] = shade(world, board, d, hit)
        sid[a:b], depth[a:b] = hit["sid"], hit["t"]
    return col, sid, depth


def _edges(sid: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Pixels whose 3 x 3 neighbourhood holds another surface or a jump in depth."""
    cv = cv2()
    k = np.ones((3, 3), np.uint8)
    s = sid.astype(np.float32)
    edge = cv.dilate(s, k) != cv.erode(s, k)
    logd = np.log(np.maximum(depth, 1.0))
    return edge | ((cv.dilate(logd, k) - cv.erode(logd, k)) > 0.02)


def shading_step(scene: Scene) -> int:
    """Pixels per shaded sample inside smooth regions: 2 for photos of a megapixel or more, else 1."""
    return 2 if scene.width * scene.height >= 1_000_000 else 1


def render_drop_linear(scene: Scene, world: World | None = None) -> np.ndarray:
    """Noise-free linear-light BGR image (H, W, 3) float32 of a drop-table scene, exposed like a phone.

    Large photos are shaded every ``shading_step`` pixels where nothing changes (inside a
    surface, away from the board) and exactly, at every pixel, near geometric edges and on
    the board; edge pixels are supersampled at every size.

    Parameters
    ----------
    scene : Scene
        With ``drop`` set.
    world : World, optional
        Its ray-casting world (built when not given).

    Returns
    -------
    ndarray, shape (H, W, 3), float32
        Linear-light BGR, before :func:`legcheck.synth.finish.finish`.
    """
    cv = cv2()
    world = world or World(scene)
    board = _Board(scene, world)
    grid = ray_grid(scene)
    H, W = scene.height, scene.width
    step = shading_step(scene)
    hs, ws = -(-H // step), -(-W // step)
    off = (step - 1) / 2
    # Pixel positions at multiples of 1/16 of the ray grid's cell: OpenCV's remap is exact there.
    mx = np.tile(((np.arange(ws) * step + off) / RAY_STEP).astype(np.float32)[None, :], (hs, 1))
    my = np.tile(((np.arange(hs) * step + off) / RAY_STEP).astype(np.float32)[:, None], (1, ws))
    rays = (cv.remap(grid[..., 0], mx, my, cv.INTER_LINEAR).ravel(), cv.remap(grid[..., 1], mx, my, cv.INTER_LINEAR).ravel())
    col, sid_c, depth_c = _pixels(world, board, grid, None, None, rays=rays)
    col, sid_c, depth_c = col.reshape(hs, ws, 3), sid_c.reshape(hs, ws), depth_c.reshape(hs, ws)
    if step == 1:
        img, sid, depth = col, sid_c, depth_c
    else:
        img = cv.resize(col, (ws * step, hs * step), interpolation=cv.INTER_LINEAR)[:H, :W]
        sid = np.repeat(np.repeat(sid_c, step, 0), step, 1)[:H, :W]
        depth = cv.resize(depth_c, (ws * step, hs * step), interpolation=cv.INTER_NEAREST)[:H, :W]
        near_edge = cv.dilate(_edges(sid_c, depth_c).astype(np.uint8), np.ones((3, 3), np.uint8))
        redo = np.repeat(np.repeat(near_edge, step, 0), step, 1)[:H, :W].astype(bool)
        box = board.pixel_box(scene)
        if box is not None:
            r0, r1, c0, c1 = box
            redo[r0:r1, c0:c1] = True
        rows, cols = np.nonzero(redo)
        c, s_, t = _pixels(world, board, grid, cols.astype(np.float32), rows.astype(np.float32))
        img[rows, cols], sid[rows, cols], depth[rows, cols] = c, s_, t
    rows, cols = np.nonzero(_edges(sid, depth))
    if rows.size:
        acc = np.zeros((rows.size, 3), np.float32)
        n = SUPERSAMPLE
        for i in range(n):
            for j in range(n):
                du, dv = (j + 0.5) / n - 0.5, (i + 0.5) / n - 0.5
                acc += _pixels(world, board, grid, cols + np.float32(du), rows + np.float32(dv))[0]
        img[rows, cols] = acc / (n * n)
    if scene.drop.tabs_on_heels and scene.show_tabs:
        xn, yn = pixel_rays(scene, grid=grid)
        _draw_tabs_over(scene, world, img, xn, yn, depth)
    lum = img[::4, ::4] @ np.array([0.11, 0.59, 0.30], np.float32)
    gain = min(MEDIAN_TARGET / max(float(np.median(lum)), 1e-4),
               HIGHLIGHT_TARGET / max(float(np.percentile(lum, 99.5)), 1e-4))
    img *= np.float32(np.clip(gain, 0.3, 4.0))
    return img


def _draw_tabs_over(scene: Scene, world: World, img, xn, yn, depth):
    """Composite the heel tab cards where they are nearer than the scene, lit like the heel."""
    before = img.copy()
    draw_tabs(scene, img, xn, yn, gains={"left": 0.9, "right": 0.9})
    # Undo the cards wherever the scene is in front of them.
    for side, place in (("left", scene.left_tab), ("right", scene.right_tab)):
        t2c = scene.table2cam()
        c_cam = t2c.R @ np.asarray(place.centre_mm) + t2c.t
        near = depth < c_cam[2] - 15.0
        px = project_table(scene, np.asarray(place.centre_mm)[None, :])[0]
        rr = int(4 * scene.focal_px * 60 / max(c_cam[2], 1))
        r0, r1 = max(int(px[1]) - rr, 0), min(int(px[1]) + rr, img.shape[0])
        c0, c1 = max(int(px[0]) - rr, 0), min(int(px[0]) + rr, img.shape[1])
        blk = near[r0:r1, c0:c1]
        img[r0:r1, c0:c1][blk] = before[r0:r1, c0:c1][blk]
