"""The patient report's summary: each side's share of visits, how well corrections hold, in words.

Summaries count each side's share of visits (the left leg short at 2 of 3 visits, the right at 1)
and average sizes only within one side, never across sides. Means whose repeats disagree are left
out: their side is not known.

How well a correction holds is how much of the pre-to-post improvement at one visit is still
there at the next visit's pre check (legs extended)::

    retained = 1 - max(0, |next pre| - |post|) / (|pre| - |post|)

for corrections that were measurable improvements, clipped to 0..1; the loss counts only when
the post-to-next-pre change is itself measurable. When the next visit's short leg is on the
other side from this visit's pre check, nothing is "kept": the pair says so instead of a
percentage. The ratio is legcheck's own definition (no published formula); it is reported with
the number of visit pairs it averages.
"""

from __future__ import annotations

from .. import units as u
from ..records.vocabulary import EVEN_BELOW_MM, short_leg_of
from .change import Change, change_between

__all__ = ["side_counts", "shares_text", "series_figures", "summary_sentence", "repeats_disagree"]


def side_counts(values_mm: list[float], even_below_mm: float = EVEN_BELOW_MM) -> dict:
    """How many figures fall on each side, and their mean size within that side.

    Parameters
    ----------
    values_mm : list of float
        lld_mm figures (mm, positive = LEFT leg short).
    even_below_mm : float

    Returns
    -------
    dict
        ``{"left": {"n", "mean_mm"}, "right": {...}, "even": {...}}``; ``mean_mm`` is the mean
        of ``|lld_mm|`` over that side's figures only (None when there are none).
    """
    out = {}
    for side in ("left", "right", "even"):
        sizes = [abs(v) for v in values_mm if short_leg_of(v, even_below_mm) == side]
        out[side] = {"n": len(sizes), "mean_mm": _mean(sizes)}
    return out


def _retention(row: dict, next_pre: dict, between: Change) -> tuple[float | None, str]:
    """How much of ``row``'s extended correction is left at the next visit's pre check, and in words."""
    ch = row["change"]
    if repeats_disagree(row["means"].get(("pre", "extended")), row["means"].get(("post", "extended")), next_pre):
        return None, "not known: repeats disagree"
    if ch is None or ch.verdict != "improved":
        return None, "no improvement to hold"
    first_side, later_side = ch.sides[0], short_leg_of(next_pre["lld_mm"])
    if later_side not in ("even", first_side):
        return None, "the other leg was short"
    lost = max(0.0, abs(next_pre["lld_mm"]) - abs(ch.b_mm)) if between.measurable else 0.0
    retained = min(1.0, max(0.0, 1.0 - lost / (abs(ch.a_mm) - abs(ch.b_mm))))
    return retained, f"{100 * retained:.0f} % of the improvement"


def repeats_disagree(*means) -> bool:
    """Whether the repeats behind any of ``means`` (rows of a bundle's means, or None) disagree."""
    return any(m and m.get("repeats_disagree") for m in means)


def series_figures(rows: list[dict], units: str = u.DEFAULT_UNITS) -> dict:
    """The summary figures of a patient's visits (legs extended).

    Parameters
    ----------
    rows : list of dict
        The per-visit rows of :func:`legcheck.reports.data.patient_data` (``visit``, ``means``
        keyed by ``(phase, position)``, ``change``: the extended pre -> post :class:`Change`).
    units : {"mm", "in"}
        For the words.

    Returns
    -------
    dict
        ``visits``, ``visits_with_pre``, ``visits_with_post``, ``pre_sides``, ``post_sides``
        (:func:`side_counts`), ``even_after``, ``share_even_after``, ``pairs`` (consecutive
        visits: ``from_visit``/``to_visit`` ids, ``from_date``/``to_date``, ``change`` from
        post to the next pre, ``retained`` (0..1 or None) and ``held`` in words),
        ``mean_retained``, ``retained_pairs``, ``derifield`` ((date, Derifield, PD side) per
        visit), and the words of the report's figure boxes: ``pre_text``, ``post_text``,
        ``held_text`` (None where there is nothing to say).
    """
    # Means whose repeats disagree are left out: their side is not known.
    pre, post = ([r["means"][(ph, "extended")]["lld_mm"] for r in rows
                  if (ph, "extended") in r["means"] and not repeats_disagree(r["means"][(ph, "extended")])]
                 for ph in ("pre", "post"))
    post_sides = side_counts(post)
    f = {"visits": len(rows), "visits_with_pre": len(pre), "visits_with_post": len(post),
         "pre_sides": side_counts(pre), "post_sides": post_sides, "even_after": post_sides["even"]["n"],
         "share_even_after": (post_sides["even"]["n"] / len(post)) if post else None}
    holds, pairs = [], []
    for a, b in zip(rows, rows[1:]):
        post_a, pre_b = a["means"].get(("post", "extended")), b["means"].get(("pre", "extended"))
        ch = change_between(post_a, pre_b)
        if ch is None:
            continue
        retained, held = _retention(a, pre_b, ch)
        if retained is not None:
            holds.append(retained)
        pairs.append({"from_visit": a["visit"]["id"], "to_visit": b["visit"]["id"],
                      "from_date": a["visit"]["visit_date"], "to_date": b["visit"]["visit_date"],
                      "change": ch, "retained": retained, "held": held})
    f["pairs"] = pairs
    f["mean_retained"] = _mean(holds)
    f["retained_pairs"] = len(holds)
    f["derifield"] = [(r["visit"]["visit_date"], r["derifield"], r["pd_side"]) for r in rows]
    f.update(_figure_texts(f, units))
    return f


def _figure_texts(f: dict, units: str) -> dict:
    """The summary figures as the report's boxes word them (``pre_text``, ``post_text``, ``held_text``)."""
    def first_upper(text):
        return text[:1].upper() + text[1:]

    return {"pre_text": first_upper(shares_text(f["pre_sides"], f["visits_with_pre"], units, True)) or None,
            "post_text": first_upper(shares_text(f["post_sides"], f["visits_with_post"], units, True)) or None,
            "held_text": None if f["mean_retained"] is None else
            f"about {100 * f['mean_retained']:.0f} % of an improvement ({_pairs(f['retained_pairs'])})"}


def _pairs(n: int) -> str:
    return f"from {n} pair{'s' if n != 1 else ''} of visits"


def _mean(v):
    return sum(v) / len(v) if v else None


def shares_text(sides: dict, total: int, units: str = u.DEFAULT_UNITS, sizes: bool = False) -> str:
    """Each side's share of visits in words, the most frequent first.

    Parameters
    ----------
    sides : dict
        :func:`side_counts` output.
    total : int
        Visits counted.
    units : {"mm", "in"}
    sizes : bool
        Add each side's mean size ("right leg shorter at 2 of 3 visits (3.7 mm on average)").

    Returns
    -------
    str
        For example "the right leg looked shorter at 2 of 3 visits, the left leg at 1".
    """
    order = sorted((s for s in ("left", "right", "even") if sides[s]["n"]), key=lambda s: -sides[s]["n"])
    parts = []
    for i, s in enumerate(order):
        n = sides[s]["n"]
        what = "the legs were even" if s == "even" else f"the {s} leg looked shorter"
        if i:
            what = "even" if s == "even" else f"the {s} leg"
        part = f"{what} at {n}" + (f" of {total} visit{'s' if total != 1 else ''}" if not i else "")
        if sizes and s != "even" and sides[s]["mean_mm"] is not None:
            part += f" ({u.figure(sides[s]['mean_mm'], units)}{' on average' if n > 1 else ''})"
        parts.append(part)
    return ", ".join(parts)


def summary_sentence(patient: dict, rows: list[dict], f: dict, units: str = u.DEFAULT_UNITS) -> str:
    """A few plain sentences for the top of the patient report.

    Parameters
    ----------
    patient : dict
        The patient (``name`` is used).
    rows : list of dict
        The per-visit rows of :func:`patient_data`.
    f : dict
        The summary figures: ``pre_sides``, ``post_sides`` (:func:`side_counts` of the extended
        pre and post figures), ``visits_with_pre``, ``visits_with_post``, ``mean_retained``
        (0..1, see the module docstring) and ``retained_pairs``.
    units : {"mm", "in"}

    Returns
    -------
    str
        For example "Pat, 3 visits (2026-09-01 to 2026-09-15). Before the adjustment the right
        leg looked shorter at 3 of 3 visits. After it the legs were even at 1 of 3 visits, the
        right leg at 2. About 60 % of an improvement was still there at the next visit (from 1
        pair of visits)."
    """
    name = patient["name"]
    if not rows:
        return f"{name}: no visits recorded yet."
    first, last = rows[0]["visit"]["visit_date"], rows[-1]["visit"]["visit_date"]
    span = f"{len(rows)} visit{'s' if len(rows) != 1 else ''}" + (f" ({first} to {last})" if len(rows) > 1 else f" ({first})")
    parts = []
    if f["visits_with_pre"]:
        parts.append(f"Before the adjustment {shares_text(f['pre_sides'], f['visits_with_pre'], units)}.")
    if f["visits_with_post"]:
        parts.append(f"After it {shares_text(f['post_sides'], f['visits_with_post'], units)}.")
    if f["mean_retained"] is not None:
        parts.append(f"About {100 * f['mean_retained']:.0f} % of an improvement was still there at the next visit "
                     f"({_pairs(f['retained_pairs'])}).")
    if not parts:
        return f"{name}, {span}: no checks with the legs extended to summarise."
    return f"{name}, {span}. " + " ".join(parts)
