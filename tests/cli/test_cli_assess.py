"""assess and reaction through the command line (issue 14), against a real database made here: every
vocabulary checked on entry, the red-flag warning and the safeguard with its audited override,
visit show, log --history and export."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store

BANNER = "Red flag recorded: loss of bladder or bowel control — refer for immediate medical care"


@pytest.fixture
def env(tmp_path):
    db = tmp_path / "a.sqlite3"
    with open_store(db, create=True) as st:
        st.add_patient("A1", "Ann Assess")
        vid = st.new_visit("A1")
    runner = CliRunner(env={"LEGCHECK_DB": str(db)})

    def run(*args, code=0):
        res = runner.invoke(cli, [str(a) for a in args])
        assert res.exit_code == code, res.output
        return res

    return dict(run=run, db=db, vid=vid)


@pytest.mark.parametrize("args,option,first,last", [
    (("assess", "--symptom", "headache"), "--symptom", "back-spasm", "tension-headache"),
    (("assess", "--red-flag", "fever"), "--red-flag", "one-sided-numbness-weakness", "pain-fever-nausea"),
    (("assess", "--therapy", "cupping:5min"), "--therapy", "ist", "other"),
    (("assess", "--clear-red-flag", "fever", "--reason", "x"), "--clear-red-flag", "one-sided-numbness-weakness",
     "pain-fever-nausea"),
    (("assess", "--pain-pre", "11"), "--pain-pre", "0", "10"),
    (("reaction", "--kind", "fainting", "--severity", "mild"), "--kind", "spasm", "other"),
    (("reaction", "--kind", "spasm", "--severity", "extreme"), "--severity", "mild", "severe"),
    (("reaction", "--kind", "spasm", "--severity", "mild", "--action", "prayer"), "--action", "ice", "other"),
    (("reaction", "--kind", "spasm", "--severity", "mild", "--outcome", "fine"), "--outcome", "resolved", "unknown"),
])
def test_every_vocabulary_is_checked_on_entry_naming_the_allowed_terms(env, args, option, first, last):
    res = env["run"](*args, "--visit", env["vid"], code=2)
    assert f"Invalid value for '{option}'" in res.output and first in res.output and last in res.output
    with open_store(env["db"]) as st:
        assert st.assessment_items(history=True) == [] and st.reactions(history=True) == []


def test_a_red_flag_warns_and_refuses_the_adjustment_until_overridden(env):
    run, vid = env["run"], env["vid"]
    res = run("assess", "--visit", vid, "--pain-pre", "8", "--red-flag", "bladder-bowel", "--symptom", "sciatica")
    assert res.stdout.splitlines() == [f"visit {vid}: pain pre recorded (item 1)",
                                       f"visit {vid}: symptom sciatica recorded (item 2)",
                                       f"visit {vid}: red-flag bladder-bowel recorded (item 3)"]
    lines = res.stderr.splitlines()
    assert lines[0] == lines[-1] == "!" * 72 and lines[1] == f"!! {BANNER}"
    res = run("adjust", "--visit", vid, "--piece", "lumbar", code=15)
    assert res.stderr == (f"legcheck: error: visit {vid} has an open red flag (loss of bladder or bowel control): refer "
                          "for immediate medical care; an adjustment is recorded on it only with an override and its "
                          'reason (--override-red-flag "reason")\n')
    run("adjust", "--visit", vid, "--piece", "lumbar", "--override-red-flag", "referred; consent to adjust signed")
    con = sqlite3.connect(env["db"])
    (action, actor, detail), = con.execute("SELECT action, actor, detail FROM audit WHERE record_table = 'adjustments'")
    assert action == "override" and json.loads(detail) == {"open_red_flags": [3], "red_flag_override": True}
    show = run("visit", "show", vid).stdout.splitlines()
    assert show[1] == f"!! {BANNER}" and show[0] == "!" * 72
    assert "Drop piece: lumbar  (red flag overridden: referred; consent to adjust signed)  [adjustment 1]" in show
    assert "Red flag: loss of bladder or bowel control (OPEN: refer for immediate medical care)  [item 3]" in show
    assert json.loads(run("visit", "list", "--json").stdout)[0]["open_red_flags"] == 1
    run("assess", "--visit", vid, "--clear-red-flag", "bladder-bowel", code=2)
    run("assess", "--visit", vid, "--clear-red-flag", "bladder-bowel", "--reason", "seen by the GP, cleared")
    show = run("visit", "show", vid).stdout
    assert "!!" not in show and "Red flag: loss of bladder or bowel control (cleared: seen by the GP, cleared)" in show
    run("adjust", "--visit", vid, "--piece", "pelvic")


def test_visit_show_lists_the_assessment_and_amendments_keep_the_original(env):
    run, vid = env["run"], env["vid"]
    run("assess", "--visit", vid, "--pain-pre", "6", "--symptom", "back-spasm:after lifting a pan",
        "--therapy", "ist:10min", "--therapy", "other:cupping:5min")
    res = run("assess", "--visit", vid, "--pain-pre", "5", code=9)
    assert "already has a pain rating before the adjustment (6/10) (item 1); give a reason to amend it" in res.output
    run("assess", "--visit", vid, "--pain-pre", "5", "--pain-post", "3", "--reason", "misheard: five")
    run("reaction", "--visit", vid, "--kind", "spasm", "--severity", "severe", "--onset-min", "3", "--duration-min",
        "20", "--action", "ice", "--action", "rest", "--follow-up", "2026-12-30")
    show = run("visit", "show", vid).stdout.splitlines()
    assert show[-5:] == [
        "Pain (0-10): 5/10 → 3/10  [items 5, 6]",
        "Symptom: back spasm - after lifting a pan  [item 2]",
        "Therapy: intersegmental traction (IST), 10 min  [item 3]",
        "Therapy: other: cupping, 5 min  [item 4]",
        "Reaction: spasm (severe), 3 min after the adjustment, lasted 20 min; ice, rest; follow-up 2026-12-30  "
        "[reaction 1]"]
    hist = list(csv.DictReader(io.StringIO(run("log", "--kind", "assessment", "--history", "--csv").stdout)))
    pain = [(h["id"], h["nrs"], h["superseded_by"], h["reason"]) for h in hist if h["kind"] == "pain"]
    assert pain == [("1", "6", "5", ""), ("5", "5", "", "misheard: five"), ("6", "3", "", "")]
    run("assess", "--void", "4", "--reason", "not given after all")
    text = run("log", "--kind", "assessment", "--history").stdout
    assert "c\u0336u\u0336p\u0336p\u0336i\u0336n\u0336g\u0336" in text and "not given after all" in text
    current = json.loads(run("log", "--kind", "assessment", "--json").stdout)
    assert [(c["kind"], c["term"]) for c in current] == [("pain", "pre"), ("symptom", "back-spasm"),
                                                         ("therapy", "ist"), ("pain", "post")]
    reactions = json.loads(run("log", "--kind", "reactions", "--json").stdout)
    assert reactions[0]["actions"] == "ice,rest" and reactions[0]["follow_up"] == "2026-12-30"
    exported = list(csv.DictReader(io.StringIO(run("export", "--kind", "reactions").stdout)))
    assert exported[0]["kind"] == "spasm" and "name" not in exported[0]
    res = run("reaction", "--amend", "1", "--outcome", "resolved", "--reason", "settled with ice and rest")
    assert res.stdout == "reaction 1 amended by reaction 2\n" and "reminder" not in res.stderr
    shown = json.loads(run("visit", "show", vid, "--json").stdout)
    assert shown["reactions"][0]["outcome"] == "resolved" and shown["red_flag_warning"] is None
    assert [a["kind"] for a in shown["assessment"]] == ["pain", "symptom", "therapy", "pain"]  # by first entry


def test_an_unresolved_reaction_is_a_reminder(env):
    res = env["run"]("reaction", "--visit", env["vid"], "--kind", "dizziness", "--severity", "moderate",
                     "--onset-min", "1")
    assert res.stderr == ("legcheck: reminder: the reaction has not resolved; refer to emergency care if it does not "
                          "settle; no follow-up date recorded\n")
