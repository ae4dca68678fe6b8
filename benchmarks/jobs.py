"""What each worker process does: render one scene, measure it every way that applies, return rows.

Workers run one OpenCV thread each, so times are single-core times.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from .axis import AXIS_LABELS, axis_job
from .scenes import CORRECTED_K1, VARIANTS, band, feet_scene, phone_exif, profile_of, tab_scene


class StageTimer:
    """An ``on_stage`` hook for :func:`legcheck.pipeline.measure_photo`: seconds per stage, summed."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


def time_imread(path) -> float:
    """The best of three ``cv2.imread`` of ``path``, seconds: what reading the photo alone costs."""
    from legcheck._cv import cv2

    cv = cv2()
    ts = []
    for _ in range(3):
        t0 = time.perf_counter()
        cv.imread(str(path))
        ts.append(time.perf_counter() - t0)
    return min(ts)


def measure(path, **kw):
    """(Measurement or None, seconds, error message, seconds per stage) of one real measure_photo call."""
    from legcheck.errors import LegcheckError
    from legcheck.pipeline import measure_photo

    timer = StageTimer()
    t0 = time.perf_counter()
    try:
        m = measure_photo(path, on_stage=timer, **kw).measurement
    except LegcheckError as exc:
        return None, time.perf_counter() - t0, exc.message, timer.seconds
    return m, time.perf_counter() - t0, "", timer.seconds


def _row(mode, group, scene, truth, result, t_read, profile):
    m, t, err_msg, stages = result
    d = {"mode": mode, "group": group, "elevation": scene.elevation_deg, "k1": scene.dist[0], "profile": profile,
         "true": truth["lld_mm"], "t_measure": t, "t_imread": t_read, "ok": m is not None, "stages": stages}
    if m is not None:
        d.update(lld=m.lld_mm, err=m.lld_mm - truth["lld_mm"], unc=m.uncertainty_mm, method=m.method)
    else:
        d["error"] = err_msg
    return d


def scene_job(job):
    """Render one scene and measure it every way that applies; returns result rows.

    Kinds: "tabs" and "feet" (the main table), the heel-tab scenes of :data:`.scenes.VARIANTS`
    ("turned": the board's HEAD arrow towards the feet; "swapped": each tab on the other heel) and
    the table-axis scenes of :mod:`.axis`, reported as their own groups (``variant`` set) so the
    main groups stay comparable run to run.
    """
    from legcheck._cv import cv2
    from legcheck.synth.render import write_scene

    cv2().setNumThreads(1)
    kind, seed, tmp = job
    if kind in AXIS_LABELS:
        return axis_job(kind, seed, tmp, measure, _row, phone_exif, profile_of, time_imread)
    scene = feet_scene(seed) if kind == "feet" else tab_scene(seed)
    path = Path(tmp) / f"{kind}_{seed}.jpg"
    if kind in VARIANTS:
        truth = VARIANTS[kind].write(scene, path, exif=phone_exif(scene))
    else:
        truth = write_scene(scene, path, exif=phone_exif(scene))
    prof = profile_of(scene)
    t_read = time_imread(path)
    b = band(scene.elevation_deg)
    wide = "45-60" if b == "45-60" else "60-90"
    if kind in VARIANTS:
        label = VARIANTS[kind].label
        rows = [_row("tabs", f"{label}, profile", scene, truth, measure(path, camera=prof, method="tabs"), t_read, True),
                _row("tabs", f"{label}, no profile", scene, truth, measure(path, method="tabs"), t_read, False)]
        for r in rows:
            r["variant"] = kind
    elif kind == "tabs":
        lens = "corrected lens" if scene.dist[0] <= CORRECTED_K1 else "uncorrected wide-angle"
        rows = [_row("tabs", f"{b} profile", scene, truth, measure(path, camera=prof, method="tabs"), t_read, True),
                _row("tabs", f"{wide} no profile, {lens}", scene, truth, measure(path, method="tabs"), t_read, False)]
    else:  # plain-layout feet: manual points (contour mode is measured on the drop-table scenes, .drop)
        rows = [_manual_row(path, scene, truth, prof, seed, t_read)]
    path.unlink()
    return rows


def _manual_row(path, scene, truth, prof, seed, t_read):
    """Manual mode with each point up to 2 px off the visible heel, against the exact points' answer."""
    from legcheck.synth.render import visible_heel_pixels

    hp = visible_heel_pixels(scene)
    h = (scene.feet.left_heel_mm[2] + scene.feet.right_heel_mm[2]) / 2
    rng = np.random.default_rng(seed + 7)
    pts = {}
    for side in ("left", "right"):  # a person's click: up to 2 px off, any direction
        a, r = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2.0)
        pts[side] = (hp[side][0] + r * math.cos(a), hp[side][1] + r * math.sin(a))
    clicked = dict(camera=prof, left_heel_px=pts["left"], right_heel_px=pts["right"], heel_height_mm=h)
    result = measure(path, **clicked)
    row = _row("manual", f"{band(scene.elevation_deg)} profile, points <= 2 px off", scene, truth, result, t_read, True)
    exact = measure(path, camera=prof, left_heel_px=hp["left"], right_heel_px=hp["right"], heel_height_mm=h)[0]
    if result[0] is not None and exact is not None:
        row["dev_from_exact_points"] = result[0].lld_mm - exact.lld_mm
        raw = measure(path, snap=False, **clicked)[0]
        if raw is not None:
            row["dev_unsnapped"] = raw.lld_mm - exact.lld_mm
    return row


def repeat_job(job):
    """The same scene re-shot: fresh noise, camera moved by about a degree and 2 cm. Returns lld_mm per mode.

    Kinds: "tabs" (a heel-tab scene), "feet" (a plain-layout feet scene, manual points up to 1.4 px
    off) and "drop" (a drop-table scene seen from the head side, contour mode).
    """
    from legcheck._cv import cv2
    from legcheck.synth.render import visible_heel_pixels, write_scene

    from .drop import REPEAT_SEED, drop_scene

    cv2().setNumThreads(1)
    kind, i, tmp = job
    base = {"tabs": lambda: tab_scene(424242), "feet": lambda: replace(feet_scene(424243), motion_px=0.0),
            "drop": lambda: drop_scene(REPEAT_SEED)}[kind]()
    rng = np.random.default_rng(1000 + i)
    s = replace(base, seed=int(rng.integers(0, 2**31)), elevation_deg=base.elevation_deg + rng.uniform(-1, 1),
                azimuth_deg=base.azimuth_deg + rng.uniform(-1, 1), distance_mm=base.distance_mm + rng.uniform(-20, 20),
                roll_deg=base.roll_deg + rng.uniform(-1, 1))
    path = Path(tmp) / f"rep_{kind}_{i}.jpg"
    write_scene(s, path)
    prof = profile_of(s)
    out = {}
    if kind in ("tabs", "drop"):
        mode = "tabs" if kind == "tabs" else "contour"
        m = measure(path, camera=prof, method=mode)[0]
        out[mode] = None if m is None else m.lld_mm
    else:
        hp = visible_heel_pixels(s)
        r2 = np.random.default_rng(2000 + i)
        pts = {k: (v[0] + r2.uniform(-1.4, 1.4), v[1] + r2.uniform(-1.4, 1.4)) for k, v in hp.items()}
        m = measure(path, camera=prof, left_heel_px=pts["left"], right_heel_px=pts["right"], heel_height_mm=100.0)[0]
        out["manual"] = None if m is None else m.lld_mm
    path.unlink()
    return out
