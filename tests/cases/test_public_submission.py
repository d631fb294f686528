"""Feedback sent through the public web form: recorded with no signed-in user, audited as
the public form, and followed on the status page with the reference and a secret."""

from __future__ import annotations

from datetime import date

import pytest

from candour.audit.models import AuditEvent
from candour.cases import status
from candour.cases.handling import acknowledge_case
from candour.cases.intake import (
    PUBLIC_FORM,
    InvalidCase,
    record_case,
    record_public_submission,
)
from candour.cases.models import Case, Channel, ConsentState, Status, StatusKey
from candour.cases.workflow import PermissionDenied

from ..conftest import new_case
from .conftest import events, reload


def web(**overrides):
    return new_case(channel=Channel.WEB_FORM, **overrides)


def test_it_records_a_web_complaint_with_no_user_and_names_the_public_form(org_a, frozen):
    submission = record_public_submission(org_a, web())
    case = submission.case
    assert case.channel == "web_form" and case.recorded_by is None
    recorded = AuditEvent.objects.get(case=case, event="case_recorded")
    assert recorded.actor is None
    assert recorded.data["via"] == PUBLIC_FORM
    assert events(case) == ["case_recorded", "status_key_issued"]


def test_record_case_still_refuses_a_caller_without_a_role(org_a, bob, frozen):
    with pytest.raises(PermissionDenied):
        record_case(org_a, web(), by=bob)
    with pytest.raises(PermissionDenied):
        record_case(org_a, web(), by=None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "mp_enquiry"),
        ("channel", "phone"),
        ("urgent_clinical_need", True),
        ("call_handler", "Reception"),
        ("confidential", True),
    ],
)
def test_it_refuses_what_the_public_form_cannot_send_and_writes_nothing(
    org_a, frozen, field, value
):
    overrides = {field: value}
    new = new_case(**overrides) if field == "channel" else web(**overrides)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(InvalidCase) as error:
        record_public_submission(org_a, new)
    assert error.value.field == field
    assert AuditEvent.objects.count() == audit_before
    assert not Case.objects.exists()


def test_a_complaint_made_after_the_time_limit_is_recorded_and_marked_out_of_time(org_a, frozen):
    case = record_public_submission(org_a, web(event_date=date(2024, 1, 5))).case
    assert case.out_of_time and case.status == Status.RECEIVED


def test_a_representative_complaint_keeps_the_consent_note(org_a, frozen):
    from candour.cases.people import PersonDetails

    case = record_public_submission(
        org_a,
        web(
            relationship="relative",
            patient=PersonDetails(first_name="Sam", last_name="Example"),
            consent_note="The patient agrees, says the complainant.",
        ),
    ).case
    assert case.consent_state == ConsentState.NEEDED
    assert case.consent_note == "The patient agrees, says the complainant."


def test_a_compliment_is_recorded_and_closed_at_once(org_a, frozen):
    case = record_public_submission(org_a, web(kind="compliment", complainant=None)).case
    assert case.status == Status.CLOSED and case.outcome == "recorded"
    closed = AuditEvent.objects.get(case=case, event="compliment_recorded")
    assert closed.actor is None and closed.data["via"] == PUBLIC_FORM


def test_only_a_hash_of_the_secret_is_stored(org_a, frozen):
    submission = record_public_submission(org_a, web())
    key = StatusKey.objects.get(case=submission.case)
    assert submission.status_secret.replace("-", "") not in key.key_hash
    assert len(submission.status_secret) == 19
    assert "secret" not in str(AuditEvent.objects.filter(case=submission.case).values("data"))


def test_the_status_shows_the_stage_and_the_next_date(org_a, alice, frozen):
    submission = record_public_submission(org_a, web())
    case = submission.case
    shown = status.status_for(case.reference, submission.status_secret.lower())
    assert shown == status.PublicStatus(
        case.reference, "Received", "We will acknowledge it by", date(2026, 11, 5)
    )
    acknowledge_case(reload(case), by=alice, method="email")
    shown = status.status_for(case.reference, submission.status_secret)
    assert shown.stage == "We are looking into it" and shown.next_label == "We will respond by"
    assert shown.next_date == reload(case).response_due is not None
    assert "status_viewed_publicly" in events(case)


def test_a_wrong_secret_and_an_unknown_reference_get_the_same_answer(org_a, frozen):
    submission = record_public_submission(org_a, web())
    assert status.status_for(submission.case.reference, "AAAA-BBBB-CCCC-DDDD") is None
    assert status.status_for("WAL-2026-99999", submission.status_secret) is None
    assert "status_viewed_publicly" not in events(submission.case)


def test_a_new_key_replaces_the_old_one(org_a, alice, frozen):
    submission = record_public_submission(org_a, web())
    newer = status.issue_status_key(submission.case, by=alice)
    assert status.status_for(submission.case.reference, submission.status_secret) is None
    assert status.status_for(submission.case.reference, newer) is not None
