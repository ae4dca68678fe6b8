"""`make demo`: the whole workflow on the bundled samples.

1. Measure every sample photo with the sample phone's profile; show each answer next to the truth.
2. Record a sample patient's six visits (pre and post, legs extended and flexed) into a fresh
   demo database with the `legcheck` commands a chiropractor would type.
3. Write the patient's trend report and the last visit's report; print their paths.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "demo_out"
CAMERA = REPO / "calibration" / "sample_phone.json"


def legcheck(*args, db=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "legcheck", *map(str, args)] + (["--db", str(db)] if db else [])
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"demo: legcheck {' '.join(map(str, args))} failed: {res.stderr.strip()}")
    return res


def measure_samples():
    photos = sorted((REPO / "sample_images").glob("*.jpg"))
    print(f"1. Measuring {len(photos)} sample photos (camera profile {CAMERA.relative_to(REPO)})\n")
    worst = 0.0
    for photo in photos:
        truth = json.loads(photo.with_suffix(".json").read_text())
        ann = OUT / (photo.stem + ".annotated.jpg")
        m = json.loads(legcheck("measure", photo, "--camera", CAMERA, "--json", "--annotate", ann).stdout)
        err = m["lld_mm"] - truth["lld_mm"]
        worst = max(worst, abs(err))
        side = "even" if m["short_leg"] == "even" else f"{m['short_leg']} short"
        print(f"   {photo.name:<36} {m['method']:<8} {m['lld_mm']:+6.2f} ± {m['uncertainty_mm']:.2f} mm ({side:<11}) "
              f"true {truth['lld_mm']:+6.2f}  error {err:+.2f} mm  view {m['view_elevation_deg']:.0f} deg")
    print(f"\n   Largest error {worst:.2f} mm. Annotated photos in {OUT.relative_to(REPO)}/")
    print("   lld_mm > 0: the LEFT heel sits further towards the head (left leg appears short).\n")


def record_series() -> tuple[Path, int]:
    series = REPO / "sample_images" / "series"
    db = OUT / "demo.sqlite3"
    for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(OUT / "demo-photos", ignore_errors=True)
    print(f"2. Recording six visits of a sample patient into {db.relative_to(REPO)}")
    legcheck("init", db=db)
    legcheck("patient", "add", "DEMO-001", "--name", "Sample Patient", "--dob", "1968-04-12", db=db)
    visits = {}
    with (series / "visits.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            visits.setdefault((int(row["visit"]), row["date"]), []).append(row)
    last = None
    with tempfile.TemporaryDirectory() as tmp:
        for (n, date), rows in sorted(visits.items()):
            vid = int(legcheck("visit", "new", "--patient", "DEMO-001", "--date", f"{date}T09:00",
                               "--practitioner", "Dr Demo", db=db).stdout.strip())
            batch = Path(tmp) / f"visit{n}"
            batch.mkdir()
            with (batch / "checks.csv").open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["file", "phase", "position"])
                for r in rows:
                    w.writerow([series / r["file"], r["phase"], r["position"]])
            legcheck("check", "--batch", batch, "--patient", "DEMO-001", "--visit", vid, "--camera", CAMERA, db=db)
            legcheck("adjust", "--visit", vid, "--piece", "pelvic", "--side", "right", "--listing", "PI right ilium", db=db)
            s = json.loads(legcheck("visit", "show", vid, "--json", db=db).stdout)
            means = {(m["phase"], m["position"]): m["lld_mm"] for m in s["means"]}
            print(f"   visit {vid} {date}: extended {means[('pre', 'extended')]:+.1f} -> {means[('post', 'extended')]:+.1f} mm, "
                  f"Derifield {s['derifield']}, PD {s['pd_side']}")
            last = vid
    return db, last


def reports(db, last_visit):
    from legcheck.reports.pdf import find_chromium

    pdf = ["--pdf"] if find_chromium() else []
    print("\n3. Reports")
    out = legcheck("report", "patient", "DEMO-001", "--out", OUT / "patient_report.html", "--csv", *pdf, "--force",
                   db=db).stdout
    out += legcheck("report", "visit", last_visit, "--out", OUT / "visit_report.html", *pdf, "--force", db=db).stdout
    for line in out.split():
        print(f"   {line}")
    if not pdf:
        print("   (no PDF: Chromium is not installed; the HTML prints the same)")


def main():
    OUT.mkdir(exist_ok=True)
    measure_samples()
    db, last = record_series()
    reports(db, last)


if __name__ == "__main__":
    main()
