"""The patient report's trend charts: one small chart per position, and the points they draw.

matplotlib draws on a :class:`matplotlib.figure.Figure` directly (no pyplot, no backend
switch), so making a chart changes nothing process-wide: a web app or a test that uses
matplotlib otherwise is unaffected. Text is drawn as paths (matplotlib's default), so the SVG
needs no font and no file beside it; matplotlib keeps each text as an XML comment beside its
paths. The legend is not in the SVG: the report writes it in HTML below the charts, where it
reflows on a phone.
"""

from __future__ import annotations

import io

from .. import units as u
from .data import EVEN_MM, POSITION_LABELS, POSITIONS

__all__ = ["PHASE_STYLE", "axis_label", "trend_series", "trend_svgs"]

#: How each phase is drawn, the same in every chart: pre dashed with open markers, post solid.
#: Grey and blue carry no alarm; red marks only figures whose repeats disagree.
PHASE_STYLE = {"pre": {"colour": "#6b7785", "ls": "--", "face": "white", "label": "before adjustment"},
               "post": {"colour": "#1f6fb4", "ls": "-", "face": None, "label": "after adjustment"}}
DISAGREE_COLOUR = "#b3261e"


def axis_label(units: str = u.DEFAULT_UNITS) -> str:
    """The charts' vertical axis in words.

    Returns
    -------
    str
        "Left leg short ↑ / Right leg short ↓ (mm)", or "(in)".

    Raises
    ------
    UsageError
        Unknown units.
    """
    return f"Left leg short \u2191 / Right leg short \u2193 ({u.check_units(units)})"


def trend_series(data: dict) -> list[dict]:
    """The points the trend charts draw, one series per position and phase.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output.

    Returns
    -------
    list of dict
        Per series: ``position``, ``phase``, and equal-length lists ``visit_date`` (ISO),
        ``visit_id``, ``lld_mm`` and ``uncertainty_mm`` (95 % bound), rounded to 0.001 mm, and
        ``repeats_disagree``. The report embeds this as JSON beside the charts.
    """
    out = []
    for pos in POSITIONS:
        for phase in ("pre", "post"):
            pts = [(r["visit"]["visit_date"], r["visit"]["id"], r["means"][(phase, pos)]) for r in data["rows"]
                   if (phase, pos) in r["means"]]
            if pts:
                out.append({"position": pos, "phase": phase, "visit_date": [p[0] for p in pts],
                            "visit_id": [p[1] for p in pts], "lld_mm": [round(p[2]["lld_mm"], 3) for p in pts],
                            "uncertainty_mm": [round(p[2]["uncertainty_mm"], 3) for p in pts],
                            "repeats_disagree": [bool(p[2].get("repeats_disagree")) for p in pts]})
    return out


def _inch_axis(ax, lim_in: float) -> None:
    """Ticks at whole 1/16, 1/8 or 1/4 inches, labelled as fractions."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    step = 1 / 16 if lim_in <= 0.25 else 1 / 8 if lim_in <= 0.5 else 1 / 4
    ax.yaxis.set_major_locator(MultipleLocator(step))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: u.fraction_in(v * u.MM_PER_IN, signed=True)))


def _pain_panel(ax, pain: list[dict], index: dict) -> None:
    """Pain before (dashed, open) and after (solid) the adjustment, 0-10, on the trend chart's visits."""
    for ser in pain:
        st = PHASE_STYLE[ser["phase"]]
        ax.plot([index[v] for v in ser["visit_id"]], ser["nrs"], marker="s", ls=st["ls"], color=st["colour"],
                mfc=st["face"] or st["colour"], mec=st["colour"], ms=4.5, lw=1.3, zorder=3)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks([0, 5, 10])
    ax.tick_params(axis="y", labelsize=8.5)
    ax.set_ylabel("Pain (0–10)", fontsize=8)
    ax.grid(axis="y", color="#eee")


def trend_svgs(data: dict) -> list[dict]:
    """One small trend chart per position checked, as inline ``<svg>`` elements.

    Left short plots above zero, right short below; the even band (``|lld_mm|`` under
    :data:`legcheck.reports.data.EVEN_MM`) is shaded; each point carries its 95 % bound as an
    error bar; a mean whose repeats disagree is ringed in red (its bar may run off the chart).
    Every chart of a report shares
    one vertical scale, so positions compare at a glance. Figures are drawn in
    ``data["units"]``. When pain was rated (``data["pain_series"]``), the first chart has a
    second panel below it on the same visits: pain before and after the adjustment, 0-10.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output.

    Returns
    -------
    list of dict
        ``position``, ``label`` and ``svg`` (markup starting at ``<svg``, no XML prolog), in
        the vocabulary's order.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    units, rows = data["units"], data["rows"]
    k = 1 / u.MM_PER_IN if units == "in" else 1.0
    # The scale fits every figure and its bound, except the bounds of repeats that disagree: those
    # are wide by construction and would flatten the rest; their bars run off the chart.
    lim = k * 1.1 * max([2.5] + [abs(m["lld_mm"]) + (0 if m.get("repeats_disagree") else m["uncertainty_mm"])
                                 for r in rows for m in r["means"].values()])
    index = {r["visit"]["id"]: i for i, r in enumerate(rows, start=1)}
    series = trend_series(data)
    pain = data.get("pain_series") or []
    out = []
    for n, pos in enumerate(data["positions"]):
        with_pain = bool(pain) and n == 0
        fig = Figure(figsize=(5.2, 5.2 if with_pain else 3.4))
        if with_pain:
            ax, pax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3.4, 1.8]})
        else:
            ax = fig.add_subplot(111)
        ax.axhspan(-EVEN_MM * k, EVEN_MM * k, color="#eef2ee", zorder=0)
        ax.axhline(0, color="#888", lw=0.8, zorder=1)
        for ser in (s for s in series if s["position"] == pos):
            st = PHASE_STYLE[ser["phase"]]
            xs = [index[v] for v in ser["visit_id"]]
            ys = [v * k for v in ser["lld_mm"]]
            ax.errorbar(xs, ys, yerr=[v * k for v in ser["uncertainty_mm"]], fmt="o", ls=st["ls"],
                        color=st["colour"], mfc=st["face"] or st["colour"], mec=st["colour"], ms=4.5, lw=1.3,
                        capsize=2.5, zorder=3)
            bad = [(x, y) for x, y, d in zip(xs, ys, ser["repeats_disagree"]) if d]
            if bad:
                ax.scatter(*zip(*bad), s=110, facecolors="none", edgecolors=DISAGREE_COLOUR, linewidths=1.5, zorder=4)
        ax.set_xlim(0.5, len(rows) + 0.5)
        step = max(1, len(rows) // 12)  # about twelve dates, or they overlap (and a tick each costs time)
        ax.set_xticks(list(index.values())[::step])
        bottom = pax if with_pain else ax
        bottom.set_xticklabels([r["visit"]["visit_date"][5:] for r in rows[::step]],
                               rotation=45 if len(rows) > 6 else 0, fontsize=8.5)
        if with_pain:
            _pain_panel(pax, pain, index)
        ax.set_ylim(-lim, lim)
        if units == "in":
            _inch_axis(ax, lim)
        ax.tick_params(axis="y", labelsize=8.5)
        ax.set_ylabel(axis_label(units), fontsize=8)
        ax.set_title(POSITION_LABELS[pos].capitalize(), fontsize=10, loc="left")
        ax.grid(axis="y", color="#eee")
        fig.tight_layout()
        buf = io.StringIO()
        with rc_context({"svg.hashsalt": f"legcheck-{pos}"}):  # clip-path ids: fixed, and unique per chart
            fig.savefig(buf, format="svg", metadata={"Date": None})
        svg = buf.getvalue()
        out.append({"position": pos, "label": POSITION_LABELS[pos], "svg": svg[svg.index("<svg"):]})
    return out
