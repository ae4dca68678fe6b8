"""What calibration refuses or discounts: copies of a photo, near-identical frames, photos of another lens,
photos where the pattern is not found (with advice), and a result that is no camera."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.errors import CalibrationError, CameraProfileError, PatternNotFoundError
from legcheck.synth.calibration_sets import EXIF_CAMERA, calibration_scenes
from legcheck.synth.render import write_scene
from legcheck.vision.calibrate import calibrate_photos
from legcheck.vision.camera import CameraProfile
from legcheck.vision.camera_checks import camera_problem

RESAMPLES = 40
EXIF = {0x010F: EXIF_CAMERA[0], 0x0110: EXIF_CAMERA[1]}


@pytest.fixture(scope="module")
def six(tmp_path_factory):
    """Six distinct clean views, each also re-shot (same pose, fresh sensor noise), and the true camera."""
    root = tmp_path_factory.mktemp("six")
    scenes, truth = calibration_scenes("clean", 6, seed=2)
    base, twins = [], []
    for i, (sc, o) in enumerate(scenes):
        base.append(root / f"v{i}.jpg")
        write_scene(sc, base[-1], exif=EXIF, stored_orientation=o)
        twins.append(root / f"v{i}_again.jpg")
        write_scene(replace(sc, seed=sc.seed + 1000), twins[-1], exif=EXIF, stored_orientation=o)
    return base, twins, truth, calibrate_photos(base, resamples=RESAMPLES)


def test_the_same_file_twice_is_counted_once(six, tmp_path):
    base, _, _, alone = six
    copies = []
    for p in base[:3]:
        copies.append(tmp_path / f"copy_of_{p.name}")
        shutil.copy(p, copies[-1])
    res = calibrate_photos(base + copies, resamples=RESAMPLES)
    assert res.profile.n_views == 6
    dup = [w for w in res.warnings if w.code == "duplicate_photos"]
    assert len(dup) == 1 and "copy_of_v0.jpg (= v0.jpg)" in dup[0].message
    # Exactly the calibration of the six: same values, same stated spread.
    assert np.allclose(res.profile.K, alone.profile.K) and np.allclose(res.profile.std_intrinsics,
                                                                         alone.profile.std_intrinsics)
    assert [v.used for v in res.views].count(False) == 3


def test_near_identical_frames_count_as_one_view(six):
    base, twins, truth, alone = six
    res = calibrate_photos(base + twins, resamples=RESAMPLES)
    codes = {w.code: w for w in res.warnings}
    assert "similar_views" in codes and "6 distinct views among 12" in codes["few_views"].message
    assert res.profile.extra["uncertainty"]["distinct_views"] == 6
    # Twelve photos of six poses know the camera no better than six: the stated spread does not shrink
    # by 1/sqrt(2) (0.71), and it still covers the true error.
    ratio = np.array(res.profile.std_intrinsics) / np.array(alone.profile.std_intrinsics)
    assert np.all(ratio > 0.85), ratio
    err = np.abs(res.profile.params()[:4] - truth.params()[:4])
    assert np.all(err <= 2 * np.array(res.profile.std_intrinsics)), (err, res.profile.std_intrinsics)


def test_photos_of_another_lens_are_refused_naming_them(tmp_path):
    scenes, _ = calibration_scenes("clean", 2, seed=9)
    tele = tmp_path / "tele.jpg"
    write_scene(scenes[0][0], tele, exif={**EXIF, "exif": {0xA405: 77}})
    main = {**EXIF, "exif": {0xA405: 26}}
    paths = []
    for i, (sc, o) in enumerate(calibration_scenes("clean", 6, seed=2)[0]):
        paths.append(tmp_path / f"main{i}.jpg")
        write_scene(sc, paths[-1], exif=main, stored_orientation=o)
    with pytest.raises(CalibrationError) as exc:
        calibrate_photos(paths + [tele], resamples=RESAMPLES)
    msg = exc.value.message
    assert exc.value.exit_code == 7 and "tele.jpg (lens a lens (77 mm-equivalent))" in msg
    assert "6 of 7 are" in msg and "main0.jpg" not in msg


def test_no_pattern_found_says_what_to_check(six, tmp_path):
    base, _, _, _ = six
    out = tmp_path / "p.json"
    with pytest.raises(PatternNotFoundError) as exc:
        calibrate_photos(base[:5], chessboard=(9, 6), square_mm=25.0)
    assert exc.value.exit_code == 7 and "inner corners" in exc.value.message and "light" in exc.value.message
    res = CliRunner().invoke(cli, ["calibrate", *map(str, base[:5]), "--out", str(out), "--dictionary", "DICT_4X4_1000"])
    assert res.exit_code == 7, res.output
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("legcheck: error: no photo shows the ChArUco board")
    for words in ("DICT_4X4_1000", "legacy", "--dictionary", "--legacy-board", "light"):
        assert words in last, last
    assert sum("not used - pattern not found" in ln for ln in res.stderr.splitlines()) == 5
    assert not out.exists()


def test_a_calibration_that_is_no_camera_is_not_written():
    K = np.array([[1250.0, 0, 800], [0, 1250.0, 600], [0, 0, 1]])
    cov = np.diag([200.0 ** 2, 200.0 ** 2, 4.0, 4.0, 1e-6, 1e-6, 1e-8, 1e-8, 1e-6])  # fx +/- 16 %
    problem = camera_problem((1600, 1200), K, np.zeros(5), cov=cov)
    assert "implausibly large" in problem and "+/- 16 %" in problem
    assert camera_problem((1600, 1200), K, np.zeros(5), cov=np.diag([100.0] * 4 + [1e-6] * 5)) == ""
    # measure refuses to load such a profile, with the same words.
    text = json.dumps(CameraProfile.from_arrays((1600, 1200), K, np.zeros(5), covariance=tuple(cov.ravel())).to_json())
    with pytest.raises(CameraProfileError, match="implausibly large"):
        CameraProfile.from_text(text, "p.json")
