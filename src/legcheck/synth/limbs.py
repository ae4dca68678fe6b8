"""A prone patient's lower limb as triangle meshes: leg, foot (bare or socked), trousers, shoes.

The model is one RIGHT limb in its own anatomical frame, millimetres: origin at the ankle
joint, **X lateral, Y anterior (towards the toes), Z superior (up the leg)**; the foot in
the neutral (90 degree) position, the sole's flat at ``Z = SOLE_Z_MM``. The LEFT limb is
its mirror image (X negated). Shapes are smooth unions of ellipsoids and round cones
(:mod:`legcheck.synth.sdf`) meshed by marching cubes at ``GRID_MM``; normals come from the
distance field's gradient, so shading is smooth and silhouettes are within ~0.03 mm of the
smooth surface (sagitta h^2 / 8r for the heel's r ~ 27 mm).

- **leg**: a tube of elliptic section whose profile follows a real lower leg and thigh
  (ankle 57 mm wide, calf 96 mm, thigh 150 mm), with its front (the shin) straight at
  ``Y = SHIN_FRONT_MM`` so the leg lies flat on a table when prone;
- **foot**: ankle, malleoli, heel (calcaneus and pad), Achilles tendon, midfoot, instep,
  ball, and five toes (bare) or one toe mass (socked); the sole is flat;
- **trousers**: an eased tube around the leg with folds, open at the hem (its triangles
  below the hem are dropped per scene, so one mesh serves every hem height);
- **shoes**: an upper (the socked foot grown by a few mm, open at the collar) on a sole
  that is an exact prism of the foot's footprint: a dress shoe has a 12 mm sole and a
  28 mm heel block, a sneaker a 22-30 mm midsole. Prism edges are sharp.

**Heel landmark** (the truth): the point of the heel farthest in the direction bisecting
the foot's posterior (-Y) and plantar (-Z) directions, ``HEEL_DIRECTION`` — the back of
the heel where it rounds into the sole (bare and socked feet), and the rear edge of the
heel's tread, where the back of the shoe's heel meets its sole (shoes). It lies on the
foot's midplane. Each mesh stores the index of that vertex (``landmark``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import sdf

GRID_MM = 2.5
SHIN_FRONT_MM = 34.0
SOLE_Z_MM = -78.0
#: Posterior + plantar, the direction of the heel landmark (local frame).
HEEL_DIRECTION = np.array([0.0, -1.0, -1.0]) / np.sqrt(2.0)
#: Leg section: local Z, half-width (X), half-depth (Y).
_PROFILE = np.array([[15, 32, 31], [60, 32, 31], [120, 34, 35], [180, 39, 43], [260, 49, 56], [330, 50, 55],
                     [400, 46, 48], [450, 49, 49], [520, 57, 57], [650, 66, 66], [800, 73, 73], [1000, 78, 78],
                     [1250, 82, 82]], dtype=np.float64)

#: Part ids (per vertex): what a hit point is made of.
SKIN, TROUSERS, UPPER, SOLE, HEEL_BLOCK = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Mesh:
    """A triangle mesh in the limb's rest frame (local, right limb).

    Attributes
    ----------
    verts, normals : ndarray, shape (N, 3), float32
        Vertex positions (mm) and outward unit normals.
    faces : ndarray, shape (M, 3), int32
    part : ndarray, shape (N,), int8
        Material part of each vertex (SKIN, TROUSERS, UPPER, SOLE, HEEL_BLOCK).
    leg_weight : ndarray, shape (N,), float32
        1 where a vertex moves with the leg, 0 with the foot (skinning weight at the ankle).
    landmark : int
        Index of the heel landmark vertex, or -1 when the mesh has none.
    """

    verts: np.ndarray
    normals: np.ndarray
    faces: np.ndarray
    part: np.ndarray
    leg_weight: np.ndarray
    landmark: int = -1


def _smoothstep(a: float, b: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - a) / (b - a), 0.0, 1.0)
    return (t * t * (3 - 2 * t)).astype(np.float32)


@lru_cache(maxsize=1)
def _profile_table():
    from scipy.interpolate import PchipInterpolator

    z = np.arange(_PROFILE[0, 0], _PROFILE[-1, 0] + 1.0, 1.0)
    a = PchipInterpolator(_PROFILE[:, 0], _PROFILE[:, 1])(z)
    b = PchipInterpolator(_PROFILE[:, 0], _PROFILE[:, 2])(z)
    return z, a, b, SHIN_FRONT_MM - b


def leg_sdf(p: np.ndarray, grow_mm: float = 0.0) -> np.ndarray:
    """The leg tube, lying with its shin flat (local frame), grown by ``grow_mm``."""
    z, a, b, yc = _profile_table()
    d = sdf.elliptic_tube(p, z, a + grow_mm, b + grow_mm, yc)
    # The shin pressed flat on the table (above the ankle only: the foot hangs free).
    flat = p[:, 1] - SHIN_FRONT_MM - grow_mm - np.maximum(0.0, 40.0 - p[:, 2]) * 4.0
    return sdf.smax(d, flat, 6.0)


_TOES = (((-24, 148, -62), (-25, 182, -64), 12.5, 11.0), ((-5, 150, -64), (-4, 180, -67), 9.0, 8.0),
         ((9, 147, -65), (11, 174, -68), 8.5, 7.5), ((21, 141, -66), (24, 166, -69), 8.0, 7.0),
         ((32, 133, -67), (36, 154, -70), 7.5, 6.5))


def foot_sdf(p: np.ndarray, toes: bool = True, grow_mm: float = 0.0, toe_box: str = "sock") -> np.ndarray:
    """The foot below the ankle (local frame): bare (``toes``) or as one toe mass (sock, shoe)."""
    g = grow_mm
    d = sdf.ellipsoid(p, (0, 0, -14), (33 + g, 33 + g, 36 + g))
    d = sdf.smin(d, sdf.ellipsoid(p, (30, -6, -10), (8 + g, 10 + g, 11 + g)), 12)
    d = sdf.smin(d, sdf.ellipsoid(p, (-27, 3, -2), (8 + g, 10 + g, 11 + g)), 12)
    d = sdf.smin(d, sdf.ellipsoid(p, (1, -34, -52), (29 + g, 34 + g, 26 + g)), 24)
    d = sdf.smin(d, sdf.round_cone(p, (0, -40, -30), (0, -24, 120), 16 + g, 20 + g), 22)
    d = sdf.smin(d, sdf.ellipsoid(p, (4, 5, -56), (35 + g, 50 + g, 21 + g)), 20)
    d = sdf.smin(d, sdf.ellipsoid(p, (5, 50, -53), (44 + g, 76 + g, 24 + g)), 20)
    d = sdf.smin(d, sdf.ellipsoid(p, (-2, 35, -30), (35 + g, 60 + g, 28 + g)), 18)
    d = sdf.smin(d, sdf.ellipsoid(p, (-4, 128, -61), (48 + g, 34 + g, 17 + g)), 14)
    if toes:
        for a, b, r1, r2 in _TOES:
            d = sdf.smin(d, sdf.round_cone(p, a, b, r1 + g, r2 + g), 4)
    else:
        box = {"sock": ((-5, 163, -63), (43, 31, 14)), "dress": ((-7, 178, -64), (40, 44, 14)),
               "sneaker": ((-4, 168, -60), (47, 36, 19))}[toe_box]
        d = sdf.smin(d, sdf.ellipsoid(p, box[0], np.asarray(box[1]) + g), 14)
    return sdf.smax(d, SOLE_Z_MM - g - p[:, 2], 5)


def limb_sdf(p: np.ndarray, toes: bool = True) -> np.ndarray:
    """Leg and foot joined smoothly (local frame)."""
    d = leg_sdf(p)
    near = p[:, 2] < 170.0
    if np.any(near):
        d[near] = sdf.smin(d[near], foot_sdf(p[near], toes), 20)
    return d


def _march(f, lo, hi, step: float):
    """Marching cubes of the zero set of ``f`` over the box [lo, hi]: verts, faces, normals."""
    from skimage.measure import marching_cubes

    axes = [np.arange(lo[i], hi[i] + step, step, dtype=np.float32) for i in range(3)]
    shape = tuple(len(a) for a in axes)
    vol = np.empty(shape, np.float32)
    gx, gy = np.meshgrid(axes[0], axes[1], indexing="ij")
    for k, z in enumerate(axes[2]):  # slab by slab: bounded memory
        pts = np.stack([gx.ravel(), gy.ravel(), np.full(gx.size, z, np.float32)], axis=1)
        vol[:, :, k] = f(pts).reshape(gx.shape)
    # Outside the box counts as outside the body: surfaces cut by the box are closed there.
    vol = np.pad(vol, 1, constant_values=step)
    verts, faces, _, _ = marching_cubes(vol, 0.0, spacing=(step, step, step))
    verts = (verts + np.asarray(lo, np.float32) - step).astype(np.float32)
    return verts, faces.astype(np.int32), sdf.gradient(f, verts)


def _support(verts: np.ndarray, mask: np.ndarray) -> int:
    idx = np.nonzero(mask)[0]
    return int(idx[np.argmax(verts[idx] @ HEEL_DIRECTION.astype(np.float32))])


@lru_cache(maxsize=4)
def limb_mesh(toes: bool) -> Mesh:
    """The leg and foot of a right limb (bare toes, or socked), cached per process."""
    f = lambda p: limb_sdf(p, toes)  # noqa: E731
    v, fc, n = _march(f, (-92, -100, -96), (92, 214, 1250), GRID_MM)
    w = _smoothstep(-25.0, 45.0, v[:, 2])
    lm = _support(v, (w == 0) & (v[:, 1] < -20))
    return Mesh(v, n, fc, np.full(len(v), SKIN, np.int8), w, lm)


def _fold_offset(p: np.ndarray) -> np.ndarray:
    """Folds of trouser cloth, mm outwards: long soft drapes, wrinkles bunched above the hem and the knee."""
    z = p[:, 2]
    ang = np.arctan2(p[:, 1] - 10.0, p[:, 0])
    drape = 1.6 * np.sin(3 * ang + z / 310.0) + 1.0 * np.sin(5 * ang - z / 170.0 + 1.3)
    bunch = np.exp(-((z - 80.0) / 70.0) ** 2) + 0.8 * np.exp(-((z - 440.0) / 60.0) ** 2)
    wrinkle = np.sin(z / 7.0 + 1.7 * np.sin(2 * ang + z / 90.0)) * np.maximum(0, np.sin(ang * 2 + z / 50.0))
    return (drape + 2.2 * bunch * wrinkle).astype(np.float32)


@lru_cache(maxsize=2)
def trousers_mesh(ease_mm: float = 10.0) -> Mesh:
    """A trouser leg around the right leg (closed at the ankle end: the hem is cut per scene)."""
    def f(p):
        # Cloth pressed between shin and table is thin: the flat side grows by 2 mm only.
        flat = p[:, 1] - SHIN_FRONT_MM - 2.0
        return sdf.smax(leg_sdf(p, ease_mm) - _fold_offset(p), flat, 4.0)

    v, fc, n = _march(f, (-104, -100, 0), (104, 60, 1250), 3.5)
    return Mesh(v, n, fc, np.full(len(v), TROUSERS, np.int8), np.ones(len(v), np.float32))


def _footprint(style: str) -> np.ndarray:
    """Outline of a shoe's sole, (n, 2) local (X, Y) mm, counter-clockwise seen from above."""
    from skimage.measure import find_contours

    grow = {"dress": 5.0, "sneaker": 5.5}[style]
    toe = {"dress": ((-7, 176), (40, 48)), "sneaker": ((-4, 168), (47, 40))}[style]
    xs = np.arange(-80, 80.5, 0.5)
    ys = np.arange(-100, 240.5, 0.5)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    p = np.stack([X.ravel(), Y.ravel(), np.zeros(X.size)], 1).astype(np.float32)
    heel = np.hypot(p[:, 0] - 1, p[:, 1] + 40) - 33
    waist = sdf.round_cone(p, (1, -40, 0), (-3, 128, 0), 33, 46)
    front = sdf.ellipsoid(p, (toe[0][0], toe[0][1], 0), (toe[1][0], toe[1][1], 10))
    d = sdf.smin(sdf.smin(heel, waist, 10), front, 20) - grow
    c = max(find_contours(d.reshape(X.shape), 0.0), key=len)
    pts = np.stack([xs[0] + c[:, 0] * 0.5, ys[0] + c[:, 1] * 0.5], 1)
    area = 0.5 * np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1])
    pts = pts[::-1] if area < 0 else pts
    # Resample evenly (every ~1.5 mm): no repeated points, so every wall normal is defined.
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.arange(0.0, s[-1], 1.5)
    return np.stack([np.interp(t, s, pts[:, 0]), np.interp(t, s, pts[:, 1])], axis=1)


def _prism(outline: np.ndarray, z_bottom, z_top: float, part: int):
    """A closed prism over a polygon (n, 2): sharp-edged walls and flat caps, each with its own normals."""
    n = len(outline)
    zb = np.broadcast_to(np.asarray(z_bottom, np.float32), (n,))
    tangent = np.roll(outline, -1, 0) - np.roll(outline, 1, 0)
    wall_n = np.stack([tangent[:, 1], -tangent[:, 0], np.zeros(n)], 1)
    wall_n /= np.linalg.norm(wall_n, axis=1, keepdims=True)
    bottom = np.column_stack([outline, zb])
    top = np.column_stack([outline, np.full(n, z_top)])
    centre = outline.mean(axis=0)
    verts = np.concatenate([bottom, top, bottom, top, [[*centre, zb.mean()], [*centre, z_top]]]).astype(np.float32)
    normals = np.concatenate([wall_n, wall_n, np.tile([0, 0, -1.0], (n, 1)), np.tile([0, 0, 1.0], (n, 1)),
                              [[0, 0, -1.0], [0, 0, 1.0]]]).astype(np.float32)
    i = np.arange(n)
    j = (i + 1) % n
    walls = np.concatenate([np.stack([i, j, n + j], 1), np.stack([i, n + j, n + i], 1)])
    caps = np.concatenate([np.stack([np.full(n, 4 * n), 2 * n + j, 2 * n + i], 1),
                           np.stack([np.full(n, 4 * n + 1), 3 * n + i, 3 * n + j], 1)])
    faces = np.concatenate([walls, caps]).astype(np.int32)
    return verts, normals, faces, np.full(len(verts), part, np.int8)


def _clip_y(outline: np.ndarray, y_max: float) -> np.ndarray:
    """The part of a polygon with y < y_max (the polygon is cut by one line, convexly)."""
    out = []
    for a, b in zip(outline, np.roll(outline, -1, 0)):
        if a[1] < y_max:
            out.append(a)
        if (a[1] < y_max) != (b[1] < y_max):
            t = (y_max - a[1]) / (b[1] - a[1])
            out.append(a + t * (b - a))
    return np.asarray(out)


@lru_cache(maxsize=2)
def shoe_mesh(style: str) -> Mesh:
    """A right shoe, "dress" or "sneaker": upper (open at the collar) on an exact prism sole."""
    grow = {"dress": 4.0, "sneaker": 7.0}[style]
    back_z = {"dress": -24.0, "sneaker": -12.0}[style]
    # The collar: the opening's plane, low at the back and over the instep at the front.
    normal = np.array([0.0, -0.13, 1.0], np.float32) / np.float32(np.hypot(0.13, 1.0))

    def collar(p):
        return (p[:, 2] - back_z - (p[:, 1] + 75.0) * 0.13) * normal[2]

    def f(p):
        return np.maximum(foot_sdf(p, False, grow, style), collar(p))

    v, fc, n = _march(f, (-75, -95, -100), (75, 245, 60), 1.5)
    # Open the shoe: drop the flat cap that the plane cut leaves over the opening.
    cap = (np.abs(collar(v)) < 0.05)[fc].all(axis=1)
    parts = [(v, n, fc[~cap], np.full(len(v), UPPER, np.int8))]
    outline = _footprint(style)
    top = SOLE_Z_MM + 1.0
    if style == "dress":
        parts.append(_prism(outline, top - 12.0, top, SOLE))
        parts.append(_prism(_clip_y(outline, -8.0), top - 30.0, top - 11.0, HEEL_BLOCK))
    else:
        zb = top - np.interp(outline[:, 1], [-80, 40, 170, 240], [30, 24, 20, 26])
        parts.append(_prism(outline, zb, top, SOLE))
    verts, normals, faces, part, off = [], [], [], [], 0
    for pv, pn, pf, pp in parts:
        verts.append(pv)
        normals.append(pn)
        faces.append(pf + off)
        part.append(pp)
        off += len(pv)
    verts, part = np.concatenate(verts), np.concatenate(part)
    heel_part = HEEL_BLOCK if style == "dress" else SOLE
    lm = _support(verts, part == heel_part)
    return Mesh(verts, np.concatenate(normals), np.concatenate(faces), part, np.zeros(len(verts), np.float32), lm)
