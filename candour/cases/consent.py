"""Consent (R12, R13) and the typed summary of a verbal complaint (R5).

The response clock waits for consent and for approval of the summary when the policy says
so (002 §10.5.1 VI); `deadlines.response_clock_start` reads what these functions record.
"""

from __future__ import annotations

from datetime import datetime

from candour.cases.changes import apply
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.models import Case, ConsentMethod, ConsentState
from candour.cases.workflow import ensure_can, lock
from candour.config.transactions import atomic


@atomic
def request_consent(case: Case, *, by, at: datetime | None = None) -> Case:
    """Ask the patient for consent; starts the consent chase deadline."""
    case = lock(case)
    ensure_can(case, "request_consent", by)
    at = when_on_case(case, at)
    return apply(
        case,
        "request_consent",
        by=by,
        event="consent_requested",
        changes={"consent_state": ConsentState.REQUESTED, "consent_requested_at": at},
        at=at,
    )


@atomic
def receive_consent(case: Case, *, by, method: str, at: datetime | None = None) -> Case:
    """Record consent as received, how and when: not before it was asked for. With a waiting
    policy, the response clock starts then (002 §10.5.1 VI)."""
    case = lock(case)
    ensure_can(case, "receive_consent", by)
    if method not in ConsentMethod.values:
        raise InvalidCase("method", f"must be one of {', '.join(ConsentMethod.values)}")
    at = when_on_case(case, at, **_after_request(case))
    return apply(
        case,
        "receive_consent",
        by=by,
        event="consent_received",
        changes={
            "consent_state": ConsentState.RECEIVED,
            "consent_received_at": at,
            "consent_method": method,
            "representative_on_hold": False,
        },
        at=at,
    )


@atomic
def refuse_consent(case: Case, *, by, note: str, at: datetime | None = None) -> Case:
    """The patient refused consent, at `at` (not before it was asked for): the case cannot
    be investigated for the representative."""
    case = lock(case)
    ensure_can(case, "refuse_consent", by)
    if not note.strip():
        raise InvalidCase("note", "is empty; record what the patient said")
    at = when_on_case(case, at, **_after_request(case))
    return apply(
        case,
        "refuse_consent",
        by=by,
        event="consent_refused",
        changes={"consent_state": ConsentState.REFUSED, "consent_note": note.strip()},
        at=at,
    )


def _after_request(case: Case) -> dict:
    """when_on_case's `after` for an answer to a request for consent that is outstanding."""
    if case.consent_state == ConsentState.REQUESTED and case.consent_requested_at:
        return {"after": case.consent_requested_at, "what": "consent was asked for"}
    return {}


@atomic
def withdraw_consent(
    case: Case,
    *,
    by,
    note: str,
    stop_representative: bool = True,
    at: datetime | None = None,
) -> Case:
    """R13: the patient no longer wants the representative to act, from `at` (not before the
    consent was given). Correspondence to the representative stops until it is clarified
    (receive_consent lifts the hold)."""
    case = lock(case)
    ensure_can(case, "withdraw_consent", by)
    if not note.strip():
        raise InvalidCase("note", "is empty; record what the patient said")
    given = case.consent_received_at if case.consent_state == ConsentState.RECEIVED else None
    at = when_on_case(case, at, after=given, what="consent was given")
    return apply(
        case,
        "withdraw_consent",
        by=by,
        event="consent_withdrawn",
        changes={
            "consent_state": ConsentState.WITHDRAWN,
            "consent_note": note.strip(),
            "representative_on_hold": stop_representative,
        },
        at=at,
    )


OVERRIDE_GROUNDS = {
    "safeguarding": "Safeguarding",
    "public_interest": "Over-riding public interest",
    "incapacity_best_interests": "Patient lacks capacity; representative acts in best interests",
}


@atomic
def override_consent(
    case: Case, *, by, grounds: str, reason: str, at: datetime | None = None
) -> Case:
    """R12: investigation may go ahead without consent only on recorded grounds
    (safeguarding, public interest) with reasons (002 §10.5.1 III). With a waiting policy,
    the response clock starts when the decision was made, `at`."""
    case = lock(case)
    ensure_can(case, "override_consent", by)
    if grounds not in OVERRIDE_GROUNDS:
        raise InvalidCase("grounds", f"must be one of {', '.join(OVERRIDE_GROUNDS)}")
    if len(reason.strip()) < 10:
        raise InvalidCase("reason", "is too short; explain why consent is not needed here")
    at = when_on_case(case, at)
    return apply(
        case,
        "override_consent",
        by=by,
        event="consent_overridden",
        changes={
            "consent_state": ConsentState.OVERRIDDEN,
            "consent_received_at": at,
            "consent_note": f"{OVERRIDE_GROUNDS[grounds]}: {reason.strip()}",
        },
        at=at,
        grounds=grounds,
    )


@atomic
def approve_summary(case: Case, *, by, at: datetime | None = None, summary: str = "") -> Case:
    """R5: the complainant approved the typed summary of their verbal complaint."""
    case = lock(case)
    ensure_can(case, "approve_summary", by)
    text = summary.strip() or case.summary
    if not text:
        raise InvalidCase("summary", "is empty; type the summary the complainant approved")
    at = when_on_case(case, at)
    return apply(
        case,
        "approve_summary",
        by=by,
        event="summary_approved",
        changes={"summary": text, "summary_approved_at": at},
        at=at,
    )
