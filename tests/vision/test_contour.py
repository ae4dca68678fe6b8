"""Heels without tabs at a real drop table: contour mode, rough points and every refusal, on 2 MP renders.

Each scene is the renderer's drop-table family (:func:`legcheck.synth.drop_families.random_drop_scene`)
drawn from a fixed seed and rendered once per session. The reference a measurement is held to is
what a person clicking the heel outlines would get (the sidecar's outline points, measured as exact
manual points at the same heel height); the bound must also cover the truth in 3D (the outline
points' own heights differ: the bound carries that).
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.errors import HeelNotFoundError
from legcheck.geometry import project_table
from legcheck.pipeline import measure_photo
from legcheck.synth.drop_families import random_drop_scene
from legcheck.synth.variants import without_patient

from conftest import profile_of

SIZE = dict(width=1600, height=1200)


def drop_scene(seed: int, **kw):
    """The 2 MP drop-table scene of ``seed`` (the benchmark's family, views 60-90 degrees)."""
    return random_drop_scene(np.random.default_rng(seed), **SIZE, elevation_deg=(60.0, 90.0), **kw)


@pytest.fixture(scope="session")
def head_side(scenes):
    """White socks on a grey vinyl table over a tiled floor, seen from the head side: both heels on outlines."""
    scene = drop_scene(1077)
    path, truth = scenes.get("drop_1077", scene)
    assert all(truth["landmarks"][s]["outline"]["on_outline"] for s in ("left", "right"))
    return scene, path, truth


def clicked(path, scene, truth, **kw):
    """The measurement a person clicking both heel outline points exactly gets (no snapping)."""
    px = {s: truth["landmarks"][s]["outline"]["px"] for s in ("left", "right")}
    return measure_photo(path, camera=profile_of(scene), left_heel_px=px["left"], right_heel_px=px["right"],
                         snap=False, **kw).measurement


def lld_3d(truth) -> float:
    """lld_mm of the outline points in 3D (the heel at smaller table x is the patient's left)."""
    pts = sorted((truth["landmarks"][s]["outline"]["table_mm"] for s in ("left", "right")), key=lambda p: p[0])
    return pts[0][1] - pts[1][1]


def test_contour_finds_both_heels_where_a_person_would_click(head_side):
    scene, path, truth = head_side
    m = measure_photo(path, camera=profile_of(scene)).measurement
    ref = clicked(path, scene, truth)
    assert m.method == "contour" and not m.assisted
    assert abs(m.lld_mm - ref.lld_mm) < 1.0
    # The bound covers the truth in 3D, the heels' unknown heights included.
    assert abs(m.lld_mm - lld_3d(truth)) <= m.uncertainty_mm
    for side in ("left", "right"):
        assert np.hypot(*np.subtract(m.details["heel_px"][side], truth["landmarks"][side]["outline"]["px"])) < 25
    assert m.details["contour"]["head_tilt_deg"]["left"] > 20


def test_rough_points_up_to_30_mm_off_find_the_same_heels(head_side):
    scene, path, truth = head_side
    prof = profile_of(scene)
    auto = measure_photo(path, camera=prof).measurement
    b2c = scene.board2cam()
    for angle in (0.0, 2.0, 4.0):  # taps 30 mm off the heel, on the table, in three directions
        taps = {}
        for side, sgn in (("left", 1), ("right", -1)):
            p = np.asarray(truth["landmarks"][side]["outline"]["table_mm"], float)
            p[:2] += 30.0 * np.array([np.cos(angle * sgn), np.sin(angle * sgn)])
            taps[side] = project_table(p[None], b2c, scene.K, np.asarray(scene.dist))[0]
        m = measure_photo(path, camera=prof, near_left_px=taps["left"], near_right_px=taps["right"]).measurement
        assert m.method == "contour" and m.assisted
        assert abs(m.lld_mm - auto.lld_mm) < 0.5


def test_taps_far_from_any_heel_are_refused(head_side):
    scene, path, truth = head_side
    with pytest.raises(HeelNotFoundError, match="no heel edge found within 30 mm of the LEFT tap"):
        measure_photo(path, camera=profile_of(scene), near_left_px=(5.0, 5.0), near_right_px=(20.0, 5.0))


@pytest.mark.parametrize("seed", [1003, 1043], ids=["foot end 73 deg", "foot end 86 deg"])
def test_views_without_heel_outlines_say_where_to_stand(scenes, seed):
    """From the foot end the soles face the camera: the heels' caudal points are inside the feet's image."""
    scene = drop_scene(seed)
    path, truth = scenes.get(f"drop_{seed}", scene)
    assert not any(truth["landmarks"][s]["outline"]["on_outline"] for s in ("left", "right"))
    with pytest.raises(HeelNotFoundError, match="stand at the head end of the table") as exc:
        measure_photo(path, camera=profile_of(scene))
    assert exc.value.exit_code == 5


def test_table_without_patient_has_no_feet(scenes):
    scene = without_patient(drop_scene(1077))
    path, truth = scenes.get("drop_1077_empty", scene)
    assert truth["lld_mm"] is None
    for kw in ({}, {"method": "contour"}):
        with pytest.raises(HeelNotFoundError, match="^no feet found"):
            measure_photo(path, camera=profile_of(scene), **kw)


def test_heel_cut_off_only_when_its_outline_runs_into_the_border(head_side, tmp_path):
    """The same photo cropped through one heel (keeping the board), the intrinsics moved with the crop."""
    from legcheck._cv import cv2
    from legcheck.vision.camera import CameraProfile

    scene, path, truth = head_side
    img = cv2().imread(str(path))
    board_x = project_table(np.array([[126.0, -90.0, 0.0]]), scene.board2cam(), scene.K, np.asarray(scene.dist))[0, 0]
    heel_x = {s: truth["landmarks"][s]["outline"]["px"][0] for s in ("left", "right")}
    # The heel farther from the board across the photo is cut, through its middle.
    side = max(heel_x, key=lambda s: abs(heel_x[s] - board_x))
    x = int(heel_x[side])
    K = scene.K.copy()
    if heel_x[side] < board_x:
        crop = np.ascontiguousarray(img[:, x:])
        K[0, 2] -= x
    else:
        crop = np.ascontiguousarray(img[:, :x])
    out = tmp_path / "cropped.png"
    cv2().imwrite(str(out), crop)
    prof = CameraProfile.from_arrays((crop.shape[1], crop.shape[0]), K, np.asarray(scene.dist))
    with pytest.raises(HeelNotFoundError, match="heel is cut off by the edge of the photo"):
        measure_photo(out, camera=prof)


def test_board_turned_round_measures_the_patient(scenes):
    """HEAD arrow towards the feet: the feet are found where they are, the short leg is the patient's."""
    scene = drop_scene(1077, board_angle_deg=(178.0, 182.0))
    path, truth = scenes.get("drop_1077_turned", scene)
    m = measure_photo(path, camera=profile_of(scene)).measurement
    ref = clicked(path, scene, truth)
    assert abs(m.lld_mm - ref.lld_mm) < 1.0
    assert np.sign(m.lld_mm) == np.sign(truth["lld_mm"]) or abs(truth["lld_mm"]) < m.uncertainty_mm
    assert any("turned round" in w for w in m.warnings)


def test_cli_rough_points_and_their_errors(head_side, tmp_path):
    scene, path, truth = head_side
    prof = tmp_path / "cam.json"
    profile_of(scene).save(prof)
    px = {s: truth["landmarks"][s]["outline"]["px"] for s in ("left", "right")}
    run = lambda *a: CliRunner().invoke(cli, [str(v) for v in a])  # noqa: E731
    res = run("measure", path, "--camera", prof, "--near-left", f"{px['left'][0] + 8:.1f},{px['left'][1] + 6:.1f}",
              "--near-right", f"{px['right'][0] - 6:.1f},{px['right'][1] + 8:.1f}", "--json", "--no-annotate")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["method"] == "contour" and d["assisted"] is True
    assert run("measure", path, "--near-left", "10,10").exit_code == 2
    assert run("measure", path, "--near-left", "10,10", "--near-right", "20,20", "--method", "tabs").exit_code == 2
    assert run("measure", path, "--near-left", "10,10", "--near-right", "20,20", "--left-heel", "1,1",
               "--right-heel", "2,2").exit_code == 2
    res = run("measure", path, "--near-left", "99999,5", "--near-right", "10,10")
    assert res.exit_code == 2 and "outside" in res.output  # a bad argument, not a heel not found


def test_measure_options_carry_rough_points(head_side):
    """The web app feature-detects MeasureOptions.near_left_px and sends taps there."""
    from legcheck.pipeline import MeasureOptions, measure_with

    scene, path, truth = head_side
    px = {s: truth["landmarks"][s]["outline"]["px"] for s in ("left", "right")}
    opts = MeasureOptions(camera=profile_of(scene), near_left_px=tuple(px["left"]), near_right_px=tuple(px["right"]))
    m = measure_with(path, opts).measurement
    assert m.assisted and m.method == "contour"
    assert replace(opts, near_left_px=None, near_right_px=None).near_left_px is None
