"""Usage errors (bad flags and values) are one line on stderr with exit 2, and a JSON error object under --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from legcheck.cli import cli

DROP_SAMPLE = str(Path(__file__).resolve().parents[2] / "sample_images" / "drop_socks_left_short_5mm.jpg")

CASES = [
    (("calibrate", "a.jpg", "--out", "p.json", "--chessboard", "2x2", "--square-mm", "5"), "--chessboard"),
    (("calibrate", "a.jpg", "--out", "p.json", "--chessboard", "9x6", "--square-mm", "abc"), "--square-mm"),
    (("calibrate", "a.jpg", "--out", "p.json", "--chessboard", "9x6", "--square-mm", "0"), "--square-mm"),
    (("calibrate", "a.jpg", "--out", "p.json", "--chessboard", "9x6"), "--square-mm"),
    (("calibrate", "a.jpg", "--out", "p.json", "--square-mm", "25"), "--chessboard"),
    (("calibrate", "a.jpg", "--out", "p.json", "--dictionary", "DICT_9X9_7"), "--dictionary"),
    (("calibrate", "a.jpg"), "--out"),
    (("measure", "photo.jpg", "--bogus"), "--bogus"),
    (("nosuch",), "nosuch"),
    # The library's parameter names are spelled as the flags the user typed.
    (("measure", DROP_SAMPLE, "--near-left", "nan,nan", "--near-right", "1,1"),
     "--near-left must be two finite numbers"),
    (("measure", DROP_SAMPLE, "--near-left", "10,10", "--near-right", "5,5",
      "--method", "tabs"), "--near-left and --near-right help contour mode"),
]


@pytest.mark.parametrize("args,words", CASES)
def test_usage_error_is_one_line_exit_2(args, words):
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("legcheck: error: ") and words in lines[0], res.stderr
    assert res.stdout == "" and "Traceback" not in res.output


@pytest.mark.parametrize("args,words", CASES)
def test_usage_error_under_json_is_an_error_object_on_stdout(args, words):
    res = CliRunner().invoke(cli, [*args, "--json"] if args[0] != "nosuch" else ["--json", *args])
    assert res.exit_code == 2, res.output
    err = json.loads(res.stdout)["error"]
    assert err["code"] == "usage" and err["exit_code"] == 2 and err["message"]
    assert len(res.stderr.strip().splitlines()) == 1


def test_legcheck_alone_still_shows_the_help():
    res = CliRunner().invoke(cli, [])
    assert "Commands:" in res.output and "legcheck: error" not in res.output
