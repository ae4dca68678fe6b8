"""Chart numbers that look alike on paper and on screen, though their characters differ.

NFKC and case folding (:func:`legcheck.records.inputs.normalize_chart`) already make "Ｃ１０４２",
"c1042" and "C1042" one chart. What they leave apart are *confusables*: the Cyrillic "С" or the
Greek "Ο" beside the Latin "C" and "O", the digit "0" beside the letter "O", "1" beside "l" and "I",
and letters with an added mark. Two current patients whose charts look alike would be mixed up
at the front desk and in every report header, so the store refuses the second one, and the
database check names pairs already stored (a warning: written before this check, or before a
look-alike was added to the table).

:func:`skeleton` maps a chart number to a form in which look-alikes coincide: NFKC, case
folded, decomposed with its combining marks dropped, each confusable letter replaced by the
Latin letter it imitates. The table is the part of Unicode's confusables data that matters for
chart numbers typed on European and phone keyboards (Latin, Greek, Cyrillic, digits); it is
not the whole of UTS #39, and says so.

References
----------
Unicode Technical Standard #39, Unicode Security Mechanisms, section 4 (confusable detection,
the skeleton) and its data file confusables.txt.
"""

from __future__ import annotations

import unicodedata

__all__ = ["skeleton", "looks_alike", "lookalike_groups", "lookalike_warning", "refuse_lookalike"]

#: Case-folded confusable -> the case-folded Latin letter (or digit) it imitates.
_CONFUSABLE = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "l", "ї": "l", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ꙇ": "l", "з": "3", "б": "6", "ч": "4",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "l", "κ": "k", "μ": "m", "ν": "n", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "y", "χ": "x", "ϲ": "c", "ϳ": "j", "ϵ": "e",
    # Latin and digits that pass for one another
    "0": "o", "1": "l", "i": "l", "ı": "l", "|": "l",
})


def skeleton(text: str) -> str:
    """``text`` in a form where look-alike chart numbers are equal (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    bare = "".join(ch for ch in unicodedata.normalize("NFD", folded) if unicodedata.category(ch) not in ("Mn", "Me"))
    return unicodedata.normalize("NFKC", bare).translate(_CONFUSABLE)


def looks_alike(chart: str, others) -> str | None:
    """The first of ``others`` (chart numbers) that looks like ``chart``, or None."""
    key = skeleton(chart)
    return next((o for o in others if skeleton(o) == key), None)


def lookalike_groups(charts) -> list[list[str]]:
    """The groups of two or more of ``charts`` that look alike, each and all in the order given.

    Parameters
    ----------
    charts : iterable of str
        Chart numbers, one per current patient (charts that are the same chart, by their key,
        are another matter: the database check names those as a problem).

    Returns
    -------
    list of list of str
    """
    groups: dict[str, list[str]] = {}
    for chart in charts:
        groups.setdefault(skeleton(chart), []).append(chart)
    return [g for g in groups.values() if len(g) > 1]


def _odd(charts) -> str:
    """The characters of ``charts`` that are not plain ASCII, named, or the ASCII look-alikes, in brackets."""
    odd = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in dict.fromkeys("".join(charts))
                    if ord(c) > 127)
    return f" ({odd})" if odd else " (0/O, 1/l/I)"


def lookalike_warning(group: list[str]) -> str:
    """One line naming a group of look-alike chart numbers already stored (:func:`lookalike_groups`)."""
    names = ", ".join(group[:-1]) + " and " + group[-1]
    return (f"patients: chart numbers {names} look alike{_odd(group)}; they can be mixed up: change all but one "
            "to a chart number that reads differently")


def refuse_lookalike(chart: str, others) -> None:
    """Refuse ``chart`` when it looks like one of ``others`` (the current patients' chart numbers).

    Raises
    ------
    RecordConflictError
        It does (exit 9); the message names the other chart and the characters that are not
        plain ASCII, so the difference can be found.
    """
    from ..errors import RecordConflictError

    other = looks_alike(chart, others)
    if other is None:
        return
    raise RecordConflictError(f"chart number {chart} looks like the existing patient's chart number {other}"
                              f"{_odd([chart, other])}; use a chart number that reads differently")
