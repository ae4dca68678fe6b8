"""The command line: every exit code triggered by a real bad file, one-line errors, JSON errors,
nothing half-written, rotated/resized photos measured with adapted intrinsics."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from click.testing import CliRunner
from PIL import Image

from legcheck.vision.camera import CameraProfile
from legcheck.cli import cli
from legcheck.synth.render import TabPlacement

from conftest import profile_of, small_scene


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_error(res, code, words):
    assert res.exit_code == code, res.output
    err_lines = [l for l in res.output.splitlines() if l.startswith("legcheck: error:")]
    assert len(err_lines) == 1 and words in err_lines[0].lower(), res.output
    assert "Traceback" not in res.output


@pytest.fixture(scope="module")
def profile_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prof") / "cam.json"
    profile_of(small_scene()).save(path)
    return path


def test_measure_prints_one_line_and_writes_annotation(basic, tmp_path, profile_file):
    scene, path, truth = basic
    ann = tmp_path / "ann.png"
    res = run("measure", path, "--camera", profile_file, "--annotate", ann)
    assert res.exit_code == 0, res.output
    line = res.stdout.strip()
    assert line.startswith("Left leg short by ") and line.endswith("heel tabs)")
    value = float(line.split("by ")[1].split(" mm")[0])
    assert value == pytest.approx(abs(truth["lld_mm"]), abs=0.3)
    img = Image.open(ann)
    assert max(img.size) == 1600  # 2 MP photo kept at its own size (capped at 2000 px)


def test_measure_json_matches_truth(basic, profile_file):
    scene, path, truth = basic
    res = run("measure", path, "--camera", profile_file, "--json", "--no-annotate")
    assert res.exit_code == 0
    d = json.loads(res.stdout)
    assert abs(d["lld_mm"] - truth["lld_mm"]) <= d["uncertainty_mm"]
    assert d["camera_source"] == "profile" and d["short_leg"] == "left"


def test_board_squared_drops_the_assumed_turn(basic, profile_file):
    scene, path, truth = basic
    plain = run("measure", path, "--camera", profile_file, "--json", "--no-annotate")
    squared = run("measure", path, "--camera", profile_file, "--json", "--no-annotate", "--board-squared")
    assert plain.exit_code == 0 and squared.exit_code == 0, squared.output
    a, b = json.loads(plain.stdout), json.loads(squared.stdout)
    assert a["table_axis"]["source"] == b["table_axis"]["source"] == "board"
    assert a["table_axis"]["sigma_deg"] > 0 and b["table_axis"]["sigma_deg"] == 0
    assert b["uncertainty_mm"] < a["uncertainty_mm"] and b["lld_mm"] == a["lld_mm"]
    assert "no table edge found" in plain.stderr and "no table edge found" not in squared.stderr


@pytest.mark.parametrize("kind", ["text", "zero", "truncated", "truncated_closed", "huge"])
def test_exit_3_unreadable(kind, basic, tmp_path):
    _, good, _ = basic
    p = tmp_path / f"bad_{kind}.jpg"
    if kind == "text":
        p.write_text("these are notes, not a photo\n")
    elif kind == "zero":
        p.write_bytes(b"")
    elif kind == "truncated":
        data = good.read_bytes()
        p.write_bytes(data[: len(data) * 2 // 3])
    elif kind == "truncated_closed":  # cut short and closed with an end-of-image marker: decodes "fine"
        data = good.read_bytes()
        p.write_bytes(data[: len(data) * 2 // 3] + b"\xff\xd9")
    else:  # 108 megapixels, 1-bit: a tiny file that would decode to 324 MB
        p = tmp_path / "huge.png"
        Image.new("1", (12000, 9000)).save(p)
        assert p.stat().st_size < 2_000_000
    res = run("measure", p, "--json")
    assert res.exit_code == 3, res.output
    err = json.loads(res.stdout)["error"]
    assert err["code"] == "image_unreadable" and err["exit_code"] == 3
    words = {"text": "not a jpeg", "zero": "empty", "truncated": "truncated", "truncated_closed": "truncated",
             "huge": "100-megapixel"}[kind]
    assert words in err["message"].lower()
    assert_error(run("measure", p), 3, words)
    assert not list(tmp_path.glob("*.annotated.*"))


def test_symlink_loop_is_named(tmp_path):
    (tmp_path / "a.jpg").symlink_to(tmp_path / "b.jpg")
    (tmp_path / "b.jpg").symlink_to(tmp_path / "a.jpg")
    res = run("measure", tmp_path / "a.jpg")
    assert res.exit_code == 14 and "loop" in res.output, res.output


def test_exit_3_heic_without_extra(tmp_path):
    p = tmp_path / "IMG_0001.HEIC"
    p.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    res = run("measure", p)
    assert res.exit_code == 3
    assert "heic" in res.output.lower()


def test_exit_4_no_board(scenes, tmp_path):
    path, _ = scenes.get("noboard", small_scene(show_board=False))
    assert_error(run("measure", path), 4, "board")
    assert not path.with_name(path.stem + ".annotated.jpg").exists()


def test_exit_5_tab_missing(scenes):
    path, _ = scenes.get("onetab", small_scene(show_tabs=("left",)))
    res = run("measure", path)
    assert_error(res, 5, "right")


def test_exit_5_tab_duplicated(scenes):
    path, _ = scenes.get("twoleft", small_scene(marker_ids={"right": 40}))
    assert_error(run("measure", path), 5, "left")


def test_exit_6_invalid_profile(basic, tmp_path):
    _, path, _ = basic
    bad = tmp_path / "cam.json"
    bad.write_text('{"kind": "legcheck-camera-profile", "camera_matrix": "oops"}')
    assert_error(run("measure", path, "--camera", bad), 6, "profile")
    assert_error(run("measure", path, "--camera", tmp_path / "missing.json"), 6, "not found")


def test_exit_6_cropped_photo(basic, tmp_path, profile_file):
    _, path, _ = basic
    img = Image.open(path)
    crop = tmp_path / "crop.jpg"
    img.crop((0, 0, 1400, 1200)).save(crop, quality=92)
    assert_error(run("measure", crop, "--camera", profile_file), 6, "aspect ratio")


def test_exit_6_other_camera_by_exif(scenes, tmp_path):
    scene = small_scene(seed=11)
    path, _ = scenes.get("exif_acme", scene, exif={0x010F: "Acme", 0x0110: "Phone 9"})
    prof = replace(profile_of(scene), make="Other", model="Cam 2")
    pf = tmp_path / "other.json"
    prof.save(pf)
    assert_error(run("measure", path, "--camera", pf), 6, "acme phone 9")
    ok = tmp_path / "acme.json"
    replace(prof, make="Acme", model="Phone 9").save(ok)
    assert run("measure", path, "--camera", ok, "--no-annotate").exit_code == 0


def test_exit_6_other_camera_by_fit(basic, tmp_path):
    scene, path, _ = basic
    wrong = CameraProfile.from_arrays((scene.width, scene.height), scene.K * [[0.6], [0.6], [1]], (0.35, 0.2, 0, 0, 0))
    pf = tmp_path / "wrong.json"
    wrong.save(pf)
    assert_error(run("measure", path, "--camera", pf), 6, "does not fit")


def test_exif_rotated_photo_uses_rotated_intrinsics(scenes, tmp_path):
    """Portrait photo stored as landscape sensor pixels with EXIF orientation 6."""
    landscape = small_scene()
    sensor = profile_of(landscape)
    portrait_K = sensor.reoriented(6).K
    scene = small_scene(width=1200, height=1600, focal_px=portrait_K[0, 0],
                        principal_px=(portrait_K[0, 2], portrait_K[1, 2]), roll_deg=0.0, seed=21,
                        left_tab=TabPlacement((60.0, 85.0, 100.0), tilt_deg=20),
                        right_tab=TabPlacement((190.0, 91.0, 90.0), tilt_deg=20))
    path, truth = scenes.get("exif6", scene, stored_orientation=6)
    with Image.open(path) as im:
        assert im.size == (1600, 1200)  # stored sideways
    pf = tmp_path / "landscape.json"
    sensor.save(pf)
    d = json.loads(run("measure", path, "--camera", pf, "--json", "--no-annotate").stdout)
    assert (d["image"]["width"], d["image"]["height"]) == (1200, 1600)
    assert abs(d["lld_mm"] - truth["lld_mm"]) <= d["uncertainty_mm"]
    assert d["lld_mm"] == pytest.approx(-6.0, abs=0.5)


def test_resized_photo_uses_scaled_intrinsics(basic, tmp_path, profile_file):
    scene, path, truth = basic
    img = Image.open(path)
    small = tmp_path / "half.jpg"
    img.resize((1200, 900), Image.LANCZOS).save(small, quality=95)
    d = json.loads(run("measure", small, "--camera", profile_file, "--json", "--no-annotate").stdout)
    assert d["camera_source"] == "profile"
    assert abs(d["lld_mm"] - truth["lld_mm"]) <= d["uncertainty_mm"]


def test_non_ascii_path(basic, tmp_path, profile_file):
    _, path, truth = basic
    p = tmp_path / "Pátient_Zoë_足跟.jpg"
    shutil.copy(path, p)
    d = json.loads(run("measure", p, "--camera", profile_file, "--json").stdout)
    assert d["lld_mm"] == pytest.approx(truth["lld_mm"], abs=d["uncertainty_mm"])
    assert (tmp_path / "Pátient_Zoë_足跟.annotated.jpg").exists()


def test_help_is_light():
    """`legcheck --help` must not import OpenCV or matplotlib."""
    import subprocess
    import sys

    code = ("import sys; from legcheck.cli import cli\n"
            "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY' if any(m in sys.modules for m in ('cv2', 'matplotlib', 'numpy')) else 'LIGHT')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip().endswith("LIGHT")
