"""Printable targets: the ChArUco board and the two heel tabs, as 600 dpi PNG and exact-scale PDF.

The PNGs are rasterised exactly (area coverage, :mod:`legcheck.targets.raster`) at 600 dpi
and carry that resolution in their pHYs chunk; the PDFs (:mod:`legcheck.targets.sheets`) are
vector drawings at physical size on A4 or Letter (print at 100 % / "actual size", never "fit to
page"). Each board print has the word HEAD and an arrow on the board's y = 0 edge (towards the
patient's head) and a 10 mm scale bar to check the print's scale; where everything goes is in
:mod:`legcheck.targets.layout`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..fileio import PUBLIC
from .layout import LABEL_MM, arrow_rects, board_layout, scale_bar_rects
from .raster import board_rects_mm, paint_rects, tab_rects_mm
from .sheets import board_pdf, tabs_pdf
from .spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec

__all__ = ["DPI", "PX_PER_MM", "TARGET_FILES", "board_layout", "board_png", "tabs_png", "write_targets"]

#: The files :func:`write_targets` writes.
TARGET_FILES = ("board.png", "board.pdf", "tabs.png", "tabs.pdf", "targets.json")

DPI = 600
PX_PER_MM = DPI / 25.4


def board_png(spec: BoardSpec = DEFAULT_BOARD, ppm: float = PX_PER_MM) -> np.ndarray:
    """The board print as an exactly anti-aliased raster.

    Parameters
    ----------
    spec : BoardSpec
    ppm : float
        Pixels per millimetre (600 dpi by default).

    Returns
    -------
    ndarray, uint8, shape (rows, cols)
        Grey; page origin at the top-left, pixel (x, y) centred at ((x + 0.5) / ppm, (y + 0.5) / ppm) mm.
    """
    from .._cv import cv2

    cv = cv2()
    page_w, page_h, ox, oy = board_layout(spec)
    img = np.ones((int(round(page_h * ppm)), int(round(page_w * ppm))))
    rects = [(x0 + ox, y0 + oy, x1 + ox, y1 + oy) for x0, y0, x1, y1 in board_rects_mm(spec)]
    rects += arrow_rects(ox + spec.width_mm / 2 - 20, 2.0, LABEL_MM - 5.0)
    rects += scale_bar_rects(ox, 6.0)
    paint_rects(img, rects, ppm)
    out = np.round(img * 255).astype(np.uint8)
    font = cv.FONT_HERSHEY_SIMPLEX
    cap = 7.0 * ppm  # cap height in px
    scale = cap / 22.0
    thick = max(1, int(cap / 8))
    cv.putText(out, "HEAD", (int((ox + spec.width_mm / 2 - 14) * ppm), int((oy - 4.0) * ppm)), font, scale, 0, thick, cv.LINE_AA)
    small = scale * 0.45
    cv.putText(out, "10 mm", (int((ox + 12) * ppm), int(8.0 * ppm)), font, small, 0, max(1, thick // 2), cv.LINE_AA)
    note = f"square {spec.square_mm:g} mm - print at 100%"
    cv.putText(out, note, (int((ox + spec.width_mm - 60) * ppm), int(8.0 * ppm)), font, small * 0.8, 0, max(1, thick // 3), cv.LINE_AA)
    return out


def tabs_png(spec: TabSpec = DEFAULT_TABS, ppm: float = PX_PER_MM) -> np.ndarray:
    """Both heel tabs side by side with cut lines and labels, as a raster.

    Parameters
    ----------
    spec : TabSpec
    ppm : float
        Pixels per millimetre (600 dpi by default).

    Returns
    -------
    ndarray, uint8, shape (rows, cols)
        Grey.
    """
    from .._cv import cv2

    cv = cv2()
    card = spec.tab_mm + 2 * spec.margin_mm
    cap = 0.35 * spec.tab_mm
    gap = 10.0
    page_w, page_h = 2 * card + 3 * gap, card + cap + 2 * gap
    img = np.ones((int(round(page_h * ppm)), int(round(page_w * ppm))))
    rects = []
    centres = []
    for i, mid in enumerate((spec.left_id, spec.right_id)):
        cx = gap + card / 2 + i * (card + gap)
        cy = gap + card / 2
        centres.append((cx, cy))
        rects += [(x0 + cx, y0 + cy, x1 + cx, y1 + cy) for x0, y0, x1, y1 in tab_rects_mm(spec, mid)]
    paint_rects(img, rects, ppm)
    out = np.round(img * 255).astype(np.uint8)
    for (cx, cy), label in zip(centres, ("L  LEFT heel", "R  RIGHT heel")):
        x0, y0 = (cx - card / 2) * ppm, (cy - card / 2) * ppm
        cv.rectangle(out, (int(x0), int(y0)), (int(x0 + card * ppm), int(y0 + (card + cap) * ppm)), 160, 2)  # cut line
        cv.putText(out, label, (int((cx - card / 2 + 4) * ppm), int((cy + card / 2 + cap * 0.6) * ppm)),
                   cv.FONT_HERSHEY_SIMPLEX, cap * ppm / 70.0, 0, max(1, int(cap * ppm / 60)), cv.LINE_AA)
    return out


def _png_bytes(img: np.ndarray) -> bytes:
    """A grey image as PNG bytes carrying 600 dpi in its pHYs chunk."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()


def write_targets(out_dir, board: BoardSpec = DEFAULT_BOARD, tabs: TabSpec = DEFAULT_TABS, paper: str = "a4",
                  overwrite: bool = False) -> dict:
    """Write board.png/.pdf, tabs.png/.pdf and targets.json into ``out_dir``, all five or none.

    Parameters
    ----------
    out_dir : str or Path
        Created owner-only when missing (the folder above it must exist), and removed again if
        writing fails (the one output rule, :mod:`legcheck.outputs`).
    board : BoardSpec
    tabs : TabSpec
    paper : {"a4", "letter"}
        The PDFs' sheet (the PNGs are the prints alone, at 600 dpi).
    overwrite : bool
        Replace files of these names already in ``out_dir`` (refused otherwise, before anything
        is drawn).

    Returns
    -------
    dict
        The specification written to targets.json (sizes in mm, PNG scale in px per mm).

    Raises
    ------
    UsageError
        Unknown paper, or a print does not fit on it, or a file's place is refused by the rule
        (nothing is written).
    OutputExistsError
        A file exists and ``overwrite`` is False (nothing is written).
    FileAccessError
        The directory or a file cannot be written (nothing is left).
    """
    from ..outputs import OutputFiles

    files = OutputFiles(overwrite=overwrite)
    out = Path(out_dir)
    for name in TARGET_FILES:  # every place checked before anything is drawn
        files.claim(out / name, new_folder=True)  # the folder it is told to fill is made; none above it
    pdfs = {"board.pdf": board_pdf(board, paper), "tabs.pdf": tabs_pdf(tabs, paper)}  # refuses a print too big
    page_w, page_h, ox, oy = board_layout(board)
    spec = {
        "kind": board.kind, "dictionary": board.dictionary, "squares_x": board.squares_x,
        "squares_y": board.squares_y, "square_mm": board.square_mm, "marker_mm": board.marker_mm,
        "legacy": board.legacy, "legacy_pattern": board.legacy,
        "tab_ids": {"left": tabs.left_id, "right": tabs.right_id}, "tab_mm": tabs.tab_mm,
        "tab_margin_mm": tabs.margin_mm, "tab_dictionary": tabs.dictionary,
        "png_dpi": DPI, "png_px_per_mm": PX_PER_MM, "pdf_paper": paper,
        "board_png_origin_mm": [ox, oy], "board_png_page_mm": [page_w, page_h],
        "files": list(TARGET_FILES[:4]),
    }
    with files:
        files.write(out / "board.png", _png_bytes(board_png(board)), PUBLIC)
        files.write(out / "tabs.png", _png_bytes(tabs_png(tabs)), PUBLIC)
        for name, data in pdfs.items():
            files.write(out / name, data, PUBLIC)
        files.write(out / "targets.json", json.dumps(spec, indent=2) + "\n", PUBLIC)
    return spec
