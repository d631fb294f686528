"""The dashboard and the list of lessons and actions in a real browser: the charts are
drawn under the site's content security policy (the `page` fixture fails on anything the
browser refuses), and axe-core finds no WCAG 2.2 AA violation."""

from __future__ import annotations

import os
from datetime import date

import time_machine
from django.utils import timezone

from candour.cases.actions import add_action, record_lesson

from ..conftest import at, make_case
from ..reporting.known_year import build_year
from .conftest import SCREENSHOTS, check_page, sign_in_through_pages

# Complaints received in each of the 24 months before this one, oldest first: steady, then
# a rise of seven months above the mean that the SPC chart flags.
MONTHLY = [4, 6, 5, 3, 5, 4, 6, 5, 4, 3, 5, 4, 6, 5, 4, 5, 8, 9, 8, 10, 9, 11, 9, 10]
SERVICES = ["Reception", "Cardiology", "District nursing", "Pharmacy"]


def month_back(today: date, n: int) -> date:
    y, m = today.year, today.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def test_the_dashboard_and_the_learning_list(page, org_a, alice, ivan):
    with time_machine.travel(at(date(2026, 11, 2), 9), tick=False) as frozen:
        build_year(org_a, alice, frozen)  # a year with responses, outcomes and themes
    today = timezone.localdate()
    cases = []
    for i, n in enumerate(MONTHLY):
        first = month_back(today, 24 - i)
        for k in range(n):
            cases.append(
                make_case(
                    org_a,
                    alice,
                    received_at=at(first.replace(day=1 + 2 * k)),
                    service=SERVICES[(i + k) % len(SERVICES)],
                )
            )
    record_lesson(
        cases[-1],
        by=alice,
        text="Call back about every test result within one working day.",
        themes=["Communication"],
    )
    record_lesson(
        cases[-2],
        by=alice,
        text="Check the discharge letter lists every new medicine.",
        themes=["Medicines", "Communication"],
    )
    add_action(
        cases[-2],
        by=alice,
        description="Discharge checklist added to the ward round.",
        owner=ivan,
        due=today.replace(day=28),
        themes=["Medicines"],
    )

    sign_in_through_pages(page, alice)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    charts = page.locator("svg.candour-chart")
    assert charts.count() == 7
    for i in range(7):
        assert charts.nth(i).bounding_box()["height"] > 100
    page.get_by_label("Period").select_option("24")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/dashboard/?period=24")
    assert page.get_by_role("heading", name="Complaints received: statistical process control")
    assert "special cause" in page.locator("#spc-received ~ div").first.inner_text()
    check_page(page, "dashboard")
    if os.environ.get("CANDOUR_SCREENSHOTS") == "1":
        page.locator("section[aria-labelledby=spc-received]").screenshot(
            path=str(SCREENSHOTS / "spc.png"), animations="disabled"
        )

    page.get_by_role("link", name="Learning").click()
    page.wait_for_url("**/learning/")
    assert "2 lessons" in page.get_by_role("heading", level=2).first.inner_text()
    page.get_by_text("Filter by theme, service or date").click()  # folded until used
    page.get_by_label("Theme").select_option("Medicines")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**theme=Medicines**")
    assert "discharge letter" in page.locator("table.nhsuk-table").inner_text()
    page.get_by_label("Show").select_option("actions")
    page.get_by_role("button", name="Apply filters").click()
    assert "Discharge checklist" in page.locator("table.nhsuk-table").inner_text()
    page.goto("/learning/")
    check_page(page, "learning")
