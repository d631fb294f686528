"""Recording a case and reading it back: detail, deadlines and timeline."""

import pytest

from candour.audit.models import AuditEvent
from candour.cases.models import Case
from tests.api.conftest import audit_rows, complaint_body
from tests.conftest import make_case

pytestmark = pytest.mark.usefixtures("frozen")


def test_it_records_a_complaint_and_returns_it(as_alice):
    response = as_alice.post(
        "/cases",
        complaint_body(
            service="Reception",
            staff_involved="Receptionist on duty",
            action_taken="Apologised",
            call_handler="Sam",
            urgent_clinical_need=True,
            urgent_clinical_note="Chest pain; told to call 999.",
            desired_outcome="An apology",
        ),
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["reference"] == "WAL-2026-00001"
    assert (case["organisation"], case["kind"], case["status"]) == ("WAL", "complaint", "received")
    assert case["complainant"] == "Ms Ada Example"
    assert case["people"][0]["person"]["postcode"] == "WS1 1AA"
    assert case["issues"][0]["description"] == "No call back about test results"
    assert case["service"] == "Reception"
    assert case["urgent_clinical_need"] is True
    assert case["acknowledge_due"] == "2026-11-05"
    assert case["deadlines"][0]["key"] == "acknowledge"
    stored = Case.objects.get(reference="WAL-2026-00001")
    assert [e.event for e in stored.audit_events.all()] == [
        "case_recorded",
        "urgent_clinical_need_raised",
    ]


def test_reading_a_case_is_logged_as_an_access_event(as_alice, org_a, alice):
    case = make_case(org_a, alice)
    response = as_alice.get(f"/cases/{case.reference}")
    assert response.status_code == 200
    assert response.json()["description"] == case.description
    viewed = AuditEvent.objects.filter(case=case, event="case_viewed")
    assert [e.actor_label for e in viewed] == ["alice"]


def test_a_confidential_complainant_is_hidden_from_staff_who_may_not_see_them(
    as_ivan, org_a, alice
):
    case = make_case(org_a, alice, confidential=True)
    seen = as_ivan.get(f"/cases/{case.reference}").json()
    assert seen["people"] == []
    assert seen["complainant"] == "Confidential"


def test_it_shows_the_deadlines_with_their_basis(as_alice, org_a, alice):
    case = make_case(org_a, alice)
    response = as_alice.get(f"/cases/{case.reference}/deadlines")
    assert response.status_code == 200
    acknowledge = response.json()[0]
    assert acknowledge == {
        "key": "acknowledge",
        "label": "Acknowledge",
        "due": "2026-11-05",
        "due_at": None,
        "basis": "3 working days after receipt on Mon 2 Nov 2026",
        "state": "pending",
        "met": None,
        "completed_at": None,
    }


def test_the_timeline_lists_events_in_order_without_reads_unless_asked(as_alice, org_a, alice):
    case = make_case(org_a, alice)
    as_alice.get(f"/cases/{case.reference}")
    as_alice.post(f"/cases/{case.reference}/acknowledge", {"method": "email"})

    timeline = as_alice.get(f"/cases/{case.reference}/timeline").json()
    assert [e["event"] for e in timeline] == ["case_recorded", "case_acknowledged"]
    assert timeline[1]["actor"] == "alice"
    assert timeline[1]["data"]["after"]["status"] == "open"

    with_reads = as_alice.get(f"/cases/{case.reference}/timeline", include_access="true").json()
    # The detail read, then both timeline reads (each logged before it is answered).
    assert [(e["event"], e["data"].get("purpose")) for e in with_reads] == [
        ("case_recorded", None),
        ("case_viewed", "viewed"),
        ("case_acknowledged", None),
        ("case_viewed", "timeline"),
        ("case_viewed", "timeline"),
    ]
    assert [e["sequence"] for e in with_reads] == sorted(e["sequence"] for e in with_reads)


def test_recording_writes_the_case_and_its_audit_rows_or_nothing(as_alice):
    before = audit_rows()
    bad = complaint_body(complainant={"first_name": "Ada", "nhs_number": "1234567890"})
    assert as_alice.post("/cases", bad).status_code == 422
    assert audit_rows() == before
    assert not Case.objects.exists()
