"""Check commands: measure-and-record (one photo or a batch), the log, amendments, the export."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from ..records.vocabulary import PHASES, POSITIONS
from ._common import db_option, emit, force_option, handles_errors, measure_options, open_db, options_from, \
    output_options, output_path, stored_measure_settings, units_from, units_option, with_inches

LOG_COLUMNS = ["id", "chart", "visit_id", "visit_date", "phase", "position", "lld_mm", "uncertainty_mm", "short_leg",
               "method", "amended"]
HISTORY_COLUMNS = ["supersedes", "superseded_by", "author", "reason"]


@click.command()
@click.argument("photo", required=False, type=click.Path())
@click.option("--patient", "chart", required=True, help="Chart number.")
@click.option("--phase", type=click.Choice(PHASES), default=None, help="Before or after the adjustment.")
@click.option("--position", type=click.Choice(POSITIONS), default=None, help="How the patient lay.")
@click.option("--visit", "visit_id", type=int, default=None, help="Visit id (default: today's visit, created if needed).")
@click.option("--batch", "batch_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Directory with photos and checks.csv (columns: file, phase, position; a column left out or "
                   "empty takes --phase/--position).")
@click.option("--no-annotate", is_flag=True, help="Do not store an annotated copy of the photo.")
@click.option("--allow-duplicate-photo", is_flag=True,
              help="Record a photo that is already recorded as a check (refused otherwise).")
@click.option("--json", "as_json", is_flag=True)
@units_option
@db_option
@measure_options
@handles_errors
def check(photo, chart, phase, position, visit_id, batch_dir, no_annotate, allow_duplicate_photo, as_json, units,
          db_path, create_db, **kw):
    """Measure PHOTO and record it as a leg check of a patient, in one step (every 'measure' option applies)."""
    from ..pipeline import CheckRequest, record_checks

    if batch_dir:
        if photo:
            raise click.UsageError("give PHOTO or --batch DIR, not both")
        requests = read_batch(Path(batch_dir), phase, position)
    elif photo and phase and position:
        requests = [CheckRequest(Path(photo), phase, position)]
    else:
        raise click.UsageError("give PHOTO with --phase and --position (or --batch DIR)")
    given = {"camera": kw["camera_path"], "even_below_mm": kw["even_below"]}
    options = options_from(kw, annotate=not no_annotate)
    with open_db(db_path, create_db) as st:
        units = units_from(units, st)
        options = stored_measure_settings(options, st, given)
        if len(requests) > 1:
            with click.progressbar(length=len(requests), label="Measuring", file=sys.stderr, show_pos=True) as bar:
                done = record_checks(st, requests, chart, options, visit_id, progress=lambda n: bar.update(1),
                                     allow_duplicate_photo=allow_duplicate_photo)
        else:
            done = record_checks(st, requests, chart, options, visit_id, allow_duplicate_photo=allow_duplicate_photo)
    for d in done:
        if d.duplicate_of is not None:
            click.echo(f"legcheck: warning: check {d.check_id} is the photo of check {d.duplicate_of} recorded again "
                       "(--allow-duplicate-photo)", err=True)
    if as_json:
        out = []
        for d in done:
            m = d.measurement.to_json(units)
            out.append({"check_id": d.check_id, "visit_id": d.visit_id, "photo_sha256": d.photo_sha256,
                        "duplicate_of": d.duplicate_of,
                        **{k: m[k] for k in ("lld_mm", "lld_in", "short_leg", "uncertainty_mm", "uncertainty_in")
                           if k in m}})
        click.echo(json.dumps(out))
        return
    for d in done:
        click.echo(f"check {d.check_id} (visit {d.visit_id}, {d.phase} {d.position}): {d.measurement.summary(units)}")


def read_batch(directory: Path, phase: str | None = None, position: str | None = None) -> list:
    """The photos of a ``--batch`` directory, from its ``checks.csv`` (columns file, phase, position).

    A row's phase or position, when given, is the photo's; an empty or missing column takes
    ``phase`` / ``position`` (``--phase``, ``--position``). A row that gives another phase or
    position than the option is a conflict, not an override that goes unnoticed.

    Raises
    ------
    UsageError
        No checks.csv, a row without a known phase and position, a row that contradicts
        ``phase`` or ``position``, a photo outside ``directory`` (an absolute path, ``..``, a
        symlink leading out), a photo that is not there, or no rows; the message names the file
        and its row.
    """
    from ..errors import UsageError
    from ..pipeline import CheckRequest

    f = directory / "checks.csv"
    if not f.exists():
        raise UsageError(f"{f} not found; the batch directory needs checks.csv with columns file, phase, position")
    if not f.is_file():
        raise UsageError(f"{f} is not a file; the batch directory needs checks.csv with columns file, phase, position")
    requests = []
    try:
        with f.open(newline="", encoding="utf-8-sig") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                where = f"{f}, row {n}"
                for col, option, words in (("phase", phase, PHASES), ("position", position, POSITIONS)):
                    if row.get(col) and option and row[col] != option:
                        raise UsageError(f"{where}: {col} {row[col]} contradicts --{col} {option}; give one of them")
                    row[col] = row.get(col) or option
                    if row[col] not in words:
                        raise UsageError(f"{where}: needs a {col} ({'/'.join(words)}), in the file or as --{col}")
                requests.append(CheckRequest(_batch_photo(directory, row.get("file"), where), row["phase"],
                                             row["position"], source=f"{f.name} row {n}"))
    except (UnicodeDecodeError, csv.Error) as exc:  # not a CSV text file: the user's to fix, not a crash
        raise UsageError(f"{f} is not a readable CSV file ({exc.__class__.__name__}); save it as CSV in UTF-8 "
                         "with columns file, phase, position") from None
    if not requests:
        raise UsageError(f"{f} lists no photos")
    return requests


def _batch_photo(directory: Path, name: str | None, where: str) -> Path:
    """The photo a checks.csv row names, once it is a file inside ``directory`` once resolved: no
    absolute path, no ``..`` out of it, no symlink leading elsewhere (a checks.csv names photos of
    its own folder, nothing else), not a folder, there.

    Raises
    ------
    UsageError
        Any of these fails; the message names the row (``where``) and the fix.
    """
    import os

    from ..errors import UsageError

    if not name:
        raise UsageError(f"{where}: needs the photo's file name (column file)")
    if "\x00" in name:  # no file name holds one; os calls would raise ValueError
        raise UsageError(f"{where}: the file name holds a NUL character; give the photo's file name")
    path = directory / name
    if Path(os.path.realpath(directory)) not in Path(os.path.realpath(path)).parents:
        raise UsageError(f"{where}: {name} is outside the batch folder {directory}; put the photo in it and name "
                         "it relative to it")
    if not path.exists():
        raise UsageError(f"{where}: {name} not found in {directory}")
    if not path.is_file():
        raise UsageError(f"{where}: {name} is not a photo file (a folder or a device); name a photo file")
    return path


#: The kinds of record ``log`` and ``export`` list.
KINDS = ("checks", "assessment", "reactions", "adjustments")


def kind_option(fn):
    """``--kind checks|assessment|reactions|adjustments``: which records a listing holds."""
    return click.option("--kind", type=click.Choice(KINDS), default="checks", show_default=True,
                        help="Leg checks; the assessment (pain, symptoms, red flags, therapies); adverse reactions; "
                             "drop pieces.")(fn)


@click.command()
@click.option("--patient", "chart", default=None, help="Only this chart number.")
@click.option("--history", is_flag=True, help="Every version: amended ones, and voided ones struck through.")
@kind_option
@output_options
@units_option
@db_option
@handles_errors
def log(chart, history, kind, as_json, as_csv, units, db_path, create_db):
    """The records: leg checks (current values; amended rows marked), or the assessment, or reactions."""
    from ..records.bundles import listing_rows

    with open_db(db_path, create_db) as st:
        units = units_from(units, st)
        rows, columns = listing_rows(st, kind, chart=chart, history=history)
    if kind == "checks":
        for r in rows:
            if as_json or as_csv:
                r.pop("result_json", None)
            else:
                r["amended"] = "amended" if r["amended"] else ""
        columns = LOG_COLUMNS
    voided = {r["entity_id"] for r in rows if r.get("voided")}
    if not (as_json or as_csv):
        for r in rows:
            r["voided"] = "voided" if r.get("voided") else ""
    emit(rows, columns + (HISTORY_COLUMNS + ["voided"] if history else []), as_json, as_csv, units,
         strike=lambda r: r["entity_id"] in voided)


@click.command()
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default="csv", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File (a new file unless --force; default: stdout).")
@force_option
@click.option("--with-names", is_flag=True, help="Include patient names (left out by default).")
@kind_option
@units_option
@db_option
@handles_errors
def export(fmt, out_path, force, with_names, kind, units, db_path, create_db):
    """Export every current check (or assessment item, or reaction) with its visit and patient chart number."""
    from ..fileio import PRIVATE
    from ..outputs import write_output
    from ..records.bundles import export_rows
    from ..reports.output import table_text

    with open_db(db_path, create_db) as st:
        if out_path:
            output_path(out_path, st, force, kind=fmt)
        rows, columns = export_rows(st, with_names, kind)
        units = units_from(units, st)
        protected = st.protected_paths()
    if units == "in":
        rows, columns = with_inches(rows, columns)
    text = table_text(rows, columns, fmt)
    if out_path:
        write_output(out_path, text, mode=PRIVATE, overwrite=force, protected=protected)
        click.echo(f"Exported {len(rows)} {'checks' if kind == 'checks' else kind + ' rows'} to {out_path}", err=True)
    else:
        click.echo(text, nl=False)
