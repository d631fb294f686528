"""Letters: people for the national provider's Stage 2 chain, and cases brought to the stage
a letter needs through the real case actions."""

from __future__ import annotations

import pytest

from candour.audit.models import AuditEvent
from candour.cases.handling import acknowledge_case, reopen_case
from candour.cases.investigation import add_issue, record_finding, record_outcome
from candour.organisations.setup import add_member

from ..conftest import make_case, user
from ..responding import send_final_response


def member(name: str, organisation, role: str):
    u = user(name)
    add_member(u, organisation, role)
    return u


def events(case) -> list[str]:
    return list(AuditEvent.objects.filter(case=case).values_list("event", flat=True))


def last_event(case) -> AuditEvent:
    return AuditEvent.objects.filter(case=case).latest("sequence")


def stage_two_case(site, hugo):
    """A complaint at the site answered at stage 1, reopened into stage 2 with one issue."""
    case = make_case(site, hugo)
    case = acknowledge_case(case, by=hugo, method="letter")
    record_finding(case, by=hugo, issue_number=1, finding="not_upheld", summary="Called back.")
    case = record_outcome(case, by=hugo, summary="Not upheld at stage 1.")
    case = send_final_response(case)  # stage 1's signed response, sent
    case = reopen_case(case, by=hugo, reason="Still unhappy with the explanation.")
    add_issue(case, by=hugo, description="The call back came two weeks late")
    return case


@pytest.fixture
def regional_team(region, national):
    return {
        "rmd": member("rmd", region, "Regional Medical Director"),
        "rom": member("rom", region, "Regional Operations Manager"),
        "rd": member("rd", region, "Regional Director"),
        "rm": member("rm", region, "Regional Manager"),
        "ncm": member("ncm", national, "National Complaints Manager"),
        "nmd": member("nmd", national, "National Medical Director"),
    }
