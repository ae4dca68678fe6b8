"""Poses and frame changes.

Naming: ``board2cam`` is the rigid transform taking board-frame points to camera
points, ``X_cam = R @ X_board + t``; likewise ``tab2cam``. Camera frame: OpenCV
(x right, y down, z forward along the optical axis). Points (x, y) in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._cv import cv2
from .targets.spec import BOARD2TABLE


@dataclass(frozen=True)
class Pose:
    """Rigid transform ``X_dst = R @ X_src + t`` (R (3, 3), t (3,) in mm)."""

    R: np.ndarray
    t: np.ndarray

    @classmethod
    def from_rvec(cls, rvec, tvec) -> "Pose":
        cv = cv2()
        R, _ = cv.Rodrigues(np.asarray(rvec, dtype=np.float64).reshape(3, 1))
        return cls(R, np.asarray(tvec, dtype=np.float64).reshape(3))

    @property
    def rvec(self) -> np.ndarray:
        return cv2().Rodrigues(self.R)[0].reshape(3)

    def apply(self, pts: np.ndarray) -> np.ndarray:
        return np.asarray(pts, dtype=np.float64) @ self.R.T + self.t

    def inverse(self) -> "Pose":
        return Pose(self.R.T, -self.R.T @ self.t)


def undistort_px(px: np.ndarray, K: np.ndarray, dist: np.ndarray, P: np.ndarray | None = None) -> np.ndarray:
    """Photo pixels (N, 2) to ideal pinhole pixels (with ``P``, usually K) or normalised coordinates.

    OpenCV's default stops after 5 iterations, which leaves hundredths of a pixel
    at the edges of a wide-angle phone image; we iterate to convergence.
    """
    cv = cv2()
    pts = np.asarray(px, dtype=np.float64).reshape(-1, 1, 2)
    if dist is None or not np.any(dist):
        out = cv.undistortPoints(pts, K, None, None, P)
    else:
        crit = (cv.TERM_CRITERIA_COUNT | cv.TERM_CRITERIA_EPS, 50, 1e-12)
        out = cv.undistortPoints(pts, K, np.asarray(dist, np.float64), None, None, P, crit)
    return out.reshape(-1, 2)


def distort_ideal(ideal_px: np.ndarray, K: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Undistorted (pinhole) pixel points (N, 2) to the distorted photo's pixels (N, 2)."""
    cv = cv2()
    ideal_px = np.asarray(ideal_px, dtype=np.float64).reshape(-1, 2)
    norm = (ideal_px - K[:2, 2]) / np.array([K[0, 0], K[1, 1]])
    obj = np.c_[norm, np.ones(len(norm))]
    return cv.projectPoints(obj, np.zeros(3), np.zeros(3), K, dist)[0].reshape(-1, 2)


def solve_board_pose(board_mm: np.ndarray, img_px: np.ndarray, K: np.ndarray, dist: np.ndarray,
                     guess: Pose | None = None) -> tuple[Pose, float]:
    """Board pose from its corners; returns (board2cam, RMS reprojection error in px)."""
    cv = cv2()
    obj = np.ascontiguousarray(board_mm, dtype=np.float64)
    img = np.ascontiguousarray(img_px, dtype=np.float64)
    if guess is None:
        ok, rvec, tvec = cv.solvePnP(obj, img, K, dist, flags=cv.SOLVEPNP_IPPE)
        if not ok:
            ok, rvec, tvec = cv.solvePnP(obj, img, K, dist, flags=cv.SOLVEPNP_ITERATIVE)
        rvec, tvec = cv.solvePnPRefineLM(obj, img, K, dist, rvec, tvec)
    else:
        _, rvec, tvec = cv.solvePnP(obj, img, K, dist, guess.rvec.reshape(3, 1).copy(), guess.t.reshape(3, 1).copy(),
                                    useExtrinsicGuess=True, flags=cv.SOLVEPNP_ITERATIVE)
    proj = cv.projectPoints(obj, rvec, tvec, K, dist)[0].reshape(-1, 2)
    rms = float(np.sqrt(np.mean(np.sum((proj - img) ** 2, axis=1))))
    return Pose.from_rvec(rvec, tvec), rms


def square_object_points(side_mm: float) -> np.ndarray:
    """Object points in the order SOLVEPNP_IPPE_SQUARE requires for corners TL, TR, BR, BL."""
    h = side_mm / 2
    return np.array([[-h, h, 0], [h, h, 0], [h, -h, 0], [-h, -h, 0]], dtype=np.float64)


def solve_square_pose(side_mm: float, img_px: np.ndarray, K: np.ndarray, dist: np.ndarray) -> tuple[Pose, float]:
    """Pose of a square marker (centre at the origin) from its 4 corners; the better IPPE solution."""
    cv = cv2()
    obj = square_object_points(side_mm)
    img = np.ascontiguousarray(img_px, dtype=np.float64).reshape(4, 2)
    n, rvecs, tvecs, errs = cv.solvePnPGeneric(obj, img, K, dist, flags=cv.SOLVEPNP_IPPE_SQUARE)
    i = int(np.argmin(np.asarray(errs).ravel())) if n > 1 else 0
    return Pose.from_rvec(rvecs[i], tvecs[i]), float(np.asarray(errs).ravel()[i])


def cam_to_table(board2cam: Pose) -> Pose:
    """Camera-to-table transform from the board's pose."""
    cam2board = board2cam.inverse()
    return Pose(BOARD2TABLE @ cam2board.R, BOARD2TABLE @ cam2board.t)


def view_elevation_deg(board2cam: Pose) -> float:
    """Angle of the optical axis above the table plane, degrees (90 = straight down)."""
    axis_table = BOARD2TABLE @ board2cam.R.T @ np.array([0.0, 0.0, 1.0])
    return float(np.degrees(np.arcsin(np.clip(-axis_table[2], -1.0, 1.0))))


def project_table(points_table_mm: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Table-frame points (N, 3) to photo pixels (N, 2)."""
    cv = cv2()
    board = np.asarray(points_table_mm, dtype=np.float64).reshape(-1, 3) @ BOARD2TABLE.T
    return cv.projectPoints(board, board2cam.rvec, board2cam.t, K, dist)[0].reshape(-1, 2)


def backproject_to_height(px: np.ndarray, K: np.ndarray, dist: np.ndarray, board2cam: Pose, height_mm) -> np.ndarray:
    """Photo pixels (N, 2) to table-frame points (N, 3) on the horizontal planes z = height_mm.

    ``height_mm`` is a scalar or one height per point. Each pixel's ray (through the camera
    centre, from the board's pose) is intersected with its plane.
    """
    norm = undistort_px(px, K, dist)
    rays_cam = np.c_[norm, np.ones(len(norm))]
    cam2table = cam_to_table(board2cam)
    rays = rays_cam @ cam2table.R.T
    origin = cam2table.t
    h = np.broadcast_to(np.asarray(height_mm, dtype=np.float64), (len(norm),))
    t = (h - origin[2]) / rays[:, 2]
    return origin + t[:, None] * rays
