"""A persistent contact (vexatious) decision walked in a real browser (issue 17; R33; seed 002
§13.7.3: "clear, documented evidence ... approved and signed by the Accountable Officer"):
started from a case, evidence documented, reviewed by the Head of Corporate Governance,
approved by the Accountable Officer with its restrictions and review date, the warning letter
recorded, and
the review date in the worklist's queue "Restrictions due for review". Each page is checked by
axe-core, and the last at 390 pixels wide fits the screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from candour.cases.models import Status
from candour.cases.route_models import ContactRestriction, RestrictionStatus
from candour.organisations.setup import add_member, ensure_roles

from ..cases.conftest import reach
from ..conftest import user
from .conftest import check_page, resize, screenshot, sign_in_through_pages

WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def olive(org_a):
    u = user("olive")
    u.first_name, u.last_name = "Olive", "Officer"
    u.save()
    ensure_roles(["Accountable Officer"])
    add_member(u, org_a, "Accountable Officer")
    return u


def switch_to(page, person, next_url: str):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-out/"))
    sign_in_through_pages(page, person, next_url=next_url)


def test_a_vexatious_decision_from_evidence_to_its_review_date(page, org_a, alice, olive):
    case = reach(org_a, alice, Status.RESPONDED)
    sign_in_through_pages(page, alice, next_url=f"/cases/{case.reference}/")
    page.get_by_role("link", name="Start the persistent contact procedure").click()
    page.get_by_label("Why is the person's contact").fill(
        "Fourteen letters since the response, repeating issues already answered."
    )
    page.get_by_role("button", name="Start the procedure").click()
    restriction = ContactRestriction.objects.get()
    page.wait_for_url(f"**/restrictions/{restriction.pk}/")
    page.get_by_role("link", name="Add documented evidence").click()
    page.get_by_label("What does it show?").fill("The final response, answering every issue.")
    page.get_by_label("Date of the letter").fill(timezone.localdate().isoformat())
    page.get_by_label("Which of the cases").fill(case.reference)
    check_page(page, "vexatious-evidence")
    page.get_by_role("button", name="Add documented evidence").click()
    page.get_by_role("link", name="Review the evidence").click()
    page.get_by_label("What did the review find").fill("Every issue was answered; recommended.")
    page.get_by_role("button", name="Review the evidence").click()
    expect_text(page, "Reviewed, awaiting approval")
    check_page(page, "vexatious-reviewed")

    # The Accountable Officer approves, with the restrictions and the review date.
    switch_to(page, olive, f"/restrictions/{restriction.pk}/")
    page.get_by_role("link", name="Approve the decision").click()
    page.get_by_label("Letter").check()
    page.get_by_label("Single point of contact").select_option("alice")
    review_by = timezone.localdate() + timedelta(days=21)
    page.get_by_label("Review the restrictions by").fill(review_by.isoformat())
    check_page(page, "vexatious-approve")
    page.get_by_role("button", name="Approve the decision").click()
    expect_text(page, "Decision approved")
    restriction.refresh_from_db()
    assert restriction.status == RestrictionStatus.APPROVED
    assert restriction.decided_as == "Accountable Officer"

    # The warning letter goes; the restrictions are in force.
    switch_to(page, alice, f"/restrictions/{restriction.pk}/")
    page.get_by_role("link", name="Record the warning letter as sent").click()
    page.get_by_label("How did the signed letter go?").fill("Posted first class, signed.")
    page.get_by_role("button", name="Record the warning letter as sent").click()
    expect_text(page, "Restrictions in force")
    check_page(page, "vexatious-in-force")

    # The review date shows in the worklist.
    page.goto("/")
    link = page.get_by_role("link", name=re.compile(r"Restrictions due for review 1"))
    link.click()
    expect_text(page, restriction.reference)
    for width in (1280, 390):
        resize(page, width, 900)  # measured after the header's layout on the next frame
        assert not page.evaluate(WIDER_THAN_THE_SCREEN), f"wider than {width} px"
        check_page(page, "vexatious-review-due" + ("-on-a-phone" if width == 390 else ""))
    screenshot(page, "vexatious-review-due-on-a-phone")
    # The case page says who may be contacted how.
    page.goto(f"/cases/{case.reference}/")
    expect_text(page, "Persistent contact restrictions in force")


def expect_text(page, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("main")).to_contain_text(text)
