"""Handling a case from acknowledgement to closure (PRODUCT.md sections D, E and R29):
acknowledge, grade, assign, agree dates and extensions, keep the complainant informed,
pause and resume, withdraw, close and reopen."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from candour.cases import actions, deadlines, joint, responses
from candour.cases.changes import apply
from candour.cases.intake import InvalidCase, not_before, stage_floor, when_on_case
from candour.cases.models import (
    AckMethod,
    Case,
    LateDecision,
    Outcome,
    Pause,
    PauseReason,
    Status,
)
from candour.cases.workflow import (
    FORMAL_KINDS,
    TransitionNotAllowed,
    ensure_can,
    lock,
)
from candour.config.transactions import atomic
from candour.organisations.access import can
from candour.organisations.models import Capability


def _text(value: str, field: str, what: str) -> str:
    if not value or not value.strip():
        raise InvalidCase(field, f"is empty; {what}")
    return value.strip()


@atomic
def acknowledge_case(case: Case, *, by, method: str, at: datetime | None = None) -> Case:
    """Record that the complainant has been acknowledged (reg 13; R17). Late acknowledgement
    is allowed and marked late in the audit event."""
    case = lock(case)
    ensure_can(case, "acknowledge", by)
    if method not in AckMethod.values:
        raise InvalidCase("method", f"must be one of {', '.join(AckMethod.values)}")
    at = when_on_case(case, at)
    # An hours rule (004: 48 hours) is met or missed to the minute, not by the date: the
    # deadline engine's one rule says which.
    due = next((d for d in deadlines.for_case(case) if d.key == "acknowledge"), None)
    late = due is not None and due.due is not None and not deadlines.met_by(due.due, due.due_at, at)
    return apply(
        case,
        "acknowledge",
        by=by,
        event="case_acknowledged",
        changes={"acknowledged_at": at, "acknowledgement_method": method},
        at=at,
        late=late,
    )


@atomic
def grade_case(case: Case, *, by, level: int) -> Case:
    """R15: grade 1 minor to 4 complex, by the policy's grading matrix."""
    case = lock(case)
    ensure_can(case, "grade", by)
    policy = case.organisation.policy
    try:
        grade = policy.grade(int(level))
    except (KeyError, ValueError, TypeError):
        levels = ", ".join(str(g.level) for g in policy.grading)
        raise InvalidCase("level", f"must be one of {levels}") from None
    refused = joint.grade_refusal(case, grade.level)  # R31: grade 4 needs the lead named
    if refused:
        raise InvalidCase("level", refused)
    return apply(
        case,
        "grade",
        by=by,
        event="case_graded",
        changes={"grade": grade.level},
        grade_name=grade.name,
        suggested_owner=grade.default_owner_role,
    )


def _member(user, case: Case, capability: Capability, field: str):
    if user is None or not can(user, capability, case.organisation_id):
        raise InvalidCase(
            field,
            f"must be a person with a role at {case.organisation.name} that allows "
            f"'{capability.label.lower()}'",
        )
    return user


@atomic
def assign_handler(case: Case, *, by, handler) -> Case:
    case = lock(case)
    ensure_can(case, "assign_handler", by)
    _member(handler, case, Capability.HANDLE_CASES, "handler")
    return apply(
        case, "assign_handler", by=by, event="handler_assigned", changes={"handler": handler}
    )


@atomic
def assign_investigator(case: Case, *, by, investigator) -> Case:
    """R21: the investigating officer. Investigation cannot start without consent (R12)."""
    case = lock(case)
    ensure_can(case, "assign_investigator", by)
    _member(investigator, case, Capability.INVESTIGATE, "investigator")
    # The status stays as it is. It used to move a received case to open, which left the case
    # unacknowledged with no way to acknowledge it ("acknowledge" is allowed only from
    # received) and its acknowledgement deadline overdue for ever (reg 13, 002 §10.5.1 I).
    return apply(
        case,
        "assign_investigator",
        by=by,
        event="investigator_assigned",
        changes={"investigator": investigator},
    )


@atomic
def agree_response_date(case: Case, *, by, response_date: date, note: str = "") -> Case:
    """R18: the response date agreed with the complainant in the handling plan. It replaces the
    policy's target as the response deadline; it may not pass the policy's outer limit
    (6 months under reg 14) — that needs an extension."""
    case = lock(case)
    ensure_can(case, "agree_response_date", by)
    today = timezone.localdate()
    if response_date < today:
        raise InvalidCase("response_date", "is in the past")
    policy = case.organisation.policy
    if policy.response_limit:
        limit, _ = deadlines.period_end(
            case.organisation.working_calendar(), case.received_at, policy.response_limit
        )
        if response_date > limit:
            raise InvalidCase(
                "response_date",
                f"is after {deadlines.fmt(limit)}, {policy.response_limit} from receipt; "
                "agree an extension with the complainant instead",
            )
    return apply(
        case,
        "agree_response_date",
        by=by,
        event="response_date_agreed",
        changes={"agreed_response_date": response_date},
        note=note.strip(),
    )


@atomic
def agree_extension(case: Case, *, by, new_date: date, reason: str) -> Case:
    """R19: a delay is notified and a new date agreed with the complainant and recorded."""
    case = lock(case)
    ensure_can(case, "agree_extension", by)
    reason = _text(reason, "reason", "say why more time is needed and that it was agreed")
    current = case.agreed_response_date or case.response_due
    if new_date <= current:
        raise InvalidCase("new_date", f"must be after the current date, {deadlines.fmt(current)}")
    return apply(
        case,
        "agree_extension",
        by=by,
        event="extension_agreed",
        changes={"agreed_response_date": new_date, "extensions": case.extensions + 1},
        reason=reason,
        previous_due=current,
    )


@atomic
def decide_late_complaint(
    case: Case, *, by, decision: str, reason: str, at: datetime | None = None
) -> Case:
    """R7: a complaint made after the time limit is investigated only if there was good
    reason for the delay and a fair investigation is still possible (reg 12(2)). A declined
    complaint is closed, when the decision was made, and its decision letter is started
    (letters.signoff.start_after_late_decision), pointing to the escalation body."""
    case = lock(case)
    ensure_can(case, "decide_late_complaint", by)
    if decision not in LateDecision.values:
        raise InvalidCase("decision", f"must be one of {', '.join(LateDecision.values)}")
    reason = _text(reason, "reason", "record the reasons for the decision")
    at = when_on_case(case, at)
    changes = {"late_decision": decision, "late_decision_reason": reason}
    if decision == LateDecision.DECLINED:
        changes.update(
            status=Status.CLOSED,
            outcome=Outcome.DECLINED,
            closed_at=at,
            outcome_summary=f"Declined as out of time: {reason}",
        )
    case = apply(
        case,
        "decide_late_complaint",
        by=by,
        event="late_complaint_decided",
        changes=changes,
        at=at,
        escalation=case.organisation.policy.escalation.name,
    )
    if decision == LateDecision.DECLINED:
        # The decision letter, filled with the decision and reasons just recorded.
        from candour.letters.signoff import start_after_late_decision

        start_after_late_decision(case, by=by)
    return case


@atomic
def log_update(case: Case, *, by, method: str, note: str, at: datetime | None = None) -> Case:
    """R19: the complainant was updated on progress. An update recorded late, after a later
    one, does not move the last update back."""
    case = lock(case)
    ensure_can(case, "log_update", by)
    note = _text(note, "note", "say what the complainant was told")
    at = when_on_case(case, at)
    last = case.last_update_at
    return apply(
        case,
        "log_update",
        by=by,
        event="complainant_updated",
        changes={"last_update_at": at if last is None or at > last else last},
        at=at,
        method=method,
        note=note,
    )


@atomic
def record_holding_letter(
    case: Case, *, by, at: datetime, method: str, response_date: date | None
) -> Case:
    """R19, R20: a holding letter was sent at `at` (letters.dispatch). It is an update to the
    complainant, recorded as log_update records one; and when it names a response date after
    the six-month point it is also the six-month letter (deadlines.tells_of_delay_past_six_
    months), of which the first one sent counts."""
    expected = f"; the response is now expected by {deadlines.fmt(response_date)}"
    note = f"Holding letter sent{expected if response_date else ''}."
    case = log_update(case, by=by, method=method, note=note, at=at)
    if not deadlines.tells_of_delay_past_six_months(case, response_date):
        return case
    if case.six_month_letter_at is not None and case.six_month_letter_at <= at:
        return case
    return apply(
        case,
        "log_update",
        by=by,
        event="six_month_letter_sent",
        changes={"six_month_letter_at": at},
        at=at,
        response_date=response_date,
    )


@atomic
def identify_external_notification(
    case: Case, *, by, body: str, at: datetime | None = None
) -> Case:
    """R16: an issue needs an external body told (004: within 3 days of identifying it, so
    the clock runs from when it was identified, `at`)."""
    case = lock(case)
    ensure_can(case, "identify_external_notification", by)
    body = _text(body, "body", "name the body to notify, for example the CQC or the insurer")
    at = when_on_case(case, at)
    return apply(
        case,
        "identify_external_notification",
        by=by,
        event="external_notification_identified",
        changes={
            "external_notification_identified_at": at,
            "external_notification_body": body,
            "external_notified_at": None,
        },
        at=at,
    )


@atomic
def record_external_notification(case: Case, *, by, at: datetime | None = None) -> Case:
    case = lock(case)
    ensure_can(case, "record_external_notification", by)
    at = when_on_case(
        case,
        at,
        after=case.external_notification_identified_at,
        what="the notification was found to be needed",
    )
    return apply(
        case,
        "record_external_notification",
        by=by,
        event="external_body_notified",
        changes={"external_notified_at": at},
        at=at,
        body=case.external_notification_body,
    )


@atomic
def pause_case(case: Case, *, by, reason: str, detail: str, at: datetime | None = None) -> Case:
    """R23: police, legal or disciplinary processes pause the case from `at`; paused time
    does not count against its deadlines (002 §13.3, §13.4). A pause cannot start before the
    stage did, nor overlap the last one."""
    case = lock(case)
    ensure_can(case, "pause", by)
    if reason not in PauseReason.values:
        raise InvalidCase("reason", f"must be one of {', '.join(PauseReason.values)}")
    detail = _text(detail, "detail", "say what the case is waiting for")
    at = when_on_case(case, at, **stage_floor(case))
    last = case.pauses.exclude(ended_at=None).order_by("-ended_at").first()
    if last is not None:
        at = not_before(at, last.ended_at, "at", "the last pause ended")
    Pause.objects.create(case=case, reason=reason, detail=detail, started_at=at)
    return apply(
        case,
        "pause",
        by=by,
        event="case_paused",
        changes={"paused_at": at},
        at=at,
        reason=reason,
        detail=detail,
    )


@atomic
def resume_case(case: Case, *, by, note: str = "", at: datetime | None = None) -> Case:
    """The pause ends at `at`, not before it started."""
    case = lock(case)
    ensure_can(case, "resume", by)
    pause = case.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
    at = when_on_case(case, at, after=case.paused_at, what="the pause started")
    if pause is not None:
        pause.ended_at = at
        pause.save(update_fields=["ended_at"])
    return apply(
        case,
        "resume",
        by=by,
        event="case_resumed",
        changes={"paused_at": None},
        at=at,
        note=note.strip(),
        paused_since=case.paused_at,
    )


@atomic
def withdraw_case(
    case: Case, *, by, reason: str, continue_because: str = "", at: datetime | None = None
) -> Case:
    """R14: the complainant withdraws, at `at`. The organisation may carry on for learning,
    safeguarding or public interest (002 §9.9), with that reason recorded; the case then
    stays open. A paused case's pause ends then, so it cannot be before the pause began."""
    case = lock(case)
    continuing = bool(continue_because.strip())
    ensure_can(case, "continue_after_withdrawal" if continuing else "withdraw", by)
    reason = _text(reason, "reason", "record what the complainant said")
    at = when_on_case(case, at, **stage_floor(case))
    if continuing:
        return apply(
            case,
            "continue_after_withdrawal",
            by=by,
            event="case_withdrawn_but_continued",
            changes={"withdrawn_at": at, "continued_after_withdrawal": continue_because.strip()},
            at=at,
            reason=reason,
        )
    if case.status == Status.PAUSED:
        at = not_before(at, case.paused_at, "at", "the pause started")
        case.pauses.filter(ended_at__isnull=True).update(ended_at=at)
    return apply(
        case,
        "withdraw",
        by=by,
        event="case_withdrawn",
        changes={"withdrawn_at": at, "outcome": Outcome.WITHDRAWN, "paused_at": None},
        at=at,
        reason=reason,
    )


@atomic
def close_case(case: Case, *, by, note: str = "", at: datetime | None = None) -> Case:
    """Close a responded case, or a compliment, comment, suggestion or enquiry on record, at
    `at`: not before the response was sent."""
    case = lock(case)
    # Choose by kind, not status: a complaint that is still open must be refused because it
    # has not been answered, not because "only a comment can be closed".
    action = "close" if case.kind in FORMAL_KINDS else "close_record"
    ensure_can(case, action, by)
    # R28: promised actions outstanding keep the case open; closing records what was done,
    # which is what the complainant is told.
    actions.ensure_no_outstanding_actions(case)
    done = actions.completed_actions(case)
    at = when_on_case(case, at, after=case.responded_at, what="the response was sent")
    changes = {"closed_at": at}
    if action == "close_record":
        changes["outcome"] = Outcome.RECORDED
    extra = {"actions_completed": done} if done else {}
    dropped = actions.cancelled_promises(case)
    if dropped:
        extra["actions_cancelled"] = dropped
    return apply(
        case,
        action,
        by=by,
        event="case_closed",
        changes=changes,
        at=at,
        note=note.strip(),
        **extra,
    )


@atomic
def reopen_case(case: Case, *, by, reason: str, received_at: datetime | None = None) -> Case:
    """R29: a complainant dissatisfied with the response goes to the next stage of the same
    case. `received_at` is when their request for it was received (now if not given; not
    before the response it is about): the next stage's clocks run from it. The stage just
    ended keeps its response (cases/responses.py), which the reports go on counting."""
    case = lock(case)
    ensure_can(case, "reopen", by)
    reason = _text(reason, "reason", "say what the complainant is still unhappy about")
    stages = case.organisation.policy.stages
    if case.stage >= len(stages):
        raise TransitionNotAllowed(
            f"{case.reference} is at the last stage of the policy ({stages[-1]}); "
            "there is no further local stage."
        )
    ended = case.responded_at or case.closed_at
    what = f"the stage {case.stage} response" if case.responded_at else "the case was closed"
    at = when_on_case(case, received_at, "received_at", after=ended, what=what)
    responses.mark_reopened(case, at)
    return apply(
        case,
        "reopen",
        by=by,
        event="case_reopened",
        changes={
            "stage": case.stage + 1,
            "stage_started_at": at,
            "responded_at": None,
            "closed_at": None,
            "outcome": "",
            "outcome_summary": "",
            "agreed_response_date": None,
            "extensions": 0,
            "last_update_at": None,
        },
        at=at,
        reason=reason,
        stage_name=case.organisation.policy.stage_name(case.stage + 1),
    )
