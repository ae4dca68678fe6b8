"""Boards printed in the legacy ChArUco layout (OpenCV before 4.6, calib.io): recognised when said,
and a layout or size mismatch (markers found, corners not) named as such instead of "too few corners"."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck._cv import cv2
from legcheck.cli import cli
from legcheck.errors import BoardLayoutError, BoardNotFoundError
from legcheck.pipeline import measure_photo
from legcheck.synth.render import Scene, TabPlacement, write_scene
from legcheck.targets.raster import board_rects_mm, paint_rects
from legcheck.targets.spec import BoardSpec
from legcheck.vision.detect import find_board, find_markers

from conftest import REALDATA, profile_of, small_scene

#: A legacy board needs an even number of rows to differ from the current layout.
LEGACY = BoardSpec(7, 6, 30.0, 22.0, "DICT_5X5_100", legacy=True)
BOARD_ARGS = ["--board-squares", "7x6", "--board-square-mm", "30", "--board-marker-mm", "22"]


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("squares", [(7, 6), (6, 6), (5, 8), (7, 5)])
def test_raster_draws_opencvs_layout(squares, legacy):
    """The renderer and the printables draw the board OpenCV generates, legacy layout included."""
    cv = cv2()
    spec = BoardSpec(*squares, 36.0, 27.0, "DICT_5X5_100", legacy=legacy)
    ppm = 4.0
    img = np.ones((int(spec.height_mm * ppm), int(spec.width_mm * ppm)))
    paint_rects(img, board_rects_mm(spec), ppm)
    ref = cv.aruco.CharucoBoard(squares, 36.0, 27.0, cv.aruco.getPredefinedDictionary(cv.aruco.DICT_5X5_100))
    ref.setLegacyPattern(legacy)
    diff = np.abs(img - ref.generateImage(img.shape[::-1], 0, 1) / 255.0)
    assert np.mean(diff > 0.5) < 0.03  # OpenCV rounds its marker cells to whole pixels; the layouts differ by ~58 %
    if squares[1] % 2 == 0:
        assert (spec.black_squares()[0] == (0, 0)) != legacy


@pytest.fixture(scope="module")
def legacy_photo(scenes):
    scene = small_scene(elevation_deg=75.0, board=LEGACY,
                        left_tab=TabPlacement((50.0, 80.0, 95.0), tilt_deg=25, yaw_deg=5),
                        right_tab=TabPlacement((205.0, 76.0, 110.0), tilt_deg=15, yaw_deg=-8))
    path, truth = scenes.get("legacy_board", scene)
    return scene, path, truth


def test_legacy_board_measured_when_said(legacy_photo):
    scene, path, truth = legacy_photo
    m = measure_photo(path, board=LEGACY, camera=profile_of(scene)).measurement
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm
    res = CliRunner().invoke(cli, ["measure", str(path), *BOARD_ARGS, "--legacy-board", "--json", "--no-annotate"])
    assert res.exit_code == 0, res.output
    assert abs(json.loads(res.stdout)["lld_mm"] - truth["lld_mm"]) <= json.loads(res.stdout)["uncertainty_mm"]


def test_legacy_board_not_said_is_named(legacy_photo):
    _, path, _ = legacy_photo
    with pytest.raises(BoardLayoutError, match="printed in the legacy ChArUco layout") as err:
        measure_photo(path, board=replace(LEGACY, legacy=False))
    assert err.value.exit_code == 4 and err.value.legacy is True
    assert "--" not in err.value.message
    res = CliRunner().invoke(cli, ["measure", str(path), *BOARD_ARGS, "--json"])
    assert res.exit_code == 4
    msg = json.loads(res.stdout)["error"]["message"]
    assert "legacy ChArUco layout (OpenCV before 4.6, calib.io boards)" in msg and "(--legacy-board)" in msg


def test_current_board_said_legacy_is_named(tmp_path):
    """The other way round: an even-row current board measured as legacy."""
    scene = small_scene(elevation_deg=75.0, board=replace(LEGACY, legacy=False), seed=8)
    path = tmp_path / "current_7x6.jpg"
    write_scene(scene, path)
    with pytest.raises(BoardLayoutError, match="current ChArUco layout, not the legacy one"):
        measure_photo(path, board=LEGACY)


def test_calibrate_legacy_board(tmp_path):
    views = [(60, -25, 5), (70, 20, -8), (80, 0, 12), (65, -15, 0), (75, 10, -5), (85, 5, 8)]
    paths = []
    for i, (el, az, roll) in enumerate(views):
        s = Scene(width=1600, height=1200, focal_px=1300.0, board=LEGACY, elevation_deg=el, azimuth_deg=az,
                  roll_deg=roll, distance_mm=380.0, target_mm=(105.0, -90.0, 0.0), show_tabs=(), noise=0.004,
                  blur_px=0.7, seed=i)
        p = tmp_path / f"legacy_{i}.jpg"
        write_scene(s, p)
        paths.append(str(p))
    out = tmp_path / "cam.json"
    res = CliRunner().invoke(cli, ["calibrate", *paths, *BOARD_ARGS, "--out", str(out)])
    assert res.exit_code == 7 and "legacy ChArUco layout" in res.output and "pattern not found" not in res.output
    assert not out.exists()
    res = CliRunner().invoke(cli, ["calibrate", *paths, *BOARD_ARGS, "--legacy-board", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    prof = json.loads(out.read_text())
    assert prof["camera_matrix"][0][0] == pytest.approx(1300.0, rel=0.01)
    assert prof["pattern"]["legacy"] is True


ARUCO = REALDATA / "opencv_aruco"
needs_realdata = pytest.mark.skipif(not (ARUCO / "choriginal.jpg").exists(), reason="../shared/realdata not present")


@needs_realdata
@pytest.mark.parametrize("spec, words", [
    # OpenCV's tutorial board is 5x7 (odd rows: both layouts alike). Said to be 5x8 legacy: current is what fits.
    (BoardSpec(5, 8, 40.0, 20.0, "DICT_6X6_250", legacy=True), "current ChArUco layout, not the legacy one"),
    # Said to be 6x7: neither layout fits; the message names both causes.
    (BoardSpec(6, 7, 40.0, 20.0, "DICT_6X6_250"), "legacy ChArUco layout (OpenCV before 4.6, calib.io boards) or has "
                                                  "another number of squares"),
])
def test_real_photo_layout_or_size_mismatch_is_named(spec, words):
    gray = cv2().imread(str(ARUCO / "choriginal.jpg"), cv2().IMREAD_GRAYSCALE)
    markers, scale = find_markers(gray, spec.dictionary)
    with pytest.raises(BoardLayoutError, match=words.replace("(", r"\(").replace(")", r"\)")):
        find_board(gray, spec, markers, scale)


@needs_realdata
def test_real_photo_right_board_is_found_in_either_layout():
    """Odd rows: the legacy flag changes nothing, and the tutorial board is found either way."""
    gray = cv2().imread(str(ARUCO / "choriginal.jpg"), cv2().IMREAD_GRAYSCALE)
    for legacy in (False, True):
        spec = BoardSpec(5, 7, 40.0, 20.0, "DICT_6X6_250", legacy=legacy)
        markers, scale = find_markers(gray, spec.dictionary)
        assert len(find_board(gray, spec, markers, scale).ids) == 24


def test_too_few_markers_is_still_board_not_found(scenes):
    path, _ = scenes.get("no_board_legacy", small_scene(show_board=False))
    with pytest.raises(BoardNotFoundError) as err:
        measure_photo(path)
    assert not isinstance(err.value, BoardLayoutError)
