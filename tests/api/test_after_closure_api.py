"""After closure through the API (R37): the survey sent and answered, case studies drafted,
edited, approved, and read across the organisation tree without their case.

Seed 003 §11.2: "Introduce a patient satisfaction/experience survey." Seed 004: "case
studies using anonymised individual complaints".
"""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.models import Status
from candour.cases.people import PersonDetails
from candour.organisations.setup import add_member

from ..cases.conftest import reach
from ..conftest import organisation, user
from .conftest import Api

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def closed(org_a, alice):
    return reach(
        org_a,
        alice,
        Status.CLOSED,
        description="Mrs Wilhelmina Yarrow (NHS 943 476 5919) of WS2 9QQ was seen on 3/10/2026.",
        complainant=PersonDetails(
            first_name="Wilhelmina", last_name="Yarrow", postcode="WS2 9QQ",
            nhs_number="9434765919", date_of_birth=date(1948, 5, 6),
        ),
    )  # fmt: skip


def test_the_survey_is_sent_then_answered_through_the_api(closed, as_alice):
    """003 §11.2: a satisfaction survey; sent with a link, its key is given once."""
    ref = closed.reference
    sent = as_alice.post(f"/cases/{ref}/survey", {"offer": "sent", "channel": "online"})
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["link_key"] and body["answered_at"] is None
    assert [q["key"] for q in body["questions"]][:2] == ["handling", "outcome"]
    again = as_alice.post(f"/cases/{ref}/survey", {"offer": "declined", "channel": "phone"})
    assert again.status_code == 409
    wrong = as_alice.post(f"/cases/{ref}/survey/answers", {"answers": {"handling": "Great"}})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["field"] == "handling"
    answered = as_alice.post(f"/cases/{ref}/survey/answers", {"answers": {"handling": "Satisfied"}})
    assert answered.status_code == 200, answered.content
    assert answered.json()["answers"] == [
        {
            "question": "handling",
            "text": "How satisfied were you with the way your complaint was handled?",
            "answer": "Satisfied",
            "satisfied": True,
        }
    ]
    assert as_alice.get(f"/cases/{ref}/surveys").json()[0]["answered_via"] == "staff"


def test_another_organisation_cannot_reach_the_survey(closed, bob):
    as_bob = Api(bob)
    sent = {"offer": "sent", "channel": "post"}
    response = as_bob.post(f"/cases/{closed.reference}/survey", sent)
    assert response.status_code == 404


def test_a_case_study_is_drafted_edited_approved_and_read_outside_without_its_case(
    closed, org_a, alice, as_alice, director
):
    """004: anonymised case studies; only approved ones reach staff outside the case's
    organisation, and never with the case."""
    sibling = organisation("Sibling Practice", "SIB", "practice", parent=org_a)
    olga = user("olga")
    add_member(olga, sibling, "Customer Care Officer")
    as_olga, as_dana = Api(olga), Api(director)
    ref = closed.reference
    drafted = as_alice.post(f"/cases/{ref}/case-studies")
    assert drafted.status_code == 201, drafted.content
    study = drafted.json()
    for identifying in ("Wilhelmina", "Yarrow", "943 476 5919", "WS2 9QQ", "3/10/2026"):
        assert identifying not in str(study)
    assert "October 2026" in study["what_happened"]
    assert as_olga.get("/learning/case-studies").json() == []
    assert as_olga.get(f"/learning/case-studies/{study['id']}").status_code == 404
    edited = as_alice.post(
        f"/cases/{ref}/case-studies/1", {"what_happened": "Yarrow was sent home too early."}
    )
    assert edited.status_code == 200
    refused = as_dana.post(f"/cases/{ref}/case-studies/1/approve")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "what_happened"
    as_alice.post(f"/cases/{ref}/case-studies/1", {"what_happened": "Sent home too early."})
    approved = as_dana.post(f"/cases/{ref}/case-studies/1/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["reference"] == ref  # Dana sees the case
    seen = as_olga.get("/learning/case-studies").json()
    assert [(s["id"], s["reference"], s["what_happened"]) for s in seen] == [
        (study["id"], None, "Sent home too early.")
    ]
    assert as_olga.get(f"/cases/{ref}").status_code == 404
    assert as_olga.post(f"/cases/{ref}/case-studies/1/withdraw", {"reason": "x"}).status_code == 404
