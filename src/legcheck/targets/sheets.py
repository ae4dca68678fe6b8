"""The printable PDFs: the board and the heel tabs as vector drawings at exact size on A4 or Letter.

Each page is a matplotlib figure with its own PDF canvas (no pyplot, no process-wide backend),
one axes spanning the sheet in page millimetres (y down). Print at 100 % ("actual size").
"""

from __future__ import annotations

import io

from ..errors import UsageError
from .layout import FOOTER_PT, LABEL_MM, arrow_rects, board_layout, paper_mm, scale_bar_rects, tabs_layout
from .raster import board_rects_mm, tab_rects_mm
from .spec import DEFAULT_BOARD, DEFAULT_TABS, BoardSpec, TabSpec

__all__ = ["board_pdf", "tabs_figure", "tabs_pdf"]


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


def board_pdf(spec: BoardSpec = DEFAULT_BOARD, paper: str = "a4") -> bytes:
    """The board as a vector PDF: a landscape sheet with the board print centred at exact size.

    Parameters
    ----------
    spec : BoardSpec
    paper : {"a4", "letter"}

    Returns
    -------
    bytes
        The PDF file; print at 100 % ("actual size"): its 10 mm bar must measure 10 mm.

    Raises
    ------
    UsageError
        Unknown paper, or the board print is larger than the sheet.
    """
    page_w, page_h, ox, oy = board_layout(spec)
    sheet_w, sheet_h = paper_mm(paper, landscape=True)
    if page_w > sheet_w or page_h > sheet_h:
        raise UsageError(f"the board print is {page_w:.0f} x {page_h:.0f} mm: larger than {paper} landscape "
                         f"({sheet_w:g} x {sheet_h:g} mm); use smaller or fewer squares")
    dx, dy = (sheet_w - page_w) / 2, (sheet_h - page_h) / 2
    fig, ax = _page(sheet_w, sheet_h)
    rects = [(x0 + ox, y0 + oy, x1 + ox, y1 + oy) for x0, y0, x1, y1 in board_rects_mm(spec)]
    rects += arrow_rects(ox + spec.width_mm / 2 - 20, 2.0, LABEL_MM - 5.0)
    rects += scale_bar_rects(ox, 6.0)
    _fill_rects(ax, rects, dx, dy)
    ax.text(ox + dx + spec.width_mm / 2 - 14, oy + dy - 4.0, "HEAD", fontsize=20, fontweight="bold", va="baseline")
    ax.text(ox + dx + 12, dy + 8.0, "10 mm", fontsize=7, va="baseline")
    ax.text(ox + dx, sheet_h - 3,
            f"legcheck board {spec.squares_x}x{spec.squares_y} {spec.dictionary}, square {spec.square_mm:g} mm, "
            f"marker {spec.marker_mm:g} mm{', legacy layout' if spec.legacy else ''}. "
            "Print at 100 % (actual size); the bar must measure 10 mm.",
            fontsize=6, va="baseline")
    return _pdf_bytes(fig)


def tabs_figure(spec: TabSpec = DEFAULT_TABS, paper: str = "a4"):
    """The heel-tab sheet as a matplotlib figure (its own PDF canvas), laid out by :func:`tabs_layout`.

    Parameters
    ----------
    spec : TabSpec
    paper : {"a4", "letter"}

    Returns
    -------
    matplotlib.figure.Figure
        Texts carry a ``gid``: "label-<n>" for the card labels, "footer" for the footer, so
        their drawn extents can be checked.

    Raises
    ------
    UsageError
        As :func:`tabs_layout`.
    """
    from matplotlib.patches import Rectangle

    lay = tabs_layout(spec, paper)
    fig, ax = _page(*lay["page_mm"])
    card, cap = lay["card_mm"], lay["cap_mm"]
    for n, c in enumerate(lay["cards"]):
        _fill_rects(ax, tab_rects_mm(spec, c["id"]), c["cx"], c["cy"])
        ax.add_patch(Rectangle((c["cx"] - card / 2, c["cy"] - card / 2), card, card + cap, facecolor="none",
                               edgecolor="0.6", linewidth=0.5, linestyle="--"))
        ax.text(*c["label_xy"], c["label"], fontsize=12, fontweight="bold", va="baseline", gid=f"label-{n}")
    ax.text(*lay["footer_xy"], f"legcheck heel tabs: {spec.dictionary} ids {spec.left_id} (LEFT) and {spec.right_id} "
            f"(RIGHT), {spec.tab_mm:g} mm. Print at 100 % on card; cut on the dashed lines.",
            fontsize=FOOTER_PT, va="baseline", ha="center", gid="footer")
    return fig


def tabs_pdf(spec: TabSpec = DEFAULT_TABS, paper: str = "a4") -> bytes:
    """The heel tabs (up to three pairs) as a vector PDF on a portrait sheet, at exact size, with cut lines.

    Parameters
    ----------
    spec : TabSpec
    paper : {"a4", "letter"}

    Returns
    -------
    bytes
        The PDF file; print at 100 % on card.

    Raises
    ------
    UsageError
        As :func:`tabs_layout`.
    """
    return _pdf_bytes(tabs_figure(spec, paper))
