"""Sign-off chains (R26): a letter's journey from draft to signature and on to dispatch.

The chain is data in the organisation's policy (policy.SignOffChain); a letter keeps a copy
of the chain it started with. Each function here is one state change in one transaction
with its audit event. Who may act at a step is enforced: the user must hold one of the
step's roles at the case's organisation or at an organisation above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from candour.audit.chain import record
from candour.cases import responses
from candour.cases.consent import letter_recipient
from candour.cases.deadlines import DeadlineState, fmt, local, met_by, period_end
from candour.cases.intake import InvalidCase
from candour.cases.models import Case, CaseParty, StageResponse
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed, lock
from candour.config.transactions import atomic
from candour.letters import compose
from candour.letters.merge import fields_for
from candour.letters.models import (
    LETTER_KIND_LABELS,
    Letter,
    LetterAction,
    LetterStatus,
    LetterVersion,
    StepAction,
    StepVisit,
)
from candour.letters.templates import current_template, render_sections
from candour.organisations.access import can
from candour.organisations.models import Capability, Membership
from candour.organisations.policy import LetterKind, SignOffChain, SignOffStep


def chain_of(letter: Letter) -> SignOffChain:
    return SignOffChain.model_validate(letter.chain)


def _lineage(case: Case) -> list[int]:
    """The case's organisation and every organisation above it."""
    return [int(i) for i in case.organisation.path.strip("/").split("/") if i]


def roles_held(user, case: Case, roles: list[str]) -> set[str]:
    """Which of `roles` the user holds at the case's organisation or above it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    return set(
        Membership.objects.filter(
            user=user, organisation_id__in=_lineage(case), role__name__in=roles
        ).values_list("role__name", flat=True)
    )


def holders(case: Case, roles: list[str]) -> list[str]:
    """The people who may act at a step: holders of its roles at the organisation or above."""
    rows = (
        Membership.objects.filter(organisation_id__in=_lineage(case), role__name__in=roles)
        .select_related("user", "role")
        .order_by("role__name", "user__username")
    )
    return [f"{_name(m.user)} ({m.role.name})" for m in rows]


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _ensure_holder(letter: Letter, step: SignOffStep, by) -> set[str]:
    held = roles_held(by, letter.case, step.roles)
    if not held:
        raise PermissionDenied(
            f"Only the {' or the '.join(step.roles)} at {letter.case.organisation.name} or "
            f"above may act at the step '{step.label}'; you hold none of these roles there."
        )
    return held


def lock_letter(letter: Letter) -> Letter:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_letter() must be called inside a transaction")
    # The case first, then the letter: the order of workflow.lock (docs/adr/0016).
    case = lock(Case(pk=letter.case_id))
    letter = Letter.objects.select_for_update(no_key=True, of=("self",)).get(pk=letter.pk)
    letter.case = case
    return letter


def _current(letter: Letter, chain: SignOffChain) -> tuple[int, SignOffStep, StepVisit]:
    if not letter.step:
        state = LetterStatus(letter.status).label.lower()
        raise TransitionNotAllowed(
            f"This {LETTER_KIND_LABELS[LetterKind(letter.kind)].lower()} is {state}; it is at "
            "no step of its sign-off chain."
        )
    index = chain.index(letter.step)
    visit = letter.visits.filter(step=letter.step, left_at__isnull=True).latest("arrived_at")
    return index, chain.steps[index], visit


def _stage_receipt(letter: Letter) -> tuple[datetime, str]:
    """When the letter's stage began, and in words: the complaint's receipt for stage 1, the
    receipt of the request for the stage for a later one (the case's current stage, or a
    stage it has since left, as its kept response records it)."""
    case = letter.case
    what = "the complaint" if letter.stage == 1 else f"the stage {letter.stage} request"
    if letter.stage == case.stage:
        return responses.stage_start(case), what
    kept = StageResponse.objects.filter(case=case, stage=letter.stage).first()
    return (kept.started_at if kept else responses.stage_start(case)), what


def _response_due(letter: Letter) -> date | None:
    """The response date of the letter's stage: the case's own while it is at that stage."""
    case = letter.case
    if letter.stage == case.stage:
        return case.response_due
    kept = StageResponse.objects.filter(case=case, stage=letter.stage).first()
    return kept.response_due if kept else None


def _due(letter: Letter, chain: SignOffChain, step: SignOffStep, arrived_at: datetime):
    """The step's due date and its basis, on the organisation's working calendar."""
    if step.due_from == "response":
        due = _response_due(letter)
        if due is None:
            return None, f"the stage {letter.stage} response date, not set yet"
        return due, f"the stage {letter.stage} response date"
    if step.due is None:
        return None, ""
    case = letter.case
    if step.due_from == "arrival":
        start, what = arrived_at, "reaching this step"
    elif step.due_from == "receipt":
        start, received = _stage_receipt(letter)
        what = f"receipt of {received}"
    else:
        first = letter.visits.filter(step=step.due_from).order_by("arrived_at").first()
        start = first.arrived_at if first else arrived_at
        what = f"reaching '{chain.steps[chain.index(step.due_from)].label}'"
    due, _ = period_end(case.organisation.working_calendar(), start, step.due)
    return due, f"{step.due} from {what} ({fmt(local(start).date())})"


def _arrive(letter: Letter, chain: SignOffChain, index: int, now: datetime) -> StepVisit:
    step = chain.steps[index]
    letter.step, letter.step_since = step.key, now
    due, basis = _due(letter, chain, step, now)
    return StepVisit.objects.create(
        letter=letter, step=step.key, arrived_at=now, due=due, due_basis=basis
    )


def _approved_roles(visit: StepVisit) -> set[str]:
    """The roles that have approved during this stay at a joint step."""
    approved: set[str] = set()
    for roles in visit.actions.filter(action=StepAction.APPROVE).values_list("roles", flat=True):
        approved.update(roles)
    return approved


def _act(letter, visit, action, held, by, at, *, comment: str = "", to_step: str = ""):
    return LetterAction.objects.create(
        letter=letter,
        visit=visit,
        action=action,
        roles=sorted(held),
        comment=comment,
        to_step=to_step,
        at=at,
        by=by,
    )


def _leave(visit: StepVisit, how: str, now: datetime) -> None:
    visit.left_at, visit.left_how = now, how
    visit.save(update_fields=["left_at", "left_how"])


def _latest(letter: Letter) -> LetterVersion:
    return letter.versions.order_by("-number").first()


@atomic
def start_letter(
    case: Case,
    kind: str,
    *,
    by,
    recipient: CaseParty | None = None,
    to: str = "",
    staff_named=(),
) -> Letter:
    """Start a letter from the organisation's current template, at the first step of the
    chain its policy gives for this kind of letter at the case's stage, addressed to
    `recipient`, or to whom `to` chooses ("complainant" or "patient": R13,
    consent.letter_recipient)."""
    case = lock(case)
    if kind not in LetterKind.__members__.values():
        raise InvalidCase("kind", f"must be one of {', '.join(k.value for k in LetterKind)}")
    chain = case.organisation.policy.chain_for(kind, case.stage)
    if chain is None:
        raise TransitionNotAllowed(
            f"The policy of {case.organisation.name} has no sign-off chain for a "
            f"{LETTER_KIND_LABELS[LetterKind(kind)].lower()} at stage {case.stage}; add one to "
            "its sign_off section."
        )
    first = chain.steps[0]
    if not can(by, Capability.HANDLE_CASES, case.organisation_id) and not roles_held(
        by, case, first.roles
    ):
        raise PermissionDenied(
            f"You do not have a role at {case.organisation.name} that allows starting a letter "
            "(record and handle cases)."
        )
    problem = compose.start_problem(case, kind)
    if problem:
        raise TransitionNotAllowed(problem)
    if recipient is None:
        recipient = letter_recipient(case, to)
    elif recipient.case_id != case.pk:
        raise InvalidCase("recipient", "is not a person on this case")
    named = list(staff_named)
    for person in named:
        if not Membership.objects.filter(
            user=person, organisation__path__startswith=_root_path(case)
        ).exists():
            raise InvalidCase("staff_named", f"{_name(person)} is not on the staff here")
    template = current_template(case.organisation, kind)
    subject, sections = render_sections(template, fields_for(by, case, recipient))
    sections = compose.with_contributions(case, kind, sections)
    now = timezone.now()
    letter = Letter.objects.create(
        case=case,
        kind=kind,
        stage=case.stage,
        template=template,
        recipient=recipient,
        chain=chain.model_dump(mode="json"),
        created_at=now,
        created_by=by,
    )
    letter.case = case
    letter.staff_named.set(named)
    version = LetterVersion.objects.create(
        letter=letter,
        number=1,
        subject=subject,
        sections=sections,
        text_hash=compose.text_hash(subject, sections),
        created_at=now,
        created_by=by,
    )
    _arrive(letter, chain, 0, now)
    letter.save(update_fields=["step", "step_since"])
    record(
        "letter_started",
        actor=by,
        case=case,
        letter=letter.pk,
        kind=kind,
        template_version=template.version,
        chain=chain.name,
        step=first.key,
        version=version.number,
        text_hash=version.text_hash,
    )
    return letter


def start_after_late_decision(case: Case, *, by) -> Letter | None:
    """Declining a late complaint starts the letter that tells the complainant (reg 12; seed
    001 §9: "Where it is decided not to investigate, the complainant will have the
    opportunity to approach the Ombudsman"), filled with the decision and reasons recorded.
    None when such a letter is already on its way at this stage, or when the person who
    decided may not start letters (it is then offered on the case's letters page)."""
    kind = LetterKind.LATE_COMPLAINT_DECISION
    if case.letters.filter(kind=kind, stage=case.stage).exists():
        return None
    try:
        return start_letter(case, kind, by=by)
    except (PermissionDenied, TransitionNotAllowed):
        return None


def _root_path(case: Case) -> str:
    """Staff of the case's whole organisation tree may be named in a letter."""
    return "/" + case.organisation.path.strip("/").split("/")[0] + "/"


@atomic
def revise(letter: Letter, *, by, sections: list, subject: str | None = None) -> LetterVersion:
    """A new version of the text. At a drafting step, by one of its holders. After signing,
    by a holder of the drafting step: the signed version stays as it was, and the new
    version goes back to the drafting step to be signed again."""
    letter = lock_letter(letter)
    chain = chain_of(letter)
    if letter.status == LetterStatus.DISPATCHED:
        raise TransitionNotAllowed("This letter has been sent; start a new letter instead.")
    now = timezone.now()
    if letter.status == LetterStatus.IN_SIGN_OFF:
        _, step, visit = _current(letter, chain)
        if not step.edits:
            drafting = [s.label for s in chain.steps if s.edits]
            raise TransitionNotAllowed(
                f"The text cannot be changed at the step '{step.label}'; send it back to "
                f"'{drafting[0]}' to change it."
            )
        held = _ensure_holder(letter, step, by)
    else:
        step = chain.steps[chain.drafting_index]
        held = _ensure_holder(letter, step, by)
        visit = None
    latest = _latest(letter)
    names = [n for n, _ in latest.sections]
    clean = compose.clean_sections(letter.kind, sections, names)
    subject = (subject if subject is not None else latest.subject).strip()
    if not subject:
        raise InvalidCase("subject", "is empty; give the letter a subject line")
    if subject == latest.subject and clean == latest.sections:
        raise InvalidCase("sections", "nothing has changed")
    version = LetterVersion.objects.create(
        letter=letter,
        number=latest.number + 1,
        subject=subject,
        sections=clean,
        text_hash=compose.text_hash(subject, clean),
        created_at=now,
        created_by=by,
    )
    reopened = visit is None
    if reopened:
        # After signing: the signed version is kept; the new one must be signed afresh.
        open_visit = letter.visits.filter(left_at__isnull=True).first()
        if open_visit:
            _leave(open_visit, "revised", now)
        letter.status, letter.signed_version = LetterStatus.IN_SIGN_OFF, None
        visit = _arrive(letter, chain, chain.drafting_index, now)
        letter.save(update_fields=["status", "signed_version", "step", "step_since"])
    _act(letter, visit, StepAction.REVISE, held, by, now)
    record(
        "letter_revised",
        actor=by,
        case=letter.case,
        letter=letter.pk,
        version=version.number,
        text_hash=version.text_hash,
        step=letter.step,
        after_signing=reopened,
    )
    return version


@atomic
def comment(letter: Letter, *, by, text: str) -> LetterAction:
    """A comment at the current step, by one of its holders."""
    letter = lock_letter(letter)
    _, step, visit = _current(letter, chain_of(letter))
    held = _ensure_holder(letter, step, by)
    if not text.strip():
        raise InvalidCase("text", "is empty; write the comment")
    action = _act(letter, visit, StepAction.COMMENT, held, by, timezone.now(), comment=text.strip())
    record(
        "letter_commented",
        actor=by,
        case=letter.case,
        letter=letter.pk,
        step=step.key,
        comment=action.comment,
    )
    return action


def approval_problems(letter: Letter) -> list[str]:
    """What stops the current text from being approved (compose.problems), checked against
    the case's issues and findings as they are now."""
    version = _latest(letter)
    return compose.problems(
        letter.kind,
        letter.case,
        letter.case.organisation.policy,
        version.sections,
        stage=letter.stage,
    )


@atomic
def approve(letter: Letter, *, by, text: str = "") -> Letter:
    """Approve at the current step for the roles the user holds there. A joint step moves on
    when each of its roles has approved; the signing step freezes the text and records its
    hash; after the last step the letter is ready to send."""
    letter = lock_letter(letter)
    chain = chain_of(letter)
    index, step, visit = _current(letter, chain)
    held = _ensure_holder(letter, step, by)
    if chain.drafting_index <= index <= chain.signing_index:
        found = approval_problems(letter)
        if found:
            raise TransitionNotAllowed(
                f"The {LETTER_KIND_LABELS[LetterKind(letter.kind)].lower()} cannot be "
                f"approved yet. {' '.join(found)}"
            )
    now = timezone.now()
    _act(letter, visit, StepAction.APPROVE, held, by, now, comment=text.strip())
    details = {"letter": letter.pk, "step": step.key, "roles": sorted(held)}
    if text.strip():
        details["comment"] = text.strip()
    if step.joint:
        waiting = [r for r in step.roles if r not in _approved_roles(visit)]
        if waiting:
            record("letter_approved", actor=by, case=letter.case, waiting_for=waiting, **details)
            return letter
    _leave(visit, "approved", now)
    details["met"] = None if visit.due is None else met_by(visit.due, None, now)
    event = "letter_approved"
    if step.signs:
        version = _latest(letter)
        version.signed_at, version.signed_by = now, by
        version.save(update_fields=["signed_at", "signed_by"])
        letter.signed_version, letter.status = version, LetterStatus.SIGNED
        details.update(version=version.number, text_hash=version.text_hash)
        event = "letter_signed"
    if index + 1 < len(chain.steps):
        _arrive(letter, chain, index + 1, now)
        details["next_step"] = letter.step
    else:
        letter.step, letter.step_since, letter.status = "", now, LetterStatus.READY
        details["next_step"] = None
    letter.save(update_fields=["status", "signed_version", "step", "step_since"])
    record(event, actor=by, case=letter.case, **details)
    return letter


@atomic
def send_back(letter: Letter, *, by, to_step: str, reason: str) -> Letter:
    """Send the letter back to any earlier step, with the reason (seed 000 line 23: national
    comments go back to the Regional Governance Manager)."""
    letter = lock_letter(letter)
    chain = chain_of(letter)
    index, step, visit = _current(letter, chain)
    held = _ensure_holder(letter, step, by)
    if letter.status != LetterStatus.IN_SIGN_OFF:
        raise TransitionNotAllowed(
            "The letter is signed; to change it, revise it (a new version goes back to be "
            "drafted and signed again)."
        )
    earlier = [s.key for s in chain.steps[:index]]
    if to_step not in earlier:
        raise InvalidCase(
            "to_step",
            f"must be an earlier step: {', '.join(earlier)}"
            if earlier
            else "this is the first step; there is no earlier step to send it back to",
        )
    if not reason.strip():
        raise InvalidCase("reason", "is empty; say what needs to change")
    now = timezone.now()
    _act(
        letter, visit, StepAction.SEND_BACK, held, by, now, comment=reason.strip(), to_step=to_step
    )
    _leave(visit, "sent_back", now)
    _arrive(letter, chain, chain.index(to_step), now)
    letter.save(update_fields=["step", "step_since"])
    record(
        "letter_sent_back",
        actor=by,
        case=letter.case,
        letter=letter.pk,
        step=step.key,
        to_step=to_step,
        reason=reason.strip(),
        roles=sorted(held),
    )
    return letter


# --- where a letter is (the case page and the API) -----------------------------------------


@dataclass(frozen=True)
class StepState:
    key: str
    label: str
    roles: list[str]
    arrived_at: datetime
    due: date | None
    basis: str
    state: DeadlineState | None
    left_at: datetime | None = None
    left_how: str = ""


def _visit_state(visit: StepVisit, today: date) -> DeadlineState | None:
    if visit.due is None:
        return None
    if visit.left_at is not None:
        met = met_by(visit.due, None, visit.left_at)
        return DeadlineState.MET if met else DeadlineState.MISSED
    if today > visit.due:
        return DeadlineState.OVERDUE
    return DeadlineState.DUE_TODAY if today == visit.due else DeadlineState.PENDING


def history(letter: Letter, now: datetime | None = None) -> list[StepState]:
    """Every stay at every step, with its due date and whether it was met."""
    chain = chain_of(letter)
    today = local(now or timezone.now()).date()
    out = []
    for visit in letter.visits.all():
        step = chain.steps[chain.index(visit.step)]
        out.append(
            StepState(
                key=step.key,
                label=step.label,
                roles=step.roles,
                arrived_at=visit.arrived_at,
                due=visit.due,
                basis=visit.due_basis,
                state=_visit_state(visit, today),
                left_at=visit.left_at,
                left_how=visit.left_how,
            )
        )
    return out


@dataclass(frozen=True)
class PlannedStep:
    step: SignOffStep
    due_words: str
    due: date | None


def plan(letter: Letter) -> list[PlannedStep]:
    """Each step of the letter's chain with when it is due: in words, and as a date where it
    is known before the letter reaches the step (counted from the stage's receipt or from an
    earlier step already reached, or the stage's response date)."""
    chain = chain_of(letter)
    reached = set(letter.visits.values_list("step", flat=True))
    out = []
    for step in chain.steps:
        due = None
        if step.due_from in ("receipt", "response") or step.due_from in reached:
            due, _ = _due(letter, chain, step, timezone.now())
        out.append(PlannedStep(step, chain.due_words(step, letter.stage), due))
    return out


@dataclass(frozen=True)
class Where:
    status: str
    step: StepState | None
    held_by: list[str]
    waiting_for: list[str]
    days_there: int


def where(letter: Letter, now: datetime | None = None) -> Where:
    """Which step the letter is at, who holds it, since when and its step due date."""
    now = now or timezone.now()
    # The caller's object may predate the last step (each step function re-reads the row).
    letter.refresh_from_db(fields=["status", "step", "step_since", "signed_version"])
    if not letter.step:
        return Where(letter.status, None, [], [], 0)
    chain = chain_of(letter)
    step = chain.steps[chain.index(letter.step)]
    visit = letter.visits.filter(step=letter.step, left_at__isnull=True).latest("arrived_at")
    waiting = list(step.roles)
    if step.joint:
        waiting = [r for r in step.roles if r not in _approved_roles(visit)]
    state = StepState(
        key=step.key,
        label=step.label,
        roles=step.roles,
        arrived_at=visit.arrived_at,
        due=visit.due,
        basis=visit.due_basis,
        state=_visit_state(visit, local(now).date()),
    )
    return Where(
        status=letter.status,
        step=state,
        held_by=holders(letter.case, waiting),
        waiting_for=waiting,
        days_there=(local(now).date() - local(visit.arrived_at).date()).days,
    )
