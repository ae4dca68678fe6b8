"""Heels without tabs at a real drop table: find both feet hanging over the end, then each heel's landmark.

The chain (each step its own module):

1. :func:`legcheck.vision.tableview.look` learns the table's and the floor's colours from the
   photo and finds the table's end (which also says which way the feet are);
2. :func:`legcheck.vision.segment.foreground` segments legs and feet against them;
3. :func:`legcheck.vision.feet.find_feet` keeps the blobs that are feet (width at the heel, a leg
   towards the head, a rounded caudal end) and finds each one's tip;
4. the **view check** (:func:`head_tilt_deg`): the back of a heel shows as an outline only when
   the camera looks past the sole; otherwise the tip is the toes or the sole and the heel's
   caudal point lies inside the foot's image — refused, saying where to stand;
5. :func:`legcheck.vision.heeledge.refine` puts each landmark on the heel's edge to sub-pixel.

Refusals are :class:`~legcheck.errors.HeelNotFoundError` (exit 5) with one of these messages:
"no feet found" (nothing beyond the table's end stands out), "no credible pair of heels: <reason>",
"the LEFT/RIGHT heel is cut off by the edge of the photo" (its outline runs into the border
near the heel), and the view check's "... stand at the head end ...".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import HeelNotFoundError
from ..geometry import Pose, cam_to_table
from .feet import HEADWARD_MM, HEEL_WIDTH_MM, Foot, find_feet
from .heeledge import FAINT, refine
from .segment import foreground, grow_feet
from .tableend import reference_y
from .twinfoot import TWIN_CONFIDENCE, find_twin
from .tableview import look

#: The line of sight to each heel must tilt from vertical towards the patient's head by at least
#: this, degrees. A relaxed foot hanging over the table's end is plantar flexed by about 5-30
#: degrees: its sole faces the camera (and the heel's caudal point lies inside the foot's image)
#: unless the camera looks past that tilt, from the head's side. See docs/conventions.md.
MIN_HEAD_TILT_DEG = 25.0
#: Up to this tilt, degrees, a strongly flexed foot can still hide its heel's back behind the sole:
#: on the renderer's drop-table scenes half the views tilted 20-30 degrees hid a heel, and a sole
#: taken for a heel put it up to 34 mm too far caudally. Results in this band lose confidence and
#: their bound is widened by up to :data:`HIDDEN_HEEL_MM` (all of it at :data:`MIN_HEAD_TILT_DEG`,
#: none at this tilt), with a warning saying where to stand.
MARGINAL_TILT_DEG = 32.0
HIDDEN_HEEL_MM = 25.0
#: Two feet are paired only this far apart across the table, mm (the plausibility checks of
#: :mod:`legcheck.measure.plausibility` judge the result's spacing, with their own message).
PAIR_SPACING_MM = (60.0, 700.0)
#: Where to stand for a photo in which both heels' outlines show (said in every refusal of the view).
STAND_ADVICE = ("stand at the head end of the table, beside the patient's knees, and photograph both heels and the "
                "board looking towards the feet, about 45-55 degrees above the table")
#: Heels found this far apart along the table (mm, heel-height plane) are refused in contour mode: a
#: leg check rarely shows more, and a toe or a sole taken for a heel shows about that much.
MAX_CONTOUR_LLD_MM = 20.0
#: ... or this, where the view is clear of the marginal band (:data:`MARGINAL_TILT_DEG`): there no
#: sole shows, and the heels' own heights, differing by up to 25 mm, can put a 10 mm leg check at 25 mm.
MAX_CLEAR_LLD_MM = 30.0
#: Below this confidence there is no credible pair of heels (exit 5).
MIN_CONFIDENCE = 0.3
#: A heel whose colour differs from its background by less than :data:`~legcheck.vision.heeledge.FAINT`
#: (relative, see :class:`~legcheck.vision.heeledge.HeelEdge`) is warned, doubted (half as much
#: contrast: much more) and its point's 1-sigma raised to at least this, px.
LOW_CONTRAST_SIGMA_PX = 4.0


@dataclass(frozen=True)
class Heel:
    """A heel landmark: ``side`` "left"/"right" (smaller/larger table x), ``px`` (x, y) photo pixels,
    ``sigma_px`` its 1-sigma, ``outline_px`` (N, 2) the foot's outline in photo pixels."""

    side: str
    px: tuple
    sigma_px: float
    outline_px: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class HeelPair:
    """Both heels: ``heels`` {"left": Heel, "right": Heel}, a confidence in (0, 1], warnings for people,
    ``details`` (the quantities the confidence was judged from) and ``bias_mm``, how far (mm, on
    lld_mm) a heel hidden behind its sole could put the result beyond its drawn bound."""

    heels: dict
    confidence: float
    warnings: tuple
    details: dict = field(default_factory=dict)
    bias_mm: float = 0.0


def find_heels(bgr: np.ndarray, board2cam: Pose, K: np.ndarray, dist: np.ndarray, heel_height_mm: float,
               board_spec, near_px: dict | None = None) -> HeelPair:
    """Both heel landmarks in a photo without heel tabs.

    Parameters
    ----------
    bgr : ndarray, uint8, shape (H, W, 3)
        The photo as displayed.
    board2cam : Pose
        The board's pose (board frame to camera, mm).
    K, dist : ndarray
        Camera matrix (3, 3) and distortion (5,) for this photo.
    heel_height_mm : float
        Height of the heel landmark above the table, mm.
    board_spec : BoardSpec
    near_px : dict, optional
        ``{"left": (x, y), "right": (x, y)}``: rough heel positions (taps), photo pixels; each heel
        is then the foot whose tip lies nearest its tap (:mod:`legcheck.vision.nearheels`).

    Returns
    -------
    HeelPair
        "left" is the heel at the smaller table x.

    Raises
    ------
    HeelNotFoundError
        No feet, no credible pair, a heel cut off by the photo's border, or a view in which the
        heels' caudal points are not on an outline; the message says which and what to do.
    """
    view = look(bgr, board2cam, K, dist, board_spec, heel_height_mm)
    fg = grow_feet(view, foreground(view))
    feet = find_feet(view, fg.mask)
    if near_px is not None:
        from .nearheels import feet_near

        pair, warnings, conf = feet_near(view, fg, feet, near_px, bgr.shape)
    else:
        # A view that cannot show heel outlines is said first, when something there looks like feet: it
        # is what the user must change. Any other refusal in such a view says it too.
        twin = find_twin(view, fg.mask, feet)
        if twin is not None:
            feet = sorted(feet + [twin], key=lambda f: f.across_mm)
        footlike = [f for f in feet if not f.problems() or _loosely_foot(f)]
        if footlike:
            _check_view(view, footlike, board2cam, heel_height_mm)
        try:
            pair, warnings, conf = _pair(view, feet)
        except HeelNotFoundError as exc:
            raise HeelNotFoundError(exc.message + _view_hint(view, feet, board2cam, heel_height_mm)) from None
        if any(f is twin for f in pair):
            side = "LEFT" if pair[0] is twin else "RIGHT"
            warnings.append(f"the {side} foot barely stands out from the floor and was found by its likeness to the "
                            "other; check both heel points on the annotated photo")
            conf *= TWIN_CONFIDENCE
    caudal = view.end.side
    _check_view(view, pair, board2cam, heel_height_mm)
    tilts = {s: _tilt(view, board2cam, f, heel_height_mm) for s, f in zip(("left", "right"), pair)}
    tilt = min(tilts.values())
    bias_mm = HIDDEN_HEEL_MM * float(np.clip((MARGINAL_TILT_DEG - tilt) / (MARGINAL_TILT_DEG - MIN_HEAD_TILT_DEG), 0, 1))
    bias_mm = bias_mm if bias_mm >= 0.5 else 0.0  # at the band's edge: nothing worth saying
    if bias_mm > 0:
        warnings.append(f"the heels are seen only {tilt:.0f} degrees from above their backs: a strongly flexed "
                        f"foot may hide its heel behind the sole, so the bound was widened by {bias_mm:.0f} mm; "
                        "for a closer figure, " + STAND_ADVICE)
        conf *= 0.6
    heels, edges = {}, {}
    for side, foot in zip(("left", "right"), pair):
        full = (foot.outline + 0.5) / view.s - 0.5
        edge = refine(bgr, full, foot.tip, K, dist, board2cam, heel_height_mm, view.s, caudal)
        sigma_px = edge.sigma_px
        if edge.contrast < FAINT:
            warnings.append(f"the {side.upper()} heel barely stands out from what lies behind it; "
                            "use heel tabs or check the heel points on the annotated photo")
            # A faint edge is still traced across its profiles, but less surely: doubt, and a wider point.
            conf *= 0.7 if edge.contrast >= 0.5 * FAINT else 0.4
            sigma_px = max(sigma_px, LOW_CONTRAST_SIGMA_PX)
        heels[side] = Heel(side, edge.px, sigma_px, full)
        edges[side] = edge
        if edge.edge_points < 5:
            warnings.append(f"the {side.upper()} heel's edge could not be traced; check its point on the annotated photo")
            conf *= 0.5
    along = _along_mm(heels, K, dist, board2cam, heel_height_mm, view.end.caudal())
    limit = MAX_CONTOUR_LLD_MM if bias_mm > 0 else MAX_CLEAR_LLD_MM
    if along > limit:
        raise HeelNotFoundError(
            f"no credible pair of heels: the heel outlines found are {along:.0f} mm apart along the table (more than "
            f"{limit:.0f} mm): one of them may be a sole or the toes rather than a heel; check the "
            "annotated photo, give the heel points (taps or exact points), or use heel tabs")
    conf *= float(np.clip(1.0 - (along - 10.0) / 20.0, 0.5, 1.0))  # large differences are less often right
    if view.end.side > 0:
        warnings.append("the board lies turned round (its HEAD arrow points to the feet): the short leg is named "
                        "correctly, but LEFT and RIGHT on the annotated photo are swapped; turn the board round "
                        "for the next photo")
    if conf < MIN_CONFIDENCE:
        raise HeelNotFoundError("no credible pair of heels: " + ("; ".join(warnings) or "too many doubts"))
    details = {"head_tilt_deg": {s: round(t, 1) for s, t in tilts.items()},
               "heel_contrast": {s: round(e.contrast, 3) for s, e in edges.items()},
               "table_end_mm": round(float(view.end.offset_mm), 1), "board_turned": view.end.side > 0,
               "hidden_heel_widening_mm": round(bias_mm, 1)}
    return HeelPair(heels, float(conf), tuple(warnings), details, bias_mm)


def _pair(view, feet: list[Foot]) -> tuple[list[Foot], list[str], float]:
    """The two feet of the patient, left (smaller table x) first, with warnings and a confidence factor."""
    if view.end is None or not feet:
        where = ("the table's end was not found" if view.end is None
                 else "nothing beyond the table's end stands out from the floor")
        raise HeelNotFoundError(f"no feet found ({where}): photograph both feet hanging over the table's end, "
                                "with the board on the table beside the lower legs")
    good = [f for f in feet if not f.problems()]
    for f in good:
        if f.on_border:
            raise HeelNotFoundError(f"the {_side_name(f, feet)} heel is cut off by the edge of the photo; step back so "
                                    "both heels and the board are in the frame")
    if len(good) < 2:
        bad = [f"a blob {'; '.join(f.problems())}" for f in feet if f.problems()]
        found = "one foot" if good else "no foot"
        reason = f"found {found}" + (": " + "; ".join(bad[:2]) if bad else "")
        raise HeelNotFoundError(f"no credible pair of heels: {reason}; photograph both feet hanging over the "
                                "table's end against the floor, or use heel tabs")
    best = None
    lo, hi = PAIR_SPACING_MM
    for i in range(len(good)):
        for j in range(i + 1, len(good)):
            a, b = good[i], good[j]
            spacing = abs(b.across_mm - a.across_mm)
            if not lo <= spacing <= hi:
                continue
            score = -abs((a.tip_mm[1] - b.tip_mm[1])) - 0.1 * abs(a.width_mm - b.width_mm)
            if best is None or score > best[0]:
                best = (score, a, b)
    if best is None:
        raise HeelNotFoundError("no credible pair of heels: the feet found are not "
                                f"{lo:.0f}-{hi:.0f} mm apart across the table; photograph both feet")
    a, b = sorted(best[1:], key=lambda f: f.across_mm)
    warnings, conf = [], 1.0
    if len(good) > 2:
        warnings.append(f"{len(good)} foot-like shapes were found; check that the heel points are on the two heels")
        conf *= 0.7
    if max(a.width_mm, b.width_mm) > 1.5 * min(a.width_mm, b.width_mm):
        warnings.append("the two feet look very different in width; one may be partly hidden")
        conf *= 0.7
    return [a, b], warnings, conf


def _along_mm(heels: dict, K, dist, board2cam, h_mm, caudal: np.ndarray) -> float:
    """How far apart the two heel points are along the table (``caudal``: the unit vector square to its
    end, table frame), on the heel-height plane, mm. Along the board's y instead, a board turned 8 degrees
    on the table moves two heels 300 mm apart by 42 mm, past the limit or within it wrongly."""
    from ..geometry import backproject_to_height

    p = backproject_to_height(np.array([heels["left"].px, heels["right"].px]), K, dist, board2cam, h_mm)
    return float(abs((p[0, :2] - p[1, :2]) @ caudal))


def _loosely_foot(foot: Foot) -> bool:
    """A foot's width and some leg towards the head, though it fails another check."""
    lo, hi = HEEL_WIDTH_MM
    return lo <= foot.width_mm <= hi and foot.headward_mm >= 0.6 * HEADWARD_MM


def _view_hint(view, feet, board2cam, h_mm) -> str:
    """'; from here ...' when the table's end is seen from where no heel outline can show, else ''."""
    if view.end is None:
        return ""
    if feet:
        tilt = max(_tilt(view, board2cam, f, h_mm) for f in feet)
    else:  # at the table's end beside the board, where the heels would be
        b = view.board_spec
        t = np.radians(view.end.angle_deg)
        y = reference_y(b, view.end.side) + view.end.side * (view.end.offset_mm + 60.0) / np.cos(t)
        tilt = head_tilt_deg(np.array([b.width_mm / 2, y, h_mm]), cam_to_table(board2cam).t,
                             np.array([0.0, float(view.end.side)]))
    if tilt >= MIN_HEAD_TILT_DEG:
        return ""
    return ("; also, from where the camera is, the backs of the heels cannot show as outlines: " + STAND_ADVICE)


def _side_name(foot: Foot, feet: list[Foot]) -> str:
    xs = sorted(f.across_mm for f in feet)
    return "LEFT" if foot.across_mm <= np.median(xs) else "RIGHT"


def _tilt(view, board2cam: Pose, foot: Foot, h_mm: float) -> float:
    p = np.array([foot.tip_mm[0], foot.tip_mm[1], h_mm])
    return head_tilt_deg(p, cam_to_table(board2cam).t, np.array([0.0, float(view.end.side)]))


def head_tilt_deg(point_mm: np.ndarray, camera_mm: np.ndarray, caudal: np.ndarray) -> float:
    """How far the line of sight to a point tilts from vertical towards the patient's head, degrees.

    Parameters
    ----------
    point_mm, camera_mm : ndarray, shape (3,)
        The point and the camera centre, table frame, mm.
    caudal : ndarray, shape (2,)
        Unit vector in the table plane towards the feet.

    Returns
    -------
    float
        0 straight above the point; positive when the camera is on the head's side of it,
        negative on the feet's side. Sideways tilt does not count.
    """
    v = np.asarray(camera_mm, float) - np.asarray(point_mm, float)
    return float(np.degrees(np.arctan2(-(v[:2] @ np.asarray(caudal, float)), v[2])))


def _check_view(view, pair, board2cam, h_mm) -> None:
    """Refuse a view in which the heels' caudal points are not on an outline (see :data:`MIN_HEAD_TILT_DEG`)."""
    tilts = [_tilt(view, board2cam, f, h_mm) for f in pair]
    low = [name for name, t in zip(("LEFT", "RIGHT"), tilts) if t < MIN_HEAD_TILT_DEG]
    if not low:
        return
    t = min(tilts)
    where = "from the feet's end" if t < -5 else ("from straight above" if t < 8 else "too steeply from above")
    which = "the heels'" if len(low) == 2 else f"the {low[0]} heel's"
    raise HeelNotFoundError(
        f"{which} back is not on an outline in this photo: it is seen {where} (the line of sight tilts "
        f"{t:.0f} degrees towards the head, at least {MIN_HEAD_TILT_DEG:.0f} are needed), so the sole or the toes "
        "form the foot's caudal edge; " + STAND_ADVICE)
