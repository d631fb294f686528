"""Persistent contact restrictions (R33; ADR 0023) named where feedback from the person
arrives, through the API as on the staff pages: one function decides the words
(restrictions.arrival_warning for a new case, restrictions.contact_warning for a contact),
and the API returns them in `warning`, documented in its schema. Seed 002 §13.7.1: the
procedure does not take away the right to complain, so the case is recorded all the same."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from candour.cases import restrictions
from candour.cases.models import Case, Status

from ..cases.conftest import reach
from ..conftest import sign_in
from ..web.test_intake import CALL
from .conftest import Api, complaint_body

pytestmark = pytest.mark.django_db

WORDS = (
    "Persistent contact restrictions: Ms Ada Example may be contacted only by letter or email, "
    "through alice"
)


@pytest.fixture
def in_force(frozen, org_a, alice, director):
    """Restrictions in force for Ms Ada Example (tests/conftest.new_case's complainant):
    letter or email only, through alice."""
    case = reach(org_a, alice, Status.RESPONDED)
    r = restrictions.open_procedure(case, by=alice, grounds="Daily letters on answered issues.")
    restrictions.add_evidence(r, by=alice, description="Stage 1 response", dated=date(2026, 11, 2))
    restrictions.review(r, by=alice, summary="Every issue was answered.")
    restrictions.approve(
        r, by=director, channels=["letter", "email"], single_point_of_contact=alice
    )
    return restrictions.record_warning(r, by=alice, note="Posted, signed by the Director.")


def test_a_case_recorded_through_the_api_warns_as_the_intake_page_does(
    in_force, client, org_a, alice
):
    as_alice = Api(alice)
    response = as_alice.post("/cases", complaint_body(channel="phone"))
    assert response.status_code == 201, response.json()
    warning = response.json()["warning"]
    assert warning.startswith(WORDS)
    assert f"({in_force.reference}, review by " in warning
    assert warning.endswith("This arrived by a channel outside the restriction.")
    case = Case.objects.get(reference=response.json()["reference"])
    assert warning == restrictions.arrival_warning(case)
    # The intake page, the same person (found again by email) by phone: the same words.
    page = sign_in(client, alice).post(
        reverse("web:record"),
        {**CALL, "organisation": org_a.pk, "complainant.email": "ada@example.invalid"},
    )
    assert page.status_code == 302
    assert warning in [m.message for m in get_messages(page.wsgi_request)]
    # By letter, a channel the restriction allows: named, without the channel note.
    by_letter = as_alice.post("/cases", complaint_body(channel="letter")).json()["warning"]
    assert by_letter.startswith(WORDS) and "outside" not in by_letter
    # Someone else: no warning.
    other = complaint_body(complainant={"first_name": "Ben", "last_name": "Other"})
    assert as_alice.post("/cases", other).json()["warning"] == ""


def test_a_contact_from_the_person_outside_the_restriction_is_recorded_with_a_warning(
    in_force, org_a, alice
):
    case = in_force.cases.get()
    as_alice = Api(alice)
    body = {"direction": "from_complainant", "party": "complainant", "summary": "Rang again."}
    response = as_alice.post(f"/cases/{case.reference}/contacts", {**body, "channel": "phone"})
    assert response.status_code == 201, response.json()
    warning = response.json()["warning"]
    assert warning.startswith(
        "This contact came by a channel outside the restriction: Ms Ada Example may be "
        "contacted only by letter or email, through alice"
    )
    entry = case.contacts.get(number=response.json()["number"])
    assert warning == restrictions.contact_warning(entry)
    assert restrictions.contact_recorded(entry) == f"Contact recorded. {warning}"
    allowed = as_alice.post(f"/cases/{case.reference}/contacts", {**body, "channel": "letter"})
    assert allowed.status_code == 201 and allowed.json()["warning"] == ""


def test_the_warnings_are_in_the_api_schema(client):
    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    for path, name in (
        ("/api/v1/cases", "RecordedCaseOut"),
        ("/api/v1/cases/{reference}/contacts", "RecordedContactOut"),
    ):
        created = schema["paths"][path]["post"]["responses"]["201"]
        assert created["content"]["application/json"]["schema"]["$ref"].endswith(name)
        assert "warning" in components[name]["required"]
        assert (
            "persistent contact restriction"
            in components[name]["properties"]["warning"]["description"].lower()
        )
