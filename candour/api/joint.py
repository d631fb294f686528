"""Joint complaints (R31) in the API.

The lead, under /api/v1/cases/{reference}/joint: start the joint complaint (saying why the
case's organisation leads), add each contributing organisation's part, share it once the
complainant's consent to share is recorded, record its reply, record why the coordinated
response goes without it, change a part awaiting its reply, or withdraw one. Each calls the
domain function the case page's form calls (candour/cases/joint.py) and returns the joint
complaint as it now is.

A contributor, under /api/v1/parts: the parts shared with its organisations and due from
them, one part (what is asked, the issues it answers, its due date) and its reply. A part
that is not yours to see is 404, as a case is; a contributor reaches nothing else of the
case (candour.cases.access.parts_for).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from ninja import Router, Schema, Status
from pydantic import Field

from candour.api.errors import NotFound
from candour.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Day,
    Input,
    Number,
    NumberInPath,
    Reference,
    When,
    performs,
    said,
)
from candour.audit.chain import record
from candour.cases import joint
from candour.cases.access import get_case, get_part, sees_whole_case
from candour.cases.joint_models import LeadBasis, PartConsent

router = Router(tags=["joint complaints"])
parts_router = Router(tags=["joint complaints"])

# --- what it takes ----------------------------------------------------------------------------


class JointIn(Input):
    lead_basis: LeadBasis = Field(
        description="Why the case's organisation leads (seed 001 §8: the one with the most "
        "serious complaint or the largest number of issues would normally lead)."
    )
    lead_reason: str = said(description="Why it leads, in words.")
    at: When = None


class PartIn(Input):
    organisation: str | None = Field(
        None, max_length=12, description="The code of the contributor, if it is in Candour."
    )
    organisation_name: str = Field(
        "", max_length=200, description="The contributor's name, if it is outside Candour."
    )
    asked: str = said(description="What the contributor is asked to look into and answer.")
    issues: list[Number] = Field(
        default_factory=list, max_length=100, description="The numbers of the issues it answers."
    )
    due: Day = Field(description="When its reply is due; not before it is asked for.")
    at: When = None


class ShareIn(Input):
    consent: PartConsent = Field(
        description="given: the complainant consented to sharing it with this organisation "
        "(give consent_on); not_given: shared without consent (give consent_reason)."
    )
    consent_on: Day | None = Field(None, description="When the complainant consented.")
    consent_reason: str = Field("", description="Why it is shared without consent.")
    due: Day | None = Field(None, description="A new due date for the reply, if it changes.")
    at: When = None


class ReplyIn(Input):
    text: str = Field("", description="The reply; or give its reference.")
    reference: str = Field("", max_length=200, description="Its letter's or file's reference.")
    at: When = None


class WithoutReplyIn(Input):
    """A reason: why the response goes without the part's reply, or why it is withdrawn."""

    reason: str = said(description="Why the response goes without it, or it is withdrawn.")
    at: When = None


class PartChangeIn(Input):
    asked: str | None = Field(None, description="What it is now asked; left out, it stays.")
    organisation_name: str | None = Field(
        None,
        max_length=200,
        description="The contributor's name, for one outside Candour; left out, it stays.",
    )
    issues: list[Number] | None = Field(
        None, max_length=100, description="The numbers of the issues it answers, all of them."
    )
    due: Day | None = Field(None, description="When its reply is now due.")
    at: When = None


# --- what it gives ----------------------------------------------------------------------------


class PartOut(Schema):
    number: int
    contributor: str
    organisation: str | None = Field(description="Its code, if it is in Candour.")
    asked: str
    issues: list[int]
    due: date
    consent: str
    consent_on: date | None
    consent_reason: str
    shared_at: datetime | None
    reply_at: datetime | None
    reply_text: str
    reply_reference: str
    without_reply_reason: str
    without_reply_at: datetime | None
    withdrawn_at: datetime | None = Field(
        description="When it was withdrawn: the response no longer waits for it."
    )
    withdrawn_reason: str


class JointOut(Schema):
    reference: str
    lead: str = Field(description="The lead organisation's code: the case's own.")
    lead_name: str
    lead_basis: str
    lead_reason: str
    started_at: datetime
    parts: list[PartOut]
    response_waits: str | None = Field(
        description="Why the coordinated response cannot be sent yet, if a part is unanswered."
    )


class PartIssue(Schema):
    number: int
    description: str
    desired_outcome: str


class PartPatient(Schema):
    name: str
    date_of_birth: date | None
    nhs_number: str


class ContributorPartOut(Schema):
    reference: str
    number: int
    lead: str
    lead_code: str
    lead_contact: str
    contributor: str
    asked: str
    issues: list[PartIssue]
    due: date
    shared_at: datetime | None
    consent: str
    consent_on: date | None
    consent_reason: str
    complainant: str = Field(description="'Anonymous', or 'Confidential' when withheld.")
    patient: PartPatient | None
    reply_at: datetime | None
    reply_text: str
    reply_reference: str
    open: bool = Field(description="Whether it still takes a reply.")


# --- the lead ---------------------------------------------------------------------------------

DONE = {200: JointOut, **WRITE_ERRORS}


def _joint(request, reference: Reference) -> dict:
    case = get_case(request.auth, reference)
    if joint.joint_of(case) is None:
        raise NotFound(f"{case.reference} is not a joint complaint.")
    return joint.lead_view(case)


@router.get("/{reference}/joint", response={200: JointOut, **READ_ERRORS})
def joint_complaint(request, reference: Reference):
    """The joint complaint: its lead and why, each part and what the response waits for."""
    return _joint(request, reference)


@router.post(
    "/{reference}/joint", response={201: JointOut, **WRITE_ERRORS}, **performs("start_joint")
)
def start_joint(request, reference: Reference, payload: JointIn):
    """Make the case a joint complaint led by its organisation, saying why it leads. Grade 4
    ("more than one provider", seed 001 Appendix B) needs this first."""
    joint.start_joint(
        get_case(request.auth, reference),
        by=request.auth,
        lead_basis=payload.lead_basis,
        lead_reason=payload.lead_reason,
        at=payload.at,
    )
    return Status(201, _joint(request, reference))


@router.post(
    "/{reference}/joint/parts",
    response={201: JointOut, **WRITE_ERRORS},
    **performs("add_joint_part"),
)
def add_part(request, reference: Reference, payload: PartIn):
    """Ask another organisation for its part: one in Candour by its code (its staff then see
    the part, once shared) or one outside it by name; what is asked, its issues, its due
    date."""
    case = get_case(request.auth, reference)
    organisation = joint.contributor_by_code(payload.organisation) if payload.organisation else None
    joint.add_part(
        case,
        by=request.auth,
        organisation=organisation,
        organisation_name=payload.organisation_name,
        asked=payload.asked,
        issues=payload.issues,
        due=payload.due,
        at=payload.at,
    )
    return Status(201, _joint(request, reference))


def _on_part(request, reference: str, number: int, step, payload: Input) -> dict:
    """One of the lead's steps on a part (candour.cases.joint), given the payload's fields by
    their names, and the joint complaint as it now is."""
    step(get_case(request.auth, reference), by=request.auth, number=number, **dict(payload))
    return _joint(request, reference)


@router.post(
    "/{reference}/joint/parts/{number}/share", response=DONE, **performs("share_joint_part")
)
def share_part(request, reference: Reference, number: NumberInPath, payload: ShareIn):
    """Share a part with its contributor, with the complainant's consent (and its date) or a
    reason for sharing without it (seed 002 §10.5.1 III)."""
    return _on_part(request, reference, number, joint.share_part, payload)


@router.post(
    "/{reference}/joint/parts/{number}/reply", response=DONE, **performs("record_part_reply")
)
def record_reply(request, reference: Reference, number: NumberInPath, payload: ReplyIn):
    """Record a contributor's reply as the lead received it."""
    return _on_part(request, reference, number, joint.record_reply, payload)


@router.post(
    "/{reference}/joint/parts/{number}/without-reply",
    response=DONE,
    **performs("go_without_part"),
)
def go_without(request, reference: Reference, number: NumberInPath, payload: WithoutReplyIn):
    """Record why the coordinated response goes without this part's reply."""
    return _on_part(request, reference, number, joint.go_without, payload)


@router.patch("/{reference}/joint/parts/{number}", response=DONE, **performs("change_joint_part"))
def change_part(request, reference: Reference, number: NumberInPath, payload: PartChangeIn):
    """Change a part awaiting its reply: what is asked, its issues, its due date, or the name
    of a contributor outside Candour. What is left out stays."""
    return _on_part(request, reference, number, joint.change_part, payload)


@router.post(
    "/{reference}/joint/parts/{number}/withdraw",
    response=DONE,
    **performs("withdraw_joint_part"),
)
def withdraw_part(request, reference: Reference, number: NumberInPath, payload: WithoutReplyIn):
    """Withdraw a part without a reply, saying why: the coordinated response no longer waits
    for it, and its contributor no longer sees it."""
    return _on_part(request, reference, number, joint.withdraw_part, payload)


# --- the contributor ---------------------------------------------------------------------------


def _seen(request, part) -> dict:
    return joint.contributor_view(
        request.auth, part, whole_case=sees_whole_case(request.auth, part)
    )


@parts_router.get("", response={200: list[ContributorPartOut], **READ_ERRORS})
def parts_due(request):
    """The parts of open joint complaints shared with your organisations and awaiting their
    reply, soonest due first (at most 100)."""
    return [_seen(request, part) for part in joint.parts_due(request.auth)]


@parts_router.get("/{reference}/{number}", response={200: ContributorPartOut, **READ_ERRORS})
def part(request, reference: Reference, number: NumberInPath):
    """One part: what is asked, the issues it answers, its due date and its reply. Reading it
    is logged as an access to the case (R38)."""
    found = get_part(request.auth, reference, number)
    with transaction.atomic():
        record("case_viewed", actor=request.auth, case=found.case, purpose=f"part {number}")
    return _seen(request, found)


@parts_router.post(
    "/{reference}/{number}/reply",
    response={200: ContributorPartOut, **WRITE_ERRORS},
    **performs("record_part_reply"),
)
def reply(request, reference: Reference, number: NumberInPath, payload: ReplyIn):
    """Your organisation's reply to its part, and when it was sent to the lead."""
    found = get_part(request.auth, reference, number)
    joint.record_reply(
        found.case,
        by=request.auth,
        number=number,
        text=payload.text,
        reference=payload.reference,
        at=payload.at,
    )
    return _seen(request, get_part(request.auth, reference, number))
