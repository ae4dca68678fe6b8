"""The one description of a change between two figures: signed, side-aware, in mm and inches."""

from __future__ import annotations

import pytest

from legcheck.reports.change import Change, describe


@pytest.mark.parametrize("a, ua, b, ub, words, kind, verdict", [
    # The cases: a side change is the signed 9.4 mm, never the 0.4 mm between magnitudes.
    (4.9, 0.8, -4.5, 0.8, "left short 4.9 → right short 4.5 mm: the short side changed, by 9.4 mm (± 1.1)",
     "side changed", "reversed"),
    (4.9, 0.4, 1.2, 0.4, "left short 4.9 → left short 1.2 mm: 3.7 mm less (± 0.6)", "less", "improved"),
    (4.9, 0.8, 4.5, 0.8, "left short 4.9 → left short 4.5 mm: no measurable change (0.4 mm, within ± 1.1)",
     "no measurable change", "no measurable change"),
    # Within the bound even across sides: still no measurable change.
    (1.3, 2.0, -1.1, 2.0, "left short 1.3 → right short 1.1 mm: no measurable change (2.4 mm, within ± 2.8)",
     "no measurable change", "no measurable change"),
    (-1.2, 0.4, -4.9, 0.4, "right short 1.2 → right short 4.9 mm: 3.7 mm more (± 0.6)", "more", "worse"),
    (4.9, 0.4, -0.5, 0.4, "left short 4.9 → even 0.5 mm: evened, by 5.4 mm (± 0.6)", "evened", "improved"),
    (0.3, 0.4, -3.0, 0.4, "even 0.3 → right short 3.0 mm: now right short, by 3.3 mm (± 0.6)", "now short", "worse"),
    (-0.9, 0.1, 0.9, 0.1, "even 0.9 → even 0.9 mm: still even, moved by 1.8 mm (± 0.1)", "still even", "worse"),
    (4.9, 0.4, 0.02, 0.4, "left short 4.9 mm → even: evened, by 4.9 mm (± 0.6)", "evened", "improved"),
])
def test_words(a, ua, b, ub, words, kind, verdict):
    ch = Change(a, ua, b, ub)
    assert ch.sentence() == words
    assert (ch.kind, ch.verdict) == (kind, verdict)
    assert ch.to_dict()["delta_mm"] == pytest.approx(b - a) and ch.to_dict()["sentence"] == words


def test_inches():
    assert Change(4.9, 0.8, -4.5, 0.8).sentence(units="in") == (
        'left short 3/16" → right short 3/16": the short side changed, by 3/8" (± 1/16")')
    assert Change(4.9, 0.4, 1.2, 0.4).what("in") == '1/8" less (± 1/16")'
    assert Change(4.9, 0.4, -0.5, 0.4).sentence(units="in") == 'left short 3/16" → even: evened, by 3/16" (± 1/16")'
    assert describe(4.76, "in") == 'left short 3/16"' and describe(-2.0) == "right short 2.0 mm"
    assert describe(0.4) == "even 0.4 mm" and describe(0.4, "in") == "even"


def test_the_even_threshold_is_the_checks_own():
    assert Change(2.0, 0.1, 1.5, 0.1, even_below_mm=2.5).sentence() == (
        "even 2.0 → even 1.5 mm: still even, moved by 0.5 mm (± 0.1)")


def test_between_visits_reads_the_same():
    """Callers written for the old wording still work; a change is worded one way only."""
    ch = Change(-0.5, 0.4, 3.1, 0.4)
    assert ch.sentence(True) == ch.sentence() == "even 0.5 → left short 3.1 mm: now left short, by 3.6 mm (± 0.6)"
    assert "came back" not in ch.sentence(True) and "kept" not in ch.sentence(True)
