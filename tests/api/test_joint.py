"""Joint complaints (R31) through the API: the lead starts one (seed 001 §8: "The
organisation which has the most serious complaint or large number of issues about it would
normally take the lead"), asks each contributor for its part, shares it with the
complainant's consent (seed 002 §10.5.1 III), records replies, and the coordinated response
waits for every part. A contributor in Candour reaches its part under /parts and nothing else
of the case; grade 4 ("Level 4 Complex: A serious complaint involving more than one
provider", seed 001 Appendix B) needs the lead named, at intake and after."""

from __future__ import annotations

import pytest

from candour.cases.models import Case
from candour.organisations.setup import add_member, ensure_roles
from tests.api.conftest import Api, audit_rows, complaint_body, events

from ..conftest import make_case, organisation, user

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

JOINT = {"lead_basis": "most_issues", "lead_reason": "Most of the issues are about us."}


def post(api, path, body, status=200) -> dict:
    response = api.post(path, body)
    assert response.status_code == status, response.content
    return response.json()


def refused(api, path, body, status: int, field: str | None = None) -> dict:
    rows = audit_rows()
    response = api.post(path, body)
    assert response.status_code == status, response.content
    assert audit_rows() == rows, "a refused request wrote nothing"
    if field is not None:
        assert [e["field"] for e in response.json()["detail"]] == [field], response.content
    return response.json()


@pytest.fixture
def case(org_a, alice):
    return make_case(org_a, alice, issues=["Funding decision was late", "Letter lost"])


@pytest.fixture
def shared(as_alice, case, org_b):
    """Part 1 asked of Bob's practice and shared; part 2 of a trust outside Candour."""
    base = f"/cases/{case.reference}/joint"
    post(as_alice, base, JOINT, 201)
    post(as_alice, f"{base}/parts", {"organisation": "mmg", "asked": "The letter.",
                                     "issues": [2], "due": "2026-11-16"}, 201)  # fmt: skip
    post(as_alice, f"{base}/parts", {"organisation_name": "Example Acute Trust",
                                     "asked": "The clinic.", "due": "2026-11-16"}, 201)  # fmt: skip
    post(as_alice, f"{base}/parts/1/share", {"consent": "given", "consent_on": "2026-11-02"})
    return case


def test_the_lead_starts_a_joint_complaint_and_asks_for_each_part(as_alice, shared):
    joint = as_alice.get(f"/cases/{shared.reference}/joint").json()
    assert (joint["lead"], joint["lead_basis"]) == ("WAL", "most_issues")
    first, second = joint["parts"]
    assert (first["contributor"], first["organisation"], first["issues"]) == (
        "Minster Medical Group",
        "MMG",
        [2],
    )
    assert (first["consent"], first["consent_on"], first["due"]) == (
        "given",
        "2026-11-02",
        "2026-11-16",
    )
    assert (second["contributor"], second["organisation"], second["shared_at"]) == (
        "Example Acute Trust",
        None,
        None,
    )
    assert (
        "part 1 (Minster Medical Group) and part 2 (Example Acute Trust)"
        in (joint["response_waits"])
    )
    assert events(shared)[-4:] == [
        "joint_complaint_started",
        "joint_part_added",
        "joint_part_added",
        "joint_part_shared",
    ]


def test_bad_input_is_refused_naming_the_field(as_alice, case, shared):
    base = f"/cases/{case.reference}/joint"
    body = refused(as_alice, base, JOINT, 409)
    assert "is already a joint complaint" in body["detail"]
    refused(as_alice, f"{base}/parts", {"organisation": "NOPE", "asked": "X.", "due": "2026-11-16"},
            422, "organisation")  # fmt: skip
    refused(as_alice, f"{base}/parts", {"asked": "X.", "due": "2026-11-16"}, 422, "organisation")
    refused(as_alice, f"{base}/parts", {"organisation": "WAL", "asked": "X.", "due": "2026-11-16"},
            422, "organisation")  # fmt: skip
    refused(as_alice, f"{base}/parts", {"organisation_name": "T", "asked": "X.", "issues": [9],
                                        "due": "2026-11-16"}, 422, "issues")  # fmt: skip
    refused(as_alice, f"{base}/parts/2/share", {"consent": "not_given"}, 422, "consent_reason")
    refused(as_alice, f"{base}/parts/2/share", {"consent": "given"}, 422, "consent_on")
    refused(as_alice, f"{base}/parts/9/share", {"consent": "given", "consent_on": "2026-11-02"},
            422, "part")  # fmt: skip
    refused(as_alice, f"{base}/parts/1/reply", {}, 422, "text")
    refused(as_alice, f"{base}/parts/1/without-reply", {"reason": " "}, 422, "reason")
    refused(as_alice, f"{base}/parts/1/reply", {"text": "x", "at": "2026-11-01T09:00:00Z"}, 422,
            "at")  # fmt: skip


def test_a_case_that_is_not_joint_has_no_joint_complaint_to_read(as_alice, case):
    response = as_alice.get(f"/cases/{case.reference}/joint")
    assert response.status_code == 404
    assert response.json()["detail"] == f"{case.reference} is not a joint complaint."
    body = refused(as_alice, f"/cases/{case.reference}/joint/parts",
                   {"organisation_name": "T", "asked": "X.", "due": "2026-11-16"}, 409)  # fmt: skip
    assert "is not a joint complaint; make it one first" in body["detail"]


def test_the_contributor_reaches_its_part_and_nothing_else(as_bob, as_alice, shared, bob):
    """R31: a contributor in Candour sees only its part."""
    ref = shared.reference
    due = as_bob.get("/parts").json()
    assert [(p["reference"], p["number"], p["due"]) for p in due] == [(ref, 1, "2026-11-16")]
    part = as_bob.get(f"/parts/{ref}/1").json()
    assert part["asked"] == "The letter." and [i["number"] for i in part["issues"]] == [2]
    assert part["lead"] == "Walsall Commissioning" and part["open"] is True
    assert "did not call me back" not in repr(part) and "ada@example" not in repr(part)
    for path in (
        f"/cases/{ref}",
        f"/cases/{ref}/joint",
        f"/cases/{ref}/timeline",
        f"/cases/{ref}/deadlines",
        f"/parts/{ref}/2",
    ):
        assert as_bob.get(path).status_code == 404, path
    rows = audit_rows()
    for path, body in (
        (f"/cases/{ref}/joint/parts/1/reply", {"text": "Lost."}),
        (f"/cases/{ref}/joint/parts/2/share", {"consent": "given", "consent_on": "2026-11-02"}),
        (f"/cases/{ref}/grade", {"level": 3}),
        (f"/parts/{ref}/2/reply", {"text": "Lost."}),
    ):
        assert as_bob.post(path, body).status_code == 404, path
    assert audit_rows() == rows

    replied = post(as_bob, f"/parts/{ref}/1/reply", {"text": "It went to the wrong clinic."})
    assert replied["reply_text"] == "It went to the wrong clinic." and replied["open"] is False
    assert as_bob.get("/parts").json() == []
    assert as_alice.get(f"/cases/{ref}/joint").json()["parts"][0]["reply_at"] is not None
    assert events(shared)[-1] == "joint_part_replied"


def test_the_lead_sees_every_part_and_the_case(as_alice, shared):
    assert as_alice.get(f"/cases/{shared.reference}").status_code == 200
    for number in (1, 2):
        assert as_alice.get(f"/parts/{shared.reference}/{number}").status_code == 200


def test_another_organisation_reaches_no_part(shared, org_b):
    third = organisation("Example Services", "EXS", "trust", "nhs-england-2009")
    ensure_roles(["Executive Manager"])
    carol = user("carol")
    add_member(carol, third, "Executive Manager")
    as_carol = Api(carol)
    assert as_carol.get("/parts").json() == []
    for number in (1, 2):
        assert as_carol.get(f"/parts/{shared.reference}/{number}").status_code == 404
        reply = as_carol.post(f"/parts/{shared.reference}/{number}/reply", {"text": "x"})
        assert reply.status_code == 404


def test_the_coordinated_response_waits_for_the_parts(as_alice, as_bob, shared):
    ref = shared.reference
    post(as_alice, f"/cases/{ref}/acknowledge", {"method": "email"})
    for number in (1, 2):
        post(as_alice, f"/cases/{ref}/issues/{number}/finding",
             {"finding": "upheld", "summary": "It happened."})  # fmt: skip
    body = refused(as_alice, f"/cases/{ref}/outcome", {"summary": "Sorry."}, 409)
    assert "its coordinated response covers every contributor's part" in body["detail"]
    post(as_bob, f"/parts/{ref}/1/reply", {"reference": "Letter MMG/22"})
    post(as_alice, f"/cases/{ref}/joint/parts/2/without-reply", {"reason": "No consent."})
    assert as_alice.get(f"/cases/{ref}/joint").json()["response_waits"] is None
    post(as_alice, f"/cases/{ref}/outcome", {"summary": "Sorry."})


# --- grade 4 ----------------------------------------------------------------------------------


def test_grade_4_needs_the_lead_named_when_regrading(as_alice, case):
    body = refused(as_alice, f"/cases/{case.reference}/grade", {"level": 4}, 422, "level")
    assert "needs the lead organisation named: make" in body["detail"][0]["message"]
    post(as_alice, f"/cases/{case.reference}/joint", JOINT, 201)
    assert post(as_alice, f"/cases/{case.reference}/grade", {"level": 4})["grade"] == 4


def test_grade_4_is_refused_at_intake_and_nothing_is_recorded(as_alice):
    before = (Case.objects.count(), audit_rows())
    body = refused(as_alice, "/cases", complaint_body(grade=4), 422, "grade")
    assert "When recording a new case, leave it ungraded" in body["detail"][0]["message"]
    assert (Case.objects.count(), audit_rows()) == before
    recorded = post(as_alice, "/cases", complaint_body(grade=3), 201)
    assert recorded["grade"] == 3
    body = refused(as_alice, "/cases", complaint_body(kind="compliment", grade=2), 422, "grade")
    assert "cannot be given" in body["detail"][0]["message"]


# --- a part's deadline, its change and its withdrawal -------------------------------------------


def test_a_parts_due_date_is_among_the_cases_deadlines(as_alice, shared):
    listed = as_alice.get(f"/cases/{shared.reference}/deadlines").json()
    parts = {d["key"]: d for d in listed if d["key"].startswith("joint_part_")}
    assert sorted(parts) == ["joint_part_1", "joint_part_2"]
    assert parts["joint_part_1"]["due"] == "2026-11-16"
    assert parts["joint_part_1"]["label"] == "Part 1: reply from Minster Medical Group"


def test_the_lead_changes_a_part_and_says_what_stays(as_alice, as_bob, shared):
    ref = shared.reference
    rows = audit_rows()
    response = as_alice.patch(f"/cases/{ref}/joint/parts/1", {"organisation_name": "Other"})
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["detail"]] == ["organisation_name"]
    assert audit_rows() == rows
    response = as_alice.patch(
        f"/cases/{ref}/joint/parts/1", {"due": "2026-11-20", "issues": [1, 2]}
    )
    assert response.status_code == 200, response.content
    part = response.json()["parts"][0]
    assert (part["due"], part["issues"], part["asked"]) == ("2026-11-20", [1, 2], "The letter.")
    assert events(shared)[-1] == "joint_part_changed"
    assert as_bob.get(f"/parts/{ref}/1").json()["due"] == "2026-11-20"


def test_the_lead_withdraws_a_part_and_its_contributor_loses_sight_of_it(as_alice, as_bob, shared):
    ref = shared.reference
    refused(as_alice, f"/cases/{ref}/joint/parts/1/withdraw", {"reason": " "}, 422, "reason")
    body = post(as_alice, f"/cases/{ref}/joint/parts/1/withdraw", {"reason": "Asked in error."})
    assert body["parts"][0]["withdrawn_reason"] == "Asked in error."
    assert body["parts"][0]["withdrawn_at"] is not None
    assert "part 1" not in (body["response_waits"] or "")
    assert events(shared)[-1] == "joint_part_withdrawn"
    assert as_bob.get("/parts").json() == []
    assert as_bob.get(f"/parts/{ref}/1").status_code == 404
    refused(as_alice, f"/cases/{ref}/joint/parts/1/withdraw", {"reason": "Again."}, 409)
