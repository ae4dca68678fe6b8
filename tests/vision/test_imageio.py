"""Reading photos leaves Pillow's process-wide settings alone and applies our own pixel limit."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from legcheck._cv import MAX_IMAGE_PIXELS
from legcheck.errors import ImageReadError
from legcheck.vision.imageio import load_photo


def _png_header_only(path, width, height):
    """A valid 1-bit PNG of width x height whose rows are all zero: tiny on disk, huge decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * height, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def test_loading_leaves_pillows_limit_as_it_was(basic, tmp_path):
    _, path, _ = basic
    before = Image.MAX_IMAGE_PIXELS
    load_photo(path)
    huge = tmp_path / "huge.png"
    _png_header_only(huge, 12_000, 9_000)  # 108 MP
    with pytest.raises(ImageReadError, match="100-megapixel"):
        load_photo(huge)
    assert Image.MAX_IMAGE_PIXELS == before


def test_our_limit_applies_not_pillows(basic, tmp_path, monkeypatch):
    """A host program that lowered Pillow's limit does not make us refuse a normal photo."""
    scene, path, _ = basic
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    photo = load_photo(path)
    assert (photo.width, photo.height) == (scene.width, scene.height)
    assert photo.exif.raw_size == (scene.width, scene.height)


def test_just_under_our_limit_is_read_by_header(tmp_path):
    """The size check reads the header only: a file at the limit is refused or read by its size, not by Pillow."""
    p = tmp_path / "big.png"
    _png_header_only(p, 10_000, MAX_IMAGE_PIXELS // 10_000 + 1)
    with pytest.raises(ImageReadError, match=r"10000x10001 pixels is over the 100-megapixel limit"):
        load_photo(p)
    small = tmp_path / "small.png"
    _png_header_only(small, 64, 48)
    assert load_photo(small).pixels.shape == (48, 64, 3)
    assert np.all(load_photo(small).pixels == 0)


def test_a_thumbnail_without_a_board_is_named_as_too_small(tmp_path):
    from legcheck._cv import cv2
    from legcheck.errors import BoardNotFoundError
    from legcheck.pipeline import measure_photo

    small = tmp_path / "thumb.jpg"
    cv2().imwrite(str(small), np.full((30, 40, 3), 200, np.uint8))
    with pytest.raises(BoardNotFoundError, match=r"only 40x30 pixels: give the phone's full-size photo") as exc:
        measure_photo(small)
    assert exc.value.exit_code == 4
