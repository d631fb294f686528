"""Action plans and lessons through the API (R28, R35)."""

from datetime import date

import pytest

from candour.cases.models import CaseAction
from tests.api.conftest import audit_rows, events
from tests.cases.conftest import reach

pytestmark = pytest.mark.usefixtures("frozen")

ACTION = {
    "description": "Reception to call back about every test result within one working day.",
    "owner": "ivan",
    "due": "2026-11-30",
    "themes": ["Communication"],
}


def test_an_action_is_added_done_checked_and_then_the_case_closes(
    as_alice, as_ivan, org_a, alice, ivan
):
    case = reach(org_a, alice, "responded")
    ref = case.reference

    response = as_alice.post(f"/cases/{ref}/actions", ACTION)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["number"], a["owner"], a["status"], a["themes"]) for a in body["actions"]] == [
        (1, "ivan", "open", ["Communication"])
    ]
    assert {d["key"]: d["due"] for d in body["deadlines"]}["action_1"] == "2026-11-30"

    refused = as_alice.post(f"/cases/{ref}/close", {})
    assert refused.status_code == 409
    assert "action 1 (Reception to call back" in refused.json()["detail"]

    done = as_ivan.post(f"/cases/{ref}/actions/1/complete", {"evidence": "Protocol v2 issued."})
    assert done.status_code == 200, done.content
    checked = as_alice.post(f"/cases/{ref}/actions/1/verify", {"check": "Audited 20 results."})
    assert checked.json()["actions"][0]["verified_by"] == "alice"
    closed = as_alice.post(f"/cases/{ref}/close", {"note": "Told the complainant by letter."})
    assert closed.json()["status"] == "closed"
    assert events(case)[-4:] == [
        "action_added",
        "action_completed",
        "action_verified",
        "case_closed",
    ]

    lesson = as_alice.post(
        f"/cases/{ref}/lessons", {"text": "Results need an owner.", "themes": ["Test results"]}
    )
    assert lesson.status_code == 201
    assert lesson.json()["lessons"][0]["themes"] == ["Test results"]


def test_someone_from_another_organisation_gets_404_and_nothing_is_written(
    as_bob, org_a, alice, ivan
):
    case = reach(org_a, alice, "open")
    rows = audit_rows()
    for path, body in [
        ("actions", ACTION),
        ("actions/1/complete", {"evidence": "x"}),
        ("actions/1/verify", {"check": "x"}),
        ("actions/1/cancel", {"reason": "x"}),
        ("lessons", {"text": "x", "themes": ["x"]}),
    ]:
        response = as_bob.post(f"/cases/{case.reference}/{path}", body)
        assert response.status_code == 404, path
    assert audit_rows() == rows
    assert not CaseAction.objects.exists()


def test_an_unknown_owner_is_a_422_naming_the_field(as_alice, org_a, alice):
    case = reach(org_a, alice, "open")
    response = as_alice.post(f"/cases/{case.reference}/actions", {**ACTION, "owner": "bob"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"field": "owner", "message": "must be a person with a role at Walsall Commissioning"}
        ]
    }


def test_the_action_endpoints_declare_their_errors(client):
    schema = client.get("/api/openapi.json").json()
    for path in (
        "/api/v1/cases/{reference}/actions",
        "/api/v1/cases/{reference}/actions/{number}/complete",
        "/api/v1/cases/{reference}/actions/{number}/verify",
        "/api/v1/cases/{reference}/actions/{number}/cancel",
        "/api/v1/cases/{reference}/lessons",
    ):
        responses = schema["paths"][path]["post"]["responses"]
        assert {"401", "403", "404", "409", "422"} <= set(responses), path


def test_a_referral_through_the_api_offers_a_pause_and_the_outsider_gets_404(
    as_alice, as_bob, org_a, alice
):
    case = reach(org_a, alice, "open")
    ref = case.reference
    body = {"kind": "police", "detail": "Alleged theft.", "owner": "alice", "due": "2026-11-04"}

    rows = audit_rows()
    assert as_bob.post(f"/cases/{ref}/referrals", body).status_code == 404
    assert as_bob.post(f"/cases/{ref}/referrals/1/made", {}).status_code == 404
    assert audit_rows() == rows

    response = as_alice.post(f"/cases/{ref}/referrals", body)
    assert response.status_code == 201, response.content
    (referral,) = response.json()["referrals"]
    assert (referral["body"], referral["due"], referral["pause_offered"]) == (
        "Police",
        "2026-11-04",
        "police",
    )
    made = as_alice.post(f"/cases/{ref}/referrals/1/made", {"their_reference": "WM-123"})
    assert made.json()["referrals"][0]["their_reference"] == "WM-123"
    assert {d["key"]: d["met"] for d in made.json()["deadlines"]}["referral_1"] is True

    bad = as_alice.post(f"/cases/{ref}/referrals", {**body, "kind": "gossip"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "kind"


INVESTIGATION_CALLS = [
    ("handling-plan", {"desired_outcomes": "An apology."}),
    ("investigation", {"root_cause_analysis": True}),
    ("staff", {"name": "Dr Sam Example", "job_title": "Salaried GP"}),
    ("staff/1/steps", {"step": "informed"}),
    ("staff/1/steps", {"step": "shown_complaint"}),
    ("statements", {"staff": 1}),
    ("statements/1/remind", {}),
    ("statements/1/received", {}),
    ("evidence", {"kind": "records", "description": "GP record."}),
    ("remedies", {"kind": "reimburse", "description": "Taxi fares.", "amount": "24.50"}),
]


def test_the_handling_plan_and_investigation_through_the_api(as_alice, as_bob, org_a, alice):
    case = reach(org_a, alice, "open")
    ref = case.reference
    rows = audit_rows()
    for path, body in INVESTIGATION_CALLS:
        assert as_bob.post(f"/cases/{ref}/{path}", body).status_code == 404, path
    assert audit_rows() == rows

    for path, body in INVESTIGATION_CALLS:
        response = as_alice.post(f"/cases/{ref}/{path}", body)
        assert response.status_code in (200, 201), (path, response.content)
    detail = response.json()
    assert detail["handling_plan"]["desired_outcomes"] == "An apology."
    assert detail["handling_plan"]["root_cause_analysis"] is True
    assert [(s["name"], s["informed_at"] is not None) for s in detail["staff"]] == [
        ("Dr Sam Example", True)
    ]
    (statement,) = detail["statement_requests"]
    assert (statement["staff"], statement["reminders"], statement["due"]) == (1, 1, "2026-11-09")
    assert detail["evidence"][0]["kind"] == "records"
    assert detail["remedies"][0]["amount"] == "24.50"
    assert {d["key"]: d["met"] for d in detail["deadlines"]}["statement_1"] is True

    refused = as_alice.post(f"/cases/{ref}/staff/1/steps", {"step": "interviewed"})
    assert refused.status_code == 200  # informed and shown the complaint: allowed
    bad = as_alice.post(f"/cases/{ref}/handling-plan", {"colour": "blue"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "colour"


def test_lessons_and_actions_across_cases_are_scoped_and_filtered(
    as_alice, as_bob, org_a, alice, org_b, bob
):
    from candour.cases.actions import add_action, record_lesson
    from tests.conftest import make_case

    phones = reach(org_a, alice, "open", service="Telephones")
    pharmacy = reach(org_a, alice, "open", service="Pharmacy")
    record_lesson(phones, by=alice, text="Answer within ten rings.", themes=["Access"])
    record_lesson(pharmacy, by=alice, text="Check the dose twice.", themes=["Safety"])
    record_lesson(make_case(org_b, bob), by=bob, text="Not for Walsall.", themes=["Access"])
    add_action(
        pharmacy, by=alice, description="Second check.", owner=alice, due=date(2026, 12, 1),
        themes=["Safety"],
    )  # fmt: skip

    everything = as_alice.get("/learning/lessons").json()
    assert [x["lesson"]["text"] for x in everything] == [
        "Check the dose twice.",
        "Answer within ten rings.",
    ]
    access = as_alice.get("/learning/lessons", theme="Access").json()
    assert [(x["reference"], x["service"]) for x in access] == [(phones.reference, "Telephones")]
    assert [x["lesson"]["text"] for x in as_bob.get("/learning/lessons").json()] == [
        "Not for Walsall."
    ]
    found = as_alice.get("/learning/actions", service="Pharmacy", outstanding="true").json()
    assert [(x["reference"], x["action"]["description"]) for x in found] == [
        (pharmacy.reference, "Second check.")
    ]
    assert as_bob.get("/learning/actions").json() == []
    assert as_alice.get("/learning/actions", status="finished").status_code == 422
