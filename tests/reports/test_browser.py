"""Reports in a real headless Chromium (Playwright): photos load, the chart is there, nothing is
fetched from the network; and the PDF Chromium prints has A4 pages. Screenshots are kept in
tests/reports/artifacts/."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess

import pytest
from _browser import chromium, need, open_page, screenshot
from _bundles import patient_bundle, visit_bundle

from legcheck.errors import PdfError
from legcheck.fileio import atomic_write
from legcheck.records.sqlite import open_store
from legcheck.reports.csvout import csv_rows_visit
from legcheck.reports.data import patient_data, visit_data
from legcheck.reports.html import patient_html, visit_html
from legcheck.reports.pdf import write_pdf


@pytest.fixture(scope="module")
def photo_db(tmp_path_factory, basic):
    """A patient with two visits whose checks carry real photos and annotated photos."""
    from legcheck.pipeline import annotate, measure_photo

    from conftest import profile_of

    scene, photo, truth = basic
    tmp = tmp_path_factory.mktemp("photo_db")
    res = measure_photo(photo, camera=profile_of(scene))
    ann = tmp / "ann.jpg"
    annotate(res, ann)
    path = tmp / "p.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("PH", "Photo Patient")
        for day, post in ((1, -1.0), (8, -0.5)):
            vid = st.new_visit("PH", dt.datetime(2026, 9, day, 9).astimezone())
            r = dict(res.measurement.to_json())
            st.record_check("PH", "pre", "extended", r, visit_id=vid, photo_path=photo, annotated_path=ann)
            st.record_check("PH", "post", "extended", dict(r, lld_mm=post), visit_id=vid, photo_path=photo, annotated_path=ann)
    return path


def _visit(photo_db):
    with open_store(photo_db) as st:
        return visit_data(visit_bundle(st, st.visits("PH")[0]["id"]))


def test_reports_in_headless_chromium(photo_db, tmp_path):
    with open_store(photo_db) as st:
        patient = tmp_path / "patient.html"
        atomic_write(patient, patient_html(patient_data(patient_bundle(st, "PH"))))
    visit = atomic_write(tmp_path / "visit.html", visit_html(_visit(photo_db)))
    seen = {}
    with chromium() as browser:
        for name, path, n_svg in (("patient", patient, 1), ("visit", visit, 0)):
            page, urls = open_page(browser, path)
            seen[name] = dict(
                n_img=page.evaluate("document.images.length"),
                loaded=page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"),
                svg=page.evaluate("document.querySelectorAll('#trend svg').length"),
                width=page.evaluate("document.documentElement.scrollWidth"),
                fetched=[u for u in urls if not u.startswith(("file:", "data:", "about:"))])
            assert seen[name]["svg"] == n_svg, name
            assert screenshot(page, f"{name}_report").stat().st_size > 0
            page.close()
    for name, s in seen.items():
        assert s["n_img"] == 2 and s["loaded"] is True, (name, s)
        assert s["width"] > 0
        assert s["fetched"] == [], (name, s["fetched"])


def test_pdf_pages_are_a4(photo_db, tmp_path):
    need("chromium")
    need("pdftoppm")
    data = _visit(photo_db)
    pdf = write_pdf(visit_html(data), tmp_path / "visit.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600  # patient data
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert 1 <= len(pages) <= 3
    from PIL import Image

    for p in pages:
        w, h = Image.open(p).size
        assert (w, h) == (round(210 / 25.4 * 20), round(297 / 25.4 * 20)) or abs(w - 165) <= 1 and abs(h - 234) <= 1
    rows = csv_rows_visit(data)
    assert list(rows[0])[:3] == ["check_id", "phase", "position"] and len(rows) == 2


def test_pdf_without_chromium_says_so_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on it
    with pytest.raises(PdfError, match="needs Chromium"):
        write_pdf("<!DOCTYPE html><p>x</p>", tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []
