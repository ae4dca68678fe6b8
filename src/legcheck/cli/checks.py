"""Check commands: measure-and-record (one photo or a batch), the log, amendments, the export."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from ..errors import RecordConflictError
from ..records.vocabulary import PHASES, POSITIONS
from ._common import db_option, emit, handles_errors, measure_options, open_db, options_from, output_options, \
    output_path

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
              help="Directory with photos and checks.csv (columns: file, phase, position).")
@click.option("--json", "as_json", is_flag=True)
@db_option
@measure_options
@handles_errors
def check(photo, chart, phase, position, visit_id, batch_dir, as_json, db_path, create_db, **kw):
    """Measure PHOTO and record it as a leg check of a patient, in one step."""
    from ..pipeline import CheckRequest, record_checks

    if batch_dir:
        requests = read_batch(Path(batch_dir))
    elif photo and phase and position:
        requests = [CheckRequest(Path(photo), phase, position)]
    else:
        raise click.UsageError("give PHOTO with --phase and --position (or --batch DIR)")
    options = options_from(kw)
    with open_db(db_path, create_db) as st:
        if len(requests) > 1:
            with click.progressbar(length=len(requests), label="Measuring", file=sys.stderr, show_pos=True) as bar:
                done = record_checks(st, requests, chart, options, visit_id, progress=lambda n: bar.update(1))
        else:
            done = record_checks(st, requests, chart, options, visit_id)
    if as_json:
        out = []
        for d in done:
            m = d.measurement.to_json()
            out.append({"check_id": d.check_id, "visit_id": d.visit_id, "photo_sha256": d.photo_sha256,
                        "lld_mm": m["lld_mm"], "short_leg": m["short_leg"], "uncertainty_mm": m["uncertainty_mm"]})
        click.echo(json.dumps(out))
        return
    for d in done:
        click.echo(f"check {d.check_id} (visit {d.visit_id}, {d.phase} {d.position}): {d.measurement.summary()}")


def read_batch(directory: Path) -> list:
    """The photos of a ``--batch`` directory, from its ``checks.csv`` (columns file, phase, position).

    Raises
    ------
    RecordConflictError
        No checks.csv, a row without a known phase and position, a photo that is not there, or
        no rows; the message names the line.
    """
    from ..pipeline import CheckRequest

    f = directory / "checks.csv"
    if not f.exists():
        raise RecordConflictError(f"{f} not found; the batch directory needs checks.csv with columns file, phase, position")
    requests = []
    with f.open(newline="", encoding="utf-8-sig") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if row.get("phase") not in PHASES or row.get("position") not in POSITIONS or not row.get("file"):
                raise RecordConflictError(f"{f}, line {n}: needs file, phase ({'/'.join(PHASES)}) and position "
                                          f"({'/'.join(POSITIONS)})")
            path = directory / row["file"]
            if not path.exists():
                raise RecordConflictError(f"{f}, line {n}: {row['file']} not found in {directory}")
            requests.append(CheckRequest(path, row["phase"], row["position"]))
    if not requests:
        raise RecordConflictError(f"{f} lists no photos")
    return requests


@click.command()
@click.option("--patient", "chart", default=None, help="Only this chart number.")
@click.option("--history", is_flag=True, help="Show every version of amended checks.")
@output_options
@db_option
@handles_errors
def log(chart, history, as_json, as_csv, db_path, create_db):
    """The leg checks recorded (current values; amended rows marked)."""
    with open_db(db_path, create_db) as st:
        rows = st.checks(chart=chart, history=history)
    for r in rows:
        if as_json or as_csv:
            r.pop("result_json", None)
        else:
            r["amended"] = "amended" if r["amended"] else ""
    emit(rows, LOG_COLUMNS + (HISTORY_COLUMNS if history else []), as_json, as_csv)


@click.command()
@click.argument("check_id", type=int)
@click.option("--lld-mm", type=float, required=True, help="The corrected figure, mm (positive: left leg short).")
@click.option("--reason", required=True, help="Why (kept with the amendment).")
@click.option("--author", default=None,
              help="Who made the correction, recorded as a claim beside your login name (the author).")
@db_option
@handles_errors
def amend(check_id, lld_mm, reason, author, db_path, create_db):
    """Correct a check: a new record supersedes it; the original stays readable."""
    with open_db(db_path, create_db) as st:
        new_id = st.amend_check(check_id, lld_mm, reason, author)
    click.echo(f"check {check_id} amended by check {new_id}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default="csv", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="File (a new file unless --force; default: stdout).")
@click.option("--force", is_flag=True, help="Replace --out if it exists (never the database or its photos).")
@click.option("--with-names", is_flag=True, help="Include patient names (left out by default).")
@db_option
@handles_errors
def export(fmt, out_path, force, with_names, db_path, create_db):
    """Export every current check with its visit and patient chart number."""
    from ..fileio import PRIVATE, atomic_write
    from ..records.bundles import export_rows
    from ..reports.output import table_text

    with open_db(db_path, create_db) as st:
        if out_path:
            output_path(out_path, st, force)
        rows, columns = export_rows(st, with_names)
    text = table_text(rows, columns, fmt)
    if out_path:
        atomic_write(out_path, text, mode=PRIVATE, overwrite=force)
        click.echo(f"Exported {len(rows)} checks to {out_path}", err=True)
    else:
        click.echo(text, nl=False)
