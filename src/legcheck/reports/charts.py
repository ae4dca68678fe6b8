"""The patient report's trend chart: the series it draws and the chart as inline SVG.

matplotlib draws on a :class:`matplotlib.figure.Figure` directly (no pyplot, no backend
switch), so making a chart changes nothing process-wide: a web app or a test that uses
matplotlib otherwise is unaffected. Text is drawn as paths (matplotlib's default), so the SVG
needs no font and no file beside it.
"""

from __future__ import annotations

import io

from .data import EVEN_MM, POSITIONS

__all__ = ["POSITION_COLOURS", "trend_series", "trend_svg"]

#: One colour per position, the same in every chart.
POSITION_COLOURS = {"extended": "#1f6fb4", "flexed": "#e07b00", "head-left": "#2a9d4b", "head-right": "#8e44ad"}


def trend_series(data: dict) -> list[dict]:
    """The points the trend chart draws, one series per position and phase.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output.

    Returns
    -------
    list of dict
        Per series: ``position``, ``phase``, and equal-length lists ``visit_date`` (ISO),
        ``visit_id``, ``lld_mm`` and ``uncertainty_mm`` (95 % bound), rounded to 0.001 mm.
        The report embeds this as JSON beside the chart.
    """
    out = []
    for pos in POSITIONS:
        for phase in ("pre", "post"):
            pts = [(r["visit"]["visit_date"], r["visit"]["id"], r["means"][(phase, pos)]) for r in data["rows"]
                   if (phase, pos) in r["means"]]
            if pts:
                out.append({"position": pos, "phase": phase, "visit_date": [p[0] for p in pts],
                            "visit_id": [p[1] for p in pts], "lld_mm": [round(p[2]["lld_mm"], 3) for p in pts],
                            "uncertainty_mm": [round(p[2]["uncertainty_mm"], 3) for p in pts]})
    return out


def trend_svg(data: dict) -> str:
    """The trend chart as an inline ``<svg>`` element.

    Left short plots above zero, right short below; the even band (``|lld_mm|`` under
    :data:`legcheck.reports.data.EVEN_MM`) is shaded; each point carries its 95 % bound as an
    error bar. Pre checks are dashed with open markers, post checks solid.

    Parameters
    ----------
    data : dict
        :func:`legcheck.reports.data.patient_data` output.

    Returns
    -------
    str
        SVG markup starting at ``<svg`` (no XML prolog), fit to embed in HTML.
    """
    from matplotlib.figure import Figure

    rows = data["rows"]
    fig = Figure(figsize=(9, 4.2))
    ax = fig.add_subplot(111)
    x = list(range(1, len(rows) + 1))
    ax.axhspan(-EVEN_MM, EVEN_MM, color="#e8f3ea", zorder=0, label=f"even (< {EVEN_MM:g} mm)")
    ax.axhline(0, color="#888", lw=0.8, zorder=1)
    index = {r["visit"]["id"]: i for i, r in zip(x, rows)}
    for ser in trend_series(data):
        style, face = ("--", "white") if ser["phase"] == "pre" else ("-", None)
        colour = POSITION_COLOURS[ser["position"]]
        ax.errorbar([index[v] for v in ser["visit_id"]], ser["lld_mm"], yerr=ser["uncertainty_mm"],
                    fmt="o", ls=style, color=colour, mfc=face or colour, mec=colour, ms=5, lw=1.4, capsize=3,
                    label=f"{ser['position']} {ser['phase']}", zorder=3)
    ax.set_xticks(x)
    ax.set_xticklabels([r["visit"]["visit_date"][5:] for r in rows], rotation=45 if len(rows) > 8 else 0, fontsize=8)
    if len(rows) > 24:  # about twelve labels, or they overlap
        step = max(1, len(rows) // 12)
        for i, lab in enumerate(ax.get_xticklabels()):
            lab.set_visible(i % step == 0)
    ax.set_ylabel("lld (mm)")
    lim = max([2.5] + [abs(m["lld_mm"]) + m["uncertainty_mm"] for r in rows for m in r["means"].values()]) * 1.1
    ax.set_ylim(-lim, lim)
    ax.text(0.005, 0.98, "LEFT short \u2191", transform=ax.transAxes, va="top", fontsize=8, color="#444")
    ax.text(0.005, 0.02, "RIGHT short \u2193", transform=ax.transAxes, va="bottom", fontsize=8, color="#444")
    ax.grid(axis="y", color="#eee")
    ax.legend(fontsize=7, ncol=3, loc="upper right", frameon=False)
    fig.tight_layout()
    buf = io.StringIO()
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "legcheck"}):  # the same chart, the same bytes (ids are hashed)
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]
