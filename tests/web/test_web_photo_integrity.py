"""The web app never serves a stored photo that fails its hash (a file swapped in the photo store)."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from _web import make_db, sign_in
from legcheck.records import open_store
from legcheck.web.app import create_app
from legcheck.web.config import WebConfig

RESULT = {"lld_mm": -2.0, "short_leg": "right", "uncertainty_mm": 0.4, "method": "tabs", "image": {},
          "even_below_mm": 1.0}


def _jpeg(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


def test_a_swapped_photo_is_not_served(tmp_path):
    db = make_db(tmp_path / "db.sqlite3")
    with open_store(db, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        a = st.record_check("C1", "pre", "extended", RESULT, photo=_jpeg((200, 10, 10)))
        b = st.record_check("C1", "post", "extended", RESULT, photo=_jpeg((10, 10, 200)))
        mine, theirs = st.photo_path(a["photo_sha256"]), st.photo_path(b["photo_sha256"])
    with TestClient(create_app(WebConfig(db=db, workers=0))) as c:
        sign_in(c)
        good = c.get(f"/api/checks/{a['check_id']}/photo")
        assert good.status_code == 200 and good.content == mine.read_bytes()
        mine.chmod(0o600)
        mine.write_bytes(theirs.read_bytes())
        r = c.get(f"/api/checks/{a['check_id']}/photo")
        assert r.status_code == 500 and "integrity check" in r.json()["error"]["message"]
        assert r.content != theirs.read_bytes()
        mine.unlink()
        gone = c.get(f"/api/checks/{a['check_id']}/photo")
        assert gone.status_code == 404 and "missing from the photo store" in gone.json()["error"]["message"]
