"""The satisfaction survey in the annual report (R37).

Seed 004, Reporting and Recording Complaints: "An annual quality improvement report is
published that includes information on: ... whether complainants and staff were satisfied
with the process and outcomes; and The results of the annual patient satisfaction survey."
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from candour.cases import surveys
from candour.cases.models import Status
from candour.reporting.annual import annual_report

from ..cases.conftest import reach

pytestmark = pytest.mark.usefixtures("frozen")

SEED_004 = "The results of the annual patient satisfaction survey."
HANDLED = "How satisfied were you with the way your complaint was handled?"


@pytest.fixture
def surveyed(org_a, alice, org_b, bob, frozen):
    """Three closed complaints of Alice's: one surveyed and answered, one sent and awaiting,
    one offered and declined; and one of Bob's practice, answered."""
    answered, waiting, declined = (reach(org_a, alice, Status.CLOSED) for _ in range(3))
    theirs = reach(org_b, bob, Status.CLOSED)
    for case, by in ((answered, alice), (waiting, alice), (theirs, bob)):
        surveys.send_survey(case, by=by, offer="sent", channel="post")
    surveys.send_survey(declined, by=alice, offer="declined", channel="phone")
    frozen.shift(timedelta(days=10))
    surveys.record_answers(
        answered,
        by=alice,
        answers={"handling": "Very satisfied", "outcome": "Dissatisfied", "comments": "Kind."},
    )
    surveys.record_answers(theirs, by=bob, answers={"handling": "Very dissatisfied"})
    return {"answered": answered, "waiting": waiting, "declined": declined}


def test_the_annual_report_counts_surveys_sent_declined_answered_and_each_answer(
    surveyed, org_a, alice
):
    assert "satisfaction survey" in SEED_004
    report = annual_report(alice, org_a, "2026-27")
    assert report.problems == []
    table = report.table("satisfaction").values()
    assert table["sent"] == [2]
    assert table["declined"] == [1]
    assert table["answered"] == [1]
    assert table["handling:answered"] == [1]
    assert table["handling:Very satisfied"] == [1]
    assert table["handling:Dissatisfied"] == [0]
    assert table["handling:percent"] == [100.0]
    assert table["outcome:Dissatisfied"] == [1]
    assert table["outcome:percent"] == [0.0]
    assert table["informed:answered"] == [0]
    assert table["informed:percent"] == [None]
    assert table["comments:answered"] == [1]
    assert "comments:percent" not in table
    labels = [r.label for r in report.table("satisfaction").rows]
    assert f"{HANDLED} Very satisfied" in labels
    # Every figure links to the cases behind it, as any other figure does.
    ids = {k: v.pk for k, v in surveyed.items()}
    assert report.cases_behind("satisfaction", "sent") == sorted([ids["answered"], ids["waiting"]])
    assert report.cases_behind("satisfaction", "declined") == [ids["declined"]]
    assert report.cases_behind("satisfaction", "handling:percent") == [ids["answered"]]


def test_another_organisation_counts_only_its_own(surveyed, org_b, bob):
    table = annual_report(bob, org_b, "2026-27").table("satisfaction").values()
    assert (table["sent"], table["answered"], table["handling:percent"]) == ([1], [1], [0.0])


def test_a_year_with_no_surveys_shows_zeros_and_no_percentages(org_a, alice):
    table = annual_report(alice, org_a, "2026-27").table("satisfaction").values()
    assert table["sent"] == [0]
    assert table["handling:percent"] == [None]
