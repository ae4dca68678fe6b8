"""From result rows to the benchmark's tables and text: per mode and group, repeatability, manual points."""

from __future__ import annotations

import statistics

import numpy as np

from .axis import axis_text
from .scenes import CORRECTED_K1

#: Columns of the main table: (header, summary key, format).
COLUMNS = (("mode", "mode", "s"), ("group", "group", "s"), ("n", "scenes", "d"), ("detect", "detection_rate", ".1%"),
           ("med|e|", "median_abs_err_mm", ".2f"), ("p95|e|", "p95_abs_err_mm", ".2f"), ("cover", "coverage", ".1%"),
           ("med unc", "median_uncertainty_mm", ".2f"), ("wrong", "wrong_side", "d"), ("t/photo", "median_t_measure_s", ".3f"),
           ("imread", "median_t_imread_s", ".3f"), ("ratio", "time_ratio", ".1f"))


def wrong_side(r) -> bool:
    """A measured row that names the other leg: the sign opposite to the truth's while |truth| exceeds the bound."""
    return bool(r["ok"] and abs(r["true"]) > r["unc"] and np.sign(r["err"] + r["true"]) == -np.sign(r["true"]))


def wrong_sides(rows) -> dict:
    """Per mode, how many measured rows name the wrong short leg (:func:`wrong_side`); 0 is the target."""
    out = {}
    for r in rows:
        out[r["mode"]] = out.get(r["mode"], 0) + int(wrong_side(r))
    return out


def summarise(rows) -> list[dict]:
    """One summary per (mode, group): detection rate, |error| median and 95th percentile, coverage, wrong
    sides, times."""
    groups = {}
    for r in rows:
        groups.setdefault((r["mode"], r["group"]), []).append(r)
        if r["profile"] and r["elevation"] >= 60 and not r.get("variant"):  # the band the targets are set on, as one group too
            groups.setdefault((r["mode"], "60-90 profile (all)" + r["group"][len("60-75 profile"):]), []).append(r)
        if r.get("axis_all"):  # a table-axis kind whatever source its axis came from
            groups.setdefault((r["mode"], r["axis_all"]), []).append(r)
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
                    "wrong_side": sum(wrong_side(r) for r in ok),
                    "median_t_measure_s": t_m, "median_t_imread_s": t_r, "time_ratio": t_m / t_r})
    return out


def table(summary) -> str:
    """The main table as aligned text."""
    from tabulate import tabulate

    body = [[format(s[key], fmt) + ("s" if key.endswith("_s") else "") for _, key, fmt in COLUMNS] for s in summary]
    return tabulate(body, headers=[h for h, _, _ in COLUMNS], tablefmt="simple", disable_numparse=True,
                    colalign=("left", "left") + ("right",) * (len(COLUMNS) - 2))


def repeatability(repeats) -> dict:
    """Per mode: standard deviation and range of lld_mm over the re-shot photos."""
    rep = {}
    for mode in ("tabs", "contour", "manual"):
        vals = [r[mode] for r in repeats if r.get(mode) is not None]
        if vals:
            rep[mode] = {"n": len(vals), "sd_mm": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0,
                         "range_mm": float(np.ptp(vals))}
    return rep


def manual_stats(rows) -> dict:
    """How far manual points 2 px off move lld from the exact points' answer (snapped, and as clicked)."""
    manual = [r["dev_from_exact_points"] for r in rows if "dev_from_exact_points" in r]
    raw = [r["dev_unsnapped"] for r in rows if "dev_unsnapped" in r]
    if not manual:
        return {}
    return {"n": len(manual), "median_abs_mm": float(np.median(np.abs(manual))),
            "p95_abs_mm": float(np.percentile(np.abs(manual), 95)), "max_abs_mm": float(np.max(np.abs(manual))),
            "share_within_0.5_mm": float(np.mean(np.abs(manual) <= 0.5)),
            "unsnapped_p95_abs_mm": float(np.percentile(np.abs(raw), 95)) if raw else None,
            "unsnapped_share_within_0.5_mm": float(np.mean(np.abs(raw) <= 0.5)) if raw else None}


def report_text(res: dict) -> str:
    """Everything the benchmark measured, as the text ``legcheck bench`` prints."""
    seq = res["sequential_timing"]
    lines = [table(res["summary"]), "",
             f"Heel-tab mode, one photo at a time with both cores: median {seq['median_t_measure_s']:.3f} s per 12 MP "
             f"photo, cv2.imread {seq['median_t_imread_s']:.3f} s, ratio {seq['ratio']:.1f} ({seq['photos']} photos).",
             "Wrong side (the sign opposite to the truth's while |truth| exceeds the uncertainty; the target is 0): "
             + ", ".join(f"{mode} {n}" for mode, n in sorted(res.get("wrong_side", {}).items())) + "."]
    if res.get("calibration"):
        from .calibration import markdown as calibration_text

        lines += ["", calibration_text(res["calibration"])]
    for key, label in (("manual_points_2px_60_90", "views 60-90 degrees"), ("manual_points_2px", "all views")):
        md = res.get(key)
        if md:
            lines.append(f"Manual mode, {label}, each point up to 2 px off the visible heel point (snapped to the edge, "
                         f"the default): lld moved by median {md['median_abs_mm']:.2f} mm, 95th percentile "
                         f"{md['p95_abs_mm']:.2f} mm, at most {md['max_abs_mm']:.2f} mm; {100 * md['share_within_0.5_mm']:.0f} % "
                         f"within 0.5 mm ({md['n']} photos). As clicked (snap off): 95th percentile "
                         f"{md['unsnapped_p95_abs_mm']:.2f} mm, {100 * md['unsnapped_share_within_0.5_mm']:.0f} % within 0.5 mm.")
    lines += [""] + axis_text(res.get("table_axis", {}))
    if res.get("drop"):
        from .drop_report import drop_text

        lines += ["", drop_text(res["drop"])]
    lines += ["", "Repeatability (same scene re-shot, fresh noise, camera moved ~1 degree and 2 cm):"]
    for mode, r in res["repeatability"].items():
        lines.append(f"  {mode:<8} sd {r['sd_mm']:.3f} mm, range {r['range_mm']:.3f} mm over {r['n']} photos")
    lines += ["", "Where the time goes (one 12 MP photo through measure_photo's stage hook, and one report; seconds):"]
    lines += [f"  {k:<44} {v:.3f}" for k, v in res["stages_s"].items()]
    lines.append(f"\n{res['machine']}; {res['date']}; wall time {res['wall_s']:.0f} s" + (" (quick set)" if res["quick"] else ""))
    return "\n".join(lines)


def results_markdown(res: dict, cv_version: str) -> str:
    """bench/RESULTS.md: how the run was made, then :func:`report_text`."""
    return f"""# Benchmark results (latest full run)

`make bench` (= `legcheck bench --json bench/results.json --results bench/RESULTS.md`) on {res['date']},
{res['machine']}, opencv-python-headless {cv_version}.
Rendered 12-megapixel (4032x3024) JPEG scenes, seeded (the same scenes every run); each tab scene is
measured with a calibrated profile and without one; plain-layout feet scenes (feet standing above an
endless covering) in manual mode, with points placed up to 2 px off the true heels; drop-table scenes (feet
hanging over a real table's end) in contour mode and with rough points (taps), against the clicked heel
outlines and their 3D truth (contour mode needs the table's end and no longer measures the plain layout). Errors are |measured lld_mm - true lld_mm|; "cover" is the
share of scenes whose uncertainty_mm covered the true error; "wrong" counts results naming the other leg
(the sign opposite to the truth's while |truth| exceeds the uncertainty: the target is 0 in every mode);
"board turned 180" (HEAD arrow towards the feet) and "tabs swapped" (each tab on the other heel) are heel-tab
scenes a clinic gets wrong, measured against the patient's truth; "axis: ..." groups are heel-tab scenes whose board is
turned against the table (benchmarks/axis.py), measured along the table's axis and grouped by where the measured axis
came from (a table edge, the table's end, or the board with its assumed +-0.5 degrees); times are medians per photo on one core
(in-process; the command line adds about 0.3 s of start-up), "ratio" is time / `cv2.imread` time.
"No profile, uncorrected wide-angle" photos have lens distortion k1 > {CORRECTED_K1} that the phone did not
remove: they need a profile. The manual targets are set for views 60-90 degrees. Drop-table scenes count for
contour mode where the renderer says both heels' caudal points are on an outline; the others must be refused
saying where to stand.

```
{report_text(res)}
```
"""
