"""The drop-table scene as geometry for ray casting: static boxes and planes, posed limbs, light.

:class:`World` holds one Embree scene with every surface (geometry 0: the floor, the table's
upholstered top as a box, its base; then one geometry per limb mesh), the camera in the
table-axis frame, and the light looked up at each hit (:mod:`legcheck.synth.lighting`).
"""

from __future__ import annotations

import numpy as np

from .lighting import PlaneLight, light_at, smooth_on_mesh
from .patient import posed_meshes
from .planar import project_cam
from .scene import Scene

#: Static surface ids (geometry 0); limb meshes get MESH_ID0 + their index.
FLOOR, TOP, END, LEFT_SIDE, RIGHT_SIDE, UNDERSIDE, BASE, HEAD_END = range(8)
MESH_ID0 = 10
#: Light rays per mesh vertex (the values are then smoothed over the mesh).
VERTEX_KEY_SAMPLES, VERTEX_AO_SAMPLES = 3, 3
_BOX_FACES = {  # face -> (surface id, quad corners as (x, y, z) index bits of the box)
    "top": (TOP, ((0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1))),
    "bottom": (UNDERSIDE, ((0, 0, 0), (0, 1, 0), (1, 1, 0), (1, 0, 0))),
    "end": (END, ((0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 0, 1))),
    "head": (HEAD_END, ((0, 1, 0), (0, 1, 1), (1, 1, 1), (1, 1, 0))),
    "left": (LEFT_SIDE, ((0, 0, 0), (0, 0, 1), (0, 1, 1), (0, 1, 0))),
    "right": (RIGHT_SIDE, ((1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1))),
}


def _box(lo, hi, sids=None):
    """Triangles (2 per face) and their surface ids of an axis-aligned box."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    tris, ids = [], []
    for name, (sid, quad) in _BOX_FACES.items():
        c = [lo + (hi - lo) * np.array(q) for q in quad]
        tris += [[c[0], c[1], c[2]], [c[0], c[2], c[3]]]
        ids += [sid if sids is None else sids] * 2
    return tris, ids


class World:
    """Geometry, camera and light of one drop-table scene (table-axis frame, mm)."""

    def __init__(self, scene: Scene, light: bool = True):
        from embreex import rtcore_scene
        from embreex.mesh_construction import TriangleMesh

        self.scene = scene
        drop = self.drop = scene.drop
        tb = drop.table
        a2t = drop.axis2table()
        t2c = scene.table2cam()
        #: Table-axis frame -> camera rotation, and the camera centre in the axis frame.
        self.R_a2c = t2c.R @ a2t
        self.t_a2c = t2c.t
        self.C = a2t.T @ scene.camera_centre_mm()
        self.meshes = posed_meshes(drop)
        H = tb.height_mm
        top_lo = (tb.x_left_mm, tb.end_y_mm, -tb.cushion_mm)
        top_hi = (tb.x_right_mm, tb.end_y_mm + tb.length_mm, 0.0)
        tris, ids = _box(top_lo, top_hi)
        ins = tb.base_inset_mm
        t2, i2 = _box((tb.x_left_mm + ins, tb.end_y_mm + ins, -H), (tb.x_right_mm - ins, tb.end_y_mm + tb.length_mm - ins,
                                                                     -tb.cushion_mm), BASE)
        big = 8000.0
        fl = [[(-big, -big, -H), (big, -big, -H), (big, big, -H)], [(-big, -big, -H), (big, big, -H), (-big, big, -H)]]
        tris, ids = tris + t2 + fl, ids + i2 + [FLOOR, FLOOR]
        self.static_ids = np.asarray(ids, np.int16)
        self.emb = rtcore_scene.EmbreeScene()
        TriangleMesh(self.emb, np.asarray(tris, np.float32))
        #: The triangles given to Embree per mesh (primitive ids index these).
        self.faces = [self._in_reach(m) for m in self.meshes]
        for m, f in zip(self.meshes, self.faces):
            TriangleMesh(self.emb, m.verts, f)
        if light:
            self._light()

    def _in_reach(self, m) -> np.ndarray:
        """The triangles of a posed mesh that can be seen or shade what is seen (near the frame)."""
        s = self.scene
        R = self.R_a2c.astype(np.float32)
        t = self.t_a2c.astype(np.float32)
        z = m.verts @ R[2] + t[2]
        zc = np.maximum(z, 1.0) / s.focal_px
        near = (z > 1.0) & (np.abs((m.verts @ R[0] + t[0]) / zc) < 1.2 * s.width) & \
            (np.abs((m.verts @ R[1] + t[1]) / zc) < 1.2 * s.height)
        faces = m.faces[near[m.faces].any(axis=1)]
        return np.ascontiguousarray(faces if len(faces) else m.faces[:1])

    # -- light ---------------------------------------------------------------------------------

    def _seen_rect(self, origin, u, v, size_u, size_v, normal):
        """The part (u0, v0, u1, v1) of a plane rectangle that the photo can show, from a coarse grid of rays."""
        s = self.scene
        gu, gv = np.meshgrid(np.linspace(-0.05, 1.05, 24) * s.width, np.linspace(-0.05, 1.05, 18) * s.height)
        pts = np.stack([gu.ravel(), gv.ravel()], 1).reshape(-1, 1, 2)
        from .._cv import cv2

        xy = cv2().undistortPoints(pts, s.K, np.asarray(s.dist, float)).reshape(-1, 2)
        d = self.directions(xy[:, 0], xy[:, 1]).astype(np.float64)
        den = d @ normal
        t = ((np.asarray(origin) - self.C) @ normal) / np.where(np.abs(den) > 1e-9, den, np.nan)
        p = self.C + t[:, None] * d
        ok = np.isfinite(t) & (t > 0)
        if not np.any(ok):
            return None
        a, b = (p[ok] - origin) @ u, (p[ok] - origin) @ v
        pad = 80.0
        u0, u1 = max(a.min() - pad, 0.0), min(a.max() + pad, size_u)
        v0, v1 = max(b.min() - pad, 0.0), min(b.max() + pad, size_v)
        return None if u1 <= u0 or v1 <= v0 else (u0, v0, u1, v1)

    def _plane(self, origin, u, v, size_u, size_v, step, normal, ao_mm, rng):
        rect = self._seen_rect(np.asarray(origin, float), u, v, size_u, size_v, normal)
        if rect is None:
            rect = (0.0, 0.0, min(size_u, step), min(size_v, step))
        u0, v0, u1, v1 = rect
        o = np.asarray(origin, float) + u0 * u + v0 * v
        li = self.drop.light
        return PlaneLight(self.emb, o, u, v, u1 - u0, v1 - v0, step, normal, self.light_dir, li.radius_deg, ao_mm, rng)

    def _light(self):
        tb = self.drop.table
        rng = np.random.default_rng(self.scene.seed + 17)
        self.light_dir = ldir = self.drop.light.direction()
        ex, ey, ez = np.eye(3)
        L = min(tb.length_mm, 2500.0)
        xl, xr, y0, c, H = tb.x_left_mm, tb.x_right_mm, tb.end_y_mm, tb.cushion_mm, tb.height_mm
        self.planes = {
            TOP: self._plane((xl, y0, 0), ex, ey, tb.width_mm, L, 8.0, ez, 300.0, rng),
            END: self._plane((xl, y0, -c), ex, ez, tb.width_mm, c, 4.0, -ey, 300.0, rng),
            LEFT_SIDE: self._plane((xl, y0, -c), ey, ez, L, c, 8.0, -ex, 300.0, rng),
            RIGHT_SIDE: self._plane((xr, y0, -c), ey, ez, L, c, 8.0, ex, 300.0, rng),
            FLOOR: self._plane((xl - 3000, y0 - 3000, -H), ex, ey, tb.width_mm + 6000, 6000, 25.0, ez, 1500.0, rng),
        }
        self.vertex_light = []
        for m in self.meshes:
            self.vertex_light.append(self._vertex_light(m, ldir, rng))

    def _vertex_light(self, m, ldir, rng):
        """Key and ambient light at the vertices of a posed mesh that may be seen (others: 0.5)."""
        li = self.drop.light
        key = np.full(len(m.verts), 0.5, np.float32)
        ao = np.full(len(m.verts), 0.5, np.float32)
        to_cam = self.C[None, :] - m.verts
        cam = m.verts @ self.R_a2c.T + self.t_a2c
        ok = (cam[:, 2] > 10) & (np.einsum("ij,ij->i", m.normals, to_cam) > -0.3 * np.linalg.norm(to_cam, axis=1))
        if not np.any(ok):
            return key, ao
        s = self.scene
        px = project_cam(s, cam[ok])
        inside = (px[:, 0] > -20) & (px[:, 0] < s.width + 20) & (px[:, 1] > -20) & (px[:, 1] < s.height + 20)
        seen = np.zeros(len(m.verts), bool)
        seen[np.nonzero(ok)[0][inside]] = True
        faces = m.faces[seen[m.faces].any(axis=1)]
        # Few rays at every vertex, then averaged over its neighbourhood: smooth, and cheap.
        idx = np.nonzero(seen)[0]
        k, a = light_at(self.emb, m.verts[idx].astype(np.float64), m.normals[idx].astype(np.float64), ldir,
                        li.radius_deg, 250.0, rng, VERTEX_KEY_SAMPLES, VERTEX_AO_SAMPLES)
        key[idx], ao[idx] = k, a
        return smooth_on_mesh(key, faces, len(key), 6), smooth_on_mesh(ao, faces, len(ao), 6)

    # -- rays ----------------------------------------------------------------------------------

    def directions(self, xn: np.ndarray, yn: np.ndarray) -> np.ndarray:
        """Ray directions (N, 3) in the axis frame for normalised coordinates; t along them is camera depth."""
        R = self.R_a2c.astype(np.float32)
        xn, yn = np.ravel(xn).astype(np.float32), np.ravel(yn).astype(np.float32)
        return xn[:, None] * R[0] + yn[:, None] * R[1] + R[2]

    def trace(self, d: np.ndarray) -> dict:
        """Nearest hits of camera rays: ``t`` (camera depth, mm), ``sid`` (surface id), ``prim``, ``u``, ``v``."""
        o = np.empty_like(d)
        o[:] = self.C.astype(np.float32)
        r = self.emb.run(o, d, output=1)
        geom, prim = r["geomID"], r["primID"]
        static = self.static_ids[np.clip(prim, 0, len(self.static_ids) - 1)]
        sid = np.where(geom == 0, static, MESH_ID0 + geom - 1).astype(np.int16)
        sid[geom < 0] = -1
        return {"t": r["tfar"], "sid": sid, "prim": prim, "u": r["u"], "v": r["v"]}
