"""Coding through the API: GET and PUT /cases/{reference}/coding round trip, the choices a
client codes from, refusals (422 naming the field, 409 for a submitted return, 403 for a role
that may not, 404 for another organisation's case) and bulk coding, one event per case."""

from __future__ import annotations

import json
from datetime import date

import pytest

from candour.audit.models import AuditEvent
from candour.coding.coding import code_case, save_theme
from candour.coding.models import CaseCoding
from candour.coding.returns import mark_submitted

from ..coding.conftest import codes, lists, on_behalf  # noqa: F401 (a fixture)
from ..conftest import at, make_case
from .conftest import BASE, audit_rows

pytestmark = pytest.mark.usefixtures("frozen", "lists")


def put(api, path: str, body: dict):
    return api.client.put(
        BASE + path, json.dumps(body), content_type="application/json", headers=api.headers
    )


@pytest.fixture
def practice_case(org_b, bob):
    return on_behalf(org_b, bob, born=date(2015, 5, 5), relationship="carer")


def test_a_case_is_coded_and_read_back(as_bob, bob, org_b, practice_case):
    save_theme(org_b, by=bob, name="Phones")
    ref = practice_case.reference
    before = as_bob.get(f"/cases/{ref}/coding").json()
    assert (before["coded"], before["return_code"], before["year"]) == (False, "KO41b", "2026-27")
    assert before["patient_age"] == 11 and before["patient_age_source"] == "date_of_birth"
    assert before["age_band"] == {"key": "age_0_17", "label": before["age_band"]["label"]}
    assert before["complainant_status"]["key"] == "on_behalf"
    body = {
        "subjects": ["communications", "appointments"],
        "professions": ["medical"],
        "themes": ["Phones"],
    }
    response = put(as_bob, f"/cases/{ref}/coding", body)
    assert response.status_code == 200, response.content
    after = response.json()
    assert after["coded"] is True and after["coded_by"] == "bob"
    assert after["subjects"] == ["appointments", "communications"]  # in the list's order
    assert (after["professions"], after["services"], after["themes"]) == (
        ["medical"],
        [],
        ["Phones"],
    )
    assert as_bob.get(f"/cases/{ref}/coding").json() == after
    assert AuditEvent.objects.filter(case=practice_case, event="case_coded").count() == 1


def test_the_choices_are_the_years_lists_and_the_organisations_themes(
    as_bob, bob, org_b, practice_case
):
    save_theme(org_b, by=bob, name="Repeat prescriptions", subject_keys={"KO41b": "prescribing"})
    offered = as_bob.get(f"/cases/{practice_case.reference}/coding/choices").json()
    assert (offered["return_code"], offered["year"], offered["subject_needed"]) == (
        "KO41b",
        "2026-27",
        True,
    )
    assert offered["services"] is None  # KO41b has no service area list
    assert {"key": "other", "label": "Other", "unconfirmed": False} in offered["subjects"]
    assert offered["themes"] == [{"name": "Repeat prescriptions", "subject": "prescribing"}]
    other = as_bob.get(f"/cases/{practice_case.reference}/coding/choices", return_code="KO41a")
    assert other.json()["services"] is not None


def test_a_past_year_without_lists_is_coded_with_themes_only(as_bob, bob, org_b):
    save_theme(org_b, by=bob, name="Phones")
    case = make_case(org_b, bob, received_at=at(date(2020, 7, 1)))
    offered = as_bob.get(f"/cases/{case.reference}/coding/choices").json()
    assert (offered["themes_only"], offered["subjects"], offered["year"]) == (True, None, "2020-21")
    response = put(as_bob, f"/cases/{case.reference}/coding", {"themes": ["Phones"]})
    assert response.status_code == 200
    assert response.json()["themes"] == ["Phones"] and response.json()["age_band"] is None


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"subjects": ["gardening"]}, "subjects", "'gardening' not in the KO41b 2026-27"),
        ({"subjects": ["other"], "services": ["outpatients"]}, "services", "no KO41b 2026-27"),
        ({"subjects": ["other"], "themes": ["Parking"]}, "themes", "'Parking' is not a theme"),
        ({"themes": []}, "subjects", "choose at least one subject area"),
        ({"subjects": ["other"], "patient_age": 40}, "patient_age", "date of birth gives 11"),
        ({"subjects": ["other"], "patient_age": 200}, "patient_age", "less than or equal to 130"),
        ({"subjects": ["other"], "return_code": "KO41c"}, "return_code", "'KO41a' or 'KO41b'"),
        ({"subjects": "other"}, "subjects", "valid list"),
        ({"subject": ["other"]}, "subject", "Extra inputs"),
    ],
)
def test_bad_coding_is_refused_with_422_naming_the_field(as_bob, practice_case, body, field, words):
    rows = audit_rows()
    response = put(as_bob, f"/cases/{practice_case.reference}/coding", body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["field"] == field, detail
    assert words in detail[0]["message"]
    assert audit_rows() == rows and not CaseCoding.objects.exists()


def test_a_case_in_a_submitted_return_is_409(as_bob, bob, org_b, practice_case):
    code_case(practice_case, by=bob, subjects=["other"], professions=["other"])
    mark_submitted(org_b, "KO41b", 2026, by=bob)
    response = put(as_bob, f"/cases/{practice_case.reference}/coding", {"subjects": ["other"]})
    assert response.status_code == 409
    assert "marked submitted on 2 November 2026 by bob" in response.json()["detail"]
    locked = as_bob.get(f"/cases/{practice_case.reference}/coding").json()["locked_by"]
    assert (locked["organisation"], locked["return_code"], locked["year"]) == (
        "MMG",
        "KO41b",
        "2026-27",
    )


def test_another_organisations_case_is_404_and_a_role_without_handling_is_403(
    as_alice, as_ivan, alice, practice_case, org_a
):
    ref = practice_case.reference
    assert as_alice.get(f"/cases/{ref}/coding").status_code == 404
    assert as_alice.get(f"/cases/{ref}/coding/choices").status_code == 404
    assert put(as_alice, f"/cases/{ref}/coding", {"subjects": ["other"]}).status_code == 404
    own = make_case(org_a, alice)
    assert (
        put(as_ivan, f"/cases/{own.reference}/coding", {"subjects": ["other"]}).status_code == 403
    )


def test_bulk_coding_adds_to_each_case_one_event_each(
    as_bob, bob, org_b, practice_case, alice, org_a
):
    second = make_case(org_b, bob)
    theirs = make_case(org_a, alice)
    put(as_bob, f"/cases/{second.reference}/coding", {"subjects": ["waiting_times"]})
    response = as_bob.post(
        "/coding/bulk",
        {
            "references": [practice_case.reference, second.reference, theirs.reference],
            "subjects": ["communications"],
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["coded"] == [practice_case.reference, second.reference]
    assert response.json()["refused"] == [
        {
            "reference": theirs.reference,
            "field": "references",
            "message": f"there is no case {theirs.reference} that you can see",
        }
    ]
    assert codes(second) == {"subject": ["communications", "waiting_times"]}
    for case, n in ((practice_case, 1), (second, 2), (theirs, 0)):
        assert AuditEvent.objects.filter(case=case, event="case_coded").count() == n


def test_bulk_coding_with_nothing_to_add_is_422(as_bob, practice_case):
    response = as_bob.post("/coding/bulk", {"references": [practice_case.reference]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "subjects"
    response = as_bob.post("/coding/bulk", {"references": [], "subjects": ["other"]})
    assert response.json()["detail"][0]["field"] == "references"
