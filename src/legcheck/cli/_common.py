"""What every command shares: the one error mapping, the option bundles, opening the store, printing rows.

Command modules import this module, never the package ``__init__`` (no import cycle).
"""

from __future__ import annotations

import functools
import json
import os
import sys

import click

from ..errors import FileAccessError, LegcheckError
from ..records.vocabulary import EVEN_BELOW_MM
from ..textsafe import shown
from ..units import UNITS, bound, fraction_in, inches, resolve_units


def fail(exc: LegcheckError, as_json: bool = False):
    """Print a user-caused error as one line on stderr and exit with its code.

    Parameters
    ----------
    exc : LegcheckError
    as_json : bool
        Also print ``{"error": {...}}`` on stdout (the ``--json`` contract).

    Raises
    ------
    SystemExit
        Always, with ``exc.exit_code``.
    """
    if exc.code == "board_layout":  # the library names no flags; here is where the fix is spelled out
        exc.message += {True: " (--legacy-board)", False: " (without --legacy-board)"}.get(
            getattr(exc, "legacy", None), " (--board-squares, --board-square-mm, --board-marker-mm, --legacy-board)")
    if as_json:
        click.echo(json.dumps(exc.to_json()))
    click.echo(f"legcheck: error: {shown(exc.message)}", err=True)
    sys.exit(exc.exit_code)


def handles_errors(fn):
    """Turn user-caused errors into one line and their exit code (a bad argument, UsageError: 2);
    anything else into exit 1 without a traceback (unless ``LEGCHECK_DEBUG`` is set)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        as_json = bool(kwargs.get("as_json"))
        try:
            return fn(*args, **kwargs)
        except LegcheckError as exc:
            fail(exc, as_json)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except OSError as exc:  # permissions, a full disk, a read-only file system: the user's to fix
            where = exc.filename or "a file"
            fail(FileAccessError(f"cannot use {where} ({exc.strerror or exc}); check its permissions and free space"),
                 as_json)
        except Exception as exc:  # noqa: BLE001 - the edge of the program: never a traceback for a user
            if os.environ.get("LEGCHECK_DEBUG"):
                raise
            fail(LegcheckError(f"internal error ({exc.__class__.__name__}: {exc}); please report it "
                               "with the photo, or rerun with LEGCHECK_DEBUG=1 for details"), as_json)
    return wrapper


def stack_options(fn, opts: list):
    """Apply click options to a command so they show in ``--help`` in the order listed."""
    for o in reversed(opts):
        fn = o(fn)
    return fn


def parse_grid(value: str, what: str) -> tuple[int, int]:
    """Parse a grid size such as ``"7x5"``.

    Parameters
    ----------
    value : str
    what : str
        The option, named in the error.

    Returns
    -------
    (int, int)
        Across, down.

    Raises
    ------
    click.BadParameter
        Not two whole numbers joined by x (exit 2).
    """
    try:
        a, b = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{what} must look like 7x5") from None
    return a, b


def parse_point(value: str | None, what: str) -> tuple[float, float] | None:
    """Parse a photo point such as ``"1520.5,980"``.

    Parameters
    ----------
    value : str or None
    what : str
        The option, named in the error.

    Returns
    -------
    (float, float) or None
        (x, y) pixels of the photo as displayed; None when not given.

    Raises
    ------
    click.BadParameter
        Not two numbers (exit 2).
    """
    if value is None:
        return None
    try:
        x, y = (float(v) for v in value.replace(" ", "").split(","))
    except ValueError:
        raise click.BadParameter(f"{what} must be X,Y in pixels, e.g. 1520.5,980") from None
    return x, y


def board_options(fn):
    """The board bundle shared by measure, check, calibrate and targets."""
    return stack_options(fn, [
        click.option("--board-squares", default="7x5", show_default=True, help="Board squares across x down."),
        click.option("--board-square-mm", type=float, default=36.0, show_default=True, help="Board square side, mm."),
        click.option("--board-marker-mm", type=float, default=27.0, show_default=True, help="Board marker side, mm."),
        click.option("--dictionary", default="DICT_5X5_100", show_default=True, help="ArUco dictionary of board and tabs."),
        click.option("--legacy-board", is_flag=True,
                     help="The board is printed in the legacy ChArUco layout (OpenCV before 4.6, calib.io boards)."),
    ])


def tab_options(fn):
    """The heel-tab bundle shared by measure, check and targets."""
    return stack_options(fn, [
        click.option("--tab-mm", type=float, default=40.0, show_default=True,
                     help="Heel tab marker side (outer black edge), mm."),
        click.option("--tab-ids", default="40,41", show_default=True, help="Marker ids of the LEFT,RIGHT heel tabs."),
    ])


def board_from(kw: dict):
    """The :class:`~legcheck.targets.spec.BoardSpec` of :func:`board_options`.

    Parameters
    ----------
    kw : dict
        The command's keyword arguments; the board options are consumed (``dictionary`` stays
        for the tabs).

    Raises
    ------
    click.BadParameter
        The board does not make sense (exit 2).
    """
    from ..targets.spec import BoardSpec

    sx, sy = parse_grid(kw.pop("board_squares"), "--board-squares")
    try:
        return BoardSpec(sx, sy, kw.pop("board_square_mm"), kw.pop("board_marker_mm"), kw["dictionary"],
                         legacy=bool(kw.pop("legacy_board", False)))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def tabs_from(kw: dict):
    """The :class:`~legcheck.targets.spec.TabSpec` of :func:`tab_options`, consumed from ``kw``.

    Raises
    ------
    click.BadParameter
        Tab ids are not two whole numbers, or the tab size does not make sense (exit 2).
    """
    from ..targets.spec import TabSpec

    try:
        left, right = (int(v) for v in kw.pop("tab_ids").split(","))
        return TabSpec(left, right, kw.pop("tab_mm"), dictionary=kw["dictionary"])
    except ValueError as exc:
        raise click.BadParameter(f"--tab-ids/--tab-mm: {exc}") from None


def measure_options(fn):
    """Everything that changes how a photo is measured (shared by measure and check)."""
    fn = stack_options(fn, [
        click.option("--camera", "camera_path", type=click.Path(dir_okay=False), default=None,
                     help="Camera profile JSON from 'legcheck calibrate' (more accurate)."),
        click.option("--even-below", type=click.FloatRange(min=0), default=EVEN_BELOW_MM, show_default=True,
                     help="Report 'even' when the difference is under this many mm."),
        click.option("--method", type=click.Choice(("auto", "tabs", "contour", "manual")), default="auto",
                     show_default=True, help="Heel tabs, heel contours, or your points (auto: tabs if present)."),
        click.option("--left-heel", default=None, metavar="X,Y", help="LEFT heel point, photo pixels (manual mode)."),
        click.option("--right-heel", default=None, metavar="X,Y", help="RIGHT heel point, photo pixels (manual mode)."),
        click.option("--near-left", default=None, metavar="X,Y",
                     help="Rough LEFT heel position (a tap near it), photo pixels: contour mode finds the heel there."),
        click.option("--near-right", default=None, metavar="X,Y",
                     help="Rough RIGHT heel position (a tap near it), photo pixels: contour mode finds the heel there."),
        click.option("--heel-height-mm", type=click.FloatRange(min=1, max=399), default=None,
                     help="Heel landmark height above the table, mm (contour and manual modes)  "
                          "[default: 100, a typical adult heel]"),
        click.option("--snap/--no-snap", default=True, show_default=True,
                     help="Move manual points onto the heel's edge when it is within a few pixels."),
    ])
    return board_options(tab_options(fn))


def options_from(kw: dict, annotate: bool = True):
    """The :class:`~legcheck.pipeline.MeasureOptions` of :func:`measure_options`.

    Parameters
    ----------
    kw : dict
        The command's keyword arguments; the measure options are consumed. An option not given
        keeps the library's default.
    annotate : bool
        Whether an annotated copy is made.

    Raises
    ------
    click.BadParameter
        As :func:`board_from`, :func:`tabs_from`, :func:`parse_point`. Whether the options go
        together (manual points and method) is the library's check (UsageError, exit 2).
    """
    from ..pipeline import MeasureOptions

    given = dict(board=board_from(kw), tabs=tabs_from(kw), camera=kw.pop("camera_path"),
                 even_below_mm=kw.pop("even_below"), method=kw.pop("method"),
                 left_heel_px=parse_point(kw.pop("left_heel"), "--left-heel"),
                 right_heel_px=parse_point(kw.pop("right_heel"), "--right-heel"),
                 near_left_px=parse_point(kw.pop("near_left"), "--near-left"),
                 near_right_px=parse_point(kw.pop("near_right"), "--near-right"),
                 heel_height_mm=kw.pop("heel_height_mm"), snap=kw.pop("snap"), annotate=annotate)
    kw.pop("dictionary", None)
    return MeasureOptions(**{k: v for k, v in given.items() if v is not None})  # None: the library default


def db_option(fn):
    """``--db`` (or ``LEGCHECK_DB``) and ``--create``: the database every record command opens."""
    fn = click.option("--create", "create_db", is_flag=True,
                      help="Create the database given by --db if it does not exist yet (as 'legcheck init').")(fn)
    return click.option("--db", "db_path", type=click.Path(dir_okay=False), envvar="LEGCHECK_DB", default=None,
                        help="Database file (default: legcheck.sqlite3 in your data directory, made on first use; "
                             "env LEGCHECK_DB).")(fn)


def output_options(fn):
    """``--json`` / ``--csv``, shared by every command that lists records."""
    fn = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")(fn)
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(fn)


def open_db(db_path, create: bool = False):
    """Open the store at ``--db`` (None: the data directory's, made on first use); use it with ``with``.

    An explicit path that does not exist is created only with ``create`` (``--create``,
    ``legcheck init``): a mistyped path is exit 10, naming it.

    Raises
    ------
    DatabaseError, FileAccessError, UsageError
        As :func:`legcheck.records.open_store`.
    """
    from ..errors import DatabaseError
    from ..records import open_store
    from ..records.sqlite import DatabaseMissingError

    try:
        return open_store(db_path, create=create)
    except DatabaseMissingError as exc:
        raise DatabaseError(f"{exc.message} (with 'legcheck init --db {db_path}' or --create)") from None


def output_path(path, store, force: bool = False):
    """An output file's path once it is safe to write: never the records, never an existing file without ``force``.

    Raises
    ------
    UsageError
        ``path`` is the database, one of its side files, or inside the photo store (always refused).
    RecordConflictError
        ``path`` exists and ``force`` is False.
    """
    import os
    from pathlib import Path

    from ..errors import RecordConflictError
    from ..fileio import refuse_protected

    refuse_protected(path, store.protected_paths() if store is not None else [])
    if not force and os.path.lexists(path):
        raise RecordConflictError(f"{path} already exists; give another file name, or --force to replace it")
    return Path(path)


def units_option(fn):
    """``--units mm|in``: how every figure the command prints is shown (None when not given; see :func:`units_from`)."""
    return click.option("--units", type=click.Choice(UNITS), default=None,
                        help='Show figures in mm, or in inches to the nearest 1/16" (JSON/CSV: decimal _in '
                             "columns beside the mm ones)  [default: mm]")(fn)


def units_from(chosen: str | None) -> str:
    """The units a command shows: ``--units``, else the stored setting, else mm.

    The clinic's stored ``units`` setting joins here (as ``stored``) once the store keeps a
    configuration; :func:`legcheck.units.resolve_units` holds the order.

    Parameters
    ----------
    chosen : str or None
        The ``--units`` value.

    Returns
    -------
    str
        "mm" or "in".
    """
    return resolve_units(chosen)


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


def emit(rows: list[dict], columns: list[str], as_json: bool = False, as_csv: bool = False,
         units: str = "mm") -> None:
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

    cells = [[_cell(c, r.get(c), units) for c in columns] for r in rows]
    align = ["right" if any(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool) for r in rows)
             else "left" for c in columns]
    headers = [c[:-3] + "_in" if units == "in" and c in LENGTH_COLUMNS else c for c in columns]
    click.echo(tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align))
