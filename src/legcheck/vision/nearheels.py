"""Rough heel points: a tap near each heel, and the heel found there as contour mode finds it.

A tap on a phone lands anywhere within about :data:`TAP_REACH_MM` of the heel on the table. Each
tap is taken to the heel-height plane; the heel is the tip of the foot outline nearest to it: the
most caudal outline point within :data:`TAP_REACH_MM` + :data:`HEEL_RADIUS_MM` of the tap. Where the
whole-photo segmentation missed that foot, the foreground is looked at again around the tap alone,
with lower thresholds (the tap says a heel is there), and failing that cut by GrabCut around it.
Two taps never share one blob: when both reach the same one, the tap nearer its tip keeps it and
the other looks again. When one tap's foot is found and the other's is not, the other is looked for
by its likeness to the first (:mod:`legcheck.vision.twinfoot`). The tips are then refined, checked
for the view and measured exactly as in contour mode (:mod:`legcheck.vision.contour`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._cv import cv2
from ..errors import HeelNotFoundError
from ..geometry import backproject_to_height
from .feet import CAP_ARC_MM, CAP_DROP_MM, HEEL_WIDTH_MM, Foot, _cap_drop, _measure
from .segment import components
from .twinfoot import TWIN_CONFIDENCE, find_twin

#: How far from the heel a tap may land, on the table, mm.
TAP_REACH_MM = 30.0
#: A heel's outline lies within this of its tip, mm (the back of a heel or a shoe's heel block).
HEEL_RADIUS_MM = 45.0
#: Hysteresis thresholds (distance from the background, spreads) of the second look around a tap.
NEAR_LOW, NEAR_HIGH = 1.8, 3.0
#: Half-width (mm, across the table) of the band headward of a tap seeded as probably foot (the
#: third look, :func:`_grabcut_look`): a heel is some 60-90 mm wide, a tap up to 30 mm off.
GRAB_HALF_MM = 25.0


def feet_near(view, fg, feet: list[Foot], near_px: dict, shape) -> tuple[list[Foot], list[str], float]:
    """The feet at the two taps, each with its tip moved to the heel nearest the tap.

    Parameters
    ----------
    view : TableView
    fg : Foreground
    feet : list of Foot
        Every foot-like blob of the photo (:func:`legcheck.vision.feet.find_feet`).
    near_px : dict
        ``{"left": (x, y), "right": (x, y)}`` photo pixels as displayed.
    shape : tuple
        The photo's shape (H, W, ...).

    Returns
    -------
    pair : list of Foot
        The LEFT tap's foot, then the RIGHT tap's.
    warnings : list of str
    confidence : float

    Raises
    ------
    HeelNotFoundError
        No table end, or no heel edge near a tap.
    """
    if view.end is None:
        raise HeelNotFoundError("no feet found (the table's end was not found): photograph both feet hanging over "
                                "the table's end, with the board on the table beside the lower legs")
    taps = {side: _tap_mm(view, near_px[side]) for side in ("left", "right")}
    found = {side: _nearest(view, feet, taps[side]) for side in taps}
    if found["left"] is not None and found["right"] is not None and _same_blob(found["left"], found["right"]):
        # Both taps reached one blob (the other foot missed, or half found): the tap nearer its tip keeps
        # it, the other looks again for a foot that is not this one.
        far = max(taps, key=lambda s: np.hypot(*(found[s].tip_mm - taps[s])))
        found[far] = _nearest(view, feet, taps[far], other=found[_opposite(far)])
    warnings, conf = [], 1.0
    for side in [s for s in taps if found[s] is None]:
        found[side], twin = _look_again(view, fg, feet, taps[side], found[_opposite(side)])
        if twin:
            warnings.append(f"the {side.upper()} foot barely stands out from the floor and was found by its "
                            "likeness to the other; check both heel points on the annotated photo")
            conf *= TWIN_CONFIDENCE
        if found[side] is None:
            raise HeelNotFoundError(f"no heel edge found within {TAP_REACH_MM:.0f} mm of the {side.upper()} tap: tap "
                                    "the back of the heel, where it meets the floor behind it")
    pair = [found["left"], found["right"]]
    if np.hypot(*(pair[0].tip_mm - pair[1].tip_mm)) < 40.0 or _same_blob(pair[0], pair[1]):
        raise HeelNotFoundError("both taps lead to the same heel: tap each heel once, the LEFT heel for LEFT")
    return pair, warnings, conf


def _opposite(side: str) -> str:
    return "right" if side == "left" else "left"


def _look_again(view, fg, feet, tap: np.ndarray, other: Foot | None) -> tuple[Foot | None, bool]:
    """Where the feet found have none at the tap: the foot nearest it of three further looks, and whether it is the twin.

    The looks: the foreground again around the tap with lower thresholds, GrabCut around the tap,
    and (when the other tap's foot is known) the foot that looks like that one
    (:func:`legcheck.vision.twinfoot.find_twin`). Each may find a part of the foot whose own end is
    not the heel; the one whose heel lies nearest the tap is taken, never ``other``'s blob.
    """
    refused = [f for f in feet if f.problems()]  # where they lie, no twin is looked for (see twinfoot)
    twin = find_twin(view, fg.mask, [other] + refused) if other is not None and not other.problems() else None
    looks = [(_second_look(view, fg, tap, other), False), (_grabcut_look(view, tap, other), False),
             (_nearest(view, [twin], tap, other), True)]
    looks = [(f, is_twin) for f, is_twin in looks if f is not None]
    if not looks:
        return None, False
    return min(looks, key=lambda fl: float(np.hypot(*(fl[0].tip_mm - tap))))


def _same_blob(a: Foot, b: Foot) -> bool:
    """Whether two feet are mostly one blob (more than half the smaller one's pixels shared)."""
    shared = int(np.count_nonzero((a.mask > 0) & (b.mask > 0)))
    return shared > 0.5 * min(int(np.count_nonzero(a.mask)), int(np.count_nonzero(b.mask)))


def _tap_mm(view, px) -> np.ndarray:
    """A tap (photo pixels) on the heel-height plane, table (x, y) mm."""
    p = backproject_to_height(np.asarray(px, float).reshape(1, 2), view.K, view.dist, view.board2cam, view.heel_height_mm)
    return p[0, :2]


def _nearest(view, feet, tap: np.ndarray, other: Foot | None = None) -> Foot | None:
    """Of the candidate feet (None for a blob that is no foot), the one whose heel lies nearest the
    tap, its tip moved to that heel; slivers narrower than a heel, and ``other``'s blob, are passed over."""
    best = None
    for foot in feet:
        if foot is None or not _heel_wide(foot) or (other is not None and _same_blob(foot, other)):
            continue  # a sliver along a leg or a shadow: not the heel however near the tap
        moved = _tip_near(view, foot, tap)
        if moved is not None:
            d = float(np.hypot(*(moved.tip_mm - tap)))
            if best is None or d < best[0]:
                best = (d, moved)
    return None if best is None else best[1]


def _heel_wide(foot: Foot) -> bool:
    """Whether a blob is a heel's width across the table (:data:`~legcheck.vision.feet.HEEL_WIDTH_MM`)."""
    lo, hi = HEEL_WIDTH_MM
    return lo <= foot.width_mm <= hi


def _tip_near(view, foot: Foot, tap: np.ndarray) -> Foot | None:
    """The foot with its tip at the most caudal outline point within reach of the tap; None if none is."""
    line = foot.outline.astype(int)
    xh, yh = view.txh[line[:, 1], line[:, 0]], view.tyh[line[:, 1], line[:, 0]]
    near = np.hypot(xh - tap[0], yh - tap[1]) <= TAP_REACH_MM + HEEL_RADIUS_MM
    if not near.any():
        return None
    caudal = view.end.side * yh
    k = int(np.argmax(np.where(near, caudal, -np.inf)))
    tip = np.array([xh[k], yh[k]])
    if np.hypot(*(tip - tap)) > TAP_REACH_MM + HEEL_RADIUS_MM:
        return None
    # A heel's end is a cap: the outline falls away from it on both sides. A tap far up the leg finds
    # only the leg's side, whose most caudal point within reach lies where the reach ends and the
    # outline runs on towards the feet: that is no heel (it was measured as one, at confidence 1.0).
    if _cap_drop(line, k, caudal, view.mm_per_px, 0.5 * foot.width_mm + CAP_ARC_MM) < CAP_DROP_MM:
        return None
    return replace(foot, tip=k, tip_mm=tip, across_mm=float(tip[0]))


def _second_look(view, fg, tap: np.ndarray, other: Foot | None = None) -> Foot | None:
    """Segment again around the tap with lower thresholds; the blob there with a tip near the tap."""
    cv = cv2()
    reach = TAP_REACH_MM + HEEL_RADIUS_MM
    win = np.hypot(view.txh - tap[0], view.tyh - tap[1]) <= 2.5 * reach
    d = np.where(win, fg.distance, 0.0)
    weak = cv.morphologyEx((d > NEAR_LOW).astype(np.uint8), cv.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, lab = cv.connectedComponents(weak)
    close = np.hypot(view.txh - tap[0], view.tyh - tap[1]) <= reach
    ids = np.unique(lab[(d > NEAR_HIGH) & (weak > 0) & close])
    beyond_h = view.beyond_mm(at_heel=True)
    return _nearest(view, (_measure(view, (lab == i).astype(np.uint8), view.end.side, beyond_h)
                           for i in ids[ids > 0]), tap, other)


def _grabcut_look(view, tap: np.ndarray, other: Foot | None = None) -> Foot | None:
    """GrabCut (OpenCV) around the tap, when the colours alone found no foot there.

    A sock the floor's colour, or black on a dark table, differs from its background mostly in
    shading and edges. The tap says a heel is there: the foot lies headward of the heel's caudal
    edge, so a band from just headward of the tap is seeded as probably foot, what lies well caudal
    of it or far to the side as background. The blob GrabCut keeps must pass every check a foot
    passes in contour mode (:meth:`~legcheck.vision.feet.Foot.problems`).
    """
    cv = cv2()
    reach = TAP_REACH_MM + HEEL_RADIUS_MM
    dx = view.txh - tap[0]
    dy = (view.tyh - tap[1]) * view.end.side  # > 0: caudal of the tap
    win = (np.abs(dx) <= 2.5 * reach) & (dy <= 2.0 * reach) & (dy >= -4.0 * reach)
    if win.sum() < 400:
        return None
    ys, xs = np.nonzero(win)
    sub = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    gc = np.full(view.txh[sub].shape, cv.GC_PR_BGD, np.uint8)
    gc[(np.abs(dx[sub]) < GRAB_HALF_MM) & (dy[sub] < -10.0) & (dy[sub] > -reach - 30.0)] = cv.GC_PR_FGD
    gc[(np.abs(dx[sub]) > 2.0 * reach) | (dy[sub] > reach + 15.0) | ~win[sub] | (view.paper[sub] > 0)] = cv.GC_BGD
    if not (gc == cv.GC_PR_FGD).any() or not (gc == cv.GC_BGD).any():
        return None
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    try:
        cv.grabCut(np.ascontiguousarray(view.small[sub]), gc, None, bgd, fgd, 4, cv.GC_INIT_WITH_MASK)
    except cv.error:  # a degenerate window (one colour throughout): nothing to cut
        return None
    mask = np.zeros(view.txh.shape, np.uint8)
    mask[sub] = ((gc == cv.GC_FGD) | (gc == cv.GC_PR_FGD)).astype(np.uint8)
    mask = cv.morphologyEx(mask, cv.MORPH_OPEN, cv.getStructuringElement(cv.MORPH_ELLIPSE, (5, 5)))
    labels, keep = components(mask, min_area=50)
    beyond_h = view.beyond_mm(at_heel=True)
    feet = (_measure(view, (labels == i).astype(np.uint8), view.end.side, beyond_h) for i in keep)
    return _nearest(view, (f for f in feet if f is not None and not f.problems()), tap, other)
