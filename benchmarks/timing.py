"""Where the time goes: the real measure_photo timed stage by stage through its ``on_stage`` hook,
one photo at a time with both cores (as at the table), and the patient report."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from .jobs import measure, time_imread
from .scenes import phone_exif, profile_of, tab_scene

#: How each stage of legcheck.pipeline.STAGES is labelled in the table.
STAGE_LABELS = {
    "decode": "decode (read, EXIF, hash, decode)",
    "grey": "grey conversion",
    "markers": "marker search (reduced copy)",
    "board": "board corners (full-res refine)",
    "camera": "camera (profile fit, board pose)",
    "table": "table edges (the table's axis)",
    "tabs": "tab outlines (sub-pixel)",
    "contour": "heel contours (drop-table photo)",
    "manual": "manual points (snapping)",
    "uncertainty": "poses + uncertainty",
    "result": "result (region shown in reports)",
}


def stage_times(tmp) -> dict:
    """Seconds per stage of measuring one 12 MP tab photo, and the heel contours of one feet photo.

    Each photo is measured twice in this process with all cores; the second call (caches warm,
    like the second photo of a day) is reported.
    """
    from legcheck._cv import cv2
    from legcheck.synth.render import write_scene

    cv2().setNumThreads(os.cpu_count() or 1)
    s = tab_scene(10_001)
    p = Path(tmp) / "stages.jpg"
    write_scene(s, p)
    measure(p, camera=profile_of(s), method="tabs")
    m, total, _, stages = measure(p, camera=profile_of(s), method="tabs")
    out = {STAGE_LABELS[k]: v for k, v in stages.items()}
    out["whole measure_photo (heel tabs)"] = total
    out["imread alone"] = time_imread(p)
    from .drop import REPEAT_SEED, drop_scene

    fs = drop_scene(REPEAT_SEED)
    pf = Path(tmp) / "stages_feet.jpg"
    write_scene(fs, pf)
    measure(pf, camera=profile_of(fs), method="contour")
    _, _, _, stages = measure(pf, camera=profile_of(fs), method="contour")
    out[STAGE_LABELS["contour"]] = stages.get("contour", float("nan"))
    return out


def sequential_timing(scenes, tmp) -> dict:
    """Heel-tab mode timed one photo at a time in this process, both cores free (as at the table)."""
    from legcheck._cv import cv2
    from legcheck.synth.render import write_scene

    cv2().setNumThreads(os.cpu_count() or 1)
    t_m, t_r = [], []
    for i, s in enumerate(scenes):
        p = Path(tmp) / f"seq_{i}.jpg"
        write_scene(s, p, exif=phone_exif(s))
        measure(p, camera=profile_of(s))  # warm caches once, like a second photo of the day
        t_m.append(measure(p, camera=profile_of(s))[1])
        t_r.append(time_imread(p))
    m, r = statistics.median(t_m), statistics.median(t_r)
    return {"photos": len(scenes), "median_t_measure_s": m, "median_t_imread_s": r, "ratio": m / r}


def report_time(n_visits: int = 100, location=None) -> float:
    """Seconds to write the patient report (HTML with its chart) for a patient with ``n_visits`` visits.

    ``location``: an empty database to build the patient in (a PostgreSQL one, say); default a
    new SQLite file in a temporary directory. Only writing the report is timed.
    """
    import datetime as dt

    from legcheck.records import open_store
    from legcheck.records.bundles import patient_bundle
    from legcheck.reports.data import patient_data
    from legcheck.reports.html import patient_html

    base = {"short_leg": "right", "method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90],
            "warnings": [], "image": {}, "uncertainty_mm": 0.4}
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(location or Path(tmp) / "r.sqlite3", create=True) as st:
            st.add_patient("B100", "Bench Patient")
            day0 = dt.datetime(2024, 1, 1, 9).astimezone()
            for i in range(n_visits):
                vid = st.new_visit("B100", day0 + dt.timedelta(days=7 * i))
                items = [dict(phase=ph, position=pos, result=dict(base, lld_mm=float(rng.normal(-4 if ph == "pre" else -1, 1))))
                         for ph in ("pre", "post") for pos in ("extended", "flexed")]
                st.record_checks("B100", items, vid)
            t0 = time.perf_counter()
            text = patient_html(patient_data(patient_bundle(st, "B100")), "a4")
            (Path(tmp) / "report.html").write_text(text, encoding="utf-8")
            return time.perf_counter() - t0
