"""Printable targets: the PNG board is detectable and at the stated physical scale; the PDFs at exact
size on A4 and Letter, the tabs' footer clear of their labels (drawn extents and the rendered PDF)."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

from legcheck._cv import cv2
from legcheck.errors import UsageError
from legcheck.targets.layout import tabs_layout
from legcheck.targets.printables import PX_PER_MM, board_layout, write_targets
from legcheck.targets.sheets import board_pdf, tabs_figure, tabs_pdf
from legcheck.targets.spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec


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


def _media_box_mm(data: bytes) -> tuple[float, float]:
    box = [float(v) for v in re.search(rb"/MediaBox\s*\[\s*([\d.\s]+)\]", data).group(1).split()]
    return box[2] / 72 * 25.4, box[3] / 72 * 25.4


def test_pdfs_are_a4_at_exact_size(targets_dir):
    for name, (w_mm, h_mm) in (("board.pdf", (297, 210)), ("tabs.pdf", (210, 297))):
        data = (targets_dir / name).read_bytes()
        assert data.startswith(b"%PDF")
        assert _media_box_mm(data) == (pytest.approx(w_mm, abs=0.1), pytest.approx(h_mm, abs=0.1))
    assert json.loads((targets_dir / "targets.json").read_text())["pdf_paper"] == "a4"


def test_letter_pdfs_at_exact_size():
    """Letter is 8.5 x 11 inches; the board print keeps its size (the 10 mm bar is 10 mm on any sheet)."""
    board, tabs = board_pdf(paper="letter"), tabs_pdf(paper="letter")
    assert _media_box_mm(board) == (pytest.approx(279.4, abs=0.05), pytest.approx(215.9, abs=0.05))
    assert _media_box_mm(tabs) == (pytest.approx(215.9, abs=0.05), pytest.approx(279.4, abs=0.05))
    with pytest.raises(UsageError, match="larger than letter landscape"):
        board_pdf(BoardSpec(squares_x=8), paper="letter")
    with pytest.raises(UsageError, match="do not fit on a4 paper"):
        tabs_pdf(TabSpec(tab_mm=200.0))
    with pytest.raises(UsageError, match="paper 'a3'"):
        tabs_pdf(paper="a3")


def _text_boxes_mm(fig) -> dict:
    """The drawn extents of the figure's named texts, page mm (x0, y0, x1, y1), y down."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()  # one renderer for text and transforms, at the figure's dpi
    ax = fig.axes[0]  # its data coordinates are page mm, y down
    boxes = {}
    for t in ax.texts:
        b = t.get_window_extent(renderer).transformed(ax.transData.inverted())
        boxes[t.get_gid()] = (min(b.x0, b.x1), min(b.y0, b.y1), max(b.x0, b.x1), max(b.y0, b.y1))
    return boxes


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_tab_labels_and_footer_are_clear(paper, tmp_path):
    """The footer's drawn text touches no card, no L/R label, and stays on the sheet; the PDF shows it."""
    lay = tabs_layout(DEFAULT_TABS, paper)
    boxes = _text_boxes_mm(tabs_figure(DEFAULT_TABS, paper))
    w, h = lay["page_mm"]
    card, cap = lay["card_mm"], lay["cap_mm"]
    cards = [(c["cx"] - card / 2, c["cy"] - card / 2, c["cx"] + card / 2, c["cy"] + card / 2 + cap) for c in lay["cards"]]
    assert len(cards) == 6  # three pairs on either sheet
    footer = boxes.pop("footer")
    assert 5 <= footer[0] and footer[2] <= w - 5 and footer[3] <= h - 5, footer
    for n, label in boxes.items():
        card_box = cards[int(n.split("-")[1])]
        assert card_box[0] <= label[0] and label[2] <= card_box[2] and card_box[1] <= label[1] and label[3] <= card_box[3]
    for box in [*boxes.values(), *cards]:
        assert not _overlap(footer, box), (footer, box)
    assert footer[1] - max(c[3] for c in cards) >= 5.0  # a clear band above the footer
    # The rendered PDF agrees: between the lowest cut line and the footer the sheet is blank.
    need_pdftoppm()
    pdf = tmp_path / "tabs.pdf"
    pdf.write_bytes(tabs_pdf(DEFAULT_TABS, paper))
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", str(pdf), str(tmp_path / "p")], check=True)
    (png,) = tmp_path.glob("p*.png")
    ink = np.asarray(Image.open(png).convert("L")) < 128
    rows = np.flatnonzero(ink.any(axis=1)) * 25.4 / 100  # mm from the top
    lowest_card = max(c[3] for c in cards)
    assert not any(lowest_card + 1.0 < y < footer[1] - 0.5 for y in rows)
    assert any(footer[1] <= y <= footer[3] for y in rows) and rows.max() <= footer[3] + 0.5


def need_pdftoppm():
    import os
    import shutil

    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing in CI: the test set-up (make test) installs it")
        pytest.skip("pdftoppm not installed (make test installs it)")


def test_cli_prints_clean_paths(tmp_path):
    from click.testing import CliRunner

    from legcheck.cli import cli

    res = CliRunner().invoke(cli, ["targets", "--out", f"{tmp_path}/print/", "--paper", "letter"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == (f"Wrote board.png, board.pdf, tabs.png, tabs.pdf (letter) and targets.json to "
                                  f"{tmp_path}/print")
    assert "//" not in res.stdout
    assert _media_box_mm((tmp_path / "print" / "tabs.pdf").read_bytes())[1] == pytest.approx(279.4, abs=0.05)


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
