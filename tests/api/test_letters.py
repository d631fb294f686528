"""The letters API: the GP chain through the endpoints, refusals as 403/409/422, files, and
letters of other organisations' cases as 404."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from candour.cases.handling import acknowledge_case
from candour.cases.investigation import record_finding

from ..conftest import make_case
from .conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def gp_case(frozen, org_b, bob):
    case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
    record_finding(case, by=bob, issue_number=1, finding="upheld", summary="No call was made.")
    return case


def test_a_final_response_through_the_api(gp_case, partner, bob, alice):
    as_bob, as_partner, as_alice = Api(bob), Api(partner), Api(alice)

    started = as_bob.post(f"/cases/{gp_case.reference}/letters", {"kind": "final_response"})
    assert started.status_code == 201, started.content
    letter = started.json()
    assert letter["step"]["key"] == "draft" and letter["held_by"] == ["bob (Executive Manager)"]
    pk = letter["id"]

    refused = as_bob.post(f"/letters/{pk}/approve", {})
    assert refused.status_code == 409
    assert "'Apology' still has guidance" in refused.json()["detail"]

    words = {"apology": "I am sorry.", "investigation": "I read the log.", "learning": "Checks."}
    sections = [[n, words.get(n, t)] for n, t in letter["latest"]["sections"]]
    revised = as_bob.post(f"/letters/{pk}/revise", {"sections": sections})
    assert revised.status_code == 200 and revised.json()["latest"]["number"] == 2
    assert as_bob.post(f"/letters/{pk}/approve", {}).json()["step"]["key"] == "signature"
    assert as_bob.post(f"/letters/{pk}/approve", {}).status_code == 403
    signed = as_partner.post(f"/letters/{pk}/approve", {"comment": "Good."}).json()
    assert signed["status"] == "ready" and signed["signed"]["signed_by"] == "pat"

    pdf = as_bob.get(f"/letters/{pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert gp_case.reference in text
    assert as_bob.get(f"/letters/{pk}/docx").content[:2] == b"PK"

    bad = as_bob.post(f"/letters/{pk}/dispatch", {"channel": "pigeon"})
    assert bad.status_code == 422
    sent = as_bob.post(f"/letters/{pk}/dispatch", {"channel": "post"})
    assert sent.status_code == 200 and sent.json()["status"] == "dispatched"

    # Another organisation's letter does not exist for Alice.
    assert as_alice.get(f"/letters/{pk}").status_code == 404
    assert as_alice.get(f"/letters/{pk}/pdf").status_code == 404
    assert as_alice.post(f"/letters/{pk}/approve", {}).status_code == 404
    assert as_bob.get(f"/cases/{gp_case.reference}/letters").json()[0]["id"] == pk


def test_templates_through_the_api(frozen, org_b, bob, alice):
    as_bob = Api(bob)
    current = as_bob.get("/letter-templates", organisation="MMG").json()
    assert len(current) == 8 and all(t["version"] == 1 for t in current)
    saved = as_bob.post(
        "/letter-templates",
        {
            "organisation": "MMG",
            "kind": "holding",
            "subject": "Update on {{ reference }}",
            "sections": [["body", "We need more time, {{ recipient.salutation }}."]],
        },
    )
    assert saved.status_code == 201 and saved.json()["version"] == 2
    bad = as_bob.post(
        "/letter-templates",
        {
            "organisation": "MMG",
            "kind": "holding",
            "subject": "x",
            "sections": [["body", "{{ nhs_number }}"]],
        },
    )
    assert bad.status_code == 422 and "nhs_number" in str(bad.json())
    assert "recipient.salutation" in as_bob.get("/letter-templates/merge-fields").json()
    # Alice (another organisation) cannot see or change Minster's templates.
    assert Api(alice).get("/letter-templates", organisation="MMG").status_code == 404
