"""The benchmark: accuracy and speed of every measurement mode on a fixed, seeded set of renders.

``legcheck bench`` (and ``make bench``) renders 12-megapixel scenes with the package's
renderer (:mod:`.scenes`), measures them with and without a calibrated profile in worker
processes (:mod:`.jobs`), and reports per mode and group (:mod:`.summary`): detection rate,
median and 95th-percentile |error| of lld_mm, the share of scenes whose uncertainty_mm covered
the true error, how many results name the wrong short leg ("wrong side", the target is 0 in every
mode), and the median time per photo against the median ``cv2.imread`` of the same files. Heel-tab
scenes with the board turned round and with the tabs swapped are their own groups. Also: repeatability (one scene re-shot with fresh noise and a slightly moved camera) and
where the time goes in one photo, timed through ``measure_photo``'s stage hook (:mod:`.timing`).
Heels without tabs are measured on the renderer's drop-table scenes (:mod:`.drop`, reported by
:mod:`.drop_report`): contour mode, rough points, the views that cannot show heel outlines, and
photos without feet.

This file is the entry point; the command line loads it by its path, as the module
``legcheck_benchmarks``, and its siblings load as that package's submodules.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

if not __package__:  # loaded by file path (legcheck bench): this file is the package of its siblings
    __spec__.submodule_search_locations = __path__ = [str(Path(__file__).resolve().parent)]
    __package__ = __name__

from .axis import axis_stats  # noqa: E402
from . import calibration  # noqa: E402
from .drop import drop_job  # noqa: E402
from .drop_report import summarise_drop  # noqa: E402
from .jobs import repeat_job, scene_job  # noqa: E402
from .summary import manual_stats, repeatability, report_text, results_markdown as _markdown, summarise, \
    wrong_sides  # noqa: E402
from .timing import report_time, sequential_timing, stage_times  # noqa: E402
from .scenes import tab_scene  # noqa: E402

FULL = {"tabs": 90, "feet": 60, "turned": 20, "swapped": 20, "axis_edge": 40, "axis_none": 20, "axis_plain": 20,
        "repeats": 10, "drop": 90, "empty": 10}
QUICK = {"tabs": 8, "feet": 5, "turned": 2, "swapped": 2, "axis_edge": 3, "axis_none": 2, "axis_plain": 2, "repeats": 3,
         "drop": 6, "empty": 2}
#: First seed of each kind of scene (the same scenes every run).
SEED0 = {"tabs": 10_000, "feet": 20_000, "turned": 30_000, "swapped": 40_000, "axis_edge": 50_000, "axis_none": 60_000,
         "axis_plain": 70_000}
#: Scenes re-shot for repeatability (:func:`.jobs.repeat_job`).
REPEAT_KINDS = ("tabs", "feet", "drop")
#: First seed of the drop-table scenes (:mod:`.drop`): feet over a real table's end, and photos without feet.
DROP_SEED0 = {"drop": 50_000, "empty": 60_000}

__all__ = ["FULL", "QUICK", "n_jobs", "run", "report_text", "results_markdown"]


def n_jobs(quick: bool = False) -> int:
    """How many times :func:`run` calls ``progress``: one per scene and one per repeat."""
    sizes = QUICK if quick else FULL
    return sum(sizes[k] for k in SEED0) + sum(sizes[k] for k in DROP_SEED0) + len(REPEAT_KINDS) * sizes["repeats"]


def run(quick: bool = False, workers: int = 2, progress=None) -> dict:
    """Run the benchmark; returns everything it measured (also what ``--json`` writes).

    Parameters
    ----------
    quick : bool
        The small set (:data:`QUICK`, about a minute) instead of :data:`FULL`.
    workers : int
        Worker processes rendering and measuring scenes.
    progress : callable, optional
        Called with 1 as each scene or repeat is done.
    """
    sizes = QUICK if quick else FULL
    t_start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(kind, seed0 + i, tmp) for kind, seed0 in SEED0.items() for i in range(sizes[kind])]
        reps = [(kind, i, tmp) for kind in REPEAT_KINDS for i in range(sizes["repeats"])]
        drops = [(kind, seed0 + i, tmp) for kind, seed0 in DROP_SEED0.items() for i in range(sizes[kind])]
        rows, repeats, drop_rows = [], [], []
        with ProcessPoolExecutor(workers) as ex:
            for rs in ex.map(scene_job, jobs):
                rows += rs
                if progress:
                    progress(1)
            for r in ex.map(drop_job, drops):
                drop_rows.append(r)
                if progress:
                    progress(1)
            for r in ex.map(repeat_job, reps):
                repeats.append(r)
                if progress:
                    progress(1)
        stages = stage_times(tmp)
        seq = sequential_timing([tab_scene(10_000 + i) for i in range(3 if quick else 10)], tmp)
    stages["patient report, 100 visits (HTML + chart)"] = report_time(100)
    calib = calibration.run(quick)
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "quick": quick, "sequential_timing": seq,
            "manual_points_2px": manual_stats(rows),
            "manual_points_2px_60_90": manual_stats([r for r in rows if r["elevation"] >= 60]),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "wall_s": time.time() - t_start, "summary": summarise(rows), "wrong_side": wrong_sides(rows),
            "table_axis": axis_stats(rows), "repeatability": repeatability(repeats),
            "stages_s": stages, "calibration": calib, "rows": rows, "drop": summarise_drop(drop_rows),
            "drop_rows": drop_rows}


def results_markdown(res: dict) -> str:
    """bench/RESULTS.md for a run's results."""
    from legcheck._cv import cv2

    return _markdown(res, cv2().__version__)
