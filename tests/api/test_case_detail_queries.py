"""A case page costs a fixed number of queries, however many people, issues and pauses the
case has (docs/performance.md, "Case detail")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candour.cases.handling import acknowledge_case, pause_case, resume_case
from candour.cases.investigation import add_issue
from candour.cases.people import PersonDetails
from tests.conftest import make_case

pytestmark = pytest.mark.usefixtures("frozen")


def queries_for(api, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def test_a_larger_case_costs_no_more_queries_to_read(as_alice, org_a, alice):
    small = make_case(org_a, alice)
    large = make_case(
        org_a,
        alice,
        relationship="relative",
        patient=PersonDetails(first_name="Tom", last_name="Example"),
        issues=["No call back", "Rude on the phone", "Wrong prescription"],
    )
    large = acknowledge_case(large, by=alice, method="email")
    for text in ("Records not updated", "Letter sent to the wrong address"):
        add_issue(large, by=alice, description=text)
    for _ in range(2):
        large = pause_case(large, by=alice, reason="police", detail="Police enquiry under way.")
        large = resume_case(large, by=alice)
    as_alice.get(f"/cases/{small.reference}")  # warm anything cached per process

    detail = as_alice.get(f"/cases/{large.reference}").json()
    assert (len(detail["people"]), len(detail["issues"]), len(detail["pauses"])) == (3, 5, 2)
    assert queries_for(as_alice, f"/cases/{small.reference}") == queries_for(
        as_alice, f"/cases/{large.reference}"
    )


def test_reading_a_case_takes_at_most_seventeen_queries(as_alice, org_a, alice):
    """Token, memberships, organisations, the case, its parties, issues, pauses, actions,
    lessons and referrals, the policy, closure days and the access event (lock, insert, move
    the head) with its transaction: the count that docs/performance.md records."""
    case = make_case(org_a, alice, issues=["No call back", "Rude on the phone"])
    as_alice.get(f"/cases/{case.reference}")
    assert queries_for(as_alice, f"/cases/{case.reference}") <= 17
