"""The clinical rules over stored records, as pure functions: a visit's summary and an amendment.

The store returns records (plain dicts); these functions turn them into what a chiropractor
reads, so every store implementation (SQLite now, PostgreSQL later) shares one set of rules.
"""

from __future__ import annotations

from ..repeats import mean_of_repeats
from .vocabulary import EVEN_BELOW_MM, derive_derifield, pd_side_of, short_leg_of


def phase_position_means(checks: list[dict], even_below_mm: float = EVEN_BELOW_MM) -> list[dict]:
    """The mean of the repeated checks of each (phase, position).

    Parameters
    ----------
    checks : list of dict
        Current check records, each with ``id``, ``phase``, ``position``, ``lld_mm`` and
        ``uncertainty_mm`` (95 % bound, mm).
    even_below_mm : float
        |mean| under this is "even", mm.

    Returns
    -------
    list of dict
        Sorted by (phase, position), each with ``phase``, ``position``, ``n``, ``lld_mm`` (the
        mean, mm), ``uncertainty_mm`` (its 95 % bound, mm: the larger of the propagated bound
        and the repeats' own spread with Student's t), ``propagated_mm``, ``spread_mm``,
        ``repeats_disagree`` (the repeats' scatter exceeds what their bounds allow: retake),
        ``short_leg`` and ``check_ids``. The formulas and their sources are in
        :mod:`legcheck.repeats`.
    """
    groups: dict[tuple[str, str], list[dict]] = {}
    for c in checks:
        groups.setdefault((c["phase"], c["position"]), []).append(c)
    rows = []
    for (phase, position), cs in sorted(groups.items()):
        m = mean_of_repeats([c["lld_mm"] for c in cs], [c["uncertainty_mm"] for c in cs])
        rows.append({"phase": phase, "position": position, "n": len(cs), "lld_mm": m["lld_mm"],
                     "uncertainty_mm": m["uncertainty_mm"], "propagated_mm": m["propagated_mm"],
                     "spread_mm": m["spread_mm"], "repeats_disagree": m["disagree"],
                     "short_leg": short_leg_of(m["lld_mm"], even_below_mm), "check_ids": [c["id"] for c in cs]})
    return rows


def latest_finding(findings: list[dict], key: str):
    """The newest non-null value of a finding.

    Parameters
    ----------
    findings : list of dict
        A visit's findings rows, oldest first.
    key : {"derifield", "pd_side", "listing"}

    Returns
    -------
    str or None
        The value of the newest row that sets ``key``; None when no row does.
    """
    values = [f[key] for f in findings if f.get(key) is not None]
    return values[-1] if values else None


def visit_summary(visit: dict, checks: list[dict], findings: list[dict], adjustments: list[dict],
                  even_below_mm: float = EVEN_BELOW_MM) -> dict:
    """Everything about a visit: its checks, means per phase and position, Derifield, PD side, pieces.

    Parameters
    ----------
    visit : dict
        The visit record (with ``id`` and ``chart``).
    checks : list of dict
        The visit's current checks, in the store's order.
    findings : list of dict
        The visit's findings rows, oldest first (``derifield``, ``pd_side``, ``listing``); a
        newer non-null value amends an older one.
    adjustments : list of dict
        The visit's drop-piece rows, oldest first.
    even_below_mm : float
        |lld_mm| under this counts as even, mm.

    Returns
    -------
    dict
        ``visit``, ``checks``, ``means`` (see :func:`phase_position_means`), ``derifield`` (set by
        hand, else derived from the pre checks), ``derifield_derived``, ``derifield_overridden``,
        ``pd_side`` (set by hand, else the short side legs extended), ``listing`` and
        ``adjustments``.
    """
    means = phase_position_means(checks, even_below_mm)
    pre = {m["position"]: m["lld_mm"] for m in means if m["phase"] == "pre"}
    derived = derive_derifield(pre.get("extended"), pre.get("flexed"), even_below_mm)
    derifield = latest_finding(findings, "derifield")
    return {
        "visit": visit, "checks": checks, "means": means,
        "derifield": derifield or derived, "derifield_derived": derived,
        "derifield_overridden": derifield is not None,
        "pd_side": latest_finding(findings, "pd_side") or pd_side_of(pre.get("extended"), even_below_mm),
        "listing": latest_finding(findings, "listing"),
        "adjustments": adjustments,
    }


#: The method of a figure typed in by hand (an amendment of the figure).
MANUAL_ENTRY = "manual entry"


def amended_result(result: dict, lld_mm: float, check_id: int, uncertainty_mm: float) -> dict:
    """The measurement JSON of an amendment of the figure: typed in by hand, with its own bound.

    Parameters
    ----------
    result : dict
        The amended check's measurement JSON (``Measurement.to_json()``); not modified.
    lld_mm : float
        The corrected figure, mm; positive = LEFT leg short.
    check_id : int
        The id of the check being amended.
    uncertainty_mm : float
        The corrected figure's 95 % bound, mm (never the measured figure's: it belonged to
        another number).

    Returns
    -------
    dict
        A copy of ``result`` with ``lld_mm``, ``uncertainty_mm``, ``short_leg`` (by the check's
        own even threshold), ``method`` = :data:`MANUAL_ENTRY`, ``measured_method`` (what the
        photo was measured by) and ``amended_from``.
    """
    even = float(result.get("even_below_mm", EVEN_BELOW_MM))
    measured = result.get("measured_method") or result.get("method")
    return {**result, "lld_mm": float(lld_mm), "uncertainty_mm": float(uncertainty_mm),
            "short_leg": short_leg_of(float(lld_mm), even), "method": MANUAL_ENTRY, "measured_method": measured,
            "amended_from": check_id}
