"""Legs and feet against table, floor and shadows: which reduced pixels are the patient.

Each pixel is compared with what the background there is (:mod:`legcheck.vision.colours`,
models learnt per photo by :mod:`legcheck.vision.tableview`):

- on the table top (table side of its end, inside the hull of the table-coloured region that
  reaches the board) with the table's colours only;
- beside the table, and just beyond its end where the end face can show, with the table's or
  the floor's colours;
- beyond the end, where the feet hang, with the floor's colours only.

That first distance is then made local: the background's colour is re-learnt around every
pixel (a normalised blur of the pixels taken as background, table and floor separately), so
light falling off across a surface, a glossy highlight or a dark corner is not taken for a
foot. The foreground is every region at least :data:`LOW` from its background that holds some
pixel at least :data:`HIGH` (hysteresis), opened to drop specks. OpenCV does the morphology
and the components.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from ..geometry import cam_to_table
from . import colours

#: Hysteresis thresholds on the distance from the background, in spreads.
LOW, HIGH = 2.5, 5.0
#: Beyond the end by less than this (mm on the table plane) the end's rounded edge may show.
END_EDGE_MM = 15.0
#: The end face is this deep at most (cushion), mm: from the foot end it shows beyond the end line.
END_FACE_MM = 110.0
#: The local view may raise a pixel's distance by at most this above the model's (spreads).
LOCAL_GAIN = 2.0
#: The foot is grown (:func:`grow_feet`) within this of the leg's line across the table, mm ...
GROW_SIDE_MM = 130.0
#: ... and out to this beyond the table's end, on the heel-height plane, mm.
GROW_REACH_MM = 320.0
#: A leg found on the table may end this far before the table's end (a trouser hem above the
#: ankle, the sock below it the floor's colour) and still be followed into its foot, mm.
HEM_MM = 250.0
#: A leg ending before the table's end is followed only when at least this wide, mm (a lower leg
#: is some 60-180 mm across; the table's side face or a seam of shadow is not).
MIN_LEG_WIDTH_MM = 50.0
#: A foot grown wider than this across the table (beyond its end) is not a foot, mm.
MAX_GROWN_WIDTH_MM = 200.0


@dataclass(frozen=True)
class Foreground:
    """The patient in a reduced photo: distance from the background (h, w) and the mask (h, w) uint8 0/1."""

    distance: np.ndarray
    mask: np.ndarray


def foreground(view) -> Foreground:
    """Legs and feet of a :class:`~legcheck.vision.tableview.TableView` (see the module docstring).

    Parameters
    ----------
    view : TableView

    Returns
    -------
    Foreground
    """
    cv = cv2()
    feat = view.feat
    d_table = colours.distance(feat, view.table_model)
    d_floor = colours.distance(feat, view.floor_model, shadow=0.7)
    beyond = view.beyond_mm()
    table = _table_region(view, d_table, beyond)
    both = np.minimum(d_table, d_floor)
    d0 = np.where(table, d_table, both)
    if view.end is not None:
        d0 = np.where(beyond > _end_face_mm(view), d_floor, d0)
    d0 = np.where(np.isfinite(d0), d0, 50.0).astype(np.float32)
    d = _local(feat, d0, table, view.paper)
    d[view.paper > 0] = 0.0
    weak = cv.morphologyEx((d > LOW).astype(np.uint8), cv.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, lab = cv.connectedComponents(weak)
    strong = np.unique(lab[(d > HIGH) & (weak > 0)])
    return Foreground(d, np.isin(lab, strong[strong > 0]).astype(np.uint8))


def grow_feet(view, fg: Foreground) -> Foreground:
    """Each leg followed over the table's end into its foot, by GrabCut around the leg's line.

    A sock or skin close to the floor's colour is missed by the colour distance alone, but its
    leg on the table is found and the foot continues along the leg. Around each leg crossing the
    end (or ending up to :data:`HEM_MM` before it, a trouser hem, when at least
    :data:`MIN_LEG_WIDTH_MM` wide), GrabCut (OpenCV) is seeded with the leg near its end as foot,
    a corridor along the leg's line beyond as probably foot, pixels far to the side as background,
    the rest as probably background; it learns both colour mixtures there and cuts along edges.
    A grown foot wider than :data:`MAX_GROWN_WIDTH_MM` is dropped (GrabCut took the floor).

    Parameters
    ----------
    view : TableView
    fg : Foreground

    Returns
    -------
    Foreground
        The mask with each foot's region replaced by GrabCut's; the distance unchanged.
    """
    if view.end is None:
        return fg
    cv = cv2()
    mask = fg.mask.copy()
    beyond0, beyond_h = view.beyond_mm(), view.beyond_mm(at_heel=True)
    n, lab = cv.connectedComponents(mask)
    legs = []
    for i in range(1, n):
        blob = lab == i
        reach = float(beyond_h[blob].max())
        if reach < -HEM_MM:
            continue  # it ends well before the table's end: not a leg with a foot
        line = _leg_line(view, blob & (beyond0 < -30) & (beyond0 > -350 + min(reach, 0.0)),
                         min_width_mm=MIN_LEG_WIDTH_MM if reach < 0 else 0.0)
        if line is not None:
            legs.append((blob, line, min(reach, 0.0)))
    if not legs:
        return fg
    # Each pixel belongs to the nearest leg's line: neighbouring legs' regions do not overwrite each other.
    lateral = np.stack([np.abs(view.txh - (x0 + slope * view.tyh)) for _, (x0, slope), _ in legs])
    nearest = np.argmin(lateral, axis=0)
    for j, (blob, _, reach) in enumerate(legs):
        # A trouser leg may end before the table's end (the sock or skin below its hem is the
        # floor's colour): the corridor then starts at the hem, and the leg's end seeds the foot.
        start = reach - 120.0
        roi = (nearest == j) & (lateral[j] < GROW_SIDE_MM) & (beyond_h > start) & (beyond_h < GROW_REACH_MM)
        if roi.sum() < 100:
            continue
        ys, xs = np.nonzero(roi)
        r0, r1, c0, c1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        sub = (slice(r0, r1), slice(c0, c1))
        gc = np.full((r1 - r0, c1 - c0), cv.GC_PR_BGD, np.uint8)
        near_axis = lateral[j][sub] < 35.0
        gc[near_axis & (beyond_h[sub] > reach - 40) & (beyond_h[sub] < 180)] = cv.GC_PR_FGD
        gc[(fg.distance[sub] > HIGH) & roi[sub]] = cv.GC_PR_FGD
        gc[blob[sub] & (beyond0[sub] < -30) & (lateral[j][sub] < 25.0)] = cv.GC_FGD
        gc[~roi[sub] | (view.paper[sub] > 0)] = cv.GC_BGD
        if not (gc == cv.GC_FGD).any() or not (gc == cv.GC_BGD).any():
            continue
        bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
        cv.grabCut(np.ascontiguousarray(view.small[sub]), gc, None, bgd, fgd, 3, cv.GC_INIT_WITH_MASK)
        grown = (gc == cv.GC_FGD) | (gc == cv.GC_PR_FGD)
        if _too_wide(view.txh[sub][grown & (beyond_h[sub] > 0)]):
            continue  # GrabCut took the floor (or a mistaken leg led it there): keep what the colours found
        # The leg on the table stays as found, up to its end (below a hem: the foot's sock or skin).
        region, past = mask[sub], roi[sub] & (beyond0[sub] > min(-30.0, reach))
        region[past] = grown[past]
    if len(legs) > 1:
        # Feet grown up to the line midway between two legs would join there (over the table's end
        # face between them, or where they touch): a cut along that line keeps each foot its own blob.
        two = np.sort(lateral, axis=0)[:2]
        cut = (two[1] - two[0] < 1.5 * view.mm_per_px) & (beyond0 > -30)
        mask[cut] = 0
    # Opened with a disc about 5 mm across: a sliver of shadow or a seam along a leg left as a spur
    # would otherwise become a foot's most caudal point (a heel's cap is some 20 mm round).
    mask = cv.morphologyEx(mask, cv.MORPH_OPEN, cv.getStructuringElement(cv.MORPH_ELLIPSE, (5, 5)))
    return Foreground(fg.distance, mask)


def _too_wide(across_mm: np.ndarray) -> bool:
    """Whether a grown foot (its pixels' table x beyond the end, mm) is wider than any foot."""
    if across_mm.size < 20:
        return False
    lo, hi = np.percentile(across_mm, [2, 98])
    return bool(hi - lo > MAX_GROWN_WIDTH_MM)


def _leg_line(view, leg: np.ndarray, min_width_mm: float = 0.0):
    """(x0, slope) of a leg's centre line on the heel-height plane, from its part on the table; None if too
    short, or (``min_width_mm``) narrower than a leg: the table's side face, a seam of shadow."""
    if leg.sum() < 50:
        return None
    y, x = view.tyh[leg], view.txh[leg]
    bins = np.round(y / 20.0)
    ys, xs, widths = [], [], []
    for b in np.unique(bins):
        sel = bins == b
        if sel.sum() >= 5:
            lo, hi = np.percentile(x[sel], [5, 95])
            ys.append(float(np.median(y[sel])))
            xs.append(0.5 * (float(lo) + float(hi)))
            widths.append(float(hi - lo))
    if len(ys) < 4 or np.ptp(ys) < 80 or np.median(widths) < min_width_mm:
        return None
    slope, x0 = np.polyfit(ys, xs, 1)
    return (float(x0), float(slope)) if abs(slope) < 0.3 else None


def _table_region(view, d_table, beyond) -> np.ndarray:
    """The table top: the convex hull of table-coloured pixels on the table's side of its end that reach the board."""
    cv = cv2()
    t = ((d_table < LOW) & (beyond < 0)).astype(np.uint8)
    t = cv.morphologyEx(t, cv.MORPH_OPEN, np.ones((3, 3), np.uint8))
    ring = (cv.dilate(view.paper, np.ones((15, 15), np.uint8)) > 0) & (view.paper == 0)
    n, lab = cv.connectedComponents(t)
    ids = np.unique(lab[ring & (t > 0)])
    t = np.isin(lab, ids[ids > 0]).astype(np.uint8)
    hull = np.zeros_like(t)
    pts = cv.findNonZero(t)
    if pts is not None:
        cv.fillConvexPoly(hull, cv.convexHull(pts), 1)
    return (hull > 0) & (beyond < 0)


def _end_face_mm(view) -> float:
    """How far beyond the end line (table plane) the table's end face can show from this camera, mm."""
    c = cam_to_table(view.board2cam).t
    out = float(view.end.beyond_mm(c[0], c[1], view.board_spec))
    if out <= 0:  # the camera is on the table's side: the end face turns away from it
        return END_EDGE_MM
    return END_EDGE_MM + END_FACE_MM * out / max(c[2] + END_FACE_MM, 1.0)


def _local(feat, d0, table, paper, iterations: int = 2) -> np.ndarray:
    """The distance from the background colour re-learnt around each pixel (table and elsewhere apart)."""
    h, w = d0.shape
    sigma = max(h, w) / 12.0
    bg = (d0 < LOW) & (paper == 0)
    d = d0.copy()
    for _ in range(iterations):
        for region in (table, ~table):
            ref, support = colours.masked_blur(feat, (bg & region).astype(np.float32), sigma)
            local = colours.local_distance(feat, ref)
            # The local view may halve the distance (light) or add to it (a foot the size of a colour mode).
            d = np.where(region & (support > 0.05), np.maximum(np.minimum(local, d0 + LOCAL_GAIN), 0.5 * d0), d)
        bg = (d < LOW) & (paper == 0)
    return d


def components(mask: np.ndarray, min_area: float) -> tuple[np.ndarray, list[int]]:
    """Connected blobs of a mask, largest first.

    Parameters
    ----------
    mask : ndarray, uint8 (0/1), shape (h, w)
    min_area : float
        Smallest blob kept, pixels.

    Returns
    -------
    labels : ndarray, int32, shape (h, w)
    keep : list of int
        Labels of the kept blobs, by decreasing area.
    """
    cv = cv2()
    n, labels, stats, _ = cv.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv.CC_STAT_AREA] >= min_area]
    keep.sort(key=lambda i: -stats[i, cv.CC_STAT_AREA])
    return labels, keep


def outline(mask: np.ndarray) -> np.ndarray:
    """The longest outer contour of a mask, (N, 2) float pixels (x, y), every boundary pixel; (0, 2) if empty."""
    cv = cv2()
    cs, _ = cv.findContours(mask.astype(np.uint8), cv.RETR_EXTERNAL, cv.CHAIN_APPROX_NONE)
    return max(cs, key=len).reshape(-1, 2).astype(np.float64) if cs else np.zeros((0, 2))


def split_touching(mask: np.ndarray, across: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split one blob holding both feet across the table: watershed from its two ends along ``across``.

    Parameters
    ----------
    mask : ndarray, uint8 (0/1), shape (h, w)
    across : ndarray, shape (h, w)
        A coordinate across the table (mm) of every pixel.

    Returns
    -------
    low, high : ndarray, uint8 (0/1), shape (h, w)
        The part at lower and at higher ``across``.
    """
    cv = cv2()
    dist = cv.distanceTransform(mask.astype(np.uint8), cv.DIST_L2, 5)
    xs = across[mask > 0]
    mid = np.median(xs)
    markers = np.zeros(mask.shape, np.int32)
    core = dist > 0.5 * dist.max()
    markers[(mask > 0) & core & (across < mid - 0.15 * np.ptp(xs))] = 1
    markers[(mask > 0) & core & (across > mid + 0.15 * np.ptp(xs))] = 2
    if (markers == 1).sum() == 0 or (markers == 2).sum() == 0:
        markers[(mask > 0) & (across < mid)] = 1
        markers[(mask > 0) & (across >= mid)] = 2
    markers[mask == 0] = 3
    # Flooded from the cores outwards (low = deep inside): the two parts meet at the blob's neck, and the
    # background's marker reaches the blob's pixels only after the parts have; on the distance itself
    # the background would flood in first and eat a foot at the end of a long leg.
    img = np.dstack([255 - (dist / max(dist.max(), 1e-6) * 255).astype(np.uint8)] * 3)
    cv.watershed(img, markers)
    low, high = (markers == 1) & (mask > 0), (markers == 2) & (mask > 0)
    rest = (mask > 0) & ~low & ~high  # watershed lines (and any pixel left unflooded): to the nearer part
    if rest.any():
        d_low = cv.distanceTransform((~low).astype(np.uint8), cv.DIST_L2, 3)
        d_high = cv.distanceTransform((~high).astype(np.uint8), cv.DIST_L2, 3)
        low |= rest & (d_low < d_high)
    return low.astype(np.uint8), ((mask > 0) & ~low).astype(np.uint8)
