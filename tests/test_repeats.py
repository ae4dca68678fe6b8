"""The mean of repeated checks: the larger of the propagated bound and the t-scaled spread, and the
chi-squared test that flags repeats which disagree (for two repeats: the measurable-change test)."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest

from legcheck.repeats import chi2_95, mean_of_repeats, t_975
from legcheck.reports.change import Change


def test_quantiles_match_scipy():
    stats = pytest.importorskip("scipy.stats")  # scikit-image depends on scipy: always there in CI
    for dof in range(1, 201):
        assert t_975(dof) == pytest.approx(stats.t.ppf(0.975, dof), rel=2e-4), dof
        assert chi2_95(dof) == pytest.approx(stats.chi2.ppf(0.95, dof), rel=2e-4), dof


def test_issue_case_two_repeats_that_disagree():
    """-4.52 +- 0.15 and +0.37 +- 0.17 used to become -2.08 +- 0.11: now the spread rules and it is flagged."""
    m = mean_of_repeats([-4.52, 0.37], [0.15, 0.17])
    assert m["lld_mm"] == pytest.approx(-2.075)
    assert m["propagated_mm"] == pytest.approx(math.hypot(0.15, 0.17) / 2)
    # s = 4.89 / sqrt(2); s / sqrt(2) = 2.445; t(0.975, 1) = 12.7062
    assert m["spread_mm"] == pytest.approx(12.7062 * 2.445) and m["uncertainty_mm"] == m["spread_mm"]
    assert m["disagree"] is True


def test_repeats_that_agree():
    m = mean_of_repeats([-6.0, -6.1], [0.4, 0.4])
    assert m["uncertainty_mm"] == pytest.approx(12.7062 * 0.05) and m["disagree"] is False
    m = mean_of_repeats([2.0, 2.0, 2.0], [0.4, 0.4, 0.4])  # no spread: the propagated bound
    assert m["uncertainty_mm"] == pytest.approx(0.4 / math.sqrt(3)) and m["spread_mm"] == 0.0
    m = mean_of_repeats([1.0, 1.4, 1.2], [0.5, 0.5, 0.5])
    assert m["uncertainty_mm"] == pytest.approx(4.3027 * 0.2 / math.sqrt(3)) and m["disagree"] is False
    one = mean_of_repeats([3.3], [0.7])
    assert (one["lld_mm"], one["uncertainty_mm"], one["disagree"], one["t_factor"]) == (3.3, 0.7, False, None)


def test_two_repeats_disagree_exactly_when_their_change_is_measurable():
    values = [-3.0, -2.2, -1.5, 0.0, 0.9, 2.5]
    bounds = [0.1, 0.4, 0.8, 1.5]
    for (a, b), (ua, ub) in itertools.product(itertools.combinations(values, 2), itertools.product(bounds, bounds)):
        assert mean_of_repeats([a, b], [ua, ub])["disagree"] == Change(a, ua, b, ub).measurable, (a, b, ua, ub)


def test_three_repeats_one_off():
    m = mean_of_repeats([1.0, 1.1, 4.0], [0.3, 0.3, 0.3])
    assert m["disagree"] is True
    assert m["uncertainty_mm"] == pytest.approx(4.3027 * statistics.stdev([1.0, 1.1, 4.0]) / math.sqrt(3))
    assert m["uncertainty_mm"] == pytest.approx(4.233, abs=1e-3)
    with pytest.raises(ValueError):
        mean_of_repeats([], [])
