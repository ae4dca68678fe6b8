"""The pipeline's contract: the stage hook, and bad arguments refused as UsageError naming the parameter."""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

from legcheck.errors import UsageError
from legcheck.pipeline import STAGES, measure_photo

from conftest import profile_of

SRC = Path(__file__).resolve().parents[2] / "src" / "legcheck"


def test_stage_hook_reports_every_stage_in_order(basic):
    scene, path, truth = basic
    seen = []
    t0 = time.perf_counter()
    m = measure_photo(path, camera=profile_of(scene), on_stage=lambda name, s: seen.append((name, s))).measurement
    total = time.perf_counter() - t0
    assert [n for n, _ in seen] == ["decode", "grey", "markers", "board", "camera", "table", "tabs", "uncertainty", "result"]
    assert all(n in STAGES for n, _ in seen) and all(s >= 0 for _, s in seen)
    assert sum(s for _, s in seen) <= total
    # The hook only watches: the answer is the same without it.
    assert measure_photo(path, camera=profile_of(scene)).measurement.lld_mm == m.lld_mm


def test_stage_hook_time_spent_in_the_callback_counts_for_no_stage(basic):
    scene, path, _ = basic
    seen = {}

    def slow(name, s):
        seen[name] = s
        time.sleep(0.05)

    t0 = time.perf_counter()
    measure_photo(path, camera=profile_of(scene), on_stage=slow)
    total = time.perf_counter() - t0
    # Each callback sleeps 0.05 s; were a sleep counted in the next stage, the stages would sum to more.
    assert sum(seen.values()) + 0.05 * len(seen) <= total


@pytest.mark.parametrize("kwargs, names", [
    (dict(even_below_mm=-1), "even_below_mm"),
    (dict(even_below_mm="x"), "even_below_mm"),
    (dict(method="magic"), "method"),
    (dict(left_heel_px=(10, 10)), "left_heel_px and right_heel_px"),
    (dict(left_heel_px=(10, 10), right_heel_px=(20, 20), method="tabs"), "method 'tabs'"),
    (dict(method="manual"), "left_heel_px"),
    (dict(heel_height_mm=0), "heel_height_mm"),
    (dict(heel_height_mm=500), "heel_height_mm"),
    (dict(camera=42), "camera"),
    (dict(left_heel_px="12;34", right_heel_px=(1, 2)), "left_heel_px"),
])
def test_bad_arguments_are_usage_errors_naming_the_parameter(basic, kwargs, names):
    _, path, _ = basic
    with pytest.raises(UsageError) as err:
        measure_photo(path, **kwargs)
    assert err.value.exit_code == 2
    assert names in err.value.message
    assert "--" not in err.value.message


def _message_strings(path: Path):
    """(line, text) of every string constant in a module except docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def test_library_messages_name_no_cli_flags():
    """Messages from the stages are read by the CLI and the web app alike: no --flag in them."""
    files = [*sorted((SRC / "pipeline").glob("*.py")), SRC / "geometry.py", *sorted((SRC / "measure").glob("*.py")),
             *sorted((SRC / "targets").glob("*.py")),
             *[p for p in sorted((SRC / "vision").glob("*.py")) if p.name not in ("calibrate.py", "camera.py")]]
    flag = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
    found = [f"{p.name}:{line}: {text!r}" for p in files for line, text in _message_strings(p) if flag.search(text)]
    assert not found, found
