"""A change between two figures in words: the one place that says what happened to the legs.

A pre -> post change at a visit, and a change from one visit's post check to the next visit's
pre check, are both described by :class:`Change`. The reports, ``legcheck visit show`` and the
web app all call it, so the words and the numbers agree everywhere.

Rules (lld_mm > 0: the LEFT leg appears short; a side is "even" under the even threshold):

- The number stated is always the **signed** change ``b - a`` (its size), the same number the
  test of measurability uses and the CSV's ``change_mm`` holds. A change of the short side
  from left 4.9 to right 4.5 is 9.4 mm, never 0.4.
- A change is **measurable** when ``|b - a|`` exceeds the combined 95 % bound
  ``sqrt(U_a**2 + U_b**2)`` (independent checks, GUM 5.1.2); otherwise it is "no measurable
  change", never an improvement.
- The words name what happened to the short side: it changed side, got less or more on the
  same side, evened, or appeared.

Examples (mm; the bound of each figure 0.8 or 0.4 mm)::

    left short 4.9 → right short 4.5 mm: the short side changed, by 9.4 mm (± 1.1)
    left short 4.9 → left short 1.2 mm: 3.7 mm less (± 0.6)
    left short 4.9 → left short 4.5 mm: no measurable change (0.4 mm, within ± 1.1)

References
----------
JCGM 100:2008 (GUM), section 5.1.2: two independent 95 % bounds combine in quadrature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import units as u
from ..records.vocabulary import EVEN_BELOW_MM, short_leg_of

__all__ = ["Change", "describe", "figure_words", "change_between"]

ARROW = "\u2192"
#: The verdict of each kind of change (a change between two even figures goes by their size).
_VERDICTS = {"no measurable change": "no measurable change", "side changed": "reversed", "less": "improved",
             "evened": "improved", "more": "worse", "now short": "worse"}
PM = "\u00b1"


def _has_number(lld_mm: float, units: str, even_below_mm: float) -> bool:
    """Whether the figure words show a number (an even figure that rounds to 0 does not)."""
    return short_leg_of(lld_mm, even_below_mm) != "even" or u.number(abs(lld_mm), units) not in ("0.0", '0"')


def figure_words(lld_mm: float, units: str = u.DEFAULT_UNITS, even_below_mm: float = EVEN_BELOW_MM) -> str:
    """One figure in words without the millimetre unit: "left short 4.9", "even 0.4", "even".

    Parameters
    ----------
    lld_mm : float
        mm, positive when the LEFT leg appears short.
    units : {"mm", "in"}
        In inches each number carries its mark: 'left short 3/16"'.
    even_below_mm : float
        |lld_mm| under this is even, mm.

    Returns
    -------
    str
        An even figure that rounds to zero in ``units`` is just "even".
    """
    side = short_leg_of(lld_mm, even_below_mm)
    if side == "even":
        return f"even {u.number(abs(lld_mm), units)}" if _has_number(lld_mm, units, even_below_mm) else "even"
    return f"{side} short {u.number(abs(lld_mm), units)}"


def describe(lld_mm: float, units: str = u.DEFAULT_UNITS, even_below_mm: float = EVEN_BELOW_MM) -> str:
    """One figure in words with its unit: "left short 4.2 mm", 'right short 1/16"', "even 0.4 mm".

    Parameters
    ----------
    lld_mm : float
        mm, positive when the LEFT leg appears short.
    units : {"mm", "in"}
    even_below_mm : float
        |lld_mm| under this is even, mm.

    Returns
    -------
    str
    """
    words = figure_words(lld_mm, units, even_below_mm)
    return words + (u.suffix(units) if _has_number(lld_mm, units, even_below_mm) else "")


@dataclass(frozen=True)
class Change:
    """From figure ``a`` to figure ``b``: two lld_mm values with their 95 % bounds.

    Parameters
    ----------
    a_mm, b_mm : float
        The two figures (mm, positive = LEFT leg appears short): pre and post of a visit, or
        one visit's post and the next visit's pre.
    a_unc, b_unc : float
        Their 95 % bounds (mm), from independent checks.
    even_below_mm : float
        |lld_mm| under this is even, mm.
    """

    a_mm: float
    a_unc: float
    b_mm: float
    b_unc: float
    even_below_mm: float = EVEN_BELOW_MM

    @property
    def delta_mm(self) -> float:
        """Signed change ``b - a`` (mm)."""
        return self.b_mm - self.a_mm

    @property
    def combined_unc(self) -> float:
        """95 % bound of the change (mm): the two bounds in quadrature (independent checks)."""
        return math.hypot(self.a_unc, self.b_unc)

    @property
    def measurable(self) -> bool:
        """Whether ``|delta_mm|`` exceeds :attr:`combined_unc`."""
        return abs(self.delta_mm) > self.combined_unc

    @property
    def sides(self) -> tuple[str, str]:
        """The short side of each figure: "left", "right" or "even"."""
        return short_leg_of(self.a_mm, self.even_below_mm), short_leg_of(self.b_mm, self.even_below_mm)

    @property
    def kind(self) -> str:
        """What happened to the short side.

        Returns
        -------
        str
            "no measurable change"; "side changed" (short on one side, then the other); "less"
            or "more" (short on the same side); "evened" (short, then even); "now short"
            (even, then short); "still even" (both even, yet measurably apart).
        """
        if not self.measurable:
            return "no measurable change"
        a, b = self.sides
        if a != "even" and b != "even":
            if a != b:
                return "side changed"
            return "less" if abs(self.b_mm) < abs(self.a_mm) else "more"
        if a != "even":
            return "evened"
        return "now short" if b != "even" else "still even"

    @property
    def verdict(self) -> str:
        """"improved" (less, evened), "worse" (more, now short), "reversed" (side changed) or
        "no measurable change"; both even but measurably apart: by the size of the figures."""
        kind = self.kind
        if kind == "still even":
            return "improved" if abs(self.b_mm) < abs(self.a_mm) else "worse"
        return _VERDICTS[kind]

    def what(self, units: str = u.DEFAULT_UNITS) -> str:
        """What happened, without the two figures: "the short side changed, by 9.4 mm (± 1.1)".

        Parameters
        ----------
        units : {"mm", "in"}

        Returns
        -------
        str
            "no measurable change (0.4 mm, within ± 1.1)", "3.7 mm less (± 0.6)", "3.7 mm
            more (± 0.6)", "the short side changed, by 9.4 mm (± 1.1)", "evened, by 4.1 mm
            (± 0.6)", "now right short, by 3.3 mm (± 0.6)", "still even, moved by 1.8 mm
            (± 0.2)". The number is always ``|b - a|``.
        """
        size = u.figure(abs(self.delta_mm), units)
        pm = f"{PM} {u.bound(self.combined_unc, units)}"
        kind = self.kind
        if kind == "no measurable change":
            return f"no measurable change ({size}, within {pm})"
        if kind in ("less", "more"):
            return f"{size} {kind} ({pm})"
        lead = {"side changed": "the short side changed,", "evened": "evened,",
                "now short": f"now {self.sides[1]} short,", "still even": "still even, moved"}[kind]
        return f"{lead} by {size} ({pm})"

    def sentence(self, between_visits: bool = False, *, units: str = u.DEFAULT_UNITS) -> str:
        """Both figures and what happened, in one line.

        Parameters
        ----------
        between_visits : bool
            Accepted for callers written before the words were unified; a change between visits
            is worded exactly like a change within one.
        units : {"mm", "in"}

        Returns
        -------
        str
            For example "left short 4.9 → right short 4.5 mm: the short side changed, by 9.4 mm
            (± 1.1)"; in inches 'left short 3/16" → right short 3/16": the short side changed,
            by 3/8" (± 1/16")'. In millimetres the unit is written once, after the last number.
        """
        a = figure_words(self.a_mm, units, self.even_below_mm)
        b = figure_words(self.b_mm, units, self.even_below_mm)
        if _has_number(self.b_mm, units, self.even_below_mm):
            b += u.suffix(units)
        elif _has_number(self.a_mm, units, self.even_below_mm):
            a += u.suffix(units)
        return f"{a} {ARROW} {b}: {self.what(units)}"

    def to_dict(self) -> dict:
        """The change as JSON-ready numbers.

        Returns
        -------
        dict
            ``from_mm``, ``to_mm``, ``delta_mm``, ``combined_uncertainty_mm`` (mm),
            ``measurable``, ``kind``, ``verdict`` and ``sentence`` (in mm).
        """
        return {"from_mm": self.a_mm, "to_mm": self.b_mm, "delta_mm": self.delta_mm,
                "combined_uncertainty_mm": self.combined_unc, "measurable": self.measurable, "kind": self.kind,
                "verdict": self.verdict, "sentence": self.sentence()}


def change_between(a: dict | None, b: dict | None, even_below_mm: float = EVEN_BELOW_MM) -> Change | None:
    """The change from one mean to another.

    Parameters
    ----------
    a, b : dict or None
        Rows of a bundle's ``means`` (``lld_mm``, ``uncertainty_mm``, mm).
    even_below_mm : float
        |lld_mm| under this is even, mm.

    Returns
    -------
    Change or None
        None unless both means exist.
    """
    if not a or not b:
        return None
    return Change(a["lld_mm"], a["uncertainty_mm"], b["lld_mm"], b["uncertainty_mm"], even_below_mm)
