"""Checks of :func:`legcheck.pipeline.measure_photo`'s heel arguments, before any work is done.

Each raises :class:`~legcheck.errors.UsageError` (exit 2) naming the parameter, or the point
outside the photo (a bad argument too: it names pixels the photo does not have).
"""

from __future__ import annotations

import math

from ..errors import UsageError

METHODS = ("auto", "tabs", "contour", "manual")


def check_method(method, left_heel_px, right_heel_px) -> bool:
    """Whether the call is in manual mode; raises UsageError for a contradictory combination."""
    if method not in METHODS:
        raise UsageError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    manual = left_heel_px is not None or right_heel_px is not None
    if manual and (left_heel_px is None or right_heel_px is None):
        raise UsageError("left_heel_px and right_heel_px must be given together")
    if manual and method not in ("auto", "manual"):
        raise UsageError(f"left_heel_px and right_heel_px are manual points; they do not go with method {method!r}")
    if method == "manual" and not manual:
        raise UsageError("method 'manual' needs left_heel_px and right_heel_px")
    return manual


def check_near(method, manual: bool, near_left_px, near_right_px) -> dict | None:
    """The rough points as {"left", "right"}, or None; raises UsageError for a contradictory combination."""
    if near_left_px is None and near_right_px is None:
        return None
    if near_left_px is None or near_right_px is None:
        raise UsageError("near_left_px and near_right_px must be given together")
    if manual:
        raise UsageError("near_left_px/near_right_px (rough points) do not go with left_heel_px/right_heel_px (exact "
                         "points): give one pair or the other")
    if method not in ("auto", "contour"):
        raise UsageError(f"near_left_px and near_right_px help contour mode; they do not go with method {method!r}")
    return {"left": near_left_px, "right": near_right_px}


def check_point(p, photo, side, what="heel point"):
    """A point as (x, y) floats inside the photo; ``side`` names the parameter (``side``_heel_px or ``side``_px)."""
    name = f"{side}_heel_px" if what == "heel point" else f"{side}_px"
    try:
        x, y = (float(v) for v in p)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be two numbers (x, y), got {p!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise UsageError(f"{name} must be two finite numbers (x, y), got {p!r}")
    if not (0 <= x < photo.width and 0 <= y < photo.height):
        label = side.removeprefix("near_").upper()
        raise UsageError(f"the {label} {what} ({x:g}, {y:g}) is outside the "
                                f"{photo.width}x{photo.height} photo; give pixels of the photo as displayed")
    return (x, y)
