"""Plausibility checks on every result: each refuses, naming the check, with its exit code."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.errors import BoardPlacementError, HeelNotFoundError, ImplausibleHeelsError
from legcheck.measure.plausibility import check_heels, check_placement
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
    ("lld50", _tabs((50.0, 110.0, 100.0), (205.0, 60.0, 100.0)), r"differ by (4[6-9]|5[0-4]) mm along the table"),
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
