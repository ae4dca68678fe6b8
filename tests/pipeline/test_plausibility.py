"""Plausibility checks on every result: each refuses, naming the check, with its exit code."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.errors import BoardPlacementError, HeelNotFoundError, ImplausibleHeelsError
from legcheck.measure.plausibility import MAX_UNMEASURED_TURN_DEG, check_heels, check_placement, check_turn
from legcheck.measure.table_axis import TableAxis, assumed_axis, rz_deg
from legcheck.pipeline import measure_photo
from legcheck.synth.render import TabPlacement
from legcheck.targets.spec import DEFAULT_BOARD

from conftest import profile_of, small_scene


def _tabs(left, right, tilt=20.0, **kw):
    return small_scene(elevation_deg=75.0, left_tab=TabPlacement(left, tilt_deg=tilt),
                       right_tab=TabPlacement(right, tilt_deg=tilt), **kw)


@pytest.mark.parametrize("name, scene, words", [
    ("close", _tabs((95.0, 80.0, 100.0), (155.0, 78.0, 100.0)), r"the heel tabs are (5[5-9]|6[0-5]) mm apart across"),
    ("wide", _tabs((-175.0, 80.0, 100.0), (425.0, 78.0, 100.0), distance_mm=1300.0), r"are (59\d|60\d) mm apart across"),
    # Heels 300 mm apart: the 50 mm is not a turned board (under MAX_UNMEASURED_TURN_DEG off square).
    ("lld50", _tabs((-20.0, 105.0, 100.0), (280.0, 55.0, 100.0)), r"differ by (4[6-9]|5[0-4]) mm along the table"),
    ("low_tab", _tabs((50.0, 80.0, 12.0), (205.0, 78.0, 100.0), tilt=0.0), r"LEFT heel tab's centre is 1\d mm above"),
    ("high_tab", _tabs((50.0, 80.0, 100.0), (205.0, 78.0, 280.0), tilt=0.0), r"RIGHT heel tab's centre is 2[6-9]\d mm above"),
])
def test_implausible_heels_are_refused_with_exit_5(scenes, name, scene, words):
    path, _ = scenes.get(f"implausible_{name}", scene)
    for camera in (profile_of(scene), None):
        with pytest.raises(ImplausibleHeelsError) as err:
            measure_photo(path, camera=camera)
        assert isinstance(err.value, HeelNotFoundError) and err.value.exit_code == 5
        assert re.search(words, err.value.message) and "implausible result" in err.value.message, err.value.message
    res = CliRunner().invoke(cli, ["measure", str(path), "--json", "--no-annotate"])
    assert res.exit_code == 5
    assert json.loads(res.stdout)["error"]["code"] == "heels_implausible"


def test_heel_far_from_the_board_is_refused_with_exit_13(basic):
    """A board given ten times its printed size puts the heels metres from it: refused, not reported."""
    _, path, _ = basic
    res = CliRunner().invoke(cli, ["measure", str(path), "--board-square-mm", "360", "--board-marker-mm", "270",
                                   "--json", "--no-annotate"])
    assert res.exit_code == 13, res.output
    msg = json.loads(res.stdout)["error"]["message"]
    assert "m from the board (at most 1.5 m)" in msg and "size" in msg


BOARD_MM = DEFAULT_BOARD.inner_corners_board_mm()


@pytest.mark.parametrize("dx, ok", [(79.9, False), (80.0, True), (550.0, True), (550.1, False)])
def test_spacing_limits(dx, ok):
    left, right = np.array([0.0, 50.0, 100.0]), np.array([dx, 50.0, 100.0])
    if ok:
        check_heels(left, right, 0.0, tabs=True)
    else:
        with pytest.raises(ImplausibleHeelsError, match="apart across the table"):
            check_heels(left, right, 0.0, tabs=True)


@pytest.mark.parametrize("lld, ok", [(40.0, True), (-40.0, True), (40.1, False), (-40.1, False)])
def test_lld_limit(lld, ok):
    left, right = np.array([0.0, lld, 100.0]), np.array([200.0, 0.0, 100.0])
    if ok:
        check_heels(left, right, lld, tabs=False)
    else:
        with pytest.raises(ImplausibleHeelsError, match="along the table"):
            check_heels(left, right, lld, tabs=False)


@pytest.mark.parametrize("z, ok", [(19.9, False), (20.0, True), (250.0, True), (250.1, False)])
def test_tab_height_limits_and_points_mode_not_checked(z, ok):
    left, right = np.array([0.0, 0.0, z]), np.array([200.0, 0.0, 100.0])
    check_heels(left, right, 0.0, tabs=False)  # point modes assume the height: nothing measured to check
    if ok:
        check_heels(left, right, 0.0, tabs=True)
    else:
        with pytest.raises(ImplausibleHeelsError, match="above the table"):
            check_heels(left, right, 0.0, tabs=True)


@pytest.mark.parametrize("heel, ok", [((126.0, 1400.0, 100.0), True), ((126.0, 1510.0, 100.0), False),
                                      ((-1500.0, -90.0, 100.0), False), ((200.0, -90.0, 1499.0), True)])
def test_board_distance_limit(heel, ok):
    other = np.asarray(heel) - [150.0, 0.0, 0.0]
    if ok:
        check_placement(heel, other, BOARD_MM)
    else:
        with pytest.raises(BoardPlacementError, match="from the board"):
            check_placement(heel, other, BOARD_MM)


def test_heels_along_the_board_are_a_turned_board():
    with pytest.raises(BoardPlacementError, match="turned across the table"):
        check_placement((0.0, 0.0, 100.0), (40.0, 150.0, 100.0), BOARD_MM)
    check_placement((0.0, 0.0, 100.0), (150.0, 40.0, 100.0), BOARD_MM)


def _turned_tabs(turn_deg):
    """The basic scene's tabs with the board turned ``turn_deg`` under them: their line turned in the board's frame."""
    mid, d = np.array([127.5, 78.0]), rz_deg(turn_deg)[:2, :2] @ np.array([155.0, -4.0])
    left, right = mid - d / 2, mid + d / 2
    return small_scene(elevation_deg=75.0, left_tab=TabPlacement((*left, 95.0), tilt_deg=25, yaw_deg=turn_deg + 5),
                       right_tab=TabPlacement((*right, 110.0), tilt_deg=15, yaw_deg=turn_deg - 8))


@pytest.mark.parametrize("turn_deg", [30.0, -30.0, 150.0])
def test_board_turned_beyond_the_table_axis_is_refused_with_exit_13(scenes, turn_deg):
    """A board turned ~30 degrees on a table with no edge in view was blamed on the heel tabs (exit 5)."""
    scene = _turned_tabs(turn_deg)
    path, _ = scenes.get(f"turned_{turn_deg:g}", scene)
    with pytest.raises(BoardPlacementError) as err:
        measure_photo(path, camera=profile_of(scene))
    assert err.value.exit_code == 13
    assert re.search(r"the board is turned about (2[7-9]|3[0-3])° from the table's axis; square it with the table's "
                     "edge", err.value.message), err.value.message
    res = CliRunner().invoke(cli, ["measure", str(path), "--json", "--no-annotate"])
    assert res.exit_code == 13, res.output
    assert "turned about" in json.loads(res.stdout)["error"]["message"]


def test_turn_limit_and_what_it_does_not_check():
    def heels(deg):
        d = 200.0 * np.array([np.cos(np.radians(deg)), np.sin(np.radians(deg))])
        return np.array([0.0, 0.0, 100.0]), np.array([d[0], d[1], 100.0])

    axis = assumed_axis(board_squared=False)
    check_turn(*heels(MAX_UNMEASURED_TURN_DEG - 0.1), axis)
    check_turn(*heels(180.0 - MAX_UNMEASURED_TURN_DEG + 0.1), axis)
    for deg in (MAX_UNMEASURED_TURN_DEG + 0.1, -MAX_UNMEASURED_TURN_DEG - 0.1, 180.0 - MAX_UNMEASURED_TURN_DEG - 0.1):
        with pytest.raises(BoardPlacementError, match="turned about 15°"):
            check_turn(*heels(deg), axis)
    # A measured table axis corrects the turn; a board squared with a jig is taken at the user's word.
    check_turn(*heels(30.0), TableAxis("table edge", 30.0, 0.05))
    check_turn(*heels(30.0), assumed_axis(board_squared=True))


def test_turn_window_is_the_table_line_search_window():
    """Table lines are looked for only this far off the board's axes: a larger turn cannot be corrected."""
    from legcheck.vision.table_plane import ANGLE_WINDOW_DEG

    assert MAX_UNMEASURED_TURN_DEG == ANGLE_WINDOW_DEG
