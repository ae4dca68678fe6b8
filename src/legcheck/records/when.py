"""Dates and times the visit log accepts: one strict spelling, plausible years, real time zones.

Python's ``fromisoformat`` reads far more than the ``YYYY-MM-DD[THH:MM]`` the commands document
(``20240101``, ``2024-W01-1``, nanoseconds, offsets up to ±23:59) and any year from 1 to 9999;
``\\d`` in a regular expression matches Arabic-Indic digits too. Here only ASCII digits in the
documented form pass, a time zone must be one the world uses (UTC-12:00 to UTC+14:00), a visit
is not before :data:`EARLIEST_VISIT` nor more than :data:`FUTURE_SLACK` ahead of now, and any
other date lies between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`. Every refusal is a
:class:`~legcheck.errors.UsageError` (exit 2) naming the value and the form to use.

References
----------
ISO 8601-1:2019 (extended format); the IANA time zone database (offsets in use: -12:00 to +14:00).
"""

from __future__ import annotations

import datetime as dt
import re

from ..errors import UsageError

__all__ = ["EARLIEST_VISIT", "EARLIEST_DATE", "LATEST_DATE", "FUTURE_SLACK", "require_day", "parse_visit_time",
           "require_visit_time"]

#: No visit of a patient alive today was recorded before this.
EARLIEST_VISIT = dt.date(1990, 1, 1)
#: How far ahead of this computer's clock a visit may start (another room's clock, a time zone).
FUTURE_SLACK = dt.timedelta(days=1)
#: The range of any other date (a date of birth, a follow-up, a report's bounds).
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2})?))?"
                   r"(Z|[+-][0-9]{2}:[0-9]{2})?", re.ASCII)
_MIN_OFFSET, _MAX_OFFSET = dt.timedelta(hours=-12), dt.timedelta(hours=14)


def _shown(value) -> str:
    return repr(str(value)[:40])


def require_day(what: str, value) -> str | None:
    """A date written YYYY-MM-DD between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`, or None.

    Raises
    ------
    UsageError
        Another spelling, not a calendar date, or a year out of range.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        text = str(value).strip()
        try:
            if not _DAY.fullmatch(text):
                raise ValueError
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"{what} {_shown(value)} is not a date; use YYYY-MM-DD") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        side = f"before {EARLIEST_DATE.year}" if day < EARLIEST_DATE else f"after {LATEST_DATE.year}"
        raise UsageError(f"{what} {day.isoformat()} is {side}; check the year")
    return day.isoformat()


def parse_visit_time(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """A visit's start as typed: ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM[:SS]``, optionally ``Z`` or ``±HH:MM``.

    Returns
    -------
    datetime
        Aware (local time when no zone is given), checked by :func:`require_visit_time`.

    Raises
    ------
    UsageError
        Another spelling, not a calendar date or time, an offset no time zone uses, or an
        implausible date.
    """
    m = _TIME.fullmatch(str(text).strip())
    try:
        if m is None:
            raise ValueError
        day, clock, zone = m.groups()
        t = dt.datetime.fromisoformat(f"{day}T{clock or '00:00'}{'+00:00' if zone == 'Z' else zone or ''}")
    except ValueError:
        raise UsageError(f"{_shown(text)} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
                         "(optionally with a zone, +01:00)") from None
    return require_visit_time(t, now)


def require_visit_time(when: dt.datetime, now: dt.datetime | None = None) -> dt.datetime:
    """A visit's start: aware (a naive time is local), in a real zone, plausible.

    Raises
    ------
    UsageError
        Not a datetime, an offset outside UTC-12:00..UTC+14:00, before :data:`EARLIEST_VISIT`, or
        more than :data:`FUTURE_SLACK` ahead of ``now`` (default: this computer's clock).
    """
    if not isinstance(when, dt.datetime):
        raise UsageError(f"a visit's start must be a date and time, got {_shown(when)}")
    if when.date() < EARLIEST_VISIT:  # before converting: year 1 has no local time
        raise UsageError(f"the visit date {when.date().isoformat()} is before {EARLIEST_VISIT.year}; check the year")
    if when.tzinfo is None:
        when = when.astimezone()
    offset = when.utcoffset()
    if offset is None or not _MIN_OFFSET <= offset <= _MAX_OFFSET:
        raise UsageError(f"the visit time {when.isoformat()} has a time zone no place uses (UTC-12:00 to "
                         "UTC+14:00); check the offset")
    now = now or dt.datetime.now(dt.timezone.utc)
    if when > now + FUTURE_SLACK:
        raise UsageError(f"the visit date {when.date().isoformat()} is in the future; record a visit when it "
                         "happens (check the year)")
    return when
