"""After closure in a real browser (R37): the survey sent with a link from the case page, the
complainant answering it without signing in, and a case study drafted; every page checked by
axe-core at WCAG 2.2 AA, at 1280 and 390 px."""

from __future__ import annotations

import re

from candour.cases.models import Status

from ..cases.conftest import reach
from .conftest import check_page, resize, sign_in_through_pages


def test_a_survey_is_sent_answered_online_and_a_case_study_drafted(page, browser, org_a, alice):
    case = reach(org_a, alice, Status.CLOSED)
    sign_in_through_pages(page, alice, next_url=f"/cases/{case.reference}/")

    page.get_by_role("link", name="Record the satisfaction survey as sent").click()
    check_page(page, "survey-form")
    page.get_by_label("Sent", exact=True).check()
    page.get_by_label("A link to answer online").check()
    page.get_by_role("button", name="Record the survey").click()
    key = page.locator("#survey-key").inner_text()
    check_page(page, "survey-sent", keep_screenshot=False)

    public = browser.new_context(
        base_url=page.url.split("/cases/")[0], viewport={"width": 390, "height": 800}
    )
    tab = public.new_page()
    tab.goto("/survey/")
    tab.get_by_label("Key").fill(key)
    tab.get_by_role("button", name="Continue").click()
    check_page(tab, "survey-answer-390")
    tab.get_by_label("Very satisfied").first.check()
    tab.get_by_role("button", name="Send my answers").click()
    assert "Your answers have been sent" in tab.content()
    public.close()

    page.goto(f"/cases/{case.reference}/")
    assert "Answered on" in page.locator("#after-closure ~ p").first.inner_text()
    page.get_by_role("link", name="Draft an anonymised case study").click()
    check_page(page, "case-study-draft", keep_screenshot=False)
    page.get_by_role("button", name="Draft the case study").click()
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/closure/case-studies/1/$"))
    check_page(page, "case-study")
    resize(page, 390)
    check_page(page, "case-study-390", keep_screenshot=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
