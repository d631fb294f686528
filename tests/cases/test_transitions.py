"""Every action of the state machine (candour.cases.workflow.TRANSITIONS): allowed, with its
status change and audit event; refused from every other status, and by anyone without the
capability, with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from candour.audit.models import AuditEvent
from candour.cases import case_studies, joint, surveys
from candour.cases.actions import (
    add_action,
    cancel_action,
    complete_action,
    record_lesson,
    verify_action,
)
from candour.cases.closure_models import CaseStudy
from candour.cases.consent import (
    approve_summary,
    override_consent,
    receive_consent,
    record_share_consent,
    refuse_consent,
    reinstate_representative,
    request_consent,
    withdraw_consent,
    withdraw_representative,
)
from candour.cases.contacts import log_contact
from candour.cases.corrections import correct_details, correct_person
from candour.cases.deadlines import for_case
from candour.cases.escalation import (
    forward_to_provider,
    name_provider,
    refer_to_ombudsman,
    request_ombudsman_information,
)
from candour.cases.handling import (
    acknowledge_case,
    agree_extension,
    agree_response_date,
    assign_handler,
    assign_investigator,
    close_case,
    decide_late_complaint,
    grade_case,
    identify_external_notification,
    log_update,
    pause_case,
    record_external_notification,
    reopen_case,
    resume_case,
    withdraw_case,
)
from candour.cases.intake import (
    InvalidCase,
    convert_to_complaint,
    record_case,
    resolve_informally,
)
from candour.cases.investigation import (
    add_issue,
    add_staff_involved,
    offer_remedy,
    receive_statement,
    record_evidence,
    record_finding,
    record_outcome,
    record_staff_step,
    remind_statement,
    request_statement,
    update_handling_plan,
    update_investigation,
)
from candour.cases.models import Case, Kind, OmbudsmanReferral, StageResponse, Status
from candour.cases.people import PersonDetails
from candour.cases.redirections import redirect_outside_procedure
from candour.cases.referrals import raise_referral, record_referral
from candour.cases.workflow import (
    TRANSITIONS,
    PermissionDenied,
    TransitionNotAllowed,
    allowed_actions,
)

from ..conftest import at, make_case, new_case
from ..responding import without_sign_off
from .conftest import events, last_event, reach, reload, snapshot

NOW = "2026-11-02T09:00:00+00:00"  # the frozen clock, as the audit trail writes it

REPRESENTED = {
    "relationship": "relative",
    "patient": PersonDetails(first_name="Tom", last_name="Example"),
}

joint_due = date(2026, 11, 16)


def a_case_study(case):
    """A draft case study of `case`, stored without its action (so without an audit event)."""
    study, _ = CaseStudy.objects.get_or_create(
        case=case,
        number=1,
        defaults={
            "organisation": case.organisation,
            "title": "A complaint",
            "period": "November 2026",
            "what_happened": "A call was not returned.",
            "drafted_at": timezone.now(),
            "drafted_by": case.recorded_by,
        },
    )
    return study


# One call per action, with arguments that would be accepted from an allowed status.
ACTIONS = {
    "acknowledge": (Kind.COMPLAINT, lambda c, by: acknowledge_case(c, by=by, method="email")),
    "request_consent": (Kind.COMPLAINT, lambda c, by: request_consent(c, by=by)),
    "receive_consent": (
        Kind.COMPLAINT,
        lambda c, by: receive_consent(c, by=by, method="written"),
    ),
    "refuse_consent": (
        Kind.COMPLAINT,
        lambda c, by: refuse_consent(c, by=by, note="The patient does not want this pursued."),
    ),
    "withdraw_consent": (
        Kind.COMPLAINT,
        lambda c, by: withdraw_consent(c, by=by, note="The patient phoned to withdraw consent."),
    ),
    "override_consent": (
        Kind.COMPLAINT,
        lambda c, by: override_consent(
            c, by=by, grounds="safeguarding", reason="A vulnerable adult may be at risk."
        ),
    ),
    "approve_summary": (
        Kind.COMPLAINT,
        lambda c, by: approve_summary(c, by=by, summary="No call back about test results."),
    ),
    "grade": (Kind.COMPLAINT, lambda c, by: grade_case(c, by=by, level=3)),
    "add_issue": (
        Kind.COMPLAINT,
        lambda c, by: add_issue(c, by=by, description="The receptionist was rude."),
    ),
    "assign_handler": (Kind.COMPLAINT, lambda c, by: assign_handler(c, by=by, handler=by)),
    "assign_investigator": (
        Kind.COMPLAINT,
        lambda c, by: assign_investigator(c, by=by, investigator=by),
    ),
    "agree_response_date": (
        Kind.COMPLAINT,
        lambda c, by: agree_response_date(c, by=by, response_date=date(2026, 12, 18)),
    ),
    "agree_extension": (
        Kind.COMPLAINT,
        lambda c, by: agree_extension(
            c, by=by, new_date=date(2027, 1, 29), reason="Waiting for records; agreed by phone."
        ),
    ),
    "decide_late_complaint": (
        Kind.COMPLAINT,
        lambda c, by: decide_late_complaint(
            c, by=by, decision="accepted", reason="In hospital for most of the year."
        ),
    ),
    "log_update": (
        Kind.COMPLAINT,
        lambda c, by: log_update(c, by=by, method="email", note="Still waiting for records."),
    ),
    "identify_external_notification": (
        Kind.COMPLAINT,
        lambda c, by: identify_external_notification(c, by=by, body="Care Quality Commission"),
    ),
    "record_external_notification": (
        Kind.COMPLAINT,
        lambda c, by: record_external_notification(c, by=by),
    ),
    "pause": (
        Kind.COMPLAINT,
        lambda c, by: pause_case(c, by=by, reason="police", detail="Police enquiry under way."),
    ),
    "resume": (Kind.COMPLAINT, lambda c, by: resume_case(c, by=by, note="Police finished.")),
    "record_finding": (
        Kind.COMPLAINT,
        lambda c, by: record_finding(
            c, by=by, issue_number=1, finding="upheld", summary="The call was never made."
        ),
    ),
    "record_outcome": (
        Kind.COMPLAINT,
        lambda c, by: record_outcome(c, by=by, summary="We apologise; the process has changed."),
    ),
    "close": (Kind.COMPLAINT, lambda c, by: close_case(c, by=by)),
    "close_record": (Kind.COMMENT, lambda c, by: close_case(c, by=by)),
    "continue_after_withdrawal": (
        Kind.COMPLAINT,
        lambda c, by: withdraw_case(
            c, by=by, reason="Feels better now.", continue_because="Learning for the service."
        ),
    ),
    "withdraw": (
        Kind.COMPLAINT,
        lambda c, by: withdraw_case(c, by=by, reason="Feels better now."),
    ),
    "reopen": (
        Kind.COMPLAINT,
        lambda c, by: reopen_case(c, by=by, reason="The response did not answer issue 1."),
    ),
    "resolve_informally": (
        Kind.CONCERN,
        lambda c, by: resolve_informally(c, by=by, resolution="Rebooked the appointment."),
    ),
    "convert_to_complaint": (
        Kind.CONCERN,
        lambda c, by: convert_to_complaint(c, by=by, reason="Wants a written response."),
    ),
    "name_provider": (
        Kind.COMPLIMENT,
        lambda c, by: name_provider(c, by=by, provider="Example Community Trust"),
    ),
    "record_share_consent": (
        Kind.COMPLAINT,
        lambda c, by: record_share_consent(c, by=by, method="verbal"),
    ),
    "withdraw_representative": (
        Kind.COMPLAINT,
        lambda c, by: withdraw_representative(c, by=by, note="The patient rang."),
    ),
    "reinstate_representative": (
        Kind.COMPLAINT,
        lambda c, by: reinstate_representative(c, by=by, note="The patient wrote."),
    ),
    "forward_to_provider": (
        Kind.COMPLAINT,
        lambda c, by: forward_to_provider(c, by=by, provider="Example Community Trust"),
    ),
    "refer_to_ombudsman": (
        Kind.COMPLAINT,
        lambda c, by: refer_to_ombudsman(c, by=by, body="phso", referred_on=date(2026, 11, 2)),
    ),
    "record_ombudsman_step": (
        Kind.COMPLAINT,
        lambda c, by: request_ombudsman_information(
            OmbudsmanReferral.objects.create(case=c, body="phso", referred_on=date(2026, 11, 2)),
            by=by,
            requested_on=date(2026, 11, 2),
            due=date(2026, 11, 30),
        ),
    ),
    "add_action": (
        Kind.COMPLAINT,
        lambda c, by: add_action(
            c, by=by, description="Retrain reception.", owner=by, due=date(2026, 11, 30)
        ),
    ),
    "complete_action": (
        Kind.COMPLAINT,
        lambda c, by: complete_action(c, by=by, number=1, evidence="Training log signed."),
    ),
    "verify_action": (
        Kind.COMPLAINT,
        lambda c, by: verify_action(c, by=by, number=1, check="Audited a week of calls."),
    ),
    "cancel_action": (
        Kind.COMPLAINT,
        lambda c, by: cancel_action(c, by=by, number=1, reason="Overtaken by a new system."),
    ),
    "record_lesson": (
        Kind.COMPLAINT,
        lambda c, by: record_lesson(c, by=by, text="Call back the same day.", themes=["Access"]),
    ),
    "raise_referral": (
        Kind.COMPLAINT,
        lambda c, by: raise_referral(
            c,
            by=by,
            kind="safeguarding_adult",
            detail="Bruising noted.",
            owner=by,
            due=date(2026, 11, 3),
        ),
    ),
    "record_referral": (
        Kind.COMPLAINT,
        lambda c, by: record_referral(c, by=by, number=1, their_reference="LA-1"),
    ),
    "update_handling_plan": (
        Kind.COMPLAINT,
        lambda c, by: update_handling_plan(c, by=by, desired_outcomes="An apology."),
    ),
    "update_investigation": (
        Kind.COMPLAINT,
        lambda c, by: update_investigation(c, by=by, root_cause_analysis=True),
    ),
    "add_staff_involved": (
        Kind.COMPLAINT,
        lambda c, by: add_staff_involved(c, by=by, name="Dr Example", job_title="GP"),
    ),
    "record_staff_step": (
        Kind.COMPLAINT,
        lambda c, by: record_staff_step(c, by=by, staff=1, step="informed"),
    ),
    "request_statement": (Kind.COMPLAINT, lambda c, by: request_statement(c, by=by, staff=1)),
    "remind_statement": (Kind.COMPLAINT, lambda c, by: remind_statement(c, by=by, number=1)),
    "receive_statement": (Kind.COMPLAINT, lambda c, by: receive_statement(c, by=by, number=1)),
    "record_evidence": (
        Kind.COMPLAINT,
        lambda c, by: record_evidence(c, by=by, kind="records", description="GP record."),
    ),
    "offer_remedy": (
        Kind.COMPLAINT,
        lambda c, by: offer_remedy(
            c, by=by, kind="reimburse", description="Taxi fares.", amount="24.50"
        ),
    ),
    "log_contact": (
        Kind.COMPLAINT,
        lambda c, by: log_contact(
            c,
            by=by,
            channel="phone",
            direction="from_complainant",
            party="complainant",
            summary="Rang to ask for news.",
        ),
    ),
    "correct_details": (
        Kind.COMPLAINT,
        lambda c, by: correct_details(c, by=by, reason="Misheard.", service="Phlebotomy"),
    ),
    "correct_person": (
        Kind.COMPLAINT,
        lambda c, by: correct_person(c, "complainant", by=by, reason="Misspelt.", last_name="Ex"),
    ),
    # Issue 17 (R10, seed 002 §13): tests/cases/test_redirections.py tests it in full.
    "redirect_outside_procedure": (
        Kind.COMPLAINT,
        lambda c, by: redirect_outside_procedure(
            c, by=by, category="staff_employment", reason="A grievance about a rota."
        ),
    ),
    # Joint complaints (R31): tests/cases/test_joint.py tries each from where it is allowed.
    "start_joint": (
        Kind.COMPLAINT,
        lambda c, by: joint.start_joint(c, by=by, lead_basis="most_issues", lead_reason="Ours."),
    ),
    "add_joint_part": (
        Kind.COMPLAINT,
        lambda c, by: joint.add_part(
            c, by=by, organisation_name="Example Acute Trust", asked="Explain.", due=joint_due
        ),
    ),
    "share_joint_part": (
        Kind.COMPLAINT,
        lambda c, by: joint.share_part(c, by=by, number=1, consent="given", consent_on=joint_due),
    ),
    "record_part_reply": (
        Kind.COMPLAINT,
        lambda c, by: joint.record_reply(c, by=by, number=1, text="Found nothing."),
    ),
    "go_without_part": (
        Kind.COMPLAINT,
        lambda c, by: joint.go_without(c, by=by, number=1, reason="No reply in time."),
    ),
    "change_joint_part": (
        Kind.COMPLAINT,
        lambda c, by: joint.change_part(c, by=by, number=1, due=joint_due),
    ),
    "withdraw_joint_part": (
        Kind.COMPLAINT,
        lambda c, by: joint.withdraw_part(c, by=by, number=1, reason="Asked in error."),
    ),
    # After closure (R37): tests/cases/test_surveys.py and test_case_studies.py.
    "send_survey": (
        Kind.COMPLAINT,
        lambda c, by: surveys.send_survey(c, by=by, offer="sent", channel="post"),
    ),
    "record_survey_answers": (
        Kind.COMPLAINT,
        lambda c, by: surveys.record_answers(c, by=by, answers={"handling": "Satisfied"}),
    ),
    "draft_case_study": (Kind.COMPLAINT, lambda c, by: case_studies.draft_case_study(c, by=by)),
    "edit_case_study": (
        Kind.COMPLAINT,
        lambda c, by: case_studies.edit_case_study(a_case_study(c), by=by, title="Discharge"),
    ),
    "approve_case_study": (
        Kind.COMPLAINT,
        lambda c, by: case_studies.approve_case_study(a_case_study(c), by=by),
    ),
    "withdraw_case_study": (
        Kind.COMPLAINT,
        lambda c, by: case_studies.withdraw_case_study(a_case_study(c), by=by, reason="Unused."),
    ),
}


def test_every_action_in_the_state_machine_is_exercised_here():
    assert set(ACTIONS) == set(TRANSITIONS)


REFUSALS = [
    (action, status)
    for action, transition in TRANSITIONS.items()
    for status in Status
    if status not in transition.from_statuses
]


@pytest.mark.parametrize(("action", "status"), REFUSALS, ids=[f"{a}-{s}" for a, s in REFUSALS])
def test_it_refuses_an_action_from_a_status_that_does_not_allow_it_and_writes_nothing(
    org_a, alice, frozen, action, status
):
    kind, call = ACTIONS[action]
    case = reach(org_a, alice, status, kind=kind)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed) as error:
        call(case, alice)

    label = Status(status).label.lower()
    assert str(error.value).startswith(
        f"{case.reference} cannot be {TRANSITIONS[action].label}: it is {label}. "
        "This is allowed only when it is "
    )
    assert snapshot(case) == before


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_someone_from_another_organisation_can_do_nothing_to_a_case(
    org_a, alice, bob, frozen, action
):
    kind, call = ACTIONS[action]
    allowed_from = sorted(TRANSITIONS[action].from_statuses)[0]
    case = reach(org_a, alice, allowed_from, kind=kind)
    before = snapshot(case)

    with pytest.raises(PermissionDenied, match="You do not have a role at Walsall Commissioning"):
        call(case, bob)

    assert snapshot(case) == before


def test_an_investigating_officer_cannot_acknowledge(org_a, alice, ivan, frozen):
    case = make_case(org_a, alice)
    before = snapshot(case)

    with pytest.raises(PermissionDenied) as error:
        acknowledge_case(case, by=ivan, method="email")

    assert str(error.value) == (
        "You do not have a role at Walsall Commissioning that allows this "
        "(record and handle cases)."
    )
    assert snapshot(case) == before


def test_an_investigating_officer_can_record_a_finding(org_a, alice, ivan, frozen):
    case = reach(org_a, alice, Status.OPEN)
    record_finding(case, by=ivan, issue_number=1, finding="not_upheld", summary="Call logged.")
    assert last_event(case).actor == ivan


def test_someone_from_another_organisation_cannot_record_a_case_there(org_a, bob, frozen):
    with pytest.raises(PermissionDenied, match="You cannot record cases for Walsall"):
        make_case(org_a, bob)
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(event="case_recorded").exists()


# --- each action, allowed --------------------------------------------------------------------


def test_it_acknowledges_a_received_complaint(org_a, alice, frozen):
    case = make_case(org_a, alice)
    case = acknowledge_case(case, by=alice, method="email")

    assert reload(case).status == Status.OPEN
    event = last_event(case)
    assert event.event == "case_acknowledged"
    assert event.actor == alice
    assert event.data == {
        "happened_at": NOW,
        "before": {"status": "received", "acknowledged_at": None, "acknowledgement_method": ""},
        "after": {"status": "open", "acknowledged_at": NOW, "acknowledgement_method": "email"},
        "late": False,
    }


def test_it_marks_a_late_acknowledgement_as_late(org_a, alice, frozen):
    case = make_case(org_a, alice)  # Mon 2 Nov 2026: due Thu 5 Nov
    frozen.move_to(at(date(2026, 11, 6), 9))
    acknowledge_case(case, by=alice, method="letter")
    assert last_event(case).data["late"] is True


def test_it_asks_for_consent(org_a, alice, frozen):
    case = make_case(org_a, alice, **REPRESENTED)
    assert case.consent_state == "needed"
    request_consent(case, by=alice)

    assert reload(case).status == Status.RECEIVED
    event = last_event(case)
    assert event.event == "consent_requested"
    assert event.data == {
        "happened_at": NOW,
        "before": {"consent_state": "needed", "consent_requested_at": None},
        "after": {"consent_state": "requested", "consent_requested_at": NOW},
    }


def test_it_records_consent_as_received(org_a, alice, frozen):
    case = request_consent(make_case(org_a, alice, **REPRESENTED), by=alice)
    receive_consent(case, by=alice, method="written")

    event = last_event(case)
    assert event.event == "consent_received"
    assert event.data == {
        "happened_at": NOW,
        "before": {
            "consent_state": "requested",
            "consent_received_at": None,
            "consent_method": "",
            "representative_on_hold": False,
        },
        "after": {
            "consent_state": "received",
            "consent_received_at": NOW,
            "consent_method": "written",
            "representative_on_hold": False,
        },
    }


def test_it_records_consent_as_refused(org_a, alice, frozen):
    case = request_consent(make_case(org_a, alice, **REPRESENTED), by=alice)
    refuse_consent(case, by=alice, note="Does not want her son involved.")

    event = last_event(case)
    assert event.event == "consent_refused"
    assert event.data == {
        "happened_at": NOW,
        "before": {"consent_state": "requested", "consent_note": ""},
        "after": {"consent_state": "refused", "consent_note": "Does not want her son involved."},
    }


def test_withdrawn_consent_puts_correspondence_to_the_representative_on_hold(org_a, alice, frozen):
    # R13, 002 §9.5: letters to the representative stop until it is clarified.
    case = request_consent(make_case(org_a, alice, **REPRESENTED), by=alice)
    case = receive_consent(case, by=alice, method="written")
    case = withdraw_consent(case, by=alice, note="Patient phoned: son no longer acts for her.")

    assert reload(case).representative_on_hold is True
    event = last_event(case)
    assert event.event == "consent_withdrawn"
    assert event.data["before"] == {
        "consent_state": "received",
        "consent_note": "",
        "representative_on_hold": False,
    }
    assert event.data["after"] == {
        "consent_state": "withdrawn",
        "consent_note": "Patient phoned: son no longer acts for her.",
        "representative_on_hold": True,
    }
    # Consent given again lifts the hold.
    receive_consent(case, by=alice, method="verbal")
    assert reload(case).representative_on_hold is False


def test_it_records_a_consent_override_with_its_grounds(org_a, alice, frozen):
    case = make_case(org_a, alice, **REPRESENTED)
    override_consent(case, by=alice, grounds="public_interest", reason="Risk to other patients.")

    event = last_event(case)
    assert event.event == "consent_overridden"
    assert event.data == {
        "happened_at": NOW,
        "before": {"consent_state": "needed", "consent_received_at": None, "consent_note": ""},
        "after": {
            "consent_state": "overridden",
            "consent_received_at": NOW,
            "consent_note": "Over-riding public interest: Risk to other patients.",
        },
        "grounds": "public_interest",
    }


def test_it_records_approval_of_the_summary_of_a_verbal_complaint(org_a, alice, frozen):
    case = make_case(org_a, alice, channel="phone")
    assert case.summary_required
    approve_summary(case, by=alice, summary="Ms Example was not called back about results.")

    event = last_event(case)
    assert event.event == "summary_approved"
    assert event.data == {
        "happened_at": NOW,
        "before": {"summary": "", "summary_approved_at": None},
        "after": {
            "summary": "Ms Example was not called back about results.",
            "summary_approved_at": NOW,
        },
    }


def test_it_grades_a_case_by_the_policys_matrix(org_a, alice, frozen):
    case = make_case(org_a, alice)
    grade_case(case, by=alice, level=3)

    assert reload(case).grade == 3
    event = last_event(case)
    assert event.event == "case_graded"
    assert event.data == {
        "before": {"grade": None},
        "after": {"grade": 3},
        "grade_name": "Major",
        "suggested_owner": "Executive Manager",
    }


def test_it_adds_an_issue_with_the_next_number(org_a, alice, frozen):
    case = make_case(org_a, alice)
    issue = add_issue(case, by=alice, description="The receptionist was rude.")

    assert issue.number == 2
    event = last_event(case)
    assert event.event == "issue_added"
    assert event.data == {"issue": 2, "description": "The receptionist was rude.", "stage": 1}


def test_it_assigns_a_handler(org_a, alice, frozen):
    case = make_case(org_a, alice)
    assign_handler(case, by=alice, handler=alice)

    event = last_event(case)
    assert event.event == "handler_assigned"
    assert event.data == {"before": {"handler": None}, "after": {"handler": alice.pk}}


def test_it_refuses_a_handler_who_cannot_handle_cases(org_a, alice, ivan, frozen):
    case = make_case(org_a, alice)
    before = snapshot(case)
    with pytest.raises(InvalidCase, match=r"^handler: must be a person with a role"):
        assign_handler(case, by=alice, handler=ivan)
    assert snapshot(case) == before


def test_it_assigns_an_investigator(org_a, alice, ivan, frozen):
    case = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    assign_investigator(case, by=alice, investigator=ivan)

    assert reload(case).investigator == ivan
    event = last_event(case)
    assert event.event == "investigator_assigned"
    assert event.data == {"before": {"investigator": None}, "after": {"investigator": ivan.pk}}


def test_a_case_given_an_investigator_before_acknowledgement_can_still_be_acknowledged(
    org_a, alice, ivan, frozen
):
    case = make_case(org_a, alice)
    assign_investigator(case, by=alice, investigator=ivan)
    assert reload(case).status == Status.RECEIVED  # still awaiting acknowledgement

    acknowledge_case(case, by=alice, method="letter")
    case = reload(case)
    assert case.status == Status.OPEN
    assert {d.key: d for d in for_case(case)}["acknowledge"].met is True


def test_it_agrees_a_response_date(org_a, alice, frozen):
    case = make_case(org_a, alice)
    agree_response_date(case, by=alice, response_date=date(2026, 12, 18), note="By phone.")

    case = reload(case)
    assert case.response_due == date(2026, 12, 18)
    event = last_event(case)
    assert event.event == "response_date_agreed"
    assert event.data == {
        "before": {"agreed_response_date": None},
        "after": {"agreed_response_date": "2026-12-18"},
        "note": "By phone.",
    }


def test_an_extension_changes_the_response_date_and_says_why_in_its_basis(org_a, alice, frozen):
    case = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    # 25 working days after receipt on Mon 2 Nov 2026.
    assert case.response_due == date(2026, 12, 7)
    agree_extension(
        case, by=alice, new_date=date(2026, 12, 21), reason="Records delayed; agreed by phone."
    )

    case = reload(case)
    assert case.response_due == date(2026, 12, 21)
    response = {d.key: d for d in for_case(case)}["response"]
    assert response.basis == (
        "date agreed with the complainant (Mon 21 Dec 2026) after 1 extension"
    )
    event = last_event(case)
    assert event.event == "extension_agreed"
    assert event.data == {
        "before": {"agreed_response_date": None, "extensions": 0},
        "after": {"agreed_response_date": "2026-12-21", "extensions": 1},
        "reason": "Records delayed; agreed by phone.",
        "previous_due": "2026-12-07",
    }


def test_it_decides_to_accept_a_late_complaint(org_a, alice, frozen):
    case = make_case(org_a, alice, event_date=date(2025, 6, 1))
    assert case.out_of_time
    decide_late_complaint(case, by=alice, decision="accepted", reason="Was in hospital.")

    case = reload(case)
    assert case.status == Status.RECEIVED
    event = last_event(case)
    assert event.event == "late_complaint_decided"
    assert event.data == {
        "happened_at": NOW,
        "before": {"late_decision": "", "late_decision_reason": ""},
        "after": {"late_decision": "accepted", "late_decision_reason": "Was in hospital."},
        "escalation": "Parliamentary and Health Service Ombudsman",
    }


def test_it_logs_an_update_to_the_complainant(org_a, alice, frozen):
    case = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    log_update(case, by=alice, method="email", note="Still waiting for records.")

    event = last_event(case)
    assert event.event == "complainant_updated"
    assert event.data == {
        "happened_at": NOW,
        "before": {"last_update_at": None},
        "after": {"last_update_at": NOW},
        "method": "email",
        "note": "Still waiting for records.",
    }


def test_it_identifies_and_records_an_external_notification(org_a, alice, frozen):
    case = make_case(org_a, alice)
    identify_external_notification(case, by=alice, body="Care Quality Commission")
    event = last_event(case)
    assert event.event == "external_notification_identified"
    assert event.data == {
        "happened_at": NOW,
        "before": {
            "external_notification_identified_at": None,
            "external_notification_body": "",
            "external_notified_at": None,
        },
        "after": {
            "external_notification_identified_at": NOW,
            "external_notification_body": "Care Quality Commission",
            "external_notified_at": None,
        },
    }

    record_external_notification(case, by=alice)
    event = last_event(case)
    assert event.event == "external_body_notified"
    assert event.data == {
        "happened_at": NOW,
        "before": {"external_notified_at": None},
        "after": {"external_notified_at": NOW},
        "body": "Care Quality Commission",
    }


def test_an_external_notification_cannot_be_recorded_before_it_is_identified(org_a, alice, frozen):
    case = make_case(org_a, alice)
    before = snapshot(case)
    with pytest.raises(TransitionNotAllowed, match="has no external notification to record"):
        record_external_notification(case, by=alice)
    assert snapshot(case) == before


def test_pausing_and_resuming_moves_the_response_deadline_by_the_working_days_paused(
    org_a, alice, frozen
):
    case = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    assert case.response_due == date(2026, 12, 7)
    frozen.move_to(at(date(2026, 11, 10), 9))  # Tue
    case = pause_case(case, by=alice, reason="police", detail="Police enquiry under way.")
    assert reload(case).status == Status.PAUSED
    event = last_event(case)
    assert event.event == "case_paused"
    assert event.data == {
        "happened_at": "2026-11-10T09:00:00+00:00",
        "before": {"paused_at": None, "status": "open"},
        "after": {"paused_at": "2026-11-10T09:00:00+00:00", "status": "paused"},
        "reason": "police",
        "detail": "Police enquiry under way.",
    }

    frozen.move_to(at(date(2026, 11, 17), 9))  # Tue a week later: 11-13, 16, 17 = 5 days
    case = resume_case(case, by=alice, note="Police finished.")

    case = reload(case)
    assert case.status == Status.OPEN
    assert case.response_due == date(2026, 12, 14)  # Mon 7 Dec + 5 working days
    response = {d.key: d for d in for_case(case)}["response"]
    assert response.basis == ("25 working days after receipt on Mon 2 Nov 2026, plus 5 paused")
    event = last_event(case)
    assert event.event == "case_resumed"
    assert event.data == {
        "happened_at": "2026-11-17T09:00:00+00:00",
        "before": {"paused_at": "2026-11-10T09:00:00+00:00", "status": "paused"},
        "after": {"paused_at": None, "status": "open"},
        "note": "Police finished.",
        "paused_since": "2026-11-10T09:00:00+00:00",
    }
    assert case.pauses.get().ended_at == timezone.now()


def test_it_records_a_finding_on_an_issue(org_a, alice, frozen):
    case = reach(org_a, alice, Status.OPEN)
    issue = record_finding(case, by=alice, issue_number=1, finding="upheld", summary="No call.")

    assert issue.finding == "upheld"
    event = last_event(case)
    assert event.event == "finding_recorded"
    assert event.data == {
        "happened_at": NOW,
        "issue": 1,
        "before": {"finding": "", "finding_summary": ""},
        "after": {"finding": "upheld", "finding_summary": "No call."},
    }


def test_with_a_sign_off_chain_the_outcome_is_recorded_but_is_not_the_response(
    org_a, alice, frozen
):
    case = reach(org_a, alice, Status.OPEN)
    record_finding(case, by=alice, issue_number=1, finding="upheld", summary="No call.")
    record_outcome(case, by=alice, summary="We apologise.")

    case = reload(case)
    # R26: the commissioner's final response is signed off; it is sent when dispatched.
    assert (case.status, case.outcome, case.outcome_summary) == (
        Status.OPEN,
        "upheld",
        "We apologise.",
    )
    assert case.responded_at is None and case.response_met is None
    assert not StageResponse.objects.filter(case=case).exists()
    event = last_event(case)
    assert event.event == "outcome_recorded"
    assert event.data == {
        "before": {"outcome": "", "outcome_summary": ""},
        "after": {"outcome": "upheld", "outcome_summary": "We apologise."},
        "happened_at": NOW,
        "response": "the final response signed off by 'Final response (Accountable Officer or "
        "Director signs)', when it is sent",
    }
    assert "record_outcome" in allowed_actions(case)  # the conclusions may still change
    assert "close" not in allowed_actions(case)


def test_without_a_sign_off_chain_the_outcome_is_the_response_sent_when_given(org_a, alice, frozen):
    org = without_sign_off(org_a)
    case = reach(org, alice, Status.OPEN)
    frozen.move_to(at(date(2026, 11, 5), 15))
    record_finding(case, by=alice, issue_number=1, finding="upheld", summary="No call.")
    sent = at(date(2026, 11, 5), 15, 30)
    with pytest.raises(InvalidCase, match=r"^at: is before the last finding was recorded"):
        record_outcome(case, by=alice, summary="We apologise.", at=at(date(2026, 11, 5), 14))
    frozen.move_to(at(date(2026, 11, 6), 10))
    record_outcome(case, by=alice, summary="We apologise.", at=sent)

    case = reload(case)
    assert (case.status, case.responded_at, case.response_met) == (Status.RESPONDED, sent, True)
    event = last_event(case)
    assert event.event == "outcome_recorded"
    assert event.data == {
        "before": {
            "outcome": "",
            "outcome_summary": "",
            "responded_at": None,
            "status": "open",
        },
        "after": {
            "outcome": "upheld",
            "outcome_summary": "We apologise.",
            "responded_at": "2026-11-05T15:30:00+00:00",
            "status": "responded",
        },
        "happened_at": "2026-11-05T15:30:00+00:00",
    }
    response = StageResponse.objects.get(case=case)
    assert (response.stage, response.responded_at, response.outcome, response.met) == (
        1,
        sent,
        "upheld",
        True,
    )
    assert (response.response_due, response.extensions, response.reopened_at) == (
        case.response_due,
        0,
        None,
    )


def test_it_refuses_the_outcome_while_an_issue_has_no_finding(org_a, alice, frozen):
    case = reach(org_a, alice, Status.OPEN, issues=["No call back", "Rude receptionist"])
    record_finding(case, by=alice, issue_number=1, finding="upheld", summary="No call.")
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed) as error:
        record_outcome(case, by=alice, summary="We apologise.")

    assert str(error.value) == (
        f"{case.reference}: issue 2 has no finding yet; record a finding for every issue "
        "before the outcome."
    )
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("findings", "outcome"),
    [
        (["upheld"], "upheld"),
        (["upheld", "upheld"], "upheld"),
        (["not_upheld", "not_upheld"], "not_upheld"),
        (["upheld", "not_upheld"], "partly_upheld"),
        (["partly_upheld"], "partly_upheld"),
        (["not_upheld", "partly_upheld"], "partly_upheld"),
    ],
)
def test_the_overall_outcome_follows_the_findings(org_a, alice, frozen, findings, outcome):
    issues = [f"Issue {n}" for n in range(1, len(findings) + 1)]
    case = reach(org_a, alice, Status.OPEN, issues=issues)
    for number, finding in enumerate(findings, start=1):
        record_finding(case, by=alice, issue_number=number, finding=finding, summary="Reasons.")
    record_outcome(case, by=alice, summary="Conclusions.")

    assert reload(case).outcome == outcome
    assert last_event(case).data["after"]["outcome"] == outcome


def test_an_outcome_that_contradicts_the_findings_is_refused(org_a, alice, frozen):
    case = reach(org_a, alice, Status.OPEN)
    record_finding(case, by=alice, issue_number=1, finding="not_upheld", summary="Call logged.")
    before = snapshot(case)
    with pytest.raises(InvalidCase, match=r"^outcome: does not match the findings"):
        record_outcome(case, by=alice, summary="Conclusions.", outcome="upheld")
    assert snapshot(case) == before


def test_it_closes_a_responded_complaint(org_a, alice, frozen):
    case = reach(org_a, alice, Status.RESPONDED)
    close_case(case, by=alice, note="No reply within a month.")

    case = reload(case)
    assert case.status == Status.CLOSED
    event = last_event(case)
    assert event.event == "case_closed"
    assert event.data == {
        "happened_at": NOW,
        "before": {"closed_at": None, "status": "responded"},
        "after": {"closed_at": NOW, "status": "closed"},
        "note": "No reply within a month.",
    }


def test_it_closes_a_comment_on_record(org_a, alice, frozen):
    case = make_case(org_a, alice, kind="comment")
    close_case(case, by=alice)

    case = reload(case)
    assert (case.status, case.outcome) == (Status.CLOSED, "recorded")
    event = last_event(case)
    assert event.event == "case_closed"
    assert event.data == {
        "happened_at": NOW,
        "before": {"closed_at": None, "outcome": "", "status": "received"},
        "after": {"closed_at": NOW, "outcome": "recorded", "status": "closed"},
        "note": "",
    }


def test_it_records_a_compliment_and_closes_it(org_a, alice, frozen):
    from candour.cases.intake import record_compliment

    case = record_compliment(
        org_a,
        new_case(kind="compliment", complainant=None, issues=[], description="Lovely nurses."),
        by=alice,
    )

    case = reload(case)
    assert (case.status, case.outcome, case.consent_state) == (
        Status.CLOSED,
        "recorded",
        "not_needed",
    )
    assert events(case) == ["case_recorded", "compliment_recorded"]
    assert last_event(case).data == {
        "before": {"closed_at": None, "outcome": "", "status": "received"},
        "after": {"closed_at": NOW, "outcome": "recorded", "status": "closed"},
    }


def test_a_withdrawn_complaint_is_withdrawn(org_a, alice, frozen):
    case = reach(org_a, alice, Status.PAUSED)
    withdraw_case(case, by=alice, reason="Feels better now.")

    case = reload(case)
    assert (case.status, case.outcome, case.paused_at) == (Status.WITHDRAWN, "withdrawn", None)
    assert case.pauses.get().ended_at == timezone.now()
    assert case.response_due is None and case.next_due is None
    event = last_event(case)
    assert event.event == "case_withdrawn"
    assert event.data == {
        "happened_at": NOW,
        "before": {
            "withdrawn_at": None,
            "outcome": "",
            "paused_at": NOW,
            "status": "paused",
        },
        "after": {
            "withdrawn_at": NOW,
            "outcome": "withdrawn",
            "paused_at": None,
            "status": "withdrawn",
        },
        "reason": "Feels better now.",
    }


def test_the_organisation_may_continue_after_a_withdrawal_with_a_reason(org_a, alice, frozen):
    # R14, 002 §9.9: learning, safeguarding or public interest.
    case = reach(org_a, alice, Status.OPEN)
    withdraw_case(
        case, by=alice, reason="Feels better now.", continue_because="Learning for the service."
    )

    case = reload(case)
    assert case.status == Status.OPEN
    assert case.continued_after_withdrawal == "Learning for the service."
    event = last_event(case)
    assert event.event == "case_withdrawn_but_continued"
    assert event.data == {
        "happened_at": NOW,
        "before": {"withdrawn_at": None, "continued_after_withdrawal": ""},
        "after": {"withdrawn_at": NOW, "continued_after_withdrawal": "Learning for the service."},
        "reason": "Feels better now.",
    }


def test_reopening_goes_to_stage_two_of_the_same_case_with_the_clocks_restarted(
    org_a, alice, frozen
):
    case = reach(org_a, alice, Status.RESPONDED)
    reference = case.reference
    frozen.move_to(at(date(2027, 1, 4), 9))  # Mon, two months later
    case = reopen_case(case, by=alice, reason="The response did not answer issue 1.")

    case = reload(case)
    assert (case.reference, case.status, case.stage) == (reference, Status.OPEN, 2)
    assert Case.objects.count() == 1
    # 25 working days after Mon 4 Jan 2027; the investigation 10.
    deadlines = {d.key: d for d in for_case(case)}
    assert case.response_due == date(2027, 2, 8)
    assert deadlines["response"].basis == (
        "25 working days after the start of stage 2 on Mon 4 Jan 2027"
    )
    assert deadlines["investigation"].due == date(2027, 1, 18)
    # Nothing is overdue the moment the case is reopened.
    assert all(d.state != "overdue" for d in deadlines.values()), deadlines
    event = last_event(case)
    assert event.event == "case_reopened"
    assert event.data["before"]["stage"] == 1 and event.data["after"]["stage"] == 2
    assert event.data["before"]["status"] == "responded"
    assert event.data["after"]["status"] == "open"
    assert event.data["after"]["stage_started_at"] == "2027-01-04T09:00:00+00:00"
    # R29: the policy's own next stage; the Ombudsman is not a stage a case is reopened into
    # (seed 002 §11.1: it reviews "once Local Resolution has been thoroughly explored").
    assert event.data["stage_name"] == "Further local resolution"


def test_a_concern_resolved_informally_is_closed_and_stays_on_record(org_a, alice, frozen):
    case = make_case(org_a, alice, kind="concern", channel="phone")
    resolve_informally(case, by=alice, resolution="Rebooked the appointment.")

    case = reload(case)
    assert (case.status, case.outcome) == (Status.CLOSED, "resolved_informally")
    resolution = {d.key: d for d in for_case(case)}["informal_resolution"]
    assert resolution.met is True
    event = last_event(case)
    assert event.event == "concern_resolved_informally"
    assert event.data == {
        "happened_at": NOW,
        "before": {"closed_at": None, "outcome": "", "outcome_summary": "", "status": "received"},
        "after": {
            "closed_at": NOW,
            "outcome": "resolved_informally",
            "outcome_summary": "Rebooked the appointment.",
            "status": "closed",
        },
    }


def test_a_concern_can_become_a_formal_complaint(org_a, alice, frozen):
    case = make_case(org_a, alice, kind="concern", channel="phone")
    assert case.response_due == date(2026, 11, 3)  # informal: by the next working day
    convert_to_complaint(case, by=alice, reason="Wants a written response.")

    case = reload(case)
    assert (case.kind, case.status, case.summary_required) == ("complaint", "received", True)
    event = last_event(case)
    assert event.event == "concern_made_formal"
    assert event.data["before"] == {
        "kind": "concern",
        "summary_required": False,
        "out_of_time": False,
    }
    assert event.data["after"] == {
        "kind": "complaint",
        "summary_required": True,
        "out_of_time": False,
    }
    assert event.data["reason"] == "Wants a written response."
    # The acknowledgement clock runs from the original receipt.
    assert case.acknowledge_due == date(2026, 11, 5)


# --- consent and investigation ---------------------------------------------------------------


def test_investigation_is_refused_without_consent(org_a, alice, ivan, frozen):
    case = make_case(org_a, alice, **REPRESENTED)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed) as error:
        assign_investigator(case, by=alice, investigator=ivan)

    assert str(error.value) == (
        f"{case.reference} cannot be investigated yet: consent is needed, not yet requested. "
        "Record consent, or record an override with its reasons."
    )
    assert snapshot(case) == before


def test_a_consent_override_needs_reasons(org_a, alice, frozen):
    case = make_case(org_a, alice, **REPRESENTED)
    before = snapshot(case)
    with pytest.raises(InvalidCase, match=r"^reason: is too short"):
        override_consent(case, by=alice, grounds="safeguarding", reason="risk")
    with pytest.raises(InvalidCase, match=r"^grounds: must be one of"):
        override_consent(case, by=alice, grounds="convenience", reason="It is quicker this way.")
    assert snapshot(case) == before


def test_investigation_goes_ahead_without_consent_once_an_override_is_recorded(
    org_a, alice, ivan, frozen
):
    case = make_case(org_a, alice, **REPRESENTED)
    override_consent(case, by=alice, grounds="safeguarding", reason="A vulnerable adult at risk.")
    assign_investigator(case, by=alice, investigator=ivan)

    assert reload(case).investigator == ivan
    assert events(case) == ["case_recorded", "consent_overridden", "investigator_assigned"]


def test_an_mp_writing_for_a_constituent_needs_no_separate_consent(org_a, alice, ivan, frozen):
    # 002 §9.8: the investigation proceeds on the consent the constituent gave the MP.
    case = make_case(
        org_a,
        alice,
        kind="mp_enquiry",
        channel="via_mp",
        relationship="mp",
        complainant=PersonDetails(title="Rt Hon", first_name="Jo", last_name="Member"),
        patient=PersonDetails(first_name="Tom", last_name="Example"),
    )
    assert case.consent_state == "not_needed"
    assign_investigator(case, by=alice, investigator=ivan)
    assert reload(case).investigator == ivan


# --- NHS number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("9434765918", False),  # wrong check digit
        ("943476591", False),  # nine digits
        ("94347659190", False),  # eleven digits
        ("94347659A9", False),
        ("", False),
    ],
)
def test_nhs_numbers_are_checked_with_modulus_11(number, valid):
    from candour.cases.people import nhs_number_is_valid

    assert nhs_number_is_valid(number) is valid


def test_a_check_digit_of_ten_makes_an_nhs_number_invalid():
    from candour.cases.people import nhs_number_is_valid

    # 100000001: weights 10..2 give 12; 11 - 12 % 11 = 10, which no check digit can be.
    assert all(not nhs_number_is_valid(f"100000001{d}") for d in range(10))


def test_a_bad_nhs_number_at_intake_is_refused_naming_the_field_and_nothing_is_written(
    org_a, alice, frozen
):
    from candour.cases.models import CaseSequence, Person

    audit_before = AuditEvent.objects.count()
    details = PersonDetails(first_name="Ada", last_name="Example", nhs_number="943 476 5918")

    with pytest.raises(InvalidCase) as error:
        record_case(org_a, new_case(complainant=details), by=alice)

    assert error.value.field == "complainant.nhs_number"
    assert str(error.value).startswith("complainant.nhs_number: is not a valid NHS number")
    assert not Case.objects.exists()
    assert not Person.objects.exists()
    assert not CaseSequence.objects.exists()
    assert AuditEvent.objects.count() == audit_before


def test_a_valid_nhs_number_is_stored_without_spaces(org_a, alice, frozen):
    details = PersonDetails(first_name="Ada", last_name="Example", nhs_number="943 476 5919")
    case = record_case(org_a, new_case(complainant=details), by=alice)
    assert case.parties.get().person.nhs_number == "9434765919"
