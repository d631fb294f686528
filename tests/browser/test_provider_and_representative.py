"""Two issue-17 routes walked in a real browser, each page checked by axe-core and measured at
1280 and 390 pixels wide (no sideways scrolling).

Forwarding to a provider (R12, R32). Seed 003 §3.7: "consent is sought from the complainant to
pass their complaint to the provider for investigation. The provider will respond directly to
the complainant with a copy to the CCG." The commissioner is offered the forwarding form only
once consent to share is recorded; the provider chosen from Candour gets the complaint as a
case of its own.

Withdrawing the representative (R13). Seed 002 §9.5: "steps must be taken to clarify this
before continuing any correspondence with the representative." The patient withdraws the
representative, letters to them are held while the complaint goes on, and once the patient's
wishes are clarified the representative may act again."""

from __future__ import annotations

import re

import pytest

from candour.cases import consent, handling
from candour.cases.models import Case, Outcome, Status
from candour.cases.people import PersonDetails

from ..conftest import make_case
from .conftest import at_both_widths, expect, sign_in_through_pages
from .test_letters import switch_to


def offered(page) -> list[str]:
    """The names of the forms the case page links to."""
    return page.locator("main a").all_inner_texts()


def test_the_commissioner_records_consent_to_share_then_forwards_to_a_provider(
    page, org_a, org_b, alice, bob
):
    case = make_case(org_a, alice)
    sign_in_through_pages(page, alice, next_url=f"/cases/{case.reference}/")
    assert "Forward the complaint to the provider" not in offered(page)

    # Straight to the form: it says what is needed first and links to that form, and offers
    # nothing to submit.
    page.goto(f"/cases/{case.reference}/forward-to-provider/")
    expect(page.locator("main")).to_contain_text(
        "needs the complainant's consent to pass it to the provider before it is forwarded"
    )
    assert page.get_by_role("button", name="Forward the complaint to the provider").count() == 0
    at_both_widths(page, "forward-needs-consent")
    page.get_by_role("link", name="Record consent to share it with the provider").click()
    page.wait_for_url(f"**/cases/{case.reference}/share-consent/")
    at_both_widths(page, "share-consent")
    # "Not needed" needs its reason.
    page.get_by_label("Not needed (reason recorded)").check()
    page.get_by_label("Note (if consent is not needed: why not)").fill("n/a")
    page.get_by_role("button", name="Record consent to share it with the provider").click()
    expect(page.get_by_role("link", name=re.compile("Note is too short"))).to_be_visible()
    at_both_widths(page, "share-consent-error")
    page.get_by_label("Verbally, recorded by staff").check()
    page.get_by_label("Note (if consent is not needed: why not)").fill("")
    page.get_by_role("button", name="Record consent to share it with the provider").click()
    page.wait_for_url(f"**/cases/{case.reference}/")
    expect(page.locator("main")).to_contain_text("Consent to share with the provider recorded")

    page.get_by_role("link", name="Forward the complaint to the provider").click()
    at_both_widths(page, "forward-to-provider", keep_screenshot=True)
    page.get_by_label("Which provider in Candour?").select_option(label=org_b.name)
    page.get_by_label("Note to the provider").fill("Please answer directly and copy us.")
    page.get_by_role("button", name="Forward the complaint to the provider").click()
    page.wait_for_url(f"**/cases/{case.reference}/")
    main = page.locator("main")
    expect(main).to_contain_text("Forwarded to the provider; the case is closed here")
    # The timeline reads as sentences, not the audit trail's field names.
    expect(main).to_contain_text("Consent to share with the provider: Verbally, recorded by staff")
    expect(main).to_contain_text(f"Provider: {org_b.name}")
    assert "Share consent:" not in main.inner_text()
    assert "Provider organisation" not in main.inner_text()
    at_both_widths(page, "forwarded-to-provider", keep_screenshot=True)

    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.FORWARDED)
    theirs = Case.objects.get(organisation=org_b)
    assert theirs.forwarded_from_id == case.pk

    # The provider finds it on its worklist.
    switch_to(page, bob, "/")
    expect(page.get_by_role("link", name=theirs.reference)).to_be_visible()


@pytest.fixture
def represented(org_b, bob):
    """A complaint made by a relative for the patient, with the patient's consent."""
    case = make_case(
        org_b,
        bob,
        relationship="relative",
        patient=PersonDetails(title="Mr", first_name="Tom", last_name="Patient"),
    )
    case = consent.receive_consent(case, by=bob, method="written")
    return handling.acknowledge_case(case, by=bob, method="letter")


def test_the_patient_withdraws_the_representative_then_reinstates_them(page, bob, represented):
    case = represented
    withdraw = "Record that the patient has withdrawn the representative"
    reinstate = "Record that the representative may act again"
    sign_in_through_pages(page, bob, next_url=f"/cases/{case.reference}/")
    assert reinstate not in offered(page)

    page.get_by_role("link", name=withdraw).click()
    at_both_widths(page, "withdraw-representative")
    page.get_by_role("button", name=withdraw).click()
    expect(
        page.get_by_role("link", name=re.compile("Note is empty; record what the patient said"))
    ).to_be_visible()
    at_both_widths(page, "withdraw-representative-error")
    page.get_by_label("What did the patient say, and how?").fill(
        "Mr Patient rang: his daughter no longer speaks for him."
    )
    page.get_by_role("button", name=withdraw).click()
    page.wait_for_url(f"**/cases/{case.reference}/")
    main = page.locator("main")
    expect(main).to_contain_text("Representative recorded as withdrawn")
    expect(main).to_contain_text("letters to them are held until this is clarified")
    expect(main).to_contain_text("Representative withdrawn by the patient")  # the timeline
    expect(main).to_contain_text("Letters to the representative are held")
    assert withdraw not in offered(page) and reinstate in offered(page)
    at_both_widths(page, "representative-withdrawn", keep_screenshot=True)
    case.refresh_from_db()
    assert case.representative_on_hold and case.status == Status.OPEN  # the clocks run on

    page.get_by_role("link", name=reinstate).click()
    at_both_widths(page, "reinstate-representative")
    page.get_by_label("How were the patient's wishes clarified?").fill(
        "Mr Patient wrote: his daughter may act for him again."
    )
    page.get_by_role("button", name=reinstate).click()
    page.wait_for_url(f"**/cases/{case.reference}/")
    expect(main).to_contain_text("Representative recorded as acting again")
    expect(main).to_contain_text("Representative may act again")  # the timeline
    assert withdraw in offered(page) and reinstate not in offered(page)
    at_both_widths(page, "representative-reinstated")
    case.refresh_from_db()
    assert not case.representative_on_hold
