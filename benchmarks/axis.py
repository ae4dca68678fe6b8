"""The table-axis groups: heel-tab scenes whose board is turned against the table, measured along the table.

Heel tabs sit on the heels, so these groups isolate the axis (the tab figures themselves are the
main table's). Three kinds, views 60-90 degrees, every photo with its true camera profile:

- ``axis_edge``: drop-table scenes with a long side of the table in view and the board turned
  up to +-5 degrees (:func:`legcheck.synth.drop_families.random_drop_scene`), seen from the foot
  end or the side (the tabs face back and down from the heels: from the head side they are out of
  sight), each tab standing :data:`TAB_STAND_OFF_MM` off its heel so the heel does not hide it;
- ``axis_none``: drop-table scenes framed inside the table's long sides (the board between the
  legs), the board turned as a careful user lays it: within the assumed +-0.5 degrees (95 %),
  drawn from N(0, (0.5 / 1.96)^2);
- ``axis_plain``: the plain layout (an endless table: no edge at all) with the same draw; its
  true lld is taken along an axis turned by that angle from the board's y.

Rows are grouped by the source the measurement reported ("table edge", "table end", "board"), and
each kind also as a whole ("(all)").
"""

from __future__ import annotations

import numpy as np

#: Labels of the kinds in the table.
AXIS_LABELS = {"axis_edge": "axis: edge in view, board <= 5 deg",
               "axis_none": "axis: no edge in view, board ~0.5 deg",
               "axis_plain": "axis: plain table, board ~0.5 deg"}
#: Assumed alignment of a squared board, degrees, 95 % (as legcheck.measure.table_axis.ASSUMED_95_DEG).
ASSUMED_95_DEG = 0.5
#: The heel tabs of the drop scenes stand this far off the heels (see :func:`_stand_off`), mm.
TAB_STAND_OFF_MM = 12.0


def axis_scene(kind: str, seed: int):
    """(scene, board_to_table_deg) of one table-axis scene, 12 MP; for the plain layout the angle is the truth's."""
    from legcheck.synth.drop_families import random_drop_scene

    rng = np.random.default_rng(seed)
    careful = float(rng.normal(0.0, ASSUMED_95_DEG / 1.96))
    if kind == "axis_plain":
        from .scenes import tab_scene

        s = tab_scene(seed)
        while s.elevation_deg < 60:  # the groups are set on views 60-90 degrees
            seed += 100_000
            s = tab_scene(seed)
        return s, careful
    edge = kind == "axis_edge"
    for _ in range(20):  # a draw that cannot be framed as asked: the next one (the generator moves on)
        # The tabs face the foot end (stuck on the back of the heel): from the head side they are out of sight.
        side = ("foot end", "foot end", "side")[int(rng.integers(3))]
        try:
            s = random_drop_scene(rng, tabs=True, edge_in_view=edge, elevation_deg=(60.0, 90.0), view_side=side,
                                  board_angle_deg=(-5.0, 5.0) if edge else careful)
        except RuntimeError:
            continue
        return _stand_off(s, TAB_STAND_OFF_MM), s.drop.board_to_table_deg
    raise RuntimeError(f"no {kind} scene for seed {seed}")


def _stand_off(scene, mm: float):
    """The scene with each heel tab moved ``mm`` off its heel, along the card's face normal.

    The renderer hides a card wherever the scene is nearer than the card's centre by 15 mm, so at
    oblique views the heel's own curve hides part of a card touching it and the tab is not found;
    a card standing a little off the heel is seen whole (its centre stays the truth's heel point).
    """
    from dataclasses import replace

    moved = {}
    for name in ("left_tab", "right_tab"):
        tab = getattr(scene, name)
        pose = tab.tab2table()
        moved[name] = replace(tab, centre_mm=tuple(float(v) for v in pose.t - mm * pose.R[:, 2]))
    return replace(scene, **moved)


def true_lld(kind: str, truth: dict, theta_deg: float) -> float:
    """The true lld_mm along the table's axis: the sidecar's for drop scenes, the plain layout's turned by theta."""
    if kind != "axis_plain":
        return float(truth["lld_mm"])
    from legcheck.measure.table_axis import lld_along

    return float(lld_along(truth["left_heel_mm"], truth["right_heel_mm"], theta_deg))


def axis_job(kind: str, seed: int, tmp, measure, row, phone_exif, profile_of, time_imread):
    """Render one table-axis scene and measure it in tab mode; one result row (see :mod:`.jobs`)."""
    from pathlib import Path

    from legcheck.synth.render import write_scene

    scene, theta = axis_scene(kind, seed)
    path = Path(tmp) / f"{kind}_{seed}.jpg"
    truth = write_scene(scene, path, exif=phone_exif(scene))
    t_read = time_imread(path)
    result = measure(path, camera=profile_of(scene), method="tabs")
    m = result[0]
    source = m.table_axis["source"] if m is not None else "not measured"
    r = row("tabs", f"{AXIS_LABELS[kind]}, {source}", scene, {"lld_mm": true_lld(kind, truth, theta)}, result, t_read,
            True)
    r.update(variant=kind, axis_all=f"{AXIS_LABELS[kind]} (all)", true_theta_deg=theta)
    if m is not None:
        r.update(axis_source=source, axis_err_deg=m.table_axis["board_to_table_deg"] - theta,
                 axis_sigma_deg=m.table_axis["sigma_deg"],
                 axis_lines=[[u["kind"], u["angle_deg"] - theta, u["sigma_deg"], u["length_mm"]]
                             for u in m.details["table_lines"]])
    path.unlink()
    return [r]


def axis_stats(rows) -> dict:
    """Per kind and source: how well the angle itself was measured (|error| median, share within 1.96 sigma)."""
    out = {}
    for r in rows:
        if "axis_err_deg" not in r:
            continue
        key = f"{AXIS_LABELS[r['variant']]}, {r['axis_source']}"
        out.setdefault(key, []).append(r)
    stats = {}
    for key, rs in sorted(out.items()):
        err = np.abs([r["axis_err_deg"] for r in rs])
        sig = np.array([r["axis_sigma_deg"] for r in rs])
        stats[key] = {"n": len(rs), "median_abs_err_deg": float(np.median(err)),
                      "p95_abs_err_deg": float(np.percentile(err, 95)), "median_sigma_deg": float(np.median(sig)),
                      "angle_cover": float(np.mean(err <= 1.96 * np.maximum(sig, 1e-9)))}
    return stats


def axis_text(stats: dict) -> list[str]:
    """Lines for the report: the angle's own accuracy per group and source."""
    if not stats:
        return []
    lines = ["Table axis: the board's angle to the table (|estimate - truth|; 'cover' = within 1.96 sigma):"]
    for key, s in stats.items():
        lines.append(f"  {key:<48} n {s['n']:>3}  median {s['median_abs_err_deg']:.3f} deg, p95 "
                     f"{s['p95_abs_err_deg']:.3f} deg, median sigma {s['median_sigma_deg']:.3f} deg, "
                     f"cover {100 * s['angle_cover']:.0f} %")
    return lines
