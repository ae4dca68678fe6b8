"""The photo store trusts no file by its name: a bogus file planted at a photo's address is replaced by
the real photo when it is stored, and a stored file swapped afterwards is never shown in a report or by
the web app. Real files, both photo stores that keep files (SQLite's, PostgreSQL's shared directory)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from click.testing import CliRunner
from PIL import Image

from legcheck.cli import cli
from legcheck.records import open_store
from legcheck.records.photos import clean_photo

RESULT = {"lld_mm": -2.0, "short_leg": "right", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}


def _jpeg(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture(params=["sqlite", "postgresql-directory"])
def location(request, tmp_path):
    """(database location, its photo directory)."""
    if request.param == "sqlite":
        db = tmp_path / "legcheck.sqlite3"
        open_store(db, create=True).close()
        return db, tmp_path / "legcheck-photos"
    url = request.getfixturevalue("pg_url")
    shared = tmp_path / "shared-photos"
    res = CliRunner().invoke(cli, ["init", "--db", url, "--photos", str(shared)])
    assert res.exit_code == 0, res.output
    return url, shared


def _address(data: bytes):
    photo, _ = clean_photo(data, hashlib.sha256(data).hexdigest(), 1)
    return photo.relpath, photo.sha256


@pytest.mark.parametrize("plant", ["bogus_file", "symlink"])
def test_a_planted_file_at_a_photos_address_is_replaced(location, tmp_path, plant):
    where, photos = location
    data = _jpeg((200, 10, 10))
    relpath, sha = _address(data)
    dest = photos / relpath
    dest.parent.mkdir(parents=True, exist_ok=True)
    if plant == "bogus_file":
        dest.write_bytes(b"not the photo at all")
    else:
        (tmp_path / "elsewhere.jpg").write_bytes(_jpeg((0, 0, 255)))
        dest.symlink_to(tmp_path / "elsewhere.jpg")
    with open_store(where, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        out = st.record_check("C1", "pre", "extended", RESULT, photo=data)
        assert out["photo_sha256"] == sha
        assert hashlib.sha256(st.photo_bytes(sha)).hexdigest() == sha
        report = st.check_integrity()
    assert report["ok"], report["problems"]
    assert not dest.is_symlink() and hashlib.sha256(dest.read_bytes()).hexdigest() == sha


def test_a_swapped_photo_is_left_out_of_reports_with_a_note(location, tmp_path):
    where, photos = location
    with open_store(where, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        st.add_patient("C2", "Bob Brown")
        v1 = st.new_visit("C1", dt.datetime(2026, 9, 1, 9).astimezone())
        v2 = st.new_visit("C2", dt.datetime(2026, 9, 1, 10).astimezone())
        a = st.record_check("C1", "pre", "extended", RESULT, visit_id=v1, photo=_jpeg((200, 10, 10)))
        b = st.record_check("C2", "pre", "extended", RESULT, visit_id=v2, photo=_jpeg((10, 10, 200)))
        mine, theirs = st.photo_path(a["photo_sha256"]), st.photo_path(b["photo_sha256"])
    mine.chmod(0o600)
    mine.write_bytes(theirs.read_bytes())  # another patient's photo under this visit's name
    runner = CliRunner(env={"LEGCHECK_DB": str(where)})
    out = tmp_path / "v1.html"
    res = runner.invoke(cli, ["report", "visit", str(v1), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "photo failed its integrity check" in res.stderr and str(mine.name)[:12] in res.stderr
    html = out.read_text()
    assert "photo failed its integrity check" in html and "data:image/jpeg" not in html
    ok = runner.invoke(cli, ["report", "visit", str(v2), "--out", str(tmp_path / "v2.html")])
    assert ok.exit_code == 0 and ok.stderr == "" and "data:image/jpeg" in (tmp_path / "v2.html").read_text()
    pat = runner.invoke(cli, ["report", "patient", "C1", "--out", str(tmp_path / "p1.html")])
    assert pat.exit_code == 0 and "photo failed its integrity check" in pat.stderr
    assert "data:image/jpeg" not in (tmp_path / "p1.html").read_text()
    with open_store(where) as st:
        with pytest.raises(Exception, match="integrity check"):
            st.photo_bytes(a["photo_sha256"])


def test_a_missing_photo_is_named_in_reports_not_shown_as_no_photo(location, tmp_path):
    where, _ = location
    with open_store(where, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        v1 = st.new_visit("C1", dt.datetime(2026, 9, 1, 9).astimezone())
        a = st.record_check("C1", "pre", "extended", RESULT, visit_id=v1, photo=_jpeg((200, 10, 10)))
        st.record_check("C1", "post", "extended", RESULT, visit_id=v1)  # no photo at all
        mine = st.photo_path(a["photo_sha256"])
    mine.unlink()
    runner = CliRunner(env={"LEGCHECK_DB": str(where)})
    out = tmp_path / "v1.html"
    res = runner.invoke(cli, ["report", "visit", str(v1), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("photo is missing from the photo store") == 1 and a["photo_sha256"][:12] in res.stderr
    html = out.read_text()
    assert "The stored photo is missing from the photo store" in html and "data:image/jpeg" not in html
    assert "no photo" in html  # the post check recorded none: that is still said plainly
