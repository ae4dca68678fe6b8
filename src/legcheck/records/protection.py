"""The append-only triggers of a history table, generated for each backend from its unique columns.

A :class:`~legcheck.records.migrations.Migration` lists the history tables it creates with their
unique column groups (``protect``); each backend turns that into its own triggers here, so a table
written once is protected on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

__all__ = ["sqlite_protection", "pg_protection", "pg_always", "protection", "PG_REFUSE", "ALWAYS_FROM"]

#: From this migration on, PostgreSQL's protective triggers are made ENABLE ALWAYS right after
#: they are created (:func:`pg_always`); migration 5 does it for every table made before.
ALWAYS_FROM = 5


def sqlite_protection(table: str, unique: list[tuple[str, ...]]) -> list[str]:
    """SQLite triggers that make ``table`` append-only.

    UPDATE and DELETE are refused outright. An INSERT whose id (or any other unique column)
    is already taken is refused before SQLite's conflict resolution runs, so ``INSERT OR
    REPLACE`` (which deletes the old row without firing DELETE triggers) cannot rewrite a row.
    """
    taken = " OR ".join(
        "EXISTS (SELECT 1 FROM {t} o WHERE {cond})".format(
            t=table, cond=" AND ".join(f"o.{c} = NEW.{c}" for c in cols))
        for cols in unique)
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: add a correcting row'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: nothing is deleted'); END",
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {taken} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: that row exists; history is never replaced'); END",
    ]


#: PostgreSQL's one function refusing UPDATE, DELETE and TRUNCATE (created by migration 1).
PG_REFUSE = """CREATE FUNCTION legcheck_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused; add a correcting row', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END
$$"""


def pg_protection(table: str, unique: list[tuple[str, ...]]) -> list[str]:
    """PostgreSQL triggers that make ``table`` append-only (the twin of :func:`sqlite_protection`).

    UPDATE (``INSERT ... ON CONFLICT DO UPDATE`` included) and DELETE are refused row by row,
    TRUNCATE by a statement trigger (row triggers do not fire on it), all through
    ``legcheck_refuse_change()``. A BEFORE INSERT trigger refuses a row whose id or any other
    unique column group is taken, with legcheck's message rather than a bare unique violation.
    The role grants (INSERT and SELECT only, :mod:`legcheck.records.pg_roles`) are the second
    wall: the application's role cannot drop or disable these.
    """
    taken = " OR ".join(
        "EXISTS (SELECT 1 FROM {t} o WHERE {cond})".format(
            t=table, cond=" AND ".join(f"o.{c} = NEW.{c}" for c in cols))
        for cols in unique)
    fn = f"{table}_no_replace"
    refuse = "EXECUTE FUNCTION legcheck_refuse_change()"
    return [
        f"""CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {taken} THEN
    RAISE EXCEPTION '%: that row exists; history is never replaced', TG_TABLE_NAME
      USING ERRCODE = 'unique_violation';
  END IF;
  RETURN NEW;
END
$$""",
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW {refuse}",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW {refuse}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {refuse}",
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()",
    ]


def pg_always(table: str) -> list[str]:
    """Make ``table``'s protective triggers fire under ``session_replication_role = replica`` too.

    An ordinary (``ENABLE``, origin) trigger is skipped in a replica session, so a role allowed to
    set that parameter could rewrite history past them. ``ENABLE ALWAYS`` triggers fire in every
    session. Only a superuser (or a role granted SET on the parameter, which the database check
    names) can set it at all; legcheck's roles cannot (:mod:`legcheck.records.pg_roles`).
    """
    return [f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_{kind}"
            for kind in ("no_update", "no_delete", "no_truncate", "no_replace")]


_PROTECTION = {"sqlite": sqlite_protection, "postgresql": pg_protection}


def protection(backend: str, table: str, unique: list[tuple[str, ...]]) -> list[str]:
    """The append-only triggers of ``table`` on ``backend`` ("sqlite" or "postgresql")."""
    return _PROTECTION[backend](table, unique)
