"""Shared pieces of the web tests: a database with users, signed-in clients, a live server, Chromium."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_images"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
USERS = {"pat": "practitioner", "ann": "assistant", "ada": "admin", "tim": "practitioner"}


def make_db(path: Path) -> Path:
    """A database with one user of each role (password :data:`PASSWORD`)."""
    from legcheck.records import open_store

    with open_store(path, actor="setup", create=True) as st:
        for name, role in USERS.items():
            st.add_user(name, role, PASSWORD)
    return path


def sign_in(client, name: str = "pat") -> str:
    """Sign ``client`` in as ``name``; returns the CSRF token."""
    r = client.post("/api/session", data={"name": name, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["csrf_token"]


def truth(name: str) -> dict:
    """The truth sidecar of a sample photo."""
    return json.loads((SAMPLES / f"{name}.json").read_text())


def heel_pixels(name: str) -> dict:
    """Where a person sees each heel in a sample photo (the renderer's answer), {"left": (x, y), "right": ...}."""
    from legcheck.synth.render import scene_from_json, visible_heel_pixels

    t = truth(name)
    if "landmarks" in t:  # a drop-table photo: the back of each heel where it shows as an outline
        return {side: tuple(t["landmarks"][side]["outline"]["px"]) for side in ("left", "right")}
    return visible_heel_pixels(scene_from_json(t["scene"]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(db: Path, workers: int = 2, extra: tuple = ()):
    """``legcheck serve`` in a subprocess on a free port; yields (base URL, the process). Stopped with SIGTERM."""
    port = free_port()
    env = {**os.environ, "LEGCHECK_DB": str(db)}
    proc = subprocess.Popen([sys.executable, "-m", "legcheck", "serve", "--port", str(port), "--workers", str(workers),
                             *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/signin", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("legcheck serve did not start:\n" + (proc.stdout.read() if proc.stdout else ""))
            time.sleep(0.2)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


def need_chromium() -> None:
    """Skip (locally) or fail (in CI) without Debian's chromium."""
    if shutil.which("chromium") is None or not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: the test set-up (make test) installs it")
        pytest.skip("chromium not installed (make test installs it)")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """A screenshot kept as a test artefact (tests/web/artifacts/, ignored by git).

    A full-page shot lays the page out again at its full height (scrolled boxes go back to
    their start); take the screen as it is (``full_page=False``) where a scroll position matters.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    return path
