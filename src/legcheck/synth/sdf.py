"""Signed distance functions for the limb models (numpy, vectorised over points (N, 3), mm).

Distances are exact for spheres and round cones and a close bound for ellipsoids and tubes
of elliptic section; the limbs only need the zero set and its gradient (the surface and its
normal), which any such function gives exactly.

References: I. Quilez, "distance functions" (round cone, ellipsoid bound, polynomial
smooth minimum), https://iquilezles.org/articles/distfunctions/.
"""

from __future__ import annotations

import numpy as np


def ellipsoid(p: np.ndarray, centre, radii) -> np.ndarray:
    """Signed distance (bound) to an axis-aligned ellipsoid; p (N, 3) -> (N,)."""
    r = np.asarray(radii, np.float32)
    q = (p - np.asarray(centre, np.float32)) / r
    k0 = np.sqrt(np.einsum("ij,ij->i", q, q))
    q /= r
    k1 = np.sqrt(np.einsum("ij,ij->i", q, q))
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-9)


def round_cone(p: np.ndarray, a, b, r1: float, r2: float) -> np.ndarray:
    """Signed distance to the round cone from sphere (a, r1) to sphere (b, r2); p (N, 3) -> (N,)."""
    a = np.asarray(a, np.float32)
    ba = np.asarray(b, np.float32) - a
    l2 = float(ba @ ba)
    rr = r1 - r2
    a2 = l2 - rr * rr
    il2 = 1.0 / l2
    pa = p - a
    y = pa @ ba
    z = y - l2
    x = pa * l2 - y[:, None] * ba
    x2 = np.einsum("ij,ij->i", x, x)
    y2 = y * y * l2
    z2 = z * z * l2
    k = np.sign(rr) * rr * rr * x2
    out = (np.sqrt(np.maximum(x2 * a2 * il2, 0)) + y * rr) * il2 - r1
    top = np.sign(z) * a2 * z2 > k
    bot = np.sign(y) * a2 * y2 < k
    out = np.where(top, np.sqrt(x2 + z2) * il2 - r2, out)
    return np.where(bot & ~top, np.sqrt(x2 + y2) * il2 - r1, out).astype(np.float32)


def smin(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum (union blended over about ``k`` mm)."""
    if k <= 0:
        return np.minimum(a, b)
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def smax(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth maximum (intersection blended over about ``k`` mm)."""
    return -smin(-a, -b, k)


def elliptic_tube(p: np.ndarray, z_mm: np.ndarray, half_x: np.ndarray, half_y: np.ndarray,
                  centre_y: np.ndarray) -> np.ndarray:
    """Signed distance (approximate) to a tube along z with an elliptic section that varies with z.

    ``z_mm`` samples the section's half-widths ``half_x``, ``half_y`` and its centre's y;
    they are interpolated linearly (sample them finely). Outside ``z_mm``'s range the tube is
    cut flat.
    """
    z = p[:, 2]
    a = np.interp(z, z_mm, half_x).astype(np.float32)
    b = np.interp(z, z_mm, half_y).astype(np.float32)
    yc = np.interp(z, z_mm, centre_y).astype(np.float32)
    q = np.sqrt((p[:, 0] / a) ** 2 + ((p[:, 1] - yc) / b) ** 2)
    d = (q - 1.0) * np.minimum(a, b)
    return np.maximum(d, np.maximum(z_mm[0] - z, z - z_mm[-1]))


def gradient(f, p: np.ndarray, eps: float = 0.25) -> np.ndarray:
    """Unit gradient (N, 3) of a distance function ``f`` at points p, by central differences."""
    g = np.empty_like(p)
    for i in range(3):
        d = np.zeros(3, np.float32)
        d[i] = eps
        g[:, i] = f(p + d) - f(p - d)
    return g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)
