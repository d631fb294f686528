"""The case page (read-only for now): what it shows, the access event it writes, R8, and
404 for a case outside the user's organisations."""

from __future__ import annotations

from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases.people import PersonDetails

from ..conftest import make_case, sign_in

ON_BEHALF = {
    "patient": PersonDetails(first_name="Pat", last_name="Patient", postcode="WS2 2BB"),
    "relationship": "relative",
}


def open_page(client, case):
    return client.get(reverse("web:case", args=[case.reference]))


def test_the_case_page_shows_the_case_and_logs_the_opening(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    response = open_page(sign_in(client, alice), case)
    assert response.status_code == 200
    text = response.content.decode()
    assert case.reference in text
    assert "The practice did not call me back about my test results." in text
    assert "No call back about test results" in text  # the issue
    assert "Ada Example" in text
    assert "Acknowledge" in text  # a deadline, with its basis
    assert "working days after" in text
    assert "Case recorded</strong> by alice" in text  # the timeline in words
    viewed = AuditEvent.objects.filter(case=case, event="case_viewed")
    assert list(viewed.values_list("actor__username", flat=True)) == ["alice"]


def test_an_outsider_gets_not_found_and_no_access_event(client, org_a, alice, bob, frozen):
    case = make_case(org_a, alice)
    response = open_page(sign_in(client, bob), case)
    assert response.status_code == 404
    assert "Ada Example" not in response.content.decode()
    assert not AuditEvent.objects.filter(case=case, event="case_viewed").exists()


def test_a_regional_user_opens_a_sites_case(client, site, hugo, rita, frozen):
    case = make_case(site, hugo)
    assert open_page(sign_in(client, rita), case).status_code == 200


def test_a_confidential_complainant_is_hidden_but_the_patient_is_not(
    client, org_a, alice, ivan, frozen
):
    case = make_case(org_a, alice, confidential=True, **ON_BEHALF)
    text = open_page(sign_in(client, ivan), case).content.decode()
    assert "Ada Example" not in text
    assert "ada@example.invalid" not in text
    assert "Pat Patient" in text
    assert "made in confidence" in text
    text = open_page(sign_in(client, alice), case).content.decode()
    assert "Ada Example" in text and "Pat Patient" in text


def test_the_timeline_counts_openings_instead_of_listing_them(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    open_page(signed_in, case)
    text = open_page(signed_in, case).content.decode()
    assert "opened 2 times" in text
    assert "Case viewed" not in text
