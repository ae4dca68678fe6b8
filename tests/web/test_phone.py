"""The phone walk-through in Debian's Chromium (Playwright), against ``legcheck serve`` in a subprocess.

A 390x844 touch screen: sign in, add a patient, capture pre/extended (socked feet over a drop
table's end, measured by heel contours), correct the left heel by a tap and accept, capture post/extended,
see the visit's pre -> post change, open the patient report and its PDF. Every page is kept as
a screenshot in tests/web/artifacts/ (ignored by git). The figures are checked against the
photos' truth sidecars.
"""

from __future__ import annotations

import re

import pytest

from _web import ARTIFACTS, CHROMIUM, PASSWORD, SAMPLES, heel_pixels, live_server, make_db, need_chromium, screenshot, \
    truth

PRE, POST = "drop_socks_left_short_5mm", "view75_even"
PHONE = dict(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need_chromium()
    db = make_db(tmp_path_factory.mktemp("e2e") / "db.sqlite3")
    with live_server(db, workers=2) as (base, proc):
        yield base


@pytest.fixture(scope="module")
def phone(server):
    from playwright.sync_api import sync_playwright

    from legcheck.reports.pdf import CHROMIUM_FLAGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        context = browser.new_context(base_url=server, **PHONE)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: problems.append("off-site request " + r.url)
                if not r.url.startswith((server, "data:", "blob:")) else None)
        yield page, problems
        browser.close()


def figure_mm(text: str) -> float:
    """lld_mm from the figure in words ("Left leg short by 4.9 mm ..." -> +4.9, "Right ..." -> -x, even -> 0)."""
    m = re.search(r"(Left|Right) leg short by ([\d.]+) mm|Legs even: ([\d.]+) mm", text)
    assert m, text
    if m.group(3):
        return 0.0
    return float(m.group(2)) * (1 if m.group(1) == "Left" else -1)


def uncertainty(text: str) -> float:
    return float(re.search(r"± ([\d.]+) mm", text).group(1))


def capture(page, cell: str, sample: str, shot: str) -> str:
    page.locator(f'a[data-cell="{cell}"]').tap()
    page.wait_for_url(re.compile(r"/capture\?"))
    page.set_input_files("#photo", str(SAMPLES / f"{sample}.jpg"))
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    text = page.text_content("#figure")
    screenshot(page, shot)
    return text


def test_phone_walk_through(server, phone):
    page, problems = phone
    # 1. Sign in, add a patient.
    page.goto("/patients")
    page.wait_for_url(re.compile(r"/signin"))
    screenshot(page, "01-signin")
    page.fill('input[name="name"]', "pat")
    page.fill('input[name="password"]', PASSWORD)
    page.locator("#signin button").tap()
    page.wait_for_url(re.compile(r"/patients$"))
    page.fill('#add-patient input[name="chart"]', "E2E-1")
    page.fill('#add-patient input[name="name"]', "Phoebe Walkthrough")
    screenshot(page, "02-patients")
    page.locator("#add-patient button[type=submit]").tap()
    page.wait_for_url(re.compile(r"/patients/E2E-1$"))
    screenshot(page, "03-patient-today")

    # 2. Pre, legs extended: the figure in words.
    text = capture(page, "pre/extended", PRE, "04-capture-pre-result")
    true_pre = truth(PRE)["lld_mm"]
    assert abs(figure_mm(text) - true_pre) <= uncertainty(text) + 0.05, text

    # 3. Correct the left heel by a tap near it, measure again, accept.
    page.locator("#correct").tap()
    page.locator('input[name="which"][value="left"]').check()
    page.locator("#photo-wrap").evaluate("e => e.scrollIntoView({block: 'center'})")
    box = page.locator("#annotated").bounding_box()  # in the viewport, as scrolled to the board and heels
    w, h = truth(PRE)["image_size"]
    px = heel_pixels(PRE)["left"]
    page.touchscreen.tap(box["x"] + px[0] * box["width"] / w, box["y"] + px[1] * box["height"] / h)
    assert page.locator('input[name="which"][value="right"]').is_checked()  # the tap placed the left heel
    left_pct = float(page.locator("#mark-left").evaluate("e => parseFloat(e.style.left)"))
    assert abs(left_pct - 100 * px[0] / w) < 0.3
    assert page.locator("#mark-left").is_visible() and page.locator("#mark-right").is_visible()
    screenshot(page, "05-correct-heel", full_page=False)
    page.locator("#remeasure").tap()
    page.wait_for_selector("#result:not([hidden])")
    page.wait_for_function("document.querySelector('#figure').textContent.includes('near your taps')", timeout=60_000)
    text = page.text_content("#figure")
    # The taps land within half a screen pixel (about 5 photo pixels) of the heels; contour mode
    # finds each heel's outline near its tap.
    assert abs(figure_mm(text) - true_pre) <= uncertainty(text) + 0.5, text
    screenshot(page, "06-corrected-result", full_page=False)
    page.locator("#accept").tap()
    page.wait_for_url(re.compile(r"/visits/\d+$"), timeout=60_000)
    visit_url = page.url
    screenshot(page, "07-visit-after-pre")

    # 4. Post, legs extended: the visit's pre -> post change.
    page.locator('a[data-cell="post/extended"]').wait_for()
    text = capture(page, "post/extended", POST, "08-capture-post-result")
    assert abs(figure_mm(text) - truth(POST)["lld_mm"]) <= uncertainty(text) + 0.05, text
    page.locator("#accept").tap()
    page.wait_for_url(visit_url, timeout=60_000)
    change = page.text_content('.change[data-position="extended"]')
    assert "\u2192" in change and ("measurable change" in change or "not measurable" in change), change
    # main's Change.sentence(): "left short 4.9 → even 0.2 mm: evened, by 4.6 mm (± 1.3)"
    assert re.search(r"left short [\d.]+( mm)? \u2192 even( [\d.]+ mm)?: ", change), change
    screenshot(page, "09-visit-pre-post")

    # 5. The patient report and its PDF.
    page.goto("/patients/E2E-1")
    page.locator("#patient-report").tap()
    page.wait_for_url(re.compile(r"/report\.html$"))
    assert page.text_content("h1") == "Leg-check series"
    assert "Phoebe Walkthrough, chart E2E-1" in page.text_content("header dl.meta")
    screenshot(page, "10-patient-report")
    pdf = page.request.get(server + "/api/patients/E2E-1/report.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    (ARTIFACTS / "11-patient-report.pdf").write_bytes(pdf.body())
    assert problems == [], problems
