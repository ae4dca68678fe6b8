"""The second foot, found by its likeness to the first: a patient's two feet wear the same.

When the colours find one credible foot but not the other (a light sock over a light floor, the
leg on a table of much its own colour, so nothing leads to the foot), the foot that was found
says what the other looks like. GrabCut (OpenCV) is seeded with that foot as foreground and the
floor well beyond both heels as background, in a band beyond the table's end on either side of
it, and labels the band; it learns both colour mixtures there and cuts along edges.

A blob it finds is the other foot only when it passes every check a foot must
(:meth:`legcheck.vision.feet.Foot.problems`), lies :data:`legcheck.vision.contour.PAIR_SPACING_MM`
across from the first, and its tip is within :data:`TWIN_ALONG_MM` of the first's along the
table. It is not looked for where the colours found a foot-wide blob that failed those checks (a
spur at its end, no rounded heel): that outline is not to be trusted, and one cut from the same
pixels no more. A foot found this way is doubted (:data:`TWIN_CONFIDENCE`) and said in a warning.
"""

from __future__ import annotations

import numpy as np

from .._cv import cv2
from .feet import HEEL_WIDTH_MM, MIN_SIDE_MM, Foot, _measure
from .segment import components

#: The other heel's tip lies at most this far from the first's along the table (heel-height plane), mm:
#: a large discrepancy plus the heels' own heights.
TWIN_ALONG_MM = 60.0
#: The band searched: from this far before the table's end (its rounded edge, the end face) ...
BAND_START_MM = -40.0
#: ... to this far beyond the first heel's tip; the floor farther out seeds the background, mm.
BAND_PAST_TIP_MM = 90.0
#: The two feet lie this far apart across the table, tip to tip, mm (as a pair must).
SPACING_MM = (60.0, 700.0)
#: Confidence factor of a pair whose second foot was found by likeness.
TWIN_CONFIDENCE = 0.8


def find_twin(view, fg_mask: np.ndarray, feet: list[Foot]) -> Foot | None:
    """The other foot beside the one credible foot found (see the module docstring); None if not found.

    Parameters
    ----------
    view : TableView
    fg_mask : ndarray, uint8 (0/1), shape (h, w)
        The foreground the feet were found in (reduced photo).
    feet : list of Foot
        The blobs :func:`legcheck.vision.feet.find_feet` returned; searched only when exactly one
        of them is a credible foot.

    Returns
    -------
    Foot or None
    """
    good = [f for f in feet if not f.problems()]
    if view.end is None or len(good) != 1 or good[0].on_border:
        return None
    first = good[0]
    cv = cv2()
    side = view.end.side
    beyond0, beyond_h = view.beyond_mm(), view.beyond_mm(at_heel=True)
    tx, ty = first.outline[first.tip].astype(int)
    reach = float(beyond_h[ty, tx])
    dx = np.abs(view.txh - first.across_mm)
    band = (beyond0 > BAND_START_MM) & (beyond_h < reach + BAND_PAST_TIP_MM) & (dx < SPACING_MM[1])
    mine = (first.mask > 0) & (beyond0 > 0)
    if mine.sum() < 50:
        return None
    far = (beyond_h > reach + BAND_PAST_TIP_MM) & (beyond_h < reach + 2.5 * BAND_PAST_TIP_MM) & (dx < SPACING_MM[1])
    roi = band | far | mine
    ys, xs = np.nonzero(roi)
    sub = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    gc = np.full(roi[sub].shape, cv.GC_BGD, np.uint8)
    gc[band[sub]] = cv.GC_PR_BGD
    gc[band[sub] & (fg_mask[sub] > 0)] = cv.GC_PR_FGD  # what the colours half-found stays a candidate
    gc[far[sub]] = cv.GC_BGD
    gc[mine[sub]] = cv.GC_FGD
    if not (gc == cv.GC_BGD).any():
        return None
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv.grabCut(np.ascontiguousarray(view.small[sub]), gc, None, bgd, fgd, 4, cv.GC_INIT_WITH_MASK)
    grown = np.zeros(fg_mask.shape, bool)
    grown[sub] = (gc == cv.GC_FGD) | (gc == cv.GC_PR_FGD)
    # Away from the first foot (and not touching it), in the band across from it.
    near_first = cv.dilate(first.mask.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    cand = (grown & band & ~near_first & (dx >= SPACING_MM[0] - 20)).astype(np.uint8)
    cand = cv.morphologyEx(cand, cv.MORPH_OPEN, cv.getStructuringElement(cv.MORPH_ELLIPSE, (5, 5)))
    twin = _best(view, cand, fg_mask & ~near_first, first, side, beyond_h)
    if twin is not None and any(_overlap(twin, f) for f in feet if f.problems() and _heel_wide(f)):
        # The colours found a foot-wide blob there and it failed a foot's checks (a spur at its end, no
        # rounded heel): its outline is not to be trusted, and the twin's, cut from the same pixels, no more.
        return None
    return twin


def _heel_wide(foot: Foot) -> bool:
    lo, hi = HEEL_WIDTH_MM
    return lo <= foot.width_mm <= hi


def _overlap(a: Foot, b: Foot) -> bool:
    """Whether two blobs share more than a fifth of the smaller one's pixels."""
    shared = int(np.count_nonzero((a.mask > 0) & (b.mask > 0)))
    return shared > 0.2 * min(int(np.count_nonzero(a.mask)), int(np.count_nonzero(b.mask)))


def _best(view, cand: np.ndarray, fg_rest: np.ndarray, first: Foot, side: int, beyond_h) -> Foot | None:
    """The candidate blob that is a credible foot with its tip nearest the first's along the table."""
    cv = cv2()
    labels, keep = components(cand, min_area=(MIN_SIDE_MM / view.mm_per_px) ** 2)
    best = None
    for i in keep:
        blob = (labels == i).astype(np.uint8)
        # Its own leg, where the colours found it, continues it towards the head.
        n, lab = cv.connectedComponents(((blob > 0) | (fg_rest > 0)).astype(np.uint8))
        ids = np.unique(lab[blob > 0])
        blob = np.isin(lab, ids[ids > 0]).astype(np.uint8)
        foot = _measure(view, blob, side, beyond_h)
        if foot is None or foot.problems() or foot.on_border:
            continue
        spacing = abs(foot.across_mm - first.across_mm)
        along = abs(foot.tip_mm[1] - first.tip_mm[1])
        if not (SPACING_MM[0] <= spacing <= SPACING_MM[1] and along <= TWIN_ALONG_MM):
            continue
        if best is None or along < best[0]:
            best = (along, foot)
    return None if best is None else best[1]
