"""Intrinsic parameter vectors and their uncertainty: drawing cameras, and the profile's share of a bound."""

from __future__ import annotations

import math

import numpy as np

#: The intrinsic parameters, in the order of every parameter vector and covariance matrix.
INTRINSIC_PARAMS = ("fx", "fy", "cx", "cy", "k1", "k2", "p1", "p2", "k3")


def draw_params(params: np.ndarray, cov: np.ndarray, image_size, rng: np.random.Generator,
                n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` cameras drawn from a normal about ``params`` (9,) with covariance ``cov`` (9, 9).

    A lens maps radii monotonically across its frame; a draw whose radial distortion folds back
    inside the image (with a 10 % margin) is no camera, and breaks undistortion; nor is one with a
    focal length not positive, fx/fy beyond 2, or the principal point off the image: each is drawn
    again, from a child stream, so ``rng`` advances by the same amount for every covariance
    (paired Monte Carlo runs, one with the intrinsics exact, see :func:`uncertainty_breakdown`).

    Returns
    -------
    K : ndarray (n, 3, 3)
    dist : ndarray (n, 5)
        (k1, k2, p1, p2, k3).
    """
    w, U = np.linalg.eigh(cov)
    root = np.sqrt(np.clip(w, 0, None))
    p = params[None] + (rng.normal(size=(n, 9)) * root) @ U.T
    again = np.random.default_rng(rng.integers(2 ** 63))
    # Judge the draws only where the profile's own distortion is a lens (see fold_radius).
    r_max = min(1.1 * max_radius(params, image_size), fold_radius(params))
    w_px, h_px = image_size
    for _ in range(50):
        # No lens: distortion folding back, a focal length not positive (or pixels far from square),
        # a principal point off the image.
        with np.errstate(divide="ignore", invalid="ignore"):
            bad = (~radial_monotonic(p[:, 4], p[:, 5], p[:, 8], r_max) | ~(p[:, 0] > 0) | ~(p[:, 1] > 0)
                   | ~((p[:, 0] < 2 * p[:, 1]) & (p[:, 1] < 2 * p[:, 0]))
                   | ~((p[:, 2] > 0) & (p[:, 2] < w_px) & (p[:, 3] > 0) & (p[:, 3] < h_px)))
        if not bad.any():
            break
        p[bad] = params[None] + (again.normal(size=(int(bad.sum()), 9)) * root) @ U.T
    K = np.zeros((n, 3, 3))
    K[:, 0, 0], K[:, 1, 1], K[:, 0, 2], K[:, 1, 2], K[:, 2, 2] = p[:, 0], p[:, 1], p[:, 2], p[:, 3], 1.0
    return K, p[:, 4:].copy()


def max_radius(params: np.ndarray, image_size) -> float:
    """Largest normalised (distorted) radius in the image: at its farthest corner from the principal point."""
    fx, fy, cx, cy = params[:4]
    w, h = image_size
    return float(max(math.hypot((u - cx) / fx, (v - cy) / fy) for u in (0, w - 1) for v in (0, h - 1)))


def radial_monotonic(k1, k2, k3, r_max: float) -> np.ndarray:
    """True where r (1 + k1 r^2 + k2 r^4 + k3 r^6) grows with r on [0, r_max] (arrays of coefficients)."""
    r2 = np.linspace(0.0, r_max, 64)[None, :] ** 2
    slope = 1 + 3 * k1[:, None] * r2 + 5 * k2[:, None] * r2 ** 2 + 7 * k3[:, None] * r2 ** 3
    return np.all(slope > 0.05, axis=1)


def fold_radius(params: np.ndarray, r_limit: float = 3.0) -> float:
    """Normalised radius where the radial distortion of ``params`` stops growing (``r_limit`` if it does not)."""
    r = np.linspace(0.0, r_limit, 600)
    k1, k2, k3 = params[4], params[5], params[8]
    slope = 1 + 3 * k1 * r ** 2 + 5 * k2 * r ** 4 + 7 * k3 * r ** 6
    bad = np.nonzero(slope <= 0.05)[0]
    return float(r[bad[0] - 1]) if bad.size else r_limit


def uncertainty_breakdown(total_sigma_mm: float, fixed_sigma_mm: float, z: float) -> dict:
    """How much of a bound comes from the camera's intrinsics (a measurement's ``details`` entries).

    Parameters
    ----------
    total_sigma_mm : float
        1-sigma of the whole bound.
    fixed_sigma_mm : float
        1-sigma of the same Monte Carlo (same random numbers) with the intrinsics exact
        (:meth:`CameraProfile.fixed`).
    z : float
        The bound's quantile (1.96 for 95 %).

    Returns
    -------
    dict
        ``uncertainty_from_profile_mm``: z times the quadrature difference of the two, the part of
        ``uncertainty_mm`` the profile adds (the rest adds to it in quadrature);
        ``profile_share``: that part's share of the bound's variance, 0-1.
    """
    part = math.sqrt(max(total_sigma_mm ** 2 - fixed_sigma_mm ** 2, 0.0))
    share = (part / total_sigma_mm) ** 2 if total_sigma_mm > 0 else 0.0
    return {"uncertainty_from_profile_mm": round(z * part, 3), "profile_share": round(share, 3)}
