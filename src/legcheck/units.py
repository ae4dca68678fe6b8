"""Figures for people, in millimetres or inches: the one place a length becomes text.

Every command that prints a figure, the reports and the web app format lengths here, so "mm"
and "in" read the same everywhere. Values are stored and computed in millimetres; only the
display changes.

- ``mm``: one decimal ("4.9"), the unit written once after the figure (" mm").
- ``in``: the nearest 1/16 inch as a reduced fraction ('3/16"', '1 1/4"'), each figure carrying
  its own inch mark, because chiropractors chart in eighths and quarters of an inch. A 95 %
  bound is rounded *up* to the next 1/16" so a coarse unit never shows a tighter bound than was
  measured (0.4 mm shows as 1/16", not 0").
- JSON and CSV carry decimals (:func:`inches`, four places: 0.0001" = 0.0025 mm) beside the
  millimetres, never fractions.

The units a display uses come from, in order: an explicit choice (a command's ``--units``, a
report's ``units`` argument), then the stored setting (``units`` in the clinic's
configuration), then :data:`DEFAULT_UNITS`; :func:`resolve_units` applies that order.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .errors import UsageError

#: The units a figure can be shown in.
UNITS = ("mm", "in")
#: Millimetres unless chosen otherwise.
DEFAULT_UNITS = "mm"
#: Exactly, by the international yard and pound agreement (1959).
MM_PER_IN = 25.4
#: Inch figures are shown to the nearest 1/16".
IN_STEPS = 16

__all__ = ["UNITS", "DEFAULT_UNITS", "MM_PER_IN", "IN_STEPS", "check_units", "resolve_units", "inches",
           "fraction_in", "number", "bound", "suffix", "figure"]


def check_units(units: str) -> str:
    """Return ``units`` if it is one of :data:`UNITS`, else refuse it.

    Parameters
    ----------
    units : str

    Returns
    -------
    str
        ``units`` unchanged.

    Raises
    ------
    UsageError
        Not "mm" or "in".
    """
    if units not in UNITS:
        raise UsageError(f"units {units!r} is not one of {', '.join(UNITS)}")
    return units


def resolve_units(chosen: str | None = None, stored: str | None = None) -> str:
    """The units to show: the explicit choice, else the stored setting, else millimetres.

    Parameters
    ----------
    chosen : str, optional
        An explicit choice (a command's option, a function's argument).
    stored : str, optional
        The clinic's stored ``units`` setting.

    Returns
    -------
    str
        "mm" or "in".

    Raises
    ------
    UsageError
        The value used is not one of :data:`UNITS`.
    """
    return check_units(chosen or stored or DEFAULT_UNITS)


def inches(mm: float | None, places: int = 4) -> float | None:
    """Millimetres as decimal inches, for JSON and CSV.

    Parameters
    ----------
    mm : float or None
    places : int
        Decimal places kept (4: 0.0001 inch).

    Returns
    -------
    float or None
        None for None.
    """
    return None if mm is None else round(mm / MM_PER_IN, places)


def fraction_in(mm: float, signed: bool = False, round_up: bool = False) -> str:
    """A length as a reduced fraction of an inch, to the nearest 1/16".

    Parameters
    ----------
    mm : float
        The length, mm.
    signed : bool
        Prefix "+" or "-" (zero has no sign).
    round_up : bool
        Round the magnitude up to the next 1/16" instead of to the nearest (for bounds).

    Returns
    -------
    str
        For example '3/16"' (4.76 mm), '1 1/4"' (31.75 mm), '0"' (under 1/32"), '-1/8"'.
    """
    steps = abs(mm) / MM_PER_IN * IN_STEPS
    # 1e-9 keeps an exact step (3.175 mm = 2/16") from rounding up by floating-point noise.
    n = math.ceil(steps - 1e-9) if round_up else math.floor(steps + 0.5)
    whole, part = divmod(n, IN_STEPS)
    text = " ".join(p for p in (str(whole) if whole or not part else "",
                                str(Fraction(part, IN_STEPS)) if part else "") if p) + '"'
    return (("+" if mm > 0 else "-") if signed and n else "") + text


def number(mm: float, units: str = DEFAULT_UNITS, signed: bool = False) -> str:
    """A figure without the millimetre unit: "4.9", "+4.9", or in inches '3/16"' (the mark is part of it).

    Parameters
    ----------
    mm : float
        The figure, mm.
    units : {"mm", "in"}
    signed : bool
        Show the sign ("+" for a LEFT short leg when ``mm`` is an lld).

    Returns
    -------
    str
        Follow it with :func:`suffix` to name the unit once.

    Raises
    ------
    UsageError
        Unknown units.
    """
    if check_units(units) == "in":
        return fraction_in(mm, signed)
    return f"{mm:+.1f}" if signed else f"{abs(mm):.1f}"


def bound(mm: float, units: str = DEFAULT_UNITS) -> str:
    """A 95 % bound without the millimetre unit: "1.1", or in inches rounded up, '1/16"'.

    Parameters
    ----------
    mm : float
        The bound, mm (>= 0).
    units : {"mm", "in"}

    Returns
    -------
    str

    Raises
    ------
    UsageError
        Unknown units.
    """
    return fraction_in(mm, round_up=True) if check_units(units) == "in" else f"{abs(mm):.1f}"


def suffix(units: str = DEFAULT_UNITS) -> str:
    """What follows a run of :func:`number` figures: " mm", or "" in inches (each figure has its mark).

    Raises
    ------
    UsageError
        Unknown units.
    """
    return " mm" if check_units(units) == "mm" else ""


def figure(mm: float, units: str = DEFAULT_UNITS, signed: bool = False) -> str:
    """A figure with its unit: "4.9 mm", or '3/16"'.

    Parameters
    ----------
    mm : float
    units : {"mm", "in"}
    signed : bool

    Raises
    ------
    UsageError
        Unknown units.
    """
    return number(mm, units, signed) + suffix(units)

