"""The contact log and corrections on the staff pages (issue 16): the log on the case page
with a file attached to an entry; the correction forms prefilled with what is recorded,
saying that a person is corrected on every case, refusing as the domain does beside the
field; actions that do not apply are not offered; another organisation's case is 404."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import contacts
from candour.cases.models import Attachment, Person
from candour.cases.people import PersonDetails

from ..conftest import make_case, sign_in

pytestmark = pytest.mark.usefixtures("frozen")

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def action(case, slug):
    return reverse("web:case-action", args=[case.reference, slug])


def page(client, url) -> str:
    return html.unescape(client.get(url).content.decode())


def test_the_contact_log_is_on_the_case_page_and_a_file_joins_an_entry(
    client, org_a, alice, settings, tmp_path
):
    settings.ATTACHMENTS_DIR = tmp_path
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    assert "No calls, emails, letters or meetings" in page(
        signed_in, reverse("web:case", args=[case.reference])
    )

    response = signed_in.post(
        action(case, "log-contact"),
        {
            "channel": "email",
            "direction": "from_complainant",
            "party": "complainant",
            "happened_at": "2026-11-02T09:00",
            "summary": "Sent photographs of the letter she received.",
        },
    )
    assert response.status_code == 302

    shown = page(signed_in, response.url)
    assert "Sent photographs of the letter she received." in shown
    assert "Email, from the complainant<br>With the complainant, Ms Ada Example" in shown
    assert "Email from the complainant" in shown  # the timeline's sentence
    attach_url = reverse("web:attach", args=[case.reference]) + "?contact=1"
    assert attach_url in shown
    form = page(signed_in, attach_url)
    assert '<option value="1" selected' in form

    upload = signed_in.post(
        reverse("web:attach", args=[case.reference]),
        {"file": SimpleUploadedFile("photos.pdf", PDF), "description": "", "contact": "1"},
    )
    assert upload.status_code == 302
    assert Attachment.objects.get().contact.number == 1
    assert "photos.pdf" in page(signed_in, reverse("web:case", args=[case.reference]))


def test_a_contact_in_the_future_is_refused_beside_its_field(client, org_a, alice):
    case = make_case(org_a, alice)
    response = sign_in(client, alice).post(
        action(case, "log-contact"),
        {
            "channel": "phone",
            "direction": "to_complainant",
            "party": "complainant",
            "happened_at": "2026-11-02T11:00",
            "summary": "Rang back.",
        },
    )
    assert response.status_code == 400
    assert "When is in the future" in response.content.decode()
    assert not AuditEvent.objects.filter(event="contact_logged").exists()


def test_the_details_form_starts_from_what_is_recorded(client, org_a, alice):
    case = make_case(org_a, alice, service="Reception", event_date=None)
    signed_in = sign_in(client, alice)
    for _ in range(2):  # every time, not only the first
        form = page(signed_in, action(case, "correct-details"))
        assert 'value="Reception"' in form
        assert "The practice did not call me back about my test results." in form
        assert 'value="2026-11-02T09:00"' in form  # the time of receipt, in UK time


def test_the_person_form_starts_from_what_is_recorded_and_says_it_changes_every_case(
    client, org_a, alice
):
    case = make_case(org_a, alice)
    form = page(sign_in(client, alice), action(case, "correct-complainant"))
    assert 'value="Exemple"' not in form
    assert 'value="Example"' in form
    assert 'value="ada@example.invalid"' in form
    assert "changes their details on every case they are on" in form


def test_an_invalid_nhs_number_is_refused_beside_it_and_nothing_changes(client, org_a, alice):
    case = make_case(org_a, alice)
    response = sign_in(client, alice).post(
        action(case, "correct-complainant"),
        {"first_name": "Ada", "last_name": "Example", "title": "Ms",
         "email": "ada@example.invalid", "postcode": "WS1 1AA", "nhs_number": "1234567890",
         "reason": "Given on the phone."},
    )  # fmt: skip
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert 'href="#nhs_number"' in text
    assert "Their nhs number is not a valid NHS number" in text
    assert Person.objects.get().nhs_number == ""


def test_a_correction_without_a_reason_is_refused(client, org_a, alice):
    case = make_case(org_a, alice, service="Reception")
    response = sign_in(client, alice).post(
        action(case, "correct-details"),
        {"description": "The practice did not call me back about my test results.",
         "service": "Dental", "channel": "letter", "received_at": "2026-11-02T09:00"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Reason is empty" in html.unescape(response.content.decode())
    assert not AuditEvent.objects.filter(event="details_corrected").exists()


def test_what_does_not_apply_to_the_case_is_not_offered(client, org_a, alice):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    shown = page(signed_in, reverse("web:case", args=[case.reference]))
    assert action(case, "correct-complainant") in shown
    assert action(case, "add-representative") in shown
    assert action(case, "correct-patient") not in shown  # she is the patient
    assert action(case, "add-patient") not in shown
    blocked = page(signed_in, action(case, "correct-patient"))
    assert "This cannot be done now" in blocked
    assert "has no patient recorded" in blocked


def test_a_confidential_complainant_is_not_named_in_the_contact_form(client, org_a, alice, rex):
    case = make_case(
        org_a,
        alice,
        confidential=True,
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example"),
    )
    contacts.log_contact(
        case, by=alice, channel="phone", direction="from_complainant", party="complainant",
        summary="Rang.", with_whom="Her own mobile",
    )  # fmt: skip
    signed_in = sign_in(client, rex)
    form = page(signed_in, action(case, "log-contact"))
    assert "Ada" not in form
    assert "Patient, Tom Example" in form
    shown = page(signed_in, reverse("web:case", args=[case.reference]))
    assert "Ada" not in shown and "Her own mobile" not in shown
    assert action(case, "correct-patient") in shown


@pytest.mark.parametrize(
    "slug",
    ["log-contact", "correct-details", "correct-complainant", "add-representative"],
)
def test_another_organisations_case_is_404(client, org_a, alice, bob, slug):
    case = make_case(org_a, alice)
    signed_in = sign_in(client, bob)
    assert signed_in.get(action(case, slug)).status_code == 404
    assert signed_in.post(action(case, slug), {"reason": "Mine."}).status_code == 404
    assert not AuditEvent.objects.filter(case=case).exclude(event="case_recorded").exists()
