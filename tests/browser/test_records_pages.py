"""The contact log and corrections in a real browser (issue 16): a call recorded from the
case page, a name corrected from a form that starts from what is recorded; every page
checked by axe-core at WCAG 2.2 AA."""

from __future__ import annotations

import re

from ..conftest import make_case
from .conftest import check_page, sign_in_through_pages


def test_a_call_is_logged_and_a_name_corrected_from_the_case_page(page, org_a, alice):
    case = make_case(org_a, alice)
    sign_in_through_pages(page, alice, next_url=f"/cases/{case.reference}/")

    page.get_by_role("link", name="Record a call, email, letter or meeting").click()
    check_page(page, "contact-log-form", keep_screenshot=False)
    page.get_by_label("Telephone").check()
    page.get_by_label("From the complainant").check()
    page.get_by_label("With whom on the case?").select_option("complainant")
    page.get_by_label("What was said, asked or agreed?").fill(
        "Asked when the response will come; told by the end of the month."
    )
    page.get_by_role("button", name="Record a call, email, letter or meeting").click()
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/$"))
    log = page.locator("#contacts + div table")
    assert "told by the end of the month" in log.inner_text()
    assert "Telephone call from the complainant" in page.locator("ol").last.inner_text()
    check_page(page, "case-with-contact-log", keep_screenshot=False)

    page.get_by_role("link", name="Correct the complainant's details").click()
    check_page(page, "correct-person-form", keep_screenshot=False)
    surname = page.get_by_label("Surname")
    assert surname.input_value() == "Example"
    surname.fill("Exemple")
    page.get_by_label("Why is it corrected?").fill("Surname misspelt at intake.")
    page.get_by_role("button", name="Correct the complainant's details").click()
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/$"))
    assert "Ms Ada Exemple" in page.locator("table").first.inner_text()
    assert "Last name: Example → Exemple" in page.locator("ol").last.inner_text()

    page.get_by_role("link", name="Correct the case's details").click()
    check_page(page, "correct-details-form", keep_screenshot=False)
    assert page.get_by_label("What it is about").input_value().startswith("The practice")
