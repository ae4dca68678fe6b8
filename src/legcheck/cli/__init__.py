"""Command line: parses, calls the library, prints. Nothing here measures.

Every command maps a :class:`legcheck.errors.LegcheckError` to its exit code and
a one-line message (stderr), or with ``--json`` to ``{"error": {...}}`` on stdout.
Progress and warnings go to stderr; ``--json`` output alone goes to stdout.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path

import click

from ..errors import LegcheckError


def _fail(exc: LegcheckError, as_json: bool):
    if as_json:
        click.echo(json.dumps(exc.to_json()))
    click.echo(f"legcheck: error: {exc.message}", err=True)
    sys.exit(exc.exit_code)


def handles_errors(fn):
    """Turn user-caused errors into one line and an exit code; anything else into exit 1 without a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        as_json = bool(kwargs.get("as_json"))
        try:
            return fn(*args, **kwargs)
        except LegcheckError as exc:
            _fail(exc, as_json)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the edge of the program: never a traceback for a user
            if os.environ.get("LEGCHECK_DEBUG"):
                raise
            err = LegcheckError(f"internal error ({exc.__class__.__name__}: {exc}); please report it "
                                "with the photo, or rerun with LEGCHECK_DEBUG=1 for details")
            _fail(err, as_json)
    return wrapper


def _parse_grid(value: str, what: str) -> tuple[int, int]:
    try:
        a, b = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{what} must look like 7x5") from None
    return a, b


def board_options(fn):
    """The board bundle shared by measure, calibrate and targets."""
    opts = [
        click.option("--board-squares", default="7x5", show_default=True, help="Board squares across x down."),
        click.option("--board-square-mm", type=float, default=36.0, show_default=True, help="Board square side, mm."),
        click.option("--board-marker-mm", type=float, default=27.0, show_default=True, help="Board marker side, mm."),
        click.option("--dictionary", default="DICT_5X5_100", show_default=True, help="ArUco dictionary of board and tabs."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def tab_options(fn):
    opts = [
        click.option("--tab-mm", type=float, default=40.0, show_default=True, help="Heel tab marker side (outer black edge), mm."),
        click.option("--tab-ids", default="40,41", show_default=True, help="Marker ids of the LEFT,RIGHT heel tabs."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _board(kw):
    from ..targets.spec import BoardSpec

    sx, sy = _parse_grid(kw.pop("board_squares"), "--board-squares")
    try:
        return BoardSpec(sx, sy, kw.pop("board_square_mm"), kw.pop("board_marker_mm"), kw["dictionary"])
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _tabs(kw):
    from ..targets.spec import TabSpec

    try:
        left, right = (int(v) for v in kw.pop("tab_ids").split(","))
        return TabSpec(left, right, kw.pop("tab_mm"), dictionary=kw["dictionary"])
    except ValueError as exc:
        raise click.BadParameter(f"--tab-ids/--tab-mm: {exc}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="legcheck")
def cli():
    """legcheck: apparent leg-length difference, in mm, from a photo of a prone patient's heels.

    \b
    Start here:
      legcheck targets --out print/        print the board and heel tabs
      legcheck measure photo.jpg           which leg is short, by how much
    """


@cli.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="targets", show_default=True,
              help="Directory for board/tabs PNG (600 dpi) and PDF (exact size) and targets.json.")
@board_options
@tab_options
@handles_errors
def targets(out_dir, **kw):
    """Write the printable calibration board and heel tabs."""
    from ..targets.printables import write_targets

    board = _board(kw)
    tabs = _tabs(kw)
    write_targets(out_dir, board, tabs)
    click.echo(f"Wrote board.png, board.pdf, tabs.png, tabs.pdf and targets.json to {out_dir}/")
    click.echo("Print the PDFs at 100 % (actual size) and check the 10 mm bar with a ruler.", err=True)


@cli.command()
@click.argument("photos", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="Profile JSON to write.")
@click.option("--chessboard", default=None, help="Classic chessboard inner corners, e.g. 9x6 (instead of the board).")
@click.option("--square-mm", type=float, default=None, help="Chessboard square side, mm (with --chessboard).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@board_options
@handles_errors
def calibrate(photos, out_path, chessboard, square_mm, as_json, **kw):
    """Make a camera profile from 5 or more photos of the board (or a chessboard)."""
    from ..vision.calibrate import calibrate_photos, save_calibration

    board = _board(kw)
    grid = _parse_grid(chessboard, "--chessboard") if chessboard else None
    if grid and not square_mm:
        raise click.BadParameter("--chessboard needs --square-mm")
    with click.progressbar(length=len(photos), label="Reading photos", file=sys.stderr) as bar:
        def progress(_):
            bar.update(1)
        res = calibrate_photos(list(photos), board=board, chessboard=grid, square_mm=square_mm,
                               name=Path(out_path).stem, progress=progress)
    profile_path, png = save_calibration(res, out_path)
    if as_json:
        click.echo(json.dumps({"profile": str(profile_path), "coverage_png": str(png), **res.to_json()}))
        return
    click.echo(res.summary())
    click.echo(f"Wrote {profile_path} and {png}")


def measure_options(fn):
    """Everything that changes how a photo is measured (shared by measure and check)."""
    opts = [
        click.option("--camera", "camera_path", type=click.Path(dir_okay=False), default=None,
                     help="Camera profile JSON from 'legcheck calibrate' (more accurate)."),
        click.option("--even-below", type=click.FloatRange(min=0), default=1.0, show_default=True,
                     help="Report 'even' when the difference is under this many mm."),
        click.option("--method", type=click.Choice(("auto", "tabs", "contour", "manual")), default="auto",
                     show_default=True, help="Heel tabs, heel contours, or your points (auto: tabs if present)."),
        click.option("--left-heel", default=None, metavar="X,Y", help="LEFT heel point, photo pixels (manual mode)."),
        click.option("--right-heel", default=None, metavar="X,Y", help="RIGHT heel point, photo pixels (manual mode)."),
        click.option("--heel-height-mm", type=click.FloatRange(min=1, max=399), default=100.0, show_default=True,
                     help="Heel landmark height above the table (contour and manual modes)."),
        click.option("--snap/--no-snap", default=True, show_default=True,
                     help="Move manual points onto the heel's edge when it is within a few pixels."),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return board_options(tab_options(fn))


def run_measure(photo, kw):
    """Measure with the options of :func:`measure_options` (consumed from ``kw``)."""
    from ..pipeline import measure_photo

    board = _board(kw)
    tabs = _tabs(kw)
    left, right = _point(kw.pop("left_heel"), "--left-heel"), _point(kw.pop("right_heel"), "--right-heel")
    method = kw.pop("method")
    if (left is None) != (right is None):
        raise click.UsageError("give both --left-heel and --right-heel")
    if left is not None and method not in ("auto", "manual"):
        raise click.UsageError(f"--left-heel/--right-heel are manual points; they do not go with --method {method}")
    if method == "manual" and left is None:
        raise click.UsageError("--method manual needs --left-heel X,Y and --right-heel X,Y")
    return measure_photo(photo, camera=kw.pop("camera_path"), board=board, tabs=tabs,
                         even_below_mm=kw.pop("even_below"), method=method, left_heel_px=left, right_heel_px=right,
                         heel_height_mm=kw.pop("heel_height_mm"), snap=kw.pop("snap")), board


def _point(value, name):
    if value is None:
        return None
    try:
        x, y = (float(v) for v in value.replace(" ", "").split(","))
    except ValueError:
        raise click.BadParameter(f"{name} must be X,Y in pixels, e.g. 1520.5,980") from None
    return x, y


@cli.command()
@click.argument("photo", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the full result as one JSON object.")
@click.option("--annotate", "annotate_path", type=click.Path(dir_okay=False), default=None,
              help="Where to write the annotated photo (default: PHOTO.annotated.jpg beside it).")
@click.option("--no-annotate", is_flag=True, help="Do not write an annotated photo.")
@measure_options
@handles_errors
def measure(photo, as_json, annotate_path, no_annotate, **kw):
    """Measure the apparent leg-length difference in one PHOTO."""
    from ..pipeline import annotate

    result, board = run_measure(photo, kw)
    m = result.measurement
    if not no_annotate:
        out = Path(annotate_path) if annotate_path else Path(photo).with_name(Path(photo).stem + ".annotated.jpg")
        try:
            annotate(result, out, board)
        except OSError as exc:
            click.echo(f"legcheck: warning: annotated photo not written ({exc.strerror}: {out})", err=True)
        else:
            if not as_json:
                click.echo(f"Annotated photo: {out}", err=True)
    for w in m.warnings:
        click.echo(f"legcheck: warning: {w}", err=True)
    if as_json:
        click.echo(json.dumps(m.to_json()))
    else:
        click.echo(m.summary())


@cli.command()
@click.option("--quick", is_flag=True, help="A small set (under a minute) printing the same table.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Write everything measured as JSON.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False), default=None,
              help="Write the Markdown summary (bench/RESULTS.md keeps the latest full run).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@handles_errors
def bench(quick, json_path, results_path, workers):
    """Accuracy and speed of every measurement mode on rendered 12 MP photos."""
    b = _benchmarks()

    n = sum((b.QUICK if quick else b.FULL)[k] for k in ("tabs", "feet")) + 2 * (b.QUICK if quick else b.FULL)["repeats"]
    with click.progressbar(length=n, label="Rendering and measuring", file=sys.stderr) as bar:
        res = b.run(quick=quick, workers=workers, progress=bar.update)
    click.echo(b.report_text(res))
    if json_path:
        Path(json_path).write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    if results_path:
        Path(results_path).write_text(b.results_markdown(res), encoding="utf-8")


def _benchmarks():
    """The benchmark lives in the source checkout (``benchmarks/``), not in the installed package."""
    import importlib.util

    path = Path(__file__).resolve().parents[3] / "benchmarks" / "bench.py"
    if not path.exists():
        raise LegcheckError("legcheck bench runs from a source checkout (benchmarks/bench.py not found); "
                            "clone the repository and run 'make bench'")
    spec = importlib.util.spec_from_file_location("legcheck_benchmarks", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # the worker processes unpickle jobs by module name
    spec.loader.exec_module(module)
    return module


from . import records  # noqa: E402,F401  (registers the visit-log commands)


def main():
    cli(prog_name="legcheck")


if __name__ == "__main__":  # pragma: no cover - run the canonical module, whose group has every command
    from legcheck.cli import main as _main

    _main()
