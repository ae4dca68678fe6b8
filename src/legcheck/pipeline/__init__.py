"""The one place the stages are chained: photo -> camera -> detection -> measurement -> store.

:func:`measure_photo` reads a photo, finds the board, chooses the intrinsics, finds the heels
and measures (:mod:`.measuring`); :func:`record_check` and :func:`record_checks` measure,
annotate and record in one step (:mod:`.recording`). The command line and the web app call
these and present the result; nothing here prints.

Public API: :func:`measure_photo`, :func:`annotate`, :class:`MeasureResult`,
:func:`record_check`, :func:`record_checks`, :class:`MeasureOptions`, :class:`CheckRequest`,
:class:`RecordedCheck`, :func:`measure_with`, :data:`STAGES`, :data:`DEFAULT_HEEL_HEIGHT_MM`.
"""

from __future__ import annotations

from .measuring import DEFAULT_HEEL_HEIGHT_MM, METHODS, STAGES, MeasureResult, annotate, is_own_annotated_copy, \
    measure_photo
from .recording import CheckRequest, MeasureOptions, RecordedCheck, measure_with, record_check, record_checks

__all__ = ["measure_photo", "annotate", "is_own_annotated_copy", "MeasureResult", "record_check", "record_checks",
           "MeasureOptions", "CheckRequest", "RecordedCheck", "measure_with", "STAGES", "METHODS", "DEFAULT_HEEL_HEIGHT_MM"]
