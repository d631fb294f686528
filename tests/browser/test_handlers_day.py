"""A complaints handler's day in a real browser: sign in with the TOTP code, the worklist,
search, a complaint made on behalf of a patient worked from receipt to closure through the
case page's forms (acknowledge, consent, investigator, extension, finding, outcome, close),
a file attached, and the two intake pages. Every page is checked by axe-core."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from candour.audit.models import AuditEvent
from candour.cases.models import Case, ConsentState, Outcome, Status
from candour.cases.people import PersonDetails

from ..conftest import make_case
from ..responding import send_final_response
from .conftest import check_page, expect, sign_in_through_pages


def _on_behalf_of_a_patient(org, by):
    return make_case(
        org,
        by,
        patient=PersonDetails(first_name="Sam", last_name="Patient", postcode="WS2 9PL"),
        relationship="parent_guardian",
        description="My son waited three weeks for a referral letter that was never sent.",
        issues=["The referral letter was never sent"],
    )


def _summary_value(page, key: str) -> str:
    row = page.locator(
        ".nhsuk-summary-list__row", has=page.locator("dt", has_text=re.compile(rf"^\s*{key}\s*$"))
    )
    return row.first.locator("dd").first.inner_text().strip()


def _open_action(page, case, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/[a-z-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def _submit(page, title: str, done: str, case) -> None:
    """Send the action's form; back on the case page with its message."""
    page.locator("#submit").click()
    page.wait_for_load_state()
    errors = page.locator(".nhsuk-error-summary")
    assert not errors.count(), f"{title}: {errors.inner_text()}"
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/$"))
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(done)


def _latest_entry(page) -> str:
    return page.locator("main ol.nhsuk-list > li").last.inner_text()


def test_a_handlers_day_from_sign_in_to_closing_a_complaint(page, org_a, alice, ivan):
    case = _on_behalf_of_a_patient(org_a, alice)
    other = make_case(
        org_a, alice, kind="concern", description="The car park barrier was broken all week."
    )
    assert case.consent_state == ConsentState.NEEDED
    sign_in_through_pages(page, alice)

    # The worklist has both; the search finds the complaint by the patient's name.
    table = page.locator("table.nhsuk-table")
    expect(table).to_contain_text(case.reference)
    expect(table).to_contain_text(other.reference)
    search = page.locator("form.candour-search")
    search.get_by_label("Search cases").fill("referral letter")
    search.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=referral"))
    expect(table).to_contain_text(case.reference)
    expect(table).not_to_contain_text(other.reference)
    check_page(page, "search-results", keep_screenshot=False)

    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/$"))
    # Consent blocks the investigation, and the page says so.
    expect(page.get_by_text("cannot be investigated yet: consent is needed")).to_be_visible()
    assert page.get_by_role("link", name="Assign an investigator").count() == 0
    assert _summary_value(page, "Status").startswith("Received")
    check_page(page, "case-received", keep_screenshot=False)

    # Acknowledge: first without saying how, which the page asks for.
    _open_action(page, case, "Acknowledge the complaint")
    check_page(page, "action-acknowledge", keep_screenshot=False)
    page.locator("#submit").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose one")
    check_page(page, "action-acknowledge-error", keep_screenshot=False)
    page.get_by_label("Letter").check()
    _submit(page, "Acknowledge the complaint", "Acknowledgement recorded", case)
    assert _summary_value(page, "Status").startswith("Open")
    assert "Case acknowledged" in _latest_entry(page)

    # Consent arrives: the investigation may start.
    _open_action(page, case, "Record consent as received")
    check_page(page, "action-receive-consent", keep_screenshot=False)
    page.get_by_label("Signed form or letter").check()
    _submit(page, "Record consent as received", "Consent recorded as received", case)
    assert _summary_value(page, "Consent") == "Received"
    assert "Consent received" in _latest_entry(page)
    expect(page.get_by_text("cannot be investigated yet")).to_have_count(0)

    _open_action(page, case, "Assign an investigator")
    check_page(page, "action-assign-investigator", keep_screenshot=False)
    page.get_by_label("Who will investigate?").select_option("ivan")
    _submit(page, "Assign an investigator", "Investigator assigned", case)
    assert _summary_value(page, "Investigator") == "ivan"
    assert "Investigator: ivan" in _latest_entry(page)

    # A file: the attach page, then the file in the list.
    page.get_by_role("link", name="Attach a file").click()
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/attachments/$"))
    check_page(page, "attach-file", keep_screenshot=False)
    page.get_by_label("File").set_input_files(
        {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%synthetic\n"}
    )
    page.get_by_label("What is it?").fill("Letter from the complainant")
    page.get_by_role("button", name=re.compile("Attach")).click()
    page.wait_for_url(re.compile(rf"/cases/{case.reference}/$"))
    expect(page.get_by_role("link", name="letter.pdf")).to_be_visible()
    check_page(page, "case-mid-way")

    # An extension: a date not after the current one is refused beside the field.
    case.refresh_from_db()
    current = case.agreed_response_date or case.response_due
    _open_action(page, case, "Agree an extension")
    check_page(page, "action-extension", keep_screenshot=False)
    page.get_by_label("New response date").fill(current.isoformat())
    page.get_by_label("Reason").fill("The GP practice needs more time to find the letter.")
    page.locator("#submit").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be after the current date")
    assert page.get_by_label("Reason").input_value().startswith("The GP practice")
    check_page(page, "action-extension-error")
    later = current + timedelta(days=14)
    page.get_by_label("New response date").fill(later.isoformat())
    _submit(page, "Agree an extension", "Extension agreed", case)
    assert "Extension agreed" in _latest_entry(page)

    # The finding on the one issue, then the outcome, then closing.
    page.get_by_role("link", name="Record a finding on issue 1").click()
    page.wait_for_url(re.compile(r"/record-finding/\?issue_number=1"))
    check_page(page, "action-record-finding", keep_screenshot=False)
    page.get_by_label("Upheld", exact=True).check()
    page.get_by_label("Reasons for the finding").fill("The letter was typed but never sent.")
    _submit(page, "Record a finding on an issue", "Finding recorded", case)
    expect(page.locator(".nhsuk-card")).to_contain_text("Upheld")

    _open_action(page, case, "Record the outcome")
    check_page(page, "action-record-outcome", keep_screenshot=False)
    page.get_by_label("The conclusions of the response").fill(
        "We apologise: the referral letter was not sent. It has now been sent."
    )
    _submit(page, "Record the outcome", "Now send the signed final response", case)
    # The commissioner's final response is signed off (R26): recording the outcome is not the
    # response; dispatching the signed letter is (its pages: test_letters.py).
    assert _summary_value(page, "Status").startswith("Open")
    assert _summary_value(page, "Outcome") == "Upheld"
    send_final_response(case)
    page.reload()
    assert _summary_value(page, "Status").startswith("Response sent")

    _open_action(page, case, "Close the case")
    check_page(page, "action-close", keep_screenshot=False)
    page.get_by_label("Note").fill("Response sent; no reply expected.")
    _submit(page, "Close the case", "Case closed", case)
    assert _summary_value(page, "Status").startswith("Closed")
    assert "Case closed" in _latest_entry(page)
    check_page(page, "case-closed", keep_screenshot=False)

    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.outcome == Outcome.UPHELD
    assert case.acknowledgement_method == "letter" and case.acknowledged_at is not None
    assert case.consent_state == ConsentState.RECEIVED and case.consent_method == "written"
    assert case.investigator == ivan
    assert case.agreed_response_date == later and case.extensions == 1
    assert case.issues.get().finding == "upheld"
    assert case.attachments.get().filename == "letter.pdf"
    events = list(
        AuditEvent.objects.filter(case=case)
        .exclude(event="case_viewed")
        .order_by("sequence")
        .values_list("event", flat=True)
    )
    for event in (
        "case_acknowledged",
        "consent_received",
        "investigator_assigned",
        "extension_agreed",
        "outcome_recorded",
        "letter_dispatched",
        "response_sent",
        "case_closed",
    ):
        assert event in events, (event, events)
    assert events.index("case_acknowledged") < events.index("case_closed")
    assert all(
        e.actor == alice
        for e in AuditEvent.objects.filter(case=case, event__in=["case_closed", "extension_agreed"])
    )


def test_the_intake_pages_and_the_quick_path(page, org_a, alice):
    sign_in_through_pages(page, alice)
    page.get_by_role("link", name="Record feedback").click()
    page.wait_for_url(re.compile(r"/record/$"))
    check_page(page, "record-feedback")
    # Sent empty: the errors are shown, each linked to its field.
    page.locator("#submit").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    check_page(page, "record-feedback-error", keep_screenshot=False)

    page.goto("/record/quick/")
    check_page(page, "record-quick", keep_screenshot=False)
    page.get_by_label("A compliment").check()
    page.get_by_label("How did it arrive?").select_option("phone")
    page.get_by_label("What did they say?").fill("The nurse at the clinic was very kind.")
    page.get_by_label("They did not give their name").check()
    page.locator("#submit").click()
    page.wait_for_url(re.compile(r"/cases/WAL-"))
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("Compliment")
    compliment = Case.objects.get(kind="compliment")
    assert compliment.status == Status.CLOSED and compliment.received_at <= timezone.now()
