"""Issues, findings and the outcome (R18, R21, R22)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Max
from django.utils import timezone

from candour.audit.chain import record
from candour.cases import deadlines, responses
from candour.cases.changes import apply
from candour.cases.intake import InvalidCase, stage_floor, when_on_case
from candour.cases.models import (
    FINDING_OUTCOMES,
    Case,
    Evidence,
    EvidenceKind,
    Finding,
    HandlingPlan,
    Issue,
    Outcome,
    Remedy,
    RemedyKind,
    StaffInvolved,
    StatementRequest,
    Status,
)
from candour.cases.workflow import TransitionNotAllowed, ensure_can, lock
from candour.config.transactions import atomic
from candour.organisations.policy import LetterKind, SignOffChain


@atomic
def add_issue(case: Case, *, by, description: str, desired_outcome: str = "") -> Issue:
    """R18: an issue to answer, tracked and answered separately."""
    case = lock(case)
    ensure_can(case, "add_issue", by)
    if not description.strip():
        raise InvalidCase("description", "is empty; state the issue the response must answer")
    number = (case.issues.aggregate(n=Max("number"))["n"] or 0) + 1
    issue = Issue.objects.create(
        case=case,
        number=number,
        stage=case.stage,
        description=description.strip(),
        desired_outcome=desired_outcome.strip(),
    )
    record(
        "issue_added",
        actor=by,
        case=case,
        issue=number,
        description=issue.description,
        stage=case.stage,
    )
    return issue


@atomic
def record_finding(
    case: Case,
    *,
    by,
    issue_number: int,
    finding: str,
    summary: str,
    at: datetime | None = None,
) -> Issue:
    """R22: the finding on one issue: upheld, partly upheld or not upheld, reached at `at`
    (not before its stage started). The last finding completes the investigation."""
    case = lock(case)
    ensure_can(case, "record_finding", by)
    if finding not in Finding.values:
        raise InvalidCase("finding", f"must be one of {', '.join(Finding.values)}")
    if not summary.strip():
        raise InvalidCase("summary", "is empty; give the reasons for the finding")
    issue = case.issues.filter(number=issue_number, stage=case.stage).first()
    if issue is None:
        raise InvalidCase("issue_number", f"there is no issue {issue_number} at this stage")
    at = when_on_case(case, at, **stage_floor(case))
    before = {"finding": issue.finding, "finding_summary": issue.finding_summary}
    issue.finding, issue.finding_summary, issue.found_at = finding, summary.strip(), at
    issue.save(update_fields=["finding", "finding_summary", "found_at"])
    record(
        "finding_recorded",
        actor=by,
        case=case,
        issue=issue_number,
        happened_at=at,
        before=before,
        after={"finding": finding, "finding_summary": issue.finding_summary},
    )
    return issue


def overall_outcome(findings: list[str]) -> str:
    """KO41 counting: upheld if every issue is upheld, not upheld if none is, else partly."""
    if all(f == Finding.UPHELD for f in findings):
        return Outcome.UPHELD
    if all(f == Finding.NOT_UPHELD for f in findings):
        return Outcome.NOT_UPHELD
    return Outcome.PARTLY_UPHELD


def final_response_chain(case: Case) -> SignOffChain | None:
    """The sign-off chain the policy puts the final response of the case's current stage
    through (R26), if any. Where there is one, the response is that signed letter: a formal
    complaint is answered when it is dispatched, not when the outcome is recorded."""
    return case.organisation.policy.chain_for(LetterKind.FINAL_RESPONSE, case.stage)


def awaiting_signed_response(case: Case) -> str:
    """What the case page says of a formal complaint whose outcome is recorded but whose
    signed final response has not been sent (R26): it is not answered yet. Empty otherwise."""
    if case.responded_at or case.outcome not in [o.value for o in FINDING_OUTCOMES]:
        return ""
    chain = final_response_chain(case)
    if chain is None or case.status not in (Status.OPEN, Status.PAUSED):
        return ""
    return (
        f"The outcome is recorded ({case.get_outcome_display().lower()}). The complaint is "
        f"answered when its final response, signed off by '{chain.name}', is sent: record "
        "its dispatch on the letter, and the time it was sent is the response's date."
    )


def _derived_outcome(case: Case, outcome: str | None) -> tuple[str, datetime]:
    """The overall outcome the findings at this stage make, and when the last was recorded;
    `outcome`, if given, must agree."""
    issues = list(case.issues.filter(stage=case.stage))
    if not issues:
        raise TransitionNotAllowed(
            f"{case.reference} has no issues at this stage; add the issues the response answers."
        )
    unanswered = [str(i.number) for i in issues if not i.finding]
    if unanswered:
        raise TransitionNotAllowed(
            f"{case.reference}: issue {', '.join(unanswered)} has no finding yet; record a "
            "finding for every issue before the outcome."
        )
    derived = overall_outcome([i.finding for i in issues])
    if outcome is not None and outcome not in [o.value for o in FINDING_OUTCOMES]:
        raise InvalidCase("outcome", "must be upheld, partly_upheld or not_upheld")
    if outcome is not None and outcome != derived:
        raise InvalidCase(
            "outcome", f"does not match the findings on the issues, which make it {derived}"
        )
    return derived, max(i.found_at for i in issues)


@atomic
def record_outcome(
    case: Case, *, by, summary: str, outcome: str | None = None, at: datetime | None = None
) -> Case:
    """R22: the overall outcome, when every issue at this stage has a finding.

    Where the policy has a sign-off chain for the final response (R26), this records the
    outcome and the conclusions only: the case is answered when its signed final response is
    dispatched (`send_response`, from letters.dispatch), and stays open until then. Where it
    has none, this is the response: `at` is when it was sent (now if not given; not before the
    last finding), and the response deadline is met or missed by it."""
    case = lock(case)
    ensure_can(case, "record_outcome", by)
    derived, last_found = _derived_outcome(case, outcome)
    if not summary.strip():
        raise InvalidCase("summary", "is empty; summarise the conclusions of the response")
    at = when_on_case(case, at, after=last_found, what="the last finding was recorded")
    changes = {"outcome": derived, "outcome_summary": summary.strip()}
    chain = final_response_chain(case)
    if chain is not None:
        return apply(
            case,
            "record_outcome",
            by=by,
            event="outcome_recorded",
            changes=changes,
            at=at,
            response=f"the final response signed off by '{chain.name}', when it is sent",
        )
    return _respond(case, by=by, at=at, event="outcome_recorded", changes=changes)


def _respond(case: Case, *, by, at: datetime, event: str, changes: dict, **details) -> Case:
    """The response that ends the case's current stage, sent at `at`: the case is answered,
    its response deadline met or missed by `at` (the deadline engine's verdict, stored), and
    the stage's response kept (cases/responses.py)."""
    changes = {**changes, "responded_at": at, "status": Status.RESPONDED}
    case = apply(case, "record_outcome", by=by, event=event, changes=changes, at=at, **details)
    responses.record_response(case)
    return case


def send_response(case: Case, *, by, at: datetime, summary: str, **details) -> Case:
    """R22, R26: the signed final response of the case's current stage was sent at `at`
    (letters.dispatch, in its transaction, with the case locked): that is the response, and
    `at` its date. The outcome is the one the findings make; its conclusions are those
    recorded with it, or `summary` if none were."""
    ensure_can(case, "record_outcome", by)
    derived, _ = _derived_outcome(case, None)
    if case.outcome != derived:
        # Not recorded yet (or a finding changed since): the findings make it.
        case = apply(
            case,
            "record_outcome",
            by=by,
            event="outcome_recorded",
            changes={"outcome": derived, "outcome_summary": case.outcome_summary or summary},
            at=at,
        )
    return _respond(case, by=by, at=at, event="response_sent", changes={}, **details)


# --- the handling plan (R18) and the investigation (R21) -------------------------------------

PLAN_TEXT = ("desired_outcomes", "legal_implications")
PLAN_TIMES = (
    "meeting_offered_at",
    "meeting_held_at",
    "advocacy_signposted_at",
    "mediation_signposted_at",
    "agreed_at",
)
INVESTIGATION_FLAGS = ("root_cause_analysis", "independent_clinical_review", "mediation_agreed")


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _plan(case: Case) -> HandlingPlan:
    plan, _ = HandlingPlan.objects.select_for_update(no_key=True).get_or_create(case=case)
    return plan


def _change_plan(case: Case, plan: HandlingPlan, changes: dict, allowed, *, by, event: str):
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidCase(unknown[0], f"is not something this changes; use {', '.join(allowed)}")
    values = {}
    for field, value in changes.items():
        if field in PLAN_TIMES:
            if value is not None:
                value = when_on_case(case, value, field)
        elif field in PLAN_TEXT:
            value = (value or "").strip()
        elif not isinstance(value, bool):
            raise InvalidCase(field, "must be true or false")
        values[field] = value
    offered = values.get("meeting_offered_at", plan.meeting_offered_at)
    held = values.get("meeting_held_at", plan.meeting_held_at)
    if held is not None and (offered is None or held < offered):
        raise InvalidCase("meeting_held_at", "needs a meeting offered before it")
    changed = {f: v for f, v in values.items() if getattr(plan, f) != v}
    if not changed:
        raise InvalidCase("body", "changes nothing; give the parts of the plan that change")
    before = {f: _plain(getattr(plan, f)) for f in changed}
    for field, value in changed.items():
        setattr(plan, field, value)
    plan.updated_at = timezone.now()
    plan.save()
    record(
        event,
        actor=by,
        case=case,
        before=before,
        after={f: _plain(v) for f, v in changed.items()},
    )
    return plan


@atomic
def update_handling_plan(case: Case, *, by, **changes) -> HandlingPlan:
    """R18: the plan agreed with the complainant: desired outcomes, a meeting offered and
    held, advocacy (NHS Complaints Advocacy, ICAS) and mediation signposted, legal
    implications, and when the complainant agreed it. Only the fields given change; each
    change is an event on the timeline with the old and new values."""
    case = lock(case)
    ensure_can(case, "update_handling_plan", by)
    plan = _plan(case)
    return _change_plan(
        case, plan, changes, PLAN_TEXT + PLAN_TIMES, by=by, event="handling_plan_changed"
    )


@atomic
def update_investigation(case: Case, *, by, **flags) -> HandlingPlan:
    """R21: whether the investigation needs a root-cause analysis, an independent clinical
    review, or mediation both parties agreed to."""
    case = lock(case)
    ensure_can(case, "update_investigation", by)
    plan = _plan(case)
    return _change_plan(
        case, plan, flags, INVESTIGATION_FLAGS, by=by, event="investigation_plan_changed"
    )


def _next(qs) -> int:
    return (qs.aggregate(n=Max("number"))["n"] or 0) + 1


@atomic
def add_staff_involved(case: Case, *, by, name: str, job_title: str = "") -> StaffInvolved:
    """R21: a member of staff involved in the complaint."""
    case = lock(case)
    ensure_can(case, "add_staff_involved", by)
    name = " ".join((name or "").split())
    if not name:
        raise InvalidCase("name", "is empty; name the member of staff")
    staff = StaffInvolved.objects.create(
        case=case, number=_next(case.staff), name=name[:200], job_title=job_title.strip()[:200]
    )
    record(
        "staff_involved_added",
        actor=by,
        case=case,
        staff=staff.number,
        name=staff.name,
        job_title=staff.job_title,
    )
    return staff


STAFF_STEPS = {
    "informed": "informed_at",
    "shown_complaint": "shown_complaint_at",
    "support_offered": "support_offered_at",
    "interviewed": "interviewed_at",
}


def _staff(case: Case, number: int) -> StaffInvolved:
    staff = (
        StaffInvolved.objects.select_for_update(no_key=True)
        .filter(case=case, number=number)
        .first()
    )
    if staff is None:
        raise InvalidCase("staff", f"there is no member of staff {number} on {case.reference}")
    return staff


def _ensure_prepared(case: Case, staff: StaffInvolved, before: datetime, doing: str) -> None:
    """R21: staff are told of the complaint and shown it before they are interviewed or
    asked for a statement."""
    missing = [
        label
        for label, at in (
            ("informed", staff.informed_at),
            ("shown the complaint", staff.shown_complaint_at),
        )
        if at is None or at > before
    ]
    if missing:
        raise TransitionNotAllowed(
            f"{case.reference}: {staff.name} has not been {' or '.join(missing)} yet; record "
            f"that first, before {doing}."
        )


@atomic
def record_staff_step(
    case: Case, *, by, staff: int, step: str, at: datetime | None = None, note: str = ""
) -> StaffInvolved:
    """R21: a member of staff was informed, shown the complaint, offered support (with what
    was offered) or interviewed, and when. An interview needs the first two before it."""
    case = lock(case)
    ensure_can(case, "record_staff_step", by)
    if step not in STAFF_STEPS:
        raise InvalidCase("step", f"must be one of {', '.join(STAFF_STEPS)}")
    member = _staff(case, staff)
    field = STAFF_STEPS[step]
    if getattr(member, field) is not None:
        raise TransitionNotAllowed(
            f"{case.reference}: {member.name} was already recorded as {step.replace('_', ' ')}."
        )
    at = when_on_case(case, at)
    if step == "interviewed":
        _ensure_prepared(case, member, at, "the interview")
    if step == "support_offered":
        member.support_note = note.strip()
    setattr(member, field, at)
    member.save(update_fields=[field, "support_note"])
    record(
        "staff_step_recorded",
        actor=by,
        case=case,
        staff=member.number,
        name=member.name,
        step=step,
        happened_at=at,
        note=note.strip(),
    )
    return member


def _statement_due(case: Case, start: datetime, due: date | None, what: str):
    policy = case.organisation.policy
    day = deadlines.local(start).date()
    if due is not None:
        if due < day:
            raise InvalidCase("due", f"is before the day of {what}, {deadlines.fmt(day)}")
        return due, f"due date set on {deadlines.fmt(day)}, {what}"
    if policy.statement_due is None:
        raise InvalidCase("due", "is missing; the policy sets no time for statements, so give one")
    end, _ = deadlines.period_end(case.organisation.working_calendar(), start, policy.statement_due)
    return end, f"{policy.statement_due} after {what} on {deadlines.fmt(day)}"


@atomic
def request_statement(
    case: Case, *, by, staff: int, due: date | None = None, at: datetime | None = None
) -> StatementRequest:
    """R21: ask a member of staff, already informed and shown the complaint, for a statement
    by a due date (the policy's statement time from the request, `at`, unless given)."""
    case = lock(case)
    ensure_can(case, "request_statement", by)
    member = _staff(case, staff)
    at = when_on_case(case, at)
    _ensure_prepared(case, member, at, "asking for a statement")
    day, basis = _statement_due(case, at, due, "the request")
    request = StatementRequest.objects.create(
        case=case,
        number=_next(case.statement_requests),
        staff=member,
        requested_at=at,
        first_due=day,
        due=day,
        basis=basis,
    )
    apply(
        case,
        "request_statement",
        by=by,
        event="statement_requested",
        at=at,
        number=request.number,
        staff=member.name,
        due=day.isoformat(),
        basis=basis,
    )
    return request


def _request(case: Case, number: int) -> StatementRequest:
    request = (
        StatementRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("staff")
        .filter(case=case, number=number)
        .first()
    )
    if request is None:
        raise InvalidCase("number", f"there is no statement request {number} on {case.reference}")
    if request.received_at is not None:
        raise TransitionNotAllowed(f"{case.reference}: statement {number} has been received.")
    return request


@atomic
def remind_statement(
    case: Case, *, by, number: int, due: date | None = None, at: datetime | None = None
) -> StatementRequest:
    """A reminder to a member of staff for an outstanding statement, sent at `at` (after the
    request and any reminder before it); the due date moves on by the policy's statement time
    from the reminder (or to the date given)."""
    case = lock(case)
    ensure_can(case, "remind_statement", by)
    request = _request(case, number)
    if request.reminded_at:
        at = when_on_case(case, at, after=request.reminded_at, what="the last reminder")
    else:
        at = when_on_case(case, at, after=request.requested_at, what="the statement was asked for")
    day, basis = _statement_due(case, at, due, f"reminder {request.reminders + 1}")
    previous = request.due
    request.due, request.basis = day, basis
    request.reminders, request.reminded_at = request.reminders + 1, at
    request.save(update_fields=["due", "basis", "reminders", "reminded_at"])
    apply(
        case,
        "remind_statement",
        by=by,
        event="statement_reminder_sent",
        at=at,
        number=number,
        staff=request.staff.name,
        previous_due=previous.isoformat(),
        due=day.isoformat(),
        basis=basis,
        reminder=request.reminders,
    )
    return request


@atomic
def receive_statement(
    case: Case, *, by, number: int, at: datetime | None = None
) -> StatementRequest:
    case = lock(case)
    ensure_can(case, "receive_statement", by)
    request = _request(case, number)
    at = when_on_case(case, at, after=request.requested_at, what="the statement was asked for")
    request.received_at = at
    request.save(update_fields=["received_at"])
    apply(
        case,
        "receive_statement",
        by=by,
        event="statement_received",
        at=at,
        number=number,
        staff=request.staff.name,
        late=not deadlines.met_by(request.first_due, None, at),
    )
    return request


@atomic
def record_evidence(
    case: Case, *, by, kind: str, description: str, at: datetime | None = None
) -> Evidence:
    """R21: records, policies or other evidence the investigation reviewed."""
    case = lock(case)
    ensure_can(case, "record_evidence", by)
    if kind not in EvidenceKind.values:
        raise InvalidCase("kind", f"must be one of {', '.join(EvidenceKind.values)}")
    if not description or not description.strip():
        raise InvalidCase("description", "is empty; say what was reviewed")
    at = when_on_case(case, at)
    item = Evidence.objects.create(
        case=case, kind=kind, description=description.strip(), reviewed_at=at, reviewed_by=by
    )
    record(
        "evidence_reviewed",
        actor=by,
        case=case,
        happened_at=at,
        kind=kind,
        description=item.description,
    )
    return item


@atomic
def offer_remedy(
    case: Case,
    *,
    by,
    kind: str,
    description: str,
    amount: Decimal | None = None,
    at: datetime | None = None,
) -> Remedy:
    """R21 (seed 001 Appendix C): a remedy offered, at `at`: put things right, or reimburse
    costs (with the amount)."""
    case = lock(case)
    ensure_can(case, "offer_remedy", by)
    if kind not in RemedyKind.values:
        raise InvalidCase("kind", f"must be one of {', '.join(RemedyKind.values)}")
    if not description or not description.strip():
        raise InvalidCase("description", "is empty; say what is offered")
    if amount is not None:
        try:
            amount = Decimal(str(amount).strip().lstrip("£"))
        except InvalidOperation:
            raise InvalidCase("amount", "must be a sum of money, for example 24.50") from None
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount >= 10**7:
            raise InvalidCase("amount", "must be a sum of money in pounds and pence, above 0")
    if kind == RemedyKind.REIMBURSE and amount is None:
        raise InvalidCase("amount", "is missing; give the sum to be reimbursed")
    at = when_on_case(case, at)
    remedy = Remedy.objects.create(
        case=case,
        kind=kind,
        description=description.strip(),
        amount=amount,
        offered_at=at,
        offered_by=by,
    )
    record(
        "remedy_offered",
        actor=by,
        case=case,
        happened_at=at,
        kind=kind,
        description=remedy.description,
        amount=str(amount) if amount is not None else None,
    )
    return remedy
