"""legcheck: apparent leg-length discrepancy from a phone photo of a prone patient's heels.

Public API (everything else is private and may change)::

    from legcheck import measure_photo, CameraProfile, BoardSpec, TabSpec, Measurement, LegcheckError

Heavy modules (OpenCV, matplotlib) are imported on first use so the command line starts at once.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["measure_photo", "CameraProfile", "BoardSpec", "TabSpec", "Measurement", "LegcheckError",
           "DEFAULT_BOARD", "DEFAULT_TABS", "__version__"]


def __getattr__(name):
    if name == "measure_photo":
        from .pipeline import measure_photo
        return measure_photo
    if name == "CameraProfile":
        from .vision.camera import CameraProfile
        return CameraProfile
    if name in ("BoardSpec", "TabSpec", "DEFAULT_BOARD", "DEFAULT_TABS"):
        from .targets import spec
        return getattr(spec, name)
    if name == "Measurement":
        from .measure.measurement import Measurement
        return Measurement
    if name == "LegcheckError":
        from .errors import LegcheckError
        return LegcheckError
    raise AttributeError(f"module 'legcheck' has no attribute {name!r}")
