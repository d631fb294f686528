"""High service users (R34; seed 000 "High Service Users"): "Patients who are not complaining
about the service - but more about their health needs". A route of its own, per person, not
a complaint outcome: a plan with steps, each with its owner and due date.

Seed 000: "Step 1: Managing the patient clinically: Have a MDT with the patient addressing
the patient's queries and set a plan of communication with the patient. Consider: *A capacity
assessment *A referral to the MHT if the patient is not already under them. Step 2 agreed
communication method with the patient ... Step 3 Regional Support: If step 2 continues
...escalate to Regional management team [RM,RGM,RML] ... Step 4 National Support: If step 3
continues ...escalate to National team for advice and further guidance."

So: opening the plan schedules the MDT meeting; a capacity assessment and a mental health
referral are considered (done, or recorded as not needed with the reason); the communication
plan is agreed after the MDT meeting; regional support only once the communication plan is
agreed, owned by someone at an organisation above; national support only after regional
support, owned by someone at the national (top) organisation. Each change is one transaction
with its audit event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Max, QuerySet
from django.utils import timezone

from candour.cases.intake import InvalidCase, not_before, when_on_case
from candour.cases.models import Case, PartyRole, Person
from candour.cases.person_records import record_about
from candour.cases.restrictions import same_person
from candour.cases.route_models import (
    PlanStep,
    PlanStepKind,
    ServiceUserPlan,
    ServiceUserPlanStatus,
)
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed, lock
from candour.config.transactions import atomic
from candour.organisations.access import can, organisation_ids_for, people_with
from candour.organisations.models import Capability, Membership, Organisation

K = PlanStepKind
# "Consider: *A capacity assessment *A referral to the MHT if the patient is not already under
# them": these may be recorded as not needed, with the reason.
CONSIDERED = (K.CAPACITY_ASSESSMENT, K.MENTAL_HEALTH_REFERRAL)
# What each step needs finished before it (seed 000: "If step 2 continues", "If step 3
# continues").
NEEDS = {
    K.COMMUNICATION_PLAN: K.MDT_MEETING,
    K.REGIONAL_SUPPORT: K.COMMUNICATION_PLAN,
    K.NATIONAL_SUPPORT: K.REGIONAL_SUPPORT,
}


class PlanNotFound(LookupError):
    pass


def plans_for(user, capability: Capability = Capability.VIEW_CASES) -> QuerySet:
    return ServiceUserPlan.objects.filter(
        organisation_id__in=organisation_ids_for(user, capability)
    ).select_related("organisation", "person")


def get_plan(user, pk: int, capability: Capability = Capability.VIEW_CASES) -> ServiceUserPlan:
    found = plans_for(user, capability).filter(pk=pk).first()
    if found is None:
        raise PlanNotFound(f"There is no high service user plan {pk} that you can see.")
    return found


def steps_due(user, today: date | None = None, within: timedelta = timedelta(days=14)):
    """Unfinished steps of open plans due within `within` or past, soonest first."""
    today = today or timezone.localdate()
    return (
        PlanStep.objects.filter(
            plan__in=plans_for(user).filter(status=ServiceUserPlanStatus.OPEN),
            done_at__isnull=True,
            not_needed_reason="",
            due__lte=today + within,
        )
        .select_related("plan", "plan__organisation", "plan__person", "owner")
        .order_by("due", "pk")
    )


def _ensure_handler(organisation: Organisation, by) -> None:
    if not can(by, Capability.HANDLE_CASES, organisation.pk):
        raise PermissionDenied(
            f"You do not have a role at {organisation.name} that allows this "
            f"({Capability.HANDLE_CASES.label.lower()})."
        )


def _text(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidCase(field, f"is empty; {what}")
    return value


def _locked(plan: ServiceUserPlan) -> ServiceUserPlan:
    return (
        ServiceUserPlan.objects.select_for_update(of=("self",))
        .select_related("organisation", "person")
        .get(pk=plan.pk)
    )


def _ensure_open(plan: ServiceUserPlan) -> None:
    if plan.status != ServiceUserPlanStatus.OPEN:
        raise TransitionNotAllowed(f"{plan.reference} is closed; open a new plan if needed.")


def _when(plan, at: datetime | None, field: str = "at") -> datetime:
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise InvalidCase(field, "needs a time zone")
    if at > now + timedelta(minutes=5):
        raise InvalidCase(field, "is in the future")
    return not_before(at, plan.opened_at, field, "the plan was opened")


def _lineage(organisation: Organisation) -> list[int]:
    return [int(i) for i in organisation.path.strip("/").split("/") if i]


def _check_owner(plan: ServiceUserPlan, kind: str, owner) -> None:
    """The step's owner: someone with a role at the plan's organisation or above; for
    regional support someone at an organisation above it (000: "Regional management team
    [RM,RGM,RML]"), for national support someone at the top organisation ("National team")."""
    if owner is None or owner not in people_with(None, plan.organisation):
        raise InvalidCase(
            "owner", f"must be someone with a role at {plan.organisation.name} or above it"
        )
    lineage = _lineage(plan.organisation)
    if kind in (K.REGIONAL_SUPPORT, K.NATIONAL_SUPPORT):
        above = lineage[:-1] if kind == K.REGIONAL_SUPPORT else lineage[:1]
        if len(lineage) < 2:
            raise InvalidCase(
                "kind", f"{plan.organisation.name} has no organisation above it to escalate to"
            )
        if not Membership.objects.filter(user=owner, organisation_id__in=above).exists():
            where = "an organisation above" if kind == K.REGIONAL_SUPPORT else "the national"
            raise InvalidCase(
                "owner",
                f"must hold a role at {where} organisation ({K(kind).label.lower()} is theirs)",
            )


def _check_due(plan: ServiceUserPlan, due: date | None) -> date:
    if due is None:
        raise InvalidCase("due", "is empty; give the date the step is due")
    opened = timezone.localdate(plan.opened_at)
    if due < opened:
        raise InvalidCase("due", f"is before the plan was opened, {opened:%d %B %Y}")
    return due


def _add(plan, *, by, kind, owner, due, detail, now) -> PlanStep:
    number = (plan.steps.aggregate(n=Max("number"))["n"] or 0) + 1
    return PlanStep.objects.create(
        plan=plan,
        number=number,
        kind=kind,
        owner=owner,
        due=due,
        detail=detail,
        added_at=now,
        added_by=by,
    )


@atomic
def open_plan(
    case: Case,
    *,
    by,
    reason: str,
    mdt_owner,
    mdt_due: date | None,
    at: datetime | None = None,
) -> ServiceUserPlan:
    """Open a high service user plan for the patient of `case` (its complainant where the
    patient complains for themselves), with step 1, the MDT meeting, its owner and due date.
    Writes service_user_plan_opened on the case."""
    case = lock(case)
    _ensure_handler(case.organisation, by)
    reason = _text(reason, "reason", "say why the patient's contacts are about health needs")
    party = (
        case.parties.filter(role=PartyRole.PATIENT).select_related("person").first()
        or case.parties.filter(role=PartyRole.COMPLAINANT).select_related("person").first()
    )
    if party is None:
        raise InvalidCase("case", f"{case.reference} has no named patient or complainant")
    people = Person.objects.filter(same_person(party.person), organisation_id=case.organisation_id)
    existing = ServiceUserPlan.objects.filter(
        organisation_id=case.organisation_id, person__in=people, status=ServiceUserPlanStatus.OPEN
    ).first()
    if existing is not None:
        raise InvalidCase("case", f"{party.person.full_name} already has {existing.reference}")
    at = when_on_case(case, at)
    number = (
        ServiceUserPlan.objects.filter(organisation_id=case.organisation_id).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    plan = ServiceUserPlan.objects.create(
        organisation=case.organisation,
        number=number,
        person=party.person,
        reason=reason,
        opened_at=at,
        opened_by=by,
    )
    plan.cases.add(case)
    _check_owner(plan, K.MDT_MEETING, mdt_owner)
    due = _check_due(plan, mdt_due)
    step = _add(
        plan,
        by=by,
        kind=K.MDT_MEETING,
        owner=mdt_owner,
        due=due,
        detail="Address the patient's queries and set a plan of communication",
        now=timezone.now(),
    )
    record_about(
        "service_user_plan_opened",
        plan,
        by,
        case=case,
        at=at,
        reason=reason,
        step=step.number,
        owner=mdt_owner.get_username(),
        due=due,
    )
    return plan


@atomic
def add_step(
    plan: ServiceUserPlan, *, by, kind: str, owner, due: date | None, detail: str = ""
) -> PlanStep:
    """Add a step: a capacity assessment or mental health referral to consider, the
    communication plan, or an escalation to regional then national support (each only once the
    step before it is done, seed 000). Writes service_user_plan_step_added."""
    plan = _locked(plan)
    _ensure_handler(plan.organisation, by)
    _ensure_open(plan)
    if kind not in K.values:
        raise InvalidCase("kind", f"must be one of {', '.join(K.values)}")
    steps = list(plan.steps.all())
    if any(s.kind == kind and not s.finished for s in steps):
        raise InvalidCase("kind", f"{plan.reference} already has a {K(kind).label.lower()} to do")
    needed = NEEDS.get(kind)
    if needed and not any(s.kind == needed and s.done_at for s in steps):
        raise InvalidCase(
            "kind",
            f"{K(kind).label} comes after the {K(needed).label.lower()}, which is not done yet "
            "(each step follows the one before it)",
        )
    _check_owner(plan, kind, owner)
    due = _check_due(plan, due)
    step = _add(
        plan,
        by=by,
        kind=kind,
        owner=owner,
        due=due,
        detail=(detail or "").strip(),
        now=timezone.now(),
    )
    record_about(
        "service_user_plan_step_added",
        plan,
        by,
        step=step.number,
        kind=kind,
        owner=owner.get_username(),
        due=due,
        detail=step.detail,
    )
    return step


def _step(plan: ServiceUserPlan, number: int) -> PlanStep:
    step = plan.steps.filter(number=number).first()
    if step is None:
        raise InvalidCase("step", f"{plan.reference} has no step {number}")
    if step.finished:
        raise InvalidCase("step", f"step {number} of {plan.reference} is already finished")
    return step


@atomic
def complete_step(
    plan: ServiceUserPlan, *, by, step: int, outcome: str, at: datetime | None = None
) -> PlanStep:
    """Record a step as done, when, and what came of it (for the communication plan: "when,
    how and in what circumstance you will see the patient", seed 000 step 2). Writes
    service_user_plan_step_done."""
    plan = _locked(plan)
    _ensure_handler(plan.organisation, by)
    _ensure_open(plan)
    found = _step(plan, step)
    what = (
        "say when, how and in what circumstances staff will see the patient"
        if found.kind == K.COMMUNICATION_PLAN
        else "say what was done and what came of it"
    )
    outcome = _text(outcome, "outcome", what)
    at = _when(plan, at)
    found.done_at, found.outcome = at, outcome
    found.save(update_fields=["done_at", "outcome"])
    record_about(
        "service_user_plan_step_done",
        plan,
        by,
        at=at,
        step=found.number,
        kind=found.kind,
        outcome=outcome,
    )
    return found


@atomic
def not_needed(plan: ServiceUserPlan, *, by, step: int, reason: str) -> PlanStep:
    """A step seed 000 says to consider (a capacity assessment; a referral to the mental health
    team "if the patient is not already under them") is not needed, and why. Writes
    service_user_plan_step_not_needed."""
    plan = _locked(plan)
    _ensure_handler(plan.organisation, by)
    _ensure_open(plan)
    found = _step(plan, step)
    if found.kind not in CONSIDERED:
        raise InvalidCase(
            "step", f"a {found.get_kind_display().lower()} is part of the plan; record it done"
        )
    reason = _text(reason, "reason", "say why it is not needed, for example already under the MHT")
    found.not_needed_reason = reason
    found.save(update_fields=["not_needed_reason"])
    record_about(
        "service_user_plan_step_not_needed",
        plan,
        by,
        step=found.number,
        kind=found.kind,
        reason=reason,
    )
    return found


@atomic
def close_plan(
    plan: ServiceUserPlan, *, by, reason: str, at: datetime | None = None
) -> ServiceUserPlan:
    """Close the plan, with why. Writes service_user_plan_closed."""
    plan = _locked(plan)
    _ensure_handler(plan.organisation, by)
    _ensure_open(plan)
    reason = _text(reason, "reason", "say why the plan is no longer needed")
    at = _when(plan, at)
    plan.status, plan.closed_at, plan.closed_reason = ServiceUserPlanStatus.CLOSED, at, reason
    plan.save(update_fields=["status", "closed_at", "closed_reason"])
    record_about("service_user_plan_closed", plan, by, at=at, reason=reason)
    return plan
