"""A case worked from receipt to closure, whose audit trail the tests check and tamper with."""

from __future__ import annotations

import pytest

from candour.audit import checkpoints
from candour.cases.access import open_case
from candour.cases.handling import acknowledge_case, close_case, grade_case
from candour.cases.investigation import record_finding, record_outcome

from ..conftest import make_case
from ..responding import send_final_response


def work_a_case(org_a, alice, ivan, after_each=lambda: None):
    """A complaint taken from receipt to closure by the real actions, read along the way;
    `after_each` runs after each action (each its own transaction on a server)."""
    case = make_case(org_a, alice)
    after_each()
    case = acknowledge_case(case, by=alice, method="email")
    after_each()
    case = grade_case(case, by=alice, level=2)
    after_each()
    open_case(ivan, case.reference)
    after_each()
    record_finding(case, by=ivan, issue_number=1, finding="upheld", summary="No call was made.")
    after_each()
    case = record_outcome(case, by=alice, summary="We apologise.")
    after_each()
    # Drafted, signed off and dispatched: the response.
    case = send_final_response(case, after_each=after_each)
    case = close_case(case, by=alice)
    after_each()
    return case


@pytest.fixture
def worked_case(org_a, alice, ivan, frozen):
    return work_a_case(org_a, alice, ivan)


@pytest.fixture
def checkpointed_case(org_a, alice, ivan, frozen):
    """The worked case with the checkpoints a server writes: one after every commit."""
    checkpoints.write_head()  # after the organisations and users were set up
    return work_a_case(org_a, alice, ivan, after_each=checkpoints.write_head)
