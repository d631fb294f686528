"""The organisation administration pages in a real browser, each checked by axe-core."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model

from candour.organisations.models import ClosureDay

from .conftest import check_page, expect, sign_in_through_pages


def test_an_administrator_adds_a_user_a_closure_day_and_meets_a_policy_error(
    page, org_a, alice, ivan
):
    sign_in_through_pages(page, alice)
    page.get_by_role("link", name="Manage").click()
    page.wait_for_url(re.compile(r"/manage/WAL/$"))
    check_page(page, "manage-organisation")

    page.get_by_role("button", name="Add a user").click()
    page.get_by_label("Full name").fill("Nia Officer")
    page.get_by_label("Username").fill("nia")
    page.get_by_label("Initial password").fill("short")
    page.get_by_label("Role").select_option("Investigating Officer")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("link", name=re.compile("too short"))).to_be_visible()
    check_page(page, "manage-add-user-error")
    # What was typed is kept; only the password is typed again.
    assert page.get_by_label("Username").input_value() == "nia"
    page.get_by_label("Initial password").fill("a long initial passphrase")
    page.get_by_role("button", name="Add user").click()
    page.wait_for_url(re.compile(r"/manage/WAL/$"))
    assert get_user_model().objects.filter(username="nia").exists()

    page.get_by_role("link", name="ivan", exact=True).click()
    page.get_by_label("Give another role").select_option("Head of Corporate Governance")
    page.get_by_role("button", name="Give role").click()
    expect(
        page.get_by_role("button", name="Remove the role Head of Corporate Governance")
    ).to_be_visible()
    check_page(page, "manage-person")

    page.goto("/manage/WAL/closure-days/")
    page.get_by_label("Day").fill("24")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Reason").fill("Staff training")
    page.get_by_role("button", name="Add closure day").click()
    expect(page.get_by_text("Added a closure day on 24 December 2026.")).to_be_visible()
    assert ClosureDay.objects.filter(organisation=org_a, reason="Staff training").exists()
    check_page(page, "manage-closure-days")

    page.goto("/manage/WAL/policy/")
    page.get_by_label("Policy (JSON)").fill('{"name": "Incomplete"}')
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("link", name=re.compile("time_limit"))).to_be_visible()
    check_page(page, "manage-policy-error")
