"""The table's axis from its lines: which lines count, how they combine, and what a measurement then says.

No photos here: lines are made with known angles and places, so every rule can be checked
exactly (the photos are in tests/vision/test_table_edges.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from legcheck.measure.table_axis import (ASSUMED_95_DEG, END_SQUARENESS_DEG, assumed_axis, axis_part_mm,
                                         describe_axis, estimate_table_axis, lld_along, rz_deg)
from legcheck.vision.table_edges import TableLine, axis_angle_deg

BOARD_CENTRE = np.array([126.0, -90.0])
LEFT, RIGHT = np.array([-60.0, -300.0, 110.0]), np.array([160.0, -296.0, 105.0])


def line(kind: str, theta_deg: float, through, sigma_deg: float = 0.02) -> TableLine:
    """A table line through ``through`` (table mm) implying axis angle ``theta_deg``, the board on its left."""
    d = (rz_deg(theta_deg) @ ([0.0, 1.0, 0.0] if kind == "side" else [1.0, 0.0, 0.0]))[:2]
    p = np.asarray(through, float)
    if (BOARD_CENTRE - p) @ np.array([d[1], -d[0]]) > 0:
        d = -d
    return TableLine(kind=kind, angle_deg=axis_angle_deg(d, kind), sigma_deg=sigma_deg, point_mm=p, direction=d,
                     span_mm=(-200.0, 200.0), support_mm=350.0, rms_mm=0.1, sagitta_mm=0.05, contrast=0.5,
                     sides_bgr=np.zeros((2, 3)), points_px=np.zeros((0, 2)))


@pytest.mark.parametrize("theta", [-4.0, -0.3, 0.0, 2.5])
def test_angles_of_lines_and_the_frame_agree(theta):
    # A side line's direction and an end line's normal are the axis turned by theta from the board's y.
    assert line("side", theta, (400.0, 0.0)).angle_deg == pytest.approx(theta)
    assert line("end", theta, (100.0, -250.0)).angle_deg == pytest.approx(theta)
    # lld along the turned axis is the y of Rz(-theta) (left - right).
    assert lld_along(LEFT, RIGHT, theta) == pytest.approx((rz_deg(-theta) @ (LEFT - RIGHT))[1])


def test_a_turned_board_moves_lld_by_the_spacing_times_sin():
    dx = LEFT[0] - RIGHT[0]
    assert lld_along(LEFT, RIGHT, 1.0) - lld_along(LEFT, RIGHT, 0.0) == pytest.approx(
        -np.sin(np.radians(1.0)) * dx + (np.cos(np.radians(1.0)) - 1) * (LEFT[1] - RIGHT[1]))
    assert abs(lld_along(LEFT, RIGHT, 1.0) - lld_along(LEFT, RIGHT, 0.0)) == pytest.approx(3.84, abs=0.01)


def test_no_line_keeps_the_board_with_the_assumed_alignment_and_says_so():
    ax = estimate_table_axis([], LEFT, RIGHT, BOARD_CENTRE)
    assert ax.source == "board" and ax.board_to_table_deg == 0.0
    assert ax.sigma_deg == pytest.approx(ASSUMED_95_DEG / 1.96)
    assert ax.warnings and "no table edge found" in ax.warnings[0] and "0.5" in ax.warnings[0]
    squared = estimate_table_axis([], LEFT, RIGHT, BOARD_CENTRE, board_squared=True)
    assert squared.sigma_deg == 0.0 and squared.warnings == ()
    # The assumed turn's part of a 95 % bound: 1.96 x spacing x sigma.
    assert axis_part_mm(ax, LEFT, RIGHT) == pytest.approx(220.0 * np.radians(ASSUMED_95_DEG), rel=1e-3)


def test_side_and_end_combine_into_a_table_edge():
    side = line("side", 2.0, (420.0, -100.0), 0.02)
    end = line("end", 2.03, (50.0, -250.0), 0.02)
    ax = estimate_table_axis([side, end], LEFT, RIGHT, BOARD_CENTRE)
    assert ax.source == "table edge" and len(ax.lines) == 2
    s_end = np.hypot(0.02, END_SQUARENESS_DEG)
    w = np.array([1 / 0.02 ** 2, 1 / s_end ** 2])
    assert ax.board_to_table_deg == pytest.approx((w @ [2.0, 2.03]) / w.sum())
    assert ax.sigma_deg == pytest.approx(np.sqrt(1 / w.sum()))


def test_an_end_alone_carries_the_tables_squareness():
    ax = estimate_table_axis([line("end", -1.0, (50.0, -250.0), 0.01)], LEFT, RIGHT, BOARD_CENTRE)
    assert ax.source == "table end"
    assert ax.sigma_deg == pytest.approx(np.hypot(0.01, END_SQUARENESS_DEG))


@pytest.mark.parametrize("kind, through, why", [
    ("side", (40.0, -100.0), "between or beside the heels"),  # a leg's outline, a cover's edge between the legs
    ("side", (180.0, -100.0), "between or beside the heels"),  # 20 mm outside the right heel: too close
    ("end", (50.0, -400.0), "do not hang beyond"),  # the heels lie on the board's side of it
])
def test_lines_in_the_wrong_place_are_not_the_tables(kind, through, why):
    ax = estimate_table_axis([line(kind, 1.0, through)], LEFT, RIGHT, BOARD_CENTRE)
    assert ax.source == "board"
    assert any(why in r["why"] for r in ax.notes["rejected"])


def test_a_paper_edge_askew_is_outvoted_by_the_tables_side_and_end():
    table_side = line("side", 1.0, (430.0, -100.0), 0.02)
    end = line("end", 1.0, (50.0, -250.0), 0.02)
    paper = line("side", 2.2, (380.0, -100.0), 0.01)  # precise, but 1.2 degrees off
    ax = estimate_table_axis([paper, table_side, end], LEFT, RIGHT, BOARD_CENTRE)
    assert ax.board_to_table_deg == pytest.approx(1.0, abs=1e-6)
    assert paper not in ax.lines
    assert any("disagrees" in r["why"] for r in ax.notes["rejected"])


def test_two_lines_that_disagree_with_nothing_to_choose_widen_and_warn():
    a, b = line("side", 1.0, (430.0, -100.0), 0.02), line("side", 2.0, (-200.0, -100.0), 0.02)
    ax = estimate_table_axis([a, b], LEFT, RIGHT, BOARD_CENTRE)
    assert ax.board_to_table_deg == pytest.approx(1.5)
    assert 1.96 * ax.sigma_deg >= 0.5  # covers both
    assert ax.warnings and "disagree" in ax.warnings[0]


def test_descriptions_for_people():
    assert describe_axis({"source": "table edge", "board_to_table_deg": -2.1, "sigma_deg": 0.05}) == \
        "table axis from the table edge (board turned 2.1° ± 0.1°)"
    assert describe_axis({"source": "table end", "board_to_table_deg": 0.4, "sigma_deg": 0.02}) == \
        "table axis from the table's end (board turned 0.4° ± 0.04°)"
    assert describe_axis(assumed_axis(False).to_json()) == "no table edge found: board assumed square ± 0.5°"
    assert describe_axis(assumed_axis(True).to_json()) == "no table edge found: board squared by the user"
    assert describe_axis({}) is None and describe_axis(None) is None


def coarse(kind: str, theta_deg: float, through) -> TableLine:
    """A line seen only in the reduced top view: no support figures (``measured`` False)."""
    from dataclasses import replace

    from legcheck.vision.table_edges import COARSE_SIGMA_DEG

    return replace(line(kind, theta_deg, through, COARSE_SIGMA_DEG), support_mm=float("nan"))


@pytest.mark.parametrize("theta", [4.0, -2.0])
def test_an_unmeasured_table_line_off_the_board_widens_the_board_axis(theta):
    """The hostile tester's case: the table's end seen between the legs but not measurable, the board 4 deg off."""
    end = coarse("end", theta, (100.0, -250.0))
    assert not end.measured
    axis = estimate_table_axis([end], LEFT, RIGHT, BOARD_CENTRE)
    assert axis.source == "board" and axis.board_to_table_deg == 0.0  # never the axis itself
    assert 1.96 * axis.sigma_deg >= abs(theta)  # the 95 % bound reaches the turn
    assert axis.sigma_deg == pytest.approx(np.hypot(abs(theta) / 1.96, 1.0))
    assert any(f"{abs(theta):.1f}° off the board's axis" in w for w in axis.warnings)


def test_an_unmeasured_line_square_to_the_board_or_not_the_tables_changes_nothing():
    plain = estimate_table_axis([], LEFT, RIGHT, BOARD_CENTRE)
    square = estimate_table_axis([coarse("end", 0.3, (100.0, -250.0))], LEFT, RIGHT, BOARD_CENTRE)
    # An "end" the heels do not hang beyond (y -350 is past them) is no table end: ignored.
    beyond = estimate_table_axis([coarse("end", 4.0, (100.0, -350.0))], LEFT, RIGHT, BOARD_CENTRE)
    assert square.sigma_deg == beyond.sigma_deg == plain.sigma_deg == pytest.approx(ASSUMED_95_DEG / 1.96)
    # A measured line still gives the axis, whatever the coarse ones say.
    measured = estimate_table_axis([line("end", 1.0, (100.0, -250.0)), coarse("end", 4.0, (100.0, -240.0))],
                                   LEFT, RIGHT, BOARD_CENTRE)
    assert measured.source == "table end" and measured.board_to_table_deg == pytest.approx(1.0)
