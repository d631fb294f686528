"""The public feedback form in a real browser: a complaint made for someone else from the
start page to the confirmation (errors and their correction, check your answers, a change
link), an out-of-time complaint accepted and flagged, and the status page. Every page is
checked by axe-core at WCAG 2.2 AA."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils import timezone

from candour.cases.models import Case, ConsentState, PartyRole, Relationship, Status

from .conftest import check_page, expect


def _continue(page, slug_after: str) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(rf"/feedback/WAL/{slug_after}/"))


def _error_summary(page):
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    return summary


def test_a_complaint_for_someone_else_from_start_to_confirmation_then_its_status(page, org_a):
    happened = timezone.localdate() - timedelta(days=40)  # within the 12-month limit
    page.goto("/feedback/WAL/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Give feedback to Walsall Commissioning"
    )
    check_page(page, "public-form-start")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_url(re.compile(r"/feedback/WAL/kind/"))
    check_page(page, "public-form-kind", keep_screenshot=False)
    page.get_by_label("Make a complaint").check()
    _continue(page, "about")

    # No answer: the error summary links to the question, which shows the same message.
    page.get_by_role("button", name="Continue").click()
    summary = _error_summary(page)
    message = "Select whether this is about you or someone else"
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", "#about")
    expect(page.locator(".nhsuk-error-message")).to_contain_text(message)
    assert page.title().startswith("Error: Who is this about?")
    check_page(page, "public-form-error")
    page.get_by_label("Someone else").check()
    _continue(page, "person")

    check_page(page, "public-form-person", keep_screenshot=False)
    page.get_by_label("Their first name").fill("Sam")
    page.get_by_label("Their last name").fill("Example")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("1941")
    _continue(page, "relationship")

    check_page(page, "public-form-relationship", keep_screenshot=False)
    page.get_by_label("I am a relative").check()
    _continue(page, "consent")

    check_page(page, "public-form-consent", keep_screenshot=False)
    page.get_by_label("They cannot agree because they are not able to make this decision").check()
    _continue(page, "what")

    check_page(page, "public-form-what", keep_screenshot=False)
    page.get_by_label("What happened?").fill("My father waited four hours for a district nurse.")
    _continue(page, "when")

    check_page(page, "public-form-when", keep_screenshot=False)
    page.get_by_label("I know the date, or roughly when").check()
    # A date that cannot be: the error names it and the boxes keep what was typed.
    page.get_by_role("group", name="Date it happened").get_by_label("Day").fill("31")
    page.get_by_role("group", name="Date it happened").get_by_label("Month").fill("2")
    page.get_by_role("group", name="Date it happened").get_by_label("Year").fill(str(happened.year))
    page.get_by_role("button", name="Continue").click()
    _error_summary(page).get_by_role(
        "link", name="The date it happened must be a real date, like 27 3 2025"
    ).click()
    assert page.evaluate("() => document.activeElement.id") == "event_date"
    assert (
        page.get_by_role("group", name="Date it happened").get_by_label("Month").input_value()
        == "2"
    )
    check_page(page, "public-form-when-error", keep_screenshot=False)
    page.get_by_role("group", name="Date it happened").get_by_label("Day").fill(str(happened.day))
    page.get_by_role("group", name="Date it happened").get_by_label("Month").fill(
        str(happened.month)
    )
    _continue(page, "where")

    check_page(page, "public-form-where", keep_screenshot=False)
    page.get_by_label("Which service, place or department (optional)").fill("District nursing")
    page.get_by_label("Who was involved (optional)").fill("The duty nurse")
    _continue(page, "outcome")

    check_page(page, "public-form-outcome", keep_screenshot=False)
    page.get_by_label("What would you like to happen?").fill("An explanation and an apology.")
    _continue(page, "contact")

    check_page(page, "public-form-contact", keep_screenshot=False)
    page.get_by_label("By email").check()
    _continue(page, "details")

    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Email address").fill("ada at example")
    page.get_by_role("button", name="Continue").click()
    _error_summary(page).get_by_role("link", name=re.compile("Enter an email address")).click()
    assert page.evaluate("() => document.activeElement.id") == "email"
    assert page.get_by_label("First name").input_value() == "Ada"  # nothing typed is lost
    check_page(page, "public-form-details-error", keep_screenshot=False)
    page.get_by_label("Email address").fill("ada@example.invalid")
    _continue(page, "needs")

    check_page(page, "public-form-needs", keep_screenshot=False)
    page.get_by_label("Large print").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/feedback/WAL/check/"))

    answers = page.locator(".nhsuk-summary-list")
    expect(answers).to_contain_text("My father waited four hours")
    expect(answers).to_contain_text(f"{happened.day} {happened:%B %Y}")
    expect(answers).to_contain_text("They cannot agree because they are not able")
    check_page(page, "public-form-check-answers")

    # A change link goes to the question, then straight back here.
    page.get_by_role("link", name="Change tell us in your own words").click()
    page.wait_for_url(re.compile(r"/feedback/WAL/what/\?change=1"))
    expect(page.get_by_label("What happened?")).to_have_value(
        "My father waited four hours for a district nurse."
    )
    page.get_by_label("What happened?").fill(
        "My father waited four hours for a district nurse, in pain."
    )
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/feedback/WAL/check/"))
    expect(answers).to_contain_text("for a district nurse, in pain.")

    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/feedback/WAL/sent/"))
    case = Case.objects.get()
    expect(page.locator(".nhsuk-panel")).to_contain_text(case.reference)
    expect(page.get_by_text("we will need their permission")).to_be_visible()
    secret = page.locator("#status-code").inner_text()
    check_page(page, "public-form-confirmation")

    assert case.kind == "complaint" and case.channel == "web_form"
    assert case.status == Status.RECEIVED
    assert case.description == "My father waited four hours for a district nurse, in pain."
    assert case.event_date == happened
    assert case.service == "District nursing" and case.staff_involved == "The duty nurse"
    assert case.desired_outcome == "An explanation and an apology."
    assert case.consent_state == ConsentState.NEEDED
    assert case.consent_note == "The sender says the patient is not able to make this decision."
    assert not case.out_of_time and not case.anonymous
    parties = {p.role: p for p in case.parties.select_related("person")}
    complainant, patient = parties[PartyRole.COMPLAINANT], parties[PartyRole.PATIENT]
    assert complainant.relationship == Relationship.LACKS_CAPACITY
    assert complainant.relationship_detail == "Relative"
    assert complainant.person.email == "ada@example.invalid"
    assert complainant.person.accessible_format == "large_print"
    assert patient.person.full_name == "Sam Example"
    assert patient.person.date_of_birth == date(1941, 4, 3)

    # The status page: a wrong code shows nothing of the case; the right one its stage.
    page.get_by_role("link", name="Check progress").click()
    page.wait_for_url(re.compile(r"/feedback/status/"))
    check_page(page, "public-status-form", keep_screenshot=False)
    page.get_by_label("Reference").fill(case.reference)
    page.get_by_label("Code").fill("ABCD-EF23-GH45-JK67")
    page.get_by_role("button", name="Check progress").click()
    _error_summary(page).get_by_role("link", name=re.compile("could not find a case"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the progress of your feedback")
    assert "Stage" not in page.locator("main").inner_text()
    check_page(page, "public-status-error", keep_screenshot=False)
    page.get_by_label("Code").fill(secret)
    page.get_by_role("button", name="Check progress").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Progress of {case.reference}")
    status = page.locator(".nhsuk-summary-list")
    expect(status).to_contain_text("Stage")
    # Nothing else: not the names, not what happened.
    main = page.locator("main").inner_text()
    assert "Sam" not in main and "Ada" not in main and "district nurse" not in main
    check_page(page, "public-status")


def test_an_out_of_time_complaint_is_accepted_and_flagged(page, org_a):
    long_ago = timezone.localdate().year - 3
    page.goto("/feedback/WAL/kind/")
    page.get_by_label("Make a complaint").check()
    _continue(page, "about")
    page.get_by_label("Myself").check()
    _continue(page, "what")
    page.get_by_label("What happened?").fill("My operation was cancelled on the day, twice.")
    _continue(page, "when")
    page.get_by_label("I know the date, or roughly when").check()
    page.get_by_role("group", name="Date it happened").get_by_label("Day").fill("1")
    page.get_by_role("group", name="Date it happened").get_by_label("Month").fill("6")
    page.get_by_role("group", name="Date it happened").get_by_label("Year").fill(str(long_ago))
    _continue(page, "where")
    _continue(page, "outcome")
    _continue(page, "contact")
    page.get_by_label("By telephone").check()
    _continue(page, "details")
    page.get_by_label("First name").fill("Ben")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Telephone number").fill("07700 900 982")
    _continue(page, "needs")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/feedback/WAL/check/"))
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/feedback/WAL/sent/"))

    expect(page.locator(".nhsuk-inset-text")).to_contain_text(
        "You told us this happened more than 12 months ago"
    )
    check_page(page, "public-form-confirmation-out-of-time", keep_screenshot=False)
    case = Case.objects.get()
    assert case.out_of_time and case.status == Status.RECEIVED
    assert case.event_date == date(long_ago, 6, 1)
    assert case.consent_state == ConsentState.NOT_NEEDED
