"""The benchmark's "wrong side" count: a result naming the other leg while the truth is outside its bound."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def summary():
    from legcheck.cli.measure import _benchmarks

    _benchmarks()
    import legcheck_benchmarks.summary as s

    return s


def _row(true, lld, unc, mode="tabs", ok=True):
    return {"mode": mode, "group": "75-90 profile", "ok": ok, "true": true, "err": lld - true, "unc": unc,
            "profile": True, "elevation": 80.0, "t_measure": 0.1, "t_imread": 0.05}


@pytest.mark.parametrize("true, lld, unc, wrong", [
    (4.0, -4.0, 0.4, True),    # the turned board: right leg named, left truly short
    (4.0, 3.9, 0.4, False),    # right side
    (0.3, -0.2, 0.4, False),   # the truth within the bound: no side to get wrong
    (-2.0, 0.5, 1.0, True),
    (-2.0, 0.0, 1.0, False),   # "even" is not the other side
])
def test_wrong_side(summary, true, lld, unc, wrong):
    assert summary.wrong_side(_row(true, lld, unc)) is wrong


def test_wrong_sides_per_mode_and_in_the_table(summary):
    rows = [_row(4.0, -4.0, 0.4), _row(4.0, 4.1, 0.4), _row(-3.0, -3.1, 1.0, mode="contour"),
            _row(5.0, 0.0, 0.0, ok=False)]
    assert summary.wrong_sides(rows) == {"tabs": 1, "contour": 0}
    assert {(s["mode"], s["wrong_side"]) for s in summary.summarise(rows)} >= {("tabs", 1), ("contour", 0)}
    assert "wrong" in summary.table(summary.summarise(rows)).splitlines()[0]
