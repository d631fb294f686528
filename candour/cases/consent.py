"""Consent (R12, R13) and the typed summary of a verbal complaint (R5).

The response clock waits for consent and for approval of the summary when the policy says
so (002 §10.5.1 VI); `deadlines.response_clock_start` reads what these functions record.

Three things are kept apart here, because the seeds keep them apart:
- the patient's consent for someone to complain for them (R12): while it is awaited the
  response clock waits;
- the patient no longer wanting the representative to act (R13, 002 §9.5): correspondence
  to the representative is held until it is clarified, the clocks run on, and letters can go
  to the patient instead (`withdraw_representative`);
- the complainant's consent to pass the complaint to the provider it is about (R12 "Sharing
  with a provider needs its own consent"; 003 §3.7), which forwarding needs first
  (`record_share_consent`).
"""

from __future__ import annotations

from datetime import datetime

from candour.cases.changes import apply
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.models import (
    Case,
    CaseParty,
    ConsentMethod,
    ConsentState,
    PartyRole,
    Relationship,
    ShareConsent,
)
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


@atomic
def withdraw_representative(case: Case, *, by, note: str, at: datetime | None = None) -> Case:
    """R13 (002 §9.5): the patient no longer wants the representative to act for them, from
    `at`. Correspondence to the representative is held ("steps must be taken to clarify this
    before continuing any correspondence with the representative"): a letter to them is not
    sent, and letters can be addressed to the patient. The patient's consent and the case's
    clocks are unchanged: the complaint goes on."""
    return _representative(case, by, note, at, withdrawn=True)


@atomic
def reinstate_representative(case: Case, *, by, note: str, at: datetime | None = None) -> Case:
    """R13: it was clarified that the patient wants the representative to act for them again
    (from `at`, not before they were withdrawn): correspondence with them resumes."""
    return _representative(case, by, note, at, withdrawn=False)


def _representative(case: Case, by, note: str, at: datetime | None, *, withdrawn: bool) -> Case:
    action = "withdraw_representative" if withdrawn else "reinstate_representative"
    case = lock(case)
    ensure_can(case, action, by)
    if not note.strip():
        what = "what the patient said, and how" if withdrawn else "how the patient's wishes were"
        raise InvalidCase("note", f"is empty; record {what}{'' if withdrawn else ' clarified'}")
    since = {} if withdrawn else {"after": case.representative_withdrawn_at}
    at = when_on_case(case, at, **since, what="the representative was withdrawn")
    return apply(
        case,
        action,
        by=by,
        event="representative_withdrawn" if withdrawn else "representative_reinstated",
        changes={
            "representative_on_hold": withdrawn,
            "representative_withdrawn_at": at if withdrawn else None,
        },
        at=at,
        note=note.strip(),
    )


# Who a letter is addressed to, chosen when it is started (R13; letters.signoff.start_letter).
RECIPIENTS = {
    "complainant": "The complainant, or the representative who speaks for the patient",
    "patient": "The patient",
}


def letter_recipient(case: Case, to: str = "") -> CaseParty | None:
    """The person on `case` a letter is addressed to: `to` "complainant" (the representative
    where one speaks for the patient, else the complainant) or "patient". Left empty, the
    complainant's side, unless the patient has withdrawn the representative (R13), then the
    patient. A letter to a representative whose correspondence is held may be started, and
    is not sent until it is clarified (letters.dispatch)."""
    if to and to not in RECIPIENTS:
        raise InvalidCase("to", f"must be one of {', '.join(RECIPIENTS)}")
    parties = {p.role: p for p in case.parties.select_related("person")}
    speaking = parties.get(PartyRole.REPRESENTATIVE) or parties.get(PartyRole.COMPLAINANT)
    patient = parties.get(PartyRole.PATIENT)
    if not patient and speaking and speaking.relationship == Relationship.SELF:
        patient = speaking  # the complainant is the patient
    if to == "patient" or (not to and case.representative_on_hold and patient):
        if patient is None:
            raise InvalidCase(
                "to", f"{case.reference} has no patient recorded; add the patient first"
            )
        if patient.person.deceased:
            raise InvalidCase(
                "to", "the patient has died; address the letter to the complainant instead"
            )
        return patient
    return speaking


def share_consent_given(
    method: str, note: str, fields: tuple[str, str] = ("method", "note"), what: str = ""
) -> str:
    """The one check of consent to share with the provider (R12, R32): how it was given, or
    not_needed with a reason of ten characters or more (`what` names what is shared). Returns
    the note, stripped; `fields` name the method and note as the caller takes them."""
    if method not in ShareConsent.values:
        raise InvalidCase(fields[0], f"must be one of {', '.join(ShareConsent.values)}")
    note = note.strip()
    if method == ShareConsent.NOT_NEEDED and len(note) < 10:
        raise InvalidCase(
            fields[1],
            f"is too short; say why the complainant's consent to share{what} is not needed, "
            "for example that they wrote to the provider too",
        )
    return note


@atomic
def record_share_consent(
    case: Case, *, by, method: str, note: str = "", at: datetime | None = None
) -> Case:
    """R12, R32 (003 §3.7: "consent is sought from the complainant to pass their complaint
    to the provider"): the complainant agreed, at `at`, how; or it is not needed
    (`method` not_needed), with the reason in `note`. Forwarding needs this first."""
    case = lock(case)
    ensure_can(case, "record_share_consent", by)
    note = share_consent_given(method, note)
    at = when_on_case(case, at)
    return apply(
        case,
        "record_share_consent",
        by=by,
        event="share_consent_recorded",
        changes={"share_consent": method, "share_consent_at": at, "share_consent_note": note},
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
