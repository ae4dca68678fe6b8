"""The mean of repeated checks: its 95 % bound, and whether the repeats agree.

Repeats of one check (the same phase and position at one visit) are averaged. Their mean
carries the LARGER of two 95 % bounds:

- the **propagated** bound, from the checks' own bounds ``U_i`` (independent checks)::

      U_prop = sqrt(sum U_i**2) / n

- the repeats' own **spread** (a Type A evaluation: what repositioning the patient and
  retaking the photo actually did), with Student's t for the ``n - 1`` degrees of freedom of a
  standard deviation estimated from ``n`` values::

      U_spread = t(0.975, n - 1) * s / sqrt(n),   s = sample standard deviation (n - 1 divisor)

  t is 12.71 for two repeats, 4.30 for three, 3.18 for four, 2.78 for five, and falls towards
  1.96; it is applied at every n (the brief asks for it below 5; above, it is still the honest
  factor and differs from 2 by under 0.6).

So two repeats that agree well keep about their propagated bound only when they are very
close: two checks 0.1 mm apart carry at least 12.71 * 0.05 = 0.64 mm. A single check keeps its
own bound.

The repeats **disagree** when their scatter is larger than their bounds allow: the chi-squared
statistic about the inverse-variance weighted mean, with standard uncertainties
``u_i = U_i / 1.96``, exceeds its 95th percentile for ``n - 1`` degrees of freedom::

      chi2 = sum (x_i - x_w)**2 / u_i**2 > chi2(0.95, n - 1)

For two repeats this is exactly ``|x_1 - x_2| > sqrt(U_1**2 + U_2**2)``: the same test that
calls a change between two figures measurable (:class:`legcheck.reports.change.Change`).

References
----------
JCGM 100:2008 (GUM), "Evaluation of measurement data - Guide to the expression of uncertainty in
measurement": 4.2.2-4.2.3 (experimental standard deviation of the mean, s / sqrt(n)), 5.1.2
(propagation for uncorrelated inputs), G.3 and Table G.2 (the t-factor for nu = n - 1 degrees
of freedom). M. G. Cox, "The evaluation of key comparison data", Metrologia 39 (2002) 589-595,
section 5 (the chi-squared test of consistency of independent measurements of one quantity).
Quantiles: Student's t and chi-squared tables for nu <= 30 (as in GUM Table G.2, to four
places); beyond, the Cornish-Fisher expansion of t and the Wilson-Hilferty approximation of
chi-squared (Abramowitz & Stegun 26.7.5 and 26.4.17), both within 0.02 % there.
"""

from __future__ import annotations

import math

__all__ = ["Z_95", "t_975", "chi2_95", "mean_of_repeats"]

#: Two-sided 95 % coverage factor of a normal distribution.
Z_95 = 1.959964
#: t(0.975, nu) for nu = 1..30.
_T_975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788,
          2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
          2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)
#: chi-squared(0.95, nu) for nu = 1..30.
_CHI2_95 = (3.8415, 5.9915, 7.8147, 9.4877, 11.0705, 12.5916, 14.0671, 15.5073, 16.9190, 18.3070, 19.6751,
            21.0261, 22.3620, 23.6848, 24.9958, 26.2962, 27.5871, 28.8693, 30.1435, 31.4104, 32.6706,
            33.9244, 35.1725, 36.4150, 37.6525, 38.8851, 40.1133, 41.3371, 42.5570, 43.7730)
#: One-sided 95 % point of a normal distribution (for the chi-squared approximation).
_Z_95_ONE_SIDED = 1.644854
#: A bound below this (mm) is treated as this in the consistency test (a hand entry may carry 0).
_MIN_BOUND_MM = 1e-6


def t_975(dof: int) -> float:
    """Student's t quantile for a two-sided 95 % interval.

    Parameters
    ----------
    dof : int
        Degrees of freedom, >= 1.

    Returns
    -------
    float
        t(0.975, dof): 12.706 at 1, 2.776 at 4, 2.042 at 30, 1.960 in the limit.
    """
    if dof <= len(_T_975):
        return _T_975[dof - 1]
    z = Z_95  # Cornish-Fisher expansion in 1/dof (A&S 26.7.5), first two terms
    return z + (z ** 3 + z) / (4 * dof) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * dof ** 2)


def chi2_95(dof: int) -> float:
    """The 95th percentile of the chi-squared distribution.

    Parameters
    ----------
    dof : int
        Degrees of freedom, >= 1.

    Returns
    -------
    float
        3.841 at 1, 5.991 at 2, 43.77 at 30.
    """
    if dof <= len(_CHI2_95):
        return _CHI2_95[dof - 1]
    a = 2.0 / (9 * dof)  # Wilson-Hilferty (A&S 26.4.17)
    return dof * (1 - a + _Z_95_ONE_SIDED * math.sqrt(a)) ** 3


def mean_of_repeats(values_mm: list[float], bounds_mm: list[float]) -> dict:
    """The mean of repeated checks with its honest 95 % bound, and whether they agree.

    Parameters
    ----------
    values_mm : list of float, length n >= 1
        The repeats (lld_mm: mm, positive = LEFT leg short).
    bounds_mm : list of float, length n
        Their 95 % bounds, mm.

    Returns
    -------
    dict
        ``lld_mm`` (the plain mean, mm), ``uncertainty_mm`` (the larger of
        ``propagated_mm`` and ``spread_mm``), ``propagated_mm``, ``spread_mm`` (0 for one
        check), ``t_factor`` (None for one check) and ``disagree`` (bool; see the module
        docstring for every formula).

    Raises
    ------
    ValueError
        No values, or lists of different lengths.
    """
    n = len(values_mm)
    if n == 0 or n != len(bounds_mm):
        raise ValueError("mean_of_repeats needs one bound per value and at least one value")
    mean = sum(values_mm) / n
    propagated = math.sqrt(sum(u * u for u in bounds_mm)) / n
    if n == 1:
        return {"lld_mm": mean, "uncertainty_mm": propagated, "propagated_mm": propagated, "spread_mm": 0.0,
                "t_factor": None, "disagree": False}
    s = math.sqrt(sum((v - mean) ** 2 for v in values_mm) / (n - 1))
    t = t_975(n - 1)
    spread = t * s / math.sqrt(n)
    w = [(Z_95 / max(u, _MIN_BOUND_MM)) ** 2 for u in bounds_mm]  # 1 / u_i**2
    mean_w = sum(wi * v for wi, v in zip(w, values_mm)) / sum(w)
    chi2 = sum(wi * (v - mean_w) ** 2 for wi, v in zip(w, values_mm))
    return {"lld_mm": mean, "uncertainty_mm": max(propagated, spread), "propagated_mm": propagated,
            "spread_mm": spread, "t_factor": t, "disagree": chi2 > chi2_95(n - 1)}
