"""Recording what arrives (PRODUCT.md section A): every kind of feedback, its channel and
exact time of receipt, the contact record, the urgent clinical need check, and the people."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from candour.audit.chain import record
from candour.cases import deadlines, status
from candour.cases.changes import apply
from candour.cases.models import (
    VERBAL_CHANNELS,
    Case,
    CaseParty,
    CaseSequence,
    Channel,
    ConsentState,
    Kind,
    Outcome,
    PartyRole,
    Relationship,
)
from candour.cases.people import InvalidPerson, PersonDetails, create_person
from candour.cases.workflow import CaseError, PermissionDenied, ensure_can, lock
from candour.config.transactions import atomic
from candour.organisations.access import can
from candour.organisations.models import Capability, Organisation


class InvalidCase(CaseError):
    """Input that cannot make a case. `field` names what to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def not_before(at: datetime, floor: datetime, field: str, what: str) -> datetime:
    """`at`, checked not to be before `floor` ("is before {what}"). People give times to the
    minute (the staff pages' date-and-time inputs, whose default is now), so a time in the
    very minute of `floor` means `floor`, not before it."""
    if at < floor:
        if at >= floor.replace(second=0, microsecond=0):
            return floor
        raise InvalidCase(field, f"is before {what}")
    return at


def when_on_case(
    case, at: datetime | None, field: str = "at", *, after: datetime | None = None, what: str = ""
) -> datetime:
    """When something happened on a case: the one rule for every action that takes a time,
    from the staff pages and the API alike. Now if not given; with a time zone; not in the
    future (five minutes' grace for a clock that runs fast); not before the case was
    received; and, when `after` is given, not before that either ("is before {what}")."""
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise InvalidCase(field, "needs a time zone")
    if at > now + timezone.timedelta(minutes=5):
        raise InvalidCase(field, "is in the future")
    at = not_before(at, case.received_at, field, "the case was received")
    return not_before(at, after, field, what) if after is not None else at


def stage_floor(case) -> dict:
    """`when_on_case`'s `after` for something that belongs to the case's current stage: not
    before a later stage started (R29). Stage 1 starts on receipt, which is checked anyway."""
    if case.stage > 1:
        return {"after": case.stage_started_at, "what": f"stage {case.stage} started"}
    return {}


@dataclass
class NewCase:
    """What intake knows about a piece of feedback (R1-R4, R8, R11)."""

    kind: str
    channel: str
    received_at: datetime
    description: str
    complainant: PersonDetails | None = None
    patient: PersonDetails | None = None
    relationship: str = Relationship.SELF
    relationship_detail: str = ""
    event_date: date | None = None
    # When the complainant learned of it, if later than it happened (reg 12(1)).
    learned_date: date | None = None
    desired_outcome: str = ""
    service: str = ""
    staff_involved: str = ""
    action_taken: str = ""
    call_handler: str = ""
    passed_on_to: str = ""
    passed_on_at: datetime | None = None
    urgent_clinical_need: bool = False
    urgent_clinical_note: str = ""
    anonymous: bool = False
    confidential: bool = False
    consent_state: str | None = None
    consent_note: str = ""
    issues: list[str] = field(default_factory=list)


# R12, 002 §9.8: an MP acts on the consent the constituent gave them.
NO_CONSENT_NEEDED_FROM = frozenset({Relationship.SELF, Relationship.MP})


def check_details(details: NewCase | Case, now: datetime) -> None:
    """The rules of a case's own details (R2, R3, R4): at intake, and when they are corrected
    later (cases.corrections), given the case with the corrections made."""
    if details.channel not in Channel.values:
        raise InvalidCase("channel", f"must be one of {', '.join(Channel.values)}")
    if timezone.is_naive(details.received_at):
        raise InvalidCase("received_at", "needs a time zone, for example 2026-03-02T09:15:00Z")
    if details.received_at > now + timezone.timedelta(minutes=5):
        raise InvalidCase("received_at", "is in the future; give the date and time it arrived")
    if not details.description.strip():
        raise InvalidCase("description", "is empty; say what the feedback is about")
    received = timezone.localdate(details.received_at)
    if details.event_date and details.event_date > received:
        raise InvalidCase("event_date", "is after the date of receipt")
    if details.learned_date:
        if details.learned_date > received:
            raise InvalidCase("learned_date", "is after the date of receipt")
        if details.event_date and details.learned_date < details.event_date:
            raise InvalidCase(
                "learned_date",
                "is before the date it happened; leave it empty if they knew at the time",
            )
    if details.urgent_clinical_need and not details.urgent_clinical_note.strip():
        raise InvalidCase(
            "urgent_clinical_note",
            "is empty; say what immediate medical need was found and what was done about it",
        )


def check_person(details: PersonDetails, today: date, where: str) -> PersonDetails:
    """A person's details checked as intake checks them (NHS number, date of birth,
    postcode), a refusal naming the field under `where` ("complainant.nhs_number")."""
    try:
        return details.validated(today, where)
    except InvalidPerson as error:
        raise InvalidCase(error.field, str(error).split(": ", 1)[1]) from None


def needs_summary(kind: str, channel: str) -> bool:
    """R5: a complaint made verbally needs a typed summary the complainant approves."""
    return kind == Kind.COMPLAINT and channel in VERBAL_CHANNELS


def needs_consent(kind: str, anonymous: bool, relationship: str) -> bool:
    """R12: consent is needed when someone other than the patient (or their MP) speaks for
    them; anonymous feedback and compliments need none."""
    return not anonymous and kind != Kind.COMPLIMENT and relationship not in NO_CONSENT_NEEDED_FROM


def _validate(org: Organisation, new: NewCase, now: datetime) -> None:
    if new.kind not in Kind.values:
        raise InvalidCase("kind", f"must be one of {', '.join(Kind.values)}")
    if new.relationship not in Relationship.values:
        raise InvalidCase("relationship", f"must be one of {', '.join(Relationship.values)}")
    check_details(new, now)
    if new.anonymous and new.complainant:
        raise InvalidCase("complainant", "must be empty for anonymous feedback")
    if not new.anonymous and new.complainant is None and new.kind != Kind.COMPLIMENT:
        raise InvalidCase(
            "complainant",
            "is missing; give the name and contact details, or mark the feedback anonymous",
        )
    if new.consent_state and new.consent_state not in ConsentState.values:
        raise InvalidCase("consent_state", f"must be one of {', '.join(ConsentState.values)}")
    today = timezone.localdate(now)
    if new.complainant:
        check_person(new.complainant, today, "complainant")
    if new.patient:
        check_person(new.patient, today, "patient")


def next_reference(organisation: Organisation, year: int) -> str:
    """`MMG-2026-00042`: unique under concurrency. The UPDATE takes the row's write lock
    (and SQLite's IMMEDIATE transaction the database's), so no two callers share a number."""
    for _ in range(3):
        updated = CaseSequence.objects.filter(organisation=organisation, year=year).update(
            last_number=F("last_number") + 1
        )
        if updated:
            break
        try:
            with transaction.atomic():
                CaseSequence.objects.create(organisation=organisation, year=year, last_number=1)
            break
        except IntegrityError:
            continue  # another caller created it first; take the next number from it
    number = CaseSequence.objects.get(organisation=organisation, year=year).last_number
    return f"{organisation.code}-{year}-{number:05d}"


@atomic
def record_case(organisation: Organisation, new: NewCase, *, by) -> Case:
    """Record a concern, complaint, compliment or other feedback as it arrived.

    Writes case_recorded (and urgent_clinical_need_raised when R4 applies). The consent state
    follows who is complaining: the patient, an MP, or anonymous feedback need none (R12).
    A verbal complaint needs a typed summary the complainant approves (R5). A complaint made
    after the policy's time limit is marked out of time and waits for a decision (R7).
    """
    if not can(by, Capability.HANDLE_CASES, organisation.pk):
        raise PermissionDenied(f"You cannot record cases for {organisation.name}.")
    return _record(organisation, new, by=by)


def _record(organisation: Organisation, new: NewCase, *, by, **audit_details) -> Case:
    """record_case's work, once the caller has decided who may record (a staff member with
    HANDLE_CASES, or the public form with no user at all)."""
    now = timezone.now()
    _validate(organisation, new, now)
    policy = organisation.policy
    received_local = timezone.localtime(new.received_at)
    reference = next_reference(organisation, received_local.year)

    consent = new.consent_state
    if consent is None:
        needs = needs_consent(new.kind, new.anonymous, new.relationship)
        consent = ConsentState.NEEDED if needs else ConsentState.NOT_NEEDED
    case = Case(
        organisation=organisation,
        reference=reference,
        kind=new.kind,
        channel=new.channel,
        received_at=new.received_at,
        recorded_at=now,
        recorded_by=by,
        event_date=new.event_date,
        learned_date=new.learned_date,
        description=new.description.strip(),
        desired_outcome=new.desired_outcome,
        service=new.service,
        staff_involved=new.staff_involved,
        action_taken=new.action_taken,
        call_handler=new.call_handler,
        passed_on_to=new.passed_on_to,
        passed_on_at=new.passed_on_at,
        urgent_clinical_need=new.urgent_clinical_need,
        urgent_clinical_note=new.urgent_clinical_note,
        anonymous=new.anonymous,
        confidential=new.confidential,
        stage_started_at=new.received_at,
        consent_state=consent,
        consent_received_at=new.received_at if consent == ConsentState.RECEIVED else None,
        consent_note=new.consent_note.strip(),
        summary_required=needs_summary(new.kind, new.channel),
    )
    calendar = organisation.working_calendar()
    case.out_of_time = deadlines.is_out_of_time(case, policy, calendar)
    deadlines.refresh(case, deadlines.compute(case, policy, calendar, now=now))
    case.save(force_insert=True)

    parties = []
    complainant = create_person(organisation, new.complainant) if new.complainant else None
    if complainant:
        role = PartyRole.COMPLAINANT
        parties.append(
            CaseParty(
                case=case,
                person=complainant,
                role=role,
                relationship=new.relationship,
                relationship_detail=new.relationship_detail,
            )
        )
    if new.patient:
        if new.relationship == Relationship.SELF:
            raise InvalidCase("patient", "give a patient only when the complainant is someone else")
        patient = create_person(organisation, new.patient)
        parties.append(CaseParty(case=case, person=patient, role=PartyRole.PATIENT))
        if complainant:
            parties.append(
                CaseParty(
                    case=case,
                    person=complainant,
                    role=PartyRole.REPRESENTATIVE,
                    relationship=new.relationship,
                    relationship_detail=new.relationship_detail,
                )
            )
    CaseParty.objects.bulk_create(parties)
    for number, text in enumerate((t for t in new.issues if t.strip()), start=1):
        case.issues.create(number=number, description=text.strip())

    record(
        "case_recorded",
        actor=by,
        case=case,
        at=now,
        reference=reference,
        kind=case.kind,
        channel=case.channel,
        received_at=case.received_at,
        consent_state=case.consent_state,
        out_of_time=case.out_of_time,
        issues=len(new.issues),
        **audit_details,
    )
    if case.urgent_clinical_need:
        # R4, 001 App A: the patient's immediate medical needs come first.
        record(
            "urgent_clinical_need_raised",
            actor=by,
            case=case,
            at=now,
            note=case.urgent_clinical_note,
        )
    return case


# Names a forwarded complaint's recording in its audit event (escalation.forward_to_provider).
FORWARDED = "forwarded_by_commissioner"


def record_forwarded(organisation: Organisation, new: NewCase, *, by, **audit_details) -> Case:
    """R32: record, at a provider in Candour, a complaint a commissioner forwarded to it, in
    the commissioner's transaction (escalation.forward_to_provider). `by` is the
    commissioner's member of staff, who holds no role at the provider: the forwarding, with
    the complainant's consent to share it, is what allows it; the audit event says so."""
    return _record(organisation, new, by=by, via=FORWARDED, **audit_details)


# The kinds of feedback a member of the public can send through the web form.
PUBLIC_KINDS = (Kind.COMPLAINT, Kind.CONCERN, Kind.COMPLIMENT, Kind.SUGGESTION)
# Names the public form in audit events, where a staff action names its user.
PUBLIC_FORM = "public_feedback_form"
# What only staff record at intake (R3, R4): the public form never sets them.
STAFF_ONLY = ("action_taken", "call_handler", "passed_on_to", "passed_on_at", "confidential")


@dataclass(frozen=True)
class PublicSubmission:
    case: Case
    status_secret: str  # shown once to the sender; only its hash is kept (cases.status)


@atomic
def record_public_submission(organisation: Organisation, new: NewCase) -> PublicSubmission:
    """Record feedback a member of the public sent through the web form, with no signed-in
    user: the audit events have no actor and name the public form instead.

    Only the kinds the form offers are accepted, the channel is always the web form, and the
    fields only staff fill in must be empty. Everything else is record_case's: consent from
    who is complaining, out-of-time complaints marked and kept for a decision (R7), never
    refused. A compliment is recorded and closed at once, as record_compliment does. Issues
    a status key so the sender can follow the case on the status page (cases.status).
    """
    if new.kind not in PUBLIC_KINDS:
        raise InvalidCase("kind", f"must be one of {', '.join(PUBLIC_KINDS)}")
    if new.channel != Channel.WEB_FORM:
        raise InvalidCase("channel", "must be web_form for the public form")
    if new.urgent_clinical_need:
        raise InvalidCase("urgent_clinical_need", "is for staff to record")
    for name in STAFF_ONLY:
        if getattr(new, name):
            raise InvalidCase(name, "is for staff to record")
    case = _record(organisation, new, by=None, via=PUBLIC_FORM)
    if case.kind == Kind.COMPLIMENT:
        case = lock(case)
        ensure_can(case, "close_record", None)
        case = apply(
            case,
            "close_record",
            by=None,
            event="compliment_recorded",
            changes={"closed_at": timezone.now(), "outcome": Outcome.RECORDED},
            via=PUBLIC_FORM,
        )
    secret = status.issue_status_key(case, by=None, via=PUBLIC_FORM)
    return PublicSubmission(case=case, status_secret=secret)


@atomic
def record_compliment(organisation: Organisation, new: NewCase, *, by) -> Case:
    """Record a compliment: it needs no response, so it is recorded and closed at once."""
    if new.kind != Kind.COMPLIMENT:
        raise InvalidCase("kind", "must be compliment")
    case = record_case(organisation, new, by=by)
    case = lock(case)
    ensure_can(case, "close_record", by)
    return apply(
        case,
        "close_record",
        by=by,
        event="compliment_recorded",
        changes={"closed_at": timezone.now(), "outcome": Outcome.RECORDED},
    )


@atomic
def resolve_informally(case: Case, *, by, resolution: str, at: datetime | None = None) -> Case:
    """R6: a concern resolved to the person's satisfaction, at `at`; no formal response is
    needed but it stays on record. Its informal resolution deadline is met or missed then."""
    case = lock(case)
    ensure_can(case, "resolve_informally", by)
    if not resolution.strip():
        raise InvalidCase("resolution", "is empty; say how the concern was resolved")
    # R28: resolving closes the concern, so promised actions must be done first. Imported
    # here: the actions module builds on this one (InvalidCase).
    from candour.cases.actions import ensure_no_outstanding_actions

    ensure_no_outstanding_actions(case)
    at = when_on_case(case, at)
    return apply(
        case,
        "resolve_informally",
        by=by,
        event="concern_resolved_informally",
        changes={
            "closed_at": at,
            "outcome": Outcome.RESOLVED_INFORMALLY,
            "outcome_summary": resolution.strip(),
        },
        at=at,
    )


@atomic
def convert_to_complaint(case: Case, *, by, reason: str) -> Case:
    """R6: a concern can become a formal complaint at any time. The acknowledgement clock
    runs from the original receipt."""
    case = lock(case)
    ensure_can(case, "convert_to_complaint", by)
    if not reason.strip():
        raise InvalidCase("reason", "is empty; say why the concern became a formal complaint")
    as_complaint = copy.copy(case)
    as_complaint.kind = Kind.COMPLAINT
    changes = {
        "kind": Kind.COMPLAINT,
        "summary_required": needs_summary(Kind.COMPLAINT, case.channel),
        "out_of_time": deadlines.is_out_of_time(
            as_complaint, case.organisation.policy, case.organisation.working_calendar()
        ),
    }
    return apply(
        case,
        "convert_to_complaint",
        by=by,
        event="concern_made_formal",
        changes=changes,
        reason=reason.strip(),
    )
