"""Every 422 names the field, in one shape, and a refused request writes nothing."""

import pytest

from candour.cases.models import Case
from candour.organisations.models import Organisation
from candour.organisations.setup import add_member, ensure_roles
from tests.api.conftest import audit_rows, complaint_body
from tests.conftest import make_case, user

pytestmark = pytest.mark.usefixtures("frozen")


def refused(api, path, body=None, raw=None) -> list[dict]:
    before = audit_rows()
    response = api.post(path, body, raw=raw)
    assert response.status_code == 422, response.content
    assert audit_rows() == before
    assert not Case.objects.exists() or path != "/cases"
    detail = response.json()["detail"]
    assert all(set(error) == {"field", "message"} for error in detail)
    return detail


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_at": "2026-12-25T09:00:00Z"}, "received_at"),
        ({"received_at": "2026-11-01T09:00:00"}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"description": "   "}, "description"),
        ({"kind": "grumble"}, "kind"),
        ({"channel": 7}, "channel"),
        ({"complainant": None}, "complainant"),
        ({"complainant": {"nhs_number": "1234567890"}}, "complainant.nhs_number"),
        ({"complainant": {"first_name": "A" * 201}}, "complainant.first_name"),
        ({"complainant": {"shoe_size": 9}}, "complainant.shoe_size"),
        ({"urgent_clinical_need": True}, "urgent_clinical_note"),
        ({"urgent": True}, "urgent"),
        ({"issues": "one"}, "issues"),
        ({"issues": ["one", 2]}, "issues.1"),
        ({"event_date": "2026-11-30"}, "event_date"),
    ],
)
def test_bad_input_to_record_a_case_is_422_naming_the_field(as_alice, overrides, field):
    detail = refused(as_alice, "/cases", complaint_body(**overrides))
    assert detail[0]["field"] == field
    assert detail[0]["message"]


def test_a_missing_field_is_named(as_alice):
    body = complaint_body()
    del body["kind"]
    assert refused(as_alice, "/cases", body)[0]["field"] == "kind"


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_422(as_alice, raw):
    assert refused(as_alice, "/cases", raw=raw)[0]["field"] in {"body", "organisation"}


def test_malformed_json_is_422_naming_the_body(as_alice):
    assert refused(as_alice, "/cases", raw="{not json")[0] == {
        "field": "body",
        "message": "is not valid JSON; send a JSON object",
    }


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("acknowledge", {"method": "carrier pigeon"}, "method"),
        ("acknowledge", {"method": "email", "at": "2027-01-01T09:00:00Z"}, "at"),
        ("grade", {"level": "high"}, "level"),
        ("grade", {"level": 9}, "level"),
        ("pause", {"reason": "police"}, "detail"),
        ("response-date", {"response_date": "2026-13-01"}, "response_date"),
        ("response-date", {"response_date": "2027-12-01"}, "response_date"),
        ("consent/override", {"grounds": "convenience", "reason": "x" * 20}, "grounds"),
        ("handler", {}, "handler"),
    ],
)
def test_bad_input_to_an_action_is_422_naming_the_field(
    as_alice, org_a, alice, action, body, field
):
    case = make_case(org_a, alice)
    before = audit_rows()
    response = as_alice.post(f"/cases/{case.reference}/{action}", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == field
    assert audit_rows() == before


def test_a_bad_path_parameter_is_422_naming_it(as_alice, org_a, alice):
    case = make_case(org_a, alice)
    response = as_alice.post(f"/cases/{case.reference}/issues/first/finding", {})
    assert response.status_code == 422
    assert "number" in [e["field"] for e in response.json()["detail"]]


def test_an_organisation_without_a_policy_is_422_naming_the_policy(db):
    from tests.api.conftest import Api

    bare = Organisation.objects.create(name="Unconfigured Clinic", code="NOP", kind="clinic")
    ensure_roles(["Office Manager"])
    clerk = user("clerk")
    add_member(clerk, bare, "Office Manager")
    before = audit_rows()
    response = Api(clerk).post("/cases", complaint_body(organisation="NOP"))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "policy"
    assert audit_rows() == before
