"""One rule for when something happened on a case (cases.intake.when_on_case), whichever
action takes the time: not before the case was received, not in the future, with a time
zone; the minute the case arrived counts as when it arrived. A refused time writes nothing.
Issue 15: consent/request took 1970-01-01 on a case received in 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from candour.audit.models import AuditEvent
from candour.cases import actions, consent, escalation, handling, investigation, referrals
from candour.cases.intake import InvalidCase
from candour.cases.people import PersonDetails

from ..conftest import at, make_case

RECEIVED = at(date(2026, 11, 2), 9)  # the frozen clock: the case arrives now
REPRESENTED = {"relationship": "relative", "patient": PersonDetails(first_name="Tom")}


def nothing(case, by):
    pass


def opened(case, by):
    handling.acknowledge_case(case, by=by, method="letter")


def a_member_of_staff(case, by):
    opened(case, by)
    investigation.add_staff_involved(case, by=by, name="Dr Example")


def an_action(case, by):
    actions.add_action(case, by=by, description="Call back.", owner=by, due=date(2026, 11, 20))


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
        nothing,
        lambda case, by, t: escalation.forward_to_provider(
            case, by=by, provider="Example Trust", at=t
        ),
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
