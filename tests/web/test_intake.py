"""Recording feedback in the staff pages: the contact record sheet (R3) with the urgent
clinical need first (R4), the quick path for compliments and resolved concerns (R6), and
invalid input re-shown with each message beside its field."""

from __future__ import annotations

from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases.models import Case, PartyRole

from ..conftest import sign_in

CALL = {
    "urgent_clinical_need": "no",
    "kind": "complaint",
    "channel": "phone",
    "received_at": "2026-11-02T08:40",
    "complainant.title": "Mr",
    "complainant.first_name": "Colin",
    "complainant.last_name": "Caller",
    "complainant.address": "1 High Street, Walsall",
    "complainant.postcode": "ws1 2ab",
    "complainant.telephone": "01922 000000",
    "complainant.email": "colin@example.invalid",
    "complainant.preferred_channel": "phone",
    "complainant.accessible_format": "large_print",
    "relationship": "relative",
    "patient.first_name": "Paula",
    "patient.last_name": "Patient",
    "patient.date_of_birth": "1950-04-01",
    "service": "Reception",
    "description": "My mother waited two hours and was not seen.",
    "action_taken": "Apologised; passed to the practice manager.",
    "desired_outcome": "An explanation.",
    "issues": "Waiting time\nNot seen",
    "level": "2",
    "passed_on_to": "Practice manager",
}


def post(client, data, quick=False):
    return client.post(reverse("web:record-quick" if quick else "web:record"), data)


def test_the_sheet_asks_the_urgent_question_first(client, org_a, alice, frozen):
    text = sign_in(client, alice).get(reverse("web:record")).content.decode()
    assert text.index("urgent clinical need") < text.index("What kind of feedback")
    assert "Agree a call back, ideally the same day" in text  # level 1 guidance beside it
    assert "Record feedback</a>" in text or "Record feedback" in text


def test_recording_a_call_makes_the_case_with_its_people_and_grade(client, org_a, alice, frozen):
    response = post(sign_in(client, alice), {**CALL, "organisation": org_a.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert response.url == reverse("web:case", args=[case.reference])
    assert (case.kind, case.channel, case.grade, case.service) == (
        "complaint",
        "phone",
        2,
        "Reception",
    )
    assert case.received_at.hour == 8 and case.received_at.minute == 40
    roles = {p.role: p.person for p in case.parties.select_related("person")}
    assert roles[PartyRole.COMPLAINANT].postcode == "WS1 2AB"
    assert roles[PartyRole.COMPLAINANT].preferred_channel == "phone"
    assert roles[PartyRole.PATIENT].last_name == "Patient"
    assert list(case.issues.values_list("description", flat=True)) == ["Waiting time", "Not seen"]
    events = list(AuditEvent.objects.filter(case=case).values_list("event", flat=True))
    assert events == ["case_recorded", "case_graded"]


def test_invalid_input_names_the_field_and_keeps_everything(client, org_a, alice, frozen):
    bad = {**CALL, "organisation": org_a.pk, "patient.nhs_number": "123 456 7890"}
    response = post(sign_in(client, alice), bad)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#patient.nhs_number"' in text
    assert "The patient&#39;s nhs number is not a valid NHS number" in text
    for value in ("Colin", "1 High Street, Walsall", "My mother waited two hours", "Not seen"):
        assert value in text
    assert 'value="2" checked' in text  # the level chosen is kept
    assert not Case.objects.exists()


def test_a_missing_complainant_is_shown_beside_the_first_name(client, org_a, alice, frozen):
    data = {k: v for k, v in CALL.items() if not k.startswith(("complainant.", "patient."))}
    response = post(sign_in(client, alice), {**data, "organisation": org_a.pk})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#complainant.first_name"' in text
    assert "Complainant is missing" in text


def test_urgent_need_needs_a_note_and_raises_the_alert(client, org_a, alice, frozen):
    signed_in = sign_in(client, alice)
    urgent = {**CALL, "organisation": org_a.pk, "urgent_clinical_need": "yes"}
    response = post(signed_in, urgent)
    assert response.status_code == 400
    assert 'href="#urgent_clinical_note"' in response.content.decode()
    assert not Case.objects.exists()

    urgent["urgent_clinical_note"] = "Chest pain: told to call 999 now."
    response = post(signed_in, urgent)
    assert response.status_code == 302
    case = Case.objects.get()
    assert AuditEvent.objects.filter(case=case, event="urgent_clinical_need_raised").exists()
    page = signed_in.get(response.url).content.decode()
    assert "Urgent clinical need raised" in page
    assert "Chest pain: told to call 999 now." in page


def test_a_grade_the_domain_refuses_leaves_nothing_recorded(client, org_a, alice, frozen):
    data = {**CALL, "organisation": org_a.pk, "kind": "suggestion"}  # suggestions are not graded
    response = post(sign_in(client, alice), data)
    assert response.status_code == 400
    assert 'href="#level"' in response.content.decode()
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(event="case_recorded").exists()


def test_an_organisation_not_yours_is_refused(client, org_a, org_b, alice, bob, frozen):
    response = post(sign_in(client, alice), {**CALL, "organisation": org_b.pk})
    assert response.status_code == 400
    assert 'href="#organisation"' in response.content.decode()
    assert not Case.objects.exists()


def test_a_compliment_in_a_handful_of_fields(client, org_a, alice, frozen):
    response = post(
        sign_in(client, alice),
        {
            "organisation": org_a.pk,
            "kind": "compliment",
            "channel": "in_person",
            "description": "Thank you to the nurse for her kindness.",
        },
        quick=True,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.kind, case.status, case.outcome) == ("compliment", "closed", "recorded")
    assert AuditEvent.objects.filter(case=case, event="compliment_recorded").exists()


def test_a_concern_resolved_on_the_spot(client, org_a, alice, frozen):
    data = {
        "organisation": org_a.pk,
        "kind": "concern",
        "channel": "phone",
        "description": "Prescription not ready.",
        "resolution": "Pharmacy called; ready this afternoon.",
        "complainant.first_name": "Rose",
        "complainant.last_name": "Ready",
    }
    response = post(sign_in(client, alice), data, quick=True)
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.status, case.outcome) == ("concern", "closed", "resolved_informally")
    events = list(AuditEvent.objects.filter(case=case).values_list("event", flat=True))
    assert events == ["case_recorded", "concern_resolved_informally"]


def test_a_concern_without_its_resolution_is_not_recorded(client, org_a, alice, frozen):
    data = {
        "organisation": org_a.pk,
        "kind": "concern",
        "channel": "phone",
        "description": "Prescription not ready.",
        "complainant.first_name": "Rose",
    }
    response = post(sign_in(client, alice), data, quick=True)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#resolution"' in text
    assert "Prescription not ready." in text
    assert not Case.objects.exists()


def test_someone_who_cannot_record_is_told_so(client, org_a, ivan, frozen):
    text = sign_in(client, ivan).get(reverse("web:record")).content.decode()
    assert "You do not have a role that lets you record feedback." in text
    response = post(client, {**CALL, "organisation": org_a.pk})
    assert response.status_code == 400
    assert not Case.objects.exists()
