"""Text that leaves legcheck for a person or a spreadsheet: shown safely, written safely.

Names, notes and other free text are stored exactly as given; they are cleaned where they are
*displayed* (:func:`shown`): control characters (a newline that would forge a table row, a
terminal escape sequence) and invisible format characters (bidi overrides, zero-width
characters) never reach a terminal, a CSV file or a report. Every CSV legcheck writes goes
through :func:`csv_text`, which also defuses spreadsheet formulas (a cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``).

References
----------
OWASP, "CSV Injection" (the characters that start a formula and the ``'`` prefix).
Unicode Standard Annex #9 (bidirectional formatting characters, general category Cf).
"""

from __future__ import annotations

import csv
import io
import unicodedata

__all__ = ["shown", "csv_cell", "csv_text", "FORMULA_START"]

#: A spreadsheet reads a cell starting with one of these as a formula (or strips it).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def shown(value) -> str:
    """``value`` as text fit to display: control and format characters removed.

    Parameters
    ----------
    value : object
        Any value; None becomes "".

    Returns
    -------
    str
        ``str(value)`` with tabs, newlines and other whitespace controls turned into one space
        each, and every other control (Unicode category Cc: C0, DEL, C1, so ESC sequences lose
        their ESC) and format character (Cf: bidi overrides and isolates, zero-width space and
        joiners, BOM) removed.
    """
    if value is None:
        return ""
    text = str(value)
    if text.isprintable():
        return text
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Zl", "Zp"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def csv_cell(value):
    """One CSV cell: numbers as they are, text shown safely and never read as a formula.

    Parameters
    ----------
    value : object
        None (an empty cell), a bool, an int or float (written as the number: a negative
        lld_mm stays a number), or anything else (as :func:`shown` text).

    Returns
    -------
    object
        What :mod:`csv` writes: the number, or text prefixed with ``'`` when it starts with one
        of :data:`FORMULA_START`.
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = shown(value)
    # shown() turns a leading tab or CR into a space: test the raw value too.
    if text.startswith(FORMULA_START) or str(value).startswith(FORMULA_START):
        return "'" + text
    return text


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """Rows as CSV text: a header of ``columns``, one line per row, every cell through :func:`csv_cell`.

    Parameters
    ----------
    rows : list of dict
        Keys not in ``columns`` are left out; a missing key is an empty cell.
    columns : list of str

    Returns
    -------
    str
        RFC 4180 quoting, ``\\n`` line ends.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_cell(c) for c in columns])
    for r in rows:
        w.writerow([csv_cell(r.get(c)) for c in columns])
    return buf.getvalue()
