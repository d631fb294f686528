"""The worklist, a case page and the organisation switcher in a real browser, each checked
by axe-core at WCAG 2.2 AA."""

from __future__ import annotations

import re

from candour.organisations.setup import add_member

from ..conftest import make_case, new_case
from .conftest import check_page, expect, resize, sign_in_through_pages


def test_the_worklist_then_a_case_page(page, org_a, alice, ivan):
    first = make_case(org_a, alice)
    second = make_case(
        org_a, alice, kind="concern", description="The waiting room was too cold to sit in."
    )
    sign_in_through_pages(page, alice)
    rows = page.locator("table.nhsuk-table tbody tr")
    assert rows.count() == 2
    check_page(page, "worklist")
    # Every column fits a 1280-pixel screen, the queues drawn to the left of the cases; on a
    # phone the cases come first, each a card of its own with the columns' names (NHS.UK's
    # responsive table), and the page never scrolls sideways.
    widths = "() => [document.documentElement.scrollWidth, window.innerWidth]"
    region = page.get_by_role("region", name=re.compile("cases by response due"))
    queues = page.get_by_role("navigation", name="Queues")
    assert region.get_attribute("tabindex") == "0"
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth")
    assert queues.bounding_box()["x"] < region.bounding_box()["x"]
    assert not page.get_by_role("link", name="Queues and filters").is_visible()
    resize(page, 390)
    scrolled, screen = page.evaluate(widths)
    assert scrolled == screen == 390
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth")
    assert region.bounding_box()["y"] < queues.bounding_box()["y"]
    card = rows.first.bounding_box()
    assert card["width"] <= 390 and card["height"] > 200  # a card, a line a column
    expect(rows.first).to_contain_text("Next due")
    assert page.get_by_role("link", name="Queues and filters").is_visible()
    check_page(page, "worklist-on-a-phone")
    resize(page, 1280)

    # Filter by kind with the form, as a user would: it is folded away until opened.
    assert not page.get_by_label("Kind").is_visible()
    page.get_by_text("Filter cases", exact=True).click()
    page.get_by_label("Kind").select_option("concern")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"kind=concern"))
    assert rows.count() == 1 and second.reference in rows.first.inner_text()

    # With a filter in use, the filters stay open.
    page.get_by_label("Kind").select_option("")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name=first.reference).click()
    page.wait_for_url(re.compile(rf"/cases/{first.reference}/"))
    assert first.reference in page.get_by_role("heading", level=1).inner_text()
    for section in ("Summary", "People", "Consent", "Deadlines", "Issues and findings"):
        assert page.get_by_role("heading", name=section, level=2).is_visible()
    check_page(page, "case")


def test_the_organisation_switcher_narrows_the_worklist(page, org_a, alice, region, site, hugo):
    add_member(alice, region, "Regional Governance Manager")
    in_a = make_case(org_a, alice)
    at_site = make_case(site, hugo, **{"description": new_case().description})
    sign_in_through_pages(page, alice)
    table = page.locator("table.nhsuk-table")
    assert in_a.reference in table.inner_text() and at_site.reference in table.inner_text()

    page.get_by_label("Working in").select_option(label=region.name)
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state()
    assert at_site.reference in table.inner_text()
    assert in_a.reference not in table.inner_text()
    assert region.name in page.get_by_role("heading", level=1).inner_text()
    check_page(page, "worklist-switched")
