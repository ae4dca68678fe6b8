"""What ``legcheck calibrate`` prints: a plain first line, then the grade, the values and the photos.

The first line says, without jargon, how good the profile is and what to do; the lines after it
are for whoever wants the figures. Every value is printed with enough digits to show two
significant digits of its standard deviation (``p1 0.00039 +/- 0.000021``, not ``0.0004 +/- 0.0000``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .calib_checks import coverage_advice
from .intrinsics import INTRINSIC_PARAMS

#: Each warning in plain words, for the first line.
PLAIN = {
    "aspect_ratio": "the board looks printed out of scale",
    "principal_point": "the image centre comes out unusual",
    "few_views": "there are few photos",
    "low_tilt": "the board is hardly tilted in the photos",
    "one_tilt_axis": "the board is always tilted the same way",
    "similar_views": "some photos are near-copies",
    "frame_coverage": "parts of the frame have no board corners",
    "distortion_folds": "the lens distortion near the edges is guessed",
    "wide_uncertainty": "the focal length is only roughly known",
    "high_rms": "the corners fit loosely (blur, or a board not flat)",
    "inconsistent_views": "the photos do not agree on one camera",
}
#: What to do, per grade.
ADVICE = {"good": "ready to measure with.",
          "usable": "fine to measure with; the bound is a little wider. The warnings below say how to improve it.",
          "poor": "remake it before relying on it. The warnings below say how."}


def first_line(grade: str, warnings) -> str:
    """One plain sentence: the grade, the worst problems in plain words, and what to do."""
    worst = [w for w in warnings if w.severity == grade and w.code in PLAIN] if grade != "good" else []
    why = list(dict.fromkeys(PLAIN[w.code] for w in worst))[:3]
    because = f" ({'; '.join(why)})" if why else ""
    return f"{grade.capitalize()} camera profile{because}: {ADVICE[grade]}"


def with_sigma(name: str, value: float, sigma: float, decimals: int) -> str:
    """``name value +/- sigma`` with at least ``decimals`` decimals and two significant digits of sigma."""
    if sigma > 0 and math.isfinite(sigma):
        decimals = max(decimals, min(10, 1 - math.floor(math.log10(sigma))))
    return f"{name} {value:.{decimals}f} +/- {sigma:.{decimals}f}"


def summary_text(result) -> str:
    """The text of :meth:`legcheck.vision.calibrate.CalibrationResult.summary`."""
    p = result.profile
    std = np.sqrt(np.clip(np.diag(p.intrinsics_covariance()), 0, None))
    val = p.params()
    n_out = sum(1 for v in result.views if not v.used)
    n_w = len(result.warnings)
    lines = [first_line(result.grade, result.warnings),
             f"Camera profile grade: {result.grade.upper()}" + (f" ({n_w} warning{'s' * (n_w != 1)})" if n_w else ""),
             f"RMS reprojection error {p.rms_px:.3f} px over {p.n_views} photos" + (f" ({n_out} not used)" if n_out else ""),
             "  " + "  ".join(with_sigma(n, v, s, 1) for n, v, s in zip(INTRINSIC_PARAMS, val[:4], std[:4])) + " px",
             "  " + "  ".join(with_sigma(n, v, s, 4) for n, v, s in zip(INTRINSIC_PARAMS[4:], val[4:], std[4:])),
             "  (+/- 1 sigma: the larger of OpenCV's covariance and a bootstrap over the photos)"]
    for v in result.views:
        name = Path(v.path).name
        lines.append(f"  {name}: {v.rms_px:.3f} px, {v.n_points} corners" if v.used else f"  {name}: not used - {v.reason}")
    codes = {w.code for w in result.warnings}
    if result.coverage is not None and "frame_coverage" not in codes:  # else the warning says it
        lines.append("Coverage: " + (coverage_advice(result.coverage) or "every part of the frame has corners"))
    lines += [f"  [{w.code}] {w.message}" for w in result.warnings]
    return "\n".join(lines)
