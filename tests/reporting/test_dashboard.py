"""The dashboard's figures reconcile with the annual report: over the twelve months of a
financial year (known_year.py), the months add up to the year's tables."""

from __future__ import annotations

from datetime import date

import pytest

from candour.reporting.annual import annual_report
from candour.reporting.dashboard import dashboard, months, sections
from candour.reporting.figures import ReportError

from .known_year import build_year


def test_the_months_of_a_financial_year_add_up_to_its_annual_report(org_a, alice, frozen):
    build_year(org_a, alice, frozen)
    report = annual_report(alice, org_a, "2025-26")
    board = dashboard(alice, org_a, 12, today=date(2026, 4, 15))
    assert [m.label for m in board.months][0::11] == ["Apr 2025", "Mar 2026"]
    a, d = board.activity, board.deadlines
    assert sum(a["received"]) == report.table("received").values()["total"][-1]
    within = report.table("within_target").values()
    assert sum(d["responded"]) == within["responded"][-1] == sum(a["responded"])
    assert sum(d["within"]) == within["within"][-1]
    assert sum(a["upheld"]) == report.table("outcomes").values()["well_founded"][-1]
    annual_themes = {
        r.label: r.cells[0].value
        for r in report.table("themes").rows
        if r.key.startswith("theme_") or r.key == "none"
    }
    assert dict(board.themes.rows) == {k: v for k, v in annual_themes.items() if v}
    assert board.themes.total == report.table("themes").values()["total"][0]
    # SPC of the received series is over the same twelve numbers
    assert board.received_spc.values == [float(v) for v in a["received"]]
    assert len(sections(board)) == 7


def test_open_and_overdue_are_counted_at_each_months_end(org_a, alice, frozen):
    build_year(org_a, alice, frozen)
    board = dashboard(alice, org_a, 12, today=date(2026, 4, 15))
    a = board.activity
    # Every open case at a month's end was received by then and not yet ended.
    assert all(o >= od >= 0 for o, od in zip(a["open"], a["overdue"], strict=True))
    # BF2 (received 20 Mar 2025, never answered) is open at the end of every month.
    assert min(a["open"]) >= 1


def test_months_are_complete_calendar_months_before_today():
    got = months(3, today=date(2026, 1, 10))
    assert [m.label for m in got] == ["Oct 2025", "Nov 2025", "Dec 2025"]
    assert got[-1].end.date() == date(2026, 1, 1)


def test_only_a_period_on_offer_and_only_the_users_organisations(org_a, alice, org_b, bob):
    with pytest.raises(ReportError):
        dashboard(alice, org_a, 6)
    with pytest.raises(ReportError):
        dashboard(bob, org_a)


def test_open_and_overdue_at_each_months_end_by_hand(org_a, alice, frozen):
    from candour.cases.handling import withdraw_case

    from ..conftest import at, make_case

    frozen.move_to(at(date(2026, 8, 5)))
    waiting = make_case(org_a, alice, received_at=at(date(2026, 8, 5)))
    frozen.move_to(at(date(2026, 9, 10)))
    withdrawn = make_case(org_a, alice, received_at=at(date(2026, 9, 10)))
    frozen.move_to(at(date(2026, 10, 15)))
    withdraw_case(withdrawn, by=alice, reason="No longer wishes to pursue it.")
    frozen.move_to(at(date(2026, 11, 2)))
    waiting.refresh_from_db()
    due = waiting.response_due
    assert date(2026, 8, 31) < due <= date(2026, 10, 31), due  # overdue by the end of October
    board = dashboard(alice, org_a, 12)
    a = board.activity
    assert board.months[-3].label == "Aug 2026"
    assert a["received"][-3:] == [1, 1, 0]
    assert a["open"][-4:] == [0, 1, 2, 1]  # Jul, Aug, Sep; in Oct one was withdrawn
    # overdue at the end of a month when its response date is on or before the last day
    ends = [date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)]
    assert a["overdue"][-3:] == [int(due <= end) for end in ends]
    assert sum(a["overdue"]) == sum(int(due <= end) for end in ends)
