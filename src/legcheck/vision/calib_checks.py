"""Judging a calibration: named warnings, a quality grade, and where in the frame the corners fell.

Every check gives a :class:`CalibrationWarning` with a stable ``code`` (scripts may rely on
it), a severity and one sentence saying what is wrong and what to do. The grade is the worst
severity: ``good`` (nothing, or information only), ``usable`` (the profile works, its stated
uncertainty is wider or one thing could be better) or ``poor`` (remake it before relying on it).

======================  ========  =============================================================
code                    severity  when
======================  ========  =============================================================
aspect_ratio            poor      fx/fy is more than 1 % from 1 (phone pixels are square: the
                                  board is printed out of scale or its size was given wrongly)
principal_point         usable    the principal point is more than 5 % of the image size from
                                  the centre
few_views               usable    fewer than 8 distinct views (near-copies count once)
low_tilt                poor      fewer than 3 photos with the board tilted 20 degrees or more
one_tilt_axis           usable    the tilted photos all turn the board about one axis
similar_views           usable    photos that are near-copies of each other: each group counts
                                  as one view (fewer than 5 distinct views are refused)
duplicate_photos        info      the same file given more than once: counted once
frame_coverage          usable    parts of the frame with few or no corners (poor when 5 or more
                                  of the 8 outer ninths are empty): distortion there is extrapolated
distortion_folds        poor      the fitted radial distortion turns back before the frame's
                                  corners (+10 %): it is extrapolated from the middle of the frame
wide_uncertainty        usable    the stated 2-sigma focal length is over 2 % (poor over 5 %)
high_rms                usable    RMS reprojection error over 1 px
outlier_view            info      a photo was dropped (its error stood out), with the reason
mixed_orientations      info      portrait and landscape photos (by EXIF) were turned to the
                                  sensor frame before calibrating
======================  ========  =============================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._cv import cv2
from .intrinsics import fold_radius, max_radius

GRADES = ("good", "usable", "poor")
SEVERITY_GRADE = {"info": "good", "usable": "usable", "poor": "poor"}
#: fx/fy further than this from 1 is not a phone camera with square pixels.
ASPECT_TOLERANCE = 0.01
#: Principal point further than this fraction of the image size from the centre.
PRINCIPAL_POINT_TOLERANCE = 0.05
#: Fewer usable photos than this gives a usable, not good, profile.
RECOMMENDED_VIEWS = 8
#: A view is "tilted" when the board plane is at least this far from the image plane.
TILT_DEG = 20.0
MIN_TILTED_VIEWS = 3
#: Two views are near-copies when their rotations differ by less than this and their positions by
#: less than SIMILAR_POSITION of the distance.
SIMILAR_ROTATION_DEG = 5.0
SIMILAR_POSITION = 0.05
#: A ninth of the frame with fewer corners than this is "not covered".
MIN_CELL_CORNERS = 4
CELL_NAMES = (("top-left", "top", "top-right"), ("left", "centre", "right"), ("bottom-left", "bottom", "bottom-right"))


@dataclass(frozen=True)
class CalibrationWarning:
    """One finding about a calibration: stable ``code``, ``severity`` (info/usable/poor), ``message``."""

    code: str
    severity: str
    message: str

    def to_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message}


def grade_of(warnings) -> str:
    """``good``, ``usable`` or ``poor``: the worst severity among ``warnings``."""
    return max((SEVERITY_GRADE[w.severity] for w in warnings), key=GRADES.index, default="good")


def check_intrinsics(params: np.ndarray, std: np.ndarray, image_size,
                     board_ratio: float | None = None) -> list[CalibrationWarning]:
    """Aspect ratio, principal point, distortion beyond the data and the stated focal uncertainty.

    Parameters
    ----------
    params, std : ndarray (9,)
        (fx, fy, cx, cy, k1, k2, p1, p2, k3) and their stated standard deviations.
    image_size : (int, int)
    board_ratio : float, optional
        The board's x/y print ratio that explains the photos with square pixels.
    """
    fx, fy, cx, cy = params[:4]
    w, h = image_size
    out = []
    ratio = fx / fy
    if abs(ratio - 1) > ASPECT_TOLERANCE:
        printed = ("" if board_ratio is None else
                   f"; with square pixels the photos fit a board printed {100 * abs(board_ratio - 1):.1f} % "
                   f"{'wider than tall' if board_ratio > 1 else 'taller than wide'}")
        out.append(CalibrationWarning(
            "aspect_ratio", "poor",
            f"fx/fy is {ratio:.3f}, more than {100 * ASPECT_TOLERANCE:g} % from 1: phone pixels are square, so the board "
            f"is probably printed out of scale{printed}; measure the printed squares across and down with a ruler "
            "and reprint at 100 % (the stated uncertainty covers both readings)"))
    off_x, off_y = (cx - (w - 1) / 2) / w, (cy - (h - 1) / 2) / h
    if max(abs(off_x), abs(off_y)) > PRINCIPAL_POINT_TOLERANCE:
        out.append(CalibrationWarning(
            "principal_point", "usable",
            f"the principal point is {100 * abs(off_x):.1f} % of the width and {100 * abs(off_y):.1f} % of the height "
            f"from the image centre (over {100 * PRINCIPAL_POINT_TOLERANCE:g} %), unusual for a phone: the photos may be "
            "cropped, or the set does not fix it; add tilted photos with the board near each edge of the frame"))
    r_frame, r_fold = max_radius(params, image_size), fold_radius(params)
    if r_fold < 1.1 * r_frame:
        out.append(CalibrationWarning(
            "distortion_folds", "poor",
            f"the fitted lens distortion turns back at {100 * r_fold / r_frame:.0f} % of the way to the frame's corners: "
            "it is extrapolated from the middle of the frame and wrong near the edges; add photos with the board "
            "reaching the edges and corners of the frame"))
    rel = 2 * std[0] / fx
    if rel > 0.02:
        out.append(CalibrationWarning(
            "wide_uncertainty", "poor" if rel > 0.05 else "usable",
            f"the focal length is known only to +/- {100 * rel:.1f} % (2 sigma): measurements with this profile carry "
            "a wider uncertainty; add photos with the board tilted 30-45 degrees in different directions"))
    return out


def _tilt_deg(R: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(abs(R[2, 2]), 0.0, 1.0))))


def check_views(rvecs: np.ndarray, tvecs: np.ndarray, names) -> list[CalibrationWarning]:
    """Number of views, their tilts and tilt directions, and near-copies.

    Parameters
    ----------
    rvecs, tvecs : ndarray (n, 3)
        Each view's board2cam pose (Rodrigues vector, mm).
    names : list of str
        The photos' file names, in the same order.
    """
    cv = cv2()
    n = len(rvecs)
    Rs = [cv.Rodrigues(np.asarray(r, np.float64).reshape(3, 1))[0] for r in rvecs]
    # Near-copies count as one view each group: a copy adds no new evidence.
    groups = _near_copies(Rs, np.asarray(tvecs, np.float64))
    first = [g[0] for g in groups]
    n_distinct = len(groups)
    out = []
    if n_distinct < RECOMMENDED_VIEWS:
        counted = f"{n_distinct} distinct views among {n} usable photos" if n_distinct < n else f"{n} usable photos"
        out.append(CalibrationWarning(
            "few_views", "usable", f"only {counted}: {RECOMMENDED_VIEWS} or more, from different angles and "
            "with the board in different parts of the frame, give a surer profile"))
    tilts = np.array([_tilt_deg(Rs[i]) for i in first])
    tilted = tilts >= TILT_DEG
    if tilted.sum() < MIN_TILTED_VIEWS:
        out.append(CalibrationWarning(
            "low_tilt", "poor",
            f"only {int(tilted.sum())} of {n_distinct} distinct views show the board tilted {TILT_DEG:g} degrees or more "
            f"(the most is "
            f"{tilts.max():.0f}): the focal length is then poorly fixed; add {MIN_TILTED_VIEWS} photos with the board "
            "tilted 30-45 degrees, each a different way"))
    else:
        # Direction the board's normal leans in the image: tilts about one axis only leave fx or fy loose.
        ang = np.array([math.degrees(math.atan2(Rs[i][1, 2], Rs[i][0, 2])) % 180.0 for i in first])[tilted]
        spread = max(abs(((a - b + 90) % 180) - 90) for a in ang for b in ang)
        if spread < 30.0:
            out.append(CalibrationWarning(
                "one_tilt_axis", "usable",
                "every tilted photo turns the board about the same axis: add photos tilted the other way "
                "(rotate the phone a quarter turn around the board)"))
    copies = [g for g in groups if len(g) > 1]
    if copies:
        listed = "; ".join(", ".join(names[i] for i in g) for g in copies)
        out.append(CalibrationWarning(
            "similar_views", "usable",
            f"near-identical photos ({listed}) count as one view each group, leaving {len(groups)} distinct views: "
            "move the phone and tilt the board differently between photos"))
    return out


def near_copy_groups(rvecs, tvecs) -> list[list[int]]:
    """Views that are near-copies of each other, as groups of indices (every view in one group).

    Parameters
    ----------
    rvecs, tvecs : ndarray (n, 3)
        Each view's board2cam pose (Rodrigues vector, mm).

    Returns
    -------
    list of list of int
        Sorted groups; two views share one when their rotations differ by less than
        :data:`SIMILAR_ROTATION_DEG` and their positions by less than :data:`SIMILAR_POSITION` of the
        mean distance (transitively). Each group is one distinct view.
    """
    cv = cv2()
    Rs = [cv.Rodrigues(np.asarray(r, np.float64).reshape(3, 1))[0] for r in rvecs]
    return _near_copies(Rs, np.asarray(tvecs, np.float64))


def _near_copies(Rs, tvecs) -> list[list[int]]:
    """Groups of view indices whose poses are within SIMILAR_ROTATION_DEG and SIMILAR_POSITION (transitively)."""
    n = len(Rs)
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    scale = float(np.mean(np.linalg.norm(tvecs, axis=1)))
    for i in range(n):
        for j in range(i + 1, n):
            c = np.clip((np.trace(Rs[i].T @ Rs[j]) - 1) / 2, -1.0, 1.0)
            if (math.degrees(math.acos(c)) < SIMILAR_ROTATION_DEG
                    and np.linalg.norm(tvecs[i] - tvecs[j]) < SIMILAR_POSITION * scale):
                parent[root(i)] = root(j)
    groups = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


@dataclass(frozen=True)
class Coverage:
    """Corners per ninth of the frame: ``counts`` (3, 3) rows top to bottom, and the uncovered cells."""

    counts: np.ndarray
    image_size: tuple

    @property
    def uncovered(self) -> list[str]:
        return [CELL_NAMES[r][c] for r in range(3) for c in range(3) if self.counts[r, c] < MIN_CELL_CORNERS]

    def to_json(self) -> dict:
        return {"grid": "3x3, rows top to bottom", "corners_per_cell": self.counts.tolist(),
                "uncovered": self.uncovered}


def frame_coverage(points_px, image_size) -> Coverage:
    """Count the corners of all views (list of (N_i, 2) px arrays) in each ninth of the frame."""
    w, h = image_size
    counts = np.zeros((3, 3), int)
    for pts in points_px:
        p = np.asarray(pts, np.float64).reshape(-1, 2)
        col = np.clip((3 * (p[:, 0] + 0.5) // w).astype(int), 0, 2)
        row = np.clip((3 * (p[:, 1] + 0.5) // h).astype(int), 0, 2)
        np.add.at(counts, (row, col), 1)
    return Coverage(counts, tuple(image_size))


def coverage_advice(coverage: Coverage) -> str:
    """One sentence naming the parts of the frame that need photos ("" when all are covered).

    E.g. "no corners in the top-left: take two photos with the board there".
    """
    def listed(names):
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    cells = [(CELL_NAMES[r][c], int(coverage.counts[r, c])) for r in range(3) for c in range(3)]
    empty = [name for name, n in cells if n == 0]
    few = [f"{name} ({n})" for name, n in cells if 0 < n < MIN_CELL_CORNERS]
    parts = ([f"no corners in the {listed(empty)}"] if empty else []) + ([f"few in the {listed(few)}"] if few else [])
    if not parts:
        return ""
    where = "there" if len(empty) + len(few) == 1 else "in each of those parts of the frame"
    return f"{'; '.join(parts)}: take two photos with the board {where}"


def check_coverage(coverage: Coverage, frame_of: str = "") -> list[CalibrationWarning]:
    """The ``frame_coverage`` warning ([] when every ninth has corners).

    ``frame_of`` names the photo whose displayed frame "top-left" refers to (for a set mixing
    portrait and landscape photos), "" when every photo is the same way up.
    """
    advice = coverage_advice(coverage)
    if not advice:
        return []
    outer_empty = sum(1 for name in coverage.uncovered if name != "centre")
    where = f"as {frame_of} is displayed, " if frame_of else ""
    return [CalibrationWarning("frame_coverage", "poor" if outer_empty >= 5 else "usable",
                               f"{where}{advice} (lens distortion at the edge of the frame is otherwise extrapolated)")]


def coverage_png(points_px, coverage: Coverage, title: str, long_side: int = 900) -> bytes:
    """Draw where each view's corners fell in the frame, the 3x3 grid and the uncovered ninths, as PNG bytes.

    Parameters
    ----------
    points_px : list of ndarray (N_i, 2)
        Corners per view, pixels of the profile's frame.
    coverage : Coverage
    title : str
    long_side : int
        The picture's long side, px.

    Returns
    -------
    bytes
        The PNG.
    """
    import textwrap

    cv = cv2()
    w, h = coverage.image_size
    s = long_side / max(w, h)
    W, H = int(round(w * s)), int(round(h * s))
    advice = textwrap.wrap(coverage_advice(coverage) or "every part of the frame has corners", max(40, W // 8))
    top, bottom = 34, 12 + 20 * len(advice)
    img = np.full((H + top + bottom, W, 3), 255, np.uint8)
    frame = img[top:top + H]
    for r in range(3):
        for c in range(3):
            if coverage.counts[r, c] < MIN_CELL_CORNERS:
                x0, y0, x1, y1 = c * W // 3, r * H // 3, (c + 1) * W // 3, (r + 1) * H // 3
                frame[y0:y1, x0:x1] = (215, 215, 255)
                cv.putText(frame, "needs photos", (x0 + 10, y0 + 24), cv.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 170), 1, cv.LINE_AA)
    for k in (1, 2):
        cv.line(frame, (k * W // 3, 0), (k * W // 3, H), (160, 160, 160), 1)
        cv.line(frame, (0, k * H // 3), (W, k * H // 3), (160, 160, 160), 1)
    cv.rectangle(frame, (0, 0), (W - 1, H - 1), (0, 0, 0), 1)
    for i, pts in enumerate(points_px):
        hue = int(180 * i / max(len(points_px), 1))
        colour = cv.cvtColor(np.uint8([[[hue, 200, 190]]]), cv.COLOR_HSV2BGR)[0, 0].tolist()
        p = (np.asarray(pts, np.float64).reshape(-1, 2) + 0.5) * s
        hull = cv.convexHull(p.astype(np.float32)).astype(np.int32)
        cv.polylines(frame, [hull], True, colour, 1, cv.LINE_AA)
        for x, y in p:
            cv.circle(frame, (int(round(x)), int(round(y))), 2, colour, -1, cv.LINE_AA)
    cv.putText(img, title, (8, 23), cv.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv.LINE_AA)
    for k, line in enumerate(advice):
        cv.putText(img, line, (8, top + H + 21 + 20 * k), cv.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv.LINE_AA)
    ok, buf = cv.imencode(".png", img)
    return buf.tobytes()
