"""A joint complaint across two organisations in a real browser (R31; seed 001 §8: "the
complainant should be sent a single, coordinated response. The organisation which has the
most serious complaint or large number of issues about it would normally take the lead").

Alice's commissioner leads: it makes the complaint joint, asks Bob's practice for its part
and shares it with the complainant's consent; the coordinated response is refused while the
part is unanswered. Bob signs in, finds the part due on his worklist, opens it (and nothing
else of the case) and answers it. Alice then sends the one coordinated response. Each page
is checked by axe-core at 1280 pixels, and fits the screen at 390."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from candour.cases import deadlines, joint
from candour.cases.handling import acknowledge_case
from candour.cases.investigation import record_finding
from candour.cases.models import Case, Status

from ..conftest import make_case
from ..responding import without_sign_off
from .conftest import (
    check_accessibility,
    check_page,
    resize,
    screenshot,
    sign_in_through_pages,
)
from .test_letters import switch_to

WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def case(org_a, alice):
    """A complaint to Alice's commissioner with two issues, both found; its policy has no
    sign-off chain, so recording the outcome sends the response."""
    organisation = without_sign_off(org_a)
    found = make_case(
        organisation,
        alice,
        issues=[
            "The funding decision took four months",
            "The practice lost the referral letter and nobody told me",
        ],
    )
    found = acknowledge_case(found, by=alice, method="letter")
    for number in (1, 2):
        record_finding(found, by=alice, issue_number=number, finding="upheld", summary="Yes.")
    return found


def fits_at_390(page, *paths):
    """At 390 pixels each page fits the screen (a table scrolls in its own region) and
    passes axe-core; then back to 1280."""
    resize(page, 390)
    for path in paths:
        page.goto(path)
        resize(page, 390)  # measured after the header's layout on the next frame
        assert not page.evaluate(WIDER_THAN_THE_SCREEN), path
        check_accessibility(page, f"{path} at 390")
    resize(page, 1280)


def act(page, link: str):
    page.get_by_role("link", name=link).click()
    page.wait_for_url(re.compile(r"/cases/[^/]+/[a-z-]+/$"))


def test_a_joint_complaint_across_two_organisations(page, case, alice, bob, org_b):
    today = timezone.localdate()
    due = today + timedelta(days=10)
    case_url = f"/cases/{case.reference}/"
    sign_in_through_pages(page, alice, next_url=case_url)

    # The lead makes it a joint complaint, saying why it leads.
    act(page, "Make it a joint complaint")
    check_page(page, "joint-complaint-start")
    page.get_by_label("It has the largest number of the issues").check()
    page.get_by_label("Say why, for example which issues are about it").fill(
        "The funding decision is ours; only the lost letter is the practice's."
    )
    page.get_by_role("button", name="Make it a joint complaint").click()
    page.wait_for_url(f"**{case_url}")
    assert "Joint complaint started" in page.inner_text("main")

    # It asks the practice for its part, and shares it with the complainant's consent.
    act(page, "Ask another organisation for its part")
    check_page(page, "joint-complaint-ask", keep_screenshot=False)
    page.get_by_label("Which organisation in Candour?").select_option(label=f"{org_b.name} (MMG)")
    page.get_by_label("What is it asked to look into and answer?").fill(
        "What became of the referral letter, and why was the patient not told?"
    )
    page.get_by_label("Which issues does it answer?").fill("2")
    page.get_by_label("When is its reply due?").fill(due.isoformat())
    page.get_by_role("button", name="Ask another organisation for its part").click()
    page.wait_for_url(f"**{case_url}")

    act(page, "Share a part with its organisation")
    check_page(page, "joint-complaint-share", keep_screenshot=False)
    page.get_by_label("Which part?").select_option(label=f"Part 1: {org_b.name}")
    page.get_by_label("The complainant consented to sharing it").check()
    page.get_by_label("When did the complainant consent?").fill(today.isoformat())
    page.get_by_role("button", name="Share a part with its organisation").click()
    page.wait_for_url(f"**{case_url}")
    section = page.locator("#joint-caption").locator("xpath=ancestor::div[1]").inner_text()
    assert "Awaited" in section and "Given on" in section
    check_page(page, "joint-complaint-lead")

    # The coordinated response waits for the part.
    page.goto(f"{case_url}record-outcome/")
    assert "has no reply yet" in page.inner_text("main")

    # The practice finds its part on its worklist and answers it.
    switch_to(page, bob, "/")
    assert "Parts of joint complaints due from you" in page.inner_text("main")
    check_page(page, "joint-complaint-worklist")
    page.get_by_role("link", name=f"{case.reference}, part 1").click()
    page.wait_for_url(re.compile(r"/parts/[^/]+/1/$"))
    part_url = "/" + page.url.split("/", 3)[3]
    main = page.inner_text("main")
    assert "What became of the referral letter" in main and "The funding decision" not in main
    check_page(page, "joint-complaint-part")
    page.get_by_label("Your reply").fill(
        "The letter was scanned to the wrong clinic on 3 March; we have apologised to the "
        "patient and now check every referral's destination."
    )
    page.get_by_role("button", name="Send the reply").click()
    page.wait_for_url(f"**{part_url}")
    assert "Reply to part 1 recorded" in page.inner_text("main")
    check_page(page, "joint-complaint-part-answered", keep_screenshot=False)
    fits_at_390(page, "/", part_url)
    assert page.goto(case_url).status == 404  # nothing else of the case

    # The lead sends the one coordinated response.
    page.goto("/")
    switch_to(page, alice, case_url)
    assert "scanned to the wrong clinic" in page.inner_text("main")
    act(page, "Record the outcome")
    page.get_by_label("The conclusions of the response").fill(
        "Both organisations have answered: we apologise for the delay and the lost letter."
    )
    page.get_by_role("button", name="Record the outcome").click()
    page.wait_for_url(f"**{case_url}")
    assert Case.objects.get(pk=case.pk).status == Status.RESPONDED
    check_page(page, "joint-complaint-responded")

    fits_at_390(page, case_url, part_url)


def deadlines_table(page) -> str:
    return page.locator("#deadlines-caption").locator("xpath=ancestor::table[1]").inner_text()


def joint_section(page) -> str:
    return page.locator("#joint-caption").locator("xpath=ancestor::div[1]").inner_text()


def test_a_parts_deadline_its_change_and_its_withdrawal(page, case, alice, bob, org_b):
    """A part's due date is one of the case's deadlines; the lead changes a part (its due
    date and the name of an organisation outside Candour) and withdraws another with a
    reason, after which its contributor no longer sees it. At 1280 and 390 pixels."""
    today = timezone.localdate()
    due, later = today + timedelta(days=10), today + timedelta(days=15)
    joint.start_joint(case, by=alice, lead_basis="most_issues", lead_reason="Most are ours.")
    joint.add_part(case, by=alice, organisation=org_b, asked="What became of the letter?",
                   issues=[2], due=due)  # fmt: skip
    joint.add_part(case, by=alice, organisation_name="Example Acute Trust",
                   asked="When did the clinic receive the referral?", due=due)  # fmt: skip
    joint.share_part(case, by=alice, number=1, consent="given", consent_on=today)
    case_url = f"/cases/{case.reference}/"
    part_url = f"/parts/{case.reference}/1/"
    sign_in_through_pages(page, alice, next_url=case_url)

    # Each part's due date stands among the case's deadlines, with its verdict to come.
    shown = deadlines_table(page)
    assert f"Part 1: reply from {org_b.name}" in shown
    assert "Part 2: reply from Example Acute Trust" in shown
    assert deadlines.fmt(due) in shown
    check_page(page, "joint-part-deadline")
    resize(page, 390)
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    screenshot(page, "joint-part-deadline-390")
    resize(page, 1280)

    # The lead changes part 2: a later due date, and the trust's full name.
    act(page, "Change a part awaiting its reply")
    assert f"part 2 (Example Acute Trust), due {deadlines.fmt(due)}" in page.inner_text("main")
    check_page(page, "joint-part-change")
    page.get_by_label("Which part?").select_option(label="Part 2: Example Acute Trust")
    page.get_by_label("Name of the organisation, if it is outside Candour").fill(
        "Example Acute Hospitals Trust"
    )
    page.get_by_label("When is its reply due?").fill(later.isoformat())
    page.get_by_role("button", name="Change a part awaiting its reply").click()
    page.wait_for_url(f"**{case_url}")
    assert "Part changed" in page.inner_text("main")
    shown = deadlines_table(page)
    assert "Part 2: reply from Example Acute Hospitals Trust" in shown
    assert deadlines.fmt(later) in shown

    # It withdraws part 1, saying why: no longer a deadline, and no longer the practice's.
    act(page, "Withdraw a part")
    check_page(page, "joint-part-withdraw", keep_screenshot=False)
    page.get_by_label("Which part?").select_option(label=f"Part 1: {org_b.name}")
    page.get_by_label("Why is it withdrawn?").fill(
        "The practice had sent the letter on; the trust lost it."
    )
    page.get_by_role("button", name="Withdraw a part").click()
    page.wait_for_url(f"**{case_url}")
    assert "Part withdrawn" in page.inner_text("main")
    assert "Withdrawn" in joint_section(page) and "the trust lost it" in joint_section(page)
    assert f"Part 1: reply from {org_b.name}" not in deadlines_table(page)
    check_page(page, "joint-part-withdrawn")
    resize(page, 390)
    page.goto(case_url)
    resize(page, 390)
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    screenshot(page, "joint-part-withdrawn-390")
    fits_at_390(
        page,
        case_url,
        f"{case_url}joint-change-part/",
        f"{case_url}joint-withdraw-part/",
    )

    # The practice no longer sees the part.
    switch_to(page, bob, "/")
    assert "Parts of joint complaints due from you" not in page.inner_text("main")
    assert page.goto(part_url).status == 404
