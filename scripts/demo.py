"""`make demo`: the whole workflow on the bundled samples.

1. Measure every sample photo with the sample phone's profile; show each answer next to the truth.
2. Record a sample patient's six visits (pre and post, legs extended and flexed) into a fresh
   demo database with the `legcheck` commands a chiropractor would type, with the assessment
   around each check: pain before and after (falling as the legs even out), symptoms, therapies,
   and at the second visit a violent lumbar spasm after the traction table, treated with ice and
   rest, and followed up. A second patient's visit shows a red flag: the referral warning, and
   the adjustment refused until it is overridden with a reason.
3. Write the patient's trend report, the reaction visit's and the last visit's reports, and the
   red-flag visit's report; print their paths.
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


#: Pain (0-10) before and after the adjustment at each visit: falling as the legs even out.
PAIN = {1: (7, 5), 2: (6, 4), 3: (5, 3), 4: (4, 2), 5: (3, 2), 6: (2, 1)}
#: The visit with the adverse reaction (lumbar spasm on standing up from the traction table).
REACTION_VISIT = 2


def legcheck(*args, db=None, expect=0) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "legcheck", *map(str, args)] + (["--db", str(db)] if db else [])
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != expect:
        sys.exit(f"demo: legcheck {' '.join(map(str, args))} failed: {res.stderr.strip()}")
    return res


def measure_samples():
    # The samples are the photos with a truth sidecar: an annotated copy a user's own `legcheck measure`
    # left beside them (it writes one by default) is not a sample.
    photos = sorted(p for p in (REPO / "sample_images").glob("*.jpg") if p.with_suffix(".json").is_file())
    print(f"1. Measuring {len(photos)} sample photos (camera profile {CAMERA.relative_to(REPO)})\n")
    worst = 0.0
    for photo in photos:
        truth = json.loads(photo.with_suffix(".json").read_text())
        ann = OUT / (photo.stem + ".annotated.jpg")
        m = json.loads(legcheck("measure", photo, "--camera", CAMERA, "--json", "--annotate", ann, "--force").stdout)
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
    last = reaction_visit = None
    with tempfile.TemporaryDirectory() as tmp:
        for (n, date), rows in sorted(visits.items()):
            vid = int(legcheck("visit", "new", "--patient", "DEMO-001", "--date", f"{date}T09:00",
                               "--practitioner", "Dr Demo", db=db).stdout.strip())
            batch = Path(tmp) / f"visit{n}"
            batch.mkdir()
            with (batch / "checks.csv").open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["file", "phase", "position"])
                for r in rows:  # a batch names photos inside its folder (check --batch refuses others)
                    shutil.copyfile(series / r["file"], batch / r["file"])
                    w.writerow([r["file"], r["phase"], r["position"]])
            legcheck("check", "--batch", batch, "--patient", "DEMO-001", "--visit", vid, "--camera", CAMERA, db=db)
            pre, post = PAIN[n]
            symptoms = ["--symptom", "low-back-pain", "--symptom", "back-spasm:after lifting a pan"] if n == 1 else \
                ["--symptom", "low-back-pain"] if n < 4 else []
            legcheck("assess", "--visit", vid, "--pain-pre", pre, *symptoms, "--therapy", "ist:10min", db=db)
            legcheck("adjust", "--visit", vid, "--piece", "pelvic", "--side", "right", "--listing", "PI right ilium", db=db)
            legcheck("assess", "--visit", vid, "--pain-post", post, db=db)
            if n == REACTION_VISIT:
                reaction_visit = vid
                legcheck("assess", "--visit", vid, "--therapy", "ice:15min", db=db)
                legcheck("reaction", "--visit", vid, "--kind", "spasm", "--severity", "severe", "--onset-min", 3,
                         "--duration-min", 20, "--action", "ice", "--action", "rest", "--outcome", "resolved",
                         "--follow-up", "2026-09-09", "--note", "violent lumbar spasm on standing up from the IST table",
                         db=db)
            s = json.loads(legcheck("visit", "show", vid, "--json", db=db).stdout)
            means = {(m["phase"], m["position"]): m["lld_mm"] for m in s["means"]}
            print(f"   visit {vid} {date}: extended {means[('pre', 'extended')]:+.1f} -> {means[('post', 'extended')]:+.1f} mm, "
                  f"Derifield {s['derifield']}, PD {s['pd_side']}, pain {pre}/10 -> {post}/10"
                  + (", spasm after the traction table (ice, rest; follow-up)" if n == REACTION_VISIT else ""))
            last = vid
    return db, last, reaction_visit


def red_flag_visit(db) -> int:
    """A second patient reports loss of bladder control: the warning, and the adjustment refused until overridden."""
    legcheck("patient", "add", "DEMO-002", "--name", "Second Sample", "--dob", "1955-11-30", db=db)
    vid = int(legcheck("visit", "new", "--patient", "DEMO-002", "--date", "2026-11-03T10:00", "--practitioner",
                       "Dr Demo", db=db).stdout.strip())
    res = legcheck("assess", "--visit", vid, "--pain-pre", 8, "--symptom", "sciatica:left leg",
                   "--red-flag", "bladder-bowel", db=db)
    print(f"\n   Patient DEMO-002, visit {vid}: a red flag is recorded; legcheck warns:")
    for line in res.stderr.strip().splitlines():
        print(f"   {line}")
    refused = legcheck("adjust", "--visit", vid, "--piece", "lumbar", db=db, expect=15)
    print(f"   An adjustment without an override is refused (exit 15):\n   {refused.stderr.strip()}")
    return vid


def reports(db, last_visit, reaction_visit, flagged_visit):
    from legcheck.reports.pdf import find_chromium

    pdf = ["--pdf"] if find_chromium() else []
    print("\n3. Reports")
    out = legcheck("report", "patient", "DEMO-001", "--out", OUT / "patient_report.html", "--csv", *pdf, "--force",
                   db=db).stdout
    out += legcheck("report", "visit", last_visit, "--out", OUT / "visit_report.html", *pdf, "--force", db=db).stdout
    out += legcheck("report", "visit", reaction_visit, "--out", OUT / "reaction_visit_report.html", *pdf, "--force",
                    db=db).stdout
    out += legcheck("report", "visit", flagged_visit, "--out", OUT / "red_flag_visit_report.html", *pdf, "--force",
                    db=db).stdout
    for line in out.split():
        print(f"   {line}")
    if not pdf:
        print("   (no PDF: Chromium is not installed; the HTML prints the same)")


def main():
    OUT.mkdir(exist_ok=True)
    measure_samples()
    db, last, reaction = record_series()
    flagged = red_flag_visit(db)
    reports(db, last, reaction, flagged)
    from legcheck.records import open_store
    from legcheck.records.bundles import patient_bundle
    from legcheck.reports.data import patient_data

    with open_store(db) as st:
        print(f"\n   The patient report's summary: {patient_data(patient_bundle(st, 'DEMO-001'))['summary']}")


if __name__ == "__main__":
    main()
