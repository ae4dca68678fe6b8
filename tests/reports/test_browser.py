"""Reports in a real headless Chromium (Playwright): photos load, the charts are there, nothing is
fetched from the network; on a 390 px phone nothing scrolls sideways, tables become cards and the
legend sits below the charts; the visit PDF is one page on A4 and on Letter. Screenshots are kept
in tests/reports/artifacts/."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess

import pytest
from _browser import chromium, need, open_page, screenshot
from _bundles import patient_bundle, visit_bundle

from legcheck.errors import PdfError
from legcheck.fileio import atomic_write
from legcheck.records import open_store
from legcheck.records.vocabulary import POSITIONS
from legcheck.reports.csvout import csv_rows_visit
from legcheck.reports.data import patient_data, visit_data
from legcheck.reports.html import patient_html, visit_html
from legcheck.reports.pdf import write_pdf


@pytest.fixture(scope="module")
def photo_db(tmp_path_factory, basic):
    """A patient with two visits whose checks carry real photos and annotated photos. The first
    visit is the fullest a visit gets: every position before and after, and two extended post
    checks that disagree (the report's warning and notes take room too)."""
    from legcheck.pipeline import annotate, measure_photo

    from conftest import profile_of

    scene, photo, truth = basic
    tmp = tmp_path_factory.mktemp("photo_db")
    res = measure_photo(photo, camera=profile_of(scene))
    ann = tmp / "ann.jpg"
    annotate(res, ann)
    path = tmp / "p.sqlite3"
    r = dict(res.measurement.to_json())
    with open_store(path, create=True) as st:
        st.add_patient("PH", "Photo Patient", "1975-03-04")
        for day, post in ((1, -1.0), (8, -0.5)):
            vid = st.new_visit("PH", dt.datetime(2026, 9, day, 9).astimezone(), practitioner="Dr Ada Thompson")
            positions = POSITIONS if day == 1 else ("extended",)
            for pos in positions:
                st.record_check("PH", "pre", pos, r, visit_id=vid, photo_path=photo, annotated_path=ann,
                                allow_duplicate_photo=True)  # one rendered photo stands for every check
                st.record_check("PH", "post", pos, dict(r, lld_mm=post), visit_id=vid, photo_path=photo,
                                annotated_path=ann, allow_duplicate_photo=True)
            if day == 1:
                st.record_check("PH", "post", "extended", dict(r, lld_mm=3.0, uncertainty_mm=0.3), visit_id=vid)
                st.add_adjustment(vid, "pelvic", "right", "PI right ilium")
                st.add_adjustment(vid, "cervical", "left")
                st.set_findings(vid, pd_side="left", listing="PI right ilium")
    return path


def _visit(photo_db):
    with open_store(photo_db) as st:
        return visit_data(visit_bundle(st, st.visits("PH")[0]["id"]), clinic="Back Bay Chiropractic")


def _write_reports(photo_db, tmp_path):
    with open_store(photo_db) as st:
        patient = atomic_write(tmp_path / "patient.html", patient_html(patient_data(patient_bundle(st, "PH"))))
    return {"patient": patient, "visit": atomic_write(tmp_path / "visit.html", visit_html(_visit(photo_db)))}


def test_reports_in_headless_chromium(photo_db, tmp_path):
    seen = {}
    with chromium() as browser:
        for name, path in _write_reports(photo_db, tmp_path).items():
            page, urls = open_page(browser, path)
            seen[name] = dict(
                n_img=page.evaluate("document.images.length"),
                loaded=page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"),
                svg=page.evaluate("document.querySelectorAll('#trend svg').length"),
                fetched=[u for u in urls if not u.startswith(("file:", "data:", "about:"))])
            assert screenshot(page, f"{name}_report").stat().st_size > 0
            page.close()
    assert seen["patient"]["svg"] == 4 and seen["visit"]["svg"] == 0  # one chart per position
    assert seen["patient"]["n_img"] == 2 and seen["visit"]["n_img"] == 8
    for name, s in seen.items():
        assert s["loaded"] is True, (name, s)
        assert s["fetched"] == [], (name, s["fetched"])


PHONE_LAYOUT = """() => {
  const rows = Array.from(document.querySelectorAll('table.cards tr')).filter(r => r.offsetParent !== null);
  const charts = Array.from(document.querySelectorAll('#trend figure')).map(f => f.getBoundingClientRect());
  const legend = document.querySelector('#trend-legend');
  return {scroll: document.documentElement.scrollWidth, inner: innerWidth,
          card_rows: rows.length, block_rows: rows.filter(r => getComputedStyle(r).display === 'block').length,
          widest: Math.max(0, ...Array.from(document.body.querySelectorAll('*')).map(e => e.getBoundingClientRect().right)),
          charts_bottom: Math.max(0, ...charts.map(c => c.bottom)), charts_right: Math.max(0, ...charts.map(c => c.right)),
          legend_top: legend ? legend.getBoundingClientRect().top : null};
}"""


def test_reports_on_a_390_px_phone(photo_db, tmp_path):
    """No sideways scroll on either report; every table row a card; the legend below the charts."""
    seen = {}
    with chromium() as browser:
        for name, path in _write_reports(photo_db, tmp_path).items():
            page, _ = open_page(browser, path, width=390, height=844)
            seen[name] = page.evaluate(PHONE_LAYOUT)
            assert screenshot(page, f"{name}_report_390px").stat().st_size > 0
            page.close()
    for name, s in seen.items():
        assert s["scroll"] <= s["inner"] == 390, (name, s)
        assert s["widest"] <= 390.5, (name, s)
    p = seen["patient"]
    assert p["card_rows"] == p["block_rows"] > 0, p  # visits, other positions, holding: cards
    assert p["legend_top"] >= p["charts_bottom"] and p["charts_right"] <= 390, p


@pytest.mark.parametrize("paper, size_mm", [("a4", (210, 297)), ("letter", (215.9, 279.4))])
def test_visit_pdf_is_one_page(photo_db, tmp_path, paper, size_mm):
    need("chromium")
    need("pdftoppm")
    data = _visit(photo_db)
    pdf = write_pdf(visit_html(data, paper), tmp_path / "visit.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600  # patient data
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1, f"{len(pages)} pages on {paper}"
    from PIL import Image

    w, h = Image.open(pages[0]).size
    assert (abs(w - size_mm[0] / 25.4 * 20) <= 1, abs(h - size_mm[1] / 25.4 * 20) <= 1) == (True, True), (w, h)
    rows = csv_rows_visit(data)
    assert list(rows[0])[:3] == ["check_id", "phase", "position"] and len(rows) == 9


def test_pdf_without_chromium_says_so_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on it
    with pytest.raises(PdfError, match="needs Chromium"):
        write_pdf("<!DOCTYPE html><p>x</p>", tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []
