"""Light in the drop-table scene: soft key-light shadows and ambient occlusion, cast with Embree.

Light is computed where it varies slowly and looked up where it is seen: on regular grids
over each plane (table top, its end and side faces, the floor) and at the vertices of the
limb meshes. At each point, ``KEY_SAMPLES`` shadow rays towards points of the key light's
disc (its angular radius gives the penumbra) and ``AO_SAMPLES`` cosine-distributed rays
(ambient light from the room, blocked within ``ao_mm``) are tested for occlusion.

References: ambient occlusion as in M. Pharr, W. Jakob, G. Humphreys, *Physically Based
Rendering*, 3rd ed., sec. 13.6 (cosine-weighted hemisphere sampling).
"""

from __future__ import annotations

import math

import numpy as np

from .._cv import cv2
from .planar import remap_points

KEY_SAMPLES = 4
AO_SAMPLES = 6


def _basis(n: np.ndarray):
    """Two unit vectors (N, 3) orthogonal to unit normals n (N, 3) and to each other."""
    a = np.where(np.abs(n[:, 2:3]) < 0.9, np.array([[0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0]]))
    e1 = np.cross(n, a)
    e1 /= np.linalg.norm(e1, axis=1, keepdims=True)
    return e1, np.cross(n, e1)


def _occluded(emb, origins: np.ndarray, dirs: np.ndarray, dist_mm: float) -> np.ndarray:
    o = np.ascontiguousarray(origins, np.float32)
    d = np.ascontiguousarray(dirs, np.float32)
    hit = emb.run(o, d, dists=np.full(len(o), dist_mm, np.float32), query="OCCLUDED")
    return np.asarray(hit) >= 0


def light_at(emb, points: np.ndarray, normals: np.ndarray, light_dir: np.ndarray, radius_deg: float,
             ao_mm: float, rng: np.random.Generator, key_samples: int = KEY_SAMPLES,
             ao_samples: int = AO_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Key-light visibility and ambient openness (each (N,), 0-1) of surface points.

    Parameters
    ----------
    emb : embreex EmbreeScene
        Every occluder of the scene.
    points, normals : ndarray, shape (N, 3)
        Surface points (mm) and outward unit normals, table-axis frame.
    light_dir : ndarray, shape (3,)
        Unit vector towards the key light.
    radius_deg : float
        The light's angular radius.
    ao_mm : float
        Ambient rays are blocked only by geometry nearer than this.
    key_samples, ao_samples : int
        Rays per point towards the light and over the hemisphere.
    """
    n = len(points)
    if n == 0:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    origins = points + normals * 0.4
    l1, l2 = _basis(np.asarray(light_dir, float)[None, :])
    r = math.tan(math.radians(radius_deg))
    key = np.zeros(n, np.float32)
    golden = math.pi * (3 - math.sqrt(5))
    spin = rng.uniform(0, 2 * math.pi, n)
    for k in range(key_samples):
        rad = r * math.sqrt((k + 0.5) / key_samples)
        ang = spin + k * golden
        d = light_dir[None, :] + rad * (np.cos(ang)[:, None] * l1 + np.sin(ang)[:, None] * l2)
        key += ~_occluded(emb, origins, d, 1e5)
    key /= key_samples
    e1, e2 = _basis(normals)
    ao = np.zeros(n, np.float32)
    spin = rng.uniform(0, 2 * math.pi, n)
    for k in range(ao_samples):
        s = math.sqrt((k + 0.5) / ao_samples)
        ang = spin + k * golden
        d = normals * math.sqrt(1 - s * s) + s * (np.cos(ang)[:, None] * e1 + np.sin(ang)[:, None] * e2)
        ao += ~_occluded(emb, origins, d, ao_mm)
    ao /= ao_samples
    return key, ao


class PlaneLight:
    """Light sampled on a grid over a planar rectangle; :meth:`lookup` interpolates it."""

    def __init__(self, emb, origin, axis_u, axis_v, size_u: float, size_v: float, step: float, normal,
                 light_dir, radius_deg: float, ao_mm: float, rng):
        self.origin = np.asarray(origin, float)
        self.u, self.v = np.asarray(axis_u, float), np.asarray(axis_v, float)
        self.step = step
        nu, nv = int(size_u / step) + 2, int(size_v / step) + 2
        iu, iv = np.meshgrid(np.arange(nu), np.arange(nv))
        pts = self.origin + (iu.ravel()[:, None] * self.u + iv.ravel()[:, None] * self.v) * step
        nrm = np.tile(np.asarray(normal, float), (len(pts), 1))
        key, ao = light_at(emb, pts, nrm, light_dir, radius_deg, ao_mm, rng)
        cv = cv2()
        # Smooth the sampling noise over about a cell.
        self.key = cv.GaussianBlur(key.reshape(nv, nu), (0, 0), 0.8)
        self.ao = cv.GaussianBlur(ao.reshape(nv, nu), (0, 0), 0.8)

    def lookup(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(key, ao) at points (N, 3) on the plane."""
        rel = points - self.origin
        mu = rel @ self.u / self.step
        mv = rel @ self.v / self.step
        both = remap_points(np.dstack([self.key, self.ao]), mu, mv, cv2().BORDER_REPLICATE)
        return both[:, 0], both[:, 1]


def smooth_on_mesh(values: np.ndarray, faces: np.ndarray, n_vertices: int, rounds: int = 2) -> np.ndarray:
    """Average per-vertex values over their triangles ``rounds`` times (removes sampling noise)."""
    v = values.astype(np.float64)
    counts = np.bincount(faces.ravel(), minlength=n_vertices).astype(np.float64)
    for _ in range(rounds):
        fm = v[faces].mean(axis=1)
        acc = np.bincount(faces.ravel(), weights=np.repeat(fm, 3), minlength=n_vertices)
        v = np.where(counts > 0, acc / np.maximum(counts, 1), v)
    return v.astype(np.float32)

