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
        """The pose of an OpenCV rotation vector (3,) (Rodrigues, radians) and translation (3,), mm."""
        cv = cv2()
        R, _ = cv.Rodrigues(np.asarray(rvec, dtype=np.float64).reshape(3, 1))
        return cls(R, np.asarray(tvec, dtype=np.float64).reshape(3))

    @property
    def rvec(self) -> np.ndarray:
        """The rotation as an OpenCV rotation vector, shape (3,), radians (Rodrigues)."""
        return cv2().Rodrigues(self.R)[0].reshape(3)

    def apply(self, pts: np.ndarray) -> np.ndarray:
        """Points (N, 3) in the source frame to the destination frame, (N, 3), mm."""
        return np.asarray(pts, dtype=np.float64) @ self.R.T + self.t

    def inverse(self) -> "Pose":
        """The transform from the destination frame back to the source frame."""
        return Pose(self.R.T, -self.R.T @ self.t)


def undistort_px(px: np.ndarray, K: np.ndarray, dist: np.ndarray, P: np.ndarray | None = None) -> np.ndarray:
    """Photo pixels to ideal (undistorted) pinhole pixels, or to normalised image coordinates.

    OpenCV's default stops after 5 iterations, which leaves hundredths of a pixel
    at the edges of a wide-angle phone image; we iterate to convergence.

    Parameters
    ----------
    px : array_like, shape (N, 2)
        Points (x, y), pixels of the distorted photo.
    K : ndarray, shape (3, 3)
        Camera matrix, pixels.
    dist : ndarray, shape (5,) or None
        OpenCV distortion (k1, k2, p1, p2, k3); None or zeros for none.
    P : ndarray, shape (3, 3), optional
        New camera matrix of the output (usually ``K``: ideal pixels); None gives normalised
        coordinates (x/z, y/z in the camera frame).

    Returns
    -------
    ndarray, shape (N, 2)
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
    """Ideal (undistorted, pinhole) pixels to the distorted photo's pixels; the inverse of :func:`undistort_px`.

    Parameters
    ----------
    ideal_px : array_like, shape (N, 2)
        Points (x, y) in the pinhole image of camera matrix ``K``.
    K : ndarray, shape (3, 3)
    dist : ndarray, shape (5,)
        OpenCV distortion (k1, k2, p1, p2, k3).

    Returns
    -------
    ndarray, shape (N, 2)
        Photo pixels.
    """
    cv = cv2()
    ideal_px = np.asarray(ideal_px, dtype=np.float64).reshape(-1, 2)
    norm = (ideal_px - K[:2, 2]) / np.array([K[0, 0], K[1, 1]])
    obj = np.c_[norm, np.ones(len(norm))]
    return cv.projectPoints(obj, np.zeros(3), np.zeros(3), K, dist)[0].reshape(-1, 2)


def solve_board_pose(board_mm: np.ndarray, img_px: np.ndarray, K: np.ndarray, dist: np.ndarray,
                     guess: Pose | None = None) -> tuple[Pose, float]:
    """The board's pose from its corners: IPPE, then Levenberg-Marquardt refinement (or from ``guess``).

    Parameters
    ----------
    board_mm : ndarray, shape (N, 3)
        Corners in the board frame, mm (z = 0), N >= 4.
    img_px : ndarray, shape (N, 2)
        The same corners in the photo, pixels.
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,).
    guess : Pose, optional
        Start here and refine iteratively (the Monte Carlo's draws start from the nominal pose).

    Returns
    -------
    board2cam : Pose
        Board frame to camera frame, mm.
    rms_px : float
        RMS reprojection error of the corners, px.

    References
    ----------
    T. Collins and A. Bartoli, "Infinitesimal Plane-Based Pose Estimation", IJCV 109(3), 252-286,
    2014 (IPPE), through OpenCV's ``solvePnP(..., SOLVEPNP_IPPE)``.
    """
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
    """A square marker's corners in its own frame, (4, 3) mm, in the order SOLVEPNP_IPPE_SQUARE requires.

    Corners TL, TR, BR, BL as the marker is printed; centre at the origin, z = 0.
    """
    h = side_mm / 2
    return np.array([[-h, h, 0], [h, h, 0], [h, -h, 0], [-h, -h, 0]], dtype=np.float64)


def solve_square_pose(side_mm: float, img_px: np.ndarray, K: np.ndarray, dist: np.ndarray) -> tuple[Pose, float]:
    """Pose of a square marker from its four corners: the IPPE solution with the lower error.

    Parameters
    ----------
    side_mm : float
        The marker's side, mm.
    img_px : ndarray, shape (4, 2)
        Corners TL, TR, BR, BL in the photo, pixels.
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,).

    Returns
    -------
    marker2cam : Pose
        Marker frame (centre at the origin, z out of the print) to camera frame, mm.
    error_px : float
        Reprojection error of that solution, px.

    References
    ----------
    T. Collins and A. Bartoli, IJCV 109(3), 2014 (IPPE), through OpenCV's
    ``solvePnPGeneric(..., SOLVEPNP_IPPE_SQUARE)``, which returns both solutions of the planar ambiguity.
    """
    cv = cv2()
    obj = square_object_points(side_mm)
    img = np.ascontiguousarray(img_px, dtype=np.float64).reshape(4, 2)
    n, rvecs, tvecs, errs = cv.solvePnPGeneric(obj, img, K, dist, flags=cv.SOLVEPNP_IPPE_SQUARE)
    i = int(np.argmin(np.asarray(errs).ravel())) if n > 1 else 0
    return Pose.from_rvec(rvecs[i], tvecs[i]), float(np.asarray(errs).ravel()[i])


def cam_to_table(board2cam: Pose) -> Pose:
    """The camera-to-table transform (camera frame to table frame, mm) from the board's pose ``board2cam``."""
    cam2board = board2cam.inverse()
    return Pose(BOARD2TABLE @ cam2board.R, BOARD2TABLE @ cam2board.t)


def view_elevation_deg(board2cam: Pose) -> float:
    """Angle of the optical axis above the table plane, degrees (90 = straight down), from ``board2cam``."""
    axis_table = BOARD2TABLE @ board2cam.R.T @ np.array([0.0, 0.0, 1.0])
    return float(np.degrees(np.arcsin(np.clip(-axis_table[2], -1.0, 1.0))))


def project_table(points_table_mm: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Table-frame points to photo pixels.

    Parameters
    ----------
    points_table_mm : array_like, shape (N, 3)
        Points in the table frame, mm.
    board2cam : Pose
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,).

    Returns
    -------
    ndarray, shape (N, 2)
        Pixels of the (distorted) photo.
    """
    cv = cv2()
    board = np.asarray(points_table_mm, dtype=np.float64).reshape(-1, 3) @ BOARD2TABLE.T
    return cv.projectPoints(board, board2cam.rvec, board2cam.t, K, dist)[0].reshape(-1, 2)


def backproject_to_height(px: np.ndarray, K: np.ndarray, dist: np.ndarray, board2cam: Pose, height_mm) -> np.ndarray:
    """Photo pixels to table-frame points on horizontal planes.

    Each pixel's ray (through the camera centre, placed by the board's pose) is intersected
    with the plane z = ``height_mm`` of the table frame.

    Parameters
    ----------
    px : array_like, shape (N, 2)
        Photo pixels (x, y).
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,).
    board2cam : Pose
    height_mm : float or array_like, shape (N,)
        One height for all points or one per point, mm above the table.

    Returns
    -------
    ndarray, shape (N, 3)
        Table-frame points, mm.
    """
    norm = undistort_px(px, K, dist)
    rays_cam = np.c_[norm, np.ones(len(norm))]
    cam2table = cam_to_table(board2cam)
    rays = rays_cam @ cam2table.R.T
    origin = cam2table.t
    h = np.broadcast_to(np.asarray(height_mm, dtype=np.float64), (len(norm),))
    t = (h - origin[2]) / rays[:, 2]
    return origin + t[:, None] * rays
