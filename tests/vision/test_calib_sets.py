"""Calibration sets rendered with planted faults: each gets its named warning, the stated standard
deviations cover the true error, and measurements made with the faulty profiles keep their coverage."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck._cv import cv2
from legcheck.cli import cli
from legcheck.errors import CalibrationError
from legcheck.measure.measurement import RECALIBRATE_ADVICE
from legcheck.pipeline import measure_photo
from legcheck.synth.calibration_sets import (EXIF_CAMERA, EXPECTED_REFUSAL, EXPECTED_WARNING, KINDS, calibration_scenes,
                                             coverage_summary, measurement_coverage, set_report, true_camera,
                                             truth_in_frame_of, write_calibration_set)
from legcheck.synth.render import write_scene
from legcheck.vision.calibrate import calibrate_photos, save_calibration
from legcheck.vision.camera import CameraProfile

#: Fewer resamples than the default keep the tests quick; the spread is then ~11 % noisier.
RESAMPLES = 40


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """Every kind of set, 9 photos at 2 MP (the identical kind has 5), calibrated once."""
    root = tmp_path_factory.mktemp("calsets")
    out = {}
    for kind in KINDS:
        cs = write_calibration_set(kind, root / kind, n_views=9, seed=0)
        try:
            out[kind] = (cs, calibrate_photos(list(cs.paths), name=kind, resamples=RESAMPLES))
        except CalibrationError as exc:
            out[kind] = (cs, exc)
    return out


def _profiles(calibrated):
    return {k: v for k, v in calibrated.items() if k not in EXPECTED_REFUSAL}


def test_each_planted_fault_gets_its_named_warning(calibrated):
    codes = {kind: [w.code for w in res.warnings] for kind, (_, res) in _profiles(calibrated).items()}
    for kind, code in EXPECTED_WARNING.items():
        assert code in codes[kind], (kind, codes[kind])
    # The clean set raises nothing; the faults that make a profile untrustworthy grade it poor.
    assert codes["clean"] == [] and calibrated["clean"][1].grade == "good"
    for kind in ("wide_print", "centre"):
        assert calibrated[kind][1].grade == "poor", (kind, codes[kind])
    assert "aspect_ratio" not in codes["clean"] + codes["mixed_orientation"]
    # Five near-identical photos are one distinct view: refused, naming them.
    exc = calibrated["identical"][1]
    assert isinstance(exc, CalibrationError) and exc.exit_code == 7
    assert "only 1 distinct views among 5" in exc.message and "identical_0_00.jpg, identical_0_01.jpg" in exc.message


def test_stated_std_covers_the_true_error(calibrated):
    rows, sets = [], []
    for cs, res in _profiles(calibrated).values():
        r, s = set_report(cs, res)
        rows += r
        sets.append(s)
    summary = coverage_summary(rows, sets)
    assert len(rows) == 9 * (len(KINDS) - len(EXPECTED_REFUSAL))
    assert summary["coverage"] >= 0.9, [(r["kind"], r["param"], round(r["z"], 2)) for r in rows if abs(r["z"]) > 2]
    # Honest, not merely wide: the clean set's focal length is right to 0.3 % and stated to better than 0.3 %.
    clean = {r["param"]: r for r in rows if r["kind"] == "clean"}
    assert abs(clean["fx"]["estimate"] / clean["fx"]["true"] - 1) < 0.003
    assert clean["fx"]["std"] < 0.003 * clean["fx"]["true"]
    # The wide print's focal lengths are widened by the fx/fy misfit (about 3 %), and the square-pixel
    # reading of its photos finds the print's true stretch.
    wide = {r["param"]: r for r in rows if r["kind"] == "wide_print"}
    assert wide["fx"]["std"] > 0.02 * wide["fx"]["true"]
    res = calibrated["wide_print"][1]
    assert res.profile.extra["uncertainty"]["board_print_ratio"] == pytest.approx(1.03, abs=0.003)
    assert "printed 3.0 % wider than tall" in [w.message for w in res.warnings if w.code == "aspect_ratio"][0]


def test_mixed_orientations_calibrate_in_the_sensor_frame(calibrated):
    cs, res = calibrated["mixed_orientation"]
    p = res.profile
    # The first photo is portrait (EXIF 6): the profile is written in its displayed frame.
    assert p.orientation == 6 and p.image_size == (1200, 1600)
    truth = truth_in_frame_of(cs.truth, p)
    assert np.allclose(p.params()[:4], truth.params()[:4], atol=4.0)
    assert p.n_views >= 8
    assert (p.make, p.model) == EXIF_CAMERA


def test_profile_json_and_coverage_picture(calibrated, tmp_path):
    _, res = calibrated["centre"]
    path, png = save_calibration(res, tmp_path / "centre.json")
    d = json.loads(path.read_text())
    assert d["version"] == 2 and d["quality"]["grade"] == "poor"
    assert "frame_coverage" in [w["code"] for w in d["quality"]["warnings"]]
    assert np.array(d["covariance"]).shape == (9, 9) and d["covariance_params"][0] == "fx"
    u = d["uncertainty"]
    assert all(s >= max(a, b) * 0.999 for s, a, b in zip(u["stated_std"], u["opencv_std"], u["bootstrap_std"]))
    assert u["bootstrap_resamples"] == RESAMPLES
    assert d["coverage"]["png"] == png.name and "top-left" in d["coverage"]["uncovered"]
    back = CameraProfile.load(path)
    assert np.allclose(back.intrinsics_covariance(), res.profile.intrinsics_covariance())
    img = cv2().imread(str(png))
    assert img is not None and img.shape[1] == 900
    # The top-left ninth is tinted as needing photos; the centre ninth (which has corners) is not.
    top = 34
    assert tuple(img[top + 60, 60]) == (215, 215, 255)
    assert tuple(img[top + 338, 450]) != (215, 215, 255)
    text = res.summary()
    assert "grade: POOR" in text and "no corners in the top-left" in text and "[frame_coverage]" in text


def test_photos_of_two_cameras_refused_naming_the_odd_ones(calibrated, tmp_path):
    cs, _ = calibrated["clean"]
    scenes, _ = calibration_scenes("clean", 2, seed=5)
    other = tmp_path / "other_model.jpg"
    write_scene(scenes[0][0], other, exif={0x010F: "Acme", 0x0110: "Phone 2"})
    small = tmp_path / "other_size.jpg"
    s = scenes[1][0]
    write_scene(replace(s, width=1280, height=960, focal_px=s.focal_px * 0.8, principal_px=None), small)
    with pytest.raises(CalibrationError) as exc:
        calibrate_photos(list(cs.paths) + [other, small], resamples=RESAMPLES)
    assert exc.value.exit_code == 7
    msg = exc.value.message
    assert "other_model.jpg ('Acme Phone 2')" in msg and "other_size.jpg (1280x960)" in msg
    assert "clean_0_00.jpg" not in msg


def test_measurements_with_faulty_profiles_keep_coverage(calibrated, tmp_path):
    profiles = {k: calibrated[k][1].profile for k in ("clean", "wide_print", "centre", "mixed_orientation")}
    res = measurement_coverage(profiles, true_camera(), tmp_path, n_scenes=4, seed=3)
    measured = [r for r in res["rows"] if "covered" in r]
    assert len(measured) >= 12
    assert res["coverage"] >= 0.9, [r for r in measured if not r["covered"]]
    share = {k: np.median([r["profile_share"] for r in measured if r["profile"] == k]) for k in profiles}
    # A good profile adds little to the bound; a poor one most of it.
    assert share["clean"] < 0.3 and share["wide_print"] > 0.5


def test_calibrate_command_prints_grade_and_writes_the_picture(calibrated, tmp_path):
    cs, _ = calibrated["offcentre"]
    out = tmp_path / "phone.json"
    res = CliRunner().invoke(cli, ["calibrate", *map(str, cs.paths), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Camera profile grade: USABLE" in res.output and "[principal_point]" in res.output
    assert (tmp_path / "phone-coverage.png").exists()
    again = CliRunner().invoke(cli, ["calibrate", *map(str, cs.paths), "--out", str(out), "--json"])
    assert again.exit_code == 9 and "--force" in again.output  # the profile just written is never replaced unasked
    res = CliRunner().invoke(cli, ["calibrate", *map(str, cs.paths), "--out", str(out), "--json", "--force"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output.strip().splitlines()[-1])
    assert d["grade"] == "usable" and [w["code"] for w in d["warnings"]] == ["principal_point"]
    assert d["coverage_png"].endswith("phone-coverage.png") and set(d["std"]) >= {"fx", "k3"}


def test_a_wide_bound_from_a_poor_profile_names_the_profile_not_the_view(calibrated, tmp_path):
    """A profile graded POOR made most of a wide bound, and the advice said to retake the photo from higher."""
    cs, res = calibrated["wide_print"]
    assert res.grade == "poor"
    measurement_coverage({"wide_print": res.profile}, true_camera(), tmp_path, n_scenes=2, seed=3)
    m = measure_photo(tmp_path / "heels_3_01.jpg", camera=res.profile).measurement
    assert m.uncertainty_mm > 2.0 and m.details["profile_share"] > 0.5
    wide = [w for w in m.warnings if w.startswith("the uncertainty is large")]
    part = m.details["uncertainty_from_profile_mm"]
    assert wide == [f"the uncertainty is large (± {m.uncertainty_mm:.1f} mm), ± {part:.1f} mm of it from the camera "
                    f"profile; {RECALIBRATE_ADVICE}"], m.warnings
    assert not any("directly above" in w or "closer" in w for w in m.warnings)
