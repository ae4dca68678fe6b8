"""What both Monte Carlos share: the draws of the board corners and the intrinsics, and the bound.

Each measurement's uncertainty is propagated by Monte Carlo: the inputs (board corners,
intrinsics, and each method's own observations) are drawn from their distributions, the
whole solution is recomputed for each draw, and the 95 % bound is 1.96 times the RMS spread
of the results about the nominal answer (bias included), with floors for what no draw models.

References
----------
JCGM 101:2008, Evaluation of measurement data - Supplement 1 to the "Guide to the expression of
uncertainty in measurement" - Propagation of distributions using a Monte Carlo method.
"""

from __future__ import annotations

import numpy as np

from ..vision.camera import CameraProfile

#: Monte Carlo draws for the uncertainty (the bound's own relative error is about 1/sqrt(2 N)).
MC_DRAWS = 200
#: Threads for the Monte Carlo (the draws are independent; results do not depend on this).
MC_THREADS = 2
#: 95 % two-sided normal quantile.
Z95 = 1.96
#: Unmodelled error kept in every bound (tab print scale, card not perfectly flat), mm, 1-sigma.
FLOOR_SIGMA_MM = 0.05
#: The board corners' noise is never taken below this, px, 1-sigma per coordinate.
MIN_BOARD_NOISE_PX = 0.03


def board_noise_px(rms_px: float, n_corners: int) -> float:
    """Per-coordinate 1-sigma of the board corners, px, from the pose fit's RMS reprojection error.

    The RMS is over 2-D residuals of ``n_corners`` points with the pose's 6 degrees of freedom
    removed; it is never taken below :data:`MIN_BOARD_NOISE_PX`.
    """
    n = n_corners
    return max(rms_px / np.sqrt(2.0) * np.sqrt(2 * n / max(2 * n - 6, 1)), MIN_BOARD_NOISE_PX)


def normal_quantiles(n: int) -> np.ndarray:
    """The standard normal's quantiles at (i + 0.5) / n, i = 0 .. n-1: a stratified sample of it, shape (n,).

    Shuffled, they replace ``n`` independent normal draws of one input (Latin hypercube sampling):
    that input's variance is then represented almost exactly, whatever the seed.

    References
    ----------
    McKay, Beckman and Conover (1979), Technometrics 21(2):239-245.
    """
    from statistics import NormalDist

    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    inv = NormalDist().inv_cdf
    return np.array([inv((i + 0.5) / n) for i in range(n)])


def draw_cameras(camera: CameraProfile, rng: np.random.Generator, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """``draws`` perturbed copies of the intrinsics.

    Drawn from the profile's own spread: its stored covariance (or, for a version-1 profile or a
    camera estimated from one photo, focal errors moving fx and fy together and the principal
    point and k1 independently); see :meth:`legcheck.vision.camera.CameraProfile.draw_intrinsics`.

    Returns
    -------
    K : ndarray, shape (draws, 3, 3)
    dist : ndarray, shape (draws, 5)
    """
    return camera.draw_intrinsics(rng, draws)


#: A Monte Carlo whose draws could be solved less often than this states no bound.
MIN_SOLVED_SHARE = 0.9
#: What a draw that could not be solved raises (and :func:`solve_or_nan` turns into NaN).
DRAW_FAILURES = (IndexError, ValueError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError)


def solve_or_nan(solve, *args) -> float:
    """``solve(*args)``, or NaN when this draw has no solution.

    A draw of intrinsics far from the profile's (a poorly known camera) may leave a pose without
    any solution (OpenCV returns none, or raises); such a draw is skipped, as draws whose lens
    distortion folds are redrawn, instead of ending the measurement.
    """
    from .._cv import cv2

    try:
        return float(solve(*args))
    except DRAW_FAILURES + (cv2().error,):
        return float("nan")


def solved_draws(draws_mm: np.ndarray) -> np.ndarray:
    """The finite draws of a Monte Carlo (NaN: a draw that could not be solved).

    Raises
    ------
    CameraProfileError
        Fewer than :data:`MIN_SOLVED_SHARE` of the draws were solved: what is drawn (in practice the
        camera's intrinsics, from the profile's stated uncertainty) is too uncertain to measure with.
    """
    from ..errors import CameraProfileError

    draws_mm = np.asarray(draws_mm, np.float64)
    ok = draws_mm[np.isfinite(draws_mm)]
    if ok.size < MIN_SOLVED_SHARE * draws_mm.size:
        raise CameraProfileError(
            f"only {ok.size} of {draws_mm.size} draws of the uncertainty could be solved: the camera's intrinsics "
            "are too uncertain to measure with; recalibrate the camera")
    return ok


def bound_95(draws_mm: np.ndarray, nominal_mm: float, *floors_mm: float) -> float:
    """95 % half-width, mm: 1.96 x the RMS of the draws about the nominal value, with floors added in quadrature.

    Parameters
    ----------
    draws_mm : ndarray, shape (N,)
        The quantity recomputed for each Monte Carlo draw, mm.
    nominal_mm : float
        Its value from the unperturbed inputs, mm; a shift of the draws' mean from it counts.
    *floors_mm : float
        1-sigma of error sources no draw models, mm.

    Raises
    ------
    CameraProfileError
        Too few draws could be solved (:func:`solved_draws`).

    References
    ----------
    JCGM 101:2008 (GUM Supplement 1), propagation of distributions by Monte Carlo; the interval
    is the normal one from the draws' standard deviation.
    """
    draws_mm = solved_draws(draws_mm)
    total = np.var(draws_mm) + (np.mean(draws_mm) - nominal_mm) ** 2
    for f in floors_mm:
        total += f ** 2
    return Z95 * float(np.sqrt(total))
