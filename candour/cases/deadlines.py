"""The deadline engine: every deadline of a case from its policy, its organisation's working
calendar and its events. Pure computation in `compute`; `refresh` writes the sortable dates
back onto the case row and is called by every domain function that changes a date.

Each deadline carries its basis in words ("3 working days after receipt on Tue 23 Dec 2025")
and, once the thing is done, whether it was met.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from django.utils import timezone

from candour.calendars import WorkingCalendar, add_calendar_months
from candour.cases.models import (
    Case,
    ConsentState,
    Kind,
    OmbudsmanBody,
    OmbudsmanReferral,
    Status,
)
from candour.cases.workflow import FORMAL_KINDS, RESPONDING_KINDS
from candour.organisations.models import calendars_of
from candour.organisations.policy import ClockUnit, Period, Policy


class DeadlineState(StrEnum):
    WAITING = "waiting"  # the clock has not started (for example awaiting consent)
    PENDING = "pending"  # due in the future
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"  # done, but late


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    due: date | None
    basis: str
    state: DeadlineState
    due_at: datetime | None = None  # for rules counted in hours
    completed_at: datetime | None = None

    @property
    def met(self) -> bool | None:
        if self.state == DeadlineState.MET:
            return True
        if self.state == DeadlineState.MISSED:
            return False
        return None

    @property
    def open(self) -> bool:
        return self.state in (DeadlineState.PENDING, DeadlineState.DUE_TODAY, DeadlineState.OVERDUE)


# English day and month abbreviations, as strftime's %a and %b give them in the C locale
# (Python never changes LC_TIME unless asked; Candour does not), without strftime's cost.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt(day: date) -> str:
    """A date as deadlines show it: "Tue 23 Dec 2025"."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def local(dt: datetime) -> datetime:
    """`dt` in Candour's time zone (settings.TIME_ZONE, Europe/London), where deadlines are
    dates. The same as `timezone.localtime(dt)` (Candour never activates another zone), but
    without looking up the current zone in a thread-local on each of the ~17 calls a case's
    deadlines make: a third of `compute`'s time."""
    if dt.utcoffset() is None:
        raise ValueError("local() cannot be applied to a naive datetime")
    return dt.astimezone(timezone.get_default_timezone())


def period_end(
    calendar: WorkingCalendar, start: datetime, period: Period
) -> tuple[date, datetime | None]:
    """The due date of `period` counted from `start` (the day of `start` itself not counted,
    except for calendar months where the day of receipt is day 1)."""
    day = local(start).date()
    match period.unit:
        case ClockUnit.WORKING_DAYS:
            return calendar.add_working_days(day, period.amount), None
        case ClockUnit.CALENDAR_DAYS:
            return day + timedelta(days=period.amount), None
        case ClockUnit.CALENDAR_MONTHS:
            return add_calendar_months(day, period.amount), None
        case ClockUnit.HOURS:
            at = local(_plus_hours(start, period.amount))
            return at.date(), at
    raise ValueError(period.unit)


def _plus_hours(start: datetime, hours: int) -> datetime:
    """Elapsed hours, not wall-clock hours: adding to a Europe/London datetime across the
    clocks changing would otherwise give 47 or 49 real hours (004: "within 48 hours")."""
    return start.astimezone(UTC) + timedelta(hours=hours)


@dataclass(frozen=True)
class PauseSpan:
    start: datetime
    end: datetime | None


def shift_for_pauses(
    calendar: WorkingCalendar,
    due: date,
    due_at: datetime | None,
    period: Period,
    pauses: list[PauseSpan],
    clock_start: datetime,
    now: datetime,
) -> tuple[date, datetime | None, int]:
    """R23: paused time does not count. Each pause after the clock started moves the date on
    by the time it lasted, in the rule's own unit. Returns (due, due_at, paused units)."""
    paused_units = 0
    for span in pauses:
        end = span.end or now
        start = max(span.start, clock_start)
        if end <= start:
            continue
        if period.unit == ClockUnit.HOURS:
            hours = int((end - start).total_seconds() // 3600)
            paused_units += hours
        elif period.unit == ClockUnit.WORKING_DAYS:
            paused_units += calendar.working_days_between(local(start).date(), local(end).date())
        else:
            paused_units += (local(end).date() - local(start).date()).days
    if not paused_units:
        return due, due_at, 0
    if period.unit == ClockUnit.HOURS:
        assert due_at is not None
        at = _plus_hours(due_at, paused_units)
        return local(at).date(), at, paused_units
    if period.unit == ClockUnit.WORKING_DAYS:
        return calendar.add_working_days(due, paused_units), None, paused_units
    return due + timedelta(days=paused_units), None, paused_units


def met_by(due: date, due_at: datetime | None, completed: datetime) -> bool:
    """The one rule of met or missed: a rule counted in hours is met to the minute (by
    `due_at`, 004: "within 48 hours"), any other by the local date it was done on. Every
    verdict Candour shows, stores (`refresh`) or counts in a report comes from here."""
    if due_at is not None:
        return completed <= due_at
    return local(completed).date() <= due


def _state(
    due: date, due_at: datetime | None, completed: datetime | None, today: date, now: datetime
) -> DeadlineState:
    if completed is not None:
        return DeadlineState.MET if met_by(due, due_at, completed) else DeadlineState.MISSED
    if due_at is not None:
        if now > due_at:
            return DeadlineState.OVERDUE
        return DeadlineState.DUE_TODAY if due == today else DeadlineState.PENDING
    if today > due:
        return DeadlineState.OVERDUE
    return DeadlineState.DUE_TODAY if today == due else DeadlineState.PENDING


def _due_text(due: date, due_at: datetime | None) -> str:
    return f"{due_at:%H:%M} on {fmt(due)}" if due_at else fmt(due)


@dataclass(frozen=True)
class ClockStart:
    at: datetime | None  # None: the clock is waiting
    basis: str


def response_clock_start(case: Case, policy: Policy) -> ClockStart:
    """002 §10.5.1 VI: the response clock starts on receipt, or later when the policy makes it
    wait for consent or for approval of the typed summary (R5, R12)."""
    start = case.stage_started_at if case.stage > 1 else case.received_at
    what = "the start of stage " + str(case.stage) if case.stage > 1 else "receipt"
    basis = f"{what} on {fmt(local(start).date())}"
    rule = policy.response_clock
    if rule.waits_for_consent and case.consent_state != ConsentState.NOT_NEEDED:
        if case.consent_state in (ConsentState.RECEIVED, ConsentState.OVERRIDDEN):
            if case.consent_received_at and case.consent_received_at > start:
                start = case.consent_received_at
                word = "received" if case.consent_state == ConsentState.RECEIVED else "overridden"
                basis = f"consent {word} on {fmt(local(start).date())}"
        else:
            return ClockStart(None, "waiting for consent; the clock starts when it arrives")
    if rule.waits_for_summary_approval and case.summary_required:
        if case.summary_approved_at is None:
            return ClockStart(
                None, "waiting for the complainant to approve the summary of their complaint"
            )
        if case.summary_approved_at > start:
            start = case.summary_approved_at
            basis = f"summary approved on {fmt(local(start).date())}"
    return ClockStart(start, basis)


def compute(
    case: Case,
    policy: Policy,
    calendar: WorkingCalendar,
    *,
    pauses: list[PauseSpan] = (),
    issues_completed_at: datetime | None = None,
    now: datetime | None = None,
) -> list[Deadline]:
    """All deadlines of a case, in the order a handler meets them."""
    now = now or timezone.now()
    today = local(now).date()
    out: list[Deadline] = []
    if case.kind not in RESPONDING_KINDS:
        return out
    finished = case.status in (Status.CLOSED, Status.WITHDRAWN) and not case.responded_at

    def add(key, label, due, due_at, basis, completed, paused=False):
        if completed is None and finished:
            return  # a case closed without it no longer owes it
        state = _state(due, due_at, completed, today, now)
        if paused and completed is None:
            state = DeadlineState.PAUSED
        out.append(Deadline(key, label, due, basis, state, due_at, completed))

    received_day = local(case.received_at).date()

    # Acknowledgement (R17; reg 13): from receipt.
    due, due_at = period_end(calendar, case.received_at, policy.acknowledgement)
    add(
        "acknowledge",
        "Acknowledge",
        due,
        due_at,
        f"{policy.acknowledgement} after receipt on {fmt(received_day)}",
        case.acknowledged_at,
    )

    if case.kind == Kind.CONCERN:
        # R6: resolved by the end of the next working day needs no formal response.
        due, due_at = period_end(calendar, case.received_at, policy.informal_resolution)
        done = case.closed_at if case.outcome == "resolved_informally" else None
        add(
            "informal_resolution",
            "Resolve informally",
            due,
            due_at,
            f"{policy.informal_resolution} after receipt on {fmt(received_day)}",
            done,
        )
        return out

    # Consent chase (R12).
    if (
        policy.consent_chase
        and case.consent_requested_at
        and case.consent_state
        in (
            ConsentState.REQUESTED,
            ConsentState.RECEIVED,
            ConsentState.REFUSED,
        )
    ):
        due, due_at = period_end(calendar, case.consent_requested_at, policy.consent_chase)
        done = case.consent_received_at if case.consent_state == ConsentState.RECEIVED else None
        if case.consent_state == ConsentState.REFUSED:
            done = case.consent_requested_at
        add(
            "consent_chase",
            "Chase consent",
            due,
            due_at,
            f"{policy.consent_chase} after consent was requested on "
            f"{fmt(local(case.consent_requested_at).date())}",
            done,
        )

    clock = response_clock_start(case, policy)
    spans = list(pauses)
    paused_now = case.status == Status.PAUSED
    responded = case.responded_at

    # Investigation (R21): from the start of the response clock.
    if policy.investigation and case.kind in FORMAL_KINDS:
        if clock.at is None:
            out.append(
                Deadline(
                    "investigation",
                    "Complete investigation",
                    None,
                    clock.basis,
                    DeadlineState.WAITING,
                )
            )
        else:
            due, due_at = period_end(calendar, clock.at, policy.investigation)
            due, due_at, paused = shift_for_pauses(
                calendar, due, due_at, policy.investigation, spans, clock.at, now
            )
            basis = f"{policy.investigation} after {clock.basis}"
            if paused:
                basis += f", plus {paused} paused"
            add(
                "investigation",
                "Complete investigation",
                due,
                due_at,
                basis,
                issues_completed_at or responded,
                paused_now,
            )

    # Response (R17, R19; reg 14): an agreed date wins over the policy's target.
    if clock.at is None and not case.agreed_response_date:
        out.append(Deadline("response", "Send response", None, clock.basis, DeadlineState.WAITING))
    elif case.agreed_response_date:
        basis = f"date agreed with the complainant ({fmt(case.agreed_response_date)})"
        if case.extensions:
            basis += f" after {case.extensions} extension{'s' if case.extensions > 1 else ''}"
        add(
            "response",
            "Send response",
            case.agreed_response_date,
            None,
            basis,
            responded,
            paused_now,
        )
    else:
        due, due_at = period_end(calendar, clock.at, policy.response)
        due, due_at, paused = shift_for_pauses(
            calendar, due, due_at, policy.response, spans, clock.at, now
        )
        basis = f"{policy.response} after {clock.basis}"
        if paused:
            basis += f", plus {paused} paused"
        add("response", "Send response", due, due_at, basis, responded, paused_now)

    # Keeping the complainant informed (R19): an update by a set time, repeating if the
    # policy says so, unless the response has gone.
    if policy.update_after and case.kind in FORMAL_KINDS:
        # A reopened case starts its clocks again (R29), this one included.
        anchor = case.stage_started_at if case.stage > 1 else case.received_at
        anchor_basis = (
            f"the start of stage {case.stage} on {fmt(local(anchor).date())}"
            if case.stage > 1
            else f"receipt on {fmt(received_day)}"
        )
        if policy.update_repeats and case.last_update_at:
            anchor = case.last_update_at
            anchor_basis = f"the last update on {fmt(local(anchor).date())}"
        due, due_at = period_end(calendar, anchor, policy.update_after)
        due, due_at, _ = shift_for_pauses(
            calendar, due, due_at, policy.update_after, spans, anchor, now
        )
        done = None
        if responded and (responded <= (due_at or _end_of(due))):
            done = responded
        elif not policy.update_repeats and case.last_update_at:
            done = case.last_update_at
        if done is not None or not responded:
            add(
                "update",
                "Update the complainant",
                due,
                due_at,
                f"{policy.update_after} after {anchor_basis}",
                done,
                paused_now,
            )

    # R20: cases open longer than six months are reviewed and the complainant told why.
    if policy.six_month_review and case.kind in FORMAL_KINDS:
        due, due_at = six_month_point(case, policy, calendar)
        if responded is None or local(responded).date() > due or today <= due:
            add(
                "six_month_review",
                "Six-month review",
                due,
                due_at,
                f"{policy.six_month_review} from receipt on {fmt(received_day)}",
                six_month_letter(case),
            )

    # External notification (R16; 004: within 3 days of identifying the issue).
    if policy.external_notification and case.external_notification_identified_at:
        start = case.external_notification_identified_at
        due, due_at = period_end(calendar, start, policy.external_notification)
        body = case.external_notification_body or "the external body"
        add(
            "external_notification",
            f"Notify {body}",
            due,
            due_at,
            f"{policy.external_notification} after it was identified on {fmt(local(start).date())}",
            case.external_notified_at,
        )
    return out


def six_month_point(
    case: Case, policy: Policy, calendar: WorkingCalendar
) -> tuple[date, datetime | None]:
    """R20: the day six months from receipt ("beginning on the day", reg 14), by which the
    complainant has the response or is told in writing why not."""
    return period_end(calendar, case.received_at, policy.six_month_review)


def tells_of_delay_past_six_months(case: Case, response_date: date | None) -> bool:
    """R20, reg 14(4): whether a holding letter naming `response_date` is the six-month
    letter: it tells the complainant that the response comes after the six-month point, why,
    and when (the longer period agreed, reg 14(1)). A letter naming an earlier date says
    nothing of six months; one naming a later date counts whenever it is sent, and is on
    time when sent by the six-month point. handling.record_holding_letter keeps the first."""
    policy = case.organisation.policy
    if not policy.six_month_review or response_date is None:
        return False
    due, _ = six_month_point(case, policy, case.organisation.working_calendar())
    return response_date > due


def six_month_letter(case: Case) -> datetime | None:
    """When the six-month deadline was done: the response or the six-month letter, whichever
    came first. Either by the six-month point meets it; a later one misses it."""
    done = [at for at in (case.responded_at, case.six_month_letter_at) if at is not None]
    return min(done) if done else None


def _end_of(day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, datetime.max.time()), timezone.get_default_timezone()
    )


def for_case(case: Case, now: datetime | None = None) -> list[Deadline]:
    """Deadlines of a saved case, reading its pauses and issues, and its items' deadlines."""
    return case_clocks(case, now) + item_deadlines(case, now)


def case_clocks(case: Case, now: datetime | None = None) -> list[Deadline]:
    """The deadlines of a saved case's own clocks (not its items'), reading its pauses and
    issues: what `refresh` stores the dates and verdicts of."""
    # .all(), not .filter(): a case read with its issues and pauses prefetched
    # (access.get_case_in_full) is not read again.
    spans = [PauseSpan(p.started_at, p.ended_at) for p in case.pauses.all()]
    found = [(i.stage, i.found_at) for i in case.issues.all()]
    return clocks_of(case, spans, found, now)


def clocks_of(
    case: Case,
    pauses: list[PauseSpan],
    found: list[tuple[int, datetime | None]],
    now: datetime | None = None,
) -> list[Deadline]:
    """`case_clocks` given the case's pauses and its issues' (stage, found_at), read already
    (many cases at once: responses.rebuild). The investigation is complete when every issue
    at the current stage has a finding."""
    at_stage = [at for stage, at in found if stage == case.stage]
    completed = max(at_stage) if at_stage and all(at_stage) else None
    organisation = case.organisation
    return compute(
        case,
        organisation.policy,
        organisation.working_calendar(),
        pauses=pauses,
        issues_completed_at=completed,
        now=now,
    )


def shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def item_deadlines(case: Case, now: datetime | None = None) -> list[Deadline]:
    """The deadlines a case's own items carry, each with its date and basis: the actions of
    its action plan (R35), its statement requests (R21), its referrals (R16), the
    Ombudsman's requests for information (R30) and a joint complaint's parts (R31). Read
    with .all() so that a prefetched case costs no query."""
    now = now or timezone.now()
    today = local(now).date()
    out: list[Deadline] = []
    for action in case.actions.all():
        if action.status == "cancelled":
            continue
        made = fmt(local(action.created_at).date())
        out.append(
            Deadline(
                f"action_{action.number}",
                f"Action {action.number}: {shorten(action.description)}",
                action.due,
                f"due date set when the action was agreed on {made}",
                _state(action.due, None, action.completed_at, today, now),
                None,
                action.completed_at,
            )
        )
    for request in case.statement_requests.all():
        out.append(
            Deadline(
                f"statement_{request.number}",
                f"Statement from {request.staff.name}",
                request.due,
                request.basis,
                _state(request.due, None, request.received_at, today, now),
                None,
                request.received_at,
            )
        )
    for referral in case.referrals.all():
        out.append(
            Deadline(
                f"referral_{referral.number}",
                f"Refer to {referral.body}",
                referral.due,
                referral.due_basis,
                _state(referral.due, referral.due_at, referral.referred_at, today, now),
                referral.due_at,
                referral.referred_at,
            )
        )
    # R31: each contributor's part of a joint complaint, due by the date it was given; met
    # when its reply came. A part withdrawn, or that the response goes without, is no
    # longer owed.
    for part in case.joint_parts.all():
        if part.withdrawn_at is not None or (part.without_reply_reason and not part.reply_at):
            continue
        out.append(
            Deadline(
                f"joint_part_{part.number}",
                f"Part {part.number}: reply from {part.contributor}",
                part.due,
                f"the date given to {part.contributor} when the part was asked for on "
                f"{fmt(local(part.added_at).date())}",
                _state(part.due, None, part.reply_at, today, now),
                None,
                part.reply_at,
            )
        )
    # R30: the Ombudsman's (or ADR provider's) request for the complaint file, due by the
    # date it set; met when the information was sent. Dates, not times: those of the letters.
    for number, referral in OmbudsmanReferral.numbered(case.ombudsman_referrals.all()):
        requested, due = referral.information_requested_on, referral.information_due
        sent = referral.information_sent_on
        if requested is None or due is None or (sent is None and not referral.information_awaited):
            continue  # nothing asked for, or decided without it: no longer owed
        adr = referral.body == OmbudsmanBody.ADR
        who = (referral.body_name or "the ADR provider") if adr else "the Ombudsman"
        body = who if adr else f"the {referral.get_body_display()}"
        sent_at = (
            sent
            if sent is None or isinstance(sent, datetime)
            else timezone.make_aware(datetime.combine(sent, datetime.min.time()))
        )
        out.append(
            Deadline(
                f"ombudsman_information_{number}",
                f"Send {who} the information asked for",
                due,
                f"the date {body} set in its request of {fmt(requested)}",
                _state(due, None, sent_at, today, now),
                None,
                sent_at,
            )
        )
    return out


def refresh(case: Case, deadlines: list[Deadline] | None = None) -> list[str]:
    """Copy the sortable dates, and the verdicts on the acknowledgement and the current
    stage's response, onto the case. Returns the fields changed (for save).

    The verdicts are the engine's own (`Deadline.met`, from `met_by`), stored when the thing
    is done so that reports count them rather than judge dates again (ADR 0018)."""
    deadlines = for_case(case) if deadlines is None else deadlines
    by_key = {d.key: d for d in deadlines}
    ack = by_key.get("acknowledge")
    resp = by_key.get("response") or by_key.get("informal_resolution")
    open_dates = [d.due for d in deadlines if d.open and d.due]
    values = {
        "acknowledge_due": ack.due if ack else None,
        "response_due": resp.due if resp else None,
        "next_due": min(open_dates) if open_dates and case.status != Status.CLOSED else None,
        "acknowledge_met": ack.met if ack else None,
        "response_met": resp.met if resp else None,
    }
    changed = [k for k, v in values.items() if getattr(case, k) != v]
    for k in changed:
        setattr(case, k, values[k])
    return changed


def time_limit_from(case: Case) -> date | None:
    """The day the time limit runs from: the later of when the matter happened and when the
    complainant learned of it (reg 12(1), "or, if later, ... came to the notice of the
    complainant"; 002 §10.3.1 "or of discovering that there is a matter to raise")."""
    days = [d for d in (case.event_date, case.learned_date) if d]
    return max(days) if days else None


def is_out_of_time(case: Case, policy: Policy, calendar: WorkingCalendar) -> bool:
    """R7: made after the policy's time limit, counted from the event date, or from when the
    complainant learned of it if that was later (time_limit_from).

    The limit runs "after the date on which the matter occurred" (reg 12(1); 001 §9 "within
    3 years from the date the incident occurred"), so the day of the event is not day 1 as it
    is for the response period (reg 14, "beginning on the day"): an event on 2 Nov 2023 may
    be complained about until 2 Nov 2026 under a three-year limit.
    """
    start_day = time_limit_from(case)
    if not start_day or case.kind not in FORMAL_KINDS:
        return False
    limit = policy.time_limit
    if limit.unit == ClockUnit.CALENDAR_MONTHS:
        last_day = add_calendar_months(start_day + timedelta(days=1), limit.amount)
    else:
        start = timezone.make_aware(
            datetime.combine(start_day, datetime.min.time()), timezone.get_default_timezone()
        )
        last_day, _ = period_end(calendar, start, limit)
    return local(case.received_at).date() > last_day


# --- how soon: the red/amber/green tag of worklists and case pages ----------------------------


class Urgency(StrEnum):
    OVERDUE = "overdue"  # red
    DUE_SOON = "due_soon"  # amber
    LATER = "later"  # green


URGENCY_LABELS = {
    Urgency.OVERDUE: "Overdue",
    Urgency.DUE_SOON: "Due soon",
    Urgency.LATER: "On track",
}
DUE_SOON_WORKING_DAYS = 3


def urgency(due: date | None, today: date, calendar: WorkingCalendar) -> Urgency | None:
    """Overdue once the due date has passed; due soon when it is today or within the next
    DUE_SOON_WORKING_DAYS working days of the organisation's calendar; later otherwise."""
    if due is None:
        return None
    if due < today:
        return Urgency.OVERDUE
    if calendar.working_days_between(today, due) <= DUE_SOON_WORKING_DAYS:
        return Urgency.DUE_SOON
    return Urgency.LATER


def urgency_rule(value: Urgency) -> str:
    return {
        Urgency.OVERDUE: "the date has passed",
        Urgency.DUE_SOON: f"due within {DUE_SOON_WORKING_DAYS} working days",
        Urgency.LATER: f"due in more than {DUE_SOON_WORKING_DAYS} working days",
    }[value]


def next_due_urgencies(cases, today: date | None = None) -> dict[int, Urgency | None]:
    """The urgency of each case's next due date, by case id: the calendars of all the cases'
    organisations (read with the cases) in one query, not one organisation's at a time."""
    today = today or timezone.localdate()
    calendars = calendars_of({case.organisation_id: case.organisation for case in cases}.values())
    return {
        case.pk: urgency(case.next_due, today, calendars[case.organisation_id]) for case in cases
    }
