"""Materials of the drop-table scene: albedos (linear BGR), procedural textures, gloss.

Every texture is a function of a surface point in millimetres and of the pixel's footprint
(mm per pixel at that point), so fine patterns (tile grout, paper prints, sole treads) are
band-limited to the photo's resolution instead of aliasing.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .._cv import cv2
from .limbs import HEEL_BLOCK, SOLE, TROUSERS, UPPER
from .planar import remap_points

COVER_RGB = {
    "black vinyl": (0.022, 0.022, 0.024), "brown vinyl": (0.022, 0.045, 0.085),
    "blue vinyl": (0.13, 0.05, 0.022), "grey vinyl": (0.11, 0.11, 0.105), "cream vinyl": (0.38, 0.52, 0.60),
    "paper roll": (0.70, 0.74, 0.74), "patterned sheet": (0.66, 0.70, 0.70),
}
#: The vinyl under a paper cover.
PAPER_BACKING = "black vinyl"
FLOOR_RGB = {"light": (0.42, 0.46, 0.48), "mid": (0.15, 0.165, 0.18), "dark": (0.035, 0.037, 0.04),
             "wood": (0.035, 0.10, 0.22)}
SKIN_RGB = {"light": (0.26, 0.34, 0.56), "medium": (0.14, 0.21, 0.38), "tan": (0.085, 0.15, 0.28),
            "dark": (0.035, 0.06, 0.115), "very dark": (0.018, 0.03, 0.058)}
#: Soles and heels are paler and pinker than the rest of the foot, most visibly on dark skin.
PLANTAR_RGB = (0.22, 0.28, 0.46)
LEGWEAR_RGB = {"navy trousers": (0.055, 0.022, 0.014), "black trousers": (0.014, 0.014, 0.015),
               "grey trousers": (0.10, 0.10, 0.10), "beige trousers": (0.22, 0.32, 0.40),
               "blue jeans": (0.14, 0.065, 0.03), "black leggings": (0.012, 0.012, 0.013)}
SOCK_RGB = {"white sock": (0.66, 0.67, 0.66), "grey sock": (0.15, 0.15, 0.16), "black sock": (0.018, 0.018, 0.02)}
#: Shoes: (upper, sole, heel block) albedo and the upper's gloss.
SHOE_RGB = {"black leather": ((0.014, 0.014, 0.016), (0.02, 0.02, 0.022), (0.018, 0.018, 0.02), 0.10),
            "brown leather": ((0.018, 0.045, 0.10), (0.012, 0.02, 0.03), (0.012, 0.02, 0.03), 0.08),
            "white sneaker": ((0.66, 0.68, 0.68), (0.72, 0.73, 0.72), (0.72, 0.73, 0.72), 0.02)}
BASE_RGB = (0.03, 0.03, 0.032)
INTERIOR_RGB = (0.01, 0.01, 0.01)


def footprint_aa(dist_mm: np.ndarray, half_width_mm: float, px_mm: np.ndarray) -> np.ndarray:
    """Coverage (0-1) of a line of half-width ``half_width_mm`` at distance ``dist_mm``, AA over a pixel."""
    return np.clip((half_width_mm - np.abs(dist_mm)) / np.maximum(px_mm, 1e-3) + 0.5, 0.0, 1.0)


@lru_cache(maxsize=8)
def _noise_tile(seed: int, n: int = 256, smooth: float = 1.5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = rng.normal(0, 1, (n, n)).astype(np.float32)
    # Blur a 3 x 3 tiling and keep the middle: the tile stays periodic.
    t = cv2().GaussianBlur(np.tile(t, (3, 3)), (0, 0), smooth)[n:2 * n, n:2 * n]
    return (t / t.std()).astype(np.float32)


def noise2(x_mm, y_mm, cell_mm: float, seed: int) -> np.ndarray:
    """Smooth value noise (zero mean, unit s.d.) with features about ``cell_mm`` across; tiles every 256 cells."""
    t = _noise_tile(int(seed) % 64)
    mx = (np.asarray(x_mm) / cell_mm).astype(np.float32) % 256
    my = (np.asarray(y_mm) / cell_mm).astype(np.float32) % 256
    return remap_points(t, mx, my, cv2().BORDER_WRAP)


def cover_albedo(cover: str, x_mm, y_mm, px_mm, seed: int) -> np.ndarray:
    """Albedo (N, 3) of the table's cover at table-axis points (vinyl grain, paper crinkles and prints)."""
    base = np.asarray(COVER_RGB[cover], np.float32)
    grain = 1 + 0.05 * noise2(x_mm, y_mm, 3.0, seed) + 0.05 * noise2(x_mm, y_mm, 60.0, seed + 1)
    if cover == "patterned sheet":
        # A printed pattern of small pale blue-green diamonds, 24 mm apart.
        u = (x_mm + y_mm) / 24.0
        v = (x_mm - y_mm) / 24.0
        d = (np.abs(u - np.round(u)) + np.abs(v - np.round(v))) * 24.0 / 2
        ink = footprint_aa(d, 3.5, px_mm) * 0.55
        col = base[None, :] * (1 - ink[:, None]) + np.array([0.45, 0.50, 0.30], np.float32) * ink[:, None]
        return col * grain[:, None]
    if cover == "paper roll":
        grain = 1 + 0.03 * noise2(x_mm, y_mm, 25.0, seed) + 0.02 * noise2(x_mm, y_mm, 2.0, seed + 2)
    return base[None, :] * grain[:, None]


def floor_albedo(kind: str, x_mm, y_mm, px_mm, tile_mm: float, seed: int) -> np.ndarray:
    """Albedo (N, 3) of the floor at floor points (already in the pattern's rotated frame)."""
    tone, pattern = kind.split()
    base = np.asarray(FLOOR_RGB["wood" if tone == "wood" else tone], np.float32)
    mott = 1 + 0.06 * noise2(x_mm, y_mm, 40.0, seed) + 0.04 * noise2(x_mm, y_mm, 4.0, seed + 3)
    if pattern == "plain":
        return base[None, :] * mott[:, None]
    if pattern == "planks":
        w = 140.0
        row = np.floor(y_mm / w)
        stagger = (np.sin(row * 12.9898) * 43758.5453 % 1.0) * 1200.0
        seam_x = (x_mm + stagger) % 1200.0
        grain = 1 + 0.12 * noise2(x_mm * 0.05, y_mm * 2.0, 1.0, seed + 4) + 0.1 * np.sin(row * 7.1)
        gap = np.maximum(footprint_aa(y_mm - (row + 0.5) * w - w / 2, 1.0, px_mm),
                         footprint_aa(np.minimum(seam_x, 1200.0 - seam_x), 1.0, px_mm))
        return base[None, :] * (grain * (1 - 0.6 * gap) * mott)[:, None]
    i, j = np.floor(x_mm / tile_mm), np.floor(y_mm / tile_mm)
    tile_var = 1 + 0.05 * np.sin(i * 12.9898 + j * 78.233) * np.cos(i * 3.1 - j * 5.7)
    gx = x_mm - np.round(x_mm / tile_mm) * tile_mm
    gy = y_mm - np.round(y_mm / tile_mm) * tile_mm
    grout = np.maximum(footprint_aa(gx, 2.0, px_mm), footprint_aa(gy, 2.0, px_mm))
    grout_rgb = base * (0.55 if tone == "light" else 1.8)
    return (base[None, :] * (tile_var * mott)[:, None]) * (1 - grout[:, None]) + grout_rgb[None, :] * grout[:, None]


def limb_albedo(part: np.ndarray, rest: np.ndarray, normal_rest: np.ndarray, patient, material: str,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Albedo (N, 3) and gloss (N,) of limb, trouser and shoe hit points.

    ``rest`` and ``normal_rest`` are the hit points and normals in the limb's rest frame (mm).
    """
    n = len(part)
    z = rest[:, 2]
    skin = np.asarray(SKIN_RGB[patient.skin], np.float32)
    plantar = np.asarray(PLANTAR_RGB, np.float32)
    # Plantar skin: where the normal faces down (the sole) or back-down (the heel pad).
    sole_w = np.clip((-normal_rest[:, 2] - 0.2) * 1.6, 0, 1) * (z < -40) * 0.55
    col = skin[None, :] * (1 - sole_w[:, None]) + (skin * 0.5 + plantar * 0.5)[None, :] * sole_w[:, None]
    col *= (1 + 0.06 * noise2(rest[:, 0] + rest[:, 2], rest[:, 1], 8.0, seed))[:, None]
    gloss = np.full(n, 0.02, np.float32)
    if material in SOCK_RGB:
        sock = np.asarray(SOCK_RGB[material], np.float32)
        in_sock = z < patient.sock_top_mm / patient.foot_scale
        knit = 1 + 0.05 * np.sin(rest[:, 2] * 2.2) * (z > patient.sock_top_mm / patient.foot_scale - 25)
        worn = 1 - 0.25 * sole_w * (material == "white sock")
        col[in_sock] = (sock[None, :] * (knit * worn)[:, None])[in_sock]
        gloss[in_sock] = 0.0
    m = part == TROUSERS
    if np.any(m):
        cloth = np.asarray(LEGWEAR_RGB[patient.legwear], np.float32)
        tex = 1 + 0.05 * noise2(rest[m, 0] * 3, rest[m, 2] * 3, 1.0, seed + 5)
        col[m] = cloth[None, :] * tex[:, None]
        gloss[m] = 0.012 if patient.legwear == "black leggings" else 0.004
    if material in SHOE_RGB:
        upper, sole, heel, g = SHOE_RGB[material]
        for pid, rgb, gl in ((UPPER, upper, g), (SOLE, sole, 0.01), (HEEL_BLOCK, heel, 0.01)):
            m = part == pid
            col[m] = np.asarray(rgb, np.float32)
            gloss[m] = gl
        if material == "white sneaker":
            # A grey outsole layer at the bottom of the midsole, and a tread on it.
            m = (part == SOLE) & (z < -90)
            col[m] *= 0.35
            tread = m & (normal_rest[:, 2] < -0.9)
            y, x = rest[tread, 1], rest[tread, 0]
            col[tread] *= (0.9 + 0.1 * np.sin(2 * np.pi * (y + 0.3 * x) / 5.0))[:, None]
        else:
            # Leather soles: a worn, slightly lighter tread.
            tread = (part != UPPER) & (normal_rest[:, 2] < -0.9)
            col[tread] *= 1.4
    return col, gloss


def interior_albedo() -> np.ndarray:
    """Albedo of the inside of a shoe or trouser leg seen through its opening."""
    return np.asarray(INTERIOR_RGB, np.float32)


def gloss_term(normal: np.ndarray, view: np.ndarray, light: np.ndarray, power: float = 40.0) -> np.ndarray:
    """Blinn-Phong highlight (N,) for unit normals, unit directions to the camera and to the light."""
    h = view + light[None, :]
    h /= np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-9)
    return np.clip(np.einsum("ij,ij->i", normal, h), 0, 1) ** power * (power + 2) / (8 * math.pi)
