"""Reading and recording cases: /api/v1/cases."""

from __future__ import annotations

from ninja import Field, Query, Router, Status

from candour.api import render
from candour.api.errors import NotFound
from candour.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    CaseDetail,
    CaseFilters,
    CasePage,
    DeadlineOut,
    DetailsIn,
    NewCaseIn,
    NewPersonIn,
    PersonCorrectionIn,
    Reference,
    TimelineEntry,
    performs,
)
from candour.audit.models import AuditEvent
from candour.cases import corrections, handling, listing, restrictions
from candour.cases.access import (
    event_data_as_seen,
    get_case,
    get_case_in_full,
    may_see_identity,
    open_case,
)
from candour.cases.changes import happened_at, recorded_late
from candour.cases.intake import InvalidCase, NewCase, record_case, record_compliment
from candour.cases.models import Kind, PartyRole
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed
from candour.config.transactions import atomic
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


class RecordedCaseOut(CaseDetail):
    warning: str = Field(
        description="What staff are to know as the case arrives, or empty: persistent contact "
        "restrictions in force for the person who complained (R33), named with their "
        "channels, single point of contact and review date, and whether it came by a channel "
        "outside them. The case is recorded all the same (the right to complain stands). The "
        "intake page shows the same words."
    )


@router.post("", response={201: RecordedCaseOut, **WRITE_ERRORS}, summary="Record a case")
def create_case(request, payload: NewCaseIn):
    """Record a complaint, concern or other feedback as it arrived (a compliment is recorded
    and closed at once). An unknown organisation, or one you cannot see, is 404; one where
    your role does not allow recording cases is 403. `warning` says when the person is under
    persistent contact restrictions."""
    user = request.auth
    organisation = organisation_to_record_in(user, payload.organisation)
    fields = payload.model_dump(exclude={"organisation", "complainant", "patient", "grade"})
    new = NewCase(
        **fields, complainant=_person(payload.complainant), patient=_person(payload.patient)
    )
    case = _record_and_grade(organisation, new, user, payload.grade)
    return Status(201, {**render.detail(user, case), "warning": restrictions.arrival_warning(case)})


@atomic
def _record_and_grade(organisation, new: NewCase, user, grade: int | None):
    """Record the case and, if a grade is given, grade it, in one transaction, as the intake
    page does: a refused grade leaves nothing recorded."""
    record = record_compliment if new.kind == Kind.COMPLIMENT else record_case
    case = record(organisation, new, by=user)
    if grade is None:
        return case
    try:
        return handling.grade_case(case, by=user, level=grade)
    except InvalidCase as error:
        raise InvalidCase("grade", str(error).removeprefix(f"{error.field}: ")) from None
    except TransitionNotAllowed as error:  # this kind is not graded; nothing is kept
        raise InvalidCase("grade", f"cannot be given: {error}") from None


@router.get("/{reference}", response={200: CaseDetail, **READ_ERRORS}, summary="A case in full")
def case_detail(request, reference: Reference):
    """Everything about a case. Reading it is logged as an access event (R38)."""
    case = open_case(request.auth, reference)
    return render.detail(request.auth, case)


def _afresh(request, reference: str) -> dict:
    """The case after a correction, read again (the correction is its audit record, so the
    read is not logged as an access)."""
    return render.detail(request.auth, get_case_in_full(request.auth, reference))


@router.patch(
    "/{reference}",
    response={200: CaseDetail, **WRITE_ERRORS},
    summary="Correct a case's details",
    **performs("correct_details"),
)
def correct_details(request, reference: Reference, payload: DetailsIn):
    """Correct what was recorded at intake, with a reason: only the fields sent change, each
    checked as intake checks it, the old and new values kept in the audit trail. The time of
    receipt moves every clock, so it is corrected only while the case awaits acknowledgement."""
    fields = payload.model_dump(exclude_unset=True)
    corrections.correct_details(get_case(request.auth, reference), by=request.auth, **fields)
    return _afresh(request, reference)


@router.patch(
    "/{reference}/people/{role}",
    response={200: CaseDetail, **WRITE_ERRORS},
    summary="Correct a person's details",
    **performs("correct_person"),
)
def correct_person(request, reference: Reference, role: PartyRole, payload: PersonCorrectionIn):
    """Correct the complainant's, patient's or representative's details, with a reason: only
    the fields sent change; the NHS number, date of birth and postcode are checked as at
    intake. A person may be on several cases: the correction changes them on each, and each
    case's audit trail records it."""
    fields = payload.model_dump(exclude_unset=True)
    corrections.correct_person(get_case(request.auth, reference), role, by=request.auth, **fields)
    return _afresh(request, reference)


@router.post(
    "/{reference}/people/{role}",
    response={201: CaseDetail, **WRITE_ERRORS},
    summary="Add the patient or a representative",
    **performs("correct_person"),
)
def add_person(request, reference: Reference, role: PartyRole, payload: NewPersonIn):
    """Add the patient, or a representative, not recorded at intake (R11), with a reason. A
    representative needs their relationship to the patient."""
    fields = payload.model_dump(exclude={"reason", "relationship", "relationship_detail"})
    corrections.add_person(
        get_case(request.auth, reference),
        role,
        by=request.auth,
        reason=payload.reason,
        details=PersonDetails(**fields),
        relationship=payload.relationship,
        relationship_detail=payload.relationship_detail,
    )
    return Status(201, _afresh(request, reference))


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
    identity_visible = may_see_identity(request.auth, case)
    return [
        {
            "sequence": e.sequence,
            "at": e.at,
            "happened_at": happened_at(e),
            "recorded_late": recorded_late(e),
            "event": e.event,
            "actor": e.actor_label,
            "data": event_data_as_seen(e.event, e.data, identity_visible=identity_visible),
        }
        for e in events
    ]
