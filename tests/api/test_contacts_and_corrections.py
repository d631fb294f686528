"""The contact log and corrections through the API (issue 16): an entry recorded, listed, in
the case's detail and timeline, a file tied to it; a case's details and a person's corrected
with PATCH, refused as 422 naming the field; another organisation's case is 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candour.audit.models import AuditEvent
from candour.cases.models import ContactEntry, Person
from candour.cases.people import PersonDetails

from ..conftest import at, make_case
from .conftest import Api, audit_rows

pytestmark = pytest.mark.usefixtures("frozen")

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CALL = {
    "channel": "phone",
    "direction": "from_complainant",
    "party": "complainant",
    "summary": "Rang to ask how long the response will take.",
    "happened_at": "2026-11-02T09:00:00Z",
}


def test_a_call_is_recorded_listed_and_shown_in_the_case_and_its_timeline(as_alice, org_a, alice):
    case = make_case(org_a, alice)

    response = as_alice.post(f"/cases/{case.reference}/contacts", CALL)

    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry.pop("warning") == ""  # no restriction on the person (R33)
    assert entry | {"recorded_at": None} == {
        "number": 1,
        "happened_at": "2026-11-02T09:00:00Z",
        "channel": "phone",
        "direction": "from_complainant",
        "party": "complainant",
        "name": "Ms Ada Example",
        "with_whom": "",
        "summary": "Rang to ask how long the response will take.",
        "recorded_at": None,
        "recorded_by": "alice",
        "attachments": [],
    }
    assert as_alice.get(f"/cases/{case.reference}/contacts").json() == [entry]
    assert as_alice.get(f"/cases/{case.reference}").json()["contacts"] == [entry]
    timeline = as_alice.get(f"/cases/{case.reference}/timeline").json()
    logged = [e for e in timeline if e["event"] == "contact_logged"]
    assert logged[0]["data"]["summary"] == CALL["summary"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"happened_at": "2026-11-03T08:45:00Z"}, "happened_at"),
        ({"happened_at": "2026-10-01T08:45:00Z"}, "happened_at"),
        ({"summary": " "}, "summary"),
        ({"party": "patient"}, "party"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_a_contact_that_cannot_be_so_is_422_naming_the_field(as_alice, org_a, alice, change, field):
    case = make_case(org_a, alice)
    rows = audit_rows()
    response = as_alice.post(f"/cases/{case.reference}/contacts", CALL | change)
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["detail"]] == [field]
    assert audit_rows() == rows
    assert not ContactEntry.objects.exists()


def test_a_file_is_tied_to_an_entry_through_the_attachments(
    as_alice, org_a, alice, settings, tmp_path
):
    settings.ATTACHMENTS_DIR = tmp_path
    case = make_case(org_a, alice)
    as_alice.post(f"/cases/{case.reference}/contacts", CALL | {"channel": "letter"})

    response = as_alice.post_form(
        f"/cases/{case.reference}/attachments",
        {"file": SimpleUploadedFile("letter.pdf", PDF), "contact": "1"},
    )

    assert response.status_code == 201, response.content
    assert response.json()["contact"] == 1
    contacts = as_alice.get(f"/cases/{case.reference}/contacts").json()
    assert contacts[0]["attachments"] == [response.json()["id"]]
    wrong = as_alice.post_form(
        f"/cases/{case.reference}/attachments",
        {"file": SimpleUploadedFile("letter.pdf", PDF), "contact": "2"},
    )
    assert (wrong.status_code, wrong.json()["detail"][0]["field"]) == (422, "contact")


def test_the_case_details_are_corrected_with_a_reason_kept_with_the_old_value(
    as_alice, org_a, alice
):
    case = make_case(org_a, alice, service="Reception")

    response = as_alice.patch(
        f"/cases/{case.reference}",
        {"service": "Phlebotomy", "event_date": "2026-10-30", "reason": "Misheard."},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["service"], response.json()["event_date"]) == (
        "Phlebotomy",
        "2026-10-30",
    )
    event = AuditEvent.objects.filter(case=case, event="details_corrected").get()
    assert event.data["before"] == {"service": "Reception", "event_date": None}
    assert event.data["reason"] == "Misheard."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": "Phlebotomy"}, "reason"),
        ({"service": "Phlebotomy", "reason": " "}, "reason"),
        ({"kind": "concern", "reason": "Wrong kind."}, "kind"),
        ({"description": None, "reason": "Clear it."}, "description"),
        ({"received_at": "2026-11-05T09:00:00Z", "reason": "Typo."}, "received_at"),
    ],
)
def test_a_correction_that_cannot_be_made_is_422(as_alice, org_a, alice, body, field):
    case = make_case(org_a, alice)
    rows = audit_rows()
    response = as_alice.patch(f"/cases/{case.reference}", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == field
    assert audit_rows() == rows


def test_a_person_is_corrected_and_the_nhs_number_checked_as_at_intake(as_alice, org_a, alice):
    case = make_case(org_a, alice)
    path = f"/cases/{case.reference}/people/complainant"

    wrong = as_alice.patch(path, {"nhs_number": "943 476 5918", "reason": "Given on the phone."})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "nhs_number"
    assert "not a valid NHS number" in wrong.json()["detail"][0]["message"]

    right = as_alice.patch(
        path,
        {"nhs_number": "943 476 5919", "email": "ada@example.org", "reason": "Given on the phone."},
    )
    assert right.status_code == 200, right.content
    person = right.json()["people"][0]["person"]
    assert (person["nhs_number"], person["email"]) == ("9434765919", "ada@example.org")
    event = AuditEvent.objects.filter(case=case, event="person_corrected").get()
    assert event.data["before"] == {"email": "ada@example.invalid", "nhs_number": ""}


def test_a_representative_is_added_and_a_missing_party_is_named(as_alice, org_a, alice):
    case = make_case(org_a, alice)
    response = as_alice.post(
        f"/cases/{case.reference}/people/representative",
        {"first_name": "Sam", "last_name": "Example", "relationship": "relative", "reason": "Son."},
    )
    assert response.status_code == 201, response.content
    assert response.json()["consent_state"] == "needed"
    assert {p["role"] for p in response.json()["people"]} == {"complainant", "representative"}
    missing = as_alice.patch(
        f"/cases/{case.reference}/people/patient", {"last_name": "X", "reason": "Typo."}
    )
    assert (missing.status_code, missing.json()["detail"][0]["field"]) == (422, "role")


def test_on_a_confidential_case_the_timeline_withholds_who_from_staff_without_need(
    as_alice, org_a, alice, rex
):
    case = make_case(
        org_a,
        alice,
        confidential=True,
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example"),
    )
    as_alice.patch(
        f"/cases/{case.reference}/people/complainant", {"last_name": "Smith", "reason": "Typo."}
    )
    as_alice.post(f"/cases/{case.reference}/contacts", CALL | {"with_whom": "Her son"})
    as_rex = Api(rex)

    timeline = {
        e["event"]: e["data"] for e in as_rex.get(f"/cases/{case.reference}/timeline").json()
    }

    assert timeline["person_corrected"] == {
        "role": "complainant",
        "withheld": "Withheld: made in confidence",
    }
    assert timeline["contact_logged"]["with_whom"] == "Withheld: made in confidence"
    contacts = as_rex.get(f"/cases/{case.reference}/contacts").json()
    assert (contacts[0]["name"], contacts[0]["with_whom"]) == (
        "Confidential",
        "Withheld: made in confidence",
    )
    refused = as_rex.patch(
        f"/cases/{case.reference}/people/complainant", {"last_name": "Jones", "reason": "Typo."}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/contacts", None),
        ("post", "/contacts", CALL),
        ("patch", "", {"service": "Dental", "reason": "Mine now."}),
        ("patch", "/people/complainant", {"last_name": "X", "reason": "Mine now."}),
        (
            "post",
            "/people/representative",
            {"last_name": "X", "relationship": "friend", "reason": "R."},
        ),
    ],
)
def test_another_organisations_case_is_404_and_untouched(as_bob, org_a, alice, method, path, body):
    case = make_case(org_a, alice)
    rows = audit_rows()
    call = getattr(as_bob, method)
    response = (
        call(f"/cases/{case.reference}{path}", body)
        if body
        else call(f"/cases/{case.reference}{path}")
    )
    assert response.status_code == 404, response.content
    assert audit_rows() == rows
    assert Person.objects.get().last_name == "Example"


def test_a_time_with_any_offset_rfc_3339_allows_is_taken_as_the_instant_it_names(
    as_alice, org_a, alice
):
    """RFC 3339 writes offsets up to 23:59; PostgreSQL keeps them only to 15:59."""
    case = make_case(org_a, alice, received_at=at(date(2026, 11, 1), 9))
    path = f"/cases/{case.reference}"

    logged = as_alice.post(f"{path}/contacts", CALL | {"happened_at": "2026-11-01T17:00:00-16:00"})
    corrected = as_alice.patch(
        path, {"received_at": "2026-10-31T20:00:00-16:00", "reason": "Date-stamped."}
    )

    assert (logged.status_code, corrected.status_code) == (201, 200), corrected.content
    assert logged.json()["happened_at"] == "2026-11-02T09:00:00Z"
    assert corrected.json()["received_at"] == "2026-11-01T12:00:00Z"
