"""Every predefined OpenCV ArUco dictionary is accepted, and a board and tabs printed from one are measured."""

from __future__ import annotations

import pytest

from legcheck.errors import UsageError
from legcheck._cv import cv2
from legcheck.pipeline import measure_photo
from legcheck.targets.spec import ARUCO_DICTIONARIES, BoardSpec, TabSpec

from conftest import profile_of, small_scene


def test_table_matches_opencv():
    cv = cv2()
    names = {n for n in dir(cv.aruco) if n.startswith("DICT_")}
    assert names == set(ARUCO_DICTIONARIES)
    for name, (bits, size) in ARUCO_DICTIONARIES.items():
        d = cv.aruco.getPredefinedDictionary(getattr(cv.aruco, name))
        assert (d.markerSize, d.bytesList.shape[0]) == (bits, size), name


@pytest.mark.parametrize("name", sorted(ARUCO_DICTIONARIES))
def test_every_dictionary_accepted(name):
    assert BoardSpec(dictionary=name).dictionary == name


def test_unknown_or_too_small_dictionary_refused():
    with pytest.raises(UsageError, match="predefined ArUco dictionary"):
        BoardSpec(dictionary="DICT_9X9_50")
    with pytest.raises(UsageError, match="30 markers"):
        TabSpec(dictionary="DICT_APRILTAG_16h5")  # tabs 40 and 41 are beyond its 30 markers
    assert TabSpec(left_id=20, right_id=21, dictionary="DICT_APRILTAG_16h5").left_id == 20
    with pytest.raises(UsageError, match="needs id"):
        BoardSpec(squares_x=11, squares_y=7, dictionary="DICT_APRILTAG_25h9")  # 38 markers of 35


@pytest.mark.parametrize("name", ["DICT_4X4_1000", "DICT_APRILTAG_36h11", "DICT_ARUCO_ORIGINAL", "DICT_7X7_50"])
def test_board_and_tabs_of_other_dictionaries_measured(scenes, tmp_path, name):
    """Marker cells come from the dictionary itself (4 to 7 bits): the tab edges are found for each."""
    board = BoardSpec(dictionary=name)
    tabs = TabSpec(dictionary=name)
    scene = small_scene(board=board, tabs=tabs, elevation_deg=78.0, seed=11)
    path, truth = scenes.get(f"dict_{name}", scene)
    # The plain layout's endless table is square to the board by construction: its own bound only.
    m = measure_photo(path, camera=profile_of(scene), board=board, tabs=tabs, board_squared=True).measurement
    assert m.method == "tabs"
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm < 1.5
