"""A case outside the user's organisations does not exist for them: 404 everywhere, never
403, and nothing written. A region sees the cases of the sites below it."""

import pytest

from tests.api.conftest import audit_rows, complaint_body
from tests.conftest import make_case

pytestmark = pytest.mark.usefixtures("frozen")

# Each action with a body that would be accepted, so that only scope can refuse it.
ACTIONS = [
    ("acknowledge", {"method": "letter"}),
    ("consent/request", {}),
    ("consent/receive", {"method": "written"}),
    ("consent/refuse", {"note": "No."}),
    ("consent/withdraw", {"note": "No."}),
    ("consent/override", {"grounds": "safeguarding", "reason": "A child may be at risk."}),
    ("summary/approve", {"summary": "Summary."}),
    ("grade", {"level": 1}),
    ("issues", {"description": "An issue."}),
    ("issues/1/finding", {"finding": "upheld", "summary": "Found."}),
    ("handler", {"handler": "bob"}),
    ("investigator", {"investigator": "bob"}),
    ("response-date", {"response_date": "2026-12-01"}),
    ("extension", {"new_date": "2027-01-01", "reason": "More time."}),
    ("late-decision", {"decision": "accepted", "reason": "Ill."}),
    ("updates", {"method": "email", "note": "Update."}),
    ("external-notification", {"body": "the CQC"}),
    ("external-notification/done", {}),
    ("pause", {"reason": "police", "detail": "Inquiry."}),
    ("resume", {}),
    ("outcome", {"summary": "Done."}),
    ("close", {}),
    ("withdraw", {"reason": "Withdrawn."}),
    ("reopen", {"reason": "Unhappy."}),
    ("resolve-informally", {"resolution": "Resolved."}),
    ("convert-to-complaint", {"reason": "Formal."}),
]


@pytest.fixture
def walsall_case(org_a, alice):
    return make_case(org_a, alice)


def test_an_outsider_does_not_see_the_case_in_the_list_or_the_count(as_bob, walsall_case):
    page = as_bob.get("/cases", count="true").json()
    assert page["items"] == []
    assert page["count"] == 0


@pytest.mark.parametrize("q", ["WAL-2026", "Example", "WS1 1AA"])
def test_an_outsider_cannot_find_the_case_by_search(as_bob, walsall_case, q):
    page = as_bob.get("/cases", q=q, count="true").json()
    assert (page["items"], page["count"]) == ([], 0)


def test_an_outsider_cannot_filter_to_the_organisation(as_bob, walsall_case):
    assert as_bob.get("/cases", organisation="WAL").json()["items"] == []


@pytest.mark.parametrize("view", ["", "/deadlines", "/timeline"])
def test_an_outsider_gets_404_reading_the_case(as_bob, walsall_case, view):
    before = audit_rows()
    response = as_bob.get(f"/cases/{walsall_case.reference}{view}")
    assert response.status_code == 404
    assert (
        response.json()["detail"] == f"There is no case {walsall_case.reference} that you can see."
    )
    assert audit_rows() == before


@pytest.mark.parametrize(("action", "body"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_an_outsider_gets_404_acting_on_the_case(as_bob, walsall_case, action, body):
    before = audit_rows()
    response = as_bob.post(f"/cases/{walsall_case.reference}/{action}", body)
    assert response.status_code == 404, response.content
    assert audit_rows() == before


def test_a_case_that_does_not_exist_answers_the_same_as_one_outside(as_bob, walsall_case):
    outside = as_bob.get(f"/cases/{walsall_case.reference}")
    missing = as_bob.get("/cases/WAL-2026-99999")
    assert outside.status_code == missing.status_code == 404


def test_an_outsider_cannot_record_a_case_in_the_organisation(as_bob, org_a):
    before = audit_rows()
    response = as_bob.post("/cases", complaint_body(organisation="WAL"))
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no organisation WAL that you can see."
    assert audit_rows() == before


def test_a_user_who_sees_but_may_not_record_is_refused_with_403(as_ivan):
    before = audit_rows()
    response = as_ivan.post("/cases", complaint_body(organisation="WAL"))
    assert response.status_code == 403
    assert audit_rows() == before


def test_a_region_sees_and_acts_on_the_cases_of_its_sites(as_rita, as_hugo, site):
    recorded = as_hugo.post("/cases", complaint_body(organisation="SEHX"))
    assert recorded.status_code == 201, recorded.content
    ref = recorded.json()["reference"]

    page = as_rita.get("/cases", organisation="sehx").json()
    assert [c["reference"] for c in page["items"]] == [ref]
    assert as_rita.get(f"/cases/{ref}").status_code == 200
    assert as_rita.get(f"/cases/{ref}/timeline").status_code == 200
    acknowledged = as_rita.post(f"/cases/{ref}/acknowledge", {"method": "email"})
    assert acknowledged.status_code == 200


def test_a_site_does_not_see_the_cases_of_its_region(as_rita, as_hugo, region):
    ref = as_rita.post("/cases", complaint_body(organisation="SEHN")).json()["reference"]
    assert as_hugo.get(f"/cases/{ref}").status_code == 404
    assert as_hugo.get("/cases").json()["items"] == []
