"""The routes beside a complaint's own course (issue 17): thin endpoints over
candour.cases.restrictions (R33), .high_users (R34) and .redirections (R10).

- POST /api/v1/cases/{reference}/redirect-outside-procedure
- /api/v1/restrictions/...: the persistent, serial or vexatious contact procedure, per person
- /api/v1/service-user-plans/...: high service users' plans, per person

A procedure or plan is found through the user's organisations (one you cannot see is 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from ninja import Field, Router, Schema, Status

from candour.api import render
from candour.api.errors import NotFound
from candour.api.schemas import (
    MAX_NUMBER,
    READ_ERRORS,
    WRITE_ERRORS,
    CaseDetail,
    Day,
    Input,
    NumberInPath,
    Reference,
    When,
    performs,
    said,
)
from candour.cases import high_users, redirections, restrictions
from candour.cases.access import get_case, get_case_in_full
from candour.cases.models import ContactMethod
from candour.cases.route_models import PlanStepKind

router = Router(tags=["restrictions and plans"])
cases_router = Router(tags=["restrictions and plans"])


def _user(username: str):
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _name(user) -> str | None:
    return (user.get_full_name() or user.get_username()) if user else None


# --- matters outside the procedure (R10) ---------------------------------------------------


class RedirectIn(Input):
    category: str = Field(max_length=40, description="A key of the policy's outside_procedure.")
    reason: str = said(description="Why it is outside the complaints procedure.")
    where_to: str = Field(
        "", max_length=200, description="Where it went; the policy's place if left out."
    )
    at: When = None


@cases_router.post(
    "/{reference}/redirect-outside-procedure",
    response={200: CaseDetail, **WRITE_ERRORS},
    summary="Redirect a matter outside the complaints procedure",
    **performs("redirect_outside_procedure"),
)
def redirect(request, reference: Reference, payload: RedirectIn):
    """R10, seed 002 §13: redirected with its category, where to, the reason and when; the
    case closes as declined (excluded) and is counted in the reports."""
    redirections.redirect_outside_procedure(
        get_case(request.auth, reference), by=request.auth, **payload.model_dump()
    )
    return render.detail(request.auth, get_case_in_full(request.auth, reference))


# --- persistent contact procedure (R33) ----------------------------------------------------


class RestrictionEvidenceOut(Schema):
    number: int
    description: str
    dated: date
    case: str | None


class RestrictionOut(Schema):
    id: int
    reference: str
    organisation: str
    person: str
    status: str
    cases: list[str]
    grounds: str
    opened_at: datetime
    reviewed_at: datetime | None
    review_summary: str
    decided_at: datetime | None
    decided_by: str | None
    decided_as: str
    channels: list[str]
    single_point_of_contact: str | None
    review_due: date | None
    warned_at: datetime | None
    lifted_at: datetime | None
    lifted_reason: str
    evidence: list[RestrictionEvidenceOut]


def _restriction_out(r, user) -> dict:
    return {
        "id": r.pk,
        "reference": r.reference,
        "organisation": r.organisation.name,
        "person": restrictions.person_name(user, r),
        "status": r.status,
        "cases": sorted(r.cases.values_list("reference", flat=True)),
        "grounds": r.grounds,
        "opened_at": r.opened_at,
        "reviewed_at": r.reviewed_at,
        "review_summary": r.review_summary,
        "decided_at": r.decided_at,
        "decided_by": _name(r.decided_by),
        "decided_as": r.decided_as,
        "channels": r.channels,
        "single_point_of_contact": _name(r.single_point_of_contact),
        "review_due": r.review_due,
        "warned_at": r.warned_at,
        "lifted_at": r.lifted_at,
        "lifted_reason": r.lifted_reason,
        "evidence": [
            {
                "number": e.number,
                "description": e.description,
                "dated": e.dated,
                "case": e.case.reference if e.case else None,
            }
            for e in r.evidence.select_related("case")
        ],
    }


RestrictionId = NumberInPath


@dataclass(frozen=True)
class _Route:
    """A record about a person: how it is found through the user's organisations (a
    LookupError when it cannot be seen) and how it is shown."""

    find: Callable[[object, int], object]
    out: Callable[[object, object], dict]


def _found(request, route: _Route, pk: int):
    try:
        return route.find(request.auth, pk)
    except LookupError as error:
        raise NotFound(str(error)) from None


def _step(request, route: _Route, pk: int, act: Callable, **arguments) -> dict:
    """Every step of a procedure or plan: the record found through your organisations (one
    you cannot see is 404), the step's one domain function called on it (which checks the
    state, 409, your role, 403, and the input, 422), and the record returned as it now is."""
    act(_found(request, route, pk), by=request.auth, **arguments)
    return route.out(_found(request, route, pk), request.auth)


def _opened(request, route: _Route, found) -> Status:
    return Status(201, route.out(_found(request, route, found.pk), request.auth))


RESTRICTION = _Route(restrictions.get_restriction, _restriction_out)


class OpenRestrictionIn(Input):
    grounds: str = said(description="Why the procedure is being considered.")
    at: When = None


class LinkCaseIn(Input):
    case: str = Field(max_length=32, description="The reference of another case of the person.")


class RestrictionEvidenceIn(Input):
    description: str = said()
    dated: Day = Field(description="The date of the letter, call or event it documents.")
    case: str = Field("", max_length=32, description="One of the procedure's cases, if any.")


class SummaryIn(Input):
    summary: str = said(description="What the review found and recommends.")
    at: When = None


class RestrictionApproveIn(Input):
    channels: list[ContactMethod] = Field(
        min_length=1, max_length=8, description="The ways the person may still contact us."
    )
    single_point_of_contact: str = Field(
        "", max_length=150, description="The username of the one member of staff they contact."
    )
    review_due: Day | None = Field(None, description="The policy's review period if left out.")
    note: str = ""
    at: When = None


class DeclineIn(Input):
    reason: str = said()
    at: When = None


class WarningIn(Input):
    letter: int | None = Field(
        None, ge=1, le=MAX_NUMBER, description="A sent vexatious warning letter's id."
    )
    note: str = Field("", description="How the letter went, without a letter id.")
    at: When = None


class KeepIn(Input):
    next_review: Day
    note: str = said()
    at: When = None


@router.get("/restrictions", response={200: list[RestrictionOut], **READ_ERRORS})
def list_restrictions(request, due_for_review: bool = False):
    """The persistent contact procedures of your organisations; with due_for_review, those in
    force whose review date is past or within four weeks."""
    rows = (
        restrictions.due_for_review(request.auth)
        if due_for_review
        else restrictions.restrictions_for(request.auth).order_by("-opened_at", "-pk")[:200]
    )
    return [_restriction_out(r, request.auth) for r in rows]


@router.get("/restrictions/{pk}", response={200: RestrictionOut, **READ_ERRORS})
def restriction(request, pk: RestrictionId):
    return RESTRICTION.out(_found(request, RESTRICTION, pk), request.auth)


@cases_router.post("/{reference}/restriction", response={201: RestrictionOut, **WRITE_ERRORS})
def open_restriction(request, reference: Reference, payload: OpenRestrictionIn):
    """Start the persistent, serial or vexatious contact procedure for the case's complainant
    (R33; seed 002 §13.7; seed 000 vexatious route)."""
    r = restrictions.open_procedure(
        get_case(request.auth, reference), by=request.auth, **payload.model_dump()
    )
    return _opened(request, RESTRICTION, r)


@router.post("/restrictions/{pk}/cases", response={200: RestrictionOut, **WRITE_ERRORS})
def link_case(request, pk: RestrictionId, payload: LinkCaseIn):
    def link(r, by):
        return restrictions.link_case(r, get_case(request.auth, payload.case), by=by)

    return _step(request, RESTRICTION, pk, link)


@router.post("/restrictions/{pk}/evidence", response={200: RestrictionOut, **WRITE_ERRORS})
def add_evidence(request, pk: RestrictionId, payload: RestrictionEvidenceIn):
    return _step(
        request,
        RESTRICTION,
        pk,
        restrictions.add_evidence,
        description=payload.description,
        dated=payload.dated,
        case_reference=payload.case,
    )


@router.post("/restrictions/{pk}/review", response={200: RestrictionOut, **WRITE_ERRORS})
def review(request, pk: RestrictionId, payload: SummaryIn):
    return _step(request, RESTRICTION, pk, restrictions.review, **payload.model_dump())


@router.post("/restrictions/{pk}/approve", response={200: RestrictionOut, **WRITE_ERRORS})
def approve(request, pk: RestrictionId, payload: RestrictionApproveIn):
    """The accountable officer's approval, with the restrictions and their review date."""
    spoc = None
    if payload.single_point_of_contact:
        spoc = _user(payload.single_point_of_contact)
        if spoc is None:
            from candour.cases.intake import InvalidCase

            raise InvalidCase("single_point_of_contact", "is not a member of staff here")
    return _step(
        request,
        RESTRICTION,
        pk,
        restrictions.approve,
        channels=list(payload.channels),
        single_point_of_contact=spoc,
        review_due=payload.review_due,
        note=payload.note,
        at=payload.at,
    )


@router.post("/restrictions/{pk}/not-approved", response={200: RestrictionOut, **WRITE_ERRORS})
def decline(request, pk: RestrictionId, payload: DeclineIn):
    return _step(request, RESTRICTION, pk, restrictions.decline, **payload.model_dump())


@router.post("/restrictions/{pk}/warning-sent", response={200: RestrictionOut, **WRITE_ERRORS})
def warning_sent(request, pk: RestrictionId, payload: WarningIn):
    return _step(
        request,
        RESTRICTION,
        pk,
        restrictions.record_warning,
        letter_id=payload.letter,
        note=payload.note,
        at=payload.at,
    )


@router.post("/restrictions/{pk}/keep", response={200: RestrictionOut, **WRITE_ERRORS})
def keep(request, pk: RestrictionId, payload: KeepIn):
    return _step(request, RESTRICTION, pk, restrictions.keep, **payload.model_dump())


@router.post("/restrictions/{pk}/lift", response={200: RestrictionOut, **WRITE_ERRORS})
def lift(request, pk: RestrictionId, payload: DeclineIn):
    return _step(request, RESTRICTION, pk, restrictions.lift, **payload.model_dump())


# --- high service users (R34) --------------------------------------------------------------


class PlanStepOut(Schema):
    number: int
    kind: str
    owner: str
    due: date
    detail: str
    done_at: datetime | None
    outcome: str
    not_needed_reason: str


class PlanOut(Schema):
    id: int
    reference: str
    organisation: str
    person: str
    status: str
    cases: list[str]
    reason: str
    opened_at: datetime
    closed_at: datetime | None
    steps: list[PlanStepOut]


def _plan_out(plan, user) -> dict:
    return {
        "id": plan.pk,
        "reference": plan.reference,
        "organisation": plan.organisation.name,
        "person": restrictions.person_name(user, plan),
        "status": plan.status,
        "cases": sorted(plan.cases.values_list("reference", flat=True)),
        "reason": plan.reason,
        "opened_at": plan.opened_at,
        "closed_at": plan.closed_at,
        "steps": [
            {
                "number": s.number,
                "kind": s.kind,
                "owner": s.owner.get_username(),
                "due": s.due,
                "detail": s.detail,
                "done_at": s.done_at,
                "outcome": s.outcome,
                "not_needed_reason": s.not_needed_reason,
            }
            for s in plan.steps.select_related("owner")
        ],
    }


PLAN = _Route(high_users.get_plan, _plan_out)


class OpenPlanIn(Input):
    reason: str = said(description="Why the patient's contacts are about health needs.")
    mdt_owner: str = Field(max_length=150, description="Who arranges the MDT meeting.")
    mdt_due: Day
    at: When = None


class StepIn(Input):
    kind: PlanStepKind
    owner: str = Field(max_length=150, description="The step's owner's username.")
    due: Day
    detail: str = ""


class StepDoneIn(Input):
    outcome: str = said()
    at: When = None


class NotNeededIn(Input):
    reason: str = said()


class ClosePlanIn(Input):
    reason: str = said()
    at: When = None


@router.get("/service-user-plans", response={200: list[PlanOut], **READ_ERRORS})
def list_plans(request):
    return [
        _plan_out(p, request.auth)
        for p in high_users.plans_for(request.auth).order_by("-opened_at")[:200]
    ]


@router.get("/service-user-plans/{pk}", response={200: PlanOut, **READ_ERRORS})
def plan(request, pk: NumberInPath):
    return PLAN.out(_found(request, PLAN, pk), request.auth)


@cases_router.post("/{reference}/service-user-plan", response={201: PlanOut, **WRITE_ERRORS})
def open_plan(request, reference: Reference, payload: OpenPlanIn):
    """Open a high service user plan for the case's patient (R34, seed 000), with the MDT
    meeting as its first step."""
    p = high_users.open_plan(
        get_case(request.auth, reference),
        by=request.auth,
        reason=payload.reason,
        mdt_owner=_user(payload.mdt_owner),
        mdt_due=payload.mdt_due,
        at=payload.at,
    )
    return _opened(request, PLAN, p)


@router.post("/service-user-plans/{pk}/steps", response={200: PlanOut, **WRITE_ERRORS})
def add_step(request, pk: NumberInPath, payload: StepIn):
    return _step(
        request,
        PLAN,
        pk,
        high_users.add_step,
        kind=payload.kind,
        owner=_user(payload.owner),
        due=payload.due,
        detail=payload.detail,
    )


@router.post(
    "/service-user-plans/{pk}/steps/{number}/done", response={200: PlanOut, **WRITE_ERRORS}
)
def step_done(request, pk: NumberInPath, number: NumberInPath, payload: StepDoneIn):
    return _step(request, PLAN, pk, high_users.complete_step, step=number, **payload.model_dump())


@router.post(
    "/service-user-plans/{pk}/steps/{number}/not-needed",
    response={200: PlanOut, **WRITE_ERRORS},
)
def step_not_needed(request, pk: NumberInPath, number: NumberInPath, payload: NotNeededIn):
    return _step(request, PLAN, pk, high_users.not_needed, step=number, reason=payload.reason)


@router.post("/service-user-plans/{pk}/close", response={200: PlanOut, **WRITE_ERRORS})
def close_plan(request, pk: NumberInPath, payload: ClosePlanIn):
    return _step(request, PLAN, pk, high_users.close_plan, **payload.model_dump())
