"""The table's edges in a photo and the axis they give, on 2 MP renders with their truth.

A drop-table scene with the board turned 3.5 degrees from the table's axis and a long side of
the table in view: measured along the table, not the board; the angle within its sigma; the lines
used lie on the table's outline; neither the board's paper nor the jeans are taken for a table
edge. A plain scene (an endless table: no edge at all): a warning, the assumed +-0.5 degrees in
the bound, and a squared board without it.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from legcheck._cv import cv2
from legcheck.geometry import project_table
from legcheck.measure.table_axis import ASSUMED_95_DEG, rz_deg
from legcheck.pipeline import annotate, measure_photo
from legcheck.synth.drop_families import random_drop_scene
from legcheck.targets.spec import DEFAULT_BOARD
from legcheck.vision.table_edges import find_table_lines

from conftest import profile_of

THETA_DEG = 3.5


@pytest.fixture(scope="module")
def turned(scenes):
    """Jeans on a patterned sheet, the board beside the legs turned 3.5 degrees, seen from the foot end."""
    scene = random_drop_scene(np.random.default_rng(1), width=1600, height=1200, tabs=True, edge_in_view=True,
                              board_angle_deg=THETA_DEG, view_side="foot end", elevation_deg=(70.0, 85.0))
    scene = replace(scene, noise=0.005, blur_px=0.7, jpeg_quality=90)
    path, truth = scenes.get("axis_turned", scene)
    result = measure_photo(path, camera=profile_of(scene))
    return scene, path, truth, result


def _distance_to_line(pts, a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    d = (b - a) / np.linalg.norm(b - a)
    return np.abs((np.asarray(pts, float) - a) @ np.array([d[1], -d[0]]))


def test_turned_board_is_measured_along_the_table(turned):
    scene, path, truth, result = turned
    m = result.measurement
    assert truth["board_to_table_deg"] == pytest.approx(THETA_DEG)
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm
    # Along the board's y the figure would be several bounds off: the turn matters here.
    assert abs(truth["lld_board_mm"] - truth["lld_mm"]) > 10 * m.uncertainty_mm
    ax = m.table_axis
    assert ax["source"] == "table edge"
    assert abs(ax["board_to_table_deg"] - THETA_DEG) <= ax["sigma_deg"]
    # The heels are given in the table-axis frame: the truth's.
    assert np.allclose(m.left_heel_mm, truth["left_heel_axis_mm"], atol=2.0)
    assert np.allclose(m.right_heel_mm, truth["right_heel_axis_mm"], atol=2.0)


def test_lines_used_lie_on_the_tables_outline(turned):
    _, _, truth, result = turned
    used = result.measurement.details["table_lines"]
    assert {u["kind"] for u in used} == {"side", "end"}
    true_lines = list(truth["table"]["lines"].values())
    for u in used:
        # On an edge of the top, or on the bottom of the face below it (parallel, a few mm beyond).
        assert min(_distance_to_line(u["ends_mm"], a, b).max() for a, b in true_lines) < 20.0, u


def test_the_boards_paper_and_the_jeans_are_not_table_edges(turned):
    _, path, truth, result = turned
    assert truth["labels"]["legwear"] == "blue jeans"
    m = result.measurement
    lines = find_table_lines(result.photo.pixels, result.board2cam, result.camera.K, result.camera.dist, DEFAULT_BOARD)
    heels = (rz_deg(m.table_axis["board_to_table_deg"]) @ np.array([m.left_heel_mm, m.right_heel_mm]).T).T
    w, h = DEFAULT_BOARD.width_mm, DEFAULT_BOARD.height_mm
    board_edges = [((0, 0), (w, 0)), ((w, 0), (w, -h)), ((w, -h), (0, -h)), ((0, -h), (0, 0))]
    assert lines
    for ln in lines:
        ends = ln.endpoints_mm()
        # Not along the board's paper: no line within 25 mm of a board edge all along it.
        assert all(_distance_to_line(ends, a, b).max() > 25.0 for a, b in board_edges), ln
        if ln.kind == "side":  # not a leg's outline: every side line passes outside both heels
            d = ln.signed_distance(heels)
            assert np.all(d < -30.0), (ln, d)


def test_json_and_annotation_show_the_axis(turned, tmp_path):
    _, _, _, result = turned
    d = json.loads(json.dumps(result.measurement.to_json()))
    assert set(d["table_axis"]) == {"source", "board_to_table_deg", "sigma_deg"}
    assert d["lld_mm"] == pytest.approx(d["left_heel_mm"][1] - d["right_heel_mm"][1], abs=0.002)
    out = tmp_path / "a.png"
    annotate(result, out, DEFAULT_BOARD)
    img = cv2().imread(str(out))
    s = img.shape[1] / result.photo.width
    for u in result.measurement.details["table_lines"]:
        mid = np.r_[np.mean(u["ends_mm"], axis=0), 0.0]
        px = (project_table(mid[None], result.board2cam, result.camera.K, result.camera.dist)[0] + 0.5) * s - 0.5
        x, y = np.round(px).astype(int)
        patch = img[y - 3:y + 4, x - 3:x + 4].reshape(-1, 3).astype(int)
        magenta = (patch[:, 0] > 200) & (patch[:, 2] > 200) & (patch[:, 1] < 80)
        assert magenta.any(), u  # the line used is drawn where it lies


def test_no_table_edge_warns_and_the_bound_holds_the_assumed_turn(basic):
    scene, path, truth = basic
    m = measure_photo(path, camera=profile_of(scene)).measurement
    squared = measure_photo(path, camera=profile_of(scene), board_squared=True).measurement
    assert m.table_axis == {"source": "board", "board_to_table_deg": 0.0,
                            "sigma_deg": round(ASSUMED_95_DEG / 1.96, 4)}
    assert any(w.startswith("no table edge found") and "0.5°" in w for w in m.warnings)
    assert m.lld_mm == squared.lld_mm
    # The assumed turn is in the bound: it adds in quadrature its part, 1.96 x spacing x sigma.
    part = m.details["table_axis_mm"]
    spacing = abs(truth["left_heel_mm"][0] - truth["right_heel_mm"][0])
    assert part == pytest.approx(spacing * np.radians(ASSUMED_95_DEG), rel=0.02)
    assert np.sqrt(m.uncertainty_mm ** 2 - squared.uncertainty_mm ** 2) == pytest.approx(part, rel=0.2)
    # A squared board: no assumption, no warning.
    assert squared.table_axis["sigma_deg"] == 0.0 and squared.details["table_axis_mm"] == 0.0
    assert not any("no table edge" in w for w in squared.warnings)
    assert squared.axis_text() == "no table edge found: board squared by the user"


def test_a_plain_table_has_no_table_line(basic):
    # The plain layout's only long straight edges are the board's paper and the tab cards.
    scene, path, _ = basic
    r = measure_photo(path, camera=profile_of(scene))
    assert find_table_lines(r.photo.pixels, r.board2cam, r.camera.K, r.camera.dist, DEFAULT_BOARD) == []
