"""From points to millimetres: the :class:`Measurement` value, the estimate and its uncertainty.

Public API: :class:`legcheck.measure.measurement.Measurement`,
:func:`legcheck.measure.measurement.measure_from_tabs`,
:func:`legcheck.measure.measurement.measure_from_points`.
"""
