"""From points to millimetres: the :class:`Measurement` value, the estimate and its uncertainty.

Modules: :mod:`.measurement` (the value, its summary, shared checks and warnings),
:mod:`.tabs` (heel-tab mode), :mod:`.points` (heel contours and manual points),
:mod:`.uncertainty` (what both Monte Carlos share).

Public API (importing this package loads nothing heavy; each name loads its module on use):
:class:`Measurement`, :func:`measure_from_tabs`, :func:`measure_from_points`, :func:`short_leg_of`.
"""

from __future__ import annotations

import importlib

_HOMES = {"Measurement": "measurement", "short_leg_of": "measurement",
          "measure_from_tabs": "tabs", "measure_from_points": "points"}

__all__ = list(_HOMES)


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
