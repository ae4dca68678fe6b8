"""The calibration group: do stated intrinsic uncertainties cover the truth, and is a wrong profile refused?

- **Intrinsic coverage** (:func:`legcheck.synth.calibration_sets.intrinsic_coverage`): every kind of
  rendered calibration set (clean, planted faults), 2 MP, calibrated; the share of intrinsic
  parameters whose stated 2 sigma covers the error to the truth, and whether each set got its named
  warning or, for five near-identical photos (one distinct view), was refused.
- **Another lens** (:func:`wrong_lens`): heel-tab scenes measured with the true camera's profile whose
  focal length is 20 % short or 30 % long (another lens or zoom), without EXIF's focal length so that
  only the board's perspective can tell: each is refused (exit 6), covered by its bound, or a
  confident miss (outside its bound: the finding this group watches).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

QUICK = {"seeds": (0,), "resamples": 60, "scenes": 4}
FULL = {"seeds": (0, 1, 2), "resamples": 200, "scenes": 20}
#: Focal-length factors of the wrong profiles.
WRONG_FOCAL = (0.8, 1.3)


def wrong_lens(n_scenes: int, root) -> dict:
    """Counts of refused / covered / confident misses per focal factor, at 2 MP (see the module docstring)."""
    from legcheck.errors import LegcheckError
    from legcheck.pipeline import measure_photo
    from legcheck.synth.render import write_scene
    from legcheck.vision.camera import CameraProfile

    from .scenes import tab_scene

    out = {f: {"refused": 0, "covered": 0, "missed": 0} for f in WRONG_FOCAL}
    right_refused = []  # the true profile refused as another camera: a false refusal
    for i in range(n_scenes):
        s = tab_scene(50_000 + i)
        scale = 1600 / s.width
        s = replace(s, width=1600, height=1200, focal_px=s.focal_px * scale, principal_px=None)
        path = Path(root) / f"lens_{i}.jpg"
        truth = write_scene(s, path)
        right = CameraProfile.from_arrays((s.width, s.height), s.K, s.dist)
        try:
            measure_photo(path, camera=right)
        except LegcheckError as exc:
            if exc.code == "camera_profile":
                right_refused.append(f"{path.name}: {exc.message}")
            continue  # refused for another reason (placement, a tab not found): no question of lenses
        for f in WRONG_FOCAL:
            K = s.K.copy()
            K[:2, :2] *= f
            try:
                m = measure_photo(path, camera=replace(right, camera_matrix=tuple(K.ravel()))).measurement
            except LegcheckError as exc:
                out[f]["refused" if exc.code == "camera_profile" else "other_refusal"] = \
                    out[f].get("refused" if exc.code == "camera_profile" else "other_refusal", 0) + 1
                continue
            out[f]["covered" if abs(m.lld_mm - truth["lld_mm"]) <= m.uncertainty_mm else "missed"] += 1
    return {"by_focal": {str(f): v for f, v in out.items()}, "right_profile_refused": right_refused}


def run(quick: bool = False) -> dict:
    """The group's figures (what ``results.json`` keeps under ``calibration``)."""
    from legcheck.synth.calibration_sets import intrinsic_coverage

    cfg = QUICK if quick else FULL
    with tempfile.TemporaryDirectory() as tmp:
        cov = intrinsic_coverage(Path(tmp) / "sets", seeds=cfg["seeds"], resamples=cfg["resamples"])
        lens = wrong_lens(cfg["scenes"], tmp)
    sets = [{k: s.get(k) for k in ("kind", "seed", "grade", "expected", "raised")} for s in cov["sets"]]
    return {"intrinsic_coverage": cov["coverage"], "coverage_by_kind": cov["coverage_by_kind"],
            "parameters": len(cov["rows"]), "sets": sets,
            "planted_fault_named": float(np.mean([bool(s["raised"]) for s in sets if s["expected"]])),
            "wrong_lens": lens}


def markdown(res: dict) -> str:
    """The calibration section of RESULTS.md."""
    if not res:
        return ""
    by_kind = ", ".join(f"{k} {100 * v:.0f} %" for k, v in res["coverage_by_kind"].items())
    refused = [s["kind"] for s in res["sets"] if s["grade"] is None]
    lines = [f"Calibration: stated 2 sigma covers the true intrinsics for {100 * res['intrinsic_coverage']:.0f} % of "
             f"{res['parameters']} parameters ({by_kind}); planted faults named or refused as expected in "
             f"{100 * res['planted_fault_named']:.0f} % of sets; refused: {', '.join(refused) or 'none'}."]
    for f, c in res["wrong_lens"]["by_focal"].items():
        lines.append(f"Profile with the focal length x{f} (another lens, no EXIF focal): {c['refused']} refused as "
                     f"another camera, {c['covered']} covered by the bound, {c['missed']} confident misses.")
    lines.append(f"The right profile refused as another camera: {len(res['wrong_lens']['right_profile_refused'])} times.")
    return "\n".join(lines)
