"""One rule for when something happened on a case (cases.intake.when_on_case), whichever
action takes the time: not before the case was received, not in the future, with a time
zone; the minute the case arrived counts as when it arrived; not before the step it follows.
A refused time writes nothing. The event keeps when it happened (`happened_at`) beside when it
was recorded, so a late entry shows as one.
Issue 15: consent/request took 1970-01-01 on a case received in 2026. Issue 16: most actions
were stamped with the moment they were recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from candour.audit.models import AuditEvent
from candour.cases import (
    actions,
    consent,
    deadlines,
    escalation,
    handling,
    intake,
    investigation,
    joint,
    redirections,
    referrals,
)
from candour.cases.changes import happened_at, recorded_late
from candour.cases.intake import InvalidCase
from candour.cases.models import Kind, Status
from candour.cases.people import PersonDetails
from tests import joint_steps
from tests.joint_steps import DUE
from tests.responding import respond

from ..conftest import at, make_case
from .conftest import last_event, reach

RECEIVED = at(date(2026, 11, 2), 9)  # the frozen clock: the case arrives now
REPRESENTED = {"relationship": "relative", "patient": PersonDetails(first_name="Tom")}
OUT_OF_TIME = {"event_date": date(2024, 1, 5)}  # 12 months' limit (R7)


def nothing(case, by):
    pass


def opened(case, by):
    handling.acknowledge_case(case, by=by, method="letter")


def a_member_of_staff(case, by):
    opened(case, by)
    investigation.add_staff_involved(case, by=by, name="Dr Example")


def told_and_shown(case, by):
    a_member_of_staff(case, by)
    for step in ("informed", "shown_complaint"):
        investigation.record_staff_step(case, by=by, staff=1, step=step)


def a_statement_asked_for(case, by):
    told_and_shown(case, by)
    investigation.request_statement(case, by=by, staff=1, due=date(2026, 12, 1))


def an_action(case, by):
    actions.add_action(case, by=by, description="Call back.", owner=by, due=date(2026, 11, 20))


def an_action_done(case, by):
    an_action(case, by)
    actions.complete_action(case, by=by, number=1, evidence="Called.")


def a_referral(case, by):
    referrals.raise_referral(
        case, by=by, kind="safeguarding_adult", detail="A fall.", owner=by, due=date(2026, 11, 6)
    )


def share_consent(case, by):
    consent.record_share_consent(case, by=by, method="verbal", at=RECEIVED)


def share_consent_now(case, by):
    consent.record_share_consent(case, by=by, method="verbal")


def consent_and_share(case, by):
    share_consent(case, by)
    consent_given(case, by)


def representative_withdrawn(case, by):
    consent.withdraw_representative(case, by=by, note="The patient rang.", at=RECEIVED)


def representative_withdrawn_now(case, by):
    consent.withdraw_representative(case, by=by, note="The patient rang.")


def consent_asked(case, by):
    consent.request_consent(case, by=by)


def consent_given(case, by):
    consent.receive_consent(case, by=by, method="written")


def paused(case, by):
    opened(case, by)
    handling.pause_case(case, by=by, reason="police", detail="Police enquiry.")


def paused_and_resumed(case, by):
    paused(case, by)
    handling.resume_case(case, by=by)


def responded(case, by):
    """Answered as staff answer it: through the signed final response where there is one."""
    opened(case, by)
    respond(case, by, summary="We apologise.")


def notification_needed(case, by):
    handling.identify_external_notification(case, by=by, body="Care Quality Commission")


# name: (the case's extra fields, what the action needs first, the action given a time)
ACTIONS = {
    "acknowledge": (
        {},
        nothing,
        lambda case, by, t: handling.acknowledge_case(case, by=by, method="letter", at=t),
    ),
    "request consent": (
        REPRESENTED,
        nothing,
        lambda case, by, t: consent.request_consent(case, by=by, at=t),
    ),
    "log an update": (
        {},
        opened,
        lambda case, by, t: handling.log_update(case, by=by, method="phone", note="Told.", at=t),
    ),
    "record evidence": (
        {},
        opened,
        lambda case, by, t: investigation.record_evidence(
            case, by=by, kind="records", description="The call log.", at=t
        ),
    ),
    "record a staff step": (
        {},
        a_member_of_staff,
        lambda case, by, t: investigation.record_staff_step(
            case, by=by, staff=1, step="informed", at=t
        ),
    ),
    "raise a referral": (
        {},
        nothing,
        lambda case, by, t: referrals.raise_referral(
            case,
            by=by,
            kind="safeguarding_adult",
            detail="A fall at home.",
            owner=by,
            due=date(2026, 11, 6),
            identified_at=t,
        ),
    ),
    "change the handling plan": (
        {},
        nothing,
        lambda case, by, t: investigation.update_handling_plan(case, by=by, meeting_offered_at=t),
    ),
    "complete an action": (
        {},
        an_action,
        lambda case, by, t: actions.complete_action(
            case, by=by, number=1, evidence="Called.", at=t
        ),
    ),
    "forward to the provider": (
        {},
        share_consent,
        lambda case, by, t: escalation.forward_to_provider(
            case, by=by, provider="Example Trust", at=t
        ),
    ),
    "record consent to share": (
        {},
        nothing,
        lambda case, by, t: consent.record_share_consent(case, by=by, method="email", at=t),
    ),
    "withdraw the representative": (
        REPRESENTED,
        nothing,
        lambda case, by, t: consent.withdraw_representative(
            case, by=by, note="The patient rang.", at=t
        ),
    ),
    "reinstate the representative": (
        REPRESENTED,
        representative_withdrawn,
        lambda case, by, t: consent.reinstate_representative(
            case, by=by, note="The patient wrote.", at=t
        ),
    ),
    "receive consent": (
        REPRESENTED,
        nothing,
        lambda case, by, t: consent.receive_consent(case, by=by, method="written", at=t),
    ),
    "refuse consent": (
        REPRESENTED,
        nothing,
        lambda case, by, t: consent.refuse_consent(case, by=by, note="No.", at=t),
    ),
    "withdraw consent": (
        REPRESENTED,
        consent_given,
        lambda case, by, t: consent.withdraw_consent(case, by=by, note="Stop.", at=t),
    ),
    "override consent": (
        REPRESENTED,
        nothing,
        lambda case, by, t: consent.override_consent(
            case, by=by, grounds="safeguarding", reason="A risk to the patient.", at=t
        ),
    ),
    "approve the summary": (
        {"channel": "phone"},
        nothing,
        lambda case, by, t: consent.approve_summary(case, by=by, summary="No call back.", at=t),
    ),
    "record a finding": (
        {},
        opened,
        lambda case, by, t: investigation.record_finding(
            case, by=by, issue_number=1, finding="upheld", summary="It happened.", at=t
        ),
    ),
    "decide on a late complaint": (
        OUT_OF_TIME,
        nothing,
        # Accepted: declining also starts the decision letter, whose event comes after.
        lambda case, by, t: handling.decide_late_complaint(
            case, by=by, decision="accepted", reason="In hospital until June.", at=t
        ),
    ),
    "identify an external notification": (
        {},
        nothing,
        lambda case, by, t: handling.identify_external_notification(
            case, by=by, body="Care Quality Commission", at=t
        ),
    ),
    "record the external notification": (
        {},
        notification_needed,
        lambda case, by, t: handling.record_external_notification(case, by=by, at=t),
    ),
    "pause": (
        {},
        opened,
        lambda case, by, t: handling.pause_case(
            case, by=by, reason="police", detail="Police enquiry.", at=t
        ),
    ),
    "resume": (
        {},
        paused,
        lambda case, by, t: handling.resume_case(case, by=by, at=t),
    ),
    "withdraw": (
        {},
        nothing,
        lambda case, by, t: handling.withdraw_case(case, by=by, reason="No longer.", at=t),
    ),
    "close": (
        {},
        responded,
        lambda case, by, t: handling.close_case(case, by=by, at=t),
    ),
    "close a comment on record": (
        {"kind": Kind.COMMENT},
        nothing,
        lambda case, by, t: handling.close_case(case, by=by, at=t),
    ),
    "resolve a concern informally": (
        {"kind": Kind.CONCERN},
        nothing,
        lambda case, by, t: intake.resolve_informally(case, by=by, resolution="Rebooked.", at=t),
    ),
    "ask for a statement": (
        {},
        told_and_shown,
        lambda case, by, t: investigation.request_statement(
            case, by=by, staff=1, due=date(2026, 12, 1), at=t
        ),
    ),
    "remind about a statement": (
        {},
        a_statement_asked_for,
        lambda case, by, t: investigation.remind_statement(
            case, by=by, number=1, due=date(2026, 12, 4), at=t
        ),
    ),
    "receive a statement": (
        {},
        a_statement_asked_for,
        lambda case, by, t: investigation.receive_statement(case, by=by, number=1, at=t),
    ),
    "verify an action": (
        {},
        an_action_done,
        lambda case, by, t: actions.verify_action(case, by=by, number=1, check="Audited.", at=t),
    ),
    "record a lesson": (
        {},
        nothing,
        lambda case, by, t: actions.record_lesson(
            case, by=by, text="Call back.", themes=["Communication"], at=t
        ),
    ),
    "offer a remedy": (
        {},
        opened,
        lambda case, by, t: investigation.offer_remedy(
            case, by=by, kind="put_right", description="An appointment.", at=t
        ),
    ),
    "record that a referral was made": (
        {},
        a_referral,
        lambda case, by, t: referrals.record_referral(case, by=by, number=1, at=t),
    ),
    # Issue 17: a matter outside the procedure, redirected when it was (R10).
    "redirect outside the procedure": (
        {},
        nothing,
        lambda case, by, t: redirections.redirect_outside_procedure(
            case, by=by, category="foi_request", reason="A request for board papers.", at=t
        ),
    ),
    # Joint complaints (R31).
    "make it a joint complaint": (
        {},
        nothing,
        lambda case, by, t: joint.start_joint(
            case, by=by, lead_basis="most_issues", lead_reason="Most are ours.", at=t
        ),
    ),
    "ask another organisation for its part": (
        {},
        joint_steps.made_joint,
        lambda case, by, t: joint.add_part(
            case, by=by, organisation_name="Example Trust", asked="Explain.", due=DUE, at=t
        ),
    ),
    "share a part": (
        {},
        joint_steps.with_part,
        lambda case, by, t: joint.share_part(
            case, by=by, number=1, consent="given", consent_on=date(2026, 11, 2), at=t
        ),
    ),
    "record a part's reply": (
        {},
        joint_steps.part_shared,
        lambda case, by, t: joint.record_reply(case, by=by, number=1, text="Found.", at=t),
    ),
    "respond without a part": (
        {},
        joint_steps.with_part,
        lambda case, by, t: joint.go_without(case, by=by, number=1, reason="No reply.", at=t),
    ),
}


def prepared(org, by, name, received=RECEIVED):
    extra, prepare, do = ACTIONS[name]
    case = make_case(org, by, received_at=received, **extra)
    prepare(case, by)
    return case, do


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize(
    ("when", "says"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), "is before the case was received"),
        (RECEIVED - timedelta(minutes=1), "is before the case was received"),
        (RECEIVED + timedelta(minutes=6), "is in the future"),
        (datetime(2026, 11, 2, 9), "needs a time zone"),
    ],
)
def test_every_action_that_takes_a_time_refuses_one_outside_the_case_and_writes_nothing(
    frozen, org_a, alice, name, when, says
):
    case, do = prepared(org_a, alice, name)
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidCase) as refused:
        do(case, alice, when)
    assert says in str(refused.value)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("name", ACTIONS)
def test_a_time_in_the_minute_the_case_arrived_counts_as_its_arrival(frozen, org_a, alice, name):
    # Received at 09:00:30; the staff pages give times to the minute, so 09:00 means then.
    case, do = prepared(org_a, alice, name, received=RECEIVED + timedelta(seconds=30))
    before = AuditEvent.objects.count()
    do(case, alice, RECEIVED)
    assert AuditEvent.objects.count() > before


# Actions whose handling plan change is a set of dates rather than one event of something that
# happened: each of the others keeps `happened_at`.
NO_HAPPENED_AT = {"change the handling plan"}


@pytest.mark.parametrize("name", sorted(set(ACTIONS) - NO_HAPPENED_AT))
def test_an_action_recorded_later_keeps_when_it_happened_and_shows_as_a_late_entry(
    frozen, org_a, alice, name
):
    case, do = prepared(org_a, alice, name)
    frozen.move_to(RECEIVED + timedelta(days=2))
    happened = RECEIVED + timedelta(hours=1)
    do(case, alice, happened)
    event = last_event(case)
    assert event.at == RECEIVED + timedelta(days=2)
    assert event.data["happened_at"] == happened.isoformat()
    assert happened_at(event) == happened
    assert recorded_late(event)


@pytest.mark.parametrize("name", sorted(set(ACTIONS) - NO_HAPPENED_AT))
def test_an_action_recorded_as_it_happens_is_not_a_late_entry(frozen, org_a, alice, name):
    case, do = prepared(org_a, alice, name)
    do(case, alice, None)
    event = last_event(case)
    assert event.data["happened_at"] == RECEIVED.isoformat()
    assert not recorded_late(event)


# --- not before the step it follows ---------------------------------------------------------

STEP = RECEIVED + timedelta(days=3)  # the step before, recorded when it happened
LATER = RECEIVED + timedelta(days=10)  # the clock when the action is recorded


def stage_two(case, by):
    responded(case, by)
    handling.reopen_case(case, by=by, reason="Still unhappy.")
    investigation.add_issue(case, by=by, description="The reply missed a point.")


def answer(case, by, t):
    issue = case.issues.get(stage=2)
    return investigation.record_finding(
        case, by=by, issue_number=issue.number, finding="upheld", summary="Missed.", at=t
    )


# name: (the case's extra fields, what happens at STEP, the action, what the refusal says)
AFTER_A_STEP = {
    "receive consent": (
        REPRESENTED,
        consent_asked,
        ACTIONS["receive consent"][2],
        "is before consent was asked for",
    ),
    "refuse consent": (
        REPRESENTED,
        consent_asked,
        ACTIONS["refuse consent"][2],
        "is before consent was asked for",
    ),
    "withdraw consent": (
        REPRESENTED,
        consent_given,
        ACTIONS["withdraw consent"][2],
        "is before consent was given",
    ),
    "forward to the provider": (
        REPRESENTED,
        consent_and_share,
        ACTIONS["forward to the provider"][2],
        "is before consent was given",
    ),
    "forward after consent to share": (
        {},
        share_consent_now,
        ACTIONS["forward to the provider"][2],
        "is before the complainant agreed to share it with the provider",
    ),
    "reinstate the representative": (
        REPRESENTED,
        representative_withdrawn_now,
        ACTIONS["reinstate the representative"][2],
        "is before the representative was withdrawn",
    ),
    "record the external notification": (
        {},
        notification_needed,
        ACTIONS["record the external notification"][2],
        "is before the notification was found to be needed",
    ),
    "resume": ({}, paused, ACTIONS["resume"][2], "is before the pause started"),
    "pause again": ({}, paused_and_resumed, ACTIONS["pause"][2], "is before the last pause ended"),
    "withdraw a paused case": ({}, paused, ACTIONS["withdraw"][2], "is before the pause started"),
    "close": ({}, responded, ACTIONS["close"][2], "is before the response was sent"),
    "record a finding at stage 2": ({}, stage_two, answer, "is before stage 2 started"),
    "pause at stage 2": (
        {},
        lambda case, by: stage_two(case, by),
        ACTIONS["pause"][2],
        "is before stage 2 started",
    ),
    "verify an action": (
        {},
        an_action_done,
        ACTIONS["verify an action"][2],
        "is before the action was done",
    ),
    "complete an action": (
        {},
        an_action,
        ACTIONS["complete an action"][2],
        "is before the action was agreed",
    ),
    "remind about a statement": (
        {},
        a_statement_asked_for,
        ACTIONS["remind about a statement"][2],
        "is before the statement was asked for",
    ),
    "remind about a statement again": (
        {},
        lambda case, by: (
            a_statement_asked_for(case, by),
            investigation.remind_statement(case, by=by, number=1),
        ),
        ACTIONS["remind about a statement"][2],
        "is before the last reminder",
    ),
    "receive a statement": (
        {},
        a_statement_asked_for,
        ACTIONS["receive a statement"][2],
        "is before the statement was asked for",
    ),
    "record that a referral was made": (
        {},
        a_referral,
        ACTIONS["record that a referral was made"][2],
        "is before the issue was identified",
    ),
}


@pytest.mark.parametrize("name", AFTER_A_STEP)
def test_an_action_cannot_be_dated_before_the_step_it_follows(frozen, org_a, alice, name):
    extra, step, do, says = AFTER_A_STEP[name]
    case = make_case(org_a, alice, received_at=RECEIVED, **extra)
    frozen.move_to(STEP)
    step(case, alice)
    frozen.move_to(LATER)
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidCase) as refused:
        do(case, alice, STEP - timedelta(hours=1))
    assert str(refused.value) == f"at: {says}"
    assert AuditEvent.objects.count() == before
    # An hour after the step, a week before it is recorded: taken, and kept as late.
    do(case, alice, STEP + timedelta(hours=1))
    event = last_event(case)
    assert event.data["happened_at"] == (STEP + timedelta(hours=1)).isoformat()
    assert recorded_late(event)


def test_a_paused_case_closes_its_pause_when_the_pause_ended(frozen, org_a, alice):
    case = make_case(org_a, alice, received_at=RECEIVED)
    opened(case, alice)
    frozen.move_to(LATER)
    handling.pause_case(case, by=alice, reason="police", detail="Enquiry.", at=STEP)
    handling.resume_case(case, by=alice, at=STEP + timedelta(days=2))
    pause = case.pauses.get()
    assert (pause.started_at, pause.ended_at) == (STEP, STEP + timedelta(days=2))


def test_a_declined_late_complaint_is_closed_when_it_was_decided(frozen, org_a, alice):
    case = make_case(org_a, alice, received_at=RECEIVED, **OUT_OF_TIME)
    frozen.move_to(LATER)
    case = handling.decide_late_complaint(
        case, by=alice, decision="declined", reason="No good reason.", at=STEP
    )
    assert (case.status, case.closed_at) == (Status.CLOSED, STEP)


def test_a_finding_completes_the_investigation_when_it_was_reached(frozen, org_a, alice):
    case = make_case(org_a, alice, received_at=RECEIVED)
    opened(case, alice)
    frozen.move_to(LATER)
    investigation.record_finding(
        case, by=alice, issue_number=1, finding="upheld", summary="Yes.", at=STEP
    )
    assert case.issues.get().found_at == STEP
    done = {d.key: d for d in deadlines.for_case(case)}["investigation"]
    assert done.completed_at == STEP


def test_an_update_recorded_late_does_not_move_the_last_update_back(frozen, org_a, alice):
    case = make_case(org_a, alice, received_at=RECEIVED)
    opened(case, alice)
    frozen.move_to(LATER)
    handling.log_update(case, by=alice, method="phone", note="Rang.", at=STEP)
    case = handling.log_update(
        case, by=alice, method="email", note="Wrote.", at=STEP - timedelta(days=1)
    )
    assert case.last_update_at == STEP


# --- the Ombudsman's steps, counted in days --------------------------------------------------

REFERRED = date(2026, 11, 10)


def ombudsman_case(org, by, frozen):
    case = reach(org, by, Status.CLOSED)
    frozen.move_to(at(date(2026, 11, 30), 10))
    return escalation.refer_to_ombudsman(case, by=by, body="phso", referred_on=REFERRED)


@pytest.mark.parametrize(
    ("steps", "action", "says"),
    [
        ([], "request", "requested_on: is before the referral"),
        (["request"], "send", "sent_on: is before the request"),
        ([], "decide", "decided_on: is before the referral"),
        (["request"], "decide", "decided_on: is before the Ombudsman asked for information"),
        (["request", "send"], "decide", "decided_on: is before the information was sent"),
    ],
)
def test_an_ombudsman_step_cannot_be_dated_before_the_referrals_last_step(
    frozen, org_a, alice, steps, action, says
):
    referral = ombudsman_case(org_a, alice, frozen)
    days = {"request": REFERRED + timedelta(days=2), "send": REFERRED + timedelta(days=5)}

    def run(name, day):
        match name:
            case "request":
                return escalation.request_ombudsman_information(
                    referral, by=alice, requested_on=day, due=day + timedelta(days=14)
                )
            case "send":
                return escalation.send_ombudsman_information(referral, by=alice, sent_on=day)
        return escalation.record_ombudsman_outcome(
            referral, by=alice, outcome="not_upheld", decided_on=day
        )

    for name in steps:
        run(name, days[name])
    last = max([REFERRED, *(days[n] for n in steps)])
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidCase) as refused:
        run(action, last - timedelta(days=1))
    assert str(refused.value) == says
    assert AuditEvent.objects.count() == before
    run(action, last)
    event = AuditEvent.objects.latest("sequence")
    assert event.data["happened_at"] == last.isoformat()
    assert recorded_late(event) and happened_at(event) == last


@pytest.mark.parametrize("action", ["request", "send", "decide"])
def test_an_ombudsman_step_cannot_be_in_the_future(frozen, org_a, alice, action):
    referral = ombudsman_case(org_a, alice, frozen)
    tomorrow = date(2026, 12, 1)
    if action == "send":
        escalation.request_ombudsman_information(
            referral, by=alice, requested_on=REFERRED, due=tomorrow
        )
    with pytest.raises(InvalidCase, match="is in the future"):
        if action == "request":
            escalation.request_ombudsman_information(
                referral, by=alice, requested_on=tomorrow, due=tomorrow
            )
        elif action == "send":
            escalation.send_ombudsman_information(referral, by=alice, sent_on=tomorrow)
        else:
            escalation.record_ombudsman_outcome(
                referral, by=alice, outcome="upheld", decided_on=tomorrow
            )
