"""Canonical content of a record and the audit hash chain, as pure functions.

A record's canonical content is one byte string that is the same whichever database stored it
(SQLite now, PostgreSQL later) and whichever driver read it back:

* every column whose value is not NULL, keys sorted (a column added by a later migration with
  a NULL default therefore leaves the hashes of older rows unchanged);
* text as UTF-8, integers as decimal, booleans as 0/1, floats as Python's shortest
  round-trip ``repr`` (IEEE 754 double), timestamps and dates as the ISO text legcheck stores;
* written as compact JSON (``sort_keys``, ``separators=(",", ":")``, ``ensure_ascii=False``).

Each audit row names one record (``record_table``, ``record_id``), holds ``record_sha256`` (the
SHA-256 of that record's canonical content), ``prev_sha256`` (the ``sha256`` of the audit row
before it; :data:`GENESIS` for the first) and ``sha256``: the SHA-256 of its own canonical
content without the ``sha256`` column. Changing any stored record, or any audit row, or
removing one, breaks the chain at that row.

References
----------
FIPS 180-4 (SHA-256); RFC 8785 (JSON canonicalisation, whose key sorting and shortest
round-trip numbers this follows for the values legcheck stores).
"""

from __future__ import annotations

import hashlib
import json
import math

__all__ = ["GENESIS", "canonical", "record_sha256", "audit_sha256", "chain_problems"]

#: ``prev_sha256`` of the first audit row.
GENESIS = "0" * 64


def _value(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"a stored number is not finite ({v!r})")
        return v  # json writes float.__repr__: the shortest string that reads back the same double
    if isinstance(v, (int, str)):
        return v
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"hex": bytes(v).hex()}
    # Decimal (a NUMERIC column), datetime: legcheck stores neither; refuse rather than guess.
    raise TypeError(f"cannot hash a stored {type(v).__name__}")


def canonical(row: dict) -> bytes:
    """The canonical content of a record (see the module docstring).

    Parameters
    ----------
    row : dict
        Column name -> stored value (None, bool, int, float, str or bytes).

    Returns
    -------
    bytes
        Compact sorted-key JSON of the non-NULL columns, UTF-8.

    Raises
    ------
    ValueError, TypeError
        A value legcheck never stores (NaN, a datetime object).
    """
    body = {str(k): _value(v) for k, v in row.items() if v is not None}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def record_sha256(row: dict) -> str:
    """SHA-256 (hex) of a record's canonical content."""
    return hashlib.sha256(canonical(row)).hexdigest()


def audit_sha256(audit_row: dict) -> str:
    """SHA-256 (hex) of an audit row: its canonical content without its own ``sha256`` column."""
    return record_sha256({k: v for k, v in audit_row.items() if k != "sha256"})


def chain_problems(audit_rows) -> list[tuple[int, str]]:
    """Where an audit chain is broken.

    Parameters
    ----------
    audit_rows : iterable of dict
        Audit rows in ``id`` order.

    Returns
    -------
    list of (int, str)
        (audit id, what is wrong), in chain order; empty when the chain holds: ids run 1, 2,
        3 ... without a gap, each ``prev_sha256`` is the previous row's ``sha256`` and each
        ``sha256`` is the row's own hash.
    """
    problems = []
    prev, expected_id = GENESIS, 1
    for a in audit_rows:
        if a["id"] != expected_id:
            problems.append((a["id"], f"audit row {a['id']}: rows {expected_id} to {a['id'] - 1} are missing"
                             if a["id"] > expected_id else f"audit row {a['id']}: out of order"))
        if a["prev_sha256"] != prev:
            problems.append((a["id"], f"audit row {a['id']}: does not follow the row before it (chain broken)"))
        try:
            own = audit_sha256(a)
        except (TypeError, ValueError) as exc:
            own = f"unhashable: {exc}"
        if a["sha256"] != own:
            problems.append((a["id"], f"audit row {a['id']}: its content does not match its hash (altered)"))
        prev, expected_id = a["sha256"], a["id"] + 1
    return problems
