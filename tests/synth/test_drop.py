"""The drop-table renderer puts things where its truth says.

Board corners found by the detector land on the projected truth; each heel's outline point
lies on the rendered outline; lld_mm along the table's axis differs from lld along the
board's y exactly by the heels' spacing times sin(angle); labels and constraints hold.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from legcheck._cv import cv2
from legcheck.synth.drop_families import random_drop_scene
from legcheck.synth.drop_world import MESH_ID0, World
from legcheck.synth.landmarks import heel_pixels
from legcheck.synth.render import scene_from_json
from legcheck.synth.sidecar import scene_truth
from legcheck.targets.spec import DEFAULT_BOARD
from legcheck.vision.detect import find_board, find_markers
from legcheck.vision.imageio import load_photo, to_gray

SIZE = dict(width=1600, height=1200)
CLEAN = dict(noise=0.0, blur_px=0.6, jpeg_quality=95, motion_px=0.0)


def _drop(seed, **kw):
    return replace(random_drop_scene(np.random.default_rng(seed), **SIZE, **kw), **CLEAN)


@pytest.fixture(scope="module")
def head_side(scenes):
    """White sneakers seen from the head side: the heels' rear edges are outlines against the floor."""
    scene = _drop(4, view_side="head side", footwear="white sneaker", floor="dark plain", elevation_deg=(50.0, 60.0))
    path, truth = scenes.get("drop_head_side", scene)
    return scene, path, truth


@pytest.fixture(scope="module")
def foot_end(scenes):
    scene = _drop(2, view_side="foot end", footwear="bare", elevation_deg=(70.0, 85.0))
    path, truth = scenes.get("drop_foot_end", scene)
    return scene, path, truth


@pytest.mark.parametrize("which", ["head_side", "foot_end"])
def test_board_corners_land_on_projected_truth(which, request):
    scene, path, truth = request.getfixturevalue(which)
    gray = to_gray(load_photo(path).pixels)
    markers, scale = find_markers(gray, DEFAULT_BOARD.dictionary)
    bc = find_board(gray, DEFAULT_BOARD, markers, scale)
    b2c = scene.board2cam()
    proj = cv2().projectPoints(bc.board_mm, b2c.rvec, b2c.t, scene.K, np.asarray(scene.dist))[0].reshape(-1, 2)
    err = np.linalg.norm(bc.corners_px - proj, axis=1)
    assert len(err) >= 12
    assert err.max() < 0.3 and np.sqrt(np.mean(err ** 2)) < 0.15


def test_heel_outline_point_lies_on_the_rendered_outline(head_side):
    scene, path, truth = head_side
    img = cv2().imread(str(path)).astype(np.float32).mean(axis=2)
    from scipy.ndimage import map_coordinates

    cv = cv2()
    sm = cv.GaussianBlur(img, (0, 0), 1.0)
    gx, gy = cv.Sobel(sm, cv.CV_32F, 1, 0), cv.Sobel(sm, cv.CV_32F, 0, 1)
    world = World(scene, light=False)
    checked = 0
    for side, lm in truth["landmarks"].items():
        o = lm["outline"]
        assert o["on_outline"] and o["against"] == "floor", side
        x, y = o["px"]
        g = np.array([map_coordinates(a, [[y], [x]], order=1)[0] for a in (gx, gy)])
        n = g / np.linalg.norm(g)
        s = np.linspace(-4, 4, 161)
        # In the photo: the strongest step across the outline is within 1 px of the truth.
        prof = map_coordinates(img, [y + s * n[1], x + s * n[0]], order=3)
        assert abs(s[np.argmax(np.abs(np.gradient(prof, s)))]) < 1.0, side
        # In the geometry: rays through the outline's normal line change from heel to background there.
        u, v = x + s * n[0], y + s * n[1]
        from legcheck.synth.planar import ray_grid, rays_at

        xn, yn = rays_at(ray_grid(scene), u, v)
        on_heel = world.trace(world.directions(xn, yn))["sid"] >= MESH_ID0
        change = np.nonzero(on_heel[1:] != on_heel[:-1])[0]
        assert len(change) and np.min(np.abs(s[change] + 0.025)) < 1.0, side
        checked += 1
    assert checked == 2


def test_landmark_pixels_and_heights(foot_end):
    scene, path, truth = foot_end
    px = heel_pixels(scene)
    for side in ("left", "right"):
        lm = truth["landmarks"][side]
        assert 60 <= lm["height_mm"] <= 160
        assert np.allclose(px[side], lm["outline"]["px"] if lm["outline"]["on_outline"] else lm["px"], atol=1e-6)
        assert 0 < px[side][0] < scene.width and 0 < px[side][1] < scene.height


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_lld_along_the_table_axis_differs_from_the_boards_by_spacing_times_sin(seed):
    scene = random_drop_scene(np.random.default_rng(seed), width=640, height=480, board_angle_deg=(3.0, 5.0),
                              lld_mm=4.0)
    truth = scene_truth(scene)
    th = math.radians(truth["board_to_table_deg"])
    left, right = np.array(truth["left_heel_mm"]), np.array(truth["right_heel_mm"])
    spacing_x = left[0] - right[0]  # across the board, table frame
    assert truth["lld_mm"] == pytest.approx(4.0, abs=1e-6)
    # p_axis = Rz(-theta) p_table, so y_axis = y cos(theta) - x sin(theta).
    assert truth["lld_mm"] - truth["lld_board_mm"] * math.cos(th) == pytest.approx(-spacing_x * math.sin(th), abs=1e-5)
    # Heels 100-300 mm apart and the board 3-5 degrees off: the board's y is several mm wrong.
    assert abs(truth["lld_mm"] - truth["lld_board_mm"]) > 4.0
    axis = np.array(truth["left_heel_axis_mm"])
    c, s = math.cos(-th), math.sin(-th)
    assert axis[:2] == pytest.approx([c * left[0] - s * left[1], s * left[0] + c * left[1]], abs=1e-5)


def test_sidecar_round_trip_and_table_lines(head_side):
    scene, path, truth = head_side
    side = json.loads(path.with_suffix(".json").read_text())
    assert scene_from_json(side["scene"]) == scene
    th = math.radians(side["board_to_table_deg"])
    (x0, y0), (x1, y1) = side["table"]["lines"]["left"]
    # A long edge runs along the table's axis: turned by board_to_table_deg from the board's +y.
    assert math.atan2(-(x1 - x0), y1 - y0) == pytest.approx(th, abs=1e-6)
    assert side["heel_source"] == "landmark" and side["version"] == 2
    for key in ("footwear", "cover", "floor", "view_band", "view_side", "board_side", "edges_in_view"):
        assert key in side["labels"]


def test_families_honour_their_labels():
    rng = np.random.default_rng(3)
    seen = set()
    for fw in ("bare", "white sock", "black sock", "black shoe", "brown shoe", "white sneaker"):
        s = random_drop_scene(rng, width=640, height=480, footwear=fw, cover="paper roll", floor="mid tiles",
                              board_side="left", elevation_deg=(60.0, 90.0))
        lab = dict(s.drop.labels)
        assert (lab["footwear"], lab["cover"], lab["floor"], lab["board_side"]) == (fw, "paper roll", "mid tiles", "left")
        assert 60 <= s.elevation_deg <= 90 and lab["view_band"] in ("60-75", "75-90")
        assert -5 <= s.drop.board_to_table_deg <= 5 and 550 <= s.drop.table.width_mm <= 700
        assert 500 <= s.drop.table.height_mm <= 800
        seen.add(fw)
    assert len(seen) == 6
    none = random_drop_scene(rng, width=640, height=480, edge_in_view=False, tries=100)
    assert not {"left", "right"} & set(dict(none.drop.labels)["edges_in_view"].split(","))
    some = random_drop_scene(rng, width=640, height=480, edge_in_view=True)
    assert dict(some.drop.labels)["edges_in_view"] != ""


def test_tabs_on_heels_are_found_where_the_truth_puts_them(scenes):
    from legcheck.vision.detect import find_tabs
    from legcheck.targets.spec import DEFAULT_TABS

    scene = _drop(21, view_side="foot end", tabs=True, elevation_deg=(70.0, 85.0))
    path, truth = scenes.get("drop_tabs", scene)
    assert truth["heel_source"] == "tabs"
    gray = to_gray(load_photo(path).pixels)
    markers, _ = find_markers(gray, DEFAULT_TABS.dictionary)
    tabs = find_tabs(gray, markers, DEFAULT_TABS, scene.K, np.asarray(scene.dist))
    t2c = scene.table2cam()
    for side, place in (("left", scene.left_tab), ("right", scene.right_tab)):
        h = DEFAULT_TABS.tab_mm / 2
        corners = np.array([[-h, -h, 0], [h, -h, 0], [h, h, 0], [-h, h, 0]])
        cam = place.tab2table().apply(corners) @ t2c.R.T + t2c.t
        proj = cv2().projectPoints(cam, np.zeros(3), np.zeros(3), scene.K, np.asarray(scene.dist))[0].reshape(-1, 2)
        assert np.abs(tabs[side].corners_px - proj).max() < 0.3, side
