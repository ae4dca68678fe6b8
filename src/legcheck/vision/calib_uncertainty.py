"""How well a calibration knows the intrinsics: OpenCV's covariance and a bootstrap over views.

Two estimates of the spread of (fx, fy, cx, cy, k1, k2, p1, p2, k3):

- **OpenCV's covariance**: the inverse of the Gauss-Newton normal matrix at the solution,
  scaled by the residual variance, with every view's pose eliminated (Schur complement).
  It is what ``calibrateCameraExtended`` reports as standard deviations, kept here as a full
  9x9 matrix so the strong correlations (fx with fy, k1 with k2 and k3) survive. It assumes
  the model is exact and the corner errors independent.
- **A bootstrap over views**: the photos (groups of near-copies as one) are resampled with
  replacement and the camera recalibrated; the spread of the results is what another set of photos like these would give.
  It sees what the covariance cannot: a view that does not fit the model, corner errors that
  are correlated within a view, a set whose answer hangs on one or two photos.

The stated covariance is the larger of the two along every direction of parameter space
(:func:`larger_covariance`), so each parameter's standard deviation is at least the larger of
the two estimates.

References
----------
Zhang, Z. (2000). A flexible new technique for camera calibration. IEEE TPAMI 22(11).
Efron, B. & Tibshirani, R. (1993). An Introduction to the Bootstrap, ch. 6 (bootstrap standard errors).
OpenCV ``calibrateCameraExtended`` (stdDeviationsIntrinsics) and ``projectPoints`` (jacobian layout).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from .intrinsics import INTRINSIC_PARAMS as PARAMS
#: Bootstrap resamples: the relative error of a standard deviation from B resamples is about
#: 1 / sqrt(2 B), 7 % at 100; one resample of 15 views of 24 corners takes about 10 ms.
BOOTSTRAP_RESAMPLES = 100
#: Threads for the bootstrap (OpenCV releases the GIL in calibrateCamera).
BOOTSTRAP_THREADS = 2


@dataclass(frozen=True)
class Fit:
    """One calibration of a set of views.

    Attributes
    ----------
    rms_px : float
        RMS reprojection error over all corners.
    K : ndarray (3, 3)
    dist : ndarray (5,)
        (k1, k2, p1, p2, k3).
    rvecs, tvecs : ndarray (n_views, 3)
        Each view's board2cam pose (Rodrigues vector; mm).
    per_view_rms_px : ndarray (n_views,)
    covariance : ndarray (9, 9)
        OpenCV's covariance of :data:`PARAMS`.
    """

    rms_px: float
    K: np.ndarray
    dist: np.ndarray
    rvecs: np.ndarray
    tvecs: np.ndarray
    per_view_rms_px: np.ndarray
    covariance: np.ndarray

    @property
    def params(self) -> np.ndarray:
        return params_of(self.K, self.dist)


def params_of(K: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """(fx, fy, cx, cy, k1, k2, p1, p2, k3) of a camera matrix and distortion vector."""
    d = np.zeros(5)
    dd = np.asarray(dist, dtype=np.float64).ravel()[:5]
    d[:dd.size] = dd
    return np.array([K[0, 0], K[1, 1], K[0, 2], K[1, 2], *d])


def _as32(obj_list, img_list):
    return ([np.asarray(o, np.float32).reshape(-1, 3) for o in obj_list],
            [np.asarray(i, np.float32).reshape(-1, 2) for i in img_list])


def fit_views(obj_list, img_list, image_size) -> Fit:
    """Calibrate (all five distortion terms free) and return the fit with OpenCV's covariance.

    Parameters
    ----------
    obj_list : list of ndarray (N_i, 3)
        Board points per view, board frame, mm.
    img_list : list of ndarray (N_i, 2)
        Their pixels.
    image_size : (int, int)
        (width, height).

    Raises
    ------
    cv2.error
        OpenCV could not fit (degenerate views).
    """
    cv = cv2()
    obj32, img32 = _as32(obj_list, img_list)
    rms, K, dist, rvecs, tvecs = cv.calibrateCamera(obj32, img32, tuple(int(v) for v in image_size), None, None)
    dist = np.asarray(dist, np.float64).ravel()[:5]
    rvecs = np.array([np.asarray(r).ravel() for r in rvecs])
    tvecs = np.array([np.asarray(t).ravel() for t in tvecs])
    per_view, cov = _residuals_and_covariance(obj32, img32, K, dist, rvecs, tvecs)
    return Fit(float(rms), K, dist, rvecs, tvecs, per_view, cov)


def square_pixel_fit(obj_list, img_list, image_size, bracket=(0.8, 1.25)) -> tuple[float, np.ndarray]:
    """The other reading of a set whose fx/fy is off 1: square pixels and a board printed out of scale.

    A board printed with unequal scales along its two axes looks to a free calibration like
    non-square pixels. Phones have square pixels: fixing fx = fy and fitting the board's x/y
    print ratio instead (its overall scale does not change the intrinsics) explains the same
    photos another way. The ratio minimising the RMS error is found by golden-section search.

    Returns
    -------
    ratio : float
        The board's printed x scale over its y scale (1.03: printed 3 % wider than tall).
    params : ndarray (9,)
        The intrinsics with that board and square pixels.
    """
    cv = cv2()
    obj32, img32 = _as32(obj_list, img_list)
    size = tuple(int(v) for v in image_size)

    def run(ratio):
        objs = [o * np.float32([ratio, 1, 1]) for o in obj32]
        return cv.calibrateCamera(objs, img32, size, np.eye(3), None, flags=cv.CALIB_FIX_ASPECT_RATIO)[:3]

    g = (np.sqrt(5) - 1) / 2
    lo, hi = bracket
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = run(a)[0], run(b)[0]
    while hi - lo > 1e-4:
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = run(a)[0]
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = run(b)[0]
    ratio = (lo + hi) / 2
    _, K, d = run(ratio)
    return float(ratio), params_of(K, d)


def _residuals_and_covariance(obj32, img32, K, dist, rvecs, tvecs):
    """Per-view RMS error and the 9x9 intrinsic covariance, poses eliminated by the Schur complement.

    ``projectPoints``' jacobian columns are rvec (3), tvec (3), fx fy (2), cx cy (2), distortion (5).
    """
    cv = cv2()
    A = np.zeros((9, 9))
    schur = np.zeros((9, 9))
    sq, n_res, per_view = 0.0, 0, []
    for obj, img, r, t in zip(obj32, img32, rvecs, tvecs):
        proj, J = cv.projectPoints(obj.astype(np.float64), r, t, K, dist)
        res = proj.reshape(-1, 2) - img
        per_view.append(float(np.sqrt(np.mean(np.sum(res ** 2, axis=1)))))
        sq += float(np.sum(res ** 2))
        n_res += res.size
        Je, Ji = J[:, :6], J[:, 6:15]
        A += Ji.T @ Ji
        B = Ji.T @ Je
        schur += B @ np.linalg.pinv(Je.T @ Je) @ B.T
    dof = max(n_res - 9 - 6 * len(obj32), 1)
    cov = (sq / dof) * np.linalg.pinv(A - schur)
    return np.array(per_view), (cov + cov.T) / 2


def bootstrap_params(obj_list, img_list, image_size, fit: Fit, resamples: int = BOOTSTRAP_RESAMPLES,
                     seed: int = 0, groups=None) -> np.ndarray:
    """Intrinsics recalibrated from ``resamples`` resamples of the views (with replacement).

    Parameters
    ----------
    groups : list of list of int, optional
        Views that are near-copies of each other (:func:`legcheck.vision.calib_checks.near_copy_groups`):
        a group is resampled as one unit, so copies of one view do not pass for independent
        evidence (six copies of a photo would otherwise give a spread of zero). None: every view
        its own group.

    Returns
    -------
    ndarray (B, 9)
        One row of :data:`PARAMS` per resample that OpenCV could fit (B <= ``resamples``).
        The resamples are drawn from ``seed`` before any fitting: the result does not depend
        on the threads.
    """
    cv = cv2()
    groups = [[i] for i in range(len(obj_list))] if groups is None else [list(g) for g in groups]
    k = len(groups)
    rng = np.random.default_rng(seed)
    draws = [np.concatenate([groups[g] for g in rng.integers(0, k, k)]).astype(int) for _ in range(resamples)]
    obj32, img32 = _as32(obj_list, img_list)
    size = tuple(int(v) for v in image_size)
    out = np.full((resamples, 9), np.nan)

    def run(indices):
        for b in indices:
            idx = draws[b]
            try:
                _, K, d, _, _ = cv.calibrateCamera([obj32[i] for i in idx], [img32[i] for i in idx], size,
                                                   fit.K.copy(), fit.dist.reshape(-1, 1).copy(),
                                                   flags=cv.CALIB_USE_INTRINSIC_GUESS)
            except cv.error:
                continue
            out[b] = params_of(K, d)

    with ThreadPoolExecutor(BOOTSTRAP_THREADS) as ex:
        list(ex.map(run, np.array_split(np.arange(resamples), BOOTSTRAP_THREADS)))
    return out[np.all(np.isfinite(out), axis=1)]


def larger_covariance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest covariance, aligned with both, that is at least ``a`` and at least ``b``.

    With ``a = L L^T`` and ``L^-1 b L^-T = V diag(l) V^T``, the result is
    ``L V diag(max(1, l)) V^T L^T``: along every direction where the two ellipsoids share
    axes it keeps the longer one. Both ``a`` and ``b`` are below it in the matrix (Loewner)
    order, so every parameter's variance, and every combination's, is at least both.

    Parameters
    ----------
    a : ndarray (p, p)
        Positive definite (OpenCV's covariance).
    b : ndarray (p, p)
        Positive semi-definite (the bootstrap's).
    """
    a = (a + a.T) / 2
    scale = np.sqrt(np.clip(np.diag(a), 1e-300, None))
    # Work in a's own units (the parameters span twelve orders of magnitude).
    an = a / np.outer(scale, scale)
    bn = b / np.outer(scale, scale)
    w, U = np.linalg.eigh(an)
    w = np.clip(w, 1e-12 * w.max(), None)
    L = U * np.sqrt(w)  # an = L L^T
    Linv = np.linalg.pinv(L)
    lam, V = np.linalg.eigh(Linv @ bn @ Linv.T)
    M = L @ V
    out = M @ np.diag(np.maximum(lam, 1.0)) @ M.T
    out = out * np.outer(scale, scale)
    return (out + out.T) / 2


def bootstrap_covariance(samples: np.ndarray) -> np.ndarray:
    """Sample covariance of bootstrap rows (B, 9); zeros when fewer than 10 resamples were fitted."""
    if len(samples) < 10:
        return np.zeros((samples.shape[1] if samples.ndim == 2 else 9,) * 2)
    return np.cov(samples, rowvar=False)
