"""The routes of issue 17 through the API: a persistent contact procedure from evidence to
restrictions in force (R33), a high service user plan (R34) and a matter redirected outside
the procedure (R10); another organisation sees none of them."""

from __future__ import annotations

import pytest

from candour.cases.models import Status

from ..cases.conftest import reach
from ..conftest import make_case
from .conftest import Api

pytestmark = pytest.mark.django_db


def test_a_procedure_through_the_api(frozen, org_a, alice, director, bob):
    case = reach(org_a, alice, Status.RESPONDED)
    as_alice, as_dana, as_bob = Api(alice), Api(director), Api(bob)
    response = as_alice.post(f"/cases/{case.reference}/restriction", {"grounds": "Serial."})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert as_bob.get(f"/restrictions/{pk}").status_code == 404
    assert as_bob.post(f"/restrictions/{pk}/review", {"summary": "x"}).status_code == 404
    response = as_alice.post(
        f"/restrictions/{pk}/evidence",
        {"description": "Final response", "dated": "2026-10-30", "case": case.reference},
    )
    assert response.status_code == 200, response.json()
    assert as_alice.post(f"/restrictions/{pk}/review", {"summary": "Agreed."}).status_code == 200
    # 002 §13.7.3: approved by "the Accountable Officer or the appropriate Director".
    refused = as_alice.post(f"/restrictions/{pk}/approve", {"channels": ["letter"]})
    assert refused.status_code == 403
    response = as_dana.post(
        f"/restrictions/{pk}/approve",
        {"channels": ["letter", "email"], "single_point_of_contact": "alice"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["decided_as"] == "Director"
    response = as_alice.post(f"/restrictions/{pk}/warning-sent", {"note": "Posted."})
    assert response.json()["status"] == "in_force"
    contact = as_alice.post(
        f"/cases/{case.reference}/contacts",
        {"channel": "phone", "direction": "to_complainant", "party": "complainant",
         "summary": "Called."},
    )  # fmt: skip
    assert contact.status_code == 422
    assert contact.json()["detail"][0]["field"] == "channel"
    assert "may be contacted only by letter or email" in contact.json()["detail"][0]["message"]
    due = as_alice.get("/restrictions", due_for_review="true").json()
    assert due == []  # six months away
    assert as_bob.get("/restrictions").json() == []


def test_a_plan_and_a_redirection_through_the_api(frozen, org_a, alice, bob):
    as_alice = Api(alice)
    case = make_case(org_a, alice, kind="enquiry")
    response = as_alice.post(
        f"/cases/{case.reference}/service-user-plan",
        {"reason": "Health needs.", "mdt_owner": "alice", "mdt_due": "2026-11-09"},
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["steps"][0]["kind"] == "mdt_meeting"
    response = as_alice.post(f"/service-user-plans/{pk}/steps/1/done", {"outcome": "Held."})
    assert response.json()["steps"][0]["done_at"]
    assert Api(bob).get(f"/service-user-plans/{pk}").status_code == 404
    response = as_alice.post(
        f"/cases/{case.reference}/redirect-outside-procedure",
        {"category": "foi_request", "reason": "A request for board papers."},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
