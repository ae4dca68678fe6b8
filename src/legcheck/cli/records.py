"""Visit-log commands: thin adapters over :mod:`legcheck.store`."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import click

from . import cli, handles_errors, measure_options, run_measure
from ..errors import RecordConflictError

PHASES = ("pre", "post")
POSITIONS = ("extended", "flexed", "head-left", "head-right")
PIECES = ("cervical", "dorsal", "lumbar", "pelvic")


def db_option(fn):
    return click.option("--db", "db_path", type=click.Path(dir_okay=False), envvar="LEGCHECK_DB", default=None,
                        help="Database file (default: your data directory; env LEGCHECK_DB).")(fn)


def output_options(fn):
    """--json / --csv, shared by every command that lists records."""
    fn = click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")(fn)
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(fn)


def _store(db_path):
    from ..records.sqlite import open_store

    return open_store(db_path)


def _emit(rows: list[dict], columns: list[str], as_json: bool, as_csv: bool, out=None):
    """Print rows as JSON, CSV or an aligned table."""
    out = out or sys.stdout
    if as_json:
        out.write(json.dumps(rows, default=str) + "\n")
        return
    if as_csv:
        w = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return
    if not rows:
        click.echo("(none)")
        return
    cells = [[("" if r.get(c) is None else (f"{r[c]:+.2f}" if c == "lld_mm" else
                                            f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]))) for c in columns]
             for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)))


# -- patients -------------------------------------------------------------------------------

@cli.group()
def patient():
    """Patients: add, list, show."""


@patient.command("add")
@click.argument("chart")
@click.option("--name", required=True, help="Patient's name.")
@click.option("--dob", default=None, help="Date of birth, YYYY-MM-DD.")
@click.option("--notes", default=None)
@db_option
@handles_errors
def patient_add(chart, name, dob, notes, db_path):
    """Add a patient under the clinic's CHART number."""
    with _store(db_path) as st:
        pid = st.add_patient(chart, name, dob, notes)
    click.echo(f"Added patient {chart} (id {pid})")


@patient.command("list")
@output_options
@db_option
@handles_errors
def patient_list(as_json, as_csv, db_path):
    """List patients with their number of visits."""
    with _store(db_path) as st:
        rows = st.patients()
    _emit(rows, ["chart", "name", "dob", "visits", "last_visit"], as_json, as_csv)


@patient.command("show")
@click.argument("chart")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def patient_show(chart, as_json, db_path):
    """A patient and their visits."""
    with _store(db_path) as st:
        p = st.patient(chart)
        visits = st.visits(chart)
    if as_json:
        click.echo(json.dumps({"patient": p, "visits": visits}))
        return
    click.echo(f"{p['chart']}  {p['name']}" + (f"  born {p['dob']}" if p["dob"] else ""))
    if p["notes"]:
        click.echo(f"notes: {p['notes']}")
    _emit(visits, ["id", "visit_date", "practitioner", "notes"], False, False)


# -- visits ---------------------------------------------------------------------------------

@cli.group()
def visit():
    """Visits: new, show."""


@visit.command("new")
@click.option("--patient", "chart", required=True, help="Chart number.")
@click.option("--date", "when", default=None, help="Date and time (YYYY-MM-DD[THH:MM]); default now.")
@click.option("--practitioner", default=None)
@click.option("--notes", default=None)
@db_option
@handles_errors
def visit_new(chart, when, practitioner, notes, db_path):
    """Open a new visit for a patient; prints its id."""
    when_dt = _parse_when(when)
    with _store(db_path) as st:
        vid = st.new_visit(chart, when_dt, practitioner, notes)
    click.echo(vid)


def _parse_when(when):
    if when is None:
        return None
    try:
        t = dt.datetime.fromisoformat(when)
    except ValueError:
        raise click.BadParameter(f"{when!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return t if t.tzinfo else t.astimezone()


@visit.command("show")
@click.argument("visit_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def visit_show(visit_id, as_json, db_path):
    """A visit: checks, means per phase and position, Derifield, PD side, drop pieces."""
    with _store(db_path) as st:
        s = st.visit_summary(visit_id)
    if as_json:
        click.echo(json.dumps(s, default=str))
        return
    v = s["visit"]
    click.echo(f"Visit {v['id']}  patient {v['chart']}  {v['visit_date']}" +
               (f"  {v['practitioner']}" if v["practitioner"] else ""))
    _emit(s["means"], ["phase", "position", "n", "lld_mm", "uncertainty_mm", "short_leg"], False, False)
    d = s["derifield"] or "not determined"
    click.echo(f"Derifield: {d}" + (" (set by hand)" if s["derifield_overridden"] else "") +
               f"   PD side: {s['pd_side'] or '-'}" + (f"   listing: {s['listing']}" if s["listing"] else ""))
    for a in s["adjustments"]:
        click.echo(f"Drop piece: {a['piece']}" + (f" {a['side']}" if a["side"] else "") +
                   (f" - {a['listing']}" if a["listing"] else ""))


# -- checks ---------------------------------------------------------------------------------

@cli.command()
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
def check(photo, chart, phase, position, visit_id, batch_dir, as_json, db_path, **kw):
    """Measure PHOTO and record it as a leg check of a patient, in one step."""
    import tempfile

    from ..pipeline import annotate

    if batch_dir:
        items = _read_batch(Path(batch_dir))
    else:
        if not photo or not phase or not position:
            raise click.UsageError("give PHOTO with --phase and --position (or --batch DIR)")
        items = [{"file": photo, "phase": phase, "position": position}]
    with _store(db_path) as st:
        st.patient(chart)
        if visit_id is not None:
            st._visit_for(chart, visit_id, None)
        with tempfile.TemporaryDirectory() as tmp:
            measured = []
            # Measure everything first: a photo that fails to measure leaves nothing written.
            with click.progressbar(items, label="Measuring", file=sys.stderr,
                                   show_pos=True) if len(items) > 1 else contextlib.nullcontext(items) as bar:
                for i, it in enumerate(bar):
                    res, board = run_measure(it["file"], dict(kw))
                    ann = Path(tmp) / f"ann_{i}.jpg"
                    annotate(res, ann, board)
                    measured.append(dict(phase=it["phase"], position=it["position"],
                                         result=res.measurement.to_json(), photo_path=it["file"], annotated_path=ann))
            out = st.record_checks(chart, measured, visit_id)
    if as_json:
        click.echo(json.dumps([{**o, **{"lld_mm": m["result"]["lld_mm"], "short_leg": m["result"]["short_leg"],
                                        "uncertainty_mm": m["result"]["uncertainty_mm"]}} for o, m in zip(out, measured)]))
        return
    from ..measure.measurement import Measurement

    for o, m in zip(out, measured):
        r = m["result"]
        line = Measurement(**{k: r[k] for k in ("lld_mm", "short_leg", "uncertainty_mm", "method", "left_heel_mm",
                                                 "right_heel_mm", "camera_source", "board_reprojection_px",
                                                 "view_elevation_deg")}).summary()
        click.echo(f"check {o['check_id']} (visit {o['visit_id']}, {m['phase']} {m['position']}): {line}")


def _read_batch(d: Path) -> list[dict]:
    f = d / "checks.csv"
    if not f.exists():
        raise RecordConflictError(f"{f} not found; the batch directory needs checks.csv with columns file, phase, position")
    items = []
    with f.open(newline="", encoding="utf-8-sig") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if row.get("phase") not in PHASES or row.get("position") not in POSITIONS or not row.get("file"):
                raise RecordConflictError(f"{f}, line {n}: needs file, phase ({'/'.join(PHASES)}) and position "
                                          f"({'/'.join(POSITIONS)})")
            path = d / row["file"]
            if not path.exists():
                raise RecordConflictError(f"{f}, line {n}: {row['file']} not found in {d}")
            items.append({"file": str(path), "phase": row["phase"], "position": row["position"]})
    if not items:
        raise RecordConflictError(f"{f} lists no photos")
    return items


@cli.command()
@click.option("--visit", "visit_id", type=int, required=True)
@click.option("--piece", type=click.Choice(PIECES), default=None, help="Drop piece used.")
@click.option("--side", type=click.Choice(("left", "right", "both")), default=None)
@click.option("--listing", default=None, help='Listing, e.g. "PI right ilium".')
@click.option("--derifield", type=click.Choice(("positive", "negative")), default=None,
              help="Override the Derifield result derived from the checks.")
@click.option("--pd", "pd_side", type=click.Choice(("left", "right")), default=None, help="Pelvic deficient side.")
@db_option
@handles_errors
def adjust(visit_id, piece, side, listing, derifield, pd_side, db_path):
    """Record the adjustment of a visit: drop pieces, listing, findings."""
    if not any((piece, listing, derifield, pd_side)):
        raise click.UsageError("give --piece, --listing, --derifield or --pd")
    with _store(db_path) as st:
        if piece:
            st.add_adjustment(visit_id, piece, side, listing)
        if listing or derifield or pd_side:
            st.set_findings(visit_id, derifield, pd_side, listing)
        s = st.visit_summary(visit_id)
    click.echo(f"Visit {visit_id}: Derifield {s['derifield'] or 'not determined'}, PD {s['pd_side'] or '-'}, "
               f"pieces: {', '.join(a['piece'] + (' ' + a['side'] if a['side'] else '') for a in s['adjustments']) or '-'}")


LOG_COLUMNS = ["id", "chart", "visit_id", "visit_date", "phase", "position", "lld_mm", "uncertainty_mm", "short_leg",
               "method", "amended"]


@cli.command()
@click.option("--patient", "chart", default=None, help="Only this chart number.")
@click.option("--history", is_flag=True, help="Show every version of amended checks.")
@output_options
@db_option
@handles_errors
def log(chart, history, as_json, as_csv, db_path):
    """The leg checks recorded (current values; amended rows marked)."""
    with _store(db_path) as st:
        rows = st.checks(chart=chart, history=history)
    cols = LOG_COLUMNS + (["supersedes", "superseded_by", "author", "reason"] if history else [])
    if not (as_json or as_csv):
        for r in rows:
            r["amended"] = "amended" if r["amended"] else ""
    else:
        for r in rows:
            r.pop("result_json", None)
    _emit(rows, cols, as_json, as_csv)


@cli.command()
@click.argument("check_id", type=int)
@click.option("--lld-mm", type=float, required=True, help="The corrected figure, mm (positive: left leg short).")
@click.option("--reason", required=True, help="Why (kept with the amendment).")
@click.option("--author", default=None, help="Who (default: your login name).")
@db_option
@handles_errors
def amend(check_id, lld_mm, reason, author, db_path):
    """Correct a check: a new record supersedes it; the original stays readable."""
    with _store(db_path) as st:
        new_id = st.amend_check(check_id, lld_mm, reason, author)
    click.echo(f"check {check_id} amended by check {new_id}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default="csv", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None, help="File (default: stdout).")
@click.option("--with-names", is_flag=True, help="Include patient names (left out by default).")
@db_option
@handles_errors
def export(fmt, out_path, with_names, db_path):
    """Export every current check with its visit and patient chart number."""
    with _store(db_path) as st:
        rows = st.checks()
        names = {p["chart"]: p["name"] for p in st.patients()} if with_names else {}
    for r in rows:
        res = json.loads(r.pop("result_json"))
        r["left_heel_mm"], r["right_heel_mm"] = res.get("left_heel_mm"), res.get("right_heel_mm")
        r["warnings"] = "; ".join(res.get("warnings", []))
        if with_names:
            r["name"] = names.get(r["chart"])
    cols = ["id", "chart"] + (["name"] if with_names else []) + ["visit_id", "visit_date", "phase", "position", "taken_at",
                                                                 "lld_mm", "uncertainty_mm", "short_leg", "method",
                                                                 "photo_sha256", "supersedes", "author", "reason", "warnings"]
    buf = io.StringIO()
    _emit(rows, cols, fmt == "json", fmt == "csv", out=buf)
    if out_path:
        tmp = Path(out_path).with_name(Path(out_path).name + ".part")
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        tmp.replace(out_path)
        click.echo(f"Exported {len(rows)} checks to {out_path}", err=True)
    else:
        click.echo(buf.getvalue(), nl=False)


@cli.command()
@click.argument("dest", type=click.Path(dir_okay=False))
@db_option
@handles_errors
def backup(dest, db_path):
    """Copy the database to DEST with SQLite's online backup (safe while others record)."""
    with _store(db_path) as st:
        st.backup(dest)
    click.echo(f"Backed up to {dest}")


@cli.group()
def db():
    """Database maintenance."""


@db.command("check")
@click.option("--json", "as_json", is_flag=True)
@db_option
@handles_errors
def db_check(as_json, db_path):
    """Integrity and foreign-key checks, and every stored photo against its hash."""
    with _store(db_path) as st:
        report = st.check_integrity()
        path = st.path
    if as_json:
        click.echo(json.dumps(report))
    else:
        c = report["counts"]
        click.echo(f"{path}: schema {report['schema_version']}, {c['patients']} patients, {c['visits']} visits, "
                   f"{c['checks']} checks, {report['photos_checked']} photos checked")
        for p in report["problems"]:
            click.echo(f"  problem: {p}")
        if report["orphan_photos"]:
            click.echo(f"  note: {len(report['orphan_photos'])} photo file(s) with no record (an interrupted check)")
        click.echo("OK" if report["ok"] else "FAILED")
    if not report["ok"]:
        from ..errors import IntegrityCheckError

        exc = IntegrityCheckError(f"database check failed: {report['problems'][0]}; restore from a backup")
        click.echo(f"legcheck: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)


# -- reports --------------------------------------------------------------------------------

@cli.group()
def report():
    """Reports: a visit's pre/post comparison, a patient's trend."""


def report_options(fn):
    opts = [
        click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True, help="HTML file to write."),
        click.option("--pdf", is_flag=True, help="Also write the same report as PDF (OUT with .pdf)."),
        click.option("--csv", "as_csv", is_flag=True, help="Also write the numbers as CSV (OUT with .csv)."),
        click.option("--paper", type=click.Choice(("a4", "letter")), default="a4", show_default=True),
    ]
    for o in reversed(opts):
        fn = o(fn)
    return fn


def _write_report(html_text, rows, out_path, pdf, as_csv):
    from ..reports.html import write_pdf

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if pdf:
        write_pdf(html_text, out.with_suffix(".pdf"))  # first: a failure leaves no half-set of files
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(html_text, encoding="utf-8")
    tmp.replace(out)
    written = [out] + ([out.with_suffix(".pdf")] if pdf else [])
    if as_csv:
        buf = io.StringIO()
        cols = list(rows[0].keys()) if rows else ["visit_id"]
        _emit(rows, cols, False, True, out=buf)
        out.with_suffix(".csv").write_text(buf.getvalue(), encoding="utf-8")
        written.append(out.with_suffix(".csv"))
    for w in written:
        click.echo(str(w))


@report.command("visit")
@click.argument("visit_id", type=int)
@report_options
@db_option
@handles_errors
def report_visit(visit_id, out_path, pdf, as_csv, paper, db_path):
    """The visit: pre and post photos side by side, the change, Derifield, PD, drop pieces."""
    from ..reports.data import csv_rows_visit, visit_data
    from ..reports.html import visit_html

    with _store(db_path) as st:
        data = visit_data(st, visit_id)
        text = visit_html(data, st, paper)
    _write_report(text, csv_rows_visit(data), out_path, pdf, as_csv)


@report.command("patient")
@click.argument("chart")
@click.option("--from", "date_from", default=None, help="First visit date, YYYY-MM-DD.")
@click.option("--to", "date_to", default=None, help="Last visit date, YYYY-MM-DD.")
@report_options
@db_option
@handles_errors
def report_patient(chart, date_from, date_to, out_path, pdf, as_csv, paper, db_path):
    """The series: trend chart, visits, mean pre/post, how well corrections hold."""
    from ..reports.data import csv_rows_patient, patient_data
    from ..reports.html import patient_html

    def day(v, name):
        if v is None:
            return None
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise click.BadParameter(f"{name} must be YYYY-MM-DD") from None

    with _store(db_path) as st:
        data = patient_data(st, chart, day(date_from, "--from"), day(date_to, "--to"))
        text = patient_html(data, paper, st)
    _write_report(text, csv_rows_patient(data), out_path, pdf, as_csv)
