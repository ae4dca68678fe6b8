"""Feet for the scene renderer: two shaded 3D feet or shoes, with their shadows on the table.

Each foot is a union of ellipsoids in the Thompson check position: the leg lies
along the table towards the head, the foot stands with the toes down and a little
towards the head, so the heel is the foot's most caudal part. The heel landmark
(the truth) is the heel's most caudal point, on a heel ellipsoid aligned with the
table so that point is exactly ``heel_mm``. Surfaces are Lambertian (shoes with a
little gloss) under one light plus ambient; the table receives soft shadows.
Rays are cast exactly (ellipsoid intersection is a quadratic), 3x3 per pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Linear-light BGR albedos.
FOOT_COLOURS = {
    "light skin": (0.30, 0.40, 0.62),
    "medium skin": (0.12, 0.19, 0.34),
    "dark skin": (0.035, 0.055, 0.10),
    "white sock": (0.62, 0.64, 0.64),
    "grey sock": (0.16, 0.16, 0.17),
    "black shoe": (0.025, 0.025, 0.03),
    "brown shoe": (0.025, 0.06, 0.12),
    "white shoe": (0.58, 0.60, 0.60),
}


@dataclass(frozen=True)
class FeetSpec:
    """Two feet. ``*_heel_mm`` are the heel landmarks (x, y, z) in the table frame."""

    left_heel_mm: tuple
    right_heel_mm: tuple
    colour: str = "white sock"
    shoe: bool = False
    size: float = 1.0
    toe_out_deg: tuple = (8.0, 8.0)
    light_dir: tuple = (0.25, 0.35, 0.90)
    shadow: float = 0.0
    ambient: float = 0.45

    def ellipsoids(self, side: str):
        """(centre (3,), rotation (3, 3) local->table, semi-axes (3,)) of one foot's parts."""
        L = np.asarray(self.left_heel_mm if side == "left" else self.right_heel_mm, dtype=np.float64)
        s = self.size * (1.12 if self.shoe else 1.0)
        heel = np.array([32.0, 34.0, 40.0]) * s
        # Toe-out turns the foot about the vertical through the heel's back; the heel stays the landmark.
        a = math.radians(self.toe_out_deg[0 if side == "left" else 1]) * (1 if side == "right" else -1)
        Rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        parts = [(L + np.array([0.0, heel[1], 0.0]), np.eye(3), heel)]
        # The foot runs from the heel down towards the table and 45 degrees towards the head: from
        # any view 60-90 degrees above the table the heel, not the toes, is the caudal extreme.
        t = math.radians(45.0)
        Rx = np.array([[1, 0, 0], [0, math.cos(t), -math.sin(t)], [0, math.sin(t), math.cos(t)]])
        body_c = L + Rz @ np.array([0.0, heel[1] + 42.0 * s, -42.0 * s])
        parts.append((body_c, Rz @ Rx, np.array([40.0, 40.0, 82.0]) * s))
        h = max(L[2], 40.0)
        leg_c = L + np.array([0.0, heel[1] + 160.0 * s, -0.35 * h])
        parts.append((leg_c, np.eye(3), np.array([44.0 * s, 165.0 * s, 0.62 * h])))
        return parts

    def all_ellipsoids(self):
        return self.ellipsoids("left") + self.ellipsoids("right")


def ray_ellipsoids(origin: np.ndarray, dirs: np.ndarray, ellipsoids):
    """Nearest hit of rays with ellipsoids.

    Parameters
    ----------
    origin : (3,) ray origin, table frame, mm.
    dirs : (N, 3) ray directions (need not be unit).
    ellipsoids : list of (centre, R, semi-axes).

    Returns
    -------
    t : (N,) ray parameter of the nearest hit (inf where none); normal : (N, 3) unit outward normals.
    """
    n = len(dirs)
    best = np.full(n, np.inf)
    normal = np.zeros((n, 3))
    for c, R, ax in ellipsoids:
        o = ((origin - c) @ R) / ax  # into the unit sphere's frame
        d = (dirs @ R) / ax
        a = np.einsum("ij,ij->i", d, d)
        b = 2 * (d @ o)
        cc = o @ o - 1.0
        disc = b * b - 4 * a * cc
        ok = disc > 0
        sq = np.sqrt(np.where(ok, disc, 0.0))
        t0 = (-b - sq) / (2 * a)
        t1 = (-b + sq) / (2 * a)
        t = np.where(t0 > 1e-6, t0, t1)
        hit = ok & (t > 1e-6) & (t < best)
        if not np.any(hit):
            continue
        best = np.where(hit, t, best)
        p = o + t[:, None] * d  # on the unit sphere
        nl = (p / ax) @ R.T  # gradient of the implicit function, table frame
        nl /= np.linalg.norm(nl, axis=1, keepdims=True)
        normal[hit] = nl[hit]
    return best, normal


def shade(normal: np.ndarray, view_dirs: np.ndarray, spec: FeetSpec) -> np.ndarray:
    """Linear BGR colour (N, 3) of hit points."""
    light = np.asarray(spec.light_dir, float)
    light /= np.linalg.norm(light)
    lam = np.clip(normal @ light, 0.0, None)
    albedo = np.asarray(FOOT_COLOURS[spec.colour], dtype=np.float64)
    col = albedo[None, :] * (spec.ambient + (1 - spec.ambient) * lam)[:, None]
    if spec.shoe:
        v = -view_dirs / np.linalg.norm(view_dirs, axis=1, keepdims=True)
        h = light[None, :] + v
        h /= np.linalg.norm(h, axis=1, keepdims=True)
        col += 0.08 * np.clip(np.einsum("ij,ij->i", normal, h), 0, 1)[:, None] ** 30
    return col


def shadow_factor(points_table: np.ndarray, spec: FeetSpec) -> np.ndarray:
    """1 where a table point sees the light, ``1 - shadow`` where a foot blocks it."""
    if spec.shadow <= 0:
        return np.ones(len(points_table))
    light = np.asarray(spec.light_dir, float)
    light /= np.linalg.norm(light)
    out = np.ones(len(points_table))
    for c, R, ax in spec.all_ellipsoids():
        o = ((points_table - c) @ R) / ax
        d = (light @ R) / ax
        a = d @ d
        b = 2 * (o @ d)
        cc = np.einsum("ij,ij->i", o, o) - 1
        disc = b * b - 4 * a * cc
        t1 = (-b + np.sqrt(np.where(disc > 0, disc, 0))) / (2 * a)
        out[(disc > 0) & (t1 > 0)] = 1 - spec.shadow
    return out
