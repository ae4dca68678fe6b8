"""Installing legcheck prints no warning of our own making: the licence is an SPDX string, which
setuptools 77 and later read without the deprecation notice the old TOML table drew."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_license_is_an_spdx_string():
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert cfg["project"]["license"] == "MIT"
    assert "setuptools>=77" in cfg["build-system"]["requires"]


def test_building_prints_no_warning(tmp_path):
    """The build backend's own output (the isolated build the first `make` runs) has no warning."""
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-w", str(tmp_path),
                          str(REPO)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    # pip's notes about this machine's package index are not the project's.
    lines = [l for l in (res.stdout + res.stderr).splitlines() if "WARNING: Location" not in l]
    assert not [l for l in lines if "warning" in l.lower() or "deprecat" in l.lower()], lines
