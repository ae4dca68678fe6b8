"""Board detection on real photos (OpenCV's ChArUco tutorial images, ../shared/realdata)."""

from __future__ import annotations

import numpy as np
import pytest

from legcheck._cv import cv2
from legcheck.vision.detect import find_board, find_markers
from legcheck.geometry import solve_board_pose
from legcheck.targets.spec import BoardSpec

from conftest import REALDATA

ARUCO = REALDATA / "opencv_aruco"
pytestmark = pytest.mark.skipif(not (ARUCO / "choriginal.jpg").exists(), reason="../shared/realdata not present")
#: The tutorial board: 5x7 squares, 40 mm squares, 20 mm markers, DICT_6X6_250.
TUTORIAL = BoardSpec(5, 7, 40.0, 20.0, "DICT_6X6_250")


def _camera():
    fs = cv2().FileStorage(str(ARUCO / "tutorial_camera_charuco.yml"), cv2().FILE_STORAGE_READ)
    return fs.getNode("camera_matrix").mat(), fs.getNode("distortion_coefficients").mat().ravel()


@pytest.mark.parametrize("name,markers,corners", [
    ("choriginal.jpg", 17, 24),            # the README's counts for these photos
    ("chocclusion_original.jpg", 13, 16),  # a mouse covers part of the board
    ("img_00.jpg", 17, 24), ("img_02.jpg", 17, 24), ("img_03.jpg", 17, 24),
])
def test_real_charuco_photos(name, markers, corners):
    K, dist = _camera()
    gray = cv2().imread(str(ARUCO / name), cv2().IMREAD_GRAYSCALE)
    m, scale = find_markers(gray, TUTORIAL.dictionary)
    board = find_board(gray, TUTORIAL, m, scale)
    assert (len(m.ids), len(board.ids)) == (markers, corners)
    pose, rms = solve_board_pose(board.board_mm, board.corners_px, K, dist)
    # Real ChArUco corners fit their pose to a quarter of a pixel (OpenCV's own calibration: 0.18 px RMS).
    assert rms < 0.3
    assert 380 < np.linalg.norm(pose.t) < 480  # the tutorial board, held about 45 cm from the camera
