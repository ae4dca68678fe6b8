"""The clinical vocabulary and the rules over records, as pure functions (no store)."""

from __future__ import annotations

import pytest

from legcheck.errors import UsageError
from legcheck.records.rules import amended_result, phase_position_means, visit_summary
from legcheck.records.vocabulary import EVEN_BELOW_MM, pd_side_of, require_term, short_leg_of


@pytest.mark.parametrize("lld,even,side", [(2.0, 1.0, "left"), (-2.0, 1.0, "right"), (0.99, 1.0, "even"),
                                           (-1.0, 1.0, "right"), (1.5, 2.0, "even")])
def test_short_leg_positive_is_left(lld, even, side):
    assert short_leg_of(lld, even) == side


def test_pd_side_is_the_short_side_extended():
    assert pd_side_of(3.0) == "left" and pd_side_of(-3.0) == "right"
    assert pd_side_of(0.5) is None and pd_side_of(None) is None
    assert pd_side_of(0.5, even_mm=0.4) == "left"


def test_require_term():
    assert require_term("phase", "pre") == "pre"
    assert require_term("side", None, optional=True) is None
    with pytest.raises(UsageError, match="drop piece 'knee' is not one of cervical, dorsal, lumbar, pelvic"):
        require_term("drop piece", "knee")
    with pytest.raises(UsageError):
        require_term("position", None)


def _check(i, phase, position, lld, unc=0.4):
    return {"id": i, "phase": phase, "position": position, "lld_mm": lld, "uncertainty_mm": unc}


def test_means_per_phase_and_position():
    checks = [_check(1, "pre", "extended", -3.0), _check(2, "pre", "extended", -4.0, 0.3),
              _check(3, "post", "extended", -0.5), _check(4, "pre", "flexed", 2.0)]
    means = phase_position_means(checks)
    assert [(m["phase"], m["position"]) for m in means] == [("post", "extended"), ("pre", "extended"), ("pre", "flexed")]
    pre = means[1]
    assert pre["n"] == 2 and pre["lld_mm"] == pytest.approx(-3.5) and pre["check_ids"] == [1, 2]
    assert pre["propagated_mm"] == pytest.approx(0.5 / 2) and pre["short_leg"] == "right"
    # Two repeats 1 mm apart: the spread with t(0.975, 1) = 12.7062 wins, and they disagree (1 > 0.5).
    assert pre["uncertainty_mm"] == pytest.approx(12.7062 * 0.5) and pre["repeats_disagree"] is True
    assert means[0]["short_leg"] == "even"


def test_summary_findings_by_hand_win_and_newest_wins():
    checks = [_check(1, "pre", "extended", -3.0), _check(2, "pre", "flexed", -2.5)]
    s = visit_summary({"id": 7}, checks, [], [])
    assert (s["derifield"], s["derifield_overridden"], s["pd_side"], s["listing"]) == ("negative", False, "right", None)
    findings = [{"derifield": "positive", "pd_side": None, "listing": "PI"},
                {"derifield": None, "pd_side": "left", "listing": None}]
    s = visit_summary({"id": 7}, checks, findings, [{"piece": "pelvic"}])
    assert (s["derifield"], s["derifield_derived"], s["derifield_overridden"]) == ("positive", "negative", True)
    assert (s["pd_side"], s["listing"], s["adjustments"]) == ("left", "PI", [{"piece": "pelvic"}])


def test_amended_result_uses_the_checks_own_even_threshold():
    old = {"lld_mm": 3.0, "short_leg": "left", "even_below_mm": 2.0, "method": "tabs"}
    new = amended_result(old, -1.5, 12, 0.9)
    assert new == {"lld_mm": -1.5, "uncertainty_mm": 0.9, "short_leg": "even", "even_below_mm": 2.0,
                   "method": "manual entry", "measured_method": "tabs", "amended_from": 12}
    assert old["lld_mm"] == 3.0  # not modified
    assert amended_result({"lld_mm": 0.0}, -1.5, 1, 1.0)["short_leg"] == ("right" if EVEN_BELOW_MM <= 1.5 else "even")
