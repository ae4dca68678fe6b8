"""What the visit log accepts: chart numbers, names, dates and figures, checked before any write.

A chart number is an identifier people type, read aloud and print: it is NFKC-normalised (a
full-width "Ｃ１０４２" is "C1042"), compared case-folded (``c1042`` finds ``C1042``), and refused
when it holds a control, format (bidi override, zero-width) or whitespace character other than
single spaces, so two patients can never look alike on paper. Figures must be finite and
plausible: a leg-length difference beyond :data:`MAX_ABS_LLD_MM` is a mistake, not a finding.

References
----------
Unicode Standard Annex #15 (normalisation form NFKC); Unicode Standard section 5.18 (case
folding); Unicode Technical Report #36 (confusable and invisible characters in identifiers).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

from ..errors import UsageError

#: The largest |lld_mm| the log accepts, mm: an apparent difference beyond it is a mistake.
MAX_ABS_LLD_MM = 40.0
#: The largest 95 % bound the log accepts, mm.
MAX_UNCERTAINTY_MM = 40.0
#: Longest chart number and user name, characters (an identifier read aloud, printed in headers).
MAX_CHART_CHARS, MAX_USER_NAME_CHARS = 40, 64
#: Longest patient name, and any other free text (notes, reasons, listings), characters.
MAX_NAME_CHARS, MAX_TEXT_CHARS = 200, 4000


def normalize_chart(chart) -> tuple[str, str]:
    """A chart number as stored and its key for uniqueness.

    Parameters
    ----------
    chart : str
        As typed.

    Returns
    -------
    chart : str
        NFKC-normalised, outer spaces removed: what is stored and shown.
    key : str
        Its case-folded NFKC form: two charts with the same key are the same chart.

    Raises
    ------
    UsageError
        Empty, or holding a control, format or whitespace character other than single spaces.
    """
    return _identifier("chart number", chart, "a patient needs a chart number", MAX_CHART_CHARS)


def normalize_user_name(name) -> tuple[str, str]:
    """A web app user's sign-in name as stored and its key for uniqueness (the rules of :func:`normalize_chart`).

    Returns
    -------
    name : str
        NFKC-normalised, outer spaces removed: what is stored, shown and recorded as an author.
    key : str
        Its case-folded NFKC form: "Ann" and "ann" are one user.

    Raises
    ------
    UsageError
        Empty, or holding a control, format or whitespace character other than single spaces.
    """
    return _identifier("user name", name, "a user needs a name", MAX_USER_NAME_CHARS)


def _identifier(what: str, value, empty: str, max_chars: int) -> tuple[str, str]:
    """An identifier people type and read (see the module docstring): (as stored, key)."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip(" ")
    if not text:
        raise UsageError(empty)
    _short_enough(what, text, max_chars)
    for ch in text:
        cat = unicodedata.category(ch)
        if ch != " " and (cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs") or ch.isspace()):
            raise UsageError(f"{what} {text!r} holds an invisible or control character "
                             f"(U+{ord(ch):04X}); type it with letters, digits and single spaces")
    if "  " in text:
        raise UsageError(f"{what} {text!r} holds two spaces in a row; use single spaces")
    return text, unicodedata.normalize("NFKC", text.casefold())


def chart_key(chart) -> str:
    """The key a chart number is looked up by (see :func:`normalize_chart`); "" for one that cannot exist."""
    try:
        return normalize_chart(chart)[1]
    except UsageError:
        return ""


def _short_enough(what: str, text: str, max_chars: int | None) -> None:
    if max_chars is not None and len(text) > max_chars:
        raise UsageError(f"{what} is {len(text)} characters long; keep it to {max_chars}")


def require_text(what: str, value, optional: bool = False, max_chars: int | None = MAX_TEXT_CHARS) -> str | None:
    """Free text (a name, notes) with outer whitespace removed; refused empty unless ``optional``.

    ``max_chars``: the longest accepted (:data:`MAX_TEXT_CHARS`; :data:`MAX_NAME_CHARS` for a
    name; None: no limit, for a stored camera profile's JSON).

    Raises
    ------
    UsageError
        Empty and not optional, not text, longer than ``max_chars``, or holding a NUL or a lone
        surrogate (which no backend stores the same way: PostgreSQL refuses NUL, neither can
        encode a surrogate).
    """
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{what} must be text")
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise UsageError(f"{what} holds a NUL or an unpaired surrogate character; remove it")
    text = value.strip()
    if not text and not optional:
        raise UsageError(f"{what} must not be empty")
    _short_enough(what, text, max_chars)
    return text or None


def require_date(what: str, value) -> str | None:
    """A date as YYYY-MM-DD, or None.

    Raises
    ------
    UsageError
        Not a calendar date in that form.
    """
    from .when import require_day

    return require_day(what, value)


def require_mm(what: str, value, limit: float, signed: bool = True) -> float:
    """A figure in millimetres: finite, within ±``limit`` (or 0..``limit`` when not signed).

    Parameters
    ----------
    what : str
        Its name for the message (e.g. "lld_mm").
    value : float
    limit : float
        The largest magnitude accepted, mm.
    signed : bool
        Whether negative figures are allowed.

    Returns
    -------
    float

    Raises
    ------
    UsageError
        Not a number, NaN, infinite, or out of range.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{what} must be a number of millimetres, got {value!r}") from None
    if not math.isfinite(x):
        raise UsageError(f"{what} must be a finite number of millimetres, got {value!r}")
    low = -limit if signed else 0.0
    if not low <= x <= limit:
        span = f"±{limit:g}" if signed else f"0 to {limit:g}"
        raise UsageError(f"{what} {x:g} mm is outside {span} mm; check the figure")
    return x


def require_lld_mm(value) -> float:
    """A leg-length difference, mm: finite and within ±:data:`MAX_ABS_LLD_MM`."""
    return require_mm("lld_mm", value, MAX_ABS_LLD_MM)


#: The earliest date of birth accepted (a year before it is a typing mistake).
EARLIEST_DOB = dt.date(1900, 1, 1)


def require_dob(value, today: dt.date | None = None) -> str | None:
    """A date of birth as YYYY-MM-DD, or None: a calendar date after 1900 and before today.

    Parameters
    ----------
    value : str or None
    today : date, optional
        Default: today's local date.

    Raises
    ------
    UsageError
        Not a date, in the future (or today), or before :data:`EARLIEST_DOB`.
    """
    day = require_date("date of birth", value)
    if day is None:
        return None
    today = today or dt.date.today()
    if day >= today.isoformat():
        raise UsageError(f"date of birth {day} is not in the past; check the year")
    if day < EARLIEST_DOB.isoformat():
        raise UsageError(f"date of birth {day} is before {EARLIEST_DOB.year}; check the year")
    return day


def search_key(text) -> str:
    """Text as a search compares it: NFKD without accents, case-folded, spaces collapsed.

    "José" and "jose" have the same key; so do "Ｃ１０４２" and "c1042".
    """
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def require_whole(what: str, value, low: int, high: int, unit: str = "") -> int:
    """A whole number within ``low``..``high`` (a pain rating 0-10).

    Raises
    ------
    UsageError
        Not a whole number, or out of range; the message names ``what`` and the range.
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x) or x != int(x) or not low <= x <= high:
        raise UsageError(f"{what} must be a whole number from {low} to {high}{unit}, got {value!r}")
    return int(x)


def require_minutes(what: str, value, optional: bool = True) -> float | None:
    """A duration or a time after an event, minutes: finite, 0 to a day (1440).

    Raises
    ------
    UsageError
        Not a number, negative, or over a day.
    """
    if value is None and optional:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{what} must be a number of minutes, got {value!r}") from None
    if not math.isfinite(x) or not 0 <= x <= 1440:
        raise UsageError(f"{what} {value!r} minutes is outside 0 to 1440 (a day); check the figure")
    return x
