"""The renderer puts things where its truth says: detected board corners land on the projected
truth, tab edges fit their projected outline, and the sidecar holds lld_mm = left y - right y."""

from __future__ import annotations

import json

import numpy as np
import pytest

from legcheck._cv import cv2
from legcheck.vision.detect import find_board, find_markers, find_tabs
from legcheck.vision.imageio import load_photo, to_gray
from legcheck.synth.render import random_visible_scene, scene_from_json
from legcheck.targets.spec import DEFAULT_BOARD, DEFAULT_TABS

from conftest import small_scene


@pytest.fixture(scope="module")
def oblique(scenes):
    scene = small_scene(elevation_deg=58.0, dist=(0.1, -0.2, 0.0005, 0.0003, 0.0), azimuth_deg=8.0, roll_deg=6.0, seed=3)
    return (scene,) + scenes.get("render_oblique", scene)


def test_board_corners_land_on_projected_truth(oblique):
    scene, path, truth = oblique
    gray = to_gray(load_photo(path).pixels)
    markers, scale = find_markers(gray, "DICT_5X5_100")
    bc = find_board(gray, DEFAULT_BOARD, markers, scale)
    b2c = scene.board2cam()
    proj = cv2().projectPoints(bc.board_mm, b2c.rvec, b2c.t, scene.K, np.asarray(scene.dist))[0].reshape(-1, 2)
    err = np.linalg.norm(bc.corners_px - proj, axis=1)
    assert len(err) == 24
    assert np.sqrt(np.mean(err ** 2)) < 0.1 and err.max() < 0.25


def test_tab_corners_land_on_projected_truth(oblique):
    scene, path, truth = oblique
    gray = to_gray(load_photo(path).pixels)
    markers, _ = find_markers(gray, "DICT_5X5_100")
    tabs = find_tabs(gray, markers, DEFAULT_TABS, scene.K, np.asarray(scene.dist))
    t2c = scene.table2cam()
    for side, place in (("left", scene.left_tab), ("right", scene.right_tab)):
        h = DEFAULT_TABS.tab_mm / 2
        corners_tab = np.array([[-h, -h, 0], [h, -h, 0], [h, h, 0], [-h, h, 0]])
        cam = place.tab2table().apply(corners_tab) @ t2c.R.T + t2c.t
        proj = cv2().projectPoints(cam, np.zeros(3), np.zeros(3), scene.K, np.asarray(scene.dist))[0].reshape(-1, 2)
        assert np.abs(tabs[side].corners_px - proj).max() < 0.08, side


def test_sidecar_truth(oblique):
    scene, path, truth = oblique
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["lld_mm"] == pytest.approx(side["left_heel_mm"][1] - side["right_heel_mm"][1])
    assert scene_from_json(side["scene"]) == scene


def test_random_scenes_are_seeded_and_in_view():
    a = random_visible_scene(np.random.default_rng(5), width=1600, height=1200)
    b = random_visible_scene(np.random.default_rng(5), width=1600, height=1200)
    assert a == b
    assert 60 <= a.elevation_deg <= 90
    assert -12 <= a.truth()["lld_mm"] <= 12
    z = [a.left_tab.centre_mm[2], a.right_tab.centre_mm[2]]
    assert all(60 <= v <= 140 for v in z)
