"""The audit chain's head, to note down (on paper, in another system) and compare with later.

Each audit row's ``sha256`` covers its content and the previous row's hash, so the head noted
at one time vouches for every row up to it. Comparing honestly means: the chain verifies as it
stands, and the row noted is still there with the same hash. A chain that has grown since is
fine (records were added); a different hash at the noted row, or fewer rows than noted, means
history was rewritten or removed.

The value is written ``ID:SHA256`` (64 hex digits). The hash alone is accepted too (it is found
by value), but never a shortened hash: a prefix can be matched by a forged chain.
"""

from __future__ import annotations

import re

from ..errors import IntegrityCheckError, UsageError
from .canonical import chain_problems

__all__ = ["audit_head", "compare_head", "parse_head"]

_HEAD = re.compile(r"(?:(\d{1,18}):)?([0-9a-f]{64})")


def parse_head(value: str) -> tuple[int | None, str]:
    """A noted head: ``ID:SHA256`` or ``SHA256`` -> (id or None, sha256 in lower case).

    Raises
    ------
    UsageError
        Anything else, a shortened hash included.
    """
    m = _HEAD.fullmatch(str(value).strip().lower())
    if m is None:
        raise UsageError(f"{str(value)[:80]!r} is not an audit head; give it whole as it was printed, "
                         "ID:SHA256 (64 hex digits), never shortened")
    return (int(m.group(1)) if m.group(1) else None), m.group(2)


def _chain(store) -> list[dict]:
    with store._read() as conn:
        audit = store._rows(conn, "SELECT * FROM audit ORDER BY id")
    broken = chain_problems(audit)
    if broken:
        raise IntegrityCheckError(f"the audit chain is broken ({broken[0][1]}); run the database check")
    return audit


def audit_head(store) -> dict:
    """The verified head of the audit chain.

    Returns
    -------
    dict
        ``id``, ``sha256`` and ``head`` (``"ID:SHA256"``, the value to note); all None for an
        empty chain.

    Raises
    ------
    IntegrityCheckError
        The chain does not verify (exit 11).
    """
    audit = _chain(store)
    if not audit:
        return {"id": None, "sha256": None, "head": None}
    last = audit[-1]
    return {"id": last["id"], "sha256": last["sha256"], "head": f"{last['id']}:{last['sha256']}"}


def compare_head(store, noted: str) -> dict:
    """Compare the chain with a head noted earlier.

    Parameters
    ----------
    store : legcheck.records.store.SqlStore
    noted : str
        ``ID:SHA256`` or ``SHA256``, as :func:`audit_head` gave it.

    Returns
    -------
    dict
        :func:`audit_head`'s fields plus ``noted_id`` and ``rows_since`` (audit rows added after
        the noted one; 0: the head is unchanged).

    Raises
    ------
    UsageError
        ``noted`` is not a whole head.
    IntegrityCheckError
        The chain does not verify, the noted row is gone, or it holds another hash now: the
        history up to the noted head was rewritten or removed.
    """
    noted_id, noted_sha = parse_head(noted)
    audit = _chain(store)
    head = audit[-1] if audit else None
    if noted_id is None:
        found = [a for a in audit if a["sha256"] == noted_sha]
        if not found:
            raise IntegrityCheckError(f"the noted audit head {noted_sha[:16]}... is not in the chain: history was "
                                      "rewritten or removed since it was noted; restore from a backup")
        noted_id = found[0]["id"]
    elif head is None or noted_id > head["id"]:
        raise IntegrityCheckError(f"the chain ends at audit row {head['id'] if head else 0}, before the noted row "
                                  f"{noted_id}: history was removed since it was noted; restore from a backup")
    elif audit[noted_id - 1]["sha256"] != noted_sha:
        raise IntegrityCheckError(f"audit row {noted_id} now has hash {audit[noted_id - 1]['sha256'][:16]}..., "
                                  f"not the noted {noted_sha[:16]}...: history was rewritten since it was noted; "
                                  "restore from a backup")
    return {"id": head["id"], "sha256": head["sha256"], "head": f"{head['id']}:{head['sha256']}",
            "noted_id": noted_id, "rows_since": head["id"] - noted_id}
