"""Printable targets: the ChArUco board and the two heel tabs, as 600 dpi PNG and exact-scale PDF.

The PNGs are rasterised exactly (area coverage, :mod:`legcheck.targets.raster`) at 600 dpi
and carry that resolution in their pHYs chunk; the PDFs are vector drawings at
physical size (print at 100 % / "actual size", never "fit to page"). Each board
print has the word HEAD and an arrow on the board's y = 0 edge (towards the
patient's head) and a 10 mm scale bar to check the print's scale.
"""

from __future__ import annotations

import io
import json

import numpy as np

from ..fileio import PUBLIC, atomic_write, make_private_dir
from .raster import board_rects_mm, paint_rects, tab_rects_mm
from .spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec

DPI = 600
PX_PER_MM = DPI / 25.4
#: White paper around the board's squares on the print, mm (sides and foot edge).
BOARD_MARGIN_MM = 6.0
#: Strip above the HEAD edge holding the word HEAD, its arrow and the 10 mm scale bar. With the
#: margins the default print is 264 x 199 mm: inside the printable area of A4 and Letter landscape.
LABEL_MM = 13.0


def board_layout(spec: BoardSpec):
    """Page geometry of the board print.

    Parameters
    ----------
    spec : BoardSpec

    Returns
    -------
    page_w_mm, page_h_mm, origin_x_mm, origin_y_mm : float
        The print's size and where the board frame's origin sits on it (page mm, y down).
    """
    page_w = spec.width_mm + 2 * BOARD_MARGIN_MM
    page_h = spec.height_mm + BOARD_MARGIN_MM + LABEL_MM
    return page_w, page_h, BOARD_MARGIN_MM, LABEL_MM


def _scale_bar_rects(x0, y0):
    """A 10 mm bar, 2 mm thick, with 1 mm end ticks (page mm)."""
    return [(x0, y0, x0 + 10.0, y0 + 2.0), (x0, y0 - 2.0, x0 + 0.4, y0), (x0 + 9.6, y0 - 2.0, x0 + 10.0, y0)]


def _arrow_rects(cx, y_tip, length=10.0):
    """An up arrow of small rectangles (page mm): a shaft and a stepped head."""
    rects = [(cx - 0.6, y_tip + 3.0, cx + 0.6, y_tip + length)]
    for i in range(6):
        half = 0.4 + 0.5 * i
        rects.append((cx - half, y_tip + 0.5 * i, cx + half, y_tip + 0.5 * (i + 1)))
    return rects


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
    rects += _arrow_rects(ox + spec.width_mm / 2 - 20, 2.0, LABEL_MM - 5.0)
    rects += _scale_bar_rects(ox, 6.0)
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


def _page(w_mm: float, h_mm: float):
    """A blank page of ``w_mm`` x ``h_mm`` drawn at exact size: (figure, axes in page mm, y down).

    The figure has its own PDF canvas: no pyplot, no process-wide backend.
    """
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    FigureCanvasPdf(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w_mm)
    ax.set_ylim(h_mm, 0)  # y down, like the board frame
    ax.axis("off")
    return fig, ax


def _fill_rects(ax, rects, dx: float = 0.0, dy: float = 0.0) -> None:
    """Black rectangles (x0, y0, x1, y1), page mm, shifted by (dx, dy), with hard edges."""
    from matplotlib.patches import Rectangle

    for x0, y0, x1, y1 in rects:
        ax.add_patch(Rectangle((x0 + dx, y0 + dy), x1 - x0, y1 - y0, facecolor="black", edgecolor="none",
                               linewidth=0, antialiased=False))


def _pdf_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    return buf.getvalue()


def board_pdf(spec: BoardSpec = DEFAULT_BOARD) -> bytes:
    """The board as a vector PDF: an A4 landscape page with the board print centred at exact size.

    Parameters
    ----------
    spec : BoardSpec

    Returns
    -------
    bytes
        The PDF file; print at 100 % ("actual size"): its 10 mm bar must measure 10 mm.
    """
    page_w, page_h, ox, oy = board_layout(spec)
    A4_W, A4_H = 297.0, 210.0
    dx, dy = (A4_W - page_w) / 2, (A4_H - page_h) / 2
    fig, ax = _page(A4_W, A4_H)
    rects = [(x0 + ox, y0 + oy, x1 + ox, y1 + oy) for x0, y0, x1, y1 in board_rects_mm(spec)]
    rects += _arrow_rects(ox + spec.width_mm / 2 - 20, 2.0, LABEL_MM - 5.0)
    rects += _scale_bar_rects(ox, 6.0)
    _fill_rects(ax, rects, dx, dy)
    ax.text(ox + dx + spec.width_mm / 2 - 14, oy + dy - 4.0, "HEAD", fontsize=20, fontweight="bold", va="baseline")
    ax.text(ox + dx + 12, dy + 8.0, "10 mm", fontsize=7, va="baseline")
    ax.text(ox + dx, A4_H - 3,
            f"legcheck board {spec.squares_x}x{spec.squares_y} {spec.dictionary}, square {spec.square_mm:g} mm, "
            f"marker {spec.marker_mm:g} mm{', legacy layout' if spec.legacy else ''}. "
            "Print at 100 % (actual size); the bar must measure 10 mm.",
            fontsize=6, va="baseline")
    return _pdf_bytes(fig)


def tabs_pdf(spec: TabSpec = DEFAULT_TABS) -> bytes:
    """Three pairs of heel tabs as a vector PDF on an A4 portrait page, at exact size, with cut lines.

    Parameters
    ----------
    spec : TabSpec

    Returns
    -------
    bytes
        The PDF file; print at 100 % on card.
    """
    from matplotlib.patches import Rectangle

    A4_W, A4_H = 210.0, 297.0
    fig, ax = _page(A4_W, A4_H)
    card = spec.tab_mm + 2 * spec.margin_mm
    cap = 0.35 * spec.tab_mm
    for row in range(3):  # three pairs: spares for a busy clinic
        for i, (mid, label) in enumerate(((spec.left_id, "L  LEFT heel"), (spec.right_id, "R  RIGHT heel"))):
            cx = 40 + card / 2 + i * (card + 30)
            cy = 30 + card / 2 + row * (card + cap + 25)
            _fill_rects(ax, tab_rects_mm(spec, mid), cx, cy)
            ax.add_patch(Rectangle((cx - card / 2, cy - card / 2), card, card + cap, facecolor="none",
                                   edgecolor="0.6", linewidth=0.5, linestyle="--"))
            ax.text(cx - card / 2 + 4, cy + card / 2 + cap * 0.6, label, fontsize=12, fontweight="bold", va="baseline")
    ax.text(20, 285, f"legcheck heel tabs: {spec.dictionary} ids {spec.left_id} (LEFT) and {spec.right_id} (RIGHT), "
            f"{spec.tab_mm:g} mm. Print at 100 % on card; cut on the dashed lines.", fontsize=7)
    return _pdf_bytes(fig)


def write_targets(out_dir, board: BoardSpec = DEFAULT_BOARD, tabs: TabSpec = DEFAULT_TABS) -> dict:
    """Write board.png/.pdf, tabs.png/.pdf and targets.json into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Created (owner-only) when missing. Each file is written atomically.
    board : BoardSpec
    tabs : TabSpec

    Returns
    -------
    dict
        The specification written to targets.json (sizes in mm, PNG scale in px per mm).

    Raises
    ------
    FileAccessError
        The directory or a file cannot be written.
    """
    out = make_private_dir(out_dir)
    atomic_write(out / "board.png", _png_bytes(board_png(board)), mode=PUBLIC)
    atomic_write(out / "tabs.png", _png_bytes(tabs_png(tabs)), mode=PUBLIC)
    atomic_write(out / "board.pdf", board_pdf(board), mode=PUBLIC)
    atomic_write(out / "tabs.pdf", tabs_pdf(tabs), mode=PUBLIC)
    page_w, page_h, ox, oy = board_layout(board)
    spec = {
        "kind": board.kind, "dictionary": board.dictionary, "squares_x": board.squares_x,
        "squares_y": board.squares_y, "square_mm": board.square_mm, "marker_mm": board.marker_mm,
        "legacy": board.legacy, "legacy_pattern": board.legacy,
        "tab_ids": {"left": tabs.left_id, "right": tabs.right_id}, "tab_mm": tabs.tab_mm,
        "tab_margin_mm": tabs.margin_mm, "tab_dictionary": tabs.dictionary,
        "png_dpi": DPI, "png_px_per_mm": PX_PER_MM,
        "board_png_origin_mm": [ox, oy], "board_png_page_mm": [page_w, page_h],
        "files": ["board.png", "board.pdf", "tabs.png", "tabs.pdf"],
    }
    atomic_write(out / "targets.json", json.dumps(spec, indent=2) + "\n", mode=PUBLIC)
    return spec
