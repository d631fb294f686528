"""Issue 16's pages as four roles would use them, at 1280 and 390 pixels wide, in a real
browser: a practice manager (codes cases, marks the KO41b return submitted, answers the
Ombudsman), a partner (sees cases and reports, codes nothing), a commissioner's customer care
officer (handles cases, sees no reports) and a regional governance manager (the sites below
the region). Every page: the status the role should get, never a page wider than the screen
at 390 pixels (a wide table scrolls in its own region), no console error, and axe-core at
WCAG 2.2 AA. The JSON reports are read through the same signed-in session."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from candour.cases import contacts, corrections, escalation
from candour.coding.codelists import load_shipped
from candour.organisations.setup import add_member, ensure_roles
from candour.reporting.catalogue import latest_periods

from ..conftest import make_case, user
from ..web.test_case_actions import responded
from .conftest import (
    check_accessibility,
    expect,
    screenshot,
    sign_in_through_pages,
)

WIDTHS = (1280, 390)
WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


def member(username: str, organisation, role: str):
    ensure_roles([role])
    person = user(username)
    add_member(person, organisation, role)
    return person


@pytest.fixture
def practice(org_b, bob):
    """Minster's cases: one open, one answered and referred to the Ombudsman, who asked for
    information (the worklist's queue), with a call in its contact log, one answered and not
    referred."""
    load_shipped()
    today = timezone.localdate()
    open_case = make_case(org_b, bob)
    referred = responded(make_case(org_b, bob), bob)
    referral = escalation.refer_to_ombudsman(referred, by=bob, body="phso", referred_on=today)
    escalation.request_ombudsman_information(
        referral, by=bob, requested_on=today, due=today + timedelta(days=14)
    )
    contacts.log_contact(
        referred,
        by=bob,
        channel="phone",
        direction="from_complainant",
        party="complainant",
        summary="Rang to say the Ombudsman has written to them; asked for a copy of the "
        "response to be sent to ada.example.long-address@example-mail.invalid as well.",
    )
    corrections.correct_person(  # a long address, in the timeline's before and after
        referred,
        "complainant",
        by=bob,
        reason="Misspelt at intake.",
        email="ada.examplewithanaddresslongerthanaphoneiswide@examplemailprovider.invalid",
    )
    answered = responded(make_case(org_b, bob), bob)
    return open_case.reference, referred.reference, answered.reference


@pytest.fixture
def walk(browser, live_server):
    """walk(user, [(path, status), ...]): at each width, a fresh session signed in through
    the pages, then each page checked; the pages' screenshots by name when asked."""
    seen: list[str] = []

    def walk_as(person, pages, screenshots=None):
        for width in WIDTHS:
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": width, "height": 900}, locale="en-GB"
            )
            context.set_default_timeout(10_000)
            tab = context.new_page()
            problems: list[str] = []
            tab.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e, p=problems: p.append(str(e)))
            sign_in_through_pages(tab, person)
            for path, status in pages:
                where = f"{person.get_username()} at {width}px: {path}"
                response = tab.goto(path)
                assert response.status == status, where
                if path.startswith("/api/"):
                    json.loads(tab.locator("body").inner_text())  # JSON, not an error page
                    continue
                if width < 500:
                    assert not tab.evaluate(WIDER_THAN_THE_SCREEN), f"too wide: {where}"
                check_accessibility(tab, where)
                name = (screenshots or {}).get((path, width))
                if name:
                    screenshot(tab, name)
                seen.append(where)
            # A 4xx page logs "Failed to load resource" for itself; the statuses are asserted.
            real = [p for p in problems if "Failed to load resource" not in p]
            assert not real, f"the browser reported problems as {person}: {real}"
            context.close()

    return walk_as


def test_a_practice_manager_codes_submits_and_answers_the_ombudsman(walk, practice, bob):
    open_case, referred, answered = practice
    year = latest_periods()["ko41b"]
    walk(
        bob,
        [
            ("/", 200),
            (f"/cases/{open_case}/", 200),
            (f"/cases/{open_case}/coding/", 200),
            (f"/coding/?case={open_case}&case={answered}", 200),
            ("/?queue=ombudsman_information", 200),
            (f"/cases/{referred}/", 200),
            (f"/cases/{referred}/ombudsman-step/", 200),
            (f"/cases/{referred}/log-contact/", 200),
            (f"/cases/{open_case}/correct-details/", 200),
            (f"/cases/{open_case}/correct-complainant/", 200),
            (f"/cases/{answered}/refer-to-ombudsman/", 200),
            ("/reports/", 200),
            (f"/reports/MMG/ko41b/{year}/", 200),
            (f"/reports/MMG/ko41b/{year}/uncoded/?table=subject", 200),
            (f"/reports/MMG/annual/{year}/", 200),
            ("/dashboard/", 200),
            (f"/api/v1/reports/MMG/ko41b/{year}", 200),
            (f"/api/v1/reports/MMG/ko41b/{year}/submission", 200),
        ],
        screenshots={(f"/cases/{referred}/", 390): "case-on-a-phone"},
    )


def test_a_manager_marks_the_return_submitted_on_a_phone(page, practice, bob, org_b):
    from candour.cases.models import Case
    from candour.coding.coding import code_case

    open_case, _, _ = practice
    year = latest_periods()["ko41b"]
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in_through_pages(page, bob)
    page.goto(f"/reports/MMG/ko41b/{year}/")
    page.get_by_role("button", name="Mark this return as submitted").click()
    # Refused while its cases lack a subject and a staff group, saying so.
    expect(
        page.get_by_text("cannot be marked submitted while its checks list cases")
    ).to_be_visible()
    for case in Case.objects.filter(organisation=org_b):
        code_case(case, by=bob, subjects=["other"], professions=["other"])
    page.get_by_role("button", name="Mark this return as submitted").click()
    expect(page.get_by_text(f"The KO41b {year} return is marked submitted.")).to_be_visible()
    check_accessibility(page, "KO41b return marked submitted")
    screenshot(page, "ko41b-submitted-on-a-phone")
    page.goto(f"/cases/{open_case}/coding/")
    expect(page.get_by_role("heading", name="The return is submitted")).to_be_visible()
    assert not page.evaluate(WIDER_THAN_THE_SCREEN)
    page.goto(f"/reports/MMG/ko41b/{year}/")
    page.get_by_role("button", name="Withdraw the submission").click()
    expect(page.get_by_text("its cases can be coded again")).to_be_visible()


def test_a_partner_sees_the_coding_and_the_reports_and_is_offered_no_coding(walk, practice, org_b):
    open_case, _, _ = practice
    year = latest_periods()["ko41b"]
    walk(
        member("pat", org_b, "Partner"),
        [
            ("/", 200),
            (f"/cases/{open_case}/", 200),
            (f"/cases/{open_case}/coding/", 200),
            (f"/coding/?case={open_case}", 403),
            (f"/reports/MMG/ko41b/{year}/", 200),
            (f"/reports/MMG/ko41b/{year}/uncoded/?table=subject", 200),
            ("/dashboard/", 200),
            (f"/api/v1/reports/MMG/ko41b/{year}/submission", 200),
        ],
    )


def test_a_customer_care_officer_codes_cases_and_is_told_reports_are_not_theirs(walk, org_a, alice):
    load_shipped()
    case = make_case(org_a, alice)
    walk(
        member("olive", org_a, "Customer Care Officer"),
        [
            ("/", 200),
            (f"/cases/{case.reference}/", 200),
            (f"/cases/{case.reference}/coding/", 200),
            (f"/coding/?case={case.reference}", 200),
            ("/reports/", 404),
            ("/dashboard/", 403),
            ("/api/v1/reports/WAL/annual/" + latest_periods()["annual"], 403),
        ],
    )


def test_a_regional_manager_reads_the_regions_reports_and_a_sites_case(walk, site, hugo, rita):
    load_shipped()
    case = make_case(site, hugo)
    year = latest_periods()["annual"]
    region = rita.memberships.get().organisation.code
    walk(
        rita,
        [
            ("/", 200),
            (f"/cases/{case.reference}/", 200),
            (f"/cases/{case.reference}/coding/", 200),
            ("/reports/", 200),
            (f"/reports/{region}/annual/{year}/", 200),
            (f"/reports/{region}/ko41a/{year}/", 200),
            ("/dashboard/", 200),
        ],
    )
