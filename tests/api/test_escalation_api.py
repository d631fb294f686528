"""Naming and forwarding to the provider (R32) and the Ombudsman referral with its steps (R30)
through the API: each endpoint calls the domain function the case page's form calls, and is
refused as the API says (409 state, 422 input naming the field, 403 role, 404 another
organisation's case)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from candour.audit.models import AuditEvent
from candour.cases.models import Case, OmbudsmanReferral, Status
from tests.api.conftest import audit_rows, events
from tests.cases.conftest import reach

from ..conftest import at, make_case

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00


def post(api, reference, path, body, status=200) -> dict:
    response = api.post(f"/cases/{reference}/{path}", body)
    assert response.status_code == status, response.content
    return response.json()


def refused(api, reference, path, body, status: int, field: str | None = None) -> dict:
    rows = audit_rows()
    response = api.post(f"/cases/{reference}/{path}", body)
    assert response.status_code == status, response.content
    assert audit_rows() == rows, "a refused request wrote nothing"
    if field is not None:
        assert [e["field"] for e in response.json()["detail"]] == [field], response.content
    return response.json()


def deadline(detail: dict, key: str) -> dict | None:
    return next((d for d in detail["deadlines"] if d["key"] == key), None)


@pytest.fixture
def withdrawn(org_a, alice):
    """A complaint the complainant withdrew, then took to the Ombudsman."""
    return reach(org_a, alice, Status.WITHDRAWN)


def test_a_compliment_names_the_provider_it_is_about(as_alice, org_a, alice):
    case = make_case(org_a, alice, kind="compliment")
    detail = post(as_alice, case.reference, "provider", {"provider": " Example Community Trust "})
    assert detail["provider_name"] == "Example Community Trust"
    assert events(case)[-1] == "provider_named"
    refused(as_alice, case.reference, "provider", {"provider": " "}, 422, "provider")
    refused(as_alice, case.reference, "provider", {"provider": "x" * 201}, 422, "provider")
    refused(as_alice, case.reference, "provider", {}, 422, "provider")


def test_a_commissioner_forwards_a_complaint_and_it_closes_as_provider_led(as_alice, org_a, alice):
    case = make_case(org_a, alice, received_at=at(date(2026, 10, 30), 15))
    body = {"provider": "Example Community Trust", "at": "2026-11-02T08:30:00Z", "note": "Phone"}
    shared = {"method": "verbal", "at": "2026-10-30T15:30:00Z"}
    post(as_alice, case.reference, "share-consent", shared)
    refused(
        as_alice,
        case.reference,
        "forward-to-provider",
        {**body, "at": "2026-11-03T09:00:00Z"},
        422,
        "at",
    )
    refused(
        as_alice,
        case.reference,
        "forward-to-provider",
        {**body, "at": "2026-10-29T09:00:00Z"},
        422,
        "at",
    )
    refused(
        as_alice, case.reference, "forward-to-provider", {**body, "colour": "red"}, 422, "colour"
    )
    detail = post(as_alice, case.reference, "forward-to-provider", body)
    assert (detail["status"], detail["outcome"]) == ("closed", "forwarded")
    assert detail["forwarded_to_provider_at"] == "2026-11-02T08:30:00Z"
    assert detail["provider_name"] == "Example Community Trust"
    assert "forward_to_provider" not in detail["allowed_actions"]
    # Closed now: forwarding again is the state machine's refusal.
    message = refused(as_alice, case.reference, "forward-to-provider", body, 409)["detail"]
    assert "cannot be forwarded to the provider: it is closed" in message


def test_forwarding_without_the_complainants_consent_is_refused(as_alice, org_a, alice):
    from candour.cases.people import PersonDetails

    case = make_case(org_a, alice, relationship="relative", patient=PersonDetails(first_name="Tom"))
    message = refused(
        as_alice, case.reference, "forward-to-provider", {"provider": "Example Trust"}, 409
    )["detail"]
    assert "needs the complainant's consent" in message


def test_an_ombudsman_referral_its_information_request_and_outcome(as_alice, withdrawn, frozen):
    ref = withdrawn.reference
    detail = post(
        as_alice,
        ref,
        "ombudsman-referrals",
        {"body": "phso", "referred_on": "2026-11-02", "note": "Letter of 2 Nov"},
        status=201,
    )
    assert detail["ombudsman_referrals"] == [
        {
            "number": 1,
            "body": "phso",
            "body_name": "",
            "referred_on": "2026-11-02",
            "information_requested_on": None,
            "information_due": None,
            "information_sent_on": None,
            "outcome": "",
            "decided_on": None,
            "outcome_summary": "",
            "note": "Letter of 2 Nov",
        }
    ]
    assert deadline(detail, "ombudsman_information_1") is None

    frozen.move_to(at(date(2026, 11, 10), 9))
    path = "ombudsman-referrals/1/information-request"
    detail = post(as_alice, ref, path, {"requested_on": "2026-11-09", "due": "2026-11-20"})
    asked = deadline(detail, "ombudsman_information_1")
    assert asked == {
        "key": "ombudsman_information_1",
        "label": "Send the Ombudsman the information asked for",
        "due": "2026-11-20",
        "due_at": None,
        "basis": "the date the Parliamentary and Health Service Ombudsman set in its request "
        "of Mon 9 Nov 2026",
        "state": "pending",
        "met": None,
        "completed_at": None,
    }
    assert detail["next_due"] == "2026-11-20"
    assert Case.objects.get(pk=withdrawn.pk).next_due == date(2026, 11, 20)

    frozen.move_to(at(date(2026, 11, 24), 9))
    assert (
        deadline(as_alice.get(f"/cases/{ref}").json(), "ombudsman_information_1")["state"]
        == "overdue"
    )
    detail = post(
        as_alice, ref, "ombudsman-referrals/1/information-sent", {"sent_on": "2026-11-23"}
    )
    sent = deadline(detail, "ombudsman_information_1")
    assert (sent["state"], sent["met"]) == ("missed", False)
    assert datetime.fromisoformat(sent["completed_at"]).date() == date(2026, 11, 23)
    assert detail["next_due"] is None

    detail = post(
        as_alice,
        ref,
        "ombudsman-referrals/1/outcome",
        {"outcome": "partly_upheld", "decided_on": "2026-11-24", "summary": "Apology."},
    )
    referral = detail["ombudsman_referrals"][0]
    assert (referral["outcome"], referral["decided_on"], referral["outcome_summary"]) == (
        "partly_upheld",
        "2026-11-24",
        "Apology.",
    )
    assert [e for e in events(withdrawn) if e != "case_viewed"][-4:] == [
        "ombudsman_referral_recorded",
        "ombudsman_information_requested",
        "ombudsman_information_sent",
        "ombudsman_outcome_recorded",
    ]
    sent_event = AuditEvent.objects.get(case=withdrawn, event="ombudsman_information_sent")
    assert sent_event.data["late"] is True


def test_information_sent_by_the_due_date_meets_the_deadline(as_alice, withdrawn, frozen):
    ref = withdrawn.reference
    post(
        as_alice,
        ref,
        "ombudsman-referrals",
        {"body": "adr", "body_name": "Example Adjudication", "referred_on": "2026-11-02"},
        status=201,
    )
    frozen.move_to(at(date(2026, 11, 12), 9))
    detail = post(
        as_alice,
        ref,
        "ombudsman-referrals/1/information-request",
        {"requested_on": "2026-11-03", "due": "2026-11-17"},
    )
    asked = deadline(detail, "ombudsman_information_1")
    assert asked["label"] == "Send Example Adjudication the information asked for"
    detail = post(
        as_alice, ref, "ombudsman-referrals/1/information-sent", {"sent_on": "2026-11-12"}
    )
    sent = deadline(detail, "ombudsman_information_1")
    assert (sent["state"], sent["met"]) == ("met", True)


def test_a_decision_made_without_the_information_no_longer_waits_for_it(
    as_alice, withdrawn, frozen
):
    ref = withdrawn.reference
    post(
        as_alice,
        ref,
        "ombudsman-referrals",
        {"body": "phso", "referred_on": "2026-11-02"},
        status=201,
    )
    post(
        as_alice,
        ref,
        "ombudsman-referrals/1/information-request",
        {"requested_on": "2026-11-02", "due": "2026-11-20"},
    )
    detail = post(
        as_alice,
        ref,
        "ombudsman-referrals/1/outcome",
        {"outcome": "declined", "decided_on": "2026-11-02"},
    )
    assert deadline(detail, "ombudsman_information_1") is None
    assert detail["next_due"] is None


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("ombudsman-referrals", {"body": "pope", "referred_on": "2026-11-02"}, "body"),
        ("ombudsman-referrals", {"body": "adr", "referred_on": "2026-11-02"}, "body_name"),
        ("ombudsman-referrals", {"body": "phso", "referred_on": "2026-11-03"}, "referred_on"),
        ("ombudsman-referrals", {"body": "phso", "referred_on": "2026-01-03"}, "referred_on"),
        ("ombudsman-referrals", {"body": "phso", "referred_on": "2 Nov 2026"}, "referred_on"),
        ("ombudsman-referrals", {"body": "phso"}, "referred_on"),
        (
            "ombudsman-referrals/1/information-request",
            {"requested_on": "2026-11-02", "due": "2026-11-01"},
            "due",
        ),
        (
            "ombudsman-referrals/1/information-request",
            {"requested_on": "2026-11-01", "due": "2026-11-20"},
            "requested_on",
        ),
        (
            "ombudsman-referrals/2/information-request",
            {"requested_on": "2026-11-02", "due": "2026-11-20"},
            "number",
        ),
        (
            "ombudsman-referrals/1/outcome",
            {"outcome": "maybe", "decided_on": "2026-11-02"},
            "outcome",
        ),
        (
            "ombudsman-referrals/1/outcome",
            {"outcome": "upheld", "decided_on": "2026-11-03"},
            "decided_on",
        ),
        ("ombudsman-referrals/1/information-sent", {"sent_on": None}, "sent_on"),
    ],
)
def test_bad_input_is_refused_naming_the_field(as_alice, alice, withdrawn, path, body, field):
    from candour.cases.escalation import refer_to_ombudsman

    refer_to_ombudsman(withdrawn, by=alice, body="phso", referred_on=date(2026, 11, 2))
    refused(as_alice, withdrawn.reference, path, body, 422, field)
    assert OmbudsmanReferral.objects.filter(case=withdrawn).count() == 1


def test_steps_out_of_turn_are_refused_as_the_state_does(as_alice, org_a, alice, withdrawn):
    open_case = make_case(org_a, alice)
    message = refused(
        as_alice,
        open_case.reference,
        "ombudsman-referrals",
        {"body": "phso", "referred_on": "2026-11-02"},
        409,
    )["detail"]
    assert "cannot be referred to the Ombudsman: it is received" in message
    post(
        as_alice,
        withdrawn.reference,
        "ombudsman-referrals",
        {"body": "phso", "referred_on": "2026-11-02"},
        status=201,
    )
    message = refused(
        as_alice,
        withdrawn.reference,
        "ombudsman-referrals/1/information-sent",
        {"sent_on": "2026-11-02"},
        409,
    )["detail"]
    assert message == "No information has been requested on this referral."


def test_another_organisations_case_is_not_found_and_a_role_without_handling_is_refused(
    as_bob, as_ivan, org_a, alice, withdrawn
):
    from candour.cases.escalation import refer_to_ombudsman

    refer_to_ombudsman(withdrawn, by=alice, body="phso", referred_on=date(2026, 11, 2))
    compliment = make_case(org_a, alice, kind="compliment")
    calls = [
        (compliment, "provider", {"provider": "Example Trust"}),
        (make_case(org_a, alice), "forward-to-provider", {"provider": "Example Trust"}),
        (withdrawn, "ombudsman-referrals", {"body": "phso", "referred_on": "2026-11-02"}),
        (
            withdrawn,
            "ombudsman-referrals/1/information-request",
            {"requested_on": "2026-11-02", "due": "2026-11-20"},
        ),
        (withdrawn, "ombudsman-referrals/1/information-sent", {"sent_on": "2026-11-02"}),
        (
            withdrawn,
            "ombudsman-referrals/1/outcome",
            {"outcome": "upheld", "decided_on": "2026-11-02"},
        ),
    ]
    for case, path, body in calls:
        # Bob works at another organisation: the case does not exist for him.
        message = refused(as_bob, case.reference, path, body, 404)["detail"]
        assert message == f"There is no case {case.reference} that you can see."
        # Ivan investigates at Walsall but does not handle cases there.
        refused(as_ivan, case.reference, path, body, 403)
