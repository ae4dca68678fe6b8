"""Roles and grants of a PostgreSQL visit log: who may change the schema, who may only add records.

:func:`init_postgres` (``legcheck db init-postgres``), run as a superuser (or a role with
CREATEROLE that owns the database), sets up:

* the **owner role** (default ``legcheck_owner``): owns legcheck's tables, triggers and
  functions and runs the migrations (every schema change). Only it (or a superuser) could
  drop or disable a trigger, so its password stays with whoever maintains the server.
* the **application role** (default ``legcheck_app``), which every legcheck client uses: it
  may connect, and SELECT and INSERT on the history tables; never UPDATE, DELETE or
  TRUNCATE, never CREATE, ALTER or DROP. The grants come as default privileges of the owner
  (``ALTER DEFAULT PRIVILEGES FOR ROLE owner ... GRANT SELECT, INSERT ON TABLES``), so a
  table a later migration adds (the web app's users, say) is granted the same way without
  another step; ``legcheck_settings`` stays SELECT only.

It is idempotent: run again after upgrading legcheck, it brings the schema up to date as the
owner and re-applies the grants. Passwords are taken from ``LEGCHECK_OWNER_PASSWORD`` and
``LEGCHECK_APP_PASSWORD`` when set (never printed); otherwise the roles are made without one
(Unix-socket peer or certificate authentication), and the lines printed say so.

References
----------
PostgreSQL 15 documentation: 5.7 Privileges; CREATE ROLE; GRANT; ALTER DEFAULT PRIVILEGES;
22.2 Role Attributes.
"""

from __future__ import annotations

import os

from ..errors import UsageError

__all__ = ["init_postgres", "APP_ROLE", "OWNER_ROLE"]

OWNER_ROLE, APP_ROLE = "legcheck_owner", "legcheck_app"


def _ident(name: str) -> str:
    import re

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name or ""):
        raise UsageError(f"role name {name!r} must be lower-case letters, digits and _ (at most 63)")
    return name


def _admin_engine(url):
    import sqlalchemy as sa

    return sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10})


def _ensure_database(url, owner: str, done: list[str]) -> None:
    """Create the database (owned by ``owner``) when it does not exist yet."""
    import sqlalchemy as sa

    engine = _admin_engine(url.set(database="postgres"))
    try:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}).first():
                return
            from psycopg import sql

            stmt = sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(url.database), sql.Identifier(owner))
            conn.exec_driver_sql(stmt.as_string(conn.connection.driver_connection))
            done.append(f"created database {url.database} owned by {owner}")
    finally:
        engine.dispose()


def _role(conn, name: str, env: str, done: list[str]) -> None:
    import sqlalchemy as sa
    from psycopg import sql

    raw = conn.connection.driver_connection
    if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).first() is None:
        conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        done.append(f"created role {name} (LOGIN)")
    else:
        done.append(f"role {name} exists")
    password = os.environ.get(env)
    if password:
        conn.exec_driver_sql(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(password)).as_string(raw))
        done.append(f"set the password of {name} from {env}")


def _refuse_unsafe_roles(conn, owner: str, app: str) -> None:
    """Refuse existing roles that would pass legcheck's protection (before anything is changed).

    Neither role may be a superuser (a superuser passes every grant and may disable any
    trigger). The application role may not create roles (it could grant itself the owner),
    may not be a member of the owner role (it could SET ROLE to it), and may not be allowed to
    SET ``session_replication_role``.
    """
    import sqlalchemy as sa

    roles = {r.rolname: r for r in conn.execute(sa.text(
        "SELECT rolname, rolsuper, rolcreaterole FROM pg_roles WHERE rolname IN (:o, :a)"), {"o": owner, "a": app})}
    for name, what in ((owner, "owner"), (app, "application")):
        if name in roles and roles[name].rolsuper:
            raise UsageError(f"the {what} role {name} is a superuser, which passes every grant and trigger; "
                             "give legcheck roles of its own (they are created when missing)")
    if app not in roles:
        return
    if roles[app].rolcreaterole:
        raise UsageError(f"the application role {app} may create roles (CREATEROLE), so it could grant itself "
                         "the owner role; use a role without it")
    if owner in roles and conn.execute(sa.text("SELECT pg_has_role(:a, :o, 'MEMBER')"), {"a": app, "o": owner}).scalar():
        raise UsageError(f"the application role {app} is a member of the owner role {owner}, so it could change "
                         "the schema and drop the triggers; use a role that is not")
    if int(conn.exec_driver_sql("SHOW server_version_num").scalar_one()) >= 150000 and conn.execute(sa.text(
            "SELECT 1 FROM pg_parameter_acl p, aclexplode(p.paracl) x WHERE p.parname = 'session_replication_role' "
            "AND x.privilege_type = 'SET' AND x.grantee IN (0, CAST(:a AS regrole))"), {"a": app}).first():
        raise UsageError(f"the application role {app} may SET session_replication_role; revoke that first")


def _refuse_app_ownership(conn, owner: str, app: str, db: str) -> None:
    """Refuse an application role that owns the database or anything in its schema (an owner may
    alter its objects and drop their triggers)."""
    import sqlalchemy as sa

    if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :a"), {"a": app}).first() is None:
        return
    if conn.execute(sa.text("SELECT pg_has_role(:a, d.datdba, 'USAGE') FROM pg_database d WHERE d.datname = :d"),
                    {"a": app, "d": db}).scalar():
        raise UsageError(f"the application role {app} owns the database {db}; make {owner} or an administrator "
                         "its owner")
    owned = conn.execute(sa.text("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                    WHERE n.nspname = current_schema() AND pg_has_role(:a, c.relowner, 'USAGE')
                                    ORDER BY 1 LIMIT 1"""), {"a": app}).scalar()
    if owned:
        raise UsageError(f"the application role {app} owns (or acts as the owner of) {owned}; it may only add and "
                         f"read records: make {owner} the owner")


def init_postgres(location: str, owner: str = OWNER_ROLE, app: str = APP_ROLE, photos=None,
                  empty: bool = False) -> list[str]:
    """Create the roles, grants and (unless ``empty``) legcheck's schema in a PostgreSQL database.

    Parameters
    ----------
    location : str
        ``postgresql://admin@host/dbname``, as a superuser (or a CREATEROLE role owning the
        database); the database is created when missing.
    owner, app : str
        The owner and application role names.
    photos : str or Path, optional
        Where a new schema keeps photos: "database" (default) or a shared directory.
    empty : bool
        Roles and grants only: leave the database empty for ``db copy`` or ``restore`` (run
        them as the owner role; run this again afterwards to re-apply the grants).

    Returns
    -------
    list of str
        What was done, one line each (no password ever).

    Raises
    ------
    UsageError
        A role name that is not a plain identifier, or the same name twice; an existing role
        that would pass the protection (either a superuser; the application role with
        CREATEROLE, a member of the owner, allowed to SET session_replication_role, or owning
        the database or anything in its schema). Nothing is changed then.
    DatabaseError
        The server refused (not a superuser, unreachable, ...), or the schema cannot be made.
    """
    import sqlalchemy as sa

    from .postgres import PostgresBackend, translated_errors

    owner, app = _ident(owner), _ident(app)
    if owner == app:
        raise UsageError("the owner and the application role must differ")
    backend = PostgresBackend(location)
    done: list[str] = []
    with translated_errors(backend.location):
        engine = _admin_engine(backend.url.set(database="postgres"))
        try:
            with engine.connect() as conn:
                _refuse_unsafe_roles(conn, owner, app)
                exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                      {"d": backend.url.database}).first()
            if exists:
                check = _admin_engine(backend.url)
                try:
                    with check.connect() as conn:
                        _refuse_app_ownership(conn, owner, app, backend.url.database)
                finally:
                    check.dispose()
            with engine.connect() as conn:
                for name, env in ((owner, "LEGCHECK_OWNER_PASSWORD"), (app, "LEGCHECK_APP_PASSWORD")):
                    _role(conn, name, env, done)
                if not conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar():
                    conn.exec_driver_sql(f"GRANT {owner} TO current_user")  # to run the migrations as the owner
        finally:
            engine.dispose()
        _ensure_database(backend.url, owner, done)
        engine = _admin_engine(backend.url)
        try:
            with engine.connect() as conn:
                db = backend.url.database
                for stmt in (f'GRANT CONNECT ON DATABASE "{db}" TO {owner}, {app}',
                             f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}",
                             f"GRANT USAGE ON SCHEMA public TO {app}",
                             f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT SELECT, INSERT "
                             f"ON TABLES TO {app}"):
                    conn.exec_driver_sql(stmt)
                done.append(f"{owner} may create legcheck's tables in schema public of {db}; {app} may connect")
                done.append(f"tables {owner} creates grant {app} SELECT and INSERT only (default privileges)")
        finally:
            engine.dispose()
    if not empty:
        done += _schema(location, owner, app, photos)
    else:
        done.append(f"left {backend.url.database} empty: copy or restore into it as {owner}, then run this again")
    return done


def _schema(location: str, owner: str, app: str, photos) -> list[str]:
    """Create or upgrade legcheck's schema as the owner role, then grant the application role."""
    from .opening import open_postgres

    done = []
    with open_postgres(location, create=True, photos=photos, role=owner) as st:
        version = st.schema_version()
        where = "inside the database" if st.photos_dir is None else f"in {st.photos_dir}"
        done.append(f"legcheck's schema is at version {version} (migrations run as {owner}); photos are kept {where}")
        with st._write() as conn:  # as the owner, who may grant on its own tables
            tables = [r[0] for r in conn.exec_driver_sql(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v') ORDER BY 1")]
            conn.exec_driver_sql(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {app}")
            conn.exec_driver_sql(f"REVOKE INSERT ON legcheck_settings FROM {app}")
            conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM {app}, PUBLIC")
        done.append(f"{app} may SELECT and INSERT on {', '.join(t for t in tables if t != 'legcheck_settings')}; "
                    "SELECT only on legcheck_settings; no UPDATE, DELETE or TRUNCATE anywhere")
    return done
