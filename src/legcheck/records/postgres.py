"""The PostgreSQL backend of the visit log: one database for every room of a practice.

Selected by a ``postgresql://user@host/dbname`` location (``--db`` or ``LEGCHECK_DB``); the
driver is psycopg 3 (``postgresql+psycopg`` engines), the queries are the store's own
(:class:`legcheck.records.store.SqlStore`), the schema is the migrations' shared DDL plus
PostgreSQL's triggers (:func:`legcheck.records.migrations.pg_protection`). What differs from
SQLite lives here:

* **Writers are serialised** by ``pg_advisory_xact_lock(LOCK_KEY)``, the first statement of
  every write transaction (READ COMMITTED): each later statement of the transaction sees every
  write committed before the lock was granted, so ``max(id) + 1`` and the audit chain's head
  are read and extended by one writer at a time. The lock ends with the transaction, also
  when a client is killed (the server rolls back when the connection drops).
  A writer waits at most :data:`LOCK_TIMEOUT_MS` (then "busy", as SQLite's busy timeout), and
  a session idle inside a transaction for :data:`IDLE_IN_TRANSACTION_MS` is ended by the
  server, so a frozen client cannot hold every room's lock.
* **Reads** are REPEATABLE READ, READ ONLY: every query of one read sees the same snapshot, as
  an SQLite read transaction does.
* **The author** is the store's (the operating-system user or the signed-in one), passed with
  every row as on SQLite; the database role of the session (``session_user``) is recorded
  beside it in each audit row's ``detail`` as ``db_role``.
* **Settings**: ``legcheck_settings`` holds ``application`` = "legcheck" (the twin of SQLite's
  application id: another program's database is refused) and where photos live, chosen when
  the database is created: ``photo_store`` = "database" (``photo_blobs``, bytea) or
  "directory" with ``photo_dir`` (a path every client mounts at the same place).
* **Roles**: :mod:`legcheck.records.pg_roles` (an owner role that runs migrations, an
  application role that may only INSERT and SELECT history).

The password of a location is never printed: :attr:`PostgresBackend.location` hides it.

References
----------
PostgreSQL 15 documentation: 13.2 Transaction Isolation; 9.27.10 Advisory Lock Functions;
43 PL/pgSQL (trigger functions); 5.7 Privileges. psycopg 3 documentation, "Connection
classes". SQLAlchemy 2 documentation, PostgreSQL dialect (psycopg).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..errors import DatabaseError, FileAccessError, UsageError
from .migrations import APPLICATION_ID, history_tables

__all__ = ["PostgresBackend", "LOCK_KEY", "is_postgres_url", "safe_url"]

#: The advisory lock every legcheck writer takes: legcheck's application id ("LgCk").
LOCK_KEY = APPLICATION_ID
#: How long a writer waits for the lock before "busy" (SQLite's busy timeout, the same 30 s), and
#: how long the server lets a legcheck session sit idle inside a transaction (a client frozen
#: mid-write would otherwise hold every room's writer lock) before ending it.
LOCK_TIMEOUT_MS, IDLE_IN_TRANSACTION_MS = 30_000, 60_000
_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
#: PostgreSQL's own tables (not history, never copied), append-only all the same.
OWN_TABLES = ("legcheck_settings", "photo_blobs")
#: Query-string parameters of a location that hold a secret (libpq's connection parameters).
_SECRET_PARAMS = frozenset({"password", "sslpassword"})


def is_postgres_url(location) -> bool:
    """Whether ``location`` names a PostgreSQL database (``postgresql://...``)."""
    return isinstance(location, str) and location.split("://", 1)[0].lower() in _SCHEMES and "://" in location


def _url(location: str):
    import sqlalchemy as sa

    try:
        url = sa.engine.make_url(location)
    except Exception:  # noqa: BLE001 - any parse failure is the user's malformed location
        raise UsageError("the database location is not a valid postgresql:// URL; "
                         "use postgresql://user@host/dbname") from None
    if not url.database:
        raise UsageError(f"{safe_url(location)} names no database; use postgresql://user@host/dbname")
    return url.set(drivername="postgresql+psycopg")


def safe_url(location: str) -> str:
    """``location`` for people: the password replaced by ``***``."""
    try:
        import sqlalchemy as sa

        from urllib.parse import unquote

        url = sa.engine.make_url(location).set(drivername="postgresql")
        # libpq also reads a password from the query string (?password=..., sslpassword=...)
        query = {k: ("***" if k.lower() in _SECRET_PARAMS else v) for k, v in url.query.items()}
        return unquote(url.set(query=query).render_as_string(hide_password=True))
    except Exception:  # noqa: BLE001 - never echo what might hold a password
        return "postgresql://(unreadable location)"


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("a PostgreSQL database needs the optional 'postgresql' extra (psycopg); "
                            "install legcheck[postgresql]") from None
    return psycopg


class PostgresBackend:
    """What differs on PostgreSQL (see the module docstring).

    Parameters
    ----------
    location : str
        ``postgresql://user[:password]@host[:port]/dbname[?host=/socket/dir&...]``.
    photos : str or Path, optional
        Only for a new database: "database" (the default) keeps photos inside it; a path keeps
        them in that shared directory.
    role : str, optional
        ``SET ROLE`` on every connection (setting up: migrations run as the owner role).
    """

    name = "postgresql"
    path = None

    def __init__(self, location: str, photos=None, role: str | None = None):
        _psycopg()
        self.url = _url(location)
        self.location = safe_url(location)
        self.new_photos, self.role = photos, role
        self._session_role: str | None = None

    # -- engine and transactions -----------------------------------------------------------
    def engine(self):
        """A SQLAlchemy engine: READ COMMITTED writes (after the advisory lock), REPEATABLE READ reads."""
        import sqlalchemy as sa
        from sqlalchemy import event

        engine = sa.create_engine(self.url, connect_args={"connect_timeout": 10, "application_name": "legcheck"},
                                  pool_size=2, max_overflow=4)
        role = self.role

        @event.listens_for(engine, "connect")
        def _settings(dbapi_con, _record):
            with dbapi_con.cursor() as cur:
                cur.execute(f"SET lock_timeout = {int(LOCK_TIMEOUT_MS)}")
                cur.execute(f"SET idle_in_transaction_session_timeout = {int(IDLE_IN_TRANSACTION_MS)}")
                if role:
                    from psycopg import sql

                    cur.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
            dbapi_con.commit()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            if not conn.get_execution_options().get("legcheck_write", False):
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

        return engine

    def errors(self, where):
        """A context that turns psycopg's errors into legcheck's (:func:`translated_errors`)."""
        return translated_errors(where)

    def lock_writers(self, conn) -> None:
        """Serialise writers: ``pg_advisory_xact_lock`` held until this transaction ends."""
        import sqlalchemy as sa

        row = conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k) AS locked, session_user AS who"),
                           {"k": LOCK_KEY}).one()
        self._session_role = row.who

    def audit_detail(self) -> dict:
        """``db_role``: the database role of the session writing (``session_user``)."""
        return {"db_role": self._session_role} if self._session_role else {}

    # -- schema ------------------------------------------------------------------------------
    def schema_version(self, conn) -> int:
        """The highest migration recorded in ``schema_migrations`` (0: no legcheck schema yet)."""
        if conn.exec_driver_sql("SELECT to_regclass('schema_migrations') IS NOT NULL").scalar_one():
            return conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM schema_migrations").scalar_one()
        return 0

    def migrated(self, conn, version: int) -> None:
        """After migration 1: write the database's settings (application, where photos live)."""
        if version != 1:
            return
        import sqlalchemy as sa

        settings = {"application": "legcheck", "photo_store": "database"}
        if self.new_photos not in (None, "database"):
            root = Path(self.new_photos).absolute()
            from ..fileio import make_private_dir

            make_private_dir(root)
            settings.update(photo_store="directory", photo_dir=str(root))
        for k, v in settings.items():
            conn.execute(sa.text("INSERT INTO legcheck_settings (key, value) VALUES (:k, :v)"), {"k": k, "v": v})

    def settings(self, conn) -> dict[str, str]:
        """The database's settings (empty when it has none: not a legcheck database)."""
        if not conn.exec_driver_sql("SELECT to_regclass('legcheck_settings') IS NOT NULL").scalar_one():
            return {}
        return dict(conn.exec_driver_sql("SELECT key, value FROM legcheck_settings").all())

    def photo_store(self, conn):
        """The photo store the settings name (database rows, or a shared directory)."""
        from .photostore import DatabasePhotos, DirectoryPhotos

        s = self.settings(conn)
        if s.get("photo_store") == "directory":
            return DirectoryPhotos(Path(s["photo_dir"]), shared=True)
        return DatabasePhotos()

    def protected_paths(self) -> list[Path]:
        """No file is the database (a shared photo directory is the photo store's)."""
        return []

    def triggers(self, conn) -> dict[str, str]:
        """Triggers (name -> definition, ``-- disabled``, ``-- always`` or ``-- replica only`` appended
        as ``tgenabled`` says), trigger functions
        (``function name()`` -> body) and rules (``rule name``) in legcheck's schema."""
        out = {}
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        for name, definition, enabled in conn.exec_driver_sql("""
                SELECT t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t
                JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE NOT t.tgisinternal AND n.nspname = current_schema()"""):
            text = definition.replace(f" ON {schema}.", " ON ")
            out[name] = text + {"D": " -- disabled", "A": " -- always", "R": " -- replica only"}.get(enabled, "")
        for name, body in conn.exec_driver_sql("""
                SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = current_schema() AND p.prorettype = 'trigger'::regtype"""):
            out[f"function {name}()"] = body
        for (name,) in conn.exec_driver_sql("SELECT rulename FROM pg_rules WHERE schemaname = current_schema()"):
            out[f"rule {name}"] = "rule"
        return out

    def views(self, conn) -> dict[str, str]:
        """The views in legcheck's schema, name -> their definition as the server prints it, canonical
        (:func:`_view_canon`)."""
        return {n: _view_canon(d) for n, d in conn.exec_driver_sql("""
            SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')""")}

    def view_form(self, conn, statement: str) -> str:
        """A migration's ``CREATE VIEW ... AS SELECT r.* FROM t r ...`` as :meth:`views` gives it.

        The server expands ``r.*`` into the table's columns when the view is made (migrations
        remake a view after adding a column), and prints its own parentheses and layout; the
        canonical form drops both differences and nothing else.
        """
        import re

        body = statement.split(" AS", 1)[1]
        table = re.search(r"FROM (\w+) r\b", body).group(1)
        columns = [c for (c,) in conn.exec_driver_sql(
            "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %(t)s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum", {"t": table})]
        return _view_canon(body.replace("r.*", ", ".join(f"r.{c}" for c in columns), 1))

    def storage_problems(self, conn) -> list[str]:
        """The settings' application mark, unvalidated constraints, and any role but a table's owner
        holding UPDATE, DELETE or TRUNCATE on history."""
        import sqlalchemy as sa

        problems = []
        if self.settings(conn).get("application") != "legcheck":
            problems.append("legcheck_settings does not mark this database as legcheck's")
        problems += [f"constraint {t}.{c}: not validated" for t, c in conn.exec_driver_sql("""
            SELECT conrelid::regclass::text, conname FROM pg_constraint
            WHERE NOT convalidated AND connamespace = current_schema()::regnamespace""")]
        tables = [*history_tables(self.schema_version(conn)), *OWN_TABLES]
        problems += [f"row-level security: enabled on {t} (rows could be hidden from some roles)" for (t,) in conn.execute(
            sa.text("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = current_schema() AND (c.relrowsecurity OR c.relforcerowsecurity)
                       ORDER BY 1"""))]
        problems += [f"policy {p} on {t}: not one of legcheck's (rows could be hidden or let through)"
                     for p, t in conn.exec_driver_sql("SELECT policyname, tablename FROM pg_policies "
                                                      "WHERE schemaname = current_schema() ORDER BY 2, 1")]
        problems += replication_role_grants(conn)
        problems += [f"grant: role {who} may {what} {t} (history could be rewritten)" for t, who, what in conn.execute(
            sa.text("""SELECT c.relname, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                              a.privilege_type
                       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
                       WHERE n.nspname = current_schema() AND c.relname = ANY(:t) AND a.grantee <> c.relowner
                         AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
                       ORDER BY 1, 2, 3"""), {"t": tables})]
        return problems

    def is_empty(self, conn) -> bool:
        """No table at all in the schema legcheck would use (a copy or restore may go here)."""
        return conn.exec_driver_sql("""SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'p')""").scalar_one() == 0


def _view_canon(sql: str) -> str:
    """A view's SELECT without layout, parentheses, case or a closing semicolon: the server's
    printout and a migration's statement compare equal exactly when they select the same."""
    return "".join(ch for ch in str(sql).lower() if not ch.isspace() and ch not in "();")


def replication_role_grants(conn) -> list[str]:
    """Roles other than superusers allowed to SET ``session_replication_role`` (PostgreSQL 15+).

    Under ``replica`` a session's ordinary triggers do not fire. legcheck's protective triggers
    are ENABLE ALWAYS (migration 5), so they fire all the same; a grant of this parameter is
    still named, since nothing of legcheck's needs it.
    """
    if int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) < 150000:
        return []
    return [f"grant: role {who} may SET session_replication_role (it switches ordinary triggers off)"
            for (who,) in conn.exec_driver_sql("""
                SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
                FROM pg_parameter_acl p, aclexplode(p.paracl) a
                WHERE p.parname = 'session_replication_role' AND a.privilege_type = 'SET'
                  AND NOT coalesce((SELECT rolsuper FROM pg_roles r WHERE r.oid = a.grantee), false)
                ORDER BY 1""")]


@contextlib.contextmanager
def translated_errors(where):
    """Turn psycopg's errors into legcheck's: unreachable, permission, refused writes, anything else."""
    import sqlalchemy.exc as sa_exc

    psycopg = _psycopg()
    try:
        yield
    except (sa_exc.DBAPIError, psycopg.Error) as exc:
        orig = getattr(exc, "orig", exc)
        msg = " ".join(str(getattr(getattr(orig, "diag", None), "message_primary", None) or orig).split())
        state = getattr(orig, "sqlstate", None) or ""
        if state == "42501":
            raise DatabaseError(f"{where}: the database role may not do this ({msg}); this role may only add and "
                                "read records (schema changes are made as the owner role)") from None
        if state in ("55P03", "40001", "40P01"):
            raise DatabaseError(f"{where}: the database is busy ({msg}); try again in a moment") from None
        if state.startswith("23") or state == "P0001":
            raise DatabaseError(f"{where}: the database refused a write ({msg}); run the database check") from None
        if state.startswith("53"):
            raise FileAccessError(f"{where}: the database server is out of resources ({msg})") from None
        if isinstance(orig, psycopg.OperationalError) or state.startswith("08"):
            raise DatabaseError(f"cannot use the database {where} ({msg}); check the server, the location and "
                                "the role's password") from None
        raise DatabaseError(f"{where}: {msg}") from None


