"""Each preset run as its seed describes it: the commissioner (002), the GP practice (001),
the private clinic (004), the national provider (000) and the statutory baseline (2009 Regs).
The clock is frozen at Mon 2 Nov 2026, 09:00."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from candour.cases.access import CaseNotFound, cases_for, get_case
from candour.cases.consent import approve_summary, receive_consent, request_consent
from candour.cases.deadlines import DeadlineState, for_case
from candour.cases.handling import (
    acknowledge_case,
    assign_investigator,
    decide_late_complaint,
    identify_external_notification,
    record_external_notification,
)
from candour.cases.models import Status
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed
from candour.organisations.setup import add_closure_day, add_member

from ..conftest import at, make_case, organisation, user
from .conftest import events, last_event, reload, snapshot


def deadlines_of(case) -> dict:
    return {d.key: d for d in for_case(reload(case))}


# --- commissioner (seed 002) ------------------------------------------------------------------


def test_commissioner_response_clock_waits_for_consent_then_runs_from_its_arrival(
    org_a, alice, frozen
):
    # 002 §10.5.1 V, VI: investigation in 10 working days and response in 25, the timescale
    # not beginning until proof of consent is received.
    case = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example"),
    )
    waiting = deadlines_of(case)
    assert waiting["response"].state == DeadlineState.WAITING
    assert waiting["response"].basis == "waiting for consent; the clock starts when it arrives"
    assert waiting["investigation"].state == DeadlineState.WAITING
    assert reload(case).response_due is None

    request_consent(case, by=alice)
    frozen.move_to(at(date(2026, 11, 12), 14))  # Thu
    receive_consent(case, by=alice, method="written")

    running = deadlines_of(case)
    assert running["investigation"].due == date(2026, 11, 26)
    assert running["response"].due == date(2026, 12, 17)
    assert running["response"].basis == (
        "25 working days after consent received on Thu 12 Nov 2026"
    )
    assert reload(case).response_due == date(2026, 12, 17)
    # Acknowledgement still runs from receipt (002 §10.5.1 I).
    assert running["acknowledge"].due == date(2026, 11, 5)


def test_commissioner_waits_for_approval_of_the_typed_summary_of_a_phone_complaint(
    org_a, alice, ivan, frozen
):
    # 002 §10.5.1 II, VI; R5.
    case = make_case(org_a, alice, channel="phone")
    waiting = deadlines_of(case)
    assert waiting["response"].state == DeadlineState.WAITING
    assert waiting["response"].basis == (
        "waiting for the complainant to approve the summary of their complaint"
    )

    frozen.move_to(at(date(2026, 11, 6), 11))  # Fri
    approve_summary(case, by=alice, summary="No call back about blood test results.")

    running = deadlines_of(case)
    assert running["response"].due == date(2026, 12, 11)
    assert running["response"].basis == "25 working days after summary approved on Fri 6 Nov 2026"
    assert running["investigation"].due == date(2026, 11, 20)
    assert events(case) == ["case_recorded", "summary_approved"]


def test_a_written_complaint_to_the_commissioner_needs_no_summary(org_a, alice, frozen):
    case = make_case(org_a, alice, channel="letter")
    assert not case.summary_required
    assert deadlines_of(case)["response"].due == date(2026, 12, 7)


# --- GP practice (seed 001) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_date", "out_of_time"),
    [
        (date(2024, 5, 2), False),  # two and a half years ago
        (date(2023, 11, 2), False),  # three years ago to the day: still "within 3 years"
        (date(2023, 11, 1), True),  # three years and a day
        (date(2021, 6, 1), True),
    ],
)
def test_gp_practice_time_limit_is_three_years_from_the_incident(
    org_b, bob, frozen, event_date, out_of_time
):
    # 001 §9: normally within 3 years from the date the incident occurred.
    case = make_case(org_b, bob, event_date=event_date)
    assert case.out_of_time is out_of_time
    assert last_event(case).data["out_of_time"] is out_of_time


def test_a_late_complaint_cannot_be_investigated_until_it_is_accepted(org_b, bob, frozen):
    case = make_case(org_b, bob, event_date=date(2023, 11, 1))
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed) as error:
        assign_investigator(case, by=bob, investigator=bob)
    assert str(error.value) == (
        f"{case.reference} was made after the time limit. Record a decision on the late "
        "complaint before investigating."
    )
    assert snapshot(case) == before

    decide_late_complaint(
        case, by=bob, decision="accepted", reason="Good reason; records still available."
    )
    assign_investigator(case, by=bob, investigator=bob)
    assert reload(case).investigator == bob


def test_a_declined_late_complaint_is_closed_with_outcome_declined(org_b, bob, frozen):
    case = make_case(org_b, bob, event_date=date(2023, 11, 1))
    decide_late_complaint(case, by=bob, decision="declined", reason="No records survive.")

    case = reload(case)
    assert (case.status, case.outcome) == (Status.CLOSED, "declined")
    assert case.outcome_summary == "Declined as out of time: No records survive."
    assert case.next_due is None
    event = last_event(case)
    assert event.event == "late_complaint_decided"
    assert event.data["before"]["status"] == "received"
    assert event.data["after"]["status"] == "closed"
    assert event.data["after"]["outcome"] == "declined"
    # 001 §9: the complainant may then approach the Ombudsman.
    assert event.data["escalation"] == "Parliamentary and Health Service Ombudsman"


def test_a_complaint_in_time_needs_no_late_decision(org_b, bob, frozen):
    case = make_case(org_b, bob, event_date=date(2024, 5, 2))
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed, match="was made within the time limit"):
        decide_late_complaint(case, by=bob, decision="accepted", reason="Not needed.")
    assert snapshot(case) == before


def test_gp_practice_acknowledges_within_three_working_days(org_b, bob, frozen):
    # 001 §7, §14. Received Mon 2 Nov 2026: Tue 3 (1), Wed 4 (2), Thu 5 (3).
    case = make_case(org_b, bob)
    ack = deadlines_of(case)["acknowledge"]
    assert (ack.due, ack.due_at) == (date(2026, 11, 5), None)
    assert ack.basis == "3 working days after receipt on Mon 2 Nov 2026"


def test_gp_practice_acknowledges_by_the_third_working_day_after_christmas(org_b, bob, frozen):
    case = make_case(org_b, bob, received_at=at(date(2025, 12, 23), 16))
    assert case.acknowledge_due == date(2025, 12, 30)


def test_a_practice_closure_day_moves_the_acknowledgement(org_b, bob, frozen):
    add_closure_day(org_b, date(2026, 11, 4), "Protected learning time", by=bob)
    case = make_case(org_b, bob)
    assert case.acknowledge_due == date(2026, 11, 6)


# --- private clinic (seed 004) ----------------------------------------------------------------


@pytest.fixture
def clinic(db):
    return organisation("Luxira Aesthetics", "LUX", "clinic", "private-clinic")


@pytest.fixture
def clara(clinic):
    u = user("clara")
    add_member(u, clinic, "Complaints Manager")
    return u


def test_private_clinic_deadlines_follow_the_clinics_policy(clinic, clara, frozen):
    # 004: acknowledged within 48 hours; an update if not resolved within 20 days; resolved
    # within 30 days.
    case = make_case(clinic, clara)
    deadlines = deadlines_of(case)

    assert deadlines["acknowledge"].due_at == at(date(2026, 11, 4), 9)
    assert deadlines["acknowledge"].due == date(2026, 11, 4)
    assert deadlines["acknowledge"].basis == "48 hours after receipt on Mon 2 Nov 2026"
    assert deadlines["update"].due == date(2026, 11, 22)
    assert deadlines["response"].due == date(2026, 12, 2)
    assert deadlines["response"].basis == "30 days after receipt on Mon 2 Nov 2026"
    assert "investigation" not in deadlines


def test_private_clinic_acknowledgement_within_48_hours_is_met(clinic, clara, frozen):
    case = make_case(clinic, clara)
    frozen.move_to(at(date(2026, 11, 4), 8, 59))
    acknowledge_case(case, by=clara, method="email")
    assert last_event(case).data["late"] is False
    assert deadlines_of(case)["acknowledge"].state == DeadlineState.MET


def test_private_clinic_acknowledgement_an_hour_after_48_hours_is_late(clinic, clara, frozen):
    # Same day as the due date, but after the due time: 004 counts hours, not dates.
    case = make_case(clinic, clara)
    frozen.move_to(at(date(2026, 11, 4), 10))
    acknowledge_case(case, by=clara, method="email")
    assert last_event(case).data["late"] is True
    assert deadlines_of(case)["acknowledge"].state == DeadlineState.MISSED


def test_48_hours_are_real_hours_when_the_clocks_go_forward(clinic, clara, frozen):
    # Received Sat 28 Mar 2026, 10:00 GMT; British Summer Time starts at 01:00 on Sun 29.
    # 48 hours later is Mon 30 Mar 10:00 UTC, which is 11:00 on the clock.
    received = at(date(2026, 3, 28), 10)
    case = make_case(clinic, clara, received_at=received)
    expected = datetime(2026, 3, 30, 10, tzinfo=UTC)

    as_recorded = {d.key: d for d in for_case(case)}["acknowledge"]
    assert as_recorded.due_at == expected
    assert timezone.localtime(as_recorded.due_at).hour == 11
    assert deadlines_of(case)["acknowledge"].due_at == expected


def test_private_clinic_notifies_an_external_body_within_three_days(clinic, clara, frozen):
    # 004: notification within three days of the issue being identified.
    case = make_case(clinic, clara)
    frozen.move_to(at(date(2026, 11, 3), 15))
    identify_external_notification(case, by=clara, body="the clinic's insurer")
    notify = deadlines_of(case)["external_notification"]
    assert notify.label == "Notify the clinic's insurer"
    assert notify.due == date(2026, 11, 6)
    assert notify.state == DeadlineState.PENDING

    frozen.move_to(at(date(2026, 11, 5), 12))
    record_external_notification(case, by=clara)
    assert deadlines_of(case)["external_notification"].state == DeadlineState.MET
    assert events(case)[-2:] == ["external_notification_identified", "external_body_notified"]


def test_an_nhs_commissioner_has_no_external_notification_deadline(org_a, alice, frozen):
    case = make_case(org_a, alice)
    identify_external_notification(case, by=alice, body="Care Quality Commission")
    assert "external_notification" not in deadlines_of(case)


# --- national provider (seed 000) -------------------------------------------------------------


def test_a_region_sees_its_sites_cases_but_a_site_sees_only_its_own(
    national, region, site, rita, hugo, frozen
):
    other_site = organisation("HMP Elsewhere", "SEHY", "site", parent=region)
    at_site = make_case(site, hugo)
    at_region = make_case(region, rita)
    at_other_site = make_case(other_site, rita)

    assert set(cases_for(rita)) == {at_site, at_region, at_other_site}
    assert list(cases_for(hugo)) == [at_site]
    for reference in (at_region.reference, at_other_site.reference):
        with pytest.raises(CaseNotFound):
            get_case(hugo, reference)
    assert get_case(rita, at_site.reference) == at_site


def test_a_site_uses_the_national_providers_policy(site, hugo, frozen):
    case = make_case(site, hugo)
    assert case.reference.startswith("SEHX-2026-")
    deadlines = deadlines_of(case)
    assert deadlines["acknowledge"].due == date(2026, 11, 5)
    # Seed 000 gives stage 1 no investigation time: its "within 2-5 working days of receipt
    # of Stage 2" (Stage 2, step 1, line 9) is the stage-2 documents step.
    assert "investigation" not in deadlines
    assert deadlines["response"].due == date(2026, 12, 7)


# --- statutory baseline (2009 Regulations) ----------------------------------------------------


@pytest.fixture
def trust(db):
    return organisation("Example NHS Trust", "ENT", "trust", "nhs-england-2009")


@pytest.fixture
def nina(trust):
    u = user("nina")
    add_member(u, trust, "Complaints Manager")
    return u


def test_statutory_baseline_responds_within_six_months_beginning_on_the_day_of_receipt(
    trust, nina, frozen
):
    # reg 14: six months beginning on the day of receipt, so received 10 Jan → due 9 Jul.
    case = make_case(trust, nina, received_at=at(date(2026, 1, 10), 11))  # a Saturday
    deadlines = deadlines_of(case)
    assert deadlines["response"].due == date(2026, 7, 9)
    assert deadlines["response"].basis == "6 months after receipt on Sat 10 Jan 2026"
    # reg 13: acknowledged by the third working day after a Saturday receipt: Wednesday.
    assert deadlines["acknowledge"].due == date(2026, 1, 14)


@pytest.mark.parametrize(
    ("event_date", "out_of_time"),
    [(date(2025, 11, 2), False), (date(2025, 11, 1), True), (date(2025, 3, 1), True)],
)
def test_statutory_baseline_time_limit_is_twelve_months(
    trust, nina, frozen, event_date, out_of_time
):
    # reg 12(1): not later than 12 months after the date on which the matter occurred.
    assert make_case(trust, nina, event_date=event_date).out_of_time is out_of_time


def test_a_concern_is_never_out_of_time(trust, nina, frozen):
    case = make_case(trust, nina, kind="concern", event_date=date(2020, 1, 1))
    assert case.out_of_time is False


def test_the_twelve_month_limit_runs_from_the_event(trust, nina, frozen):
    received = timezone.now() - timedelta(days=1)
    case = make_case(trust, nina, received_at=received, event_date=date(2025, 11, 1))
    # Received Sun 1 Nov 2026: exactly twelve months after the event, so still in time.
    assert case.out_of_time is False
