"""Where everything goes on the printed sheets: the board print's margins, label strip, HEAD arrow
and scale bar; the paper sizes; the heel tabs' cards, labels and footer. Page millimetres, y down.

The PNG rasteriser (:mod:`legcheck.targets.printables`) and the PDF pages
(:mod:`legcheck.targets.sheets`) both draw from these numbers, so the two prints agree.
"""

from __future__ import annotations

from ..errors import UsageError
from .spec import DEFAULT_TABS, BoardSpec, TabSpec

__all__ = ["BOARD_MARGIN_MM", "LABEL_MM", "PAPER_MM", "PRINT_MARGIN_MM", "FOOTER_GAP_MM", "FOOTER_PT", "FOOTER_MM",
           "board_layout", "arrow_rects", "scale_bar_rects", "paper_mm", "tabs_layout"]

#: White paper around the board's squares on the print, mm (sides and foot edge).
BOARD_MARGIN_MM = 6.0
#: Strip above the HEAD edge holding the word HEAD, its arrow and the 10 mm scale bar. With the
#: margins the default print is 264 x 199 mm: inside the printable area of A4 and Letter landscape.
LABEL_MM = 13.0
#: Paper sizes for the PDFs (portrait width, height), mm: ISO 216 A4 and ANSI Letter (8.5 x 11 in).
PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
#: The heel tabs keep this far from the sheet's edges (most printers cannot print nearer), mm.
PRINT_MARGIN_MM = 8.0
#: Clear space between the lowest tab and the footer line, mm.
FOOTER_GAP_MM = 6.0
#: Tabs' footer type size, points, and the height its line takes, mm (7 pt type, with descenders).
FOOTER_PT, FOOTER_MM = 7, 3.5


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


def scale_bar_rects(x0: float, y0: float) -> list[tuple]:
    """A 10 mm bar, 2 mm thick, with 2 mm end ticks rising from it.

    Parameters
    ----------
    x0, y0 : float
        The bar's top-left corner, page mm (y down).

    Returns
    -------
    list of tuple
        Black rectangles (x0, y0, x1, y1), page mm.
    """
    return [(x0, y0, x0 + 10.0, y0 + 2.0), (x0, y0 - 2.0, x0 + 0.4, y0), (x0 + 9.6, y0 - 2.0, x0 + 10.0, y0)]


def arrow_rects(cx: float, y_tip: float, length: float = 10.0) -> list[tuple]:
    """An arrow pointing up the page, of small rectangles: a shaft and a stepped head.

    Parameters
    ----------
    cx, y_tip : float
        The arrow's centre line and its tip, page mm (y down).
    length : float
        Tip to tail, mm.

    Returns
    -------
    list of tuple
        Black rectangles (x0, y0, x1, y1), page mm.
    """
    rects = [(cx - 0.6, y_tip + 3.0, cx + 0.6, y_tip + length)]
    for i in range(6):
        half = 0.4 + 0.5 * i
        rects.append((cx - half, y_tip + 0.5 * i, cx + half, y_tip + 0.5 * (i + 1)))
    return rects


def paper_mm(paper: str, landscape: bool = False) -> tuple[float, float]:
    """A sheet's width and height, mm.

    Parameters
    ----------
    paper : {"a4", "letter"}
    landscape : bool

    Returns
    -------
    (float, float)

    Raises
    ------
    UsageError
        Unknown paper.
    """
    if paper not in PAPER_MM:
        raise UsageError(f"paper {paper!r} is not one of {', '.join(PAPER_MM)}")
    w, h = PAPER_MM[paper]
    return (h, w) if landscape else (w, h)


def tabs_layout(spec: TabSpec = DEFAULT_TABS, paper: str = "a4") -> dict:
    """Where the heel tabs, their labels and the footer go on a sheet (page mm, y down).

    Two columns (LEFT, RIGHT) and as many rows as fit (three at most: spares for a busy clinic),
    spread down the sheet between the top margin and the footer, which sits :data:`FOOTER_GAP_MM`
    below the lowest card.

    Parameters
    ----------
    spec : TabSpec
    paper : {"a4", "letter"}
        Portrait.

    Returns
    -------
    dict
        ``page_mm`` (w, h), ``card_mm`` (the square card around a marker), ``cap_mm`` (the label
        strip below it), ``cards`` (per tab: ``id``, ``label``, ``cx``, ``cy`` (marker centre),
        ``label_xy`` (label baseline start)), ``footer_xy`` (the footer's baseline centre).

    Raises
    ------
    UsageError
        Unknown paper, or the tabs do not fit on it.
    """
    w, h = paper_mm(paper)
    card, cap = spec.tab_mm + 2 * spec.margin_mm, 0.35 * spec.tab_mm
    tall, gap_x, min_gap_y = card + cap, 30.0, 10.0
    footer_y = h - PRINT_MARGIN_MM
    top, bottom = PRINT_MARGIN_MM + 4.0, footer_y - FOOTER_MM - FOOTER_GAP_MM
    rows = min(3, int((bottom - top + min_gap_y) // (tall + min_gap_y)))
    if rows < 1 or 2 * card + gap_x > w - 2 * PRINT_MARGIN_MM:
        raise UsageError(f"heel tabs of {spec.tab_mm:g} mm do not fit on {paper} paper; make them smaller")
    gap_y = min(30.0, (bottom - top - rows * tall) / (rows - 1)) if rows > 1 else 0.0
    x0 = (w - 2 * card - gap_x) / 2
    cards = []
    for row in range(rows):
        for i, (mid, label) in enumerate(((spec.left_id, "L  LEFT heel"), (spec.right_id, "R  RIGHT heel"))):
            cx, cy = x0 + card / 2 + i * (card + gap_x), top + card / 2 + row * (tall + gap_y)
            cards.append({"id": mid, "label": label, "cx": cx, "cy": cy,
                          "label_xy": (cx - card / 2 + 4, cy + card / 2 + cap * 0.6)})
    return {"page_mm": (w, h), "card_mm": card, "cap_mm": cap, "cards": cards, "footer_xy": (w / 2, footer_y)}


