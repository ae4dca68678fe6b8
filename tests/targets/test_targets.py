"""Printable targets: the PNG board is detectable and at the stated physical scale; the PDF at exact size."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image

from legcheck._cv import cv2
from legcheck.targets.spec import DEFAULT_BOARD, DEFAULT_TABS
from legcheck.targets.printables import PX_PER_MM, board_layout, write_targets


@pytest.fixture(scope="module")
def targets_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("targets")
    write_targets(out)
    return out


def test_targets_json_spec(targets_dir):
    spec = json.loads((targets_dir / "targets.json").read_text())
    assert spec["kind"] == "charuco" and spec["dictionary"] == "DICT_5X5_100"
    assert (spec["squares_x"], spec["squares_y"], spec["square_mm"], spec["marker_mm"]) == (7, 5, 36.0, 27.0)
    assert spec["tab_ids"] == {"left": 40, "right": 41} and spec["tab_mm"] == 40.0
    assert spec["png_px_per_mm"] == pytest.approx(600 / 25.4)


def test_png_board_detected_at_physical_scale(targets_dir):
    cv = cv2()
    img = np.asarray(Image.open(targets_dir / "board.png"))
    with Image.open(targets_dir / "board.png") as im:
        assert im.info["dpi"][0] == pytest.approx(600, abs=0.01)
    page_w, page_h, ox, oy = board_layout(DEFAULT_BOARD)
    assert img.shape == (round(page_h * PX_PER_MM), round(page_w * PX_PER_MM))
    d = cv.aruco.getPredefinedDictionary(cv.aruco.DICT_5X5_100)
    board = cv.aruco.CharucoBoard((7, 5), 36.0, 27.0, d)
    s = 0.25  # detect on a reduced copy, then refine at full resolution
    small = cv.resize(img, None, fx=s, fy=s, interpolation=cv.INTER_AREA)
    corners, ids, _, _ = cv.aruco.CharucoDetector(board).detectBoard(small)
    assert ids is not None and len(ids) == 24
    c = ((np.asarray(corners, np.float32).reshape(-1, 2) + 0.5) / s - 0.5).reshape(-1, 1, 2)
    cv.cornerSubPix(img, c, (15, 15), (-1, -1), (cv.TERM_CRITERIA_EPS + cv.TERM_CRITERIA_MAX_ITER, 50, 1e-4))
    c = c.reshape(-1, 2)
    obj = DEFAULT_BOARD.inner_corners_board_mm()[np.asarray(ids).ravel()]
    # Fit px = a * mm + b per axis: the slope is the file's physical scale.
    ax = np.polyfit(obj[:, 0], c[:, 0], 1)
    ay = np.polyfit(obj[:, 1], c[:, 1], 1)
    assert ax[0] == pytest.approx(PX_PER_MM, rel=2e-4)
    assert ay[0] == pytest.approx(PX_PER_MM, rel=2e-4)
    # Board origin where the layout says, to a tenth of a millimetre; pixel centres at (j + 0.5) / ppm.
    assert (ax[1] + 0.5) / PX_PER_MM == pytest.approx(ox, abs=0.1)
    assert (ay[1] + 0.5) / PX_PER_MM == pytest.approx(oy, abs=0.1)


def test_png_tabs_detected_with_their_ids(targets_dir):
    cv = cv2()
    img = np.asarray(Image.open(targets_dir / "tabs.png"))
    det = cv.aruco.ArucoDetector(cv.aruco.getPredefinedDictionary(cv.aruco.DICT_5X5_100))
    corners, ids, _ = det.detectMarkers(cv.resize(img, None, fx=0.25, fy=0.25, interpolation=cv.INTER_AREA))
    assert sorted(np.asarray(ids).ravel().tolist()) == [40, 41]
    side_px = np.linalg.norm(np.diff(np.asarray(corners[0]).reshape(4, 2), axis=0), axis=1).mean() / 0.25
    assert side_px == pytest.approx(DEFAULT_TABS.tab_mm * PX_PER_MM, rel=0.02)


def test_pdfs_are_a4_at_exact_size(targets_dir):
    for name, (w_mm, h_mm) in (("board.pdf", (297, 210)), ("tabs.pdf", (210, 297))):
        data = (targets_dir / name).read_bytes()
        assert data.startswith(b"%PDF")
        box = [float(v) for v in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data).group(1).split()]
        assert box[2] / 72 * 25.4 == pytest.approx(w_mm, abs=0.1)
        assert box[3] / 72 * 25.4 == pytest.approx(h_mm, abs=0.1)


def test_writing_targets_sets_no_matplotlib_backend(tmp_path):
    """Drawing the PDFs uses a figure's own canvas: no pyplot, no process-wide backend choice."""
    import subprocess
    import sys

    code = ("import sys, matplotlib\n"
            "before = dict.__getitem__(matplotlib.rcParams, 'backend')\n"
            "from legcheck.targets.printables import write_targets\n"
            f"write_targets({str(tmp_path)!r})\n"
            "assert 'matplotlib.pyplot' not in sys.modules\n"
            "assert dict.__getitem__(matplotlib.rcParams, 'backend') is before\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "board.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("kw, name", [(dict(squares_x=2), "squares_x"), (dict(marker_mm=40.0), "marker_mm"),
                                      (dict(dictionary="DICT_9X9"), "dictionary")])
def test_bad_board_spec_is_a_usage_error(kw, name):
    from legcheck.errors import UsageError
    from legcheck.targets.spec import BoardSpec, TabSpec

    with pytest.raises(UsageError, match=name):
        BoardSpec(**kw)
    with pytest.raises(UsageError, match="tab_mm"):
        TabSpec(tab_mm=0)
