"""The photo store on real JPEG and PNG files: metadata gone, orientation kept, pixels untouched."""

from __future__ import annotations

import hashlib
import stat

import numpy as np
from PIL import Image, PngImagePlugin

from legcheck.records.photostore import store_photo


def _jpeg_with_metadata(path, orientation):
    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Acme"
    exif[0x0110] = "Phone 9"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}
    img.save(path, "JPEG", quality=90, exif=exif, comment=b"patient Carla Cruz")
    return path


def test_jpeg_keeps_orientation_only(tmp_path):
    src = _jpeg_with_metadata(tmp_path / "IMG_1.jpg", 6)
    original = hashlib.sha256(src.read_bytes()).hexdigest()
    s = store_photo(tmp_path / "photos", src.read_bytes(), original, 6)
    stored = tmp_path / "photos" / s.relpath
    data = stored.read_bytes()
    assert s.created and s.sha256 == hashlib.sha256(data).hexdigest() == stored.stem and s.bytes == len(data)
    assert s.original_sha256 == original
    assert b"Acme" not in data and b"Carla" not in data
    with Image.open(stored) as b, Image.open(src) as a:
        ex = b.getexif()
        assert dict(ex) == {0x0112: 6}  # nothing but the orientation
        assert a.tobytes() == b.tobytes()  # the same entropy-coded data: the same pixels
    assert stat.S_IMODE(stored.stat().st_mode) == 0o400
    again = store_photo(tmp_path / "photos", src.read_bytes(), original, 6)
    assert not again.created and again.sha256 == s.sha256


def test_upright_jpeg_gets_no_exif(tmp_path):
    src = _jpeg_with_metadata(tmp_path / "IMG_2.jpg", 1)
    s = store_photo(tmp_path / "photos", src.read_bytes(), "x", 1)
    with Image.open(tmp_path / "photos" / s.relpath) as im:
        assert len(im.getexif()) == 0


def test_png_text_chunks_dropped(tmp_path):
    src = tmp_path / "a.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "patient Carla Cruz")
    Image.new("RGB", (20, 10), (200, 10, 10)).save(src, pnginfo=info)
    s = store_photo(tmp_path / "photos", src.read_bytes(), "x", 1)
    stored = tmp_path / "photos" / s.relpath
    assert stored.suffix == ".png" and b"Carla" not in stored.read_bytes()
    with Image.open(stored) as b, Image.open(src) as a:
        assert a.tobytes() == b.tobytes()
