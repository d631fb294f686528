"""The quarterly committee report and the monthly report (seed 004) over the known year
(known_year.py), with actions for change added in November 2025; every figure worked out by
hand from the specs."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.actions import add_action, complete_action, record_lesson
from candour.reporting.figures import ReportError
from candour.reporting.periodic import month, monthly_report, quarter, quarter_of, quarterly_report

from ..conftest import at
from .known_year import build_year
from .test_annual import ids


@pytest.fixture
def year(org_a, alice, frozen):
    cases = build_year(org_a, alice, frozen)
    frozen.move_to(at(date(2025, 11, 10), 10))
    add_action(
        cases["C7"],
        by=alice,
        description="Book follow-up appointments before discharge.",
        owner=alice,
        due=date(2025, 12, 1),
    )
    add_action(
        cases["C8"],
        by=alice,
        description="Review the letters template.",
        owner=alice,
        due=date(2025, 11, 30),
    )
    frozen.move_to(at(date(2025, 11, 20), 10))
    record_lesson(
        cases["C7"], by=alice, text="Say when to expect a call.", themes=["Communication"]
    )
    frozen.move_to(at(date(2025, 11, 28), 10))
    complete_action(cases["C7"], by=alice, number=1, evidence="New checklist in use.")
    frozen.move_to(at(date(2026, 11, 2), 9))
    return cases


def test_periods_are_named_and_parsed():
    q3 = quarter("2025-26-Q3")
    assert q3.key == "2025-26-Q3"
    assert q3.label == "Q3 2025-26 (October to December 2025)"
    assert [p.label for p in q3.parts] == ["October 2025", "November 2025", "December 2025"]
    assert q3.columns == ["October 2025", "November 2025", "December 2025", "Total"]
    assert quarter("2025-26-Q4").parts[0].label == "January 2026"
    assert month("2025-12").label == "December 2025"
    assert month("2025-12").columns == ["Month"]
    assert quarter_of(date(2026, 2, 1)) == "2025-26-Q4"
    assert quarter_of(date(2025, 4, 1)) == "2025-26-Q1"
    with pytest.raises(ReportError, match="write it as 2025-26-Q3"):
        quarter("2025-Q3")
    with pytest.raises(ReportError, match="write it as 2025-11"):
        month("2025-13")


def test_the_quarterly_report_of_q3_has_the_known_figures(year, org_a, alice):
    r = quarterly_report(alice, org_a, "2025-26-Q3")
    assert (
        r.title == "Walsall Commissioning: quarterly complaints report, Q3 2025-26 "
        "(October to December 2025)"
    )
    assert r.table("received").columns == [
        "October 2025",
        "November 2025",
        "December 2025",
        "Total",
    ]
    assert r.table("received").values() == {
        "total": [1, 1, 0, 2],
        "own": [1, 1, 0, 2],
        "provider_led": [0, 0, 0, 0],
    }
    assert r.cases_behind("received", "own", "November 2025") == ids(year, "C8")
    assert r.table("within_target").values() == {
        "responded": [0, 0, 1, 1],
        "within": [0, 0, 1, 1],
        "within_percent": [None, None, 100.0, 100.0],
    }
    assert r.table("outcomes").values()["not_upheld"] == [0, 0, 1, 1]
    assert r.table("outcomes").values()["well_founded_percent"] == [None, None, 0.0, 0.0]
    # BF2 was open when the quarter began; C7 ended in it; BF2 and C8 are open at its end.
    assert r.table("caseload").values() == {
        "open_start": [1],
        "received": [2],
        "reopened": [0],
        "ended": [1],
        "open_end": [2],
    }
    assert r.cases_behind("caseload", "open_end") == ids(year, "BF2", "C8")
    assert r.table("subjects").values() == {
        "other": [1],
        "waiting_times": [1],
        "none": [0],
        "total": [2],
    }
    assert r.table("compliments").values()["providers"] == [1, 0, 0, 1]
    assert r.table("enquiries").values()["inbox"] == [0, 0, 1, 1]
    assert r.table("handling").values() == {
        "received": [2],
        "ack_within": [1],
        "ack_late": [0],
        "not_ack": [1],
        "ack_percent": [50.0],
        "resolved": [1],
        "extended": [1],
        "extended_percent": [100.0],
    }
    assert r.table("days_to_respond").values()["days_57"] == [1]
    assert r.table("days_to_respond").values()["median"] == [70]
    assert r.table("recommendations").values() == {
        "agreed": [2],
        "completed": [1],
        "verified": [0],
        "overdue": [1],
        "lessons": [1],
    }
    assert r.cases_behind("recommendations", "overdue") == ids(year, "C8")
    assert [c["reference"] for c in r.changes] == [year["C7"].reference]
    assert r.table("summary").values() == {"received": [2], "well_founded": [0], "referred": [0]}
    assert r.table("feedback").values()["total"] == [4]
    assert [str(p) for p in r.problems] == []


def test_the_monthly_reports_of_november_and_december(year, org_a, alice):
    november = monthly_report(alice, org_a, "2025-11")
    assert november.table("received").columns == ["Month"]
    assert november.table("received").values()["own"] == [1]
    assert november.table("caseload").values() == {
        "open_start": [2],
        "received": [1],
        "reopened": [0],
        "ended": [0],
        "open_end": [3],
    }
    assert november.table("recommendations").values() == {
        "agreed": [2],
        "completed": [1],
        "verified": [0],
        "overdue": [1],
        "lessons": [1],
    }
    assert november.problems == []
    december = monthly_report(alice, org_a, "2025-12")
    assert december.table("within_target").values()["within"] == [1]
    assert december.table("caseload").values() == {
        "open_start": [3],
        "received": [0],
        "reopened": [0],
        "ended": [1],
        "open_end": [2],
    }
    assert december.table("recommendations").values()["overdue"] == [1]
    assert december.table("recommendations").values()["agreed"] == [0]
    assert december.changes == []
    assert december.problems == []


def test_the_quarter_check_catches_months_that_do_not_add_up(year, org_a, alice):
    from candour.reporting.periodic import check_period

    r = quarterly_report(alice, org_a, "2025-26-Q3")
    cells = r.table("received").row("own").cells
    cells[3] = type(cells[3])(5, cells[3].q)
    problems = [str(p) for p in check_period(r)]
    assert "received: Answered by us, Total is 5, but 1 + 1 + 0 by month makes 2" in problems


def test_the_annual_report_counts_the_improvements_made(year, org_a, alice):
    from candour.reporting.annual import annual_report

    r = annual_report(alice, org_a, "2025-26")
    assert r.table("improvements").values() == {
        "agreed": [2],
        "completed": [1],
        "verified": [0],
        "overdue": [1],  # C8's action, due 30 November 2025, still open on 31 March 2026
        "lessons": [1],
    }
    assert [c["description"] for c in r.changes] == [
        "Book follow-up appointments before discharge."
    ]
    assert r.problems == []
