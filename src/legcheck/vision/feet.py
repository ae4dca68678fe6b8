"""Which blobs of the foreground are feet hanging over the table's end, and where each heel ends.

A blob of :func:`legcheck.vision.segment.foreground` is a **foot** when, on the heel-height
plane (table millimetres, so the checks do not depend on the camera):

- it reaches past the table's end (the feet hang over it) and its **tip** (the outline's most
  caudal point near the end: the heel's back, or the toes) is no more than
  :data:`TIP_REACH_MM` beyond it;
- it is a foot's width across the table near the tip (:data:`HEEL_WIDTH_MM`; the run holding the
  tip, so toes seen beside the heel do not count);
- it continues towards the head, as a foot and a leg do, at least :data:`HEADWARD_MM`;
- its tip is a convex end: the outline falls away from it on both sides (:data:`CAP_DROP_MM`, within
  half its width plus :data:`CAP_ARC_MM`), but not a spur: just behind the tip it is already
  :data:`MIN_NECK_MM` across.

"Caudal" is along the board's y axis, away from the head: towards the table's end (the board
may be turned round; the end says which way).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from .segment import components, split_touching

#: Width of a foot across the table near the heel (10-40 mm before the tip), mm.
HEEL_WIDTH_MM = (35.0, 170.0)
#: Blobs wider than this where they cross the end hold both legs: they are split.
TWO_LEGS_MM = 180.0
#: A foot's outline continues at least this far towards the head from its tip, mm.
HEADWARD_MM = 90.0
#: The tip lies at most this far beyond the table's end on the heel-height plane, mm.
TIP_REACH_MM = 380.0
#: The outline must have fallen away by CAP_DROP_MM at an arc length of half the heel's width plus
#: CAP_ARC_MM either side of the tip (a flat-topped shoe heel rounds off only at its corners), mm.
CAP_ARC_MM, CAP_DROP_MM = 40.0, 5.0
#: Just headward of the tip (this band, mm) a heel's rounded cap is already some 30 mm across; a
#: spur of the outline (a seam of shadow, a sliver along a shoe) left at the tip is under this, mm.
NECK_DEPTH_MM = (2.0, 10.0)
MIN_NECK_MM = 12.0
#: Smallest blob that can be a foot (its side), mm.
MIN_SIDE_MM = 30.0


@dataclass(frozen=True)
class Foot:
    """One foot in the reduced photo.

    Attributes
    ----------
    mask : ndarray, uint8, shape (h, w)
    outline : ndarray, shape (N, 2)
        Reduced pixels, closed.
    tip : int
        Index of the tip on the outline.
    tip_mm : ndarray, shape (2,)
        The tip on the heel-height plane, table (x, y) mm.
    across_mm : float
        The tip's position across the table (table x), mm.
    width_mm, headward_mm, cap_drop_mm : float
        The measurements of the module docstring.
    on_border : bool
        The outline runs into the photo's border within 25 mm of the tip.
    """

    mask: np.ndarray
    outline: np.ndarray
    tip: int
    tip_mm: np.ndarray
    across_mm: float
    width_mm: float
    headward_mm: float
    cap_drop_mm: float
    on_border: bool
    neck_mm: float = np.inf

    def problems(self) -> list[str]:
        """Why this blob is not a credible foot (empty when it is)."""
        out = []
        lo, hi = HEEL_WIDTH_MM
        if not lo <= self.width_mm <= hi:
            out.append(f"{self.width_mm:.0f} mm wide at the heel (a foot is {lo:.0f}-{hi:.0f})")
        if self.headward_mm < HEADWARD_MM:
            out.append(f"that does not continue towards the head as a leg ({self.headward_mm:.0f} mm)")
        if self.cap_drop_mm < CAP_DROP_MM:
            out.append("whose end is not a rounded heel")
        if self.neck_mm < MIN_NECK_MM:
            out.append(f"whose end is a narrow spur ({self.neck_mm:.0f} mm across just behind it), not a heel")
        return out


def find_feet(view, mask: np.ndarray) -> list[Foot]:
    """Foot-like blobs of a foreground mask, each with its tip (see the module docstring).

    Parameters
    ----------
    view : TableView
    mask : ndarray, uint8, shape (h, w)

    Returns
    -------
    list of Foot
        Every blob that reaches past the table's end, credible or not (:meth:`Foot.problems`),
        ordered across the table.
    """
    if view.end is None:
        return []
    beyond_h = view.beyond_mm(at_heel=True)
    beyond_0 = view.beyond_mm()
    side = view.end.side
    labels, keep = components(mask, min_area=(MIN_SIDE_MM / view.mm_per_px) ** 2)
    feet = []
    for i in keep:
        blob = (labels == i).astype(np.uint8)
        sel = blob > 0
        if not ((beyond_h[sel] > 0).any() and (beyond_0[sel] < 80).any()):
            continue  # nothing over the end, or nothing near the table: not a foot hanging off it
        parts = [blob]
        near_end = sel & (np.abs(beyond_0) < 60)
        if near_end.sum() > 10 and np.ptp(view.txh[near_end]) > TWO_LEGS_MM:
            parts = list(split_touching(blob, view.txh))
        for part in parts:
            foot = _measure(view, part, side, beyond_h)
            if foot is not None:
                feet.append(foot)
    feet.sort(key=lambda f: f.across_mm)
    return feet


def _measure(view, blob, side, beyond_h) -> Foot | None:
    cv = cv2()
    cs, _ = cv.findContours(blob, cv.RETR_EXTERNAL, cv.CHAIN_APPROX_NONE)
    if not cs:
        return None
    line = max(cs, key=len).reshape(-1, 2)
    h, w = blob.shape
    xh, yh = view.txh[line[:, 1], line[:, 0]], view.tyh[line[:, 1], line[:, 0]]
    caudal = side * yh
    eh = beyond_h[line[:, 1], line[:, 0]]
    ok = (eh > -60) & (eh < TIP_REACH_MM)
    if not ok.any():
        return None
    k = int(np.argmax(np.where(ok, caudal, -np.inf)))
    tip = np.array([xh[k], yh[k]])
    border = (line[:, 0] <= 1) | (line[:, 1] <= 1) | (line[:, 0] >= w - 2) | (line[:, 1] >= h - 2)
    near = np.hypot(xh - tip[0], yh - tip[1]) < 25.0
    sel = blob > 0
    depth = side * (tip[1] - view.tyh[sel])  # mm headward of the tip, heel-height plane
    band = (depth > 10) & (depth < 40)
    gap = max(4.0, 2.5 * view.mm_per_px)
    width = _heel_width(view.txh[sel][band], tip[0], gap) if band.sum() > 2 else 0.0
    neck_band = (depth > NECK_DEPTH_MM[0]) & (depth < NECK_DEPTH_MM[1])
    neck = _heel_width(view.txh[sel][neck_band], tip[0], gap) if neck_band.sum() > 2 else np.inf
    headward = float(np.percentile(depth, 99)) if depth.size else 0.0
    return Foot(blob, line.astype(np.float64), k, tip, float(tip[0]), width, headward,
                _cap_drop(line, k, caudal, view.mm_per_px, 0.5 * width + CAP_ARC_MM), bool(np.any(border & near)),
                neck)


def _heel_width(across_mm: np.ndarray, tip_x: float, bin_mm: float = 4.0) -> float:
    """Width (mm) of the run of ``across_mm`` values holding ``tip_x`` with no gap over ``bin_mm``.

    A bare foot turned out shows its toes beside the heel a little headward of it: they are not
    the heel's width when background separates them from it.
    """
    lo = float(min(across_mm.min(), tip_x))
    occupied = np.bincount(((across_mm - lo) / bin_mm).astype(int))
    i = int((tip_x - lo) / bin_mm)
    i = min(i, len(occupied) - 1)
    if occupied[i] == 0:  # the tip's own column empty at this depth: take the nearest occupied one
        i = int(np.flatnonzero(occupied)[np.argmin(np.abs(np.flatnonzero(occupied) - i))])
    a = b = i
    while a > 0 and occupied[a - 1] > 0:
        a -= 1
    while b < len(occupied) - 1 and occupied[b + 1] > 0:
        b += 1
    run = across_mm[(across_mm >= lo + a * bin_mm) & (across_mm < lo + (b + 1) * bin_mm)]
    return float(np.ptp(run)) if run.size else 0.0


def _cap_drop(line, k, caudal, mm_per_px, arc_mm) -> float:
    """How far (mm, caudal coordinate) the outline has fallen ``arc_mm`` either side of the tip: the smaller side."""
    n = len(line)
    step = np.linalg.norm(np.diff(np.vstack([line, line[:1]]), axis=0), axis=1) * mm_per_px
    drops = []
    for sgn in (1, -1):
        acc, j = 0.0, k
        while acc < arc_mm:
            acc += step[j if sgn > 0 else (j - 1) % n]
            j = (j + sgn) % n
            if j == k:
                break
        drops.append(float(caudal[k] - caudal[j]))
    return min(drops)
