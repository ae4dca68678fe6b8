"""Figures in millimetres and inches: the nearest 1/16" as a reduced fraction, bounds rounded up,
decimals for machines, and the order in which the units are chosen."""

from __future__ import annotations

import pytest

from legcheck import units as u
from legcheck.errors import UsageError


@pytest.mark.parametrize("mm, text", [
    (4.76, '3/16"'), (3.175, '1/8"'), (6.35, '1/4"'), (12.7, '1/2"'), (25.4, '1"'), (31.75, '1 1/4"'),
    (30.0, '1 3/16"'), (0.0, '0"'), (0.79, '0"'), (0.80, '1/16"'), (9.5, '3/8"'), (11.1, '7/16"')])
def test_nearest_sixteenth_reduced(mm, text):
    assert u.fraction_in(mm) == text
    assert u.fraction_in(-mm) == text  # a magnitude unless asked for the sign


def test_signs_and_bounds():
    assert u.fraction_in(4.76, signed=True) == '+3/16"' and u.fraction_in(-4.76, signed=True) == '-3/16"'
    assert u.fraction_in(0.3, signed=True) == '0"'  # no sign on a zero
    # A bound never shows tighter than measured: up to the next 1/16", but an exact step stays.
    assert u.bound(0.4, "in") == '1/16"' and u.bound(1.5875, "in") == '1/16"' and u.bound(1.6, "in") == '1/8"'
    assert u.bound(0.44, "mm") == "0.4" and u.bound(1.06, "mm") == "1.1"


def test_number_figure_suffix():
    assert (u.number(-4.9), u.number(-4.9, signed=True), u.figure(4.9)) == ("4.9", "-4.9", "4.9 mm")
    assert (u.number(4.76, "in"), u.figure(4.76, "in"), u.suffix("in"), u.suffix("mm")) == ('3/16"', '3/16"', "", " mm")
    assert u.inches(4.76) == 0.1874 and u.inches(None) is None and u.inches(25.4) == 1.0


def test_units_are_checked_and_resolved_in_order():
    with pytest.raises(UsageError, match="units 'cm' is not one of mm, in"):
        u.figure(1.0, "cm")
    assert u.resolve_units() == "mm"
    assert u.resolve_units(stored="in") == "in"            # the clinic's setting
    assert u.resolve_units("mm", stored="in") == "mm"      # an explicit choice wins
    with pytest.raises(UsageError):
        u.resolve_units(stored="feet")
