"""The benchmark: accuracy and speed of every measurement mode on a fixed, seeded set of renders.

``legcheck bench`` (and ``make bench``) renders 12-megapixel scenes with the package's
renderer, measures them with and without a calibrated profile, and reports per mode and
group: detection rate, median and 95th-percentile |error| of lld_mm, the share of scenes
whose uncertainty_mm covered the true error, and the median time per photo against the
median ``cv2.imread`` of the same files. Also: repeatability (one scene re-shot 10 times
with fresh noise and a slightly moved camera) and where the time goes in one photo.

Scenes vary what varies at a real table: view 45-90 degrees, camera 0.6-1.5 m, roll and
yaw, lens distortion from none to strong wide-angle (k1 up to 0.15), heel heights and tab
tilts, true lld -12..+12 mm including 0, focus and motion blur, sensor noise, uneven
light, JPEG quality 60-95, a shadow across part of the board. Workers run one OpenCV
thread each, on both cores, so times are single-core times.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

FULL = {"tabs": 90, "feet": 60, "repeats": 10}
QUICK = {"tabs": 8, "feet": 5, "repeats": 3}
#: Distortion above this k1 is a wide-angle lens a phone did not correct.
CORRECTED_K1 = 0.03


def _band(el):
    return "45-60" if el < 60 else ("60-75" if el < 75 else "75-90")


def _tab_scene(seed: int):
    from legcheck.synth.render import random_visible_scene

    rng = np.random.default_rng(seed)
    s = random_visible_scene(rng, elevation_deg=(45.0, 90.0), distance_mm=(600.0, 1500.0),
                             dist_strength=(0.0, 0.15) if rng.random() < 0.6 else (0.0, 0.0),
                             lld_mm=0.0 if seed % 15 == 0 else (-12.0, 12.0))
    return replace(s, jpeg_quality=int(rng.integers(60, 96)), blur_px=float(rng.uniform(0.5, 2.0)),
                   motion_px=float(rng.uniform(2, 5)) if rng.random() < 0.25 else 0.0,
                   board_shadow=float(rng.uniform(0.3, 0.6)) if rng.random() < 0.25 else 0.0)


def _feet_scene(seed: int):
    from legcheck.synth.render import random_visible_feet_scene

    rng = np.random.default_rng(seed)
    s = random_visible_feet_scene(rng, elevation_deg=(45.0, 90.0), combo=seed % 6,
                                  lld_mm=0.0 if seed % 15 == 0 else (-12.0, 12.0))
    k = float(rng.uniform(0.0, 0.15)) if rng.random() < 0.5 else 0.0
    return replace(s, dist=(k, -0.3 * k, 0.0, 0.0, 0.0), jpeg_quality=int(rng.integers(60, 96)),
                   motion_px=float(rng.uniform(2, 4)) if rng.random() < 0.2 else 0.0)


def _phone_exif(scene) -> dict:
    """What a phone writes that matters here: the 35 mm-equivalent focal length, in whole mm."""
    from legcheck.vision.camera import FILM_DIAGONAL_MM

    return {"exif": {0xA405: int(round(scene.focal_px / math.hypot(scene.width, scene.height) * FILM_DIAGONAL_MM))}}


def _time_imread(path) -> float:
    from legcheck._cv import cv2

    cv = cv2()
    ts = []
    for _ in range(3):
        t0 = time.perf_counter()
        cv.imread(str(path))
        ts.append(time.perf_counter() - t0)
    return min(ts)


def _measure(path, **kw):
    from legcheck.errors import LegcheckError
    from legcheck.pipeline import measure_photo

    t0 = time.perf_counter()
    try:
        m = measure_photo(path, **kw).measurement
    except LegcheckError as exc:
        return None, time.perf_counter() - t0, exc.message
    return m, time.perf_counter() - t0, ""


def _row(mode, group, scene, truth, m, t, t_read, err_msg, profile):
    d = {"mode": mode, "group": group, "elevation": scene.elevation_deg, "k1": scene.dist[0], "profile": profile,
         "true": truth["lld_mm"], "t_measure": t, "t_imread": t_read, "ok": m is not None}
    if m is not None:
        d.update(err=m.lld_mm - truth["lld_mm"], unc=m.uncertainty_mm, method=m.method)
    else:
        d["error"] = err_msg
    return d


def _job(job):
    """Render one scene and measure it every way that applies; returns result rows."""
    from legcheck._cv import cv2
    from legcheck.vision.camera import CameraProfile
    from legcheck.synth.render import visible_heel_pixels, write_scene

    cv2().setNumThreads(1)
    kind, seed, tmp = job
    scene = _tab_scene(seed) if kind == "tabs" else _feet_scene(seed)
    path = Path(tmp) / f"{kind}_{seed}.jpg"
    truth = write_scene(scene, path, exif=_phone_exif(scene))
    prof = CameraProfile.from_arrays((scene.width, scene.height), scene.K, scene.dist)
    t_read = _time_imread(path)
    rows = []
    band = _band(scene.elevation_deg)
    if kind == "tabs":
        m, t, e = _measure(path, camera=prof, method="tabs")
        rows.append(_row("tabs", f"{band} profile", scene, truth, m, t, t_read, e, True))
        m, t, e = _measure(path, method="tabs")
        lens = "corrected lens" if scene.dist[0] <= CORRECTED_K1 else "uncorrected wide-angle"
        rows.append(_row("tabs", f"{'45-60' if band == '45-60' else '60-90'} no profile, {lens}", scene, truth, m, t,
                         t_read, e, False))
    else:
        m, t, e = _measure(path, camera=prof, method="contour")
        rows.append(_row("contour", f"{band} profile", scene, truth, m, t, t_read, e, True))
        if scene.dist[0] <= CORRECTED_K1:
            m, t, e = _measure(path, method="contour")
            rows.append(_row("contour", f"{'45-60' if band == '45-60' else '60-90'} no profile", scene, truth, m, t,
                             t_read, e, False))
        hp = visible_heel_pixels(scene)
        h = (scene.feet.left_heel_mm[2] + scene.feet.right_heel_mm[2]) / 2
        rng = np.random.default_rng(seed + 7)
        pts = {}
        for side in ("left", "right"):  # a person's click: up to 2 px off, any direction
            a, r = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2.0)
            pts[side] = (hp[side][0] + r * math.cos(a), hp[side][1] + r * math.sin(a))
        m, t, e = _measure(path, camera=prof, left_heel_px=pts["left"], right_heel_px=pts["right"], heel_height_mm=h)
        row = _row("manual", f"{band} profile, points <= 2 px off", scene, truth, m, t, t_read, e, True)
        exact, _, _ = _measure(path, camera=prof, left_heel_px=hp["left"], right_heel_px=hp["right"], heel_height_mm=h)
        if m is not None and exact is not None:
            row["dev_from_exact_points"] = m.lld_mm - exact.lld_mm
            raw, _, _ = _measure(path, camera=prof, left_heel_px=pts["left"], right_heel_px=pts["right"],
                                 heel_height_mm=h, snap=False)
            if raw is not None:
                row["dev_unsnapped"] = raw.lld_mm - exact.lld_mm
        rows.append(row)
    path.unlink()
    return rows


def _repeat_job(job):
    """The same scene re-shot: fresh noise, camera moved by about a degree and 2 cm."""
    from legcheck._cv import cv2
    from legcheck.vision.camera import CameraProfile
    from legcheck.synth.render import write_scene

    cv2().setNumThreads(1)
    kind, i, tmp = job
    base = _tab_scene(424242) if kind == "tabs" else replace(_feet_scene(424243), motion_px=0.0)
    rng = np.random.default_rng(1000 + i)
    s = replace(base, seed=int(rng.integers(0, 2**31)), elevation_deg=base.elevation_deg + rng.uniform(-1, 1),
                azimuth_deg=base.azimuth_deg + rng.uniform(-1, 1), distance_mm=base.distance_mm + rng.uniform(-20, 20),
                roll_deg=base.roll_deg + rng.uniform(-1, 1))
    path = Path(tmp) / f"rep_{kind}_{i}.jpg"
    write_scene(s, path)
    prof = CameraProfile.from_arrays((s.width, s.height), s.K, s.dist)
    out = {}
    m, _, _ = _measure(path, camera=prof, method="tabs" if kind == "tabs" else "contour")
    out["tabs" if kind == "tabs" else "contour"] = None if m is None else m.lld_mm
    if kind == "feet":
        from legcheck.synth.render import visible_heel_pixels

        hp = visible_heel_pixels(s)
        r2 = np.random.default_rng(2000 + i)
        pts = {k: (v[0] + r2.uniform(-1.4, 1.4), v[1] + r2.uniform(-1.4, 1.4)) for k, v in hp.items()}
        m, _, _ = _measure(path, camera=prof, left_heel_px=pts["left"], right_heel_px=pts["right"],
                           heel_height_mm=100.0)
        out["manual"] = None if m is None else m.lld_mm
    path.unlink()
    return out


def stage_times(path, camera=None) -> dict:
    """Seconds spent in each stage of measuring one photo (tab mode, and contour on a feet photo)."""
    from legcheck.vision.calibrate import estimate_camera
    from legcheck.vision.detect import find_board, find_markers, find_tabs
    from legcheck.vision.imageio import load_photo, to_gray
    from legcheck.measure.measurement import measure_from_tabs
    from legcheck.targets.spec import DEFAULT_BOARD, DEFAULT_TABS

    out = {}
    t = time.perf_counter()
    photo = load_photo(path)
    out["decode (read, EXIF, hash, decode)"] = time.perf_counter() - t
    t = time.perf_counter()
    gray = to_gray(photo.pixels)
    out["grey conversion"] = time.perf_counter() - t
    t = time.perf_counter()
    markers, scale = find_markers(gray, DEFAULT_BOARD.dictionary)
    out["marker search (reduced copy)"] = time.perf_counter() - t
    t = time.perf_counter()
    board = find_board(gray, DEFAULT_BOARD, markers, scale)
    out["board corners (full-res refine)"] = time.perf_counter() - t
    cam = camera or estimate_camera(board.corners_px, board.board_mm, (photo.width, photo.height), None)[0]
    t = time.perf_counter()
    tabs = find_tabs(gray, markers, DEFAULT_TABS, cam.K, cam.dist)
    out["tab outlines (sub-pixel)"] = time.perf_counter() - t
    t = time.perf_counter()
    measure_from_tabs(board, tabs, DEFAULT_TABS, cam)
    out["poses + uncertainty"] = time.perf_counter() - t
    return out


def contour_stage_time(path, camera) -> float:
    from legcheck.vision.contour import find_heels
    from legcheck.vision.detect import find_board, find_markers
    from legcheck.geometry import solve_board_pose
    from legcheck.vision.imageio import load_photo, to_gray
    from legcheck.targets.spec import DEFAULT_BOARD

    photo = load_photo(path)
    gray = to_gray(photo.pixels)
    markers, scale = find_markers(gray, DEFAULT_BOARD.dictionary)
    board = find_board(gray, DEFAULT_BOARD, markers, scale)
    b2c, _ = solve_board_pose(board.board_mm, board.corners_px, camera.K, camera.dist)
    t = time.perf_counter()
    find_heels(photo.pixels, b2c, camera.K, camera.dist, 100.0, DEFAULT_BOARD)
    return time.perf_counter() - t


def report_time(n_visits: int = 100) -> float:
    """Seconds to write the patient report (HTML with its chart) for a patient with ``n_visits`` visits."""
    import datetime as dt

    from legcheck.reports.data import patient_data
    from legcheck.reports.html import patient_html
    from legcheck.records.sqlite import open_store

    base = {"short_leg": "right", "method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90],
            "warnings": [], "image": {}, "uncertainty_mm": 0.4}
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(Path(tmp) / "r.sqlite3") as st:
            st.add_patient("B100", "Bench Patient")
            day0 = dt.datetime(2024, 1, 1, 9).astimezone()
            for i in range(n_visits):
                vid = st.new_visit("B100", day0 + dt.timedelta(days=7 * i))
                items = [dict(phase=ph, position=pos, result=dict(base, lld_mm=float(rng.normal(-4 if ph == "pre" else -1, 1))))
                         for ph in ("pre", "post") for pos in ("extended", "flexed")]
                st.record_checks("B100", items, vid)
            t0 = time.perf_counter()
            text = patient_html(patient_data(st, "B100"), "a4", st)
            (Path(tmp) / "report.html").write_text(text, encoding="utf-8")
            return time.perf_counter() - t0


def sequential_timing(scenes, tmp) -> dict:
    """Heel-tab mode timed one photo at a time in this process, both cores free (as at the table)."""
    from legcheck._cv import cv2
    from legcheck.vision.camera import CameraProfile
    from legcheck.pipeline import measure_photo
    from legcheck.synth.render import write_scene

    cv2().setNumThreads(os.cpu_count() or 1)
    t_m, t_r = [], []
    for i, s in enumerate(scenes):
        p = Path(tmp) / f"seq_{i}.jpg"
        write_scene(s, p, exif=_phone_exif(s))
        prof = CameraProfile.from_arrays((s.width, s.height), s.K, s.dist)
        measure_photo(p, camera=prof)  # warm caches once, like a second photo of the day
        t0 = time.perf_counter()
        measure_photo(p, camera=prof)
        t_m.append(time.perf_counter() - t0)
        t_r.append(_time_imread(p))
    m, r = statistics.median(t_m), statistics.median(t_r)
    return {"photos": len(scenes), "median_t_measure_s": m, "median_t_imread_s": r, "ratio": m / r}


def summarise(rows) -> list[dict]:
    groups = {}
    for r in rows:
        groups.setdefault((r["mode"], r["group"]), []).append(r)
        if r["profile"] and r["elevation"] >= 60:  # the band the targets are set on, as one group too
            groups.setdefault((r["mode"], "60-90 profile (all)" + r["group"][len("60-75 profile"):]), []).append(r)
    out = []
    for (mode, group), rs in sorted(groups.items()):
        ok = [r for r in rs if r["ok"]]
        errs = np.abs([r["err"] for r in ok]) if ok else np.array([np.nan])
        t_m = statistics.median(r["t_measure"] for r in ok) if ok else float("nan")
        t_r = statistics.median(r["t_imread"] for r in ok) if ok else float("nan")
        out.append({"mode": mode, "group": group, "scenes": len(rs), "detection_rate": len(ok) / len(rs),
                    "median_abs_err_mm": float(np.median(errs)), "p95_abs_err_mm": float(np.percentile(errs, 95)),
                    "coverage": float(np.mean([abs(r["err"]) <= r["unc"] for r in ok])) if ok else float("nan"),
                    "median_uncertainty_mm": float(np.median([r["unc"] for r in ok])) if ok else float("nan"),
                    "median_t_measure_s": t_m, "median_t_imread_s": t_r, "time_ratio": t_m / t_r})
    return out


def table(summary) -> str:
    head = (f"{'mode':<8} {'group':<40} {'n':>3} {'detect':>7} {'med|e|':>7} {'p95|e|':>7} {'cover':>6} "
            f"{'med unc':>7} {'t/photo':>8} {'imread':>7} {'ratio':>5}")
    lines = [head, "-" * len(head)]
    for s in summary:
        lines.append(f"{s['mode']:<8} {s['group']:<40} {s['scenes']:>3} {s['detection_rate']:>7.1%} "
                     f"{s['median_abs_err_mm']:>7.2f} {s['p95_abs_err_mm']:>7.2f} {s['coverage']:>6.1%} "
                     f"{s['median_uncertainty_mm']:>7.2f} {s['median_t_measure_s']:>7.3f}s {s['median_t_imread_s']:>6.3f}s "
                     f"{s['time_ratio']:>5.1f}")
    return "\n".join(lines)


def run(quick: bool = False, workers: int = 2, progress=None) -> dict:
    """Run the benchmark; returns everything it measured (also what --json writes)."""
    from legcheck.vision.camera import CameraProfile

    sizes = QUICK if quick else FULL
    t_start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [("tabs", 10_000 + i, tmp) for i in range(sizes["tabs"])]
        jobs += [("feet", 20_000 + i, tmp) for i in range(sizes["feet"])]
        reps = [("tabs", i, tmp) for i in range(sizes["repeats"])] + [("feet", i, tmp) for i in range(sizes["repeats"])]
        rows, repeats = [], []
        with ProcessPoolExecutor(workers) as ex:
            for rs in ex.map(_job, jobs):
                rows += rs
                if progress:
                    progress(1)
            for r in ex.map(_repeat_job, reps):
                repeats.append(r)
                if progress:
                    progress(1)
        # Where the time goes, on one 12 MP photo of each kind, in this process.
        from legcheck.synth.render import write_scene

        s = _tab_scene(10_001)
        p = Path(tmp) / "stages.jpg"
        write_scene(s, p)
        prof = CameraProfile.from_arrays((s.width, s.height), s.K, s.dist)
        stage_times(p, prof)  # first call pays for imports and caches
        stages = stage_times(p, prof)
        stages["imread alone"] = _time_imread(p)
        fs = _feet_scene(20_001)
        pf = Path(tmp) / "stages_feet.jpg"
        write_scene(fs, pf)
        stages["heel contours (feet photo)"] = contour_stage_time(pf, CameraProfile.from_arrays(
            (fs.width, fs.height), fs.K, fs.dist))
        seq = sequential_timing([_tab_scene(10_000 + i) for i in range(3 if quick else 10)], tmp)
    stages["patient report, 100 visits (HTML + chart)"] = report_time(100)
    rep = {}
    for mode in ("tabs", "contour", "manual"):
        vals = [r[mode] for r in repeats if r.get(mode) is not None]
        if vals:
            rep[mode] = {"n": len(vals), "sd_mm": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0,
                         "range_mm": float(np.ptp(vals))}
    manual_dev = manual_stats(rows)
    manual_dev_60 = manual_stats([r for r in rows if r["elevation"] >= 60])
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "quick": quick, "sequential_timing": seq,
            "manual_points_2px": manual_dev, "manual_points_2px_60_90": manual_dev_60,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "wall_s": time.time() - t_start, "summary": summarise(rows), "repeatability": rep,
            "stages_s": stages, "rows": rows}


def manual_stats(rows) -> dict:
    """How far manual points 2 px off move lld from the exact points' answer (snapped, and as clicked)."""
    manual = [r["dev_from_exact_points"] for r in rows if "dev_from_exact_points" in r]
    raw = [r["dev_unsnapped"] for r in rows if "dev_unsnapped" in r]
    return ({"n": len(manual), "median_abs_mm": float(np.median(np.abs(manual))),
                   "p95_abs_mm": float(np.percentile(np.abs(manual), 95)), "max_abs_mm": float(np.max(np.abs(manual))),
                   "share_within_0.5_mm": float(np.mean(np.abs(manual) <= 0.5)),
                   "unsnapped_p95_abs_mm": float(np.percentile(np.abs(raw), 95)) if raw else None,
                   "unsnapped_share_within_0.5_mm": float(np.mean(np.abs(raw) <= 0.5)) if raw else None}
                  if manual else {})


def report_text(res: dict) -> str:
    seq = res["sequential_timing"]
    lines = [table(res["summary"]), "",
             f"Heel-tab mode, one photo at a time with both cores: median {seq['median_t_measure_s']:.3f} s per 12 MP "
             f"photo, cv2.imread {seq['median_t_imread_s']:.3f} s, ratio {seq['ratio']:.1f} ({seq['photos']} photos)."]
    for key, label in (("manual_points_2px_60_90", "views 60-90 degrees"), ("manual_points_2px", "all views")):
        md = res.get(key)
        if md:
            lines.append(f"Manual mode, {label}, each point up to 2 px off the visible heel point (snapped to the edge, "
                         f"the default): lld moved by median {md['median_abs_mm']:.2f} mm, 95th percentile "
                         f"{md['p95_abs_mm']:.2f} mm, at most {md['max_abs_mm']:.2f} mm; {100 * md['share_within_0.5_mm']:.0f} % "
                         f"within 0.5 mm ({md['n']} photos). As clicked (--no-snap): 95th percentile "
                         f"{md['unsnapped_p95_abs_mm']:.2f} mm, {100 * md['unsnapped_share_within_0.5_mm']:.0f} % within 0.5 mm.")
    lines += ["", "Repeatability (same scene re-shot 10 times, fresh noise, camera moved ~1 degree and 2 cm):"]
    for mode, r in res["repeatability"].items():
        lines.append(f"  {mode:<8} sd {r['sd_mm']:.3f} mm, range {r['range_mm']:.3f} mm over {r['n']} photos")
    lines += ["", "Where the time goes (one 12 MP photo, and one report; seconds):"]
    for k, v in res["stages_s"].items():
        lines.append(f"  {k:<44} {v:.3f}")
    lines.append(f"\n{res['machine']}; {res['date']}; wall time {res['wall_s']:.0f} s" + (" (quick set)" if res["quick"] else ""))
    return "\n".join(lines)


def results_markdown(res: dict) -> str:
    return f"""# Benchmark results (latest full run)

`make bench` (= `legcheck bench --json bench/results.json --results bench/RESULTS.md`) on {res['date']},
{res['machine']}, opencv-python-headless {_cv_version()}.
Rendered 12-megapixel (4032x3024) JPEG scenes, seeded (the same scenes every run); each tab scene is
measured with a calibrated profile and without one; feet scenes in contour mode and, with points placed
up to 2 px off the true heels, in manual mode. Errors are |measured lld_mm - true lld_mm|; "cover" is the
share of scenes whose uncertainty_mm covered the true error; times are medians per photo on one core
(in-process; the command line adds about 0.3 s of start-up), "ratio" is time / `cv2.imread` time.
"No profile, uncorrected wide-angle" photos have lens distortion k1 > {CORRECTED_K1} that the phone did not
remove: they need a profile. The contour and manual targets are set for views 60-90 degrees; below 60 degrees the
rendered foot's toes start to compete with the heel for the outline's most caudal point, and the unknown heel
heights leak further into the table axis (the uncertainty widens accordingly).

```
{report_text(res)}
```
"""


def _cv_version():
    from legcheck._cv import cv2

    return cv2().__version__
