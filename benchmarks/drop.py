"""Heels without tabs at a real drop table: the renderer's drop-table scenes in contour mode and with taps.

Scenes (12 MP, seeded): feet hanging over the table's end, every footwear, cover and floor,
views 60-90 degrees, the board squared with the table on either side of the legs; two in three
seen from the head side (where heel outlines show), the rest from the foot end or the side. Each
is measured in contour mode, with rough points (a tap up to 30 mm from each heel on the table) and
with the outline points clicked exactly (the reference a person's click gives, at the same heel
height). Scenes count where the renderer says both heels' caudal points are on an outline
(``on_outline``); the others must be refused (exit 5) saying where to stand. Photos without feet
(the table with nobody on it, a board alone) must never be measured.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

# Confidence at or above which the bound must hold for at least 95 % of results: the one-line result's own.
from legcheck.measure.measurement import CONFIDENT  # noqa: F401

#: Taps land up to this far from the heel, on the table, mm.
TAP_MM = 30.0
#: The drop-table scene re-shot for contour mode's repeatability (head side, both heels on outlines).
REPEAT_SEED = 50_001


def drop_scene(seed: int):
    """A 12 MP drop-table scene: board left or right of the legs, squared; head side for two seeds in three."""
    from legcheck.synth.drop_families import random_drop_scene

    rng = np.random.default_rng(seed)
    side = ("left", "right")[seed % 2]
    view = "head side" if seed % 3 else None
    return random_drop_scene(rng, elevation_deg=(60.0, 90.0), board_side=side, view_side=view,
                             board_angle_deg=0.0)


def empty_scene(seed: int):
    """A photo without feet: the drop table with nobody on it, or (odd seeds) a board alone on a plain table."""
    from legcheck.synth.render import Scene
    from legcheck.synth.variants import without_patient

    if seed % 2:
        rng = np.random.default_rng(seed)
        return Scene(width=4032, height=3024, focal_px=3100.0, elevation_deg=float(rng.uniform(60, 90)),
                     distance_mm=float(rng.uniform(600, 1100)), show_tabs=(), seed=seed,
                     table=("black vinyl", "blue vinyl", "white paper roll", "patterned beige")[seed % 4])
    return without_patient(drop_scene(seed))


def _measure(path, **kw) -> dict:
    from legcheck.errors import LegcheckError
    from legcheck.pipeline import measure_photo

    t0 = time.perf_counter()
    try:
        m = measure_photo(path, **kw).measurement
    except LegcheckError as exc:
        return {"ok": False, "message": exc.message, "exit": exc.exit_code, "t": time.perf_counter() - t0}
    return {"ok": True, "lld": m.lld_mm, "unc": m.uncertainty_mm, "conf": m.confidence, "t": time.perf_counter() - t0,
            "warnings": list(m.warnings)}


def _taps(truth, scene, rng) -> dict:
    """Rough points: each heel's outline point moved up to TAP_MM on the table in a random direction."""
    from legcheck.geometry import project_table

    out = {}
    for side in ("left", "right"):
        p = np.asarray(truth["landmarks"][side]["outline"]["table_mm"], float)
        a, r = rng.uniform(0, 2 * np.pi), rng.uniform(0, TAP_MM)
        p[:2] += r * np.array([np.cos(a), np.sin(a)])
        out[side] = tuple(project_table(p[None], scene.board2cam(), scene.K, np.asarray(scene.dist))[0])
    return out


def drop_job(job) -> dict:
    """Render one scene ("drop" or "empty") and measure it; returns its row."""
    from legcheck._cv import cv2
    from legcheck.synth.render import write_scene

    from .scenes import phone_exif, profile_of

    cv2().setNumThreads(1)
    kind, seed, tmp = job
    scene = drop_scene(seed) if kind == "drop" else empty_scene(seed)
    path = Path(tmp) / f"{kind}_{seed}.jpg"
    truth = write_scene(scene, path, exif=phone_exif(scene))
    prof = profile_of(scene)
    row = {"kind": kind, "seed": seed, "labels": truth.get("labels", {}), "elevation": scene.elevation_deg,
           "contour": _measure(path, camera=prof, method="contour"), "auto": None}
    if kind == "drop":
        marks = truth["landmarks"]
        pts = sorted((marks[s]["outline"]["table_mm"] for s in ("left", "right")), key=lambda p: p[0])
        px = {s: marks[s]["outline"]["px"] for s in ("left", "right")}
        row.update(on_outline=all(marks[s]["outline"]["on_outline"] for s in ("left", "right")),
                   true=float(pts[0][1] - pts[1][1]), true_landmarks=truth["lld_board_mm"],
                   clicked=_measure(path, camera=prof, left_heel_px=px["left"], right_heel_px=px["right"], snap=False),
                   near=_measure(path, camera=prof, **{f"near_{s}_px": p for s, p in
                                                       _taps(truth, scene, np.random.default_rng(seed + 5)).items()}))
    else:
        row["auto"] = _measure(path, camera=prof)
    path.unlink()
    return row
