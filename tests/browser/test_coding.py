"""Coding in a real browser (issue 16, R36): from the case page to "Code this case", ticking
subjects and a profession; cases ticked on the worklist coded at once; the KO41b return's
"Not coded" figure leading to its list, which codes the rest. Every page checked by
axe-core."""

from __future__ import annotations

import re

from candour.coding.codelists import load_shipped
from candour.coding.coding import save_theme
from candour.coding.models import CaseCode

from ..conftest import make_case
from .conftest import check_page, expect, sign_in_through_pages


def subjects(case) -> list[str]:
    return sorted(
        CaseCode.objects.filter(case=case, dimension="subject").values_list("code__key", flat=True)
    )


def test_a_handler_codes_cases_one_at_a_time_in_bulk_and_from_the_return(page, org_b, bob):
    load_shipped()
    save_theme(org_b, by=bob, name="Phones", subject_keys={"KO41b": "communications"})
    first, second, third, fourth = (make_case(org_b, bob) for _ in range(4))
    sign_in_through_pages(page, bob)

    page.goto(f"/cases/{first.reference}/")
    page.get_by_role("link", name="Code this case for reporting").click()
    page.wait_for_url(f"**/cases/{first.reference}/coding/")
    check_page(page, "coding-a-case")
    page.get_by_label("Waiting times").check()
    page.get_by_label("Medical (incl. surgical)").check()
    page.get_by_label("Phones").check()
    page.get_by_label("Patient's age when the complaint was received").fill("34")
    page.get_by_role("button", name="Save the coding").click()
    expect(page.get_by_text(f"Coding of {first.reference} saved.")).to_be_visible()
    assert subjects(first) == ["communications", "waiting_times"]

    page.goto("/")
    page.get_by_label(f"Select {second.reference}").check()
    page.get_by_label(f"Select {third.reference}").check()
    page.get_by_role("button", name="Code the selected cases").click()
    page.wait_for_url(re.compile(r"/coding/\?"))
    check_page(page, "coding-cases-in-bulk", keep_screenshot=False)
    page.get_by_label("Other", exact=True).first.check()
    page.get_by_role("button", name="Add these codes to the cases ticked").click()
    expect(page.get_by_text("Coded 2 cases.")).to_be_visible()
    assert subjects(second) == subjects(third) == ["other"]

    page.goto("/reports/MMG/ko41b/2026-27/")
    check_page(page, "ko41b return with its submission", keep_screenshot=False)
    page.locator("#table-subject").locator("..").get_by_role(
        "link", name=re.compile("code the cases behind Not coded")
    ).click()
    page.wait_for_url(re.compile(r"/uncoded/\?table=subject$"))
    expect(page.locator("#uncoded-count")).to_have_text("1")
    check_page(page, "cases-without-a-code")
    page.get_by_label(f"Code {fourth.reference}").check()
    page.get_by_label("Phones").check()
    page.get_by_role("button", name="Add these codes to the cases ticked").click()
    expect(page.get_by_text("Every case counted here has a subject area code.")).to_be_visible()
    assert subjects(fourth) == ["communications"]
