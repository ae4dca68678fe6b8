"""What the photo store keeps of hostile files: the measured pixels and their orientation, nothing else.

A corpus built here from a rendered photo (no patient data) carries everything phones and
editors add: EXIF with GPS, serial numbers and a thumbnail, XMP, IPTC, ICC, JFXX thumbnails,
APP15, comments, a second JPEG, a motion photo's MP4, a Samsung trailer, PNG text and private
chunks, HEIC EXIF. Each is measured and recorded through the pipeline from bytes read once;
Debian's exiftool then reads every stored photo.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
import subprocess

import numpy as np
import pytest
from PIL import Image

import _hostile as hostile  # noqa: I001 - beside this file
from legcheck._cv import cv2
from legcheck.pipeline import MeasureOptions, record_check
from legcheck.records import open_store
from legcheck.records.photostore import store_photo
from legcheck.vision.imageio import PhotoBytes, load_photo

from conftest import profile_of

pytestmark = pytest.mark.skipif(shutil.which("exiftool") is None,
                                reason="exiftool missing: scripts/ensure_test_tools.sh installs it")
#: exiftool groups a stored photo may show: the file itself, and IFD0 for the orientation.
ALLOWED_GROUPS = {"ExifTool", "System", "File", "Composite", "IFD0", "PNG"}
BANNED_WORDS = ("GPS", "Serial", "Thumbnail", "Preview", "MPImage", "Samsung", "Trailer", "XMP", "IPTC", "ICC",
                "Photoshop", "JFXX", "JFIF", "Comment", "Make", "Model", "Artist", "Warning", "Embedded")


def _exiftool(paths) -> list[dict]:
    out = subprocess.run(["exiftool", "-j", "-a", "-u", "-G1", "-ee", *map(str, paths)], capture_output=True,
                         text=True, check=False)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def corpus(basic, tmp_path_factory):
    scene, path, truth = basic
    jpeg = path.read_bytes()
    rgb = Image.open(path).convert("RGB")
    files = {"phone.jpg": hostile.dirty_jpeg(jpeg), "motion.jpg": hostile.motion_photo(jpeg),
             "samsung.jpg": hostile.samsung_trailer(jpeg), "edited.png": hostile.dirty_png(rgb),
             "phone.heic": hostile.dirty_heic(rgb)}
    d = tmp_path_factory.mktemp("hostile")
    for name, data in files.items():
        (d / name).write_bytes(data)
    db = d / "clinic.sqlite3"
    recorded = {}
    with open_store(db, create=True) as st:
        st.add_patient("H1", "Hostile Files")
        for name in files:
            recorded[name] = record_check(st, d / name, "H1", "pre", "extended",
                                          MeasureOptions(camera=profile_of(scene)),
                                          allow_duplicate_photo=True)  # three files hold one photo's pixels
        stored = {name: st.photo_path(r.photo_sha256) for name, r in recorded.items()}
        annotated = [st.photo_path(c["annotated_sha256"]) for c in st.checks()]
    return dict(dir=d, db=db, files=files, recorded=recorded, stored=stored, annotated=annotated, truth=truth)


def test_the_originals_are_hostile(corpus):
    tags = {r["SourceFile"].rsplit("/", 1)[1]: r for r in _exiftool(corpus["dir"] / n for n in corpus["files"])}
    for name in ("phone.jpg", "edited.png", "phone.heic"):
        assert any("GPS" in k for k in tags[name]) and any("Serial" in k for k in tags[name]), name
    assert "IFD1:ThumbnailImage" in tags["phone.jpg"] and "JFXX:ThumbnailImage" in tags["phone.jpg"]
    assert any(k.startswith("Samsung:") for k in tags["samsung.jpg"])
    assert b"ftyp" in corpus["files"]["motion.jpg"]


def test_every_stored_photo_holds_no_metadata_but_orientation(corpus):
    stored = list(corpus["stored"].values()) + corpus["annotated"]
    assert len(stored) == 10 and all(p.exists() for p in stored)
    for tags in _exiftool(stored):
        keys = [k for k in tags if k != "SourceFile"]
        assert {k.split(":")[0] for k in keys} <= ALLOWED_GROUPS, keys
        assert not [k for k in keys if any(w in k for w in BANNED_WORDS)], keys
        assert not [k for k in keys if k.startswith("IFD0:") and k != "IFD0:Orientation"], keys
    for p in stored:
        data = p.read_bytes()
        assert hostile.SECRET not in data and hostile.SERIAL.encode() not in data
        assert b"ftyp" not in data and b"SEFT" not in data and b"Exif" not in data
        if p.suffix == ".jpg":  # one image: one start, ending at its end-of-image marker
            assert data.count(b"\xff\xd8") == 1 and data.endswith(b"\xff\xd9")
        else:
            assert data.endswith(b"IEND\xaeB`\x82")
        assert hashlib.sha256(data).hexdigest() == p.stem
        assert stat.S_IMODE(p.stat().st_mode) == 0o400


def test_what_is_stored_is_what_was_measured(corpus):
    truth = corpus["truth"]["lld_mm"]
    con = sqlite3.connect(corpus["db"])
    for name, rec in corpus["recorded"].items():
        m = rec.measurement
        assert abs(m.lld_mm - truth) <= m.uncertainty_mm, name  # the motion photo is measured, not refused
        original = corpus["files"][name]
        assert m.image["sha256"] == hashlib.sha256(original).hexdigest()
        (result,) = con.execute("SELECT result_json FROM checks WHERE id = ?", (rec.check_id,)).fetchone()
        assert json.loads(result)["image"]["sha256"] == m.image["sha256"]  # the check names the bytes it measured
        measured = load_photo(PhotoBytes(original, name)).pixels
        stored = cv2().imread(str(corpus["stored"][name]), cv2().IMREAD_COLOR)
        assert stored.shape == measured.shape and np.array_equal(stored, measured), name  # not one pixel changed
    assert corpus["stored"]["phone.heic"].suffix == ".png"  # HEIC: decoded and kept losslessly
    # The three JPEGs differ only around the same pixels: stored once, under one name.
    assert len({corpus["stored"][n] for n in ("phone.jpg", "motion.jpg", "samsung.jpg")}) == 1


def test_orientation_is_kept_as_the_only_tag(basic, tmp_path):
    _, path, _ = basic
    data = hostile.dirty_jpeg(path.read_bytes(), orientation=6)
    s = store_photo(tmp_path / "photos", data, hashlib.sha256(data).hexdigest(), 6)
    stored = tmp_path / "photos" / s.relpath
    with Image.open(stored) as im:
        assert dict(im.getexif()) == {0x0112: 6}
    (tags,) = _exiftool([stored])
    assert tags["IFD0:Orientation"] == "Rotate 90 CW"
    assert np.array_equal(cv2().imread(str(stored)), load_photo(PhotoBytes(data, "rotated.jpg")).pixels)
    png = hostile.dirty_png(Image.open(path).convert("RGB"))
    s = store_photo(tmp_path / "photos", png, "x", 8)
    (tags,) = _exiftool([tmp_path / "photos" / s.relpath])
    assert tags["IFD0:Orientation"] == "Rotate 270 CW" and not [k for k in tags if "GPS" in k]
