"""The database check: is every record as it was written, and is the protection still in place?

:func:`check_store` verifies, in this order: the storage (SQLite's integrity and foreign-key
checks, the application id), the schema version, the audit hash chain and every history row
against its audit row (the record's canonical content is hashed again from its stored values),
the protective triggers (each present, each exactly as the migrations wrote it; on PostgreSQL
their functions too, and no role but the owner allowed to change history), the views (each as
the migrations made it, none foreign: a view that hides rows changes every report; on
PostgreSQL no row-level security or policy either), the current
records (no two current patients share a chart number, no two current users a name), and every
stored photo against its
hash. Row-level problems are listed in audit order, so the first one named is the first broken
row.
"""

from __future__ import annotations

from .canonical import chain_problems, record_sha256
from .lookalike import lookalike_groups, lookalike_warning
from .migrations import LATEST, expected_triggers, expected_views, history_tables

__all__ = ["check_records", "check_store", "row_problems", "trigger_problems", "view_problems"]


def row_problems(tables: dict[str, list[dict]], audit: list[dict]) -> list[tuple[int, str]]:
    """Every history row against its audit row, and the audit chain itself.

    Parameters
    ----------
    tables : dict
        Table name -> its rows (dicts of stored values), audit excluded.
    audit : list of dict
        The audit rows in id order.

    Returns
    -------
    list of (int, str)
        (position in audit order, problem), sorted: the first is the first broken row. A row
        with no audit row sorts after every audited one.
    """
    problems = chain_problems(audit)
    by_record = {(a["record_table"], a["record_id"]): a for a in audit}
    end = (audit[-1]["id"] if audit else 0) + 1
    for table, rows in tables.items():
        for row in rows:
            a = by_record.pop((table, row["id"]), None)
            if a is None:
                problems.append((end, f"{table} row {row['id']}: has no audit row (written outside legcheck)"))
                continue
            try:
                h = record_sha256(row)
            except (TypeError, ValueError) as exc:
                h = f"unhashable ({exc})"
            if h != a["record_sha256"]:
                problems.append((a["id"], f"{table} row {row['id']}: its stored values differ from what audit row "
                                          f"{a['id']} recorded (altered)"))
    for (table, rid), a in by_record.items():
        problems.append((a["id"], f"audit row {a['id']}: {table} row {rid} is missing (deleted or replaced)"))
    return sorted(problems, key=lambda p: p[0])


def trigger_problems(actual: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Protective triggers missing, changed or added (name -> CREATE statement on both sides)."""
    out = [f"trigger {n}: missing (history could be rewritten)" for n in expected if n not in actual]
    out += [f"trigger {n}: changed from what legcheck wrote" for n in expected
            if n in actual and " ".join(actual[n].split()) != " ".join(expected[n].split())]
    out += [f"trigger {n}: not one of legcheck's" for n in actual if n not in expected]
    return out


def view_problems(actual: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Views missing, changed or added (name -> the backend's comparable form on both sides)."""
    out = [f"view {n}: missing (reports cannot be read)" for n in expected if n not in actual]
    out += [f"view {n}: changed from what legcheck wrote (rows could be hidden from reports)" for n in expected
            if n in actual and actual[n] != expected[n]]
    out += [f"view {n}: not one of legcheck's" for n in actual if n not in expected]
    return out


def check_store(store) -> dict:
    """Check a store's records, protection and photos (in one read transaction).

    Parameters
    ----------
    store : legcheck.records.store.SqlStore

    Returns
    -------
    dict
        ``ok`` (bool), ``problems`` (one line each: storage and schema first, then broken rows
        in audit order, then triggers, current records and photos), ``first_broken`` (the
        first broken row's line, or the first problem, or None), ``warnings`` (one line each,
        not failing the check: current patients whose chart numbers look alike,
        :func:`legcheck.records.lookalike.lookalike_groups`), ``photos_checked``,
        ``orphan_photos`` (stored files no record names), ``counts`` (rows per history
        table), ``schema_version`` and ``audit_head`` (``id`` and ``sha256`` of the last
        audit row, or None).
    """
    from ..errors import DatabaseDamagedError

    try:
        with store._read() as conn:
            return check_records(store.backend, conn, store.photos)
    except DatabaseDamagedError as exc:
        problem = f"storage: {exc.message}"
        return {"ok": False, "problems": [problem], "first_broken": problem, "warnings": [], "photos_checked": 0,
                "orphan_photos": [], "counts": {}, "schema_version": None, "audit_head": None}


def check_records(backend, conn, photos) -> dict:
    """The database check (:func:`check_store`) on an open connection, inside the caller's transaction.

    A copy or a restore runs it in its own write transaction before committing, so a copy that
    fails the check is rolled back, never left in the target.

    Parameters
    ----------
    backend : SqliteBackend or PostgresBackend
    conn : sqlalchemy.engine.Connection
        In a transaction (read or write): the check sees what that transaction sees.
    photos : photo store
        ``backend.photo_store(conn)``.

    Returns
    -------
    dict
        As :func:`check_store`.
    """
    import sqlalchemy as sa

    def rows(sql: str) -> list[dict]:
        return [dict(r) for r in conn.execute(sa.text(sql)).mappings()]

    problems = backend.storage_problems(conn)
    version = backend.schema_version(conn)
    recorded = conn.exec_driver_sql("SELECT max(id) FROM schema_migrations").scalar()
    if recorded != version or version > LATEST:
        problems.append(f"schema: version {version} but migrations recorded up to {recorded}")
    tables = {t: rows(f"SELECT * FROM {t} ORDER BY id") for t in history_tables(min(version, LATEST)) if t != "audit"}
    audit = rows("SELECT * FROM audit ORDER BY id")
    triggers = backend.triggers(conn)
    views = backend.views(conn)
    want_views = {n: backend.view_form(conn, sql) for n, sql in expected_views(backend.name, min(version, LATEST)).items()}
    dupes = rows("SELECT chart_key, count(*) AS n FROM current_patients GROUP BY chart_key HAVING count(*) > 1")
    dupe_users = rows("""SELECT name_key, count(*) AS n FROM current_users
                         GROUP BY name_key HAVING count(*) > 1""") if "users" in tables else []
    photo_problems, orphans = photos.problems(conn, tables["photos"])
    charts = {r["chart_key"]: r["chart"] for r in rows("SELECT chart, chart_key FROM current_patients "
                                                         "ORDER BY entity_id")}  # one per key: same-key charts are dupes
    broken = [p for _, p in row_problems(tables, audit)]
    problems += broken
    problems += trigger_problems(triggers, expected_triggers(backend.name, min(version, LATEST)))
    problems += view_problems(views, want_views)
    problems += [f"patients: {d['n']} current patients share the chart number key {d['chart_key']!r}" for d in dupes]
    problems += [f"users: {d['n']} current users share the name key {d['name_key']!r}" for d in dupe_users]
    problems += photo_problems
    return {"ok": not problems, "problems": problems, "first_broken": (broken or problems or [None])[0],
            "warnings": [lookalike_warning(g) for g in lookalike_groups(charts.values())],
            "photos_checked": len(tables["photos"]), "orphan_photos": orphans, "schema_version": version,
            "counts": {t: len(r) for t, r in tables.items()} | {"audit": len(audit)},
            "audit_head": {"id": audit[-1]["id"], "sha256": audit[-1]["sha256"]} if audit else None}
