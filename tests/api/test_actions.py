"""Every lifecycle action through the API: each calls its domain function and the case's
audit trail shows it."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from candour.cases.models import Case
from candour.letters.compose import GUIDANCE
from tests.api.conftest import Api, audit_rows, complaint_body, events

pytestmark = pytest.mark.usefixtures("frozen")


def create(api, **overrides) -> dict:
    response = api.post("/cases", complaint_body(**overrides))
    assert response.status_code == 201, response.content
    return response.json()


def act(api, reference, action, body=None, status=200) -> dict:
    response = api.post(f"/cases/{reference}/{action}", body or {})
    assert response.status_code == status, response.content
    return response.json()


def send_final_response_through_the_api(as_drafter, as_signer, ref: str, frozen) -> datetime:
    """The commissioner's final response drafted, signed by a Director and dispatched, all
    through the API, recorded three hours after signing as sent two hours after it (or when
    signed, where the clock does not move); returns when it was sent."""
    letter = as_drafter.post(f"/cases/{ref}/letters", {"kind": "final_response"}).json()
    pk = letter["id"]
    sections = [
        [n, GUIDANCE.sub("Our own words.", t) or "Our own words."]
        for n, t in letter["latest"]["sections"]
    ]
    assert as_drafter.post(f"/letters/{pk}/revise", {"sections": sections}).status_code == 200
    assert as_drafter.post(f"/letters/{pk}/approve", {}).json()["step"]["key"] == "signature"
    signed = as_signer.post(f"/letters/{pk}/approve", {}).json()
    assert signed["status"] == "ready"
    frozen.shift(timedelta(hours=3))
    signed_at = datetime.fromisoformat(signed["signed"]["signed_at"])
    sent_at = max(signed_at, timezone.now() - timedelta(hours=1))
    sent = as_drafter.post(
        f"/letters/{pk}/dispatch", {"channel": "email", "sent_at": sent_at.isoformat()}
    )
    assert sent.status_code == 200, sent.content
    return sent_at


def test_a_verbal_complaint_for_a_relative_goes_from_receipt_to_the_next_stage(
    as_alice, as_ivan, ivan, frozen, director
):
    case = create(
        as_alice,
        channel="phone",
        relationship="relative",
        patient={"first_name": "Bea", "last_name": "Example", "nhs_number": "943 476 5919"},
    )
    ref = case["reference"]
    assert case["status"] == "received"
    assert case["consent_state"] == "needed"
    assert case["summary_required"] is True
    assert [p["role"] for p in case["people"]] == ["complainant", "patient", "representative"]

    assert act(as_alice, ref, "acknowledge", {"method": "letter"})["status"] == "open"
    assert act(as_alice, ref, "consent/request")["consent_state"] == "requested"
    received = act(as_alice, ref, "consent/receive", {"method": "written"})
    assert received["consent_state"] == "received"
    approved = act(as_alice, ref, "summary/approve", {"summary": "No call back about results."})
    assert approved["summary_approved_at"] is not None
    assert act(as_alice, ref, "grade", {"level": 2})["grade"] == 2
    with_issue = act(as_alice, ref, "issues", {"description": "Rude reply"}, status=201)
    assert [i["number"] for i in with_issue["issues"]] == [1, 2]
    assert act(as_alice, ref, "handler", {"handler": "alice"})["handler"] == "alice"
    assert act(as_alice, ref, "investigator", {"investigator": "ivan"})["investigator"] == "ivan"
    dated = act(as_alice, ref, "response-date", {"response_date": "2026-12-15"})
    assert dated["agreed_response_date"] == "2026-12-15"
    extended = act(
        as_alice, ref, "extension", {"new_date": "2027-01-15", "reason": "Agreed by phone."}
    )
    assert (extended["agreed_response_date"], extended["extensions"]) == ("2027-01-15", 1)
    updated = act(as_alice, ref, "updates", {"method": "email", "note": "Still investigating."})
    assert updated["last_update_at"] is not None
    noted = act(as_alice, ref, "external-notification", {"body": "the CQC"})
    assert noted["external_notification_body"] == "the CQC"
    assert act(as_alice, ref, "external-notification/done")["external_notified_at"] is not None
    paused = act(as_alice, ref, "pause", {"reason": "police", "detail": "Police inquiry."})
    assert paused["status"] == "paused"
    assert paused["pauses"][0]["reason"] == "police"
    frozen.shift(timedelta(days=2))
    resumed = act(as_alice, ref, "resume", {"note": "Police finished."})
    assert resumed["status"] == "open"
    assert resumed["pauses"][0]["ended_at"] is not None

    for number in (1, 2):
        found = act(
            as_ivan,
            ref,
            f"issues/{number}/finding",
            {"finding": "upheld", "summary": "No call was made."},
        )
    assert [i["finding"] for i in found["issues"]] == ["upheld", "upheld"]
    decided = act(as_alice, ref, "outcome", {"summary": "We apologise.", "outcome": "upheld"})
    # R26: the commissioner's final response is signed off; recording the outcome is not it.
    assert (decided["status"], decided["outcome"], decided["responded_at"]) == (
        "open",
        "upheld",
        None,
    )
    sent_at = send_final_response_through_the_api(as_alice, Api(director), ref, frozen)
    responded = Case.objects.get(reference=ref)
    assert (responded.status, responded.responded_at) == ("responded", sent_at)
    assert act(as_alice, ref, "close", {"note": "Response sent."})["status"] == "closed"
    frozen.shift(timedelta(days=10))
    asked = max(sent_at, timezone.now() - timedelta(days=3))  # received after the response
    reopened = act(
        as_alice,
        ref,
        "reopen",
        {"reason": "Still unhappy with the answer.", "received_at": asked.isoformat()},
    )
    assert (reopened["status"], reopened["stage"]) == ("open", 2)
    assert datetime.fromisoformat(reopened["stage_started_at"]) == asked
    # Stage 1's response is kept, and counted, as it was sent.
    assert [(r["stage"], r["responded_at"]) for r in reopened["responses"]] == [
        (1, sent_at.isoformat().replace("+00:00", "Z"))
    ]

    assert events(Case.objects.get(reference=ref)) == [
        "case_recorded",
        "case_acknowledged",
        "consent_requested",
        "consent_received",
        "summary_approved",
        "case_graded",
        "issue_added",
        "handler_assigned",
        "investigator_assigned",
        "response_date_agreed",
        "extension_agreed",
        "complainant_updated",
        "external_notification_identified",
        "external_body_notified",
        "case_paused",
        "case_resumed",
        "finding_recorded",
        "finding_recorded",
        "outcome_recorded",
        "letter_started",
        "letter_revised",
        "letter_approved",
        "letter_signed",
        "letter_dispatched",
        "response_sent",
        "case_closed",
        "case_reopened",
    ]


def test_consent_can_be_refused_withdrawn_and_overridden_and_the_case_withdrawn(as_alice):
    ref = create(as_alice, relationship="relative", patient={"first_name": "Bea"})["reference"]
    assert (
        act(as_alice, ref, "consent/refuse", {"note": "Patient said no."})["consent_state"]
        == "refused"
    )
    withdrawn = act(as_alice, ref, "consent/withdraw", {"note": "Confirmed in writing."})
    assert (withdrawn["consent_state"], withdrawn["representative_on_hold"]) == (
        "withdrawn",
        True,
    )
    overridden = act(
        as_alice,
        ref,
        "consent/override",
        {"grounds": "safeguarding", "reason": "A child may be at risk of harm."},
    )
    assert overridden["consent_state"] == "overridden"
    done = act(as_alice, ref, "withdraw", {"reason": "The complainant no longer wishes to go on."})
    assert (done["status"], done["outcome"]) == ("withdrawn", "withdrawn")
    assert events(Case.objects.get(reference=ref))[-4:] == [
        "consent_refused",
        "consent_withdrawn",
        "consent_overridden",
        "case_withdrawn",
    ]


def test_a_late_complaint_can_be_accepted(as_alice):
    case = create(as_alice, event_date="2024-01-10")
    assert case["out_of_time"] is True
    decided = act(
        as_alice, case["reference"], "late-decision", {"decision": "accepted", "reason": "Ill."}
    )
    assert decided["late_decision"] == "accepted"


def test_a_concern_can_be_resolved_informally(as_alice):
    ref = create(as_alice, kind="concern")["reference"]
    done = act(as_alice, ref, "resolve-informally", {"resolution": "Called back the same day."})
    assert (done["status"], done["outcome"]) == ("closed", "resolved_informally")


def test_a_concern_can_become_a_formal_complaint(as_alice):
    ref = create(as_alice, kind="concern")["reference"]
    done = act(as_alice, ref, "convert-to-complaint", {"reason": "Asked for a formal reply."})
    assert done["kind"] == "complaint"
    assert "concern_made_formal" in events(Case.objects.get(reference=ref))


def test_a_compliment_is_recorded_and_closed_at_once(as_alice):
    case = create(as_alice, kind="compliment", complainant=None, issues=[])
    assert (case["status"], case["outcome"]) == ("closed", "recorded")


def test_a_comment_on_record_can_be_closed(as_alice):
    ref = create(as_alice, kind="comment")["reference"]
    assert act(as_alice, ref, "close")["status"] == "closed"


def test_the_case_lists_the_actions_the_user_may_take(as_alice, as_ivan):
    case = create(as_alice)
    assert "acknowledge" in case["allowed_actions"]
    seen_by_ivan = as_ivan.get(f"/cases/{case['reference']}").json()
    assert "acknowledge" not in seen_by_ivan["allowed_actions"]


def test_a_refused_transition_is_409_and_writes_nothing(as_alice):
    ref = create(as_alice)["reference"]
    act(as_alice, ref, "acknowledge", {"method": "email"})
    before = audit_rows()
    response = as_alice.post(f"/cases/{ref}/acknowledge", {"method": "email"})
    assert response.status_code == 409
    assert "cannot be acknowledged" in response.json()["detail"]
    assert audit_rows() == before


def test_closing_an_open_complaint_is_409_and_writes_nothing(as_alice):
    ref = create(as_alice)["reference"]
    before = audit_rows()
    assert as_alice.post(f"/cases/{ref}/close", {}).status_code == 409
    assert audit_rows() == before


def test_an_action_the_role_does_not_allow_is_403_and_writes_nothing(as_alice, as_ivan):
    ref = create(as_alice)["reference"]
    before = audit_rows()
    response = as_ivan.post(f"/cases/{ref}/acknowledge", {"method": "email"})
    assert response.status_code == 403
    assert "role" in response.json()["detail"]
    assert audit_rows() == before


@pytest.mark.parametrize("username", ["nobody", "bob"])
def test_an_unknown_or_outside_user_as_handler_is_422_naming_the_field(as_alice, bob, username):
    ref = create(as_alice)["reference"]
    before = audit_rows()
    response = as_alice.post(f"/cases/{ref}/handler", {"handler": username})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "handler"
    assert audit_rows() == before


def test_the_same_message_answers_an_unknown_and_an_outside_user(as_alice, bob):
    ref = create(as_alice)["reference"]
    unknown = as_alice.post(f"/cases/{ref}/investigator", {"investigator": "nobody"}).json()
    outside = as_alice.post(f"/cases/{ref}/investigator", {"investigator": "bob"}).json()
    assert unknown == outside


def test_a_finding_on_a_missing_issue_is_422_naming_the_issue(as_alice):
    ref = create(as_alice)["reference"]
    act(as_alice, ref, "acknowledge", {"method": "email"})
    response = as_alice.post(
        f"/cases/{ref}/issues/9/finding", {"finding": "upheld", "summary": "x"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "issue_number"


def test_without_a_sign_off_chain_the_outcome_is_the_response_sent_at(as_alice, org_a, frozen):
    from tests.responding import without_sign_off

    without_sign_off(org_a)
    ref = create(as_alice)["reference"]
    act(as_alice, ref, "acknowledge", {"method": "letter"})
    act(as_alice, ref, "issues/1/finding", {"finding": "not_upheld", "summary": "Called."})
    frozen.shift(timedelta(days=3))
    sent = (timezone.now() - timedelta(days=1)).isoformat()
    too_early = act(
        as_alice,
        ref,
        "outcome",
        {"summary": "Not upheld.", "at": (timezone.now() - timedelta(days=4)).isoformat()},
        status=422,
    )
    assert too_early["detail"] == [{"field": "at", "message": "is before the case was received"}]
    answered = act(as_alice, ref, "outcome", {"summary": "Not upheld.", "at": sent})
    assert answered["status"] == "responded"
    assert datetime.fromisoformat(answered["responded_at"]) == datetime.fromisoformat(sent)
    assert answered["response_met"] is True
    assert [(r["stage"], r["met"]) for r in answered["responses"]] == [(1, True)]
