"""`make demo`: measure every bundled sample photo with the sample phone's profile.

Prints the one-line answer for each photo next to the rendered ground truth and
writes the annotated photos to demo_out/.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main():
    out = REPO / "demo_out"
    out.mkdir(exist_ok=True)
    camera = REPO / "calibration" / "sample_phone.json"
    photos = sorted((REPO / "sample_images").glob("*.jpg"))
    print(f"legcheck demo: {len(photos)} sample photos, camera profile {camera.relative_to(REPO)}\n")
    worst = 0.0
    for photo in photos:
        truth = json.loads(photo.with_suffix(".json").read_text())
        ann = out / (photo.stem + ".annotated.jpg")
        res = subprocess.run([sys.executable, "-m", "legcheck.cli", "measure", str(photo), "--camera", str(camera),
                              "--json", "--annotate", str(ann)], capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{photo.name}: {res.stderr.strip()}")
            continue
        m = json.loads(res.stdout)
        err = m["lld_mm"] - truth["lld_mm"]
        worst = max(worst, abs(err))
        side = "even" if m["short_leg"] == "even" else f"{m['short_leg']} short"
        print(f"{photo.name:<36} {m['method']:<8} {m['lld_mm']:+6.2f} ± {m['uncertainty_mm']:.2f} mm ({side:<11}) "
              f"true {truth['lld_mm']:+6.2f}  error {err:+.2f} mm  view {m['view_elevation_deg']:.0f} deg")
        for w in m["warnings"]:
            print(f"{'':<38}! {w}")
    print(f"\nLargest error {worst:.2f} mm. Annotated photos: {out.relative_to(REPO)}/")
    print("lld_mm > 0: the LEFT heel sits further towards the head (left leg appears short).")


if __name__ == "__main__":
    main()
