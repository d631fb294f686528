"""Text that cannot be kept, sent to the staff pages and the admin: each is refused with a page
that names the answer to change and writes nothing; none is a 500 (on PostgreSQL a NUL was).
Dates in the staff forms are held to the years Candour takes. Issue 15."""

from __future__ import annotations

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases.models import Case

from ..conftest import make_case, sign_in

pytestmark = pytest.mark.usefixtures("frozen")


def refused(response, field: str) -> None:
    """The edge's page (candour/config/edge.py), naming the answer to change."""
    assert response.status_code == 422, response.status_code
    page = response.content.decode()
    assert "There is a problem with what was sent" in page
    assert f"<strong>{field}</strong>" in page
    assert "invisible control character (NUL)" in page
    assert "Nothing was saved" in page


@pytest.fixture
def staff(client, alice):
    return sign_in(client, alice)


def test_a_nul_in_the_worklist_search_is_refused(staff, org_a, alice):
    make_case(org_a, alice)
    refused(staff.get(reverse("web:worklist"), {"q": "Ada\x00"}), "q")


def test_a_nul_in_the_learning_filters_is_refused(staff):
    refused(staff.get(reverse("web:learning"), {"theme": "a\x00b"}), "theme")


def test_a_nul_in_a_case_action_is_refused_and_nothing_is_written(staff, org_a, alice):
    case = make_case(org_a, alice)
    before = AuditEvent.objects.count()
    url = reverse("web:case-action", args=[case.reference, "log-update"])
    response = staff.post(url, {"method": "phone", "note": "Told\x00 them", "at": ""})
    refused(response, "note")
    assert AuditEvent.objects.count() == before


def test_a_nul_in_the_reference_in_the_address_is_refused(staff, org_a, alice):
    case = make_case(org_a, alice)
    refused(staff.get(f"/cases/{case.reference}%00/"), "reference")


def test_a_nul_in_record_feedback_is_refused(staff, org_a):
    response = staff.post(
        reverse("web:record"), {"organisation": org_a.pk, "description": "Late\x00"}
    )
    refused(response, "description")
    assert not Case.objects.exists()


def test_a_nul_in_the_username_at_sign_in_is_refused(client, alice):
    response = client.post(
        reverse("web:sign-in"), {"username": "alice\x00", "password": "correct horse battery"}
    )
    refused(response, "username")


def test_a_nul_in_an_admin_search_is_refused(staff, alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    refused(staff.get("/admin/organisations/organisation/", {"q": "\x00"}), "q")


def test_a_broken_utf8_sequence_in_a_form_is_read_as_a_replacement_character(staff):
    # Form data is decoded with replacement: the UTF-8 bytes of a lone surrogate arrive as
    # U+FFFD, which is text, so the search runs (and finds nothing).
    response = staff.get(reverse("web:worklist") + "?q=%ED%A0%80")
    assert response.status_code == 200


def test_a_date_before_1900_in_a_staff_form_says_how_to_fix_it(staff, org_a, alice):
    case = make_case(org_a, alice)
    url = reverse("web:case-action", args=[case.reference, "log-update"])
    response = staff.post(url, {"method": "phone", "note": "Told them", "at": "0001-01-01T00:00"})
    assert response.status_code == 400
    assert "must be a real date, for example 2026-03-27 14:30" in response.content.decode()


@pytest.mark.parametrize("number", ["²", "99999999999999999999", "-1", "1.5"])
def test_a_number_in_an_address_or_form_that_is_not_one_is_refused_without_an_error(
    staff, org_a, alice, number
):
    case = make_case(org_a, alice)
    worklist = staff.get(reverse("web:worklist"), {"stage": number, "due_within": number})
    assert worklist.status_code == 400
    assert "Choose a stage from the list" in worklist.content.decode()
    chosen = staff.post(reverse("web:choose-organisation"), {"organisation": number})
    assert chosen.status_code == 302
    url = reverse("web:case-action", args=[case.reference, "record-finding"])
    finding = {"issue_number": number, "finding": "upheld", "summary": "Yes."}
    assert staff.post(url, finding).status_code == 400
