"""The demo database (as scripts/demo.py builds it) and every report written from a database.

The sample patient's six visits, measured from the bundled sample photos with the sample phone's
profile, through the library; a second patient for a writer to record into."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

from legcheck.pipeline import CheckRequest, MeasureOptions, record_checks
from legcheck.records import open_store
from legcheck.records.bundles import patient_bundle, visit_bundle
from legcheck.reports.output import write_report

REPO = Path(__file__).resolve().parents[2]
SERIES = REPO / "sample_images" / "series"
CAMERA = REPO / "calibration" / "sample_phone.json"


def demo_database(db: Path) -> None:
    """Build the demo database at ``db`` (a new SQLite file)."""
    visits: dict = {}
    with (SERIES / "visits.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            visits.setdefault((int(row["visit"]), row["date"]), []).append(row)
    with open_store(db, create=True) as st:
        st.add_patient("DEMO-001", "Sample Patient", "1968-04-12")
        st.add_patient("W-1", "Busy Writer")
        for (_, date), rows in sorted(visits.items()):
            vid = st.new_visit("DEMO-001", dt.datetime.fromisoformat(f"{date}T09:00").astimezone(), "Dr Demo")
            record_checks(st, [CheckRequest(SERIES / r["file"], r["phase"], r["position"]) for r in rows], "DEMO-001",
                          MeasureOptions(camera=CAMERA), vid)
            st.add_adjustment(vid, "pelvic", "right", "PI right ilium")
            st.set_findings(vid, listing="PI right ilium")
        first = st.checks(chart="DEMO-001")[0]["id"]
        st.amend_check(first, 1.25, "heel tab slipped", uncertainty_mm=1.0)


def copy_sqlite(src: Path, dest: Path) -> Path:
    """A copy of an SQLite legcheck database and its photo directory (closed, so no WAL to carry)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    shutil.copytree(src.parent / (src.stem + "-photos"), dest.parent / (dest.stem + "-photos"))
    return dest


def reports(db, out: Path) -> dict[str, bytes]:
    """Every visit report and the patient report (HTML and CSV) of the demo patient, by file name."""
    with open_store(db) as st:
        bundles = {f"visit{v['id']}": ("visit", visit_bundle(st, v["id"])) for v in st.visits("DEMO-001")}
        bundles["patient"] = ("patient", patient_bundle(st, "DEMO-001"))
    files = {}
    out.mkdir(parents=True, exist_ok=True)  # an output's folder must exist (legcheck.outputs)
    for name, (kind, bundle) in bundles.items():
        for p in write_report(kind, bundle, out / f"{name}.html", as_csv=True, overwrite=False):
            files[p.name] = p.read_bytes()
    return files
