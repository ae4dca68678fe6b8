"""Point modes (heel contours, manual points): each heel is one image point at an assumed height.

Each heel point is where its camera ray meets the plane z = heel height (table frame). The
heights are not measured: the Monte Carlo draws the common heel height (±50 mm, 95 %) and the
difference between the two heels' heights, besides the board pose, the intrinsics and each
point, so at an oblique view, where the heights leak into the table axis, the bound widens.

References
----------
JCGM 101:2008 (GUM Supplement 1) for the Monte Carlo bound (:mod:`legcheck.measure.uncertainty`).
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from ..geometry import Pose, backproject_to_height, solve_board_pose, view_elevation_deg
from ..vision.camera import CameraProfile
from ..vision.detect import BoardCorners
from ..records.vocabulary import EVEN_BELOW_MM
from .plausibility import check_heels, check_placement, check_turn, labels_swapped, swapped_warning
from .measurement import (Measurement, board_fit_warnings, check_even_below_mm, pose_details, short_leg_of,
                          view_warnings, wide_uncertainty_warnings)
from ..vision.intrinsics import uncertainty_breakdown
from .table_axis import axis_details, axis_part_mm, board_centre_mm, draw_axis, estimate_table_axis, lld_along
from .uncertainty import (FLOOR_SIGMA_MM, MC_DRAWS, Z95, board_noise_px, bound_95, draw_cameras, normal_quantiles,
                          solve_or_nan)

#: Heel height: the ±50 mm (95 %) a typical value can be off by, and how much the two heels of one
#: patient differ, both as 1-sigma. Feet hanging over the table's end relax into their own plantar
#: flexion (5-30 degrees, often different left and right) and shoes raise the heel's back: its height
#: above the table top runs from about 60 mm (small bare feet lying flat) to 165 mm (shoes hanging
#: over a cushioned end), and the two heels of one patient differ by up to about ±20 mm (95 %) even
#: in the same shoes on a level table (each degree of flexion difference moves the heel's back by
#: 1-2 mm). The renderer's drop-table patients (:mod:`legcheck.synth.drop_families`) agree: heights
#: 97-165 mm; the points contour mode measures (where each heel's outline is, not the landmark) differ
#: left to right by 13.7 mm RMS over the benchmark's 90 scenes (p95 28 mm; bare feet, black socks and
#: sneakers 16-18 mm, shoes 8-10 mm), so 14 mm. (At 12.5 mm, drawn without luck, one of 19 confident
#: contour results, a sneaker 18.1 mm off, fell outside its 17.8 mm bound.) Seen
#: obliquely, as contour mode needs, that difference leaks into lld_mm by its size divided by the
#: tangent of the view's elevation; only heel tabs measure the heights.
HEEL_HEIGHT_SIGMA_MM = 50.0 / Z95
HEEL_DIFF_SIGMA_MM = 14.0
#: How well a heel landmark is defined on the outline, mm, 1-sigma (kept in every point-mode bound).
LANDMARK_FLOOR_MM = 0.15
#: Heel landmark heights accepted, mm (exclusive): above the table, below a raised foot.
HEEL_HEIGHT_RANGE_MM = (0.0, 400.0)
#: Heights a prone adult's heel landmark is found at, mm (see the sigmas above: 60-165 mm, with room);
#: a height given outside them is measured with, but warned of: the bound assumes it is within ±50 mm.
TYPICAL_HEEL_HEIGHT_MM = (40.0, 180.0)


def check_heel_height_mm(heel_height_mm: float) -> float:
    """``heel_height_mm`` as a float, checked to lie in :data:`HEEL_HEIGHT_RANGE_MM`.

    Raises
    ------
    UsageError
        Out of range or not a number.
    """
    lo, hi = HEEL_HEIGHT_RANGE_MM
    try:
        value = float(heel_height_mm)
    except (TypeError, ValueError):
        value = float("nan")
    if not lo < value < hi:
        raise UsageError(f"heel_height_mm must be in ({lo:g}, {hi:g}), got {heel_height_mm!r}")
    return value


def monte_carlo_points(board: BoardCorners, pts_px: np.ndarray, sigma_px: np.ndarray, camera: CameraProfile,
                       board2cam: Pose, board_rms_px: float, heel_height_mm: float, draws: int = MC_DRAWS,
                       seed: int = 0, axis=None) -> np.ndarray:
    """lld_mm for ``draws`` perturbed copies of the board, intrinsics, heel heights, points and table axis.

    Parameters
    ----------
    board : BoardCorners
    pts_px : ndarray, shape (2, 2)
        Left and right heel points (x, y), photo pixels.
    sigma_px : ndarray, shape (2,)
        Their 1-sigma, px.
    camera : CameraProfile
    board2cam : Pose
        The nominal board pose (start of each draw's fit).
    board_rms_px : float
        The nominal fit's RMS reprojection error, px (sets the board corners' noise).
    heel_height_mm : float
    draws, seed : int
    axis : legcheck.measure.table_axis.TableAxis, optional
        The table's axis against the board (angle and sigma); lld is taken along it. None: the board's y.

    Returns
    -------
    ndarray, shape (draws,)

    References
    ----------
    JCGM 101:2008 (GUM Supplement 1).
    """
    rng = np.random.default_rng(seed)
    sig_board = board_noise_px(board_rms_px, len(board.corners_px))
    Ks, dists = draw_cameras(camera, rng, draws)
    out = np.empty(draws)
    diffs = np.full((draws, 3), np.nan)  # left - right, table frame; NaN: a draw without a solution

    def one(i, K, dist_i, corners, heights, p):
        b2c, _ = solve_board_pose(board.board_mm, corners, K, dist_i, guess=board2cam)
        hh = backproject_to_height(p, K, dist_i, b2c, heights)
        diffs[i] = hh[0] - hh[1]
        return 0.0

    # The heels' common height and their difference dominate the spread: drawn stratified (each a
    # shuffled set of the normal's quantiles), so their share of the bound does not move with the seed
    # (plain draws moved the bound by up to 25 % between seeds at 200 draws; now a few %).
    hs = heel_height_mm + rng.permutation(normal_quantiles(draws)) * HEEL_HEIGHT_SIGMA_MM
    ds = rng.permutation(normal_quantiles(draws)) * HEEL_DIFF_SIGMA_MM
    for i in range(draws):
        corners = board.corners_px + rng.normal(0, sig_board, board.corners_px.shape)
        h, d = hs[i], ds[i]
        p = pts_px + rng.normal(size=pts_px.shape) * sigma_px[:, None]
        # A draw without a solution stays NaN, skipped by bound_95 (the random stream advances alike).
        solve_or_nan(one, i, Ks[i], dists[i], corners, np.array([h + d / 2, h - d / 2]), p)
    thetas = draw_axis(axis, rng, draws)
    out[:] = lld_along(diffs, np.zeros(3), thetas)
    return out


def measure_from_points(board: BoardCorners, points_px: dict, sigma_px: dict, camera: CameraProfile,
                        heel_height_mm: float, method: str, even_below_mm: float = EVEN_BELOW_MM, seed: int = 0,
                        warnings=(), confidence: float = 1.0, draws: int = MC_DRAWS,
                        bias_mm: float = 0.0, table_lines=(), board_squared: bool = False) -> Measurement:
    """Leg-length discrepancy from one image point per heel (contour or manual mode).

    Parameters
    ----------
    board : BoardCorners
    points_px : dict
        ``{"left": (x, y), "right": (x, y)}`` photo pixels (as displayed).
    sigma_px : dict
        ``{"left": float, "right": float}``: 1-sigma of each point, pixels.
    camera : CameraProfile
        Intrinsics for this photo (already adapted to its size and orientation).
    heel_height_mm : float
        Height of the heel landmarks above the table, mm, in (0, 400).
    method : {"contour", "manual"}
    even_below_mm : float
        ``short_leg`` is "even" when |lld_mm| is under this, mm.
    seed : int
        Seed of the Monte Carlo.
    warnings : sequence of str
        Warnings from earlier stages, kept first.
    confidence : float
        How sure the points are, (0, 1].
    draws : int
        Monte Carlo draws.
    bias_mm : float
        How far, at most, the points may sit off their landmarks along the table axis, summed
        over both heels, mm (a manual point off the heel's edge); added to the bound linearly, as
        an error no draw models and that need not average out (``details["point_off_edge_mm"]``;
        the profile's share in ``details`` is of the drawn bound, without it).
    table_lines : sequence of legcheck.vision.table_edges.TableLine
        Straight lines on the table plane: the table's axis is taken from those that are the
        table's (:func:`legcheck.measure.table_axis.estimate_table_axis`).
    board_squared : bool
        With no table line, take the board's axis as exact instead of within the assumed alignment.

    Returns
    -------
    Measurement
        Heels on the plane z = ``heel_height_mm``, table-axis frame, mm; lld_mm is along the table's
        axis and ``table_axis`` says where the axis came from. Sides come from the
        points' positions (:mod:`legcheck.measure.plausibility`): when the LEFT point lies on the
        patient's right of the RIGHT point, the result stands with a warning and
        ``details["labels_swapped"]`` is True.

    Raises
    ------
    UsageError
        ``heel_height_mm`` or ``even_below_mm`` out of range, an unknown ``method``, or a side missing.
    BoardPlacementError
        The board is turned across the table, turned further than a table edge could correct with
        none measured, or lies far from the heels (exit 13).
    ImplausibleHeelsError
        The points cannot be a prone patient's two heels (exit 5); the message names the check.

    References
    ----------
    JCGM 101:2008 (GUM Supplement 1) for the Monte Carlo bound.
    """
    heel_height_mm = check_heel_height_mm(heel_height_mm)
    even_below_mm = check_even_below_mm(even_below_mm)
    if method not in ("contour", "manual"):
        raise UsageError(f"method must be 'contour' or 'manual', got {method!r}")
    if set(points_px) != {"left", "right"} or set(sigma_px) != {"left", "right"}:
        raise UsageError("points_px and sigma_px must each hold 'left' and 'right'")
    K0, dist = camera.K, camera.dist
    board2cam, rms = solve_board_pose(board.board_mm, board.corners_px, K0, dist)
    pts = np.array([points_px["left"], points_px["right"]], dtype=np.float64)
    heels = backproject_to_height(pts, K0, dist, board2cam, heel_height_mm)
    sig = np.array([sigma_px["left"], sigma_px["right"]], dtype=np.float64)
    check_placement(heels[0], heels[1], board.board_mm)
    swapped = labels_swapped(heels[0], heels[1])
    if swapped:  # the patient's LEFT heel is the one with the smaller table x, whatever it was called
        pts, heels, sig = pts[::-1].copy(), heels[::-1].copy(), sig[::-1].copy()
    axis = estimate_table_axis(table_lines, heels[0], heels[1], board_centre_mm(board.board_mm), board_squared)
    check_turn(heels[0], heels[1], axis)
    lld = float(lld_along(heels[0], heels[1], axis.board_to_table_deg))
    heels = heels @ axis.rotation().T
    check_heels(heels[0], heels[1], lld, tabs=False)
    out = monte_carlo_points(board, pts, sig, camera, board2cam, rms, heel_height_mm, draws, seed, axis)
    bias_mm = max(float(bias_mm), 0.0)
    unc_drawn = bound_95(out, lld, LANDMARK_FLOOR_MM, FLOOR_SIGMA_MM)
    unc = unc_drawn + bias_mm
    # The same draws with the intrinsics exact: the quadrature difference is the profile's part.
    fixed = monte_carlo_points(board, pts, sig, camera.fixed(), board2cam, rms, heel_height_mm, draws, seed, axis)
    unc_fixed = bound_95(fixed, lld, LANDMARK_FLOOR_MM, FLOOR_SIGMA_MM)
    elevation = view_elevation_deg(board2cam)
    # Contour mode needs an oblique view (the heels' backs show only from the head's side, see
    # legcheck.vision.contour): "from more directly above" would be the wrong advice there.
    views = view_warnings(elevation) if method != "contour" else []
    warn = (list(warnings) + ([swapped_warning(method)] if swapped else []) + views
            + list(axis.warnings) + board_fit_warnings(rms) + heel_height_warnings(heel_height_mm))
    axis_mm = axis_part_mm(axis, heels[0], heels[1])
    breakdown = uncertainty_breakdown(unc_drawn / Z95, unc_fixed / Z95, Z95)
    warn += wide_uncertainty_warnings(
        unc, breakdown["uncertainty_from_profile_mm"], axis_mm,
        f": the heels' heights above the table are assumed ({heel_height_mm:.0f} mm) and, seen at this angle, a "
        "difference between them moves the result; " + ("for a figure to compare before and after, use heel tabs"
                                                         if method == "contour" else
                                                         "photograph from more directly above the heels, or use heel tabs"))
    return Measurement(
        lld_mm=lld, short_leg=short_leg_of(lld, even_below_mm), uncertainty_mm=unc, method=method,
        left_heel_mm=tuple(float(v) for v in heels[0]), right_heel_mm=tuple(float(v) for v in heels[1]),
        camera_source=camera.source, board_reprojection_px=rms, view_elevation_deg=elevation,
        warnings=tuple(warn), confidence=float(confidence), even_below_mm=even_below_mm, table_axis=axis.to_json(),
        details={**pose_details(len(board.ids), K0, board2cam), **axis_details(axis), "table_axis_mm": round(axis_mm, 3),
                 "heel_height_mm": float(heel_height_mm),
                 "heel_px": {"left": [round(float(v), 2) for v in pts[0]], "right": [round(float(v), 2) for v in pts[1]]},
                 "heel_sigma_px": {"left": round(float(sig[0]), 3), "right": round(float(sig[1]), 3)},
                 "labels_swapped": bool(swapped), "point_off_edge_mm": round(bias_mm, 3),
                 # The profile's part of the drawn bound; a point off the edge adds to it linearly.
                 **breakdown},
    )


def heel_height_warnings(heel_height_mm: float) -> list[str]:
    """A warning when the heel height given lies outside :data:`TYPICAL_HEEL_HEIGHT_MM` (else none)."""
    lo, hi = TYPICAL_HEEL_HEIGHT_MM
    if lo <= heel_height_mm <= hi:
        return []
    return [f"the heel height given ({heel_height_mm:.0f} mm) is unlike a prone adult's heel ({lo:.0f}-{hi:.0f} mm "
            "above the table); the bound assumes it within 50 mm of the truth: measure the heels' height, or leave "
            "the default (100 mm)"]
