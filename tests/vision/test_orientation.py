"""EXIF orientation is applied to the pixels the same way for JPEG and PNG; HEIC keeps its EXIF; a mirroring
tag on the camera's own pixels is undone (no board can be read mirrored)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from legcheck._cv import cv2
from legcheck.pipeline import annotate, measure_photo
from legcheck.synth.render import TabPlacement, render
from legcheck.records.photos import clean_bytes
from legcheck.vision.imageio import PhotoBytes, load_photo

from conftest import profile_of, small_scene

#: The stored pixels that EXIF orientation o displays as the upright image (inverse of each turn).
STORE = {1: lambda a: a, 2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
         5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, 1), 7: lambda a: a.swapaxes(0, 1)[::-1, ::-1],
         8: lambda a: np.rot90(a, -1)}


def _exif(orientation, more=None):
    ex = Image.Exif()
    ex[0x0112] = orientation
    for k, v in (more or {}).items():
        ex[k] = v
    return ex


def _save(bgr_upright, path, orientation, fmt, exif=None):
    stored = np.ascontiguousarray(STORE[orientation](bgr_upright))
    Image.fromarray(stored[:, :, ::-1]).save(path, format=fmt, exif=(exif or _exif(orientation)).tobytes(),
                                              **({"quality": 95} if fmt == "JPEG" else {}))
    return path


@pytest.fixture(scope="module")
def upright():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    img[:10, :20] = 255  # a white block top-left, so any turn shows
    return img


@pytest.mark.parametrize("orientation", range(1, 9))
def test_png_pixels_turned_upright(tmp_path, upright, orientation):
    photo = load_photo(_save(upright, tmp_path / "o.png", orientation, "PNG"))
    assert photo.exif.orientation == orientation
    assert np.array_equal(photo.pixels, upright)  # lossless: exactly the upright image


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_pixels_turned_as_opencv_does(tmp_path, upright, orientation):
    path = _save(upright, tmp_path / "o.jpg", orientation, "JPEG")
    ours = load_photo(path).pixels
    assert ours.shape == upright.shape
    assert np.array_equal(ours, cv2().imread(str(path), cv2().IMREAD_COLOR))  # OpenCV's own EXIF handling


@pytest.fixture(scope="module")
def portrait():
    """A portrait photo of the table (1200x1600 displayed), and the phone's landscape sensor profile."""
    sensor = profile_of(small_scene())
    K = sensor.reoriented(6).K
    scene = small_scene(width=1200, height=1600, focal_px=K[0, 0], principal_px=(K[0, 2], K[1, 2]), seed=21,
                        left_tab=TabPlacement((60.0, 85.0, 100.0), tilt_deg=20),
                        right_tab=TabPlacement((190.0, 91.0, 90.0), tilt_deg=20))
    return scene, render(scene), sensor


def test_png_orientation_3_measured_like_the_upright_photo(tmp_path, basic):
    scene, jpg, truth = basic
    bgr = cv2().imread(str(jpg))
    up = load_photo(_save(bgr, tmp_path / "up.png", 1, "PNG"))
    turned = _save(bgr, tmp_path / "turned.png", 3, "PNG")
    assert np.array_equal(load_photo(turned).pixels, up.pixels)
    a = measure_photo(tmp_path / "up.png", camera=profile_of(scene)).measurement
    b = measure_photo(turned, camera=profile_of(scene)).measurement
    assert b.lld_mm == pytest.approx(a.lld_mm, abs=0.02)
    assert abs(b.lld_mm - truth["lld_mm"]) <= b.uncertainty_mm


def test_png_orientation_6_measured_with_the_sensor_profile(tmp_path, portrait):
    scene, bgr, sensor = portrait
    path = _save(bgr, tmp_path / "portrait.png", 6, "PNG")
    with Image.open(path) as im:
        assert im.size == (1600, 1200)  # stored sideways, as the sensor wrote it
    m = measure_photo(path, camera=sensor).measurement
    assert (m.image["width"], m.image["height"]) == (1200, 1600)
    assert abs(m.lld_mm - scene.truth()["lld_mm"]) <= m.uncertainty_mm
    assert m.lld_mm == pytest.approx(-6.0, abs=0.5)
    assert not any("rotated without an EXIF tag" in w for w in m.warnings)


def test_heic_exif_read_on_the_first_load(tmp_path, portrait):
    """In a fresh process: the first HEIC loaded keeps its orientation, camera and focal length."""
    pillow_heif = pytest.importorskip("pillow_heif", reason="the optional 'heic' extra is not installed",
                                      exc_type=ImportError)
    pillow_heif.register_heif_opener()
    scene, bgr, sensor = portrait
    path = tmp_path / "IMG_0001.HEIC"
    ex = _exif(6, {0x010F: "Acme", 0x0110: "Phone 9"})
    ex.get_ifd(0x8769)[0xA405] = 26
    stored = np.ascontiguousarray(STORE[6](bgr))
    buf = io.BytesIO()
    Image.fromarray(stored[:, :, ::-1]).save(buf, format="HEIF", exif=ex.tobytes(), quality=95)
    path.write_bytes(buf.getvalue())
    code = ("import json, sys; from legcheck.vision.imageio import load_photo\n"
            f"p = load_photo({str(path)!r}); e = p.exif\n"
            "print(json.dumps([e.camera_name, e.focal_35mm, e.orientation, list(e.raw_size), [p.width, p.height]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["Acme Phone 9", 26.0, 6, [1600, 1200], [1200, 1600]]
    sensor = replace(sensor, make="Acme", model="Phone 9")
    m = measure_photo(path, camera=sensor).measurement
    assert abs(m.lld_mm - scene.truth()["lld_mm"]) <= m.uncertainty_mm


@pytest.fixture(scope="module")
def camera_png(basic, tmp_path_factory):
    """The basic render's pixels, losslessly, as the camera took them (orientation 1)."""
    scene, jpg, _ = basic
    path = tmp_path_factory.mktemp("mirror") / "camera.png"
    Image.open(jpg).save(path, format="PNG")
    return scene, path, measure_photo(path, camera=profile_of(scene)).measurement


@pytest.mark.parametrize("orientation", [2, 4, 5, 7])
def test_mirroring_tag_on_the_cameras_pixels_is_measured_unmirrored(tmp_path, camera_png, orientation):
    """A tag that mirrors the camera's pixels (exiftool -Orientation=2 on a photo) gave "board not found"."""
    scene, path, upright_m = camera_png
    tagged = tmp_path / f"o{orientation}.png"
    with Image.open(path) as im:
        im.save(tagged, format="PNG", exif=_exif(orientation).tobytes())  # the same pixels, only the tag added
    m = measure_photo(tagged, camera=profile_of(scene)).measurement
    assert m.lld_mm == pytest.approx(upright_m.lld_mm, abs=0.1)
    assert m.image["orientation"] == orientation  # the file's tag is what is recorded (and stored)
    assert any(w.startswith(f"the photo's EXIF orientation ({orientation}) shows it mirrored") for w in m.warnings)
    # Stored photos keep pixels and orientation only: measured again from them, the same figure.
    stored = clean_bytes(tagged.read_bytes(), orientation)
    again = measure_photo(PhotoBytes(stored, "stored.png"), camera=profile_of(scene)).measurement
    assert again.lld_mm == pytest.approx(m.lld_mm, abs=1e-6)


def test_points_on_an_unmirrored_photo_are_read_on_it(tmp_path, camera_png):
    """Heel points on a photo measured unmirrored are read on the unmirrored photo, as its annotated copy shows it."""
    scene, path, _ = camera_png
    outlines = measure_photo(path, camera=profile_of(scene)).outlines
    centres = {s: outlines[s].mean(axis=0) for s in ("left", "right")}
    tagged = tmp_path / "o2.png"
    with Image.open(path) as im:
        im.save(tagged, format="PNG", exif=_exif(2).tobytes())
    points = dict(left_heel_px=tuple(centres["left"]), right_heel_px=tuple(centres["right"]), snap=False)
    upright_m = measure_photo(path, camera=profile_of(scene), **points).measurement
    result = measure_photo(tagged, camera=profile_of(scene), **points)
    assert result.measurement.lld_mm == pytest.approx(upright_m.lld_mm, abs=0.1)
    out = tmp_path / "annotated.png"
    annotate(result, out)
    drawn = cv2().imread(str(out))
    assert drawn.shape == cv2().imread(str(path)).shape and result.photo.mirrored_from == 2
    # The copy is the unmirrored photo (the camera's pixels), not the mirrored display: it matches the
    # camera's photo away from the drawing far better than its mirror image.
    cam = cv2().imread(str(path)).astype(int)
    assert np.median(np.abs(drawn.astype(int) - cam)) < np.median(np.abs(drawn.astype(int) - cam[:, ::-1]))
