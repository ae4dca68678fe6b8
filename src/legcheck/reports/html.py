"""HTML (and PDF) for the reports: one self-contained file, pictures first.

Charts are inline SVG drawn by matplotlib (Agg, no display) and photos are
embedded JPEG thumbnails, so a report opens offline, on a phone, and prints on
A4 or Letter. The PDF is the same HTML printed by headless Chromium.
"""

from __future__ import annotations

import base64
import html
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import PdfError
from .data import Change, describe
from ..records.vocabulary import EVEN_BELOW_MM as EVEN_MM, POSITIONS

POSITION_COLOURS = {"extended": "#1f6fb4", "flexed": "#e07b00", "head-left": "#2a9d4b", "head-right": "#8e44ad"}
THUMB_PX = 640
DASH = "\u2014"

CSS = """
:root { --ink:#1d2733; --muted:#5b6876; --line:#d8dee5; --good:#1d7a3a; --bad:#b3261e; --even:#e8f3ea; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 960px; padding: 16px; }
h1 { font-size: 1.45em; margin: 0 0 4px; } h2 { font-size: 1.15em; margin: 22px 0 8px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.summary { font-size: 1.1em; background: #f3f6f9; border-left: 4px solid #1f6fb4; padding: 10px 14px; margin: 12px 0; }
.note { color: var(--muted); font-style: italic; }
.pair { display: flex; flex-wrap: wrap; gap: 12px; }
.pair figure { flex: 1 1 300px; margin: 0; }
.pair img { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { font-size: .92em; color: var(--muted); }
.chart svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 6px; text-align: left; vertical-align: top; }
th { background: #f3f6f9; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.improved { color: var(--good); font-weight: 600; } .worse, .reversed { color: var(--bad); font-weight: 600; }
.figs { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 10px; }
.fig { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.fig b { display: block; font-size: 1.35em; }
.position { break-inside: avoid; page-break-inside: avoid; }
footer { color: var(--muted); font-size: .85em; margin-top: 24px; }
@media print { body { max-width: none; padding: 0; font-size: 11pt; } .pair figure { flex-basis: 45%; } }
"""


def _page(title: str, body: str, paper: str) -> str:
    size = "A4" if paper == "a4" else "letter"
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><style>{CSS}\n@page {{ size: {size}; margin: 12mm; }}</style>"
            f"</head><body>{body}<footer>legcheck: apparent (functional) leg-length difference at the table, "
            f"not anatomic leg length. Positive = left leg appears short. \u201cEven\u201d = under {EVEN_MM:g} mm. "
            f"A change counts only when it exceeds the combined 95 % uncertainty of the two checks.</footer>"
            f"</body></html>\n")


def _thumb(path: Path | None, check: dict | None = None) -> str | None:
    """A JPEG thumbnail as a data: URI (no file or network reference left in the page).

    With the check it belongs to, the thumbnail is cropped to the board and heels (the
    measurement's ``roi_px``), so on a phone the heels are not a few pixels wide.
    """
    if path is None or not Path(path).exists():
        return None
    from .._cv import cv2

    cv = cv2()
    import numpy as np

    img = cv.imdecode(np.fromfile(str(path), np.uint8), cv.IMREAD_COLOR)
    if img is None:
        return None
    roi, size = _roi_of(check)
    if roi is not None and size:
        k = img.shape[1] / size[0]  # the stored annotated copy may be smaller than the photo
        x0, y0, x1, y1 = (int(round(v * k)) for v in roi)
        if x1 - x0 > 20 and y1 - y0 > 20:
            img = img[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1]
    h, w = img.shape[:2]
    s = min(1.0, THUMB_PX / max(h, w))
    if s < 1:
        img = cv.resize(img, (round(w * s), round(h * s)), interpolation=cv.INTER_AREA)
    ok, buf = cv.imencode(".jpg", img, [cv.IMWRITE_JPEG_QUALITY, 80])
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def _roi_of(check):
    if not check:
        return None, None
    import json

    try:
        r = json.loads(check["result_json"])
        return r.get("details", {}).get("roi_px"), (r["image"]["width"], r["image"]["height"])
    except (KeyError, TypeError, ValueError):
        return None, None


def _change_html(ch: Change | None, between_visits: bool = False) -> str:
    if ch is None:
        return "<span class=\"note\">not both checked</span>"
    cls = ch.verdict.replace(" ", "-") if ch.measurable else "none"
    return f"<span class=\"{cls}\">{html.escape(ch.sentence(between_visits))}</span>"


def _fmt(m) -> str:
    if not m:
        return "\u2014"
    return f"{m['lld_mm']:+.1f} \u00b1 {m['uncertainty_mm']:.1f}" + (f" (n={m['n']})" if m["n"] > 1 else "")


def visit_html(data: dict, store, paper: str = "a4") -> str:
    v, p = data["visit"], data["patient"]
    out = [f"<h1>Leg check, visit of {html.escape(v['visit_date'])}</h1>",
           f"<p class=\"sub\">{html.escape(p['name'])} \u00b7 chart {html.escape(p['chart'])} \u00b7 visit {v['id']}"
           + (f" \u00b7 {html.escape(v['practitioner'])}" if v["practitioner"] else "") + "</p>"]
    lines = []
    for pos in data["positions"]:
        if pos["change"] is not None:
            lines.append(f"{pos['position']}: {pos['change'].sentence()}")
    if lines:
        out.append(f"<p class=\"summary\">{html.escape(lines[0])}</p>")
    for n in data["notes"]:
        out.append(f"<p class=\"note\">{html.escape(n)}</p>")
    for pos in data["positions"]:
        out.append(f"<section class=\"position\"><h2>{html.escape(pos['position'].replace('-', ' ').capitalize())}</h2><div class=\"pair\">")
        for phase in ("pre", "post"):
            m = pos[phase]
            checks = pos["checks"][phase]
            src = (_thumb(store.photo_path(checks[-1]["annotated_sha256"] or checks[-1]["photo_sha256"]), checks[-1])
                   if checks else None)
            caption = (f"{'Before' if phase == 'pre' else 'After'} adjustment: "
                       + (f"{describe(m['lld_mm'])} (\u00b1 {m['uncertainty_mm']:.1f} mm" + (f", mean of {m['n']}" if m["n"] > 1 else "") + ")"
                          if m else "not checked"))
            img = f"<img src=\"{src}\" alt=\"{html.escape(caption)}\">" if src else "<p class=\"note\">no photo</p>"
            out.append(f"<figure>{img}<figcaption>{html.escape(caption)}</figcaption></figure>")
        out.append(f"</div><p>Change: {_change_html(pos['change'])}</p></section>")
    out.append("<h2>Findings and adjustment</h2><table>")
    d = data["derifield"]
    out.append(f"<tr><th>Derifield</th><td>{html.escape(d or 'not determined (needs pre checks extended and flexed)')}"
               + (" (set by hand)" if data["derifield_overridden"] else "") + "</td></tr>")
    out.append(f"<tr><th>PD side</th><td>{html.escape(data['pd_side'] or DASH)}</td></tr>")
    out.append(f"<tr><th>Listing</th><td>{html.escape(data['listing'] or DASH)}</td></tr>")
    pieces = ", ".join(f"{a['piece']}" + (f" {a['side']}" if a["side"] else "") + (f" ({a['listing']})" if a["listing"] else "")
                       for a in data["adjustments"]) or "\u2014"
    out.append(f"<tr><th>Drop pieces</th><td>{html.escape(pieces)}</td></tr></table>")
    return _page(f"Leg check {p['chart']} {v['visit_date']}", "\n".join(out), paper)


def trend_series(data: dict) -> list[dict]:
    """The points the trend chart draws, one series per position and phase (also embedded as JSON)."""
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
    """The series chart as inline SVG: left short above zero, right short below, the even band shaded."""
    import matplotlib

    matplotlib.use("Agg")
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
    if len(rows) > 24:
        for lab in ax.get_xticklabels()[::1]:
            lab.set_visible(False)
        for lab in ax.get_xticklabels()[:: max(1, len(rows) // 12)]:
            lab.set_visible(True)
    ax.set_ylabel("lld (mm)")
    lim = max([2.5] + [abs(m["lld_mm"]) + m["uncertainty_mm"] for r in rows for m in r["means"].values()]) * 1.1
    ax.set_ylim(-lim, lim)
    ax.text(0.005, 0.98, "LEFT short \u2191", transform=ax.transAxes, va="top", fontsize=8, color="#444")
    ax.text(0.005, 0.02, "RIGHT short \u2193", transform=ax.transAxes, va="bottom", fontsize=8, color="#444")
    ax.grid(axis="y", color="#eee")
    ax.legend(fontsize=7, ncol=3, loc="upper right", frameon=False)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def patient_html(data: dict, paper: str = "a4", store=None) -> str:
    p, f = data["patient"], data["figures"]
    period = data["period"]
    out = [f"<h1>Leg-check series: {html.escape(p['name'])}</h1>",
           f"<p class=\"sub\">chart {html.escape(p['chart'])}"
           + (f" \u00b7 from {period[0]}" if period[0] else "") + (f" \u00b7 to {period[1]}" if period[1] else "") + "</p>",
           f"<p class=\"summary\">{html.escape(data['summary'])}</p>"]
    for n in data["notes"]:
        out.append(f"<p class=\"note\">{html.escape(n)}</p>")
    rows = data["rows"]
    if len(rows) >= 2:
        import json

        out.append(f"<h2>Trend</h2><div class=\"chart\" id=\"trend\">{trend_svg(data)}</div>")
        out.append("<script type=\"application/json\" id=\"trend-data\">"
                   + html.escape(json.dumps(trend_series(data)), quote=False) + "</script>")
    if rows and store is not None:
        last = rows[-1]
        pics = []
        for phase in ("pre", "post"):
            cs = [c for c in last.get("checks", []) if c["phase"] == phase and c["position"] == "extended"]
            src = _thumb(store.photo_path(cs[-1]["annotated_sha256"] or cs[-1]["photo_sha256"]), cs[-1]) if cs else None
            m = last["means"].get((phase, "extended"))
            if src and m:
                cap = f"{'Before' if phase == 'pre' else 'After'}: {describe(m['lld_mm'])}"
                pics.append(f"<figure><img src=\"{src}\" alt=\"{html.escape(cap)}\"><figcaption>{html.escape(cap)}</figcaption></figure>")
        if pics:
            out.append(f"<h2>Latest visit ({last['visit']['visit_date']}), legs extended</h2><div class=\"pair\">"
                       + "".join(pics) + "</div>")
    if rows:
        def fig_box(label, value):
            return f"<div class=\"fig\">{html.escape(label)}<b>{html.escape(value)}</b></div>"

        out.append("<h2>Figures (legs extended)</h2><div class=\"figs\">")
        out.append(fig_box("mean before adjustment", "\u2014" if f["mean_pre_abs_mm"] is None else f"{f['mean_pre_abs_mm']:.1f} mm"))
        out.append(fig_box("mean after adjustment", "\u2014" if f["mean_post_abs_mm"] is None else f"{f['mean_post_abs_mm']:.1f} mm"))
        out.append(fig_box("visits ended even", "\u2014" if f["share_even_after"] is None else
                           f"{f['even_after']} of {f['visits_with_post']} ({100 * f['share_even_after']:.0f} %)"))
        out.append(fig_box("correction still there next visit", "\u2014" if f["mean_retained"] is None else
                           f"{100 * f['mean_retained']:.0f} % (over {f['retained_pairs']})"))
        out.append("</div>")
        out.append("<h2>Visits</h2><table><tr><th>date</th><th class=\"num\">pre ext.</th><th class=\"num\">post ext.</th>"
                   "<th>pre \u2192 post</th><th class=\"num\">pre flexed</th><th>Derifield</th><th>PD</th><th>drop pieces</th></tr>")
        for r in rows:
            m = r["means"]
            star = "*" if r["amended"] else ""
            pieces = ", ".join(a["piece"] + (f" {a['side']}" if a["side"] else "") for a in r["adjustments"]) or "\u2014"
            verdict = "\u2014" if r["change"] is None else (r["change"].verdict if r["change"].measurable else "no measurable change")
            cls = r["change"].verdict.replace(" ", "-") if r["change"] is not None and r["change"].measurable else ""
            out.append(f"<tr><td>{r['visit']['visit_date']}{star}</td><td class=\"num\">{_fmt(m.get(('pre', 'extended')))}</td>"
                       f"<td class=\"num\">{_fmt(m.get(('post', 'extended')))}</td><td class=\"{cls}\">{verdict}</td>"
                       f"<td class=\"num\">{_fmt(m.get(('pre', 'flexed')))}</td><td>{r['derifield'] or DASH}</td>"
                       f"<td>{r['pd_side'] or DASH}</td><td>{html.escape(pieces)}</td></tr>")
        out.append("</table>")
        if f["pairs"]:
            out.append("<h2>Holding between visits</h2><table><tr><th>after visit</th><th>at next visit (pre)</th>"
                       "<th>correction kept</th></tr>")
            for pair in f["pairs"]:
                kept = "\u2014" if pair["retained"] is None else f"{100 * pair['retained']:.0f} %"
                out.append(f"<tr><td>visit {pair['from_visit']}</td><td>{_change_html(pair['change'], True)}</td><td>{kept}</td></tr>")
            out.append("</table>")
    return _page(f"Leg-check series {p['chart']}", "\n".join(out), paper)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--hide-scrollbars"]


def write_pdf(html_text: str, pdf_path: Path) -> None:
    """Print the report's HTML to PDF with headless Chromium (the same page, on paper)."""
    exe = find_chromium()
    if exe is None:
        raise PdfError("--pdf needs Chromium to print the report; install it (Debian: apt-get install chromium) "
                       "or open the HTML and print it")
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html_text, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        cmd = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
               f"--print-to-pdf={out}", src.as_uri()]
        try:
            subprocess.run(cmd, capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError("Chromium took too long to print the report") from None
        if not out.exists() or out.stat().st_size == 0:
            raise PdfError("Chromium did not write the PDF; open the HTML report and print it instead")
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, pdf_path.with_name(pdf_path.name + ".part"))
        pdf_path.with_name(pdf_path.name + ".part").replace(pdf_path)
