"""Manage → Letterhead in a real browser (R17, R24; issue 17: "the letterhead has no address"):
an administrator finds the letterhead on the organisation's page, is told what to fix when
the email address is not one, and saves the address that new letters print under the
organisation's name. Each page is checked by axe-core and fits the screen at 1280 and at 390
pixels."""

from __future__ import annotations

import re

from candour.audit.models import AuditEvent

from .conftest import at_both_widths, expect, sign_in_through_pages

ADDRESS = "Civic Centre\nDarwall Street\nWalsall\nWS1 1TP"


def test_an_administrator_sets_the_letterhead_and_is_told_what_to_fix(page, org_a, alice):
    sign_in_through_pages(page, alice, next_url="/manage/WAL/")
    expect(page.locator("main")).to_contain_text("No postal address yet")
    at_both_widths(page, "manage-organisation-no-letterhead")

    page.get_by_role("link", name=re.compile("Change the letterhead")).click()
    page.wait_for_url("**/manage/WAL/letterhead/")
    # The organisation's details, not the user's own: the browser offers no home address.
    for label in ("Postal address", "Telephone (optional)", "Email address (optional)"):
        assert page.get_by_label(label).get_attribute("autocomplete") == "off", label
    at_both_widths(page, "manage-letterhead", keep_screenshot=True)

    page.get_by_label("Postal address").fill(ADDRESS)
    page.get_by_label("Telephone (optional)").fill("01922 650000")
    page.get_by_label("Email address (optional)").fill("complaints at walsall")
    page.get_by_role("button", name="Save the letterhead").click()
    summary = page.get_by_role("link", name=re.compile("Enter an email address like"))
    expect(summary).to_be_visible()
    # What was typed is kept, and nothing was saved.
    assert page.get_by_label("Postal address").input_value() == ADDRESS
    assert not AuditEvent.objects.filter(event="organisation_letterhead_changed").exists()
    at_both_widths(page, "manage-letterhead-error")

    summary.click()  # the summary's link takes the user to the field to fix
    expect(page.get_by_label("Email address (optional)")).to_be_focused()
    page.get_by_label("Email address (optional)").fill("complaints@walsall.example.invalid")
    page.get_by_role("button", name="Save the letterhead").click()
    page.wait_for_url(re.compile(r"/manage/WAL/$"))
    expect(page.locator("main")).to_contain_text("Saved the letterhead. New letters use it.")
    main = page.locator("main").inner_text()
    assert "Civic Centre\nDarwall Street\nWalsall\nWS1 1TP" in main
    assert "Telephone: 01922 650000" in main
    assert "Email: complaints@walsall.example.invalid" in main
    org_a.refresh_from_db()
    assert (org_a.address, org_a.telephone) == (ADDRESS, "01922 650000")
    changed = AuditEvent.objects.get(event="organisation_letterhead_changed")
    assert changed.data["after"]["address"] == ADDRESS
    assert changed.actor == alice
    at_both_widths(page, "manage-organisation-letterhead")
