"""The annual report of a year with known answers (known_year.py): every table, the cases
behind a figure, the consistency check, and the scope of what a user may see."""

from __future__ import annotations

from datetime import date

import pytest

from candour.reporting.annual import annual_report
from candour.reporting.figures import ReportError

from ..conftest import at, make_case
from .known_year import build_year


@pytest.fixture
def year(org_a, alice, frozen):
    return build_year(org_a, alice, frozen)


@pytest.fixture
def report(year, org_a, alice):
    return annual_report(alice, org_a, "2025-26")


def test_every_table_of_the_annual_report_has_the_known_figures_and_cases(report, year):
    """One year built once (about three seconds), every table checked against the answers
    worked out by hand from known_year.SPECS."""
    # received by quarter split own and provider led
    assert report.table("received").values() == {
        "total": [3, 3, 2, 2, 10],
        "own": [2, 2, 2, 2, 8],
        "provider_led": [1, 1, 0, 0, 2],
    }
    assert report.cases_behind("received", "provider_led", "Total") == ids(year, "C3", "C6")
    assert report.cases_behind("received", "own", "Q3") == ids(year, "C7", "C8")

    # responded within target by quarter of response
    assert report.table("within_target").values() == {
        "responded": [2, 2, 1, 1, 6],
        "within": [2, 1, 1, 1, 5],
        "within_percent": [100.0, 50.0, 100.0, 100.0, 83.3],
    }
    # C7 was answered after the policy's 25 working days but before the agreed extension.
    assert report.cases_behind("within_target", "within", "Q3") == ids(year, "C7")
    assert report.cases_behind("within_target", "responded", "Q1") == ids(year, "BF1", "C1")

    # upheld partly and not upheld by quarter with percentages
    assert report.table("outcomes").values() == {
        "resolved": [2, 2, 1, 1, 6],
        "upheld": [2, 0, 0, 1, 3],
        "partly_upheld": [0, 1, 0, 0, 1],
        "well_founded": [2, 1, 0, 1, 4],
        "well_founded_percent": [100.0, 50.0, 0.0, 100.0, 66.7],
        "not_upheld": [0, 1, 1, 0, 2],
    }
    assert report.cases_behind("outcomes", "% upheld or partly upheld", "Total") == ids(
        year, "BF1", "C1", "C4", "C9"
    )

    # themes count a case under each theme and once in the total
    table = report.table("themes")
    by_label = {r.label: r.cells[0].value for r in table.rows}
    assert by_label == {
        "Communication": 1,
        "Continuing healthcare": 2,
        "No theme recorded": 5,
        "Complaints (each counted once)": 8,
    }
    assert report.cases_behind("themes", "Continuing healthcare") == ids(year, "C1", "C9")
    assert report.cases_behind("themes", "none") == ids(year, "C4", "C5", "C7", "C8", "C10")

    # subjects include those a theme maps onto
    assert report.table("subjects").values() == {
        "appointments": [1],
        "clinical_treatment": [1],
        "commissioning": [2],
        "communications": [3],
        "other": [2],
        "waiting_times": [2],
        "none": [0],
        "total": [8],
    }
    assert report.cases_behind("subjects", "communications") == ids(year, "C1", "C2", "C9")

    # compliments enquiries and every kind
    assert report.table("compliments").values() == {
        "total": [1, 0, 1, 1, 3],
        "own": [1, 0, 0, 1, 2],
        "providers": [0, 0, 1, 0, 1],
    }
    assert report.table("enquiries").values() == {
        "mp": [1, 0, 0, 0, 1],
        "inbox": [1, 0, 1, 0, 2],
        "other": [0, 1, 0, 0, 1],
    }
    assert report.table("feedback").values() == {
        "complaint": [10],
        "concern": [1],
        "compliment": [3],
        "comment": [0],
        "suggestion": [0],
        "enquiry": [1],
        "mp_enquiry": [1],
        "inbox_enquiry": [2],
        "total": [18],
    }
    assert report.cases_behind("compliments", "providers") == ids(year, "K2")

    # ombudsman referrals and outcomes
    assert report.table("ombudsman").values() == {
        "referred": [2],
        "upheld": [0],
        "partly_upheld": [0],
        "not_upheld": [0],
        "declined": [1],
        "not_investigated": [0],
        "awaiting": [1],
    }
    assert report.cases_behind("ombudsman", "awaiting") == ids(year, "C9")

    # acknowledgement extensions and days to respond
    assert report.table("handling").values() == {
        "received": [8],
        "ack_within": [5],
        "ack_late": [1],
        "not_ack": [2],
        "ack_percent": [62.5],
        "resolved": [6],
        "extended": [1],
        "extended_percent": [16.7],
    }
    assert report.cases_behind("handling", "ack_late") == ids(year, "C4")
    # BF1 22 days, C1 14, C2 60, C4 14, C7 70, C9 21.
    assert report.table("days_to_respond").values() == {
        "days_0": [2],
        "days_15": [2],
        "days_29": [0],
        "days_43": [0],
        "days_57": [2],
        "days_91": [0],
        "total": [6],
        "median": [21],
    }
    assert report.cases_behind("days_to_respond", "days_57") == ids(year, "C2", "C7")
    assert report.cases_behind("days_to_respond", "median") == ids(
        year, "BF1", "C1", "C2", "C4", "C7", "C9"
    )

    # the summary and the improvements (no actions in this year)
    assert report.table("summary").values() == {
        "received": [10],
        "well_founded": [4],
        "referred": [2],
    }
    assert report.table("improvements").values() == {
        "agreed": [0],
        "completed": [0],
        "verified": [0],
        "overdue": [0],
        "lessons": [0],
    }
    assert report.changes == []

    # the tables reconcile
    assert [str(p) for p in report.problems] == []


def ids(year, *names) -> list[int]:
    return sorted(year[n].pk for n in names)


def test_the_previous_year_counts_only_its_own_cases(year, org_a, alice):
    report = annual_report(alice, org_a, "2024-25")
    assert report.table("received").values()["total"] == [0, 0, 0, 3, 3]
    assert report.table("outcomes").values()["resolved"] == [0, 0, 0, 1, 1]
    assert report.problems == []


def test_another_organisation_sees_none_of_it_and_cannot_ask(year, org_a, org_b, bob):
    with pytest.raises(ReportError, match="You cannot see the cases of Walsall Commissioning"):
        annual_report(bob, org_a, "2025-26")
    own = annual_report(bob, org_b, "2025-26")
    assert own.table("feedback").values()["total"] == [0]


def test_a_bad_year_is_refused(org_a, alice):
    with pytest.raises(ReportError, match="'2025-27' is not a financial year"):
        annual_report(alice, org_a, "2025-27")


def test_a_region_counts_the_sites_below_it_and_a_site_only_its_own(
    region, site, rita, hugo, frozen
):
    frozen.move_to(at(date(2025, 6, 2), 9))
    make_case(site, hugo, received_at=at(date(2025, 6, 2), 9))
    make_case(region, rita, received_at=at(date(2025, 6, 2), 9))
    frozen.move_to(at(date(2026, 11, 2), 9))
    by_region = annual_report(rita, region, "2025-26")
    assert by_region.table("received").values()["total"] == [2, 0, 0, 0, 2]
    by_site = annual_report(hugo, site, "2025-26")
    assert by_site.table("received").values()["total"] == [1, 0, 0, 0, 1]
    with pytest.raises(ReportError, match="You cannot see the cases of Secure Estate Health North"):
        annual_report(hugo, region, "2025-26")
