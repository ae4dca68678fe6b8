"""What every command shares: the one error mapping, the option bundles, opening the store, printing rows.

Command modules import this module, never the package ``__init__`` (no import cycle).
"""

from __future__ import annotations

import click

from ..errors import UsageError
from ..units import UNITS, resolve_units
from ._errors import FLAG_HINTS, fail, handles_errors  # noqa: F401 - the commands import them from here
from ._output import LENGTH_COLUMNS, emit, red_flag_box, with_inches  # noqa: F401 - the commands import them from here


def stack_options(fn, opts: list):
    """Apply click options to a command so they show in ``--help`` in the order listed."""
    for o in reversed(opts):
        fn = o(fn)
    return fn


def parse_grid(value: str, what: str, minimum: int = 1, maximum: int = 1000) -> tuple[int, int]:
    """Parse a grid size such as ``"7x5"``.

    Parameters
    ----------
    value : str
    what : str
        The option, named in the error.
    minimum, maximum : int
        Each count must be in this range.

    Returns
    -------
    (int, int)
        Across, down.

    Raises
    ------
    click.BadParameter
        Not two whole numbers joined by x, or one outside the range (exit 2).
    """
    try:
        a, b = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{what} must look like 7x5") from None
    if not (minimum <= a <= maximum and minimum <= b <= maximum):
        raise click.BadParameter(f"{what} must be two whole numbers from {minimum} to {maximum} joined by x "
                                 f"(e.g. 7x5), got {value}")
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
    except (ValueError, UsageError) as exc:
        raise click.BadParameter(_flag_names(getattr(exc, "message", str(exc)))) from None


#: The board's parameters as the library names them, and as the command line does.
_BOARD_FLAGS = (("squares_x and squares_y", "--board-squares"), ("square_mm", "--board-square-mm"),
                ("marker_mm", "--board-marker-mm"), ("dictionary must", "--dictionary must"))


def _flag_names(message: str) -> str:
    for term, flag in _BOARD_FLAGS:
        message = message.replace(term, flag)
    return message


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


def _even_below(value) -> float:
    """``--even-below``: the library's check (finite, 0 to MAX_EVEN_BELOW_MM; NaN and inf refused)."""
    from ..records.inputs import require_mm
    from ..records.vocabulary import MAX_EVEN_BELOW_MM

    return require_mm("the threshold", value, MAX_EVEN_BELOW_MM, signed=False)


def measure_options(fn):
    """Everything that changes how a photo is measured (shared by measure and check)."""
    fn = stack_options(fn, [
        click.option("--camera", "camera_path", type=click.Path(dir_okay=False), default=None,
                     help="Camera profile JSON from 'legcheck calibrate' (more accurate; check: default the "
                          "stored camera setting)."),
        click.option("--even-below", default=None, metavar="MM", callback=checked(_even_below),
                     help="Report 'even' when the difference is under this many mm  [default: the stored "
                          "even-below-mm setting, else 1.0]"),
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
        click.option("--board-squared", is_flag=True, default=None,
                     help="The board is squared with the table by a jig or fence: when no table edge is in "
                          "the photo, assume no misalignment (otherwise ±0.5° goes into the uncertainty)."),
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
                 heel_height_mm=kw.pop("heel_height_mm"), snap=kw.pop("snap"),
                 board_squared=kw.pop("board_squared") or None, annotate=annotate)
    kw.pop("dictionary", None)
    return MeasureOptions(**{k: v for k, v in given.items() if v is not None})  # None: the library default


def stored_measure_settings(options, store, given: dict):
    """``options`` with the clinic's stored camera profile and even threshold where the command line gave none.

    Parameters
    ----------
    options : legcheck.pipeline.MeasureOptions
    store : Store
    given : dict
        ``camera`` and ``even_below_mm`` as given on the command line (None: not given).

    Raises
    ------
    CameraProfileError
        The stored camera profile cannot be used.
    """
    import dataclasses

    cfg = store.config()
    changes = {}
    if given.get("camera") is None and cfg.get("camera"):
        from ..vision.camera import CameraProfile

        changes["camera"] = CameraProfile.from_text(cfg["camera"], "the stored camera profile (legcheck config)")
    if given.get("even_below_mm") is None and cfg.get("even-below-mm"):
        changes["even_below_mm"] = float(cfg["even-below-mm"])
    return dataclasses.replace(options, **changes) if changes else options


def db_option(fn):
    """``--db`` (or ``LEGCHECK_DB``) and ``--create``: the database every record command opens."""
    fn = click.option("--create", "create_db", is_flag=True,
                      help="Create the database given by --db if it does not exist yet (as 'legcheck init').")(fn)
    return click.option("--db", "db_path", type=click.Path(dir_okay=False), envvar="LEGCHECK_DB", default=None,
                        help="Database file, or postgresql://user@host/dbname (default: legcheck.sqlite3 in your "
                             "data directory, made on first use; env LEGCHECK_DB).")(fn)


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

    from ..records.postgres import is_postgres_url, safe_url

    try:
        return open_store(db_path, create=create)
    except DatabaseMissingError as exc:
        shown_path = safe_url(db_path) if is_postgres_url(db_path) else db_path
        raise DatabaseError(f"{exc.message} (with 'legcheck init --db {shown_path}' or --create)") from None


def output_path(path, store, force: bool = False, inputs=(), kind: str | None = None):
    """An output file's path once the one rule allows it (:func:`legcheck.outputs.check_output`).

    Parameters
    ----------
    path : str or Path
    store : Store or None
        The open store, whose records (database, side files, photo store) are never written.
    force : bool
        ``--force``: an existing file may be replaced.
    inputs : iterable of str or Path
        The command's own input files.
    kind : str, optional
        What is written (a key of :data:`legcheck.outputs.SUFFIXES`): the name must end so.

    Raises
    ------
    UsageError
        Part of the records, an input, not a regular file, or empty (always refused); a suffix not of ``kind``.
    OutputExistsError
        ``path`` exists and ``force`` is False.
    FileAccessError
        Its folder cannot take a new file.
    """
    from ..outputs import check_output

    return check_output(path, overwrite=force, protected=store.protected_paths() if store is not None else [],
                        inputs=inputs, kind=kind)


def force_option(fn):
    """``--force``: replace output files that exist (never the records, an input or a device)."""
    return click.option("--force", is_flag=True,
                        help="Replace output files that exist (never the database, its photos or an input).")(fn)


def units_option(fn):
    """``--units mm|in``: how every figure the command prints is shown (None when not given; see :func:`units_from`)."""
    return click.option("--units", type=click.Choice(UNITS), default=None,
                        help='Show figures in mm, or in inches to the nearest 1/16" (JSON/CSV: decimal _in '
                             "columns beside the mm ones)  [default: mm]")(fn)


def units_from(chosen: str | None, store=None) -> str:
    """The units a command shows: ``--units``, else the store's ``units`` setting, else mm.

    :func:`legcheck.units.resolve_units` holds the order.

    Parameters
    ----------
    chosen : str or None
        The ``--units`` value.
    store : Store, optional
        The open store, whose configuration holds the clinic's setting.

    Returns
    -------
    str
        "mm" or "in".
    """
    stored = store.config().get("units") if store is not None and chosen is None else None
    return resolve_units(chosen, stored)


def checked(check, *args):
    """A click callback running a library check on an option's value: its UsageError becomes a usage
    error naming the option (exit 2). ``check(*args, value)`` returns the value to use."""
    def callback(ctx, param, value):
        if value is None:
            return None
        try:
            return check(*args, value)
        except UsageError as exc:
            raise click.BadParameter(exc.message, ctx=ctx, param=param) from None
    return callback


