"""`db check` names look-alike chart numbers already in a database, as a warning.

The store refuses a new patient whose chart number looks like a current one ("С1", Cyrillic Es,
beside "C1"), but a database can already hold such pairs: written by a legcheck from before that
check, or by one whose table of confusables was smaller than today's. `db check` read past them.
Now it lists each group as a warning (the records are intact, so the check still passes, exit 0),
in text and in --json, on either backend.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from legcheck.cli import cli
from legcheck.records import open_store
from legcheck.records.inputs import normalize_chart


def _add_unchecked(st, chart: str, name: str) -> None:
    """Add a patient as a store without the look-alike check did: the row and its audit row."""
    chart, key = normalize_chart(chart)
    with st._write() as conn:
        st._append(conn, "patients", dict(chart=chart, chart_key=key, name=name, dob=None, notes=None))


def test_db_check_warns_of_lookalike_chart_numbers_already_stored(db_location):
    with open_store(db_location, create=True) as st:
        st.add_patient("C1", "Alice Adams")
        st.add_patient("B7", "Bea Bell")
        before = st.check_integrity()
        _add_unchecked(st, "\u04211", "Carl Cole")  # "С1": Cyrillic capital Es, then the digit one
        _add_unchecked(st, "CI", "Dora Dean")  # "I" for "1"
        report = st.check_integrity()
    assert before["ok"] and before["warnings"] == []
    assert report["ok"] and report["problems"] == []  # intact records: a warning, not a failure
    (warning,) = report["warnings"]
    assert warning.startswith("patients: chart numbers C1, \u04211 and CI look alike")
    assert "U+0421 CYRILLIC CAPITAL LETTER ES" in warning and "reads differently" in warning
    res = CliRunner().invoke(cli, ["db", "check", "--db", str(db_location)])
    assert res.exit_code == 0, res.output
    assert f"  warning: {warning}" in res.output.splitlines() and res.output.rstrip().endswith("OK")
    res = CliRunner().invoke(cli, ["db", "check", "--db", str(db_location), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["warnings"] == [warning]
    with open_store(db_location) as st:
        st.edit_patient("CI", new_chart="D4")  # only current chart numbers count
        assert st.check_integrity()["warnings"][0].startswith("patients: chart numbers C1 and \u04211 look alike")
