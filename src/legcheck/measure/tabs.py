"""Heel-tab mode: each heel is the centre of a printed square tab, placed in 3-D from its own pose.

The camera's pose comes from the board (24 corners spread over 25 cm: a strong pose); each
heel tab's centre comes from the tab's own pose in the camera frame (IPPE on its four refined
corners), then goes to the table frame through the board's pose. A tab's depth along the
camera ray is its weakest coordinate; at oblique views that depth leaks into the table axis and
the Monte Carlo bound widens accordingly.

References
----------
T. Collins and A. Bartoli, "Infinitesimal Plane-Based Pose Estimation", IJCV 109(3), 252-286,
2014 (IPPE; used through OpenCV's SOLVEPNP_IPPE and SOLVEPNP_IPPE_SQUARE).
JCGM 101:2008 (GUM Supplement 1) for the Monte Carlo bound (:mod:`legcheck.measure.uncertainty`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..geometry import Pose, cam_to_table, distort_ideal, solve_board_pose, solve_square_pose, view_elevation_deg
from ..targets.spec import TabSpec
from ..vision.camera import CameraProfile
from ..vision.detect import BoardCorners, TabCorners
from ..records.vocabulary import EVEN_BELOW_MM
from .plausibility import check_heels, check_placement, check_turn, labels_swapped, swapped_warning
from .measurement import (Measurement, board_fit_warnings, check_even_below_mm, pose_details, short_leg_of,
                          view_warnings, wide_uncertainty_warnings)
from ..vision.intrinsics import uncertainty_breakdown
from .table_axis import axis_details, axis_part_mm, board_centre_mm, draw_axis, estimate_table_axis, lld_along
from .uncertainty import (FLOOR_SIGMA_MM, MC_DRAWS, MC_THREADS, Z95, board_noise_px, bound_95, draw_cameras,
                          solve_or_nan)

#: A tab turned further than this from the camera's line of sight is flagged, degrees.
EDGE_ON_DEG = 65.0
#: A tab outline whose edge points scatter more than this about their lines is flagged, px RMS.
RAGGED_EDGE_PX = 0.6


@dataclass(frozen=True)
class TabGeometry:
    """The solution for one set of observations.

    Attributes
    ----------
    board2cam : Pose
        Board frame to camera, mm.
    board_rms_px : float
        RMS reprojection error of the board's pose fit, px.
    heels_table_mm : dict
        ``{"left": (3,), "right": (3,)}``: each tab's centre in the table frame, mm.
    tab2cam : dict
        ``{"left": Pose, "right": Pose}``: each tab's pose (tab frame to camera, mm).
    """

    board2cam: Pose
    board_rms_px: float
    heels_table_mm: dict
    tab2cam: dict


def solve_tabs(board: BoardCorners, tabs: dict[str, TabCorners], tab_spec: TabSpec, K: np.ndarray, dist: np.ndarray,
               board_guess: Pose | None = None, tab_px: dict | None = None) -> TabGeometry:
    """Heel (tab centre) positions in the table frame for one set of observations.

    Parameters
    ----------
    board : BoardCorners
    tabs : dict
        ``{"left": TabCorners, "right": TabCorners}``.
    tab_spec : TabSpec
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,).
    board_guess : Pose, optional
        Start the board's pose from here (iterative refinement) instead of IPPE.
    tab_px : dict, optional
        ``{"left": (4, 2), "right": (4, 2)}`` photo pixels to use instead of ``tabs``' corners.

    Returns
    -------
    TabGeometry

    References
    ----------
    Collins & Bartoli 2014 (IPPE), through OpenCV's SOLVEPNP_IPPE and SOLVEPNP_IPPE_SQUARE.
    """
    board2cam, rms = solve_board_pose(board.board_mm, board.corners_px, K, dist, guess=board_guess)
    cam2table = cam_to_table(board2cam)
    heels, poses = {}, {}
    for side, tab in tabs.items():
        px = tab.corners_px if tab_px is None else tab_px[side]
        tab2cam, _ = solve_square_pose(tab_spec.tab_mm, px, K, dist)
        poses[side] = tab2cam
        heels[side] = cam2table.apply(tab2cam.t.reshape(1, 3))[0]
    return TabGeometry(board2cam, rms, heels, poses)


def perturbed_corners(lines: np.ndarray, sigma: np.ndarray, corners: np.ndarray, rng: np.random.Generator,
                      draws: int) -> np.ndarray:
    """Corners of ``draws`` copies of a quad whose four side lines are perturbed.

    Each line turns about its midpoint by N(0, sigma_angle) and shifts by N(0, sigma_offset).

    Parameters
    ----------
    lines : ndarray, shape (4, 3)
        Side lines (a, b, c), a x + b y = c, unit normals; line k joins corner k and k+1.
    sigma : ndarray, shape (4, 2)
        1-sigma of each line's offset (px) and angle (rad).
    corners : ndarray, shape (4, 2)
        The quad's corners, same pixel frame.
    rng : numpy.random.Generator
    draws : int

    Returns
    -------
    ndarray, shape (draws, 4, 2)
    """
    mids = (corners + np.roll(corners, -1, axis=0)) / 2  # line k joins corner k and k+1
    a = rng.normal(size=(draws, 4)) * sigma[:, 1]
    c, s = np.cos(a), np.sin(a)
    nx = c * lines[:, 0] - s * lines[:, 1]
    ny = s * lines[:, 0] + c * lines[:, 1]
    off = nx * mids[:, 0] + ny * mids[:, 1] + rng.normal(size=(draws, 4)) * sigma[:, 0]
    # Corner k = line k-1 meets line k (Cramer's rule, vectorised over draws).
    nx0, ny0, o0 = np.roll(nx, 1, axis=1), np.roll(ny, 1, axis=1), np.roll(off, 1, axis=1)
    det = nx0 * ny - ny0 * nx
    x = (o0 * ny - ny0 * off) / det
    y = (nx0 * off - o0 * nx) / det
    return np.stack([x, y], axis=-1)


def monte_carlo_lld(board: BoardCorners, tabs: dict[str, TabCorners], tab_spec: TabSpec, camera: CameraProfile,
                    nominal: TabGeometry, draws: int = MC_DRAWS, seed: int = 0, axis=None) -> np.ndarray:
    """lld_mm for ``draws`` perturbed copies of the observations and intrinsics.

    Drawn: each tab side's line (offset and angle, from its edge fit), the board corners
    (:func:`~legcheck.measure.uncertainty.board_noise_px`), the intrinsics
    (:func:`~legcheck.measure.uncertainty.draw_cameras`) and the table's axis against the board
    (``axis``: its angle and sigma; lld is taken along it).

    Returns
    -------
    ndarray, shape (draws,)
        lld_mm of each draw (NaN where a draw has no solution).

    References
    ----------
    JCGM 101:2008 (GUM Supplement 1).
    """
    rng = np.random.default_rng(seed)
    K0, dist = camera.K, camera.dist
    sig_board = board_noise_px(nominal.board_rms_px, len(board.corners_px))
    tab_px = {}
    for side, tab in tabs.items():
        ideal = perturbed_corners(tab.edges.lines, tab.edges.line_sigma, tab.edges.corners_ideal_px, rng, draws)
        tab_px[side] = distort_ideal(ideal.reshape(-1, 2), K0, dist).reshape(draws, 4, 2)
    board_px = board.corners_px[None] + rng.normal(0.0, sig_board, (draws,) + board.corners_px.shape)
    Ks, dists = draw_cameras(camera, rng, draws)
    thetas = draw_axis(axis, rng, draws)
    out = np.empty(draws)

    def one(i):
        b = BoardCorners(board_px[i], board.ids, board.board_mm)
        g = solve_tabs(b, tabs, tab_spec, Ks[i], dists[i], board_guess=nominal.board2cam,
                       tab_px={side: px[i] for side, px in tab_px.items()})
        return lld_along(g.heels_table_mm["left"], g.heels_table_mm["right"], thetas[i])

    def solve(idx):
        for i in idx:
            out[i] = solve_or_nan(one, i)  # a draw without a solution is NaN, skipped by bound_95

    # OpenCV releases the GIL in its solvers: two threads use both cores of a phone-era laptop.
    with ThreadPoolExecutor(MC_THREADS) as ex:
        list(ex.map(solve, np.array_split(np.arange(draws), MC_THREADS)))
    return out


def tab_warnings(tabs: dict[str, TabCorners], geometry: TabGeometry) -> list[str]:
    """Warnings about the tabs themselves: seen almost edge-on, or a ragged outline."""
    out = []
    for side, pose in geometry.tab2cam.items():
        normal_cam = pose.R @ np.array([0.0, 0.0, 1.0])
        ray = pose.t / np.linalg.norm(pose.t)
        tilt = float(np.degrees(np.arccos(np.clip(abs(normal_cam @ ray), 0.0, 1.0))))
        if tilt > EDGE_ON_DEG:
            out.append(f"the tab on the {side.upper()} heel is seen almost edge-on ({tilt:.0f} degrees); "
                       "turn it towards the camera for a surer figure")
        if tabs[side].edges.edge_rms_px > RAGGED_EDGE_PX:
            out.append(f"the outline of the tab on the {side.upper()} heel is ragged "
                       f"({tabs[side].edges.edge_rms_px:.2f} px); it may be bent, blurred or partly covered")
    return out


def measure_from_tabs(board: BoardCorners, tabs: dict[str, TabCorners], tab_spec: TabSpec, camera: CameraProfile,
                      even_below_mm: float = EVEN_BELOW_MM, seed: int = 0, warnings=(), table_lines=(),
                      board_squared: bool = False) -> Measurement:
    """Leg-length discrepancy from the board and both heel tabs.

    Parameters
    ----------
    board : BoardCorners
    tabs : dict
        ``{"left": TabCorners, "right": TabCorners}``.
    tab_spec : TabSpec
    camera : CameraProfile
        Intrinsics for this photo (already adapted to its size and orientation).
    even_below_mm : float
        ``short_leg`` is "even" when |lld_mm| is under this, mm.
    seed : int
        Seed of the Monte Carlo (derive it from the photo so a result is reproducible).
    warnings : sequence of str
        Warnings from earlier stages, kept first.
    table_lines : sequence of legcheck.vision.table_edges.TableLine
        Straight lines on the table plane (:func:`legcheck.vision.table_edges.find_table_lines`):
        the table's axis is taken from those that are the table's
        (:func:`legcheck.measure.table_axis.estimate_table_axis`).
    board_squared : bool
        With no table line, take the board's axis as exact instead of within the assumed alignment.

    Returns
    -------
    Measurement
        ``method`` "tabs"; heels are the tab centres in the table-axis frame, mm; lld_mm is along the
        table's axis and ``table_axis`` says where the axis came from. Sides come from the
        tabs' positions (:mod:`legcheck.measure.plausibility`): when the LEFT tab lies on the
        patient's right of the RIGHT tab, the result stands with a warning and
        ``details["labels_swapped"]`` is True.

    Raises
    ------
    UsageError
        ``even_below_mm`` is negative, or ``tabs`` lacks a side.
    BoardPlacementError
        The board is turned across the table, turned further than a table edge could correct with
        none measured, or lies far from the heels (exit 13).
    ImplausibleHeelsError
        The tabs cannot be on a prone patient's two heels (exit 5); the message names the check.

    References
    ----------
    Collins & Bartoli 2014 (IPPE) for the poses; JCGM 101:2008 for the Monte Carlo bound.
    """
    even_below_mm = check_even_below_mm(even_below_mm)
    if set(tabs) != {"left", "right"}:
        raise UsageError(f"tabs must hold 'left' and 'right', got {sorted(tabs)}")
    nominal = solve_tabs(board, tabs, tab_spec, camera.K, camera.dist)
    left, right = nominal.heels_table_mm["left"], nominal.heels_table_mm["right"]
    check_placement(left, right, board.board_mm)
    swapped = labels_swapped(left, right)
    if swapped:  # the patient's LEFT heel is the one with the smaller table x, whatever its tab says
        tabs = {"left": tabs["right"], "right": tabs["left"]}
        nominal = TabGeometry(nominal.board2cam, nominal.board_rms_px, {"left": right, "right": left},
                              {"left": nominal.tab2cam["right"], "right": nominal.tab2cam["left"]})
        left, right = right, left
    axis = estimate_table_axis(table_lines, left, right, board_centre_mm(board.board_mm), board_squared)
    check_turn(left, right, axis)
    lld = float(lld_along(left, right, axis.board_to_table_deg))
    left, right = axis.rotation() @ left, axis.rotation() @ right
    check_heels(left, right, lld, tabs=True)
    draws = monte_carlo_lld(board, tabs, tab_spec, camera, nominal, seed=seed, axis=axis)
    unc = bound_95(draws, lld, FLOOR_SIGMA_MM)
    # The same draws with the intrinsics exact: the quadrature difference is the profile's part.
    unc_fixed = bound_95(monte_carlo_lld(board, tabs, tab_spec, camera.fixed(), nominal, seed=seed, axis=axis), lld,
                         FLOOR_SIGMA_MM)
    elevation = view_elevation_deg(nominal.board2cam)
    warn = (list(warnings) + ([swapped_warning("tabs")] if swapped else []) + view_warnings(elevation)
            + tab_warnings(tabs, nominal) + list(axis.warnings)
            + board_fit_warnings(nominal.board_rms_px))
    axis_mm = axis_part_mm(axis, left, right)
    breakdown = uncertainty_breakdown(unc / Z95, unc_fixed / Z95, Z95)
    warn += wide_uncertainty_warnings(unc, breakdown["uncertainty_from_profile_mm"], axis_mm,
                                      "; retake the photo closer and from more directly above")
    return Measurement(
        lld_mm=lld, short_leg=short_leg_of(lld, even_below_mm), uncertainty_mm=unc, method="tabs",
        left_heel_mm=tuple(float(v) for v in left), right_heel_mm=tuple(float(v) for v in right),
        camera_source=camera.source, board_reprojection_px=nominal.board_rms_px,
        view_elevation_deg=elevation, warnings=tuple(warn), confidence=1.0, even_below_mm=even_below_mm,
        table_axis=axis.to_json(),
        details={**pose_details(len(board.ids), camera.K, nominal.board2cam), **axis_details(axis),
                 "table_axis_mm": round(axis_mm, 3),
                 "tab_edge_rms_px": {s: round(t.edges.edge_rms_px, 4) for s, t in tabs.items()},
                 "tab_ids": {s: int(t.marker_id) for s, t in tabs.items()}, "labels_swapped": swapped,
                 **breakdown},
    )
