"""One rule for each verdict (ADR 0018): for every clock unit, a case acknowledged and
answered exactly at its deadline's last minute is met and one a minute later is missed, and
the case page and every report that counts the verdict say the same. Before, the reports
compared dates in SQL, which disagreed with the case page for a rule in hours (the clinic's
48 hours: met on the case page, within target in the report, or the other way round)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candour.cases import deadlines
from candour.cases.handling import acknowledge_case
from candour.cases.investigation import record_finding, record_outcome
from candour.cases.models import Case
from candour.organisations.setup import add_member
from candour.reporting.annual import annual_report
from candour.reporting.commissioner import commissioner_summary
from candour.reporting.dashboard import dashboard
from candour.reporting.ko41 import ko41
from candour.reporting.periodic import monthly_report

from ..conftest import at, make_case, organisation, sign_in, user
from ..responding import send_final_response, signed_final_response, without_sign_off

pytestmark = pytest.mark.django_db

RECEIVED = at(date(2026, 11, 2), 9)  # Monday 2 November 2026, 09:00
YEAR = "2026-27"
LATER = date(2027, 3, 15)  # after every response, so each month of them is complete

# The unit: (acknowledgement, response) in it.
UNITS = {
    "hours": ({"amount": 48, "unit": "hours"}, {"amount": 72, "unit": "hours"}),
    "calendar days": (
        {"amount": 3, "unit": "calendar_days"},
        {"amount": 10, "unit": "calendar_days"},
    ),
    "working days": (
        {"amount": 3, "unit": "working_days"},
        {"amount": 10, "unit": "working_days"},
    ),
    "calendar months": (
        {"amount": 1, "unit": "calendar_months"},
        {"amount": 2, "unit": "calendar_months"},
    ),
}


def last_minute(case: Case, key: str) -> datetime:
    """The last minute a deadline is met in, from the engine: its time for a rule in hours,
    else 23:59 on its date."""
    due = next(d for d in deadlines.for_case(case) if d.key == key)
    if due.due_at is not None:
        return due.due_at
    return timezone.make_aware(datetime.combine(due.due, time(23, 59)))


def page_verdicts(client, case: Case) -> dict[str, str]:
    """The State column of the case page's deadlines, by label."""
    html = client.get(reverse("web:case", args=[case.reference])).content.decode()
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', html, re.S)
    out = {}
    for row in rows:
        cells = re.findall(r'<td class="nhsuk-table__cell">(.*?)</td>', row, re.S)
        if len(cells) == 4:
            out[cells[0].strip()] = cells[3].split()[0].rstrip(":") if cells[3].split() else ""
    return out


def reports_agree(user_, org, cases: list[Case], client) -> None:
    """Every report's count of met and missed is the case pages' count."""
    cases = [Case.objects.select_related("organisation").get(pk=c.pk) for c in cases]
    page = {c.pk: {d.key: d.met for d in deadlines.for_case(c)} for c in cases}
    ack_met = sum(page[c.pk]["acknowledge"] is True for c in cases)
    ack_missed = sum(page[c.pk]["acknowledge"] is False for c in cases)
    met = sum(page[c.pk]["response"] is True for c in cases)
    missed = sum(page[c.pk]["response"] is False for c in cases)
    assert (ack_met, ack_missed, met, missed) == (1, 1, 1, 1)
    # The stored verdicts are the page's.
    for c in cases:
        assert (c.acknowledge_met, c.response_met) == (
            page[c.pk]["acknowledge"],
            page[c.pk]["response"],
        )
        shown = page_verdicts(client, c)
        assert shown["Acknowledge"] == ("Met" if c.acknowledge_met else "Missed")
        assert shown["Send response"] == ("Met" if c.response_met else "Missed")

    annual = annual_report(user_, org, YEAR)
    assert annual.problems == []
    handling = annual.table("handling").values()
    assert (handling["ack_within"], handling["ack_late"]) == ([ack_met], [ack_missed])
    within = annual.table("within_target").values()
    assert (within["within"][-1], within["responded"][-1]) == (met, met + missed)
    behind = annual.cases_behind("within_target", "within")
    assert behind == [c.pk for c in cases if page[c.pk]["response"]]

    summary = commissioner_summary(user_, org, YEAR)
    listed = {row["reference"]: row["within_target"] for row in summary.cases}
    assert listed == {c.reference: "Yes" if page[c.pk]["response"] else "No" for c in cases}

    board = dashboard(user_, org, 12, today=LATER)
    assert (sum(board.activity["within"]), sum(board.activity["late"])) == (met, missed)

    months = sorted({timezone.localdate(c.responded_at).strftime("%Y-%m") for c in cases})
    by_month = [monthly_report(user_, org, m).table("within_target").values() for m in months]
    assert sum(m["within"][-1] for m in by_month) == met
    assert sum(m["responded"][-1] for m in by_month) == met + missed

    ret = ko41(user_, org, "KO41a", YEAR).table("summary").values()
    assert ret["resolved"] == [met + missed]


@pytest.mark.parametrize("unit", list(UNITS))
def test_the_case_page_and_every_report_agree_on_the_boundary_minute(client, frozen, unit):
    frozen.move_to(RECEIVED)
    ack, response = UNITS[unit]
    org = organisation(f"Verdicts in {unit}", "VRD", "icb", "commissioner")
    org = without_sign_off(org, acknowledgement=ack, response=response)
    vera = user("vera")
    add_member(vera, org, "Head of Corporate Governance")
    on_time, late = make_case(org, vera), make_case(org, vera)

    # Acknowledged on the last minute, and one minute after it.
    boundary = last_minute(on_time, "acknowledge")
    for case, when in ((on_time, boundary), (late, boundary + timedelta(minutes=1))):
        frozen.move_to(when)
        acknowledge_case(case, by=vera, method="email")
        record_finding(case, by=vera, issue_number=1, finding="upheld", summary="It happened.")
    # Answered (recording the outcome is the response: no sign-off chain) likewise.
    boundary = last_minute(on_time, "response")
    for case, when in ((on_time, boundary), (late, boundary + timedelta(minutes=1))):
        frozen.move_to(when)
        record_outcome(case, by=vera, summary="We apologise.")

    frozen.move_to(at(LATER, 9))
    reports_agree(vera, org, [on_time, late], sign_in(client, vera))


def test_with_a_sign_off_chain_the_dispatch_minute_decides_and_every_report_agrees(
    client, frozen, org_a, alice, director
):
    """The commissioner's own policy: 3 working days to acknowledge, 25 to respond, and its
    final response signed by a Director; the response is the letter's dispatch, judged by the
    time it was sent, not when the outcome was recorded or the dispatch entered."""
    on_time, late = make_case(org_a, alice), make_case(org_a, alice)
    boundary = last_minute(on_time, "acknowledge")
    for case, when in ((on_time, boundary), (late, boundary + timedelta(minutes=1))):
        frozen.move_to(when)
        acknowledge_case(case, by=alice, method="email")
        record_finding(case, by=alice, issue_number=1, finding="upheld", summary="It happened.")
        record_outcome(case, by=alice, summary="We apologise.")
    letters = {case.pk: signed_final_response(case) for case in (on_time, late)}
    boundary = last_minute(on_time, "response")
    frozen.move_to(boundary + timedelta(days=3))  # both dispatches entered days later
    for case, when in ((on_time, boundary), (late, boundary + timedelta(minutes=1))):
        send_final_response(case, sent_at=when, letter=letters[case.pk])
    assert Case.objects.get(pk=late.pk).responded_at == boundary + timedelta(minutes=1)

    frozen.move_to(at(LATER, 9))
    reports_agree(alice, org_a, [on_time, late], sign_in(client, alice))


@pytest.fixture
def director(org_a):
    dana = user("dana")
    add_member(dana, org_a, "Director")
    return dana
