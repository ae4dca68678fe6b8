"""Opening reports in a real headless Chromium through Playwright (Debian's chromium, never a
browser download), recording every request a page makes, and keeping screenshots.

Screenshots go to ``tests/reports/artifacts/`` (ignored by git); each test prints the path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from legcheck.reports.pdf import CHROMIUM_FLAGS

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def need(tool: str) -> None:
    """Skip (locally) or fail (in CI) when a Debian tool the test needs is missing."""
    if shutil.which(tool) is None or (tool == "chromium" and not os.access(CHROMIUM, os.X_OK)):
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing in CI: the test set-up (make test) installs it")
        pytest.skip(f"{tool} not installed (make test installs it)")


@contextlib.contextmanager
def chromium():
    """A headless Chromium browser (Playwright's ``Browser``), closed on exit."""
    need("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Playwright adds its own headless switch; the rest keep the browser from reaching out.
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, path: Path, width: int = 1000, height: int = 800):
    """Load ``path`` in a fresh page; returns (page, the URL of every request it made)."""
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    return page, requests


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact and print where it is."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
