"""The table's axis against the board: which straight lines are the table's, and the angle they give.

lld_mm is measured along the table's long axis, not along the board's y: a board turned by
theta from the axis moves the figure by (heel spacing across the table) x sin(theta), about
3.5 mm per degree for heels 200 mm apart. :mod:`legcheck.vision.table_edges` finds long straight
edges on the table plane; here they are judged with the heels' positions:

- a **side** line (along the board's y) is a long side of the table only if the board and both
  heels lie on one side of it, the heels at least :data:`SIDE_HEEL_CLEAR_MM` away (a leg's
  outline, or a paper roll's edge between the legs, fails);
- an **end** line (across the board's y) is the table's end only if the board lies on one side
  and both heels at least :data:`END_HEEL_CLEAR_MM` beyond it on the other: the feet hang over
  the end.

The lines that pass vote by their angles. The largest group that agrees within its sigmas
(three sigma, pairwise with the group's first line) wins; an end line counts twice (a paper roll
laid a little askew has two long straight edges, but no end of its own). The angle is the group's
weighted mean; its sigma is the weighted mean's, scaled up by the Birge ratio when the group's
scatter exceeds its sigmas. When a second group, disagreeing, has as many votes, the two cannot be
told apart: the angle is their middle and the sigma covers both, with a warning.

With no table line the board's own axis is kept (source "board") and, unless the board is
squared with a jig or fence, an assumed alignment of +-:data:`ASSUMED_95_DEG` (95 %) goes into the
bound: a sheet squared by eye is that good only with care.

Frames: the table-axis frame has the table frame's origin, turned about z by
``board_to_table_deg`` (counter-clockwise seen from above): ``p_axis = Rz(-theta) @ p_table``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Assumed alignment of a board squared by eye with no table line in view, degrees, 95 %.
ASSUMED_95_DEG = 0.5
#: A long side of the table passes at least this far outside both heels, mm.
SIDE_HEEL_CLEAR_MM = 30.0
#: The heels hang at least this far beyond the table's end, mm.
END_HEEL_CLEAR_MM = 10.0
#: A table's end is square to its long sides within this, degrees, 1-sigma (1 mm across 600 mm).
END_SQUARENESS_DEG = 0.05
#: Lines agree when their angles differ by at most this many combined sigmas.
AGREE_SIGMAS = 3.0
#: Votes: an end line counts this much, a side line 1.
END_VOTES = 2.0
#: 95 % two-sided normal quantile (as :data:`legcheck.measure.uncertainty.Z95`).
_Z95 = 1.96

SOURCES = ("table edge", "table end", "board")


@dataclass(frozen=True)
class TableAxis:
    """The table's axis against the board's y, and where it came from.

    Attributes
    ----------
    source : {"table edge", "table end", "board"}
        A long side of the table was used (perhaps with its end), its end only, or no table line
        (the board's own axis).
    board_to_table_deg : float
        From the board's +y to the table's axis, counter-clockwise seen from above, degrees.
    sigma_deg : float
        Its 1-sigma, degrees (with source "board": the assumed alignment, or 0 for a squared board).
    lines : tuple
        The :class:`~legcheck.vision.table_edges.TableLine` used.
    warnings : tuple of str
    notes : dict
        Diagnostics: lines rejected and why, votes.
    """

    source: str
    board_to_table_deg: float
    sigma_deg: float
    lines: tuple = ()
    warnings: tuple = ()
    notes: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The ``table_axis`` object of a measurement's JSON."""
        return {"source": self.source, "board_to_table_deg": round(float(self.board_to_table_deg), 4),
                "sigma_deg": round(float(self.sigma_deg), 4)}

    def rotation(self, theta_deg: float | None = None) -> np.ndarray:
        """Rz(-theta) (3, 3): table-frame vectors to the table-axis frame (``theta`` default: the estimate)."""
        return rz_deg(-(self.board_to_table_deg if theta_deg is None else theta_deg))


def rz_deg(angle_deg: float) -> np.ndarray:
    """Rotation (3, 3) about z by ``angle_deg``, counter-clockwise seen from above (+z)."""
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def lld_along(left_mm, right_mm, theta_deg) -> np.ndarray:
    """lld_mm along an axis turned ``theta_deg`` from the table frame's y: (Rz(-theta) (left - right))[1].

    Parameters
    ----------
    left_mm, right_mm : array_like, shape (..., 3) or (..., 2)
        The heels, table frame, mm.
    theta_deg : float or ndarray, broadcast with the points' leading shape

    Returns
    -------
    ndarray or float
    """
    d = np.asarray(left_mm, float)[..., :2] - np.asarray(right_mm, float)[..., :2]
    t = np.radians(theta_deg)
    return -np.sin(t) * d[..., 0] + np.cos(t) * d[..., 1]


def assumed_axis(board_squared: bool, why: str = "no table edge found") -> TableAxis:
    """The board's own axis: with an assumed alignment of +-:data:`ASSUMED_95_DEG` (95 %), or exact when squared."""
    if board_squared:
        return TableAxis("board", 0.0, 0.0, warnings=(), notes={"why": why, "board_squared": True})
    warn = (f"{why}: the board is taken as square to the table within ±{ASSUMED_95_DEG:g}° (95 %), which is in the "
            "uncertainty; get a long side or the end of the table into the photo, or square the board with a jig "
            "and say so")
    return TableAxis("board", 0.0, ASSUMED_95_DEG / _Z95, warnings=(warn,), notes={"why": why, "board_squared": False})


def _screen(lines, heels_xy: np.ndarray, board_centre: np.ndarray) -> tuple[list, list]:
    """The lines that can be the table's (by where the heels and the board lie), and the rest with reasons."""
    keep, rejected = [], []
    for ln in lines:
        d_heels = ln.signed_distance(heels_xy)
        d_board = float(ln.signed_distance(board_centre)[0])
        if d_board >= 0:
            why = "the board is not on its table side"
        elif ln.kind == "side" and np.any(d_heels > -SIDE_HEEL_CLEAR_MM):
            why = "it runs between or beside the heels (a leg, or a cover's edge)"
        elif ln.kind == "end" and np.any(d_heels < END_HEEL_CLEAR_MM):
            why = "the heels do not hang beyond it"
        else:
            keep.append(ln)
            continue
        rejected.append((ln, why))
    return keep, rejected


def _sigma(ln) -> float:
    return float(np.hypot(ln.sigma_deg, END_SQUARENESS_DEG)) if ln.kind == "end" else float(ln.sigma_deg)


def _groups(lines) -> list[tuple[float, list]]:
    """Agreeing groups of lines, (votes, members), most votes first.

    Each line seeds a group of the lines within :data:`AGREE_SIGMAS` combined sigmas of it; then the
    member farthest from the group's weighted mean, in its own sigmas, leaves while it is more than
    :data:`AGREE_SIGMAS` away (a wide-sigma seed cannot hold two precise lines that disagree).
    """
    out = []
    for ref in lines:
        members = [ln for ln in lines
                   if abs(ln.angle_deg - ref.angle_deg) <= AGREE_SIGMAS * np.hypot(_sigma(ln), _sigma(ref))]
        while len(members) > 1:
            mean, _ = _combine(members, birge=False)
            z = [abs(ln.angle_deg - mean) / _sigma(ln) for ln in members]
            worst = int(np.argmax(z))
            if z[worst] <= AGREE_SIGMAS:
                break
            members.pop(worst)
        votes = sum(END_VOTES if ln.kind == "end" else 1.0 for ln in members)
        out.append((votes, members))
    out.sort(key=lambda g: (-g[0], -sum(1.0 / _sigma(ln) ** 2 for ln in g[1])))
    return out


def _combine(members, birge: bool = True) -> tuple[float, float]:
    """Weighted mean angle and its sigma (Birge-scaled when the members scatter beyond their sigmas)."""
    a = np.array([ln.angle_deg for ln in members])
    s = np.array([_sigma(ln) for ln in members])
    w = 1.0 / s ** 2
    mean = float((w * a).sum() / w.sum())
    sigma = float(np.sqrt(1.0 / w.sum()))
    if birge and len(a) > 1:
        sigma *= max(1.0, float(np.sqrt((w * (a - mean) ** 2).sum() / (len(a) - 1))))
    return mean, sigma


def _board_axis(board_squared: bool, hints, heels, centre, notes) -> TableAxis:
    """The board's axis when no table line was measured; widened when an unmeasured one runs off it.

    A line seen only coarsely (``TableLine.measured`` False) that can be the table's (by the heels,
    as :func:`_screen` judges) and runs further off the board's axis than the assumed alignment is
    evidence the board is turned: the axis stays the board's, but its sigma grows to that line's angle,
    so the bound covers the turn (95 % reaches the angle, widened by its own error), and a warning says so (the heels' 465 mm apart and a board laid 4 degrees
    off gave a 34 mm error inside a 7.7 mm bound before).
    """
    base = assumed_axis(board_squared)
    seen, _ = _screen(list(hints), heels, centre)
    off = max((abs(ln.angle_deg) for ln in seen), default=0.0)
    if off <= ASSUMED_95_DEG:
        return TableAxis(base.source, base.board_to_table_deg, base.sigma_deg, warnings=base.warnings,
                         notes={**base.notes, **notes})
    # 95 % reaches the coarse angle, widened by the coarse angle's own error.
    sigma = float(np.hypot(off / _Z95, max(ln.sigma_deg for ln in seen)))
    warn = (f"a straight edge of the table seems to run {off:.1f}° off the board's axis but could not be measured: the "
            f"board is taken as square to the table within ±{_Z95 * sigma:.1f}° (95 %), which is in the uncertainty; "
            "square the board with the table's edge, or get more of that edge into the photo")
    return TableAxis("board", 0.0, sigma, warnings=(warn,), notes={**base.notes, **notes, "coarse_off_deg": round(off, 2)})


def estimate_table_axis(lines, left_mm, right_mm, board_centre_xy, board_squared: bool = False) -> TableAxis:
    """The table's axis from the table lines found in the photo, judged by the heels' positions.

    Parameters
    ----------
    lines : sequence of legcheck.vision.table_edges.TableLine
        Candidates (:func:`legcheck.vision.table_edges.find_table_lines`); may be empty. Lines not
        ``measured`` never give the axis; they can only widen the board's (:func:`_board_axis`).
    left_mm, right_mm : array_like, shape (3,)
        The heels, table frame, mm.
    board_centre_xy : array_like, shape (2,)
        The board's centre, table frame, mm (:func:`board_centre_mm`).
    board_squared : bool
        The user squared the board with the table (a jig, a fence): with no table line the board's
        axis is taken as exact instead of within the assumed +-:data:`ASSUMED_95_DEG`.

    Returns
    -------
    TableAxis
    """
    heels = np.array([np.asarray(left_mm, float)[:2], np.asarray(right_mm, float)[:2]])
    centre = np.asarray(board_centre_xy, float).reshape(1, 2)
    lines = list(lines)
    keep, rejected = _screen([ln for ln in lines if ln.measured], heels, centre)
    notes = {"rejected": [{"kind": ln.kind, "angle_deg": round(ln.angle_deg, 3), "why": why} for ln, why in rejected]}
    if not keep:
        return _board_axis(board_squared, [ln for ln in lines if not ln.measured], heels, centre, notes)
    groups = _groups(keep)
    votes, members = groups[0]
    theta, sigma = _combine(members)
    warnings = []
    rivals = [g for g in groups[1:] if g[0] >= votes and not set(map(id, g[1])) & set(map(id, members))]
    if rivals:
        other, o_sigma = _combine(rivals[0][1])
        half = abs(other - theta) / 2
        theta, sigma = (theta + other) / 2, float(np.hypot(half, max(sigma, o_sigma)))
        members = members + rivals[0][1]
        warnings.append(f"the table's straight edges disagree by {2 * half:.1f}°: the table's axis is taken between "
                        f"them, ±{_Z95 * sigma:.1f}° (95 %); keep covers and paper off the table's edges in the photo")
    for ln in keep:
        if ln not in members:
            notes["rejected"].append({"kind": ln.kind, "angle_deg": round(ln.angle_deg, 3),
                                      "why": "it disagrees with the table's other edges"})
    source = "table edge" if any(ln.kind == "side" for ln in members) else "table end"
    notes["votes"] = votes
    return TableAxis(source, theta, sigma, lines=tuple(members), warnings=tuple(warnings), notes=notes)


def board_centre_mm(board_mm: np.ndarray) -> np.ndarray:
    """The centre (2,) of the board corners' extent, table frame (x, y), mm, from corners in the board frame (N, 3)."""
    pts = np.asarray(board_mm, float)
    lo, hi = pts[:, :2].min(axis=0), pts[:, :2].max(axis=0)
    return np.array([(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2])  # board y down = table -y


def draw_axis(axis: TableAxis | None, rng: np.random.Generator, draws: int) -> np.ndarray:
    """``draws`` angles of the table's axis, degrees: N(angle, sigma); zeros without an axis."""
    z = rng.normal(size=draws)
    if axis is None:
        return np.zeros(draws)
    return axis.board_to_table_deg + axis.sigma_deg * z


def axis_details(axis: TableAxis) -> dict:
    """Diagnostics for ``Measurement.details``: the table lines used (to draw them) and those rejected, and why."""
    used = [{"kind": ln.kind, "angle_deg": round(float(ln.angle_deg), 4), "sigma_deg": round(float(ln.sigma_deg), 4),
             "length_mm": round(float(ln.span_mm[1] - ln.span_mm[0]), 1),
             "ends_mm": [[round(float(v), 2) for v in p] for p in ln.endpoints_mm()]} for ln in axis.lines]
    return {"table_lines": used, "table_lines_rejected": list(axis.notes.get("rejected", []))}


def axis_to_table(measurement, points_axis_mm) -> np.ndarray:
    """Table-axis-frame points (N, 3) of a measurement (its heels) back in the table frame, mm.

    A measurement stored before the axis was measured has no ``table_axis``: its points are
    already in the table frame.
    """
    theta = float((measurement.table_axis or {}).get("board_to_table_deg", 0.0))
    return np.asarray(points_axis_mm, float).reshape(-1, 3) @ rz_deg(theta).T


def _deg(v: float) -> str:
    """An angle for people: one decimal, two under a tenth of a degree."""
    return f"{v:.2f}" if abs(v) < 0.095 else f"{v:.1f}"


def describe_axis(table_axis: dict | None) -> str | None:
    """One line for people on where the table's axis came from, from a measurement's ``table_axis`` JSON.

    Parameters
    ----------
    table_axis : dict or None
        ``{"source", "board_to_table_deg", "sigma_deg"}``; None or empty for results stored before
        the axis was measured.

    Returns
    -------
    str or None
        For example "table axis from the table edge (board turned 2.1° ± 0.1°)", "table axis from
        the table's end (board turned 0.4° ± 0.2°)", "no table edge found: board assumed square
        ± 0.5°" or "no table edge found: board squared by the user"; bounds are 95 %.
    """
    if not table_axis:
        return None
    src = table_axis.get("source")
    theta, sigma = float(table_axis.get("board_to_table_deg", 0.0)), float(table_axis.get("sigma_deg", 0.0))
    if src == "board":
        if sigma > 0:
            return f"no table edge found: board assumed square ± {_deg(_Z95 * sigma)}°"
        return "no table edge found: board squared by the user"
    where = "the table edge" if src == "table edge" else "the table's end"
    return f"table axis from {where} (board turned {_deg(abs(theta))}° ± {_deg(_Z95 * sigma)}°)"


def axis_part_mm(axis: TableAxis, left_axis_mm, right_axis_mm) -> float:
    """The axis's own part of the 95 % bound, mm: 1.96 |dx| sigma, dx the heels' spacing across the table.

    lld = -sin(d) dx + cos(d) dy for a small turn d of the axis, so dlld/dd = -dx at d = 0.
    """
    dx = float(np.asarray(left_axis_mm, float)[0] - np.asarray(right_axis_mm, float)[0])
    return _Z95 * abs(dx) * np.radians(axis.sigma_deg)

