"""Fixtures of the records tests: the demo database, built once per session (measuring its photos
takes a while); tests that write copy it first (``_demo.copy_sqlite``)."""

from __future__ import annotations

import pytest

from _demo import demo_database


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo database as a closed SQLite file; never write to it (copy it)."""
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    demo_database(db)
    return db
