"""Accuracy and speed of heel-tab mode on rendered 12-megapixel scenes (``make bench``).

Seeded, so every run measures the same scenes. Groups: view 60-90 degrees with a
calibrated profile, 45-60 degrees with a profile, 60-90 degrees without one
(half of those carry an EXIF 35 mm focal length, as phone photos do).
Prints a table and writes JSON with ``--json FILE``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

GROUPS = {
    "60-90 profile": dict(elevation_deg=(60.0, 90.0), profile=True),
    "45-60 profile": dict(elevation_deg=(45.0, 60.0), profile=True),
    "60-90 no profile": dict(elevation_deg=(60.0, 90.0), profile=False),
}


def one(job):
    from legcheck.camera import CameraProfile, FILM_DIAGONAL_MM
    from legcheck.errors import LegcheckError
    from legcheck.render import random_visible_scene, write_scene
    from legcheck.pipeline import measure_photo
    from legcheck._cv import cv2

    group, i, seed, width, height, tmp = job
    g = GROUPS[group]
    rng = np.random.default_rng(seed)
    scene = random_visible_scene(rng, elevation_deg=g["elevation_deg"], width=width, height=height,
                                 dist_strength=(0.0, 0.12) if g["profile"] else (0.0, 0.0))
    exif = None
    if not g["profile"] and i % 2 == 0:
        f35 = round(scene.focal_px / math.hypot(width, height) * FILM_DIAGONAL_MM)
        exif = {"exif": {0xA405: int(f35)}}
    path = Path(tmp) / f"{group.replace(' ', '_')}_{i}.jpg"
    truth = write_scene(scene, path, exif=exif)
    prof = CameraProfile.from_arrays((width, height), scene.K, scene.dist) if g["profile"] else None
    cv = cv2()
    t0 = time.perf_counter()
    cv.imread(str(path))
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        m = measure_photo(path, camera=prof).measurement
    except LegcheckError as exc:
        return {"group": group, "i": i, "ok": False, "error": exc.message, "elev": scene.elevation_deg}
    t_meas = time.perf_counter() - t0
    err = m.lld_mm - truth["lld_mm"]
    path.unlink()
    return {"group": group, "i": i, "ok": True, "err": err, "unc": m.uncertainty_mm, "elev": scene.elevation_deg,
            "true": truth["lld_mm"], "t_measure": t_meas, "t_imread": t_read, "source": m.camera_source}


def summarise(rows):
    out = {}
    for group in GROUPS:
        rs = [r for r in rows if r["group"] == group]
        ok = [r for r in rs if r["ok"]]
        if not rs:
            continue
        errs = np.abs([r["err"] for r in ok])
        out[group] = {
            "scenes": len(rs), "detected": len(ok), "detection_rate": len(ok) / len(rs),
            "median_abs_err_mm": float(np.median(errs)) if len(ok) else None,
            "p95_abs_err_mm": float(np.percentile(errs, 95)) if len(ok) else None,
            "max_abs_err_mm": float(errs.max()) if len(ok) else None,
            "coverage": float(np.mean([abs(r["err"]) <= r["unc"] for r in ok])) if ok else None,
            "median_uncertainty_mm": float(np.median([r["unc"] for r in ok])) if ok else None,
            "median_t_measure_s": float(np.median([r["t_measure"] for r in ok])) if ok else None,
            "median_t_imread_s": float(np.median([r["t_imread"] for r in ok])) if ok else None,
        }
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=40, help="scenes per group")
    ap.add_argument("--size", default="4032x3024")
    ap.add_argument("--json", dest="json_path")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    w, h = (int(v) for v in a.size.split("x"))
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(g, i, 1000 * k + i, w, h, tmp) for k, g in enumerate(GROUPS) for i in range(a.n)]
        with ProcessPoolExecutor(a.workers) as ex:
            rows = list(ex.map(one, jobs))
    summary = summarise(rows)
    print(f"{'group':<18} {'n':>4} {'det':>6} {'med|e|':>7} {'p95|e|':>7} {'max|e|':>7} {'cover':>6} {'med unc':>7} {'t_meas':>7} {'t_read':>7}")
    for g, s in summary.items():
        print(f"{g:<18} {s['scenes']:>4} {s['detection_rate']:>6.1%} {s['median_abs_err_mm']:>7.3f} {s['p95_abs_err_mm']:>7.3f} "
              f"{s['max_abs_err_mm']:>7.3f} {s['coverage']:>6.1%} {s['median_uncertainty_mm']:>7.3f} "
              f"{s['median_t_measure_s']:>7.3f} {s['median_t_imread_s']:>7.3f}")
    print(f"({a.size}, {a.n} scenes per group, {time.time() - t0:.0f} s, {platform.machine()}, {os.cpu_count()} cores)")
    for r in rows:
        if not r["ok"]:
            print("failed:", r, file=sys.stderr)
    if a.json_path:
        Path(a.json_path).write_text(json.dumps({"summary": summary, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
