"""Reports built from a database made here: hand-computed figures, chart data against the log,
edge cases, escaping, and the templates shipped as package data."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from _bundles import patient_bundle, visit_bundle

from legcheck.errors import UsageError
from legcheck.records import open_store
from legcheck.reports.csvout import csv_rows_patient, csv_rows_visit
from legcheck.reports.data import Change, patient_data, visit_data
from legcheck.reports.html import patient_html, visit_html

REPO = Path(__file__).resolve().parents[2]
BASE = {"short_leg": "right", "method": "tabs", "left_heel_mm": [0, 0, 90], "right_heel_mm": [200, 0, 90],
        "warnings": [], "image": {}, "even_below_mm": 1.0}
#: (date, pre extended, post extended) with every uncertainty 0.4 mm; flexed pre at visit 1 only.
SERIES = [("2026-09-01", -6.0, -1.0), ("2026-09-08", -3.0, -2.8), ("2026-09-15", -2.0, -0.5)]
EVIL = "<script>alert(1)</script>"


def _check(st, chart, vid, phase, position, lld, **kw):
    return st.record_check(chart, phase, position, dict(BASE, lld_mm=lld, uncertainty_mm=0.4), visit_id=vid, **kw)


def _patient(st, chart, date_from=None, date_to=None):
    return patient_data(patient_bundle(st, chart, date_from, date_to))


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "r.sqlite3"
    with open_store(path, create=True) as st:
        st.add_patient("P1", "Pat Series")
        st.add_patient("P0", "No Visits")
        st.add_patient("P2", "One Visit")
        for i, (date, pre, post) in enumerate(SERIES):
            vid = st.new_visit("P1", dt.datetime.fromisoformat(date + "T10:00").astimezone())
            _check(st, "P1", vid, "pre", "extended", pre)
            _check(st, "P1", vid, "post", "extended", post)
            if i == 0:
                _check(st, "P1", vid, "pre", "flexed", -5.5)
        vid = st.new_visit("P2", dt.datetime(2026, 10, 1, 9).astimezone())
        _check(st, "P2", vid, "pre", "extended", 3.0)
    return path


def test_summary_figures_match_hand_computation(db):
    with open_store(db) as st:
        d = _patient(st, "P1")
        text = patient_html(d)
    f = d["figures"]
    assert f["pre_sides"] == {"left": {"n": 0, "mean_mm": None}, "right": {"n": 3, "mean_mm": pytest.approx(11 / 3)},
                              "even": {"n": 0, "mean_mm": None}}
    # -1.0 is not under the 1 mm threshold: right short; -0.5 is even.
    assert f["post_sides"]["right"] == {"n": 2, "mean_mm": pytest.approx(1.9)} and f["post_sides"]["even"]["n"] == 1
    assert (f["even_after"], f["visits_with_post"]) == (1, 3)
    # Visit 1 corrected 5.0 mm; 2.0 of it was lost by visit 2: 60 % kept. Visit 2's 0.2 mm is no correction.
    assert f["mean_retained"] == pytest.approx(0.6) and f["retained_pairs"] == 1
    assert [r["change"].verdict for r in d["rows"]] == ["improved", "no measurable change", "improved"]
    assert d["summary"] == ("Pat Series, 3 visits (2026-09-01 to 2026-09-15). Before the adjustment the right leg "
                            "looked shorter at 3 of 3 visits. After it the right leg looked shorter at 2 of 3 visits, "
                            "even at 1. About 60 % of an improvement was still there at the next visit (from 1 pair "
                            "of visits).")
    assert d["summary"] in text
    # The middle visit's 0.2 mm is inside the combined +-0.57 mm: never called an improvement.
    row2 = re.search(r'<tr><td data-label="date">2026-09-08.*?</tr>', text).group(0)
    assert "no measurable change (0.2 mm, within ± 0.6)" in row2 and "less" not in row2
    assert f["pre_text"] == "The right leg looked shorter at 3 of 3 visits (3.7 mm on average)"
    assert f["post_text"] == "The right leg looked shorter at 2 of 3 visits (1.9 mm on average), even at 1"
    assert f["pre_text"] in text and f["post_text"] in text
    assert "about 60 % of an improvement (from 1 pair of visits)" in text
    assert "correction still there" not in text and "(over 1)" not in text  # the old jargon
    assert [(p["from_date"], p["to_date"], p["held"]) for p in f["pairs"]] == [
        ("2026-09-01", "2026-09-08", "60 % of the improvement"), ("2026-09-08", "2026-09-15", "no improvement to hold")]


def test_side_change_is_not_averaged_across_sides(tmp_path):
    """Right short at one visit, left short at the next: each side's share, never one averaged side."""
    with open_store(tmp_path / "s.sqlite3", create=True) as st:
        st.add_patient("S1", "Sam Side")
        for day, pre, post in ((1, -4.0, -0.5), (8, 4.0, 1.5), (15, 3.0, -3.5)):
            vid = st.new_visit("S1", dt.datetime(2026, 9, day, 9).astimezone())
            _check(st, "S1", vid, "pre", "extended", pre)
            _check(st, "S1", vid, "post", "extended", post)
        d = _patient(st, "S1")
        text = patient_html(d)
        rows = csv_rows_patient(d)
    assert d["summary"] == ("Sam Side, 3 visits (2026-09-01 to 2026-09-15). Before the adjustment the left leg "
                            "looked shorter at 2 of 3 visits, the right leg at 1. After it the left leg looked shorter "
                            "at 1 of 3 visits, the right leg at 1, even at 1. About 40 % of an improvement was still "
                            "there at the next visit (from 1 pair of visits).")
    assert "on average" not in d["summary"] and "appeared short by" not in text
    # Visit 1 evened the right short leg; at visit 2 the LEFT was short: nothing "came back" or was "kept".
    first, second = d["figures"]["pairs"]
    assert first["change"].sentence() == "even 0.5 → left short 4.0 mm: now left short, by 4.5 mm (± 0.6)"
    assert (first["retained"], first["held"]) == (None, "the other leg was short")
    assert second["change"].sentence() == "left short 1.5 → left short 3.0 mm: 1.5 mm more (± 0.6)"
    # Visit 2 corrected 2.5 mm (4.0 -> 1.5); 1.5 of it was back at visit 3: 40 % still there.
    assert (second["retained"], second["held"]) == (pytest.approx(0.4), "40 % of the improvement")
    holding = text[text.index("Holding between visits"):]
    assert "came back" not in holding and "kept" not in holding
    assert "the other leg was short" in holding
    # Visit 3: left short 3.0 -> right short 3.5 is the signed 6.5 mm, in the table and in the CSV alike.
    assert rows[2]["change"] == "left short 3.0 → right short 3.5 mm: the short side changed, by 6.5 mm (± 0.6)"
    assert (rows[2]["change_mm"], rows[2]["verdict"]) == (-6.5, "reversed")
    assert "the short side changed, by 6.5 mm (± 0.6)" in text


def test_chart_data_is_the_log(db):
    with open_store(db) as st:
        text = patient_html(_patient(st, "P1"))
        log = st.checks(chart="P1")
    data = json.loads(re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', text, re.S).group(1))
    series = {(s["position"], s["phase"]): s for s in data}
    assert set(series) == {("extended", "pre"), ("extended", "post"), ("flexed", "pre")}
    for (pos, phase), s in series.items():
        want = [c["lld_mm"] for c in log if c["position"] == pos and c["phase"] == phase]
        assert s["lld_mm"] == pytest.approx(want)
        assert s["visit_date"] == [c["visit_date"] for c in log if c["position"] == pos and c["phase"] == phase]
    # Small multiples: one chart per position checked, each with the axis named in words.
    assert text.count("<svg") == 2 and re.findall(r'data-position="([a-z-]+)"', text) == ["extended", "flexed"]
    assert text.count("<!-- Left leg short ↑ / Right leg short ↓ (mm) -->") == 2
    assert "lld (mm)" not in text


def test_edge_cases_say_so(db):
    with open_store(db) as st:
        none = patient_html(_patient(st, "P0"))
        one = patient_html(_patient(st, "P2"))
        ranged = patient_html(_patient(st, "P1", dt.date(2027, 1, 1)))
        v = st.visits("P2")[0]["id"]
        pre_only = visit_html(visit_data(visit_bundle(st, v)))
    assert "No visits recorded for this patient." in none and "<svg" not in none
    assert "in this period" in ranged and "<svg" not in ranged
    assert "Only one visit so far" in one and "<svg" not in one
    assert "No post-adjustment check was recorded at this visit." in pre_only


def test_amended_checks_are_marked_and_used(db):
    with open_store(db) as st:
        cid = st.checks(chart="P1")[0]["id"]  # visit 1, pre extended, -6.0
        st.amend_check(cid, -7.0, "re-read the photo", uncertainty_mm=1.0)
        d = _patient(st, "P1")
        text = patient_html(d)
        vtext = visit_html(visit_data(visit_bundle(st, d["rows"][0]["visit"]["id"])))
    assert d["figures"]["pre_sides"]["right"]["mean_mm"] == pytest.approx((7 + 3 + 2) / 3)
    assert "Some checks were amended" in text and "2026-09-01*" in text
    assert "amended check" in vtext


def test_csv_rows_are_the_figures(db):
    with open_store(db) as st:
        d = _patient(st, "P1")
        visit = visit_data(visit_bundle(st, d["rows"][0]["visit"]["id"]))
    rows = csv_rows_patient(d)
    assert [(r["visit_date"], r["position"]) for r in rows] == [
        ("2026-09-01", "extended"), ("2026-09-01", "flexed"), ("2026-09-08", "extended"), ("2026-09-15", "extended")]
    assert (rows[0]["pre_lld_mm"], rows[0]["post_lld_mm"], rows[0]["change_mm"]) == (-6.0, -1.0, 5.0)
    assert rows[1]["post_lld_mm"] is None and rows[1]["change_mm"] is None
    assert [r["verdict"] for r in rows] == ["improved", None, "no measurable change", "improved"]
    vrows = csv_rows_visit(visit)
    assert [(r["phase"], r["position"], r["lld_mm"]) for r in vrows] == [
        ("pre", "extended", -6.0), ("post", "extended", -1.0), ("pre", "flexed", -5.5)]


def test_every_value_is_escaped(tmp_path):
    with open_store(tmp_path / "e.sqlite3", create=True) as st:
        st.add_patient("C<1>", EVIL)
        for day in (1, 8):
            vid = st.new_visit("C<1>", dt.datetime(2026, 9, day, 9).astimezone(), practitioner=EVIL)
            _check(st, "C<1>", vid, "pre", "extended", -3.0)
            _check(st, "C<1>", vid, "post", "extended", -0.5)
            st.set_findings(vid, pd_side="left", listing='"&<>')
            st.add_adjustment(vid, "pelvic", "right", '"&<>')
        # Fields the store limits to its vocabulary are free text in a bundle: escaped all the same.
        bundle = dict(visit_bundle(st, vid), derifield=EVIL, pd_side=EVIL)
        visit = visit_html(visit_data(bundle))
        patient = patient_html(_patient(st, "C<1>"))
    for text in (visit, patient):
        assert EVIL not in text and "C<1>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "C&lt;1&gt;" in text
        assert text.count("<script") == (1 if text is patient else 0)  # only the chart's JSON
    assert visit.count("&#34;&amp;&lt;&gt;") == 2  # the listing and the drop piece's listing
    assert "<title>Leg check C&lt;1&gt; 2026-09-08</title>" in visit


def test_paper_sizes(db):
    with open_store(db) as st:
        d = _patient(st, "P1")
    assert "size: A4;" in patient_html(d) and "size: letter;" in patient_html(d, "letter")
    with pytest.raises(UsageError, match="paper 'a5'"):
        patient_html(d, "a5")


def test_charts_change_nothing_process_wide():
    """Drawing a chart neither imports pyplot nor picks a backend (a web app may want another)."""
    code = """
import sys, matplotlib
backend = dict.__getitem__(matplotlib.rcParams, "backend")
from legcheck.reports.charts import trend_svgs
m = lambda v: {"lld_mm": v, "uncertainty_mm": 0.4, "n": 1}
rows = [{"visit": {"id": i, "visit_date": f"2026-09-0{i}"}, "means": {("pre", "extended"): m(-3.0 + i)}} for i in (1, 2)]
assert trend_svgs({"rows": rows, "units": "mm", "positions": ["extended"]})[0]["svg"].startswith("<svg")
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
assert dict.__getitem__(matplotlib.rcParams, "backend") is backend, "backend changed"
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_templates_and_stylesheet_are_package_data():
    """Every template and stylesheet matches a package-data pattern, so a wheel installs it."""
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = cfg["tool"]["setuptools"]["package-data"]["legcheck"]
    pkg = REPO / "src" / "legcheck"
    files = [p for d in ("templates", "static") for p in (pkg / "reports" / d).iterdir()]
    assert {p.name for p in files} >= {"base.html", "visit.html", "patient.html", "_macros.html", "report.css"}
    unshipped = [str(p) for p in files if not any(fnmatch.fnmatch(str(p.relative_to(pkg)), pat) for pat in patterns)]
    assert unshipped == []


def test_a_page_can_extend_the_base_layout():
    """What a web app does: its own template first, the reports' layout, styles and filters after."""
    import jinja2

    from legcheck.reports.html import environment

    page = ('{% extends "base.html" %}{% block title %}Today{% endblock %}'
            '{% block content %}<p>{{ who }}: {{ lld|describe }}</p>{% endblock %}')
    text = environment(jinja2.DictLoader({"today.html": page})).get_template("today.html").render(who=EVIL, lld=-2.0)
    assert "<title>Today</title>" in text and "<p>&lt;script&gt;alert(1)&lt;/script&gt;: right short 2.0 mm</p>" in text
    assert ".summary {" in text and "size: A4;" in text and "\u201cEven\u201d = under 1 mm" in text
    with pytest.raises(jinja2.UndefinedError):  # a misspelt name fails loudly, never renders as ""
        environment(jinja2.DictLoader({"x.html": "{{ nmae }}"})).get_template("x.html").render(name="a")


def test_no_markup_is_built_in_python():
    """HTML comes from the autoescaping templates only: no tag in a Python string of reports/."""
    import ast

    tag = re.compile(r"<(/?[a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*)?>")
    found = []
    for path in (REPO / "src" / "legcheck" / "reports").glob("*.py"):
        tree = ast.parse(path.read_text())
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(n) is not None}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                    and tag.search(node.value):
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
    assert found == []


def test_visit_report_says_where_each_checks_table_axis_came_from(tmp_path):
    with open_store(tmp_path / "r.sqlite3", create=True) as st:
        st.add_patient("T1", "Tab Le")
        vid = st.new_visit("T1", dt.datetime(2026, 10, 2, 9).astimezone())
        edge = {"source": "table edge", "board_to_table_deg": -2.1, "sigma_deg": 0.05}
        none = {"source": "board", "board_to_table_deg": 0.0, "sigma_deg": 0.5 / 1.96}
        st.record_check("T1", "pre", "extended", dict(BASE, lld_mm=-3.0, uncertainty_mm=0.4, table_axis=edge), visit_id=vid)
        st.record_check("T1", "post", "extended", dict(BASE, lld_mm=-0.5, uncertainty_mm=1.4, table_axis=none), visit_id=vid)
        st.record_check("T1", "pre", "flexed", dict(BASE, lld_mm=-2.0, uncertainty_mm=0.4), visit_id=vid)  # stored before
        data = visit_data(visit_bundle(st, vid))
        text = visit_html(data)
    ext = next(p for p in data["positions"] if p["position"] == "extended")
    flexed = next(p for p in data["positions"] if p["position"] == "flexed")
    assert ext["axis"] == ("Before: table axis from the table edge (board turned 2.1° ± 0.1°); "
                           "after: no table edge found: board assumed square ± 0.5°.")
    assert flexed["axis"] is None
    assert "Before: table axis from the table edge (board turned 2.1° ± 0.1°); after: no table edge" in text


def test_one_axis_source_for_a_whole_position_is_said_once(tmp_path):
    with open_store(tmp_path / "r.sqlite3", create=True) as st:
        st.add_patient("T2", "Tab Two")
        vid = st.new_visit("T2", dt.datetime(2026, 10, 3, 9).astimezone())
        none = {"source": "board", "board_to_table_deg": 0.0, "sigma_deg": 0.5 / 1.96}
        for ph in ("pre", "pre", "post"):
            st.record_check("T2", ph, "extended", dict(BASE, lld_mm=-1.0, uncertainty_mm=1.4, table_axis=none),
                            visit_id=vid)
        data = visit_data(visit_bundle(st, vid))
    assert data["positions"][0]["axis"] == "No table edge found: board assumed square ± 0.5°."
