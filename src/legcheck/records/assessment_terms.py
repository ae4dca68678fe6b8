"""The words of the assessment around a leg check: pain, symptoms, red flags, therapies, reactions.

Defined once, here; the migrations build their CHECK constraints from these tuples, the store
and the command line check every term against them (:func:`legcheck.records.vocabulary.require_term`
knows each kind), and the reports word each term by its label. Where each list comes from is in
docs/clinical.md. legcheck records and reminds; it does not diagnose: the red-flag list is a
screening aid for referral, not a diagnosis.

Each vocabulary maps the term typed on the command line (lower case, hyphens, no spaces or
commas) to the words a report prints.
"""

from __future__ import annotations

#: Pain: a 0-10 numeric rating scale (NRS), whole numbers, asked before and after the adjustment.
PAIN_NRS_MAX = 10
#: A pain rating belongs to a phase of the visit (the words of :data:`legcheck.records.vocabulary.PHASES`).
PAIN_PHASES = ("pre", "post")

#: Symptoms, in two groups (issue 14); each may carry the patient's own words beside it.
SYMPTOM_GROUPS = {
    "musculoskeletal": {
        "back-spasm": "back spasm",
        "low-back-pain": "low back pain",
        "hip-buttock-pain": "hip or buttock pain",
        "neck-pain-stiffness": "neck pain or stiffness",
        "spinal-stiffness": "spinal stiffness",
        "shoulder-arm-pain": "shoulder or arm pain",
        "leg-buttock-numbness": "leg or buttock numbness or tingling",
        "muscle-weakness": "muscle weakness",
        "curvature": "curvature",
    },
    "neurological": {
        "limb-numbness-tingling": "numbness, pain or tingling in arms, legs, shoulder or buttocks",
        "sciatica": "sciatica",
        "tension-headache": "tension headache",
    },
}
SYMPTOMS = {term: label for group in SYMPTOM_GROUPS.values() for term, label in group.items()}

#: Warning signs that call for immediate medical care (a screening aid for referral).
RED_FLAGS = {
    "one-sided-numbness-weakness": "numbness or weakness on one side of the body",
    "balance-coordination": "balance or coordination problems",
    "limb-sensation-loss": "loss of sensation in a limb",
    "bladder-bowel": "loss of bladder or bowel control",
    "limb-weakness": "muscle weakness in arms or legs",
    "pain-fever-nausea": "pain with fever or nausea",
}

#: Therapies given besides the adjustment, each with a duration (minutes) or notes; "other" needs its text.
THERAPIES = {
    "ist": "intersegmental traction (IST)",
    "ice": "ice",
    "heat": "heat",
    "massage": "massage",
    "e-stim": "electrical stimulation",
    "other": "other",
}

#: Adverse reactions after the adjustment: the kind ("other" needs its text).
REACTION_KINDS = {"spasm": "spasm", "increased-pain": "increased pain", "dizziness": "dizziness", "other": "other"}
#: What was done about a reaction ("other" needs its text).
REACTION_ACTIONS = {
    "ice": "ice",
    "rest": "rest",
    "massage": "massage",
    "emergency-referral": "referral to emergency care",
    "other": "other",
}
#: How severe a reaction was: CTCAE grades 1-3 in words (mild, moderate, severe).
SEVERITIES = {"mild": "mild", "moderate": "moderate", "severe": "severe"}
#: How a reaction ended: the reaction outcomes of ICH E2B(R3) (without "fatal"), in words.
OUTCOMES = {
    "resolved": "resolved",
    "resolving": "resolving",
    "not-resolved": "not resolved",
    "resolved-with-sequelae": "resolved with lasting effects",
    "unknown": "unknown",
}

#: The kinds of assessment item (one table: ``assessment_items``); reactions have their own table.
ITEM_KINDS = ("pain", "symptom", "red-flag", "therapy")
#: How each kind of item is named in messages and in :data:`legcheck.records.vocabulary.TERMS`.
KIND_TERMS = {"pain": "pain phase", "symptom": "symptom", "red-flag": "red flag", "therapy": "therapy"}

#: Every vocabulary of this module by the name messages use for it (joins ``vocabulary.TERMS``).
ASSESSMENT_TERMS = {
    "pain phase": PAIN_PHASES,
    "symptom": tuple(SYMPTOMS),
    "red flag": tuple(RED_FLAGS),
    "therapy": tuple(THERAPIES),
    "reaction": tuple(REACTION_KINDS),
    "action": tuple(REACTION_ACTIONS),
    "severity": tuple(SEVERITIES),
    "outcome": tuple(OUTCOMES),
    "assessment kind": ITEM_KINDS,
}

#: The words a report prints for each term, by kind of item.
LABELS = {"symptom": SYMPTOMS, "red-flag": RED_FLAGS, "therapy": THERAPIES,
          "pain": {"pre": "before the adjustment", "post": "after the adjustment"}}

#: The words of the referral a red flag calls for, everywhere it is shown.
REFERRAL = "refer for immediate medical care"


def label(kind: str, term: str) -> str:
    """The words a report prints for a term of an assessment item (the term itself if unknown).

    Parameters
    ----------
    kind : {"pain", "symptom", "red-flag", "therapy"}
    term : str

    Returns
    -------
    str
    """
    return LABELS.get(kind, {}).get(term, term)


def symptom_group(term: str) -> str | None:
    """The group of a symptom ("musculoskeletal" or "neurological"), or None for an unknown term."""
    return next((g for g, terms in SYMPTOM_GROUPS.items() if term in terms), None)


def red_flag_sentence(labels: list[str]) -> str:
    """The banner of open red flags: "red flag recorded: loss of bladder or bowel control — refer for immediate medical care".

    Parameters
    ----------
    labels : list of str
        The red flags' words (:data:`RED_FLAGS` values), in the order recorded.

    Returns
    -------
    str
    """
    return f"red flag recorded: {'; '.join(labels)} \u2014 {REFERRAL}"
