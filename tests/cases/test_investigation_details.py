"""The handling plan agreed with the complainant (R18) and the investigation's details (R21):
staff informed and shown the complaint before interview and offered support, statements
requested with due dates and reminders, evidence reviewed, flags, remedies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from candour.cases.deadlines import for_case
from candour.cases.intake import InvalidCase
from candour.cases.investigation import (
    add_staff_involved,
    offer_remedy,
    receive_statement,
    record_evidence,
    record_staff_step,
    remind_statement,
    request_statement,
    update_handling_plan,
    update_investigation,
)
from candour.cases.models import (
    Evidence,
    HandlingPlan,
    Remedy,
    StaffInvolved,
    StatementRequest,
    Status,
)
from candour.cases.people import PersonDetails
from candour.cases.workflow import TransitionNotAllowed
from candour.organisations.policy import PolicyError, preset, validate_policy

from ..conftest import at, make_case
from .conftest import last_event, reach, reload, snapshot

pytestmark = pytest.mark.usefixtures("frozen")
MON = at(date(2026, 11, 2), 9)


def everything(case) -> dict:
    return {
        **snapshot(case),
        "plan": list(HandlingPlan.objects.values()),
        "staff": list(StaffInvolved.objects.order_by("pk").values()),
        "statements": list(StatementRequest.objects.order_by("pk").values()),
        "evidence": list(Evidence.objects.values()),
        "remedies": list(Remedy.objects.values()),
    }


def prepared(case, by, name="Dr Sam Example"):
    """A member of staff informed of the complaint and shown it."""
    staff = add_staff_involved(case, by=by, name=name, job_title="Salaried GP")
    record_staff_step(case, by=by, staff=staff.number, step="informed")
    record_staff_step(case, by=by, staff=staff.number, step="shown_complaint")
    return staff


# --- handling plan (R18) --------------------------------------------------------------------


def test_the_handling_plan_records_what_was_agreed_and_each_change_is_on_the_timeline(
    org_a, alice, frozen
):
    case = reach(org_a, alice, Status.OPEN)
    plan = update_handling_plan(
        case,
        by=alice,
        desired_outcomes="An apology and a call-back process that works.",
        meeting_offered_at=MON,
        advocacy_signposted_at=MON,
    )
    assert plan.meeting_offered_at == MON
    event = last_event(case)
    assert (event.event, event.actor) == ("handling_plan_changed", alice)
    assert event.data == {
        "before": {
            "desired_outcomes": "",
            "meeting_offered_at": None,
            "advocacy_signposted_at": None,
        },
        "after": {
            "desired_outcomes": "An apology and a call-back process that works.",
            "meeting_offered_at": "2026-11-02T09:00:00+00:00",
            "advocacy_signposted_at": "2026-11-02T09:00:00+00:00",
        },
    }

    frozen.move_to(at(date(2026, 11, 4), 14))
    update_handling_plan(
        case,
        by=alice,
        meeting_held_at=at(date(2026, 11, 4), 11),
        mediation_signposted_at=at(date(2026, 11, 4), 11),
        legal_implications="None: no claim intended.",
        agreed_at=at(date(2026, 11, 4), 11),
        desired_outcomes="An apology and a call-back process that works.",  # unchanged
    )
    event = last_event(case)
    assert sorted(event.data["after"]) == [
        "agreed_at",
        "legal_implications",
        "mediation_signposted_at",
        "meeting_held_at",
    ]
    assert HandlingPlan.objects.get(case=case).agreed_at == at(date(2026, 11, 4), 11)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"meeting_held_at": MON}, "meeting_held_at", "needs a meeting offered before it"),
        ({"colour": "blue"}, "colour", "is not something this changes"),
        ({"desired_outcomes": ""}, "body", "changes nothing"),
        ({"agreed_at": at(date(2026, 11, 3), 9)}, "agreed_at", "is in the future"),
    ],
)
def test_a_bad_change_to_the_plan_is_refused_and_nothing_is_written(
    org_a, alice, changes, field, message
):
    case = reach(org_a, alice, Status.OPEN)
    before = everything(case)
    with pytest.raises(InvalidCase) as error:
        update_handling_plan(case, by=alice, **changes)
    assert error.value.field == field
    assert message in str(error.value)
    assert everything(case) == before


# --- investigation (R21) --------------------------------------------------------------------


def test_the_investigation_flags_need_consent_first(org_a, alice):
    case = reach(
        org_a,
        alice,
        Status.OPEN,
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example"),
    )
    before = everything(case)
    with pytest.raises(TransitionNotAllowed, match="cannot be investigated yet: consent is"):
        update_investigation(case, by=alice, root_cause_analysis=True)
    assert everything(case) == before


def test_root_cause_analysis_and_clinical_review_are_flagged(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    update_investigation(case, by=ivan, root_cause_analysis=True, independent_clinical_review=True)
    event = last_event(case)
    assert (event.event, event.actor) == ("investigation_plan_changed", ivan)
    assert event.data == {
        "before": {"root_cause_analysis": False, "independent_clinical_review": False},
        "after": {"root_cause_analysis": True, "independent_clinical_review": True},
    }


def test_staff_are_informed_and_shown_the_complaint_before_interview_and_offered_support(
    org_a, alice, ivan, frozen
):
    case = reach(org_a, alice, Status.OPEN)
    staff = add_staff_involved(case, by=ivan, name="Dr Sam Example", job_title="Salaried GP")
    assert last_event(case).data == {
        "staff": 1,
        "name": "Dr Sam Example",
        "job_title": "Salaried GP",
    }

    record_staff_step(case, by=ivan, staff=1, step="informed")
    before = everything(case)
    with pytest.raises(TransitionNotAllowed) as error:
        record_staff_step(case, by=ivan, staff=1, step="interviewed")
    assert str(error.value) == (
        f"{case.reference}: Dr Sam Example has not been shown the complaint yet; record that "
        "first, before the interview."
    )
    assert everything(case) == before

    frozen.move_to(at(date(2026, 11, 3), 10))
    record_staff_step(case, by=ivan, staff=1, step="shown_complaint")
    record_staff_step(
        case, by=ivan, staff=1, step="support_offered", note="Occupational health and a mentor."
    )
    record_staff_step(case, by=ivan, staff=1, step="interviewed")
    staff.refresh_from_db()
    assert (staff.informed_at, staff.shown_complaint_at, staff.interviewed_at) == (
        MON,
        at(date(2026, 11, 3), 10),
        at(date(2026, 11, 3), 10),
    )
    assert staff.support_note == "Occupational health and a mentor."
    event = last_event(case)
    assert event.event == "staff_step_recorded"
    assert (event.data["step"], event.data["name"]) == ("interviewed", "Dr Sam Example")

    with pytest.raises(TransitionNotAllowed, match="already recorded as interviewed"):
        record_staff_step(case, by=ivan, staff=1, step="interviewed")


def test_a_statement_is_due_five_working_days_on_across_the_christmas_bank_holidays(
    org_a, alice, ivan, frozen
):
    case = reach(org_a, alice, Status.OPEN)
    prepared(case, ivan)
    frozen.move_to(at(date(2026, 12, 23), 10))  # Wed; 25 and 28 Dec, 1 Jan are bank holidays

    request = request_statement(case, by=ivan, staff=1)

    # Thu 24, Tue 29, Wed 30, Thu 31 Dec, Mon 4 Jan: the commissioner's 5 working days.
    assert (request.due, request.first_due) == (date(2027, 1, 4), date(2027, 1, 4))
    assert request.basis == "5 working days after the request on Wed 23 Dec 2026"
    event = last_event(case)
    assert event.event == "statement_requested"
    assert event.data["due"] == "2027-01-04"
    deadline = next(d for d in for_case(reload(case)) if d.key == "statement_1")
    assert (deadline.label, deadline.due, deadline.basis) == (
        "Statement from Dr Sam Example",
        date(2027, 1, 4),
        "5 working days after the request on Wed 23 Dec 2026",
    )

    frozen.move_to(at(date(2027, 1, 5), 9))  # Tue: overdue
    assert next(d for d in for_case(reload(case)) if d.key == "statement_1").state == "overdue"
    request = remind_statement(case, by=ivan, number=1)
    assert (request.due, request.reminders) == (date(2027, 1, 12), 1)
    event = last_event(case)
    assert event.event == "statement_reminder_sent"
    assert (event.data["previous_due"], event.data["due"], event.data["reminder"]) == (
        "2027-01-04",
        "2027-01-12",
        1,
    )
    assert reload(case).next_due <= date(2027, 1, 12)

    frozen.move_to(at(date(2027, 1, 11), 15))
    receive_statement(case, by=ivan, number=1)
    assert last_event(case).data["late"] is True  # after the first due date
    deadline = next(d for d in for_case(reload(case)) if d.key == "statement_1")
    assert (deadline.state, deadline.basis) == (
        "met",
        "5 working days after reminder 1 on Tue 5 Jan 2027",
    )
    with pytest.raises(TransitionNotAllowed, match="statement 1 has been received"):
        remind_statement(case, by=ivan, number=1)


def test_a_statement_is_not_asked_of_staff_not_yet_shown_the_complaint(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    add_staff_involved(case, by=ivan, name="Nurse Example")
    before = everything(case)
    with pytest.raises(TransitionNotAllowed, match="not been informed or shown the complaint"):
        request_statement(case, by=ivan, staff=1)
    assert everything(case) == before


def test_without_a_policy_time_a_statement_needs_a_due_date(org_b, bob):
    case = make_case(org_b, bob)
    from candour.cases.handling import acknowledge_case

    case = acknowledge_case(case, by=bob, method="email")
    prepared(case, bob)
    with pytest.raises(InvalidCase, match="due: is missing; the policy sets no time"):
        request_statement(case, by=bob, staff=1)
    assert request_statement(case, by=bob, staff=1, due=date(2026, 11, 9)).basis == (
        "due date set on Mon 2 Nov 2026, the request"
    )


def test_evidence_reviewed_and_remedies_offered(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    record_evidence(case, by=ivan, kind="records", description="GP record, Oct 2026.")
    record_evidence(case, by=ivan, kind="policy", description="Test results protocol v1.")
    assert list(case.evidence.values_list("kind", flat=True)) == ["records", "policy"]
    assert last_event(case).data == {
        "happened_at": "2026-11-02T09:00:00+00:00",
        "kind": "policy",
        "description": "Test results protocol v1.",
    }

    before = everything(case)
    with pytest.raises(InvalidCase, match="amount: is missing; give the sum"):
        offer_remedy(case, by=alice, kind="reimburse", description="Taxi fares to the clinic.")
    with pytest.raises(InvalidCase, match="amount: must be a sum of money"):
        offer_remedy(case, by=alice, kind="reimburse", description="Taxi.", amount="-3")
    assert everything(case) == before

    remedy = offer_remedy(
        case, by=alice, kind="reimburse", description="Taxi fares to the clinic.", amount="24.50"
    )
    assert remedy.amount == Decimal("24.50")
    assert last_event(case).data == {
        "happened_at": "2026-11-02T09:00:00+00:00",
        "kind": "reimburse",
        "description": "Taxi fares to the clinic.",
        "amount": "24.50",
    }
    offer_remedy(case, by=alice, kind="put_right", description="A same-week appointment.")
    assert Remedy.objects.filter(case=case).count() == 2


def test_the_commissioner_preset_gives_staff_five_working_days_for_a_statement():
    # 002 §10.5.1 V: investigations within 10 working days; statements within the first half.
    assert str(validate_policy(preset("commissioner")).statement_due) == "5 working days"
    assert validate_policy(preset("gp-practice")).statement_due is None
    data = preset("commissioner") | {"statement_due": {"amount": 0, "unit": "working_days"}}
    with pytest.raises(PolicyError, match=r"statement_due\.amount: Input should be greater than 0"):
        validate_policy(data)
