"""Printing rows: text tables (tabulate), JSON and CSV, with lengths in millimetres or inches.

Part of :mod:`legcheck.cli._common` (which re-exports it); kept apart so each module stays small.
"""

from __future__ import annotations

import click

from ..textsafe import shown
from ..units import bound, fraction_in, inches

#: Length columns of the tables: whether each is a signed lld (else a 95 % bound).
LENGTH_COLUMNS = {"lld_mm": True, "change_mm": True, "uncertainty_mm": False, "propagated_mm": False,
                  "spread_mm": False}


def _cell(column: str, value, units: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return shown(value)
    if column in LENGTH_COLUMNS and units == "in":
        return fraction_in(value, signed=True) if LENGTH_COLUMNS[column] else bound(value, "in")
    if column == "lld_mm":
        return f"{value:+.2f}"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def with_inches(rows: list[dict], columns: list[str]) -> tuple[list[dict], list[str]]:
    """Rows and columns with a decimal-inch ``_in`` twin after each length column (JSON and CSV).

    Parameters
    ----------
    rows : list of dict
    columns : list of str

    Returns
    -------
    rows, columns
        New rows (``lld_in``, ``uncertainty_in``... via :func:`legcheck.units.inches`) and
        columns; the ``_mm`` ones stay.
    """
    out_cols = []
    for c in columns:
        out_cols += [c, c[:-3] + "_in"] if c in LENGTH_COLUMNS else [c]
    out_rows = [{**r, **{c[:-3] + "_in": inches(r.get(c)) for c in LENGTH_COLUMNS if c in r}} for r in rows]
    return out_rows, out_cols


#: A combining long stroke overlay after each character: text shown struck through.
STROKE = "\u0336"
#: Columns never struck through (they say which record and why).
_PLAIN = ("id", "supersedes", "superseded_by", "author", "reason", "voided")


def struck(text: str) -> str:
    """``text`` struck through (U+0336 after each character; a terminal draws the line)."""
    return "".join(ch + STROKE for ch in text)


def emit(rows: list[dict], columns: list[str], as_json: bool = False, as_csv: bool = False,
         units: str = "mm", strike=None) -> None:
    """Print rows on stdout.

    Parameters
    ----------
    rows : list of dict
    columns : list of str
        The columns of the CSV and of the text table.
    as_json, as_csv : bool
        JSON (every key of every row) or CSV; neither: a text table (tabulate) with lld_mm
        signed, other floats to 0.01 and numbers right-aligned.
    units : {"mm", "in"}
        In inches, JSON and CSV gain the decimal ``_in`` columns (:func:`with_inches`) and the
        text table shows each length column as fractions of an inch (headed ``lld_in``...).
    strike : callable, optional
        ``strike(row)`` True: the text table shows the row's values struck through (a voided
        record in a history), all but its ids, author and reason.
    """
    if as_json or as_csv:
        from ..reports.output import table_text

        if units == "in":
            rows, columns = with_inches(rows, columns)
        click.echo(table_text(rows, columns, "json" if as_json else "csv"), nl=False)
        return
    if not rows:
        click.echo("(none)")
        return
    from tabulate import tabulate

    cells = [[struck(_cell(c, r.get(c), units)) if strike is not None and strike(r) and c not in _PLAIN
              else _cell(c, r.get(c), units) for c in columns] for r in rows]
    align = ["right" if any(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) for r in rows)
             else "left" for c in columns]
    headers = [c[:-3] + "_in" if units == "in" and c in LENGTH_COLUMNS else c for c in columns]
    click.echo(tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align))


def red_flag_box(banner: str, *more: str) -> str:
    """An open red flag's lines, framed so a terminal shows them first and plainly."""
    line = "!" * 72
    return "\n".join([line, f"!! {banner[:1].upper()}{banner[1:]}", *(f"!! {m}" for m in more), line])
