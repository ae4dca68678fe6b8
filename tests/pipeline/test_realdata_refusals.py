"""OpenCV's real ChArUco photos hold a board and no feet: nothing in them may be measured."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from legcheck.cli import cli

from conftest import REALDATA

ARUCO = REALDATA / "opencv_aruco"
PHOTOS = ("chocclusion_original.jpg", "choriginal.jpg", "img_00.jpg", "img_02.jpg", "img_03.jpg")
BOARD = ["--board-squares", "5x7", "--board-square-mm", "40", "--board-marker-mm", "20", "--dictionary", "DICT_6X6_250"]
pytestmark = pytest.mark.skipif(not (ARUCO / "choriginal.jpg").exists(), reason="../shared/realdata not present")


@pytest.mark.parametrize("name", PHOTOS)
def test_tab_mode_says_no_tabs(name):
    res = CliRunner().invoke(cli, ["measure", str(ARUCO / name), *BOARD, "--method", "tabs", "--json", "--no-annotate"])
    assert res.exit_code == 5, res.output
    assert "heel tab not found: LEFT (marker 40) and RIGHT (marker 41)" in json.loads(res.stdout)["error"]["message"]


@pytest.mark.parametrize("name", ["chocclusion_original.jpg", "img_00.jpg", "img_03.jpg"])
def test_no_feet_no_measurement(name):
    """The issue's three photos once gave "Legs even" from the paper margin; whatever finds heels there, no result."""
    res = CliRunner().invoke(cli, ["measure", str(ARUCO / name), *BOARD, "--json", "--no-annotate"])
    assert res.exit_code == 5, res.output
    assert "lld_mm" not in res.stdout


@pytest.mark.parametrize("name", PHOTOS)
def test_contour_mode_finds_no_feet_in_board_photos(name):
    """A board on a desk: no table's end with feet over it. Never a result, never 'cut off'."""
    for method in ("auto", "contour"):
        res = CliRunner().invoke(cli, ["measure", str(ARUCO / name), *BOARD, "--method", method, "--json",
                                       "--no-annotate"])
        assert res.exit_code == 5, res.output
        message = json.loads(res.stdout)["error"]["message"]
        assert message.startswith(("no feet found", "no credible pair of heels")), message
        assert "cut off" not in message
