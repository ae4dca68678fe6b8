"""Never a confident wrong answer: which heel is which, and whether a result can be a leg check at all.

**Sides come from the heels' positions.** In every mode the heel with the smaller table x is the
patient's LEFT (table +x points to the patient's right). A board turned 180 degrees then still
measures correctly: the turn maps table (x, y) to (-x, -y), so the heel with the smaller x and the
heel further towards the head swap together and lld_mm keeps its sign (docs/conventions.md). The
labels on the tabs (or on manual points) become a check: when the LEFT one lies on the patient's
right of the RIGHT one, the result stands with a warning.

**Plausibility.** A result is refused, naming the check, when it cannot be two heels of a prone
patient measured against a board lying beside the legs:

- the heels lie along the board's y axis rather than across it: the board is turned about 90
  degrees (:class:`~legcheck.errors.BoardPlacementError`, exit 13);
- a heel is more than :data:`MAX_BOARD_DISTANCE_MM` from the board (exit 13);
- no table line was measured and the heels' line is turned more than :data:`MAX_UNMEASURED_TURN_DEG`
  from square to the board's HEAD arrow: the board is turned further than a table edge could
  correct (exit 13; :func:`check_turn`);
- the heels are not :data:`HEEL_SPACING_MM` apart across the table (exit 5);
- |lld_mm| is over :data:`MAX_ABS_LLD_MM` (exit 5);
- a tab centre is not :data:`TAB_HEIGHT_MM` above the table (tab mode; exit 5).
"""

from __future__ import annotations

import numpy as np

from ..errors import BoardPlacementError, ImplausibleHeelsError

#: Heels this far apart across the table (|x difference|), mm: feet together to feet wide apart. A
#: board laid between the legs (about 290 mm wide with its paper) needs the heels up to about 520 mm
#: apart; a drop table is 550-700 mm wide.
HEEL_SPACING_MM = (80.0, 550.0)
#: Larger apparent leg-length differences are not a leg check (a heel mistaken, a foot lifted), mm.
MAX_ABS_LLD_MM = 40.0
#: Heel-tab centres above the table, mm: a bare heel of a small adult to a large shoe, with margin.
TAB_HEIGHT_MM = (20.0, 250.0)
#: Both heels lie within this of the board (it is laid beside the lower legs), mm.
MAX_BOARD_DISTANCE_MM = 1500.0
#: With no table line measured, the heels' line may be turned at most this far from square to the
#: board's HEAD arrow (from its x axis, the nearer of 0 and 180 degrees), degrees. Table lines are
#: only looked for within this of the board's axes (``legcheck.vision.table_plane.ANGLE_WINDOW_DEG``),
#: so a board turned further can never be corrected by the table's axis; and a real leg check this
#: steep needs an lld of over 0.27 x the heels' spacing (over 21 mm for feet together, 54 mm for
#: heels 200 mm apart), which a turned board explains far more often.
MAX_UNMEASURED_TURN_DEG = 15.0

def labels_swapped(left_table_mm, right_table_mm) -> bool:
    """Whether the heel labelled LEFT lies on the patient's right of the one labelled RIGHT.

    Parameters
    ----------
    left_table_mm, right_table_mm : array_like, shape (3,)
        The two heels as labelled (tab ids, manual points), table frame, mm.

    Returns
    -------
    bool
        True when the LEFT-labelled heel has the larger table x: the sides must be swapped.
    """
    return float(left_table_mm[0]) > float(right_table_mm[0])


def swapped_warning(method: str) -> str:
    """The warning kept with a result whose labels disagreed with the heels' positions.

    Both causes give the same photo up to the board's pose, and the figure is right for both: with
    the labels on the wrong heels the heels' positions name the sides; with the board turned round
    both the sides and the head end turn with it, so the short leg named is the same.
    """
    if method == "tabs":
        what, cause = "heel tabs", "the tabs are stuck on the opposite heels from their labels"
    elif method == "manual":
        what, cause = "points given", "the LEFT and RIGHT points were given for the opposite heels"
    else:
        what, cause = "heel labels", "the heels were labelled the other way round"
    return (f"the {what} disagree with the heels' positions: either {cause}, or the board is turned round "
            "(HEAD arrow towards the feet); the short leg was named from the heels' positions on the board, "
            "which is right in both cases; check the labels and the HEAD arrow before the next photo")


def check_placement(left_table_mm, right_table_mm, board_mm: np.ndarray) -> None:
    """Refuse heels that show the board was not laid along the legs, or lies far from them.

    Parameters
    ----------
    left_table_mm, right_table_mm : array_like, shape (3,)
        The heels, table frame, mm (either order).
    board_mm : ndarray, shape (N, 3)
        The board corners used, board frame, mm (their extent is the board's).

    Raises
    ------
    BoardPlacementError
        The heels lie along the board's y axis (the board is turned about 90 degrees), or a heel
        is more than :data:`MAX_BOARD_DISTANCE_MM` from the board.
    """
    a, b = np.asarray(left_table_mm, float), np.asarray(right_table_mm, float)
    dx, dy = abs(a[0] - b[0]), abs(a[1] - b[1])
    if dy > dx:
        raise BoardPlacementError(
            f"the heels lie along the board's HEAD arrow ({dy:.0f} mm apart along it, {dx:.0f} mm across): the "
            "board is turned across the table; lay it with its HEAD arrow pointing to the patient's head, along "
            "the legs, and retake the photo")
    pts = np.asarray(board_mm, float)
    lo, hi = pts[:, :2].min(axis=0), pts[:, :2].max(axis=0)
    lo, hi = np.array([lo[0], -hi[1]]), np.array([hi[0], -lo[1]])  # board y down = table -y
    for side, h in (("LEFT", a), ("RIGHT", b)):
        gap = np.maximum(np.maximum(lo - h[:2], h[:2] - hi), 0.0)
        d = float(np.hypot(np.linalg.norm(gap), h[2]))
        if d > MAX_BOARD_DISTANCE_MM:
            raise BoardPlacementError(
                f"implausible result: the {side} heel would lie {d / 1000:.2f} m from the board (at most "
                f"{MAX_BOARD_DISTANCE_MM / 1000:.1f} m): the board's size may not be the one printed, or it lies "
                "far from the heels; check the board's size and lay it on the table beside the lower legs")


def check_turn(left_table_mm, right_table_mm, axis) -> None:
    """Refuse a board turned in the table plane further than the table's axis could correct.

    With no table line measured (``axis.source`` "board") lld_mm is taken along the board's y, so a
    board turned by theta moves it by (heel spacing) x sin(theta): the heels' line, square to the
    table's axis, shows up turned by about theta from the board's x axis. Beyond
    :data:`MAX_UNMEASURED_TURN_DEG` that is refused as the board's placement (exit 13), before the
    heels' own checks would blame the heels. A measured table axis corrects the turn, and a board
    the user squared with a jig or fence is taken at their word: neither is checked here.

    Parameters
    ----------
    left_table_mm, right_table_mm : array_like, shape (3,)
        The heels, table frame (the board's axes), mm (either order).
    axis : legcheck.measure.table_axis.TableAxis
        The table's axis estimated for this photo.

    Raises
    ------
    BoardPlacementError
        The heels' line is turned more than :data:`MAX_UNMEASURED_TURN_DEG` from the board's x axis
        and no table line was measured.
    """
    if axis.source != "board" or axis.notes.get("board_squared"):
        return
    a, b = np.asarray(left_table_mm, float), np.asarray(right_table_mm, float)
    turn_deg = float(np.degrees(np.arctan2(abs(a[1] - b[1]), abs(a[0] - b[0]))))
    if turn_deg > MAX_UNMEASURED_TURN_DEG:
        raise BoardPlacementError(
            f"the heels lie {turn_deg:.0f}° off square to the board's HEAD arrow and no table edge could be measured: "
            f"the board is turned about {turn_deg:.0f}° from the table's axis; square it with the table's edge, HEAD "
            "arrow along the legs, and retake the photo")


def check_heels(left_table_mm, right_table_mm, lld_mm: float, tabs: bool) -> None:
    """Refuse heels that cannot be a prone patient's two heels.

    Parameters
    ----------
    left_table_mm, right_table_mm : array_like, shape (3,)
        The heels, table frame, mm.
    lld_mm : float
        The leg-length discrepancy they give, mm.
    tabs : bool
        The heels are tab centres (their heights were measured, so they are checked too).

    Raises
    ------
    ImplausibleHeelsError
        (exit 5) spacing across the table outside :data:`HEEL_SPACING_MM`, |lld_mm| over
        :data:`MAX_ABS_LLD_MM`, or (tabs) a tab centre's height outside :data:`TAB_HEIGHT_MM`.
    """
    a, b = np.asarray(left_table_mm, float), np.asarray(right_table_mm, float)
    what = "heel tabs" if tabs else "heel points"
    lo, hi = HEEL_SPACING_MM
    dx = abs(a[0] - b[0])
    if not lo <= dx <= hi:
        raise ImplausibleHeelsError(
            f"implausible result: the {what} are {dx:.0f} mm apart across the table (heels are {lo:.0f}-{hi:.0f} "
            "mm apart); check that each marks one heel of this patient and that the feet do not touch, and retake "
            "the photo")
    if abs(lld_mm) > MAX_ABS_LLD_MM:
        raise ImplausibleHeelsError(
            f"implausible result: the {what} differ by {abs(lld_mm):.0f} mm along the table (a leg check is "
            f"within {MAX_ABS_LLD_MM:.0f} mm); check that each marks its heel at the same landmark, with both "
            "legs lying straight, and retake the photo")
    if tabs:
        lo, hi = TAB_HEIGHT_MM
        for side, h in (("LEFT", a), ("RIGHT", b)):
            if not lo <= h[2] <= hi:
                raise ImplausibleHeelsError(
                    f"implausible result: the {side} heel tab's centre is {h[2]:.0f} mm above the table (heel tabs "
                    f"sit {lo:.0f}-{hi:.0f} mm up); stick the tab on the heel itself and keep the board flat on the "
                    "table")
