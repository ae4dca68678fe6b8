"""From detected corners to the leg-length figure, with its uncertainty.

The camera's pose comes from the board (24 corners spread over 25 cm: a strong
pose); each heel tab's centre comes from the tab's own pose in the camera frame,
then goes to the table frame through the board's pose. lld_mm is the left
heel's y minus the right heel's y (table frame, +y towards the head): positive
means the LEFT heel sits further towards the head, i.e. the left leg appears short.

Uncertainty: a Monte Carlo over what was measured (board corner noise from the
pose fit's residuals, each tab side's line offset and angle from its edge fit,
and the intrinsics' standard deviations), reported as a 95 % bound. A tab's
depth along the camera ray is its weakest coordinate; at oblique views that
depth leaks into the table axis and the bound widens accordingly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..vision.camera import CameraProfile
from ..vision.intrinsics import uncertainty_breakdown
from ..vision.detect import BoardCorners, TabCorners
from ..geometry import Pose, cam_to_table, distort_ideal, solve_board_pose, solve_square_pose, view_elevation_deg
from ..targets.spec import TabSpec

#: Monte Carlo draws for the uncertainty (the bound's own relative error is about 1/sqrt(2 N)).
MC_DRAWS = 200
#: Threads for the Monte Carlo (the draws are independent; results do not depend on this).
MC_THREADS = 2
#: 95 % two-sided normal quantile.
Z95 = 1.96
#: Unmodelled error kept in every bound (tab print scale, card not perfectly flat), mm, 1-sigma.
FLOOR_SIGMA_MM = 0.05
#: Views lower than this above the table are flagged as too oblique to trust.
OBLIQUE_LIMIT_DEG = 45.0
#: Between this and OBLIQUE_LIMIT_DEG the view is flagged as oblique (wider uncertainty).
OBLIQUE_SOFT_DEG = 60.0


@dataclass(frozen=True)
class Measurement:
    """The result of one leg check photo. Fields are the ``--json`` contract."""

    lld_mm: float
    short_leg: str
    uncertainty_mm: float
    method: str
    left_heel_mm: tuple
    right_heel_mm: tuple
    camera_source: str
    board_reprojection_px: float
    view_elevation_deg: float
    image: dict = field(default_factory=dict)
    warnings: tuple = ()
    confidence: float = 1.0
    even_below_mm: float = 1.0
    details: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        d["left_heel_mm"] = [round(float(v), 3) for v in self.left_heel_mm]
        d["right_heel_mm"] = [round(float(v), 3) for v in self.right_heel_mm]
        d["warnings"] = list(self.warnings)
        for k in ("lld_mm", "uncertainty_mm"):
            d[k] = round(float(d[k]), 3)
        d["board_reprojection_px"] = round(float(d["board_reprojection_px"]), 4)
        d["view_elevation_deg"] = round(float(d["view_elevation_deg"]), 2)
        return d

    def summary(self) -> str:
        """One line for people, e.g. ``Right leg short by 4.2 mm (± 0.4 mm, heel tabs)``."""
        how = {"tabs": "heel tabs", "contour": "heel contours", "manual": "manual points"}.get(self.method, self.method)
        if self.short_leg == "even":
            return f"Legs even: {abs(self.lld_mm):.1f} mm difference (± {self.uncertainty_mm:.1f} mm, {how})"
        return f"{self.short_leg.capitalize()} leg short by {abs(self.lld_mm):.1f} mm (± {self.uncertainty_mm:.1f} mm, {how})"


def short_leg_of(lld_mm: float, even_below_mm: float) -> str:
    if abs(lld_mm) < even_below_mm:
        return "even"
    return "left" if lld_mm > 0 else "right"


@dataclass(frozen=True)
class TabGeometry:
    """Nominal solution: board2cam, each heel in the table frame, the board fit."""

    board2cam: Pose
    board_rms_px: float
    heels_table_mm: dict
    tab2cam: dict


def solve_tabs(board: BoardCorners, tabs: dict[str, TabCorners], tab_spec: TabSpec, K, dist,
               board_guess: Pose | None = None, tab_px: dict | None = None) -> TabGeometry:
    """Heel (tab centre) positions in the table frame for one set of observations."""
    board2cam, rms = solve_board_pose(board.board_mm, board.corners_px, K, dist, guess=board_guess)
    cam2table = cam_to_table(board2cam)
    heels, poses = {}, {}
    for side, tab in tabs.items():
        px = tab.corners_px if tab_px is None else tab_px[side]
        tab2cam, _ = solve_square_pose(tab_spec.tab_mm, px, K, dist)
        poses[side] = tab2cam
        heels[side] = cam2table.apply(tab2cam.t.reshape(1, 3))[0]
    return TabGeometry(board2cam, rms, heels, poses)


def _perturbed_corners(lines: np.ndarray, sigma: np.ndarray, corners: np.ndarray, rng, draws: int) -> np.ndarray:
    """Corners (draws, 4, 2) of ``draws`` copies of a quad whose four lines are perturbed.

    Each line turns about its midpoint by N(0, sigma_angle) and shifts by N(0, sigma_offset).
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


def board_noise_px(rms_px: float, n_corners: int) -> float:
    """Per-coordinate 1-sigma of the board corners from the pose fit's RMS (6 pose dof removed), >= 0.03 px."""
    n = n_corners
    return max(rms_px / np.sqrt(2.0) * np.sqrt(2 * n / max(2 * n - 6, 1)), 0.03)


def draw_cameras(camera: CameraProfile, rng, draws: int):
    """``draws`` perturbed copies of the intrinsics: (K (draws, 3, 3), dist (draws, 5)).

    Drawn from the profile's spread (:meth:`CameraProfile.draw_intrinsics`).
    """
    return camera.draw_intrinsics(rng, draws)


def monte_carlo_lld(board: BoardCorners, tabs: dict[str, TabCorners], tab_spec: TabSpec, camera: CameraProfile,
                    nominal: TabGeometry, draws: int = MC_DRAWS, seed: int = 0) -> np.ndarray:
    """lld_mm for ``draws`` perturbed copies of the observations and intrinsics."""
    rng = np.random.default_rng(seed)
    K0, dist = camera.K, camera.dist
    n = len(board.corners_px)
    sig_board = board_noise_px(nominal.board_rms_px, n)
    tab_px = {}
    for side, tab in tabs.items():
        ideal = _perturbed_corners(tab.edges.lines, tab.edges.line_sigma, tab.edges.corners_ideal_px, rng, draws)
        tab_px[side] = distort_ideal(ideal.reshape(-1, 2), K0, dist).reshape(draws, 4, 2)
    board_px = board.corners_px[None] + rng.normal(0.0, sig_board, (draws,) + board.corners_px.shape)
    Ks, dists = draw_cameras(camera, rng, draws)
    out = np.empty(draws)

    def solve(idx):
        for i in idx:
            b = BoardCorners(board_px[i], board.ids, board.board_mm)
            g = solve_tabs(b, tabs, tab_spec, Ks[i], dists[i], board_guess=nominal.board2cam,
                           tab_px={side: px[i] for side, px in tab_px.items()})
            out[i] = g.heels_table_mm["left"][1] - g.heels_table_mm["right"][1]

    # OpenCV releases the GIL in its solvers: two threads use both cores of a phone-era laptop.
    from concurrent.futures import ThreadPoolExecutor

    halves = np.array_split(np.arange(draws), MC_THREADS)
    with ThreadPoolExecutor(MC_THREADS) as ex:
        list(ex.map(solve, halves))
    return out


def view_warnings(elevation_deg: float) -> list[str]:
    if elevation_deg < OBLIQUE_LIMIT_DEG:
        return [f"view too oblique: the camera looks {elevation_deg:.0f} degrees above the table (under "
                f"{OBLIQUE_LIMIT_DEG:.0f}); do not trust this figure, retake the photo from more directly above the heels"]
    if elevation_deg < OBLIQUE_SOFT_DEG:
        return [f"oblique view ({elevation_deg:.0f} degrees above the table): the uncertainty is wider; "
                "a photo from more directly above the heels is more precise"]
    return []


def tab_warnings(tabs: dict[str, TabCorners], geometry: TabGeometry) -> list[str]:
    out = []
    for side, pose in geometry.tab2cam.items():
        normal_cam = pose.R @ np.array([0.0, 0.0, 1.0])
        ray = pose.t / np.linalg.norm(pose.t)
        tilt = float(np.degrees(np.arccos(np.clip(abs(normal_cam @ ray), 0.0, 1.0))))
        if tilt > 65:
            out.append(f"the {side.upper()} heel tab is seen almost edge-on ({tilt:.0f} degrees); "
                       "turn it towards the camera for a surer figure")
        if tabs[side].edges.edge_rms_px > 0.6:
            out.append(f"the {side.upper()} heel tab's outline is ragged ({tabs[side].edges.edge_rms_px:.2f} px); "
                       "it may be bent, blurred or partly covered")
    return out


def measure_from_tabs(board: BoardCorners, tabs: dict[str, TabCorners], tab_spec: TabSpec, camera: CameraProfile,
                      even_below_mm: float = 1.0, seed: int = 0, warnings=()) -> Measurement:
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
        ``short_leg`` is "even" when |lld_mm| is under this.
    seed : int
        Seed of the Monte Carlo (derive it from the photo so a result is reproducible).
    """
    nominal = solve_tabs(board, tabs, tab_spec, camera.K, camera.dist)
    left, right = nominal.heels_table_mm["left"], nominal.heels_table_mm["right"]
    lld = float(left[1] - right[1])
    draws = monte_carlo_lld(board, tabs, tab_spec, camera, nominal, seed=seed)
    sigma = float(np.sqrt(np.var(draws) + (np.mean(draws) - lld) ** 2 + FLOOR_SIGMA_MM ** 2))
    # The same draws with the intrinsics exact: the quadrature difference is the profile's part.
    fixed = monte_carlo_lld(board, tabs, tab_spec, camera.fixed(), nominal, seed=seed)
    sigma_fixed = float(np.sqrt(np.var(fixed) + (np.mean(fixed) - lld) ** 2 + FLOOR_SIGMA_MM ** 2))
    elevation = view_elevation_deg(nominal.board2cam)
    warn = list(warnings) + view_warnings(elevation) + tab_warnings(tabs, nominal)
    if nominal.board_rms_px > 1.0:
        warn.append(f"the board fits poorly ({nominal.board_rms_px:.2f} px RMS): it may not lie flat, "
                    "or the camera profile may not suit this photo")
    unc = Z95 * sigma
    if unc > 2.0:
        warn.append(f"the uncertainty is large (± {unc:.1f} mm); retake the photo closer and from more directly above")
    return Measurement(
        lld_mm=lld, short_leg=short_leg_of(lld, even_below_mm), uncertainty_mm=unc, method="tabs",
        left_heel_mm=tuple(float(v) for v in left), right_heel_mm=tuple(float(v) for v in right),
        camera_source=camera.source, board_reprojection_px=nominal.board_rms_px,
        view_elevation_deg=elevation, warnings=tuple(warn), confidence=1.0, even_below_mm=even_below_mm,
        details={"board_corners": int(len(board.ids)),
                 "tab_edge_rms_px": {s: round(t.edges.edge_rms_px, 4) for s, t in tabs.items()},
                 "focal_px": round(float(camera.K[0, 0]), 2),
                 "camera_distance_mm": round(float(np.linalg.norm(nominal.board2cam.t)), 1),
                 **uncertainty_breakdown(sigma, sigma_fixed, Z95)},
    )


#: Heel height: the ±30 mm (95 %) a typical value can be off by, and how much the two heels of one
#: patient differ (same shoes, level table: within about ±3.5 mm, 95 %), both as 1-sigma.
HEEL_HEIGHT_SIGMA_MM = 30.0 / Z95
HEEL_DIFF_SIGMA_MM = 1.8
#: How well a heel landmark is defined on the outline, mm, 1-sigma (kept in every point-mode bound).
LANDMARK_FLOOR_MM = 0.15


def measure_from_points(board: BoardCorners, points_px: dict, sigma_px: dict, camera: CameraProfile,
                        heel_height_mm: float, method: str, even_below_mm: float = 1.0, seed: int = 0,
                        warnings=(), confidence: float = 1.0, draws: int = MC_DRAWS) -> Measurement:
    """Leg-length discrepancy from one image point per heel (contour or manual mode).

    Each heel point is where its camera ray meets the plane ``z = heel_height_mm``. The
    uncertainty draws the board pose, the intrinsics, each point (``sigma_px``, pixels), the
    common heel height (±30 mm, 95 %) and the difference between the two heels' heights
    (:data:`HEEL_DIFF_SIGMA_MM`): at an oblique view the heights leak into the table axis,
    so the bound widens there.

    Parameters
    ----------
    points_px : dict
        ``{"left": (x, y), "right": (x, y)}`` photo pixels (as displayed).
    sigma_px : dict
        1-sigma of each point, pixels.
    """
    from ..geometry import backproject_to_height

    K0, dist = camera.K, camera.dist
    board2cam, rms = solve_board_pose(board.board_mm, board.corners_px, K0, dist)
    pts = np.array([points_px["left"], points_px["right"]], dtype=np.float64)
    heels = backproject_to_height(pts, K0, dist, board2cam, heel_height_mm)
    lld = float(heels[0, 1] - heels[1, 1])
    n = len(board.corners_px)
    sig_board = board_noise_px(rms, n)
    sig = np.array([sigma_px["left"], sigma_px["right"]], dtype=np.float64)

    def simulate(cam: CameraProfile) -> float:
        """1-sigma of lld_mm over the draws (the same random numbers for every ``cam``)."""
        rng = np.random.default_rng(seed)
        Ks, dists = draw_cameras(cam, rng, draws)
        out = np.empty(draws)
        for i in range(draws):
            K, dist_i = Ks[i], dists[i]
            b2c, _ = solve_board_pose(board.board_mm, board.corners_px + rng.normal(0, sig_board, board.corners_px.shape),
                                      K, dist_i, guess=board2cam)
            h = heel_height_mm + rng.normal() * HEEL_HEIGHT_SIGMA_MM
            d = rng.normal() * HEEL_DIFF_SIGMA_MM
            p = pts + rng.normal(size=pts.shape) * sig[:, None]
            hh = backproject_to_height(p, K, dist_i, b2c, np.array([h + d / 2, h - d / 2]))
            out[i] = hh[0, 1] - hh[1, 1]
        return float(np.sqrt(np.var(out) + (np.mean(out) - lld) ** 2 + LANDMARK_FLOOR_MM ** 2 + FLOOR_SIGMA_MM ** 2))

    sigma = simulate(camera)
    sigma_fixed = simulate(camera.fixed())  # the intrinsics exact: the quadrature difference is the profile's part
    unc = Z95 * sigma
    elevation = view_elevation_deg(board2cam)
    warn = list(warnings) + view_warnings(elevation)
    if rms > 1.0:
        warn.append(f"the board fits poorly ({rms:.2f} px RMS): it may not lie flat, "
                    "or the camera profile may not suit this photo")
    if unc > 2.0:
        warn.append(f"the uncertainty is large (± {unc:.1f} mm): the heels' height above the table is assumed "
                    f"({heel_height_mm:.0f} mm); photograph from more directly above the heels, or use heel tabs")
    return Measurement(
        lld_mm=lld, short_leg=short_leg_of(lld, even_below_mm), uncertainty_mm=unc, method=method,
        left_heel_mm=tuple(float(v) for v in heels[0]), right_heel_mm=tuple(float(v) for v in heels[1]),
        camera_source=camera.source, board_reprojection_px=rms, view_elevation_deg=elevation,
        warnings=tuple(warn), confidence=float(confidence), even_below_mm=even_below_mm,
        details={"board_corners": int(len(board.ids)), "heel_height_mm": float(heel_height_mm),
                 "heel_px": {"left": [round(float(v), 2) for v in pts[0]], "right": [round(float(v), 2) for v in pts[1]]},
                 "heel_sigma_px": {"left": round(float(sig[0]), 3), "right": round(float(sig[1]), 3)},
                 "focal_px": round(float(K0[0, 0]), 2),
                 "camera_distance_mm": round(float(np.linalg.norm(board2cam.t)), 1),
                 **uncertainty_breakdown(sigma, sigma_fixed, Z95)},
    )
