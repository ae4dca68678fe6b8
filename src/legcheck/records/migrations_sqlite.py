"""Ordered schema migrations. Each runs in its own transaction and sets ``PRAGMA user_version``.

Never edit a released migration: add the next one.
"""

from __future__ import annotations

from .vocabulary import ADJUSTMENT_SIDES, DERIFIELD, PHASES, PIECES, POSITIONS, ROLES, SHORT_LEG, SIDES


def _in(values) -> str:
    """An SQL list of string literals for a CHECK constraint (the vocabulary has no quotes)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _audit_triggers(table: str, entity: str) -> list[str]:
    """Every insert into ``table`` lands in the audit log, by id only (never a name)."""
    return [f"""
    CREATE TRIGGER {table}_audit_insert AFTER INSERT ON {table}
    BEGIN
        INSERT INTO audit (at, actor, action, entity, entity_id, detail)
        VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), legcheck_actor(), 'insert', '{entity}', NEW.id, NULL);
    END"""]


MIGRATIONS: list[list[str]] = [
    # 1: patients, visits, photos, checks (amended by superseding rows), findings, adjustments, audit.
    [
        """CREATE TABLE patients (
            id INTEGER PRIMARY KEY,
            chart TEXT NOT NULL UNIQUE CHECK (length(trim(chart)) > 0),
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            dob TEXT CHECK (dob IS NULL OR dob GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            notes TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE visits (
            id INTEGER PRIMARY KEY,
            patient_id INTEGER NOT NULL REFERENCES patients(id),
            visit_date TEXT NOT NULL CHECK (visit_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            started_at TEXT NOT NULL,
            practitioner TEXT,
            notes TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX visits_patient ON visits(patient_id, visit_date)",
        """CREATE TABLE photos (
            sha256 TEXT PRIMARY KEY,
            original_sha256 TEXT NOT NULL,
            orientation INTEGER NOT NULL DEFAULT 1,
            width INTEGER, height INTEGER,
            bytes INTEGER NOT NULL,
            relpath TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        f"""CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES visits(id),
            phase TEXT NOT NULL CHECK (phase IN {_in(PHASES)}),
            position TEXT NOT NULL CHECK (position IN {_in(POSITIONS)}),
            taken_at TEXT NOT NULL,
            photo_sha256 TEXT REFERENCES photos(sha256),
            annotated_sha256 TEXT REFERENCES photos(sha256),
            lld_mm REAL NOT NULL,
            short_leg TEXT NOT NULL CHECK (short_leg IN {_in(SHORT_LEG)}),
            uncertainty_mm REAL NOT NULL CHECK (uncertainty_mm >= 0),
            method TEXT NOT NULL,
            result_json TEXT NOT NULL,
            supersedes INTEGER UNIQUE REFERENCES checks(id),
            author TEXT,
            reason TEXT,
            created_at TEXT NOT NULL,
            CHECK (supersedes IS NULL OR (reason IS NOT NULL AND length(trim(reason)) > 0))
        )""",
        "CREATE INDEX checks_visit ON checks(visit_id)",
        f"""CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES visits(id),
            derifield TEXT CHECK (derifield IS NULL OR derifield IN {_in(DERIFIELD)}),
            pd_side TEXT CHECK (pd_side IS NULL OR pd_side IN {_in(SIDES)}),
            listing TEXT,
            author TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX findings_visit ON findings(visit_id)",
        f"""CREATE TABLE adjustments (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES visits(id),
            piece TEXT NOT NULL CHECK (piece IN {_in(PIECES)}),
            side TEXT CHECK (side IS NULL OR side IN {_in(ADJUSTMENT_SIDES)}),
            listing TEXT,
            author TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX adjustments_visit ON adjustments(visit_id)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id INTEGER,
            detail TEXT
        )""",
        # The audit log is append-only, and clinical rows are amended, never overwritten.
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER checks_no_update BEFORE UPDATE ON checks BEGIN SELECT RAISE(ABORT, 'checks are amended, never overwritten'); END",
        "CREATE TRIGGER checks_no_delete BEFORE DELETE ON checks BEGIN SELECT RAISE(ABORT, 'checks are amended, never deleted'); END",
        "CREATE TRIGGER findings_no_update BEFORE UPDATE ON findings BEGIN SELECT RAISE(ABORT, 'findings are amended by a newer row'); END",
        "CREATE TRIGGER adjustments_no_update BEFORE UPDATE ON adjustments BEGIN SELECT RAISE(ABORT, 'adjustments are recorded, not edited'); END",
        "CREATE TRIGGER photos_no_update BEFORE UPDATE ON photos BEGIN SELECT RAISE(ABORT, 'stored photos never change'); END",
        """CREATE TRIGGER checks_amend_audit AFTER INSERT ON checks WHEN NEW.supersedes IS NOT NULL
        BEGIN
            INSERT INTO audit (at, actor, action, entity, entity_id, detail)
            VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), legcheck_actor(), 'amend', 'check', NEW.id,
                    json_object('supersedes', NEW.supersedes,
                                'old_lld_mm', (SELECT lld_mm FROM checks WHERE id = NEW.supersedes),
                                'new_lld_mm', NEW.lld_mm, 'reason', NEW.reason));
        END""",
        *_audit_triggers("patients", "patient"),
        *_audit_triggers("visits", "visit"),
        *_audit_triggers("checks", "check"),
        *_audit_triggers("findings", "findings"),
        *_audit_triggers("adjustments", "adjustment"),
        """CREATE TRIGGER photos_audit_insert AFTER INSERT ON photos
        BEGIN
            INSERT INTO audit (at, actor, action, entity, entity_id, detail)
            VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), legcheck_actor(), 'insert', 'photo', NULL, NEW.sha256);
        END""",
        """CREATE VIEW current_checks AS
            SELECT c.* FROM checks c WHERE NOT EXISTS (SELECT 1 FROM checks n WHERE n.supersedes = c.id)""",
    ],
    # 2: users of the web app (issue 16). Append-only like every table: a change of role, password
    # or access is a new row for the same name, and the newest row (highest id) is the user now.
    [
        f"""CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0 AND name = trim(name)),
            role TEXT NOT NULL CHECK (role IN {_in(ROLES)}),
            password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2%'),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            author TEXT,
            created_at TEXT NOT NULL
        )""",
        "CREATE INDEX users_name ON users(name, id)",
        "CREATE TRIGGER users_no_update BEFORE UPDATE ON users BEGIN SELECT RAISE(ABORT, 'users are changed by a newer row'); END",
        "CREATE TRIGGER users_no_delete BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'users are changed by a newer row'); END",
        *_audit_triggers("users", "user"),
        """CREATE VIEW current_users AS
            SELECT u.* FROM users u WHERE u.id = (SELECT max(n.id) FROM users n WHERE n.name = u.name)""",
    ],
]

LATEST = len(MIGRATIONS)
