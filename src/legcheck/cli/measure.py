"""Photo commands: print the targets, calibrate a camera, measure a photo, run the benchmark."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ..errors import FileAccessError, LegcheckError
from ..reports.output import PAPERS  # the sheets legcheck prints on; light to import, unlike targets/
from ._common import board_from, board_options, force_option, handles_errors, measure_options, options_from, \
    output_path, parse_grid, tab_options, tabs_from, units_from, units_option


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="targets", show_default=True,
              help="Directory for board/tabs PNG (600 dpi) and PDF (exact size) and targets.json (made owner-only if "
                   "missing; the folder above it must exist).")
@click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True,
              help="Sheet of the PDFs (board landscape, tabs portrait).")
@force_option
@board_options
@tab_options
@handles_errors
def targets(out_dir, paper, force, **kw):
    """Write the printable calibration board and heel tabs."""
    from ..targets.printables import write_targets

    board = board_from(kw)
    tabs = tabs_from(kw)
    out = Path(out_dir)  # "print/" and "print" name the same directory: no doubled slash below
    write_targets(out, board, tabs, paper, overwrite=force)
    click.echo(f"Wrote board.png, board.pdf, tabs.png, tabs.pdf ({paper}) and targets.json to {out}")
    click.echo("Print the PDFs at 100 % (actual size) and check the 10 mm bar with a ruler.", err=True)


@click.command()
@click.argument("photos", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_path", required=True, type=click.Path(), help="Profile JSON to write (its coverage "
              "picture goes beside it as NAME-coverage.png; a new file unless --force).")
@click.option("--chessboard", default=None, help="Classic chessboard inner corners, e.g. 9x6 (instead of the board).")
@click.option("--square-mm", type=float, default=None, help="Chessboard square side, mm (with --chessboard).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@force_option
@board_options
@handles_errors
def calibrate(photos, out_path, chessboard, square_mm, as_json, force, **kw):
    """Make a camera profile from 5 or more photos of the board (or a chessboard)."""
    from ..vision.calibrate import calibration_outputs, calibrate_photos, save_calibration

    board = board_from(kw)
    grid, square_mm = _chessboard_from(chessboard, square_mm)
    from ..errors import CalibrationError

    files = calibration_outputs(out_path, overwrite=force, inputs=photos)  # checked before the long calibration
    with click.progressbar(length=len(photos), label="Reading photos", file=sys.stderr) as bar:
        def progress(_):
            bar.update(1)
        try:
            res = calibrate_photos(list(photos), board=board, chessboard=grid, square_mm=square_mm,
                                   name=Path(out_path).stem, progress=progress)
        except CalibrationError as exc:  # each photo's reason on its own line, before the one-line error
            for v in exc.views:
                click.echo(f"  {Path(v.path).name}: not used - {v.reason}", err=True)
            raise
    profile_path, png = save_calibration(res, out_path, files=files)
    if as_json:
        click.echo(json.dumps({"profile": str(profile_path), "coverage_png": str(png), **res.to_json()}))
        return
    click.echo(res.summary())
    click.echo(f"Wrote {profile_path} and {png}")


def _chessboard_from(chessboard, square_mm):
    """(inner corners (across, down) or None, square side mm or None) of --chessboard and --square-mm.

    Raises
    ------
    click.BadParameter
        A count under 3 (OpenCV finds no smaller chessboard), a square size that is no printed
        square, or one option without the other (exit 2).
    """
    from ..errors import UsageError
    from ..targets.spec import check_square_mm

    if chessboard is None:
        if square_mm is not None:
            raise click.BadParameter("--square-mm goes with --chessboard (the board's square is --board-square-mm)")
        return None, None
    grid = parse_grid(chessboard, "--chessboard (inner corners)", minimum=3, maximum=100)
    if square_mm is None:
        raise click.BadParameter("--chessboard needs --square-mm")
    try:
        return grid, check_square_mm(square_mm, "--square-mm")
    except UsageError as exc:
        raise click.BadParameter(exc.message) from None


@click.command()
@click.argument("photo", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the full result as one JSON object.")
@click.option("--annotate", "annotate_path", type=click.Path(), default=None,
              help="Where to write the annotated photo (a new file unless --force; default: PHOTO.annotated.jpg "
                   "beside it, which replaces only legcheck's own earlier copy of the same photo).")
@click.option("--no-annotate", is_flag=True, help="Do not write an annotated photo.")
@force_option
@units_option
@measure_options
@handles_errors
def measure(photo, as_json, annotate_path, no_annotate, force, units, **kw):
    """Measure the apparent leg-length difference in one PHOTO."""
    from ..outputs import check_suffix
    from ..pipeline import annotate, is_own_annotated_copy, measure_with

    units = units_from(units)
    inputs = [photo, kw["camera_path"]]
    options = options_from(kw, annotate=not no_annotate)
    if options.annotate and not os.path.isdir(photo):  # checked before measuring: refused now, not after the work
        out = Path(annotate_path) if annotate_path is not None else \
            Path(photo).with_name(Path(photo).stem + ".annotated.jpg")
        overwrite = force or (annotate_path is None and is_own_annotated_copy(out, photo))
        output_path(out, None, overwrite, inputs)
        check_suffix(out, "image", "--annotate")  # the file is a JPEG or PNG image, whatever its name says
    result = measure_with(photo, options)
    m = result.measurement
    if options.annotate:
        try:
            annotate(result, out, options.board, overwrite=overwrite, inputs=inputs)
        except (OSError, FileAccessError) as exc:  # the measurement stands without its picture
            reason = exc.message if isinstance(exc, FileAccessError) else f"{exc.strerror}: {out}"
            click.echo(f"legcheck: warning: annotated photo not written ({reason})", err=True)
        else:
            if not as_json:
                click.echo(f"Annotated photo: {out}", err=True)
    for w in m.warnings:
        click.echo(f"legcheck: warning: {w}", err=True)
    click.echo(json.dumps(m.to_json(units)) if as_json else m.summary(units))


@click.command()
@click.option("--quick", is_flag=True, help="A small set (under a minute) printing the same table.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Write everything measured as JSON.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False), default=None,
              help="Write the Markdown summary (bench/RESULTS.md keeps the latest full run).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@force_option
@handles_errors
def bench(quick, json_path, results_path, workers, force):
    """Accuracy and speed of every measurement mode on rendered 12 MP photos."""
    from ..fileio import PUBLIC
    from ..outputs import OutputFiles

    files = OutputFiles(overwrite=force)
    for p, kind in ((json_path, "json"), (results_path, "markdown")):
        if p:
            files.claim(p, kind=kind)  # before the long run
    b = _benchmarks()
    n = b.n_jobs(quick)
    with click.progressbar(length=n, label="Rendering and measuring", file=sys.stderr) as bar:
        res = b.run(quick=quick, workers=workers, progress=bar.update)
    click.echo(b.report_text(res))
    with files:
        if json_path:
            files.write(json_path, json.dumps(res, indent=1) + "\n", PUBLIC)
        if results_path:
            files.write(results_path, b.results_markdown(res), PUBLIC)


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
