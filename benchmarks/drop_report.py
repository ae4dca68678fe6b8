"""The drop-table rows (:mod:`.drop`) as the benchmark's figures and tables.

Errors are against what a person clicking the heel outlines gets ("vs click": the outline points
measured as exact manual points at the same heel height) and against the outline points in 3D
("vs 3D": their own heights differ, which the bound must carry). "cover" is the share of results
whose bound covers the 3D truth; "wrong" counts results naming the other leg (the sign opposite to
the 3D truth's while |truth| exceeds the bound).
"""

from __future__ import annotations

import numpy as np

from .drop import CONFIDENT

#: Refusals that say where to stand contain this.
WHERE_TO_STAND = "stand at the head end of the table"
#: The label tables: (title, label key).
BREAKDOWNS = (("footwear", "footwear"), ("cover", "cover"), ("floor", "floor"), ("view band", "view_band"),
              ("view side", "view_side"), ("board side", "board_side"))


def _stats(rows, key: str) -> dict:
    """Found rate, errors, coverage, bound and wrong sides of ``key`` ("contour" or "near") over counting rows."""
    ok = [r for r in rows if r[key]["ok"]]
    vs_click = [r[key]["lld"] - r["clicked"]["lld"] for r in ok if r["clicked"]["ok"]]
    vs_3d = [r[key]["lld"] - r["true"] for r in ok]
    wrong = sum(bool(abs(r["true"]) > r[key]["unc"] and np.sign(r[key]["lld"]) == -np.sign(r["true"])) for r in ok)
    pct = (lambda v, q: float(np.percentile(np.abs(v), q)) if v else float("nan"))
    return {"n": len(rows), "found": len(ok) / len(rows) if rows else float("nan"),
            "p50_click": pct(vs_click, 50), "p95_click": pct(vs_click, 95), "p95_3d": pct(vs_3d, 95),
            "cover": float(np.mean([abs(r[key]["lld"] - r["true"]) <= r[key]["unc"] for r in ok])) if ok else float("nan"),
            "med_unc": float(np.median([r[key]["unc"] for r in ok])) if ok else float("nan"), "wrong": wrong,
            "t": float(np.median([r[key]["t"] for r in ok])) if ok else float("nan")}


def summarise_drop(rows) -> dict:
    """Everything the drop-table scenes measured: the Done-when figures and the tables by label."""
    drop = [r for r in rows if r["kind"] == "drop"]
    counting = [r for r in drop if r["on_outline"]]
    hidden = [r for r in drop if not r["on_outline"]]
    empty = [r for r in rows if r["kind"] == "empty"]
    out = {"contour": _stats(counting, "contour"), "near": _stats(counting, "near"),
           "hidden": {"n": len(hidden), "refused": sum(not r["contour"]["ok"] for r in hidden),
                      "where_to_stand": sum(WHERE_TO_STAND in r["contour"].get("message", "") for r in hidden),
                      "measured_vs_click_p95": float(np.percentile(np.abs(
                          [r["contour"]["lld"] - r["clicked"]["lld"] for r in hidden if r["contour"]["ok"]
                           and r["clicked"]["ok"]] or [np.nan]), 95))},
           "no_feet": {"n": len(empty), "measured": sum(r["contour"]["ok"] or bool(r["auto"] and r["auto"]["ok"])
                                                          for r in empty),
                       "messages": sorted({r["contour"].get("message", "")[:40] for r in empty})}}
    for title, key in BREAKDOWNS:
        groups = {}
        for r in counting:
            groups.setdefault(str(r["labels"].get(key, "?")), []).append(r)
        out[title] = {g: _stats(rs, "contour") for g, rs in sorted(groups.items())}
    confident = [r for r in counting if r["contour"]["ok"] and r["contour"]["conf"] >= CONFIDENT]
    out["confidence"] = {"n_confident": len(confident),
                         "within_bound": float(np.mean([abs(r["contour"]["lld"] - r["true"]) <= r["contour"]["unc"]
                                                        for r in confident])) if confident else float("nan")}
    return out


def _line(name, s) -> str:
    return (f"{name:<24} {s['n']:>3} {100 * s['found']:>6.1f}% {s['p50_click']:>7.2f} {s['p95_click']:>7.2f} "
            f"{s['p95_3d']:>7.2f} {100 * s['cover']:>6.1f}% {s['med_unc']:>7.2f} {s['wrong']:>5d} {s['t']:>6.2f}s")


def drop_text(summary: dict) -> str:
    """The drop-table section of the report."""
    head = (f"{'':<24} {'n':>3} {'found':>7} {'p50 clk':>7} {'p95 clk':>7} {'p95 3D':>7} {'cover':>7} {'med unc':>7} "
            f"{'wrong':>5} {'t':>7}")
    lines = ["Heels without tabs at a drop table (renderer's drop-table family, 12 MP, views 60-90 degrees, board",
             "squared on either side; errors in mm vs the clicked outline points and vs their 3D truth):", head,
             _line("contour", summary["contour"]), _line("rough points (taps)", summary["near"])]
    h, e, c = summary["hidden"], summary["no_feet"], summary["confidence"]
    lines.append(f"Views where a heel's caudal point is not on an outline: {h['n']}; refused {h['refused']}, saying where "
                 f"to stand {h['where_to_stand']} (measured ones: p95 |vs click| {h['measured_vs_click_p95']:.2f} mm).")
    lines.append(f"Photos without feet (table with nobody on it, a board alone): {e['n']}; measured {e['measured']}.")
    lines.append(f"Confidence >= {CONFIDENT}: {c['n_confident']} results, {100 * c['within_bound']:.1f} % within their "
                 "bound (3D truth).")
    for title, _ in BREAKDOWNS:
        lines += ["", f"Contour by {title}:", head] + [_line(g, s) for g, s in summary[title].items()]
    return "\n".join(lines)
