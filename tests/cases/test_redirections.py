"""Matters outside the procedure (R10; seed 002 §13; issue 17): redirected with a recorded
reason and where to, counted, never silently dropped."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from candour.cases import redirections
from candour.cases.intake import InvalidCase
from candour.cases.models import Outcome, Status
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed

from ..conftest import at, make_case
from .conftest import events, reach

pytestmark = pytest.mark.django_db


def test_the_commissioner_redirects_what_seed_002_section_13_sends_elsewhere(org_a):
    """002 §13.1.2: "Employment issues should be considered within the relevant Human Resource
    policies and procedures." §13.2.1: "Disputes regarding Individual Funding Decisions will be
    considered via WCCG's procedures for consideration of single patient funding decisions.
    Complaints about Continuing Care decisions will be considered via separate processes"."""
    keys = [key for key, _, _ in redirections.categories(org_a)]
    assert {"staff_employment", "individual_funding", "continuing_healthcare"} <= set(keys)
    assert {"foi_request", "subject_access"} <= set(keys)
    where = {key: to for key, _, to in redirections.categories(org_a)}
    assert where["staff_employment"] == "Human resources policies and procedures"


def test_a_redirected_case_is_closed_with_its_reason_and_where_to(frozen, org_a, alice):
    case = make_case(org_a, alice, kind="concern", received_at=at(date(2026, 10, 30)))
    when = at(date(2026, 11, 2), 8, 30)
    case = redirections.redirect_outside_procedure(
        case,
        by=alice,
        category="continuing_healthcare",
        reason="Disputes the CHC eligibility decision.",
        at=when,
    )
    assert case.status == Status.CLOSED and case.outcome == Outcome.DECLINED
    assert case.closed_at == when
    assert case.redirection.where_to == (
        "The separate process for the management of Continuing Care"
    )
    assert "Continuing healthcare decision" in case.outcome_summary
    assert events(case)[-1] == "redirected_outside_procedure"
    start = timezone.make_aware(datetime(2026, 4, 1))
    end = timezone.make_aware(datetime(2027, 4, 1))
    assert redirections.counts([org_a.pk], start, end) == [("Continuing healthcare decision", 1)]
    assert redirections.total([org_a.pk], start, end) == 1


def test_it_says_what_to_fix(frozen, org_a, alice, bob):
    case = make_case(org_a, alice)
    with pytest.raises(InvalidCase, match="category: must be one of staff_employment"):
        redirections.redirect_outside_procedure(case, by=alice, category="parking", reason="x")
    with pytest.raises(InvalidCase, match="reason: is empty"):
        redirections.redirect_outside_procedure(case, by=alice, category="foi_request", reason="")
    with pytest.raises(InvalidCase, match="in the future"):
        redirections.redirect_outside_procedure(
            case, by=alice, category="foi_request", reason="FOI", at=at(date(2026, 11, 3))
        )
    with pytest.raises(PermissionDenied):
        redirections.redirect_outside_procedure(case, by=bob, category="foi_request", reason="x")
    responded = reach(org_a, alice, Status.RESPONDED)
    with pytest.raises(TransitionNotAllowed):
        redirections.redirect_outside_procedure(
            responded, by=alice, category="foi_request", reason="x"
        )


def test_the_dashboard_counts_what_was_redirected(frozen, org_a, alice):
    """R10: "redirected with a recorded reason, never silently dropped": the dashboard has a
    line for it."""
    from candour.reporting.dashboard import dashboard, sections

    case = make_case(org_a, alice, received_at=at(date(2026, 10, 30)))
    redirections.redirect_outside_procedure(
        case, by=alice, category="staff_employment", reason="A grievance about a rota."
    )
    board = dashboard(alice, org_a, 12, today=date(2026, 12, 7))
    assert board.redirected.rows == [("Staff employment", 1)]
    outside = next(s for s in sections(board) if s.key == "outside")
    assert outside.rows[-1] == ["Redirected", 1]


def test_the_annual_report_has_a_line_for_them(frozen, org_a, alice):
    """R10: counted in the annual report, by the policy's kinds of matter (seed 002 §13)."""
    from candour.reporting.annual import annual_report

    case = make_case(org_a, alice, received_at=at(date(2026, 10, 30)))
    redirections.redirect_outside_procedure(
        case, by=alice, category="individual_funding", reason="Disputes an IFR refusal."
    )
    table = annual_report(alice, org_a, "2026-27").tables["outside_procedure"]
    assert table.row("individual_funding").cells[0].value == 1
    assert table.row("staff_employment").cells[0].value == 0
    assert table.row("total").cells[0].value == 1
