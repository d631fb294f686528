"""Action plans and learning (R28, R35; seed 001 §15 and Appendix D, seed 003 §3.4, seed 004).

An action is a change promised or planned because of a case: it has an owner and a due date,
is completed with evidence, and is then checked to work by someone named. A promised action
that is still open, or done but not yet checked, keeps the case from closing (R28); closing
records what was done, which is what the complainant is told.

Lessons learned are recorded per case with themes. Themes are free text per organisation and
reused by name, so that learning can be followed across cases. The query functions at the end
give the lessons and actions across every case the user may see (through cases_for).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from candour.cases.access import cases_for, on_visible_cases
from candour.cases.changes import apply
from candour.cases.deadlines import shorten
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.models import (
    OUTSTANDING_ACTIONS,
    ActionStatus,
    Case,
    CaseAction,
    Lesson,
)
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed, ensure_can, lock
from candour.config.transactions import atomic
from candour.organisations.access import can
from candour.organisations.models import Capability, Theme

THEME_MAX = 80


def _text(value: str, field: str, what: str) -> str:
    if not value or not value.strip():
        raise InvalidCase(field, f"is empty; {what}")
    return value.strip()


def staff_member(user, case: Case, field: str):
    """A person with a role at the case's organisation (or above it); the same message
    whether the user is unknown or belongs elsewhere, so names elsewhere cannot be probed."""
    if user is None or not can(user, Capability.VIEW_CASES, case.organisation_id):
        raise InvalidCase(field, f"must be a person with a role at {case.organisation.name}")
    return user


def themes_named(case: Case, names) -> list[Theme]:
    """The organisation's themes by name, matched without regard to case and created when
    new: themes are free, and reused once they exist."""
    out: list[Theme] = []
    seen: set[str] = set()
    for raw in names or ():
        name = " ".join(str(raw).split())
        if not name or name.lower() in seen:
            continue
        if len(name) > THEME_MAX:
            raise InvalidCase("themes", f"'{name[:20]}…' is longer than {THEME_MAX} characters")
        seen.add(name.lower())
        mine = Theme.objects.filter(organisation_id=case.organisation_id)
        theme = mine.filter(name__iexact=name).first()
        if theme is None:
            try:
                with transaction.atomic():
                    theme = Theme.objects.create(organisation_id=case.organisation_id, name=name)
            except IntegrityError:
                # A colleague named the same new theme at the same moment: use theirs.
                theme = mine.get(name=name)
        out.append(theme)
    return out


def _action(case: Case, number: int) -> CaseAction:
    action = (
        CaseAction.objects.select_for_update(no_key=True).filter(case=case, number=number).first()
    )
    if action is None:
        raise InvalidCase("number", f"there is no action {number} on {case.reference}")
    return action


def _summary(action: CaseAction) -> dict:
    return {"number": action.number, "description": action.description}


@atomic
def add_action(
    case: Case,
    *,
    by,
    description: str,
    owner,
    due: date,
    promised: bool = True,
    themes=(),
) -> CaseAction:
    """R35: an action with an owner and a due date. A promised action (R28: a change the
    complainant has been told will be made) keeps the case open until it is done and
    checked."""
    case = lock(case)
    ensure_can(case, "add_action", by)
    description = _text(description, "description", "say what will be done")
    staff_member(owner, case, "owner")
    if due is None:
        raise InvalidCase("due", "is missing; give the date it is due")
    if due < timezone.localdate():
        raise InvalidCase("due", "is in the past")
    number = (case.actions.aggregate(n=Max("number"))["n"] or 0) + 1
    action = CaseAction.objects.create(
        case=case,
        number=number,
        description=description,
        owner=owner,
        due=due,
        promised=promised,
        created_at=timezone.now(),
        created_by=by,
    )
    chosen = themes_named(case, themes)
    action.themes.set(chosen)
    apply(
        case,
        "add_action",
        by=by,
        event="action_added",
        number=number,
        description=description,
        owner=owner.get_username(),
        due=due.isoformat(),
        promised=promised,
        themes=[t.name for t in chosen],
    )
    return action


@atomic
def complete_action(
    case: Case, *, by, number: int, evidence: str, at: datetime | None = None
) -> CaseAction:
    """The action is done, with the evidence that it was (a new protocol, training records).
    Its owner may record this, as may anyone who handles cases there."""
    case = lock(case)
    ensure_can(case, "complete_action", by)
    action = _action(case, number)
    if action.owner_id != by.pk and not can(by, Capability.HANDLE_CASES, case.organisation_id):
        raise PermissionDenied(
            f"Only the owner of action {number}, or someone who handles cases at "
            f"{case.organisation.name}, may record it as done."
        )
    if action.status != ActionStatus.OPEN:
        raise TransitionNotAllowed(
            f"{case.reference}: action {number} is {action.get_status_display().lower()}; "
            "only an open action can be completed."
        )
    evidence = _text(evidence, "evidence", "say what shows the action was done")
    action.status, action.evidence = ActionStatus.DONE, evidence
    at = when_on_case(case, at, after=action.created_at, what="the action was agreed")
    action.completed_at, action.completed_by = at, by
    action.save(update_fields=["status", "evidence", "completed_at", "completed_by"])
    apply(
        case,
        "complete_action",
        by=by,
        event="action_completed",
        at=at,
        number=number,
        evidence=evidence,
        late=timezone.localdate(action.completed_at) > action.due,
    )
    return action


@atomic
def verify_action(
    case: Case, *, by, number: int, check: str, at: datetime | None = None
) -> CaseAction:
    """R35: the change is checked to work (an audit, a re-test), by whom and when (`at`, not
    before the action was done)."""
    case = lock(case)
    ensure_can(case, "verify_action", by)
    action = _action(case, number)
    if action.status != ActionStatus.DONE:
        raise TransitionNotAllowed(
            f"{case.reference}: action {number} is {action.get_status_display().lower()}; "
            "record it as done, with its evidence, before checking that it works."
        )
    check = _text(check, "check", "say how the change was checked to work")
    at = when_on_case(case, at, after=action.completed_at, what="the action was done")
    action.status, action.verification = ActionStatus.VERIFIED, check
    action.verified_at, action.verified_by = at, by
    action.save(update_fields=["status", "verification", "verified_at", "verified_by"])
    apply(
        case,
        "verify_action",
        by=by,
        event="action_verified",
        at=at,
        number=number,
        check=check,
        completed_by=action.completed_by.get_username() if action.completed_by else None,
    )
    return action


@atomic
def cancel_action(case: Case, *, by, number: int, reason: str) -> CaseAction:
    """An action that will not be done (overtaken, or found unnecessary), with the reason;
    the reason is on the timeline and a promised action's reason goes to the complainant."""
    case = lock(case)
    ensure_can(case, "cancel_action", by)
    action = _action(case, number)
    if not action.outstanding:
        raise TransitionNotAllowed(
            f"{case.reference}: action {number} is {action.get_status_display().lower()} "
            "and cannot be cancelled."
        )
    reason = _text(reason, "reason", "say why the action will not be done")
    before = action.status
    action.status, action.cancelled_reason = ActionStatus.CANCELLED, reason
    action.save(update_fields=["status", "cancelled_reason"])
    apply(
        case,
        "cancel_action",
        by=by,
        event="action_cancelled",
        number=number,
        reason=reason,
        was=before,
        promised=action.promised,
    )
    return action


def outstanding_promised_actions(case: Case) -> list[CaseAction]:
    return list(case.actions.filter(promised=True, status__in=OUTSTANDING_ACTIONS))


def ensure_no_outstanding_actions(case: Case) -> None:
    """R28: a case with promised actions outstanding stays open. The refusal names them."""
    open_ = outstanding_promised_actions(case)
    if not open_:
        return
    parts = [
        f"action {a.number} ({shorten(a.description)}) is "
        + ("open" if a.status == ActionStatus.OPEN else "done but not yet checked to work")
        for a in open_
    ]
    raise TransitionNotAllowed(
        f"{case.reference} cannot be closed while promised actions are outstanding: "
        f"{'; '.join(parts)}. Complete each and check that it works, or cancel it with a "
        "reason, first."
    )


def completed_actions(case: Case) -> list[dict]:
    """What was done, as the closing event records it (R28: the complainant is told)."""
    return [
        {
            "number": a.number,
            "description": a.description,
            "evidence": a.evidence,
            "completed_at": a.completed_at.isoformat() if a.completed_at else None,
            "verified_by": a.verified_by.get_username() if a.verified_by else None,
            "verified_at": a.verified_at.isoformat() if a.verified_at else None,
        }
        for a in case.actions.filter(status=ActionStatus.VERIFIED).select_related("verified_by")
    ]


def cancelled_promises(case: Case) -> list[dict]:
    """Promised actions that will not be done, with the reasons the complainant is given."""
    return [
        {"number": a.number, "description": a.description, "reason": a.cancelled_reason}
        for a in case.actions.filter(status=ActionStatus.CANCELLED, promised=True)
    ]


@atomic
def record_lesson(case: Case, *, by, text: str, themes=(), at: datetime | None = None) -> Lesson:
    """R35: a lesson learned from the case, with its themes (free, reused by name), and when
    it was learned (`at`: the learning pages list lessons by it)."""
    case = lock(case)
    ensure_can(case, "record_lesson", by)
    text = _text(text, "text", "say what was learned")
    chosen = themes_named(case, themes)
    if not chosen:
        raise InvalidCase("themes", "is empty; give at least one theme, for example Communication")
    at = when_on_case(case, at)
    number = (case.lessons.aggregate(n=Max("number"))["n"] or 0) + 1
    lesson = Lesson.objects.create(
        case=case, number=number, text=text, recorded_at=at, recorded_by=by
    )
    lesson.themes.set(chosen)
    apply(
        case,
        "record_lesson",
        by=by,
        event="lesson_recorded",
        at=at,
        lesson=number,
        text=text,
        themes=[t.name for t in chosen],
    )
    return lesson


# --- across cases: the searchable list of lessons and actions (R35) -------------------------


def _filtered(
    qs: QuerySet,
    *,
    day_field: str,
    theme: str | None,
    service: str | None,
    since: date | None,
    until: date | None,
    q: str | None,
    text_field: str,
) -> QuerySet:
    if theme:
        qs = qs.filter(themes__name__iexact=theme.strip())
    if service:
        qs = qs.filter(case__service__iexact=service.strip())
    if since:
        qs = qs.filter(**{f"{day_field}__date__gte": since})
    if until:
        qs = qs.filter(**{f"{day_field}__date__lte": until})
    if q and q.strip():
        qs = qs.filter(Q(**{f"{text_field}__icontains": q.strip()}) | Q(case__reference=q.strip()))
    return qs.distinct()


def lessons_for(
    user,
    *,
    theme: str | None = None,
    service: str | None = None,
    since: date | None = None,
    until: date | None = None,
    q: str | None = None,
) -> QuerySet[Lesson]:
    """Lessons learned across every case the user may see, newest first; filter by theme
    (name, any case), the case's service, the date recorded and words in the lesson."""
    qs = Lesson.objects.filter(on_visible_cases(user))
    qs = _filtered(
        qs,
        day_field="recorded_at",
        theme=theme,
        service=service,
        since=since,
        until=until,
        q=q,
        text_field="text",
    )
    return (
        qs.select_related("case", "case__organisation", "recorded_by")
        .prefetch_related("themes")
        .order_by("-recorded_at", "-pk")
    )


def actions_for(
    user,
    *,
    theme: str | None = None,
    service: str | None = None,
    since: date | None = None,
    until: date | None = None,
    q: str | None = None,
    status: str | None = None,
    outstanding: bool | None = None,
) -> QuerySet[CaseAction]:
    """Actions across every case the user may see, by due date; filter by theme, service,
    the date agreed, words, status, or whether still outstanding."""
    qs = CaseAction.objects.filter(on_visible_cases(user))
    qs = _filtered(
        qs,
        day_field="created_at",
        theme=theme,
        service=service,
        since=since,
        until=until,
        q=q,
        text_field="description",
    )
    if status:
        if status not in ActionStatus.values:
            raise InvalidCase("status", f"must be one of {', '.join(ActionStatus.values)}")
        qs = qs.filter(status=status)
    if outstanding is not None:
        qs = (
            qs.filter(status__in=OUTSTANDING_ACTIONS)
            if outstanding
            else qs.exclude(status__in=OUTSTANDING_ACTIONS)
        )
    return (
        qs.select_related("case", "case__organisation", "owner", "completed_by", "verified_by")
        .prefetch_related("themes")
        .order_by("due", "pk")
    )


def learning_options(user) -> dict[str, list[str]]:
    """The themes and services to offer as filters of the list of lessons and actions: the
    themes of the user's organisations, and the services of the cases they may see that
    have a lesson or an action."""
    from candour.organisations.access import organisation_ids_for

    themes = (
        Theme.objects.filter(organisation_id__in=organisation_ids_for(user))
        .values_list("name", flat=True)
        .distinct()
    )
    services = set()
    for model in (Lesson, CaseAction):
        # From the lessons and actions to their cases, never the other way round: a user's
        # organisations may hold a million cases and a few hundred lessons.
        services.update(
            cases_for(user)
            .filter(pk__in=model.objects.order_by().values("case_id"))
            .exclude(service="")
            .order_by()
            .values_list("service", flat=True)
            .distinct()
        )
    return {
        "themes": sorted(set(themes), key=str.lower),
        "services": sorted(services, key=str.lower),
    }
