"""A photo of another size than its camera profile: measured as a resize only when the board confirms it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from legcheck._cv import cv2
from legcheck.cli import cli
from legcheck.errors import CameraProfileError
from legcheck.pipeline import measure_photo
from legcheck.synth.render import TabPlacement, encode_jpeg
from legcheck.vision.camera import CameraProfile

from conftest import profile_of, small_scene

REPO = Path(__file__).resolve().parents[2]


def _scene(elevation):
    return small_scene(elevation_deg=elevation, target_mm=(126.0, -20.0, 40.0), dist=(0.05, -0.02, 0, 0, 0),
                       left_tab=TabPlacement((50.0, 80.0, 95.0), tilt_deg=25, yaw_deg=5),
                       right_tab=TabPlacement((205.0, 76.0, 110.0), tilt_deg=15, yaw_deg=-8))


def _edit(src, dst, frac, kind, origin="centre", exif=None):
    img = cv2().imread(str(src))
    H, W = img.shape[:2]
    w, h = round(W * frac), round(H * frac)
    x0, y0 = ((W - w) // 2, (H - h) // 2) if origin == "centre" else (0, 0)
    out = img[y0:y0 + h, x0:x0 + w] if kind == "crop" else cv2().resize(img, (w, h), interpolation=cv2().INTER_AREA)
    Path(dst).write_bytes(encode_jpeg(out, 92, exif))
    return dst


@pytest.mark.parametrize("elevation", [60.0, 75.0])
@pytest.mark.parametrize("frac", [0.9, 0.7])
def test_centre_crop_refused_resize_measured(scenes, tmp_path, elevation, frac):
    scene = _scene(elevation)
    path, truth = scenes.get(f"cropfit_{elevation}", scene)
    prof = profile_of(scene)
    crop = _edit(path, tmp_path / "crop.jpg", frac, "crop")
    with pytest.raises(CameraProfileError, match="the photo looks cropped"):
        measure_photo(crop, camera=prof)
    resized = _edit(path, tmp_path / "resized.jpg", frac, "resize")
    m = measure_photo(resized, camera=prof).measurement
    assert m.camera_source == "profile"
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm


def test_off_centre_crop_refused(scenes, tmp_path):
    scene = _scene(75.0)
    path, _ = scenes.get("cropfit_75.0", scene)
    crop = _edit(path, tmp_path / "corner.jpg", 0.8, "crop", origin="corner")
    with pytest.raises(CameraProfileError, match="looks cropped"):
        measure_photo(crop, camera=profile_of(scene))


def test_overhead_needs_exif_to_tell_a_resize(scenes, tmp_path):
    """From straight above a crop and a resize fit a plane alike: only EXIF's pixel size can vouch for a resize."""
    scene = _scene(88.0)
    path, truth = scenes.get("cropfit_88", scene)
    prof = profile_of(scene)
    plain = _edit(path, tmp_path / "plain.jpg", 0.7, "resize")
    with pytest.raises(CameraProfileError, match="fits a crop as well as a resize"):
        measure_photo(plain, camera=prof)
    # The camera wrote it at this size (EXIF's pixel dimensions are the file's): a resize, measured.
    wrote = _edit(path, tmp_path / "wrote.jpg", 0.7, "resize", exif={"exif": {0xA002: 1120, 0xA003: 840}})
    m = measure_photo(wrote, camera=prof).measurement
    assert abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm
    # EXIF still says the full size: edited after the camera, crop or resize unknown; refused.
    stale = _edit(path, tmp_path / "stale.jpg", 0.7, "resize", exif={"exif": {0xA002: 1600, 0xA003: 1200}})
    with pytest.raises(CameraProfileError, match="looks cropped"):
        measure_photo(stale, camera=prof)
    # Without the profile the same photo is measured (the focal length comes from the board and EXIF).
    assert measure_photo(plain).measurement.camera_source in ("board", "exif")


def test_issue_sample_cropped_70_percent_exits_6(tmp_path):
    """The issue's case: a 70 % centre crop of a sample photo, EXIF kept, measured with the sample profile."""
    src = REPO / "sample_images" / "view70_left_short_3.5mm.jpg"
    from PIL import Image

    with Image.open(src) as im:
        W, H = im.size
        w, h = round(W * 0.7), round(H * 0.7)
        crop = tmp_path / "crop70.jpg"
        im.crop(((W - w) // 2, (H - h) // 2, (W - w) // 2 + w, (H - h) // 2 + h)).save(crop, quality=92,
                                                                                   exif=im.getexif())
    res = CliRunner().invoke(cli, ["measure", str(crop), "--camera", str(REPO / "calibration" / "sample_phone.json"),
                                   "--json", "--no-annotate"])
    assert res.exit_code == 6, res.output
    assert "looks cropped" in json.loads(res.stdout)["error"]["message"]


def test_centre_crop_intrinsics():
    from legcheck.vision.camera_fit import centre_crop_of

    full = CameraProfile.from_arrays((1600, 1200), np.array([[1250.0, 0, 801.0], [0, 1250.0, 598.0], [0, 0, 1]]), None)
    resized = full.scaled(0.7)
    crop = centre_crop_of(resized, 0.7)
    assert crop.K[0, 0] == pytest.approx(1250.0)
    assert crop.K[0, 2] == pytest.approx(801.0 - (1600 - 1120) / 2, abs=1e-9)
    assert crop.K[1, 2] == pytest.approx(598.0 - (1200 - 840) / 2, abs=1e-9)
