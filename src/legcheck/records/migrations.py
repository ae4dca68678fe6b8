"""The schema of the visit log and its ordered migrations, the same on SQLite and PostgreSQL.

How a migration is written (the rules every new one follows)
------------------------------------------------------------
A :class:`Migration` has three parts, run in this order in one write transaction:

``shared``
    Plain SQL that SQLite and PostgreSQL both read: ``CREATE TABLE`` with INTEGER, DOUBLE
    PRECISION, TEXT, ``CHECK ... IN``, LIKE; ``CREATE INDEX``; ``CREATE VIEW``. No BLOB, no
    AUTOINCREMENT/SERIAL (the store assigns ids), no timestamps (ISO text), no booleans.
``own``
    Per backend, only what has no shared spelling: ``{"sqlite": [...], "postgresql": [...]}``
    (SQLite's ``PRAGMA application_id``; PostgreSQL's trigger function and its settings and
    photo tables). Most migrations have none.
``protect``
    The history tables this migration creates, each with its unique column groups:
    ``{"users": [("id",), ("supersedes",), ("login_key",)]}``. Each backend generates its own
    append-only triggers from it (:func:`protection`: :func:`sqlite_protection` or
    :func:`pg_protection`), so a new table is protected on both without writing a trigger.
    :data:`HISTORY_TABLES` is the union of every migration's ``protect``, in order (the order
    rows are copied in: a table after the tables it refers to).

So the web app's users table is ``Migration(2, "users", shared=[CREATE TABLE users ...,
CREATE VIEW current_users ...], protect={"users": [("id",), ("supersedes",), ...]})``, plus
``"users"`` in :data:`VERSIONED` if its rows are corrected by superseding.

Each migration records itself in ``schema_migrations`` (SQLite also keeps ``PRAGMA
user_version`` in step; PostgreSQL reads the version from ``schema_migrations``); an older
program refuses a newer database. Never edit a released migration: add the next one.

Every history table is append-only (see docs/records.md): a row is never updated or deleted;
a correction is a new row whose ``supersedes`` names the row it replaces, with the same
``entity_id`` (the id of the first version, the identity other tables refer to), an author
and a reason. ``current_<table>`` views hold the rows nobody superseded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .assessment_terms import (ITEM_KINDS, OUTCOMES, PAIN_NRS_MAX, PAIN_PHASES, REACTION_KINDS, RED_FLAGS,
                               SEVERITIES, SYMPTOMS, THERAPIES)
from .inputs import MAX_ABS_LLD_MM
from .protection import (ALWAYS_FROM, PG_REFUSE, pg_always, pg_protection, protection,  # noqa: F401  (re-exported)
                         sqlite_protection)
from .vocabulary import ADJUSTMENT_SIDES, DERIFIELD, PHASES, PIECES, POSITIONS, ROLES, SETTINGS, SHORT_LEG, SIDES

#: ``PRAGMA application_id`` of a legcheck SQLite file: "LgCk".
APPLICATION_ID = 0x4C67436B


@dataclass(frozen=True)
class Migration:
    """One schema step: its version, what it does, and its statements (see the module docstring)."""

    version: int
    name: str
    shared: list = field(default_factory=list)
    protect: dict = field(default_factory=dict)  # history table -> its unique column groups
    own: dict = field(default_factory=dict)  # backend name -> statements only that backend runs

    def __post_init__(self):
        if not isinstance(self.shared, list) or set(self.own) - {"sqlite", "postgresql"}:
            raise TypeError(f"migration {self.version}: write Migration(version, name, shared=[...], "
                            "protect={table: unique groups}, own={backend: [...]}) (see the module docstring)")

    def statements(self, backend: str) -> list[str]:
        """What ``backend`` ("sqlite" or "postgresql") runs for this step: shared, own, then protection
        (on PostgreSQL from :data:`ALWAYS_FROM` on, made ENABLE ALWAYS)."""
        always = backend == "postgresql" and self.version >= ALWAYS_FROM
        return [*self.shared, *self.own.get(backend, []),
                *[s for t, unique in self.protect.items() for s in protection(backend, t, unique)],
                *[s for t in self.protect if always for s in pg_always(t)]]


def _in(values) -> str:
    """An SQL list of string literals for a CHECK constraint (the vocabulary has no quotes)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _date(col: str) -> str:
    return f"{col} LIKE '____-__-__'"


#: Columns every versioned table has: identity, supersede link, who, why, when.
_VERSION_COLUMNS = """
    entity_id INTEGER NOT NULL REFERENCES {t}(id),
    supersedes INTEGER UNIQUE REFERENCES {t}(id),
    author TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    CHECK ((supersedes IS NULL AND entity_id = id) OR (supersedes IS NOT NULL AND supersedes < id
           AND reason IS NOT NULL AND length(trim(reason)) > 0))"""


def _versioned(table: str, body: str, constraints: str = "") -> str:
    """A versioned table: ``id``, the columns of ``body``, the version columns, then table ``constraints``."""
    more = f",\n    {constraints}" if constraints else ""
    return f"CREATE TABLE {table} (\n    id INTEGER PRIMARY KEY,{body},{_VERSION_COLUMNS.format(t=table)}{more}\n)"


SHARED_1 = [
    """CREATE TABLE schema_migrations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    _versioned("patients", """
    chart TEXT NOT NULL CHECK (length(trim(chart)) > 0),
    chart_key TEXT NOT NULL CHECK (length(chart_key) > 0),
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    dob TEXT CHECK (dob IS NULL OR """ + _date("dob") + """),
    notes TEXT"""),
    _versioned("visits", """
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    visit_date TEXT NOT NULL CHECK (""" + _date("visit_date") + """),
    started_at TEXT NOT NULL,
    practitioner TEXT,
    notes TEXT"""),
    """CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
        original_sha256 TEXT NOT NULL,
        orientation INTEGER NOT NULL CHECK (orientation BETWEEN 1 AND 8),
        width INTEGER, height INTEGER,
        bytes INTEGER NOT NULL CHECK (bytes > 0),
        relpath TEXT NOT NULL UNIQUE,
        author TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    _versioned("checks", f"""
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    phase TEXT NOT NULL CHECK (phase IN {_in(PHASES)}),
    position TEXT NOT NULL CHECK (position IN {_in(POSITIONS)}),
    taken_at TEXT NOT NULL,
    photo_sha256 TEXT REFERENCES photos(sha256),
    annotated_sha256 TEXT REFERENCES photos(sha256),
    lld_mm DOUBLE PRECISION NOT NULL CHECK (lld_mm BETWEEN -{MAX_ABS_LLD_MM:g} AND {MAX_ABS_LLD_MM:g}),
    short_leg TEXT NOT NULL CHECK (short_leg IN {_in(SHORT_LEG)}),
    uncertainty_mm DOUBLE PRECISION NOT NULL CHECK (uncertainty_mm >= 0),
    method TEXT NOT NULL,
    result_json TEXT NOT NULL"""),
    _versioned("findings", f"""
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    derifield TEXT CHECK (derifield IS NULL OR derifield IN {_in(DERIFIELD)}),
    pd_side TEXT CHECK (pd_side IS NULL OR pd_side IN {_in(SIDES)}),
    listing TEXT"""),
    _versioned("adjustments", f"""
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    piece TEXT NOT NULL CHECK (piece IN {_in(PIECES)}),
    side TEXT CHECK (side IS NULL OR side IN {_in(ADJUSTMENT_SIDES)}),
    listing TEXT"""),
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        claim TEXT,
        action TEXT NOT NULL,
        record_table TEXT NOT NULL,
        record_id INTEGER NOT NULL,
        record_sha256 TEXT NOT NULL CHECK (length(record_sha256) = 64),
        detail TEXT,
        prev_sha256 TEXT NOT NULL UNIQUE CHECK (length(prev_sha256) = 64),
        sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
        UNIQUE (record_table, record_id)
    )""",
    "CREATE INDEX patients_entity ON patients(entity_id)",
    "CREATE INDEX patients_chart_key ON patients(chart_key)",
    "CREATE INDEX visits_entity ON visits(entity_id)",
    "CREATE INDEX visits_patient ON visits(patient_id, visit_date)",
    "CREATE INDEX checks_entity ON checks(entity_id)",
    "CREATE INDEX checks_visit ON checks(visit_id)",
    "CREATE INDEX findings_visit ON findings(visit_id)",
    "CREATE INDEX adjustments_visit ON adjustments(visit_id)",
    *[f"""CREATE VIEW current_{t} AS
        SELECT r.* FROM {t} r WHERE NOT EXISTS (SELECT 1 FROM {t} n WHERE n.supersedes = r.id)"""
      for t in ("patients", "visits", "checks", "findings", "adjustments")],
]

#: Unique column groups of the history tables of migration 1 (what an ``INSERT OR REPLACE``
#: could otherwise use to delete a row).
PROTECT_1: dict[str, list[tuple[str, ...]]] = {
    "schema_migrations": [("id",)],
    "patients": [("id",), ("supersedes",)],
    "visits": [("id",), ("supersedes",)],
    "photos": [("id",), ("sha256",), ("relpath",)],
    "checks": [("id",), ("supersedes",)],
    "findings": [("id",), ("supersedes",)],
    "adjustments": [("id",), ("supersedes",)],
    "audit": [("id",), ("sha256",), ("prev_sha256",), ("record_table", "record_id")],
}
#: Migration 2: the web app's users (docs/records.md "Users"): a role change, a new password or a
#: disabled account is a new row superseding the current one. Passwords are Argon2id hashes only.
SHARED_2 = [
    _versioned("users", f"""
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    name_key TEXT NOT NULL CHECK (length(name_key) > 0),
    role TEXT NOT NULL CHECK (role IN {_in(ROLES)}),
    password_hash TEXT NOT NULL CHECK (substr(password_hash, 1, 10) = '$argon2id$'),
    active INTEGER NOT NULL CHECK (active IN (0, 1))"""),
    "CREATE INDEX users_entity ON users(entity_id)",
    "CREATE INDEX users_name_key ON users(name_key)",
    """CREATE VIEW current_users AS
        SELECT r.* FROM users r WHERE NOT EXISTS (SELECT 1 FROM users n WHERE n.supersedes = r.id)""",
]
PROTECT_2: dict[str, list[tuple[str, ...]]] = {"users": [("id",), ("supersedes",)]}


def _current(table: str, voidable: bool = False) -> str:
    """The view of a versioned table's current rows: nobody supersedes them (and, if voidable, not voided)."""
    void = "r.voided IS NULL AND " if voidable else ""
    return f"""CREATE VIEW current_{table} AS
        SELECT r.* FROM {table} r WHERE {void}NOT EXISTS (SELECT 1 FROM {table} n WHERE n.supersedes = r.id)"""


_VOIDED = "voided INTEGER CHECK (voided IS NULL OR voided = 1)"

#: Migration 3 (issue 13): a check or an adjustment can be voided, and the clinic's configuration.
#: A void is a new version of the record with ``voided = 1`` and a reason; the ``current_``
#: views leave voided records out (hidden from every figure), the history keeps every version.
#: The new column is NULL in every older row, so their hashes stay valid (NULLs are not hashed).
#: ``config``: one entity per setting (:data:`legcheck.records.vocabulary.SETTINGS`); a change is
#: a new version, NULL ``value`` = back to the default.
SHARED_3 = [
    f"ALTER TABLE checks ADD COLUMN {_VOIDED}",
    f"ALTER TABLE adjustments ADD COLUMN {_VOIDED}",
    "DROP VIEW current_checks",
    _current("checks", voidable=True),
    "DROP VIEW current_adjustments",
    _current("adjustments", voidable=True),
    _versioned("config", f"""
    setting TEXT NOT NULL CHECK (setting IN {_in(SETTINGS)}),
    value TEXT"""),
    "CREATE INDEX config_entity ON config(entity_id)",
    "CREATE INDEX config_setting ON config(setting)",
    _current("config"),
]
PROTECT_3: dict[str, list[tuple[str, ...]]] = {"config": [("id",), ("supersedes",)]}

#: Migration 4 (issue 14): the assessment around the leg check, per visit. ``assessment_items``
#: holds pain ratings (``nrs`` 0-10, ``term`` the phase), symptoms, red flags (``cleared`` = 1 in
#: the version that closes one) and therapies (``minutes``, ``note``); ``reactions`` the adverse
#: reactions after the adjustment (``actions``: action terms joined by commas). Both voidable and
#: versioned like checks. ``adjustments.red_flag_override`` holds the reason an adjustment was
#: recorded on a visit with an open red flag.
SHARED_4 = [
    "ALTER TABLE adjustments ADD COLUMN red_flag_override TEXT",
    # PostgreSQL expands a view's * when the view is made: remake it to show the new column.
    "DROP VIEW current_adjustments",
    _current("adjustments", voidable=True),
    _versioned("assessment_items", f"""
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    kind TEXT NOT NULL CHECK (kind IN {_in(ITEM_KINDS)}),
    term TEXT NOT NULL,
    nrs INTEGER CHECK (nrs IS NULL OR nrs BETWEEN 0 AND {PAIN_NRS_MAX}),
    minutes DOUBLE PRECISION CHECK (minutes IS NULL OR minutes BETWEEN 0 AND 1440),
    note TEXT,
    cleared INTEGER CHECK (cleared IS NULL OR cleared = 1),
    {_VOIDED}""", f"""CHECK ((kind = 'pain' AND term IN {_in(PAIN_PHASES)} AND nrs IS NOT NULL AND minutes IS NULL)
        OR (kind = 'symptom' AND term IN {_in(SYMPTOMS)} AND nrs IS NULL AND minutes IS NULL)
        OR (kind = 'red-flag' AND term IN {_in(RED_FLAGS)} AND nrs IS NULL AND minutes IS NULL)
        OR (kind = 'therapy' AND term IN {_in(THERAPIES)} AND nrs IS NULL
            AND (term <> 'other' OR note IS NOT NULL))),
    CHECK (cleared IS NULL OR kind = 'red-flag')"""),
    _versioned("reactions", f"""
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    kind TEXT NOT NULL CHECK (kind IN {_in(REACTION_KINDS)}),
    onset_min DOUBLE PRECISION CHECK (onset_min IS NULL OR onset_min BETWEEN 0 AND 1440),
    duration_min DOUBLE PRECISION CHECK (duration_min IS NULL OR duration_min BETWEEN 0 AND 1440),
    severity TEXT NOT NULL CHECK (severity IN {_in(SEVERITIES)}),
    actions TEXT NOT NULL,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN {_in(OUTCOMES)}),
    follow_up TEXT CHECK (follow_up IS NULL OR """ + _date("follow_up") + """),
    note TEXT,
    action_note TEXT,
    outcome_note TEXT,
    """ + _VOIDED, "CHECK (kind <> 'other' OR note IS NOT NULL)"),
    "CREATE INDEX assessment_items_entity ON assessment_items(entity_id)",
    "CREATE INDEX assessment_items_visit ON assessment_items(visit_id)",
    "CREATE INDEX reactions_entity ON reactions(entity_id)",
    "CREATE INDEX reactions_visit ON reactions(visit_id)",
    _current("assessment_items", voidable=True),
    _current("reactions", voidable=True),
]
PROTECT_4: dict[str, list[tuple[str, ...]]] = {"assessment_items": [("id",), ("supersedes",)], "reactions": [("id",), ("supersedes",)]}

#: Tables whose records are corrected by superseding rows (``entity_id``, ``supersedes``, ``reason``).
VERSIONED = ("patients", "visits", "checks", "findings", "adjustments", "users", "config", "assessment_items",
             "reactions")
#: Versioned tables whose records can be voided (``voided`` = 1 in the version that withdraws one).
VOIDABLE = ("checks", "adjustments", "assessment_items", "reactions")


#: PostgreSQL's own tables (not history: no audit rows, never copied): the database's settings
#: (written once at creation: ``application`` = "legcheck", ``photo_store`` = "database" or
#: "directory", ``photo_dir``) and the photo store kept inside the database (bytea).
PG_OWN_1 = [
    PG_REFUSE,
    """CREATE TABLE legcheck_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE photo_blobs (
        sha256 TEXT PRIMARY KEY REFERENCES photos(sha256),
        data BYTEA NOT NULL
    )""",
    *pg_protection("legcheck_settings", [("key",)]),
    *pg_protection("photo_blobs", [("sha256",)]),
]

MIGRATIONS: list[Migration] = [
    Migration(1, "append-only records with a hash-chained audit", shared=SHARED_1, protect=PROTECT_1, own={
        "sqlite": [f"PRAGMA application_id = {APPLICATION_ID}"],
        "postgresql": PG_OWN_1,
    }),
    Migration(2, "users of the web app", shared=SHARED_2, protect=PROTECT_2),
    Migration(3, "voided checks and adjustments; the clinic's configuration", shared=SHARED_3, protect=PROTECT_3),
    Migration(4, "the assessment around the leg check: pain, symptoms, red flags, therapies, reactions",
              shared=SHARED_4, protect=PROTECT_4),
    # Migration 5 (PostgreSQL only; SQLite has no replication role): the protective triggers of
    # every table made so far fire in replica sessions too. Later migrations get it from
    # Migration.statements (ALWAYS_FROM).
    Migration(5, "protective triggers fire under session_replication_role = replica too", own={
        "postgresql": [s for t in (*[t for m in (PROTECT_1, PROTECT_2, PROTECT_3, PROTECT_4) for t in m],
                                   "legcheck_settings", "photo_blobs") for s in pg_always(t)]}),
]

LATEST = len(MIGRATIONS)


def history_tables(version: int = LATEST) -> dict[str, list[tuple[str, ...]]]:
    """The history tables of a database at ``version``, in copy order, with their unique column groups."""
    return {t: u for m in MIGRATIONS[:version] for t, u in m.protect.items()}


#: Every table whose rows are history: append-only, each row with its audit row (audit itself
#: is protected the same way and verified as a chain). Value: the unique column groups.
HISTORY_TABLES = history_tables(LATEST)


def _function_body(stmt: str) -> str:
    return stmt.split("$$")[1]


def expected_triggers(backend: str, version: int = LATEST) -> dict[str, str]:
    """The protection a database at ``version`` must hold: name -> the exact statement (or body).

    Replays the CREATE/DROP TRIGGER statements of the migrations up to ``version``. On
    PostgreSQL the trigger functions count too, keyed ``function <name>()``, with their body
    (between the ``$$``) as the value: a function replaced by one that lets changes through is
    as bad as a dropped trigger.
    """
    out: dict[str, str] = {}
    for m in MIGRATIONS[:version]:
        for stmt in m.statements(backend):
            words = stmt.split()
            if words[:2] == ["CREATE", "TRIGGER"]:
                out[words[2]] = stmt
            elif words[:2] == ["DROP", "TRIGGER"]:
                out.pop(words[-1], None)
            elif words[:2] == ["ALTER", "TABLE"] and words[3:6] == ["ENABLE", "ALWAYS", "TRIGGER"]:
                out[words[6]] += " -- always"
            elif words[:2] == ["CREATE", "FUNCTION"] or words[:4] == ["CREATE", "OR", "REPLACE", "FUNCTION"]:
                name = words[words.index("FUNCTION") + 1].split("(")[0]
                out[f"function {name}()"] = _function_body(stmt)
    return out


def expected_views(backend: str, version: int = LATEST) -> dict[str, str]:
    """The views a database at ``version`` must hold: name -> the CREATE VIEW statement that made it.

    Replays the CREATE/DROP VIEW statements of the migrations up to ``version``. A view replaced
    by one that hides rows (a patient's checks, a red flag) changes every report without
    touching a history row, so the database check compares each with this.
    """
    out: dict[str, str] = {}
    for m in MIGRATIONS[:version]:
        for stmt in m.statements(backend):
            words = stmt.split()
            if words[:2] == ["CREATE", "VIEW"]:
                out[words[2]] = stmt
            elif words[:2] == ["DROP", "VIEW"]:
                out.pop(words[-1], None)
    return out
