"""Reading and recording cases: /api/v1/cases."""

from __future__ import annotations

from ninja import Query, Router, Status

from candour.api import render
from candour.api.errors import NotFound
from candour.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    CaseDetail,
    CaseFilters,
    CasePage,
    DeadlineOut,
    NewCaseIn,
    Reference,
    TimelineEntry,
)
from candour.audit.models import AuditEvent
from candour.cases import listing
from candour.cases.access import get_case, open_case
from candour.cases.changes import happened_at, recorded_late
from candour.cases.intake import NewCase, record_case, record_compliment
from candour.cases.models import Kind
from candour.cases.people import PersonDetails
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Capability, Organisation

router = Router(tags=["cases"])

ACCESS_EVENTS = ("case_viewed",)


@router.get("", response={200: CasePage, **READ_ERRORS}, summary="List and search cases")
def list_cases(request, filters: Query[CaseFilters]):
    """Cases of your organisations and those below them, soonest response first.

    Pages are fetched with `cursor` (from `next_cursor`); `count=true` adds the total."""
    user = request.auth
    found = listing.page(user, **filters.model_dump())
    return {
        "items": [render.item(user, case) for case in found.cases],
        "next_cursor": found.next_cursor,
        "count": found.count,
    }


def organisation_to_record_in(user, code: str) -> Organisation:
    """An organisation the user cannot see is not found (404), as a case is; one they can
    see but may not record cases in is refused by record_case (403)."""
    visible = organisation_ids_for(user, Capability.VIEW_CASES) | organisation_ids_for(
        user, Capability.HANDLE_CASES
    )
    organisation = Organisation.objects.filter(code=code.upper(), pk__in=visible).first()
    if organisation is None:
        raise NotFound(f"There is no organisation {code} that you can see.")
    return organisation


def _person(data) -> PersonDetails | None:
    return PersonDetails(**data.model_dump()) if data is not None else None


@router.post("", response={201: CaseDetail, **WRITE_ERRORS}, summary="Record a case")
def create_case(request, payload: NewCaseIn):
    """Record a complaint, concern or other feedback as it arrived (a compliment is recorded
    and closed at once). An unknown organisation, or one you cannot see, is 404; one where
    your role does not allow recording cases is 403."""
    user = request.auth
    organisation = organisation_to_record_in(user, payload.organisation)
    fields = payload.model_dump(exclude={"organisation", "complainant", "patient"})
    new = NewCase(
        **fields, complainant=_person(payload.complainant), patient=_person(payload.patient)
    )
    record = record_compliment if new.kind == Kind.COMPLIMENT else record_case
    case = record(organisation, new, by=user)
    return Status(201, render.detail(user, case))


@router.get("/{reference}", response={200: CaseDetail, **READ_ERRORS}, summary="A case in full")
def case_detail(request, reference: Reference):
    """Everything about a case. Reading it is logged as an access event (R38)."""
    case = open_case(request.auth, reference)
    return render.detail(request.auth, case)


@router.get(
    "/{reference}/deadlines",
    response={200: list[DeadlineOut], **READ_ERRORS},
    summary="A case's deadlines",
)
def case_deadlines(request, reference: Reference):
    case = get_case(request.auth, reference)
    return render.deadlines_of(case)


@router.get(
    "/{reference}/timeline",
    response={200: list[TimelineEntry], **READ_ERRORS},
    summary="A case's history",
)
def case_timeline(request, reference: Reference, include_access: bool = False):
    """The case's audit events, oldest first. Reads of the case are left out unless
    `include_access=true`. Reading the timeline is itself logged."""
    case = open_case(request.auth, reference, purpose="timeline")
    events = AuditEvent.objects.filter(case=case).order_by("sequence")
    if not include_access:
        events = events.exclude(event__in=ACCESS_EVENTS)
    return [
        {
            "sequence": e.sequence,
            "at": e.at,
            "happened_at": happened_at(e),
            "recorded_late": recorded_late(e),
            "event": e.event,
            "actor": e.actor_label,
            "data": e.data,
        }
        for e in events
    ]
