"""The clinical vocabulary of a Thompson leg check and its rules, as pure functions.

Everything that names a phase, a position, a drop piece or a side, and every rule that turns
lld_mm into "left", "right" or "even", a Derifield result or a pelvic-deficient side, is here
and nowhere else: the store, the migrations, the measurement, the reports and the command line
import it.

Sign convention: lld_mm > 0 means the LEFT leg appears short (its heel sits further towards the
head), lld_mm < 0 the RIGHT.
"""

from __future__ import annotations

from ..errors import UsageError
from .assessment_terms import ASSESSMENT_TERMS

#: Before or after the adjustment.
PHASES = ("pre", "post")
#: How the patient lay: legs extended, knees flexed (Derifield), head turned left or right.
POSITIONS = ("extended", "flexed", "head-left", "head-right")
#: The drop pieces of a Thompson table.
PIECES = ("cervical", "dorsal", "lumbar", "pelvic")
#: A body side (the short leg, the pelvic-deficient side).
SIDES = ("left", "right")
#: The side a drop piece was set for.
ADJUSTMENT_SIDES = ("left", "right", "both")
#: Who signs in to the web app: the practitioner, an assistant (captures and records checks only),
#: an administrator (also manages users).
ROLES = ("practitioner", "assistant", "admin")
#: What a check says about the legs.
SHORT_LEG = ("left", "right", "even")
#: The Derifield test's results.
DERIFIELD = ("positive", "negative")

#: |lld_mm| under this many millimetres counts as even: the one default of the whole program.
EVEN_BELOW_MM = 1.0
#: The largest "even" threshold accepted, mm: a wider one would call a clear difference even.
MAX_EVEN_BELOW_MM = 10.0

#: Settings of the clinic's configuration (the versioned ``config`` table, one entity per setting).
SETTINGS = ("camera", "clinic-name", "units", "even-below-mm")

#: The words of each kind of term, by the name an error message uses for it (the assessment's
#: vocabularies: :mod:`legcheck.records.assessment_terms`).
TERMS = {"phase": PHASES, "position": POSITIONS, "drop piece": PIECES, "side": ADJUSTMENT_SIDES,
         "PD side": SIDES, "Derifield": DERIFIELD,
         "role": ROLES, "setting": SETTINGS, **ASSESSMENT_TERMS}


def require_term(kind: str, value: str | None, optional: bool = False) -> str | None:
    """Return ``value`` if it is a word of the vocabulary ``kind``, else refuse it.

    Parameters
    ----------
    kind : str
        A key of :data:`TERMS` ("phase", "position", "drop piece", "side", "PD side", "Derifield",
        "role", "setting", and the assessment's: "symptom", "red flag", "therapy", "reaction",
        "action", "severity", "outcome", "pain phase", "assessment kind").
    value : str or None
        The word to check.
    optional : bool
        When True, None is accepted and returned.

    Returns
    -------
    str or None
        ``value`` unchanged.

    Raises
    ------
    UsageError
        ``value`` is not one of the words of ``kind``; the message names every allowed word.
    """
    if value is None and optional:
        return None
    words = TERMS[kind]
    if value not in words:
        raise UsageError(f"{kind} {value!r} is not one of {', '.join(words)}")
    return value


def short_leg_of(lld_mm: float, even_below_mm: float = EVEN_BELOW_MM) -> str:
    """Which leg appears short.

    Parameters
    ----------
    lld_mm : float
        Apparent leg-length discrepancy, mm; positive = LEFT leg short.
    even_below_mm : float
        |lld_mm| under this is "even", mm.

    Returns
    -------
    str
        "left", "right" or "even".
    """
    if abs(lld_mm) < even_below_mm:
        return "even"
    return "left" if lld_mm > 0 else "right"


def derive_derifield(extended_mm: float | None, flexed_mm: float | None,
                     even_mm: float = EVEN_BELOW_MM) -> str | None:
    """Derifield from the mean pre-adjustment lld_mm, legs extended and knees flexed.

    Parameters
    ----------
    extended_mm, flexed_mm : float or None
        Mean pre-adjustment lld_mm with the legs extended and the knees flexed, mm; None when
        that check was not made.
    even_mm : float
        |lld_mm| under this counts as even, mm.

    Returns
    -------
    str or None
        "negative": the leg short when extended stays short when flexed; "positive": it evens
        (|flexed| < ``even_mm``) or reverses. None when either check is missing or the legs are
        even when extended (there is no short leg to follow).
    """
    if extended_mm is None or flexed_mm is None or abs(extended_mm) < even_mm:
        return None
    if abs(flexed_mm) < even_mm or (flexed_mm > 0) != (extended_mm > 0):
        return "positive"
    return "negative"


def pd_side_of(extended_mm: float | None, even_mm: float = EVEN_BELOW_MM) -> str | None:
    """The pelvic-deficient side derived from the legs extended: the side of the short leg.

    Parameters
    ----------
    extended_mm : float or None
        Mean pre-adjustment lld_mm with the legs extended, mm; None when not checked.
    even_mm : float
        |lld_mm| under this counts as even, mm.

    Returns
    -------
    str or None
        "left" or "right"; None when not checked or even.
    """
    if extended_mm is None:
        return None
    side = short_leg_of(extended_mm, even_mm)
    return None if side == "even" else side
