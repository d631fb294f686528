"""The public feedback form end to end, through the pages a person uses."""

from __future__ import annotations

from datetime import date

import pytest

from candour.audit.models import AuditEvent
from candour.cases.intake import PUBLIC_FORM
from candour.cases.models import Case, ConsentState, PartyRole, Relationship, Status

from .conftest import SELF_COMPLAINT, answer, csrf, fill, send

pytestmark = pytest.mark.django_db


def test_a_complaint_about_yourself_end_to_end_with_an_error_corrected(org_a, browser, frozen):
    start = browser.get("/feedback/wal/")
    assert start.status_code == 200
    assert "Give feedback to Walsall Commissioning" in start.content.decode()
    fill(browser, "WAL", SELF_COMPLAINT[:2])

    # An empty answer: the page comes back with the error summary and an inline error.
    error = answer(browser, "WAL", "what", {"description": "   "})
    page = error.content.decode()
    assert error.status_code == 200
    assert "There is a problem" in page and 'href="#description"' in page
    assert "Error: What happened?" in page
    assert page.count("Enter what you would like to tell us") == 2

    fill(browser, "WAL", SELF_COMPLAINT[2:])
    check = browser.get("/feedback/WAL/check/")
    assert "Nobody called me back" in check.content.decode()
    assert "12 October 2026" in check.content.decode()
    assert "Large print" in check.content.decode()

    sent = send(browser, "WAL")
    assert sent.status_code == 302 and sent["Location"] == "/feedback/WAL/sent/"
    case = Case.objects.get()
    confirmation = browser.get("/feedback/WAL/sent/").content.decode()
    assert case.reference in confirmation
    assert "We will acknowledge it within 3 working days, by Thu 5 Nov 2026" in confirmation

    assert case.kind == "complaint" and case.channel == "web_form"
    assert case.received_at.isoformat() == "2026-11-02T09:00:00+00:00"
    assert case.event_date == date(2026, 10, 12)
    assert case.service == "High Street surgery"
    assert case.desired_outcome == "An apology and my results."
    assert case.consent_state == ConsentState.NOT_NEEDED and not case.anonymous
    (party,) = case.parties.select_related("person")
    assert party.role == PartyRole.COMPLAINANT and party.relationship == Relationship.SELF
    assert party.person.email == "ada@example.invalid"
    assert party.person.accessible_format == "large_print"
    assert party.person.preferred_channel == "email"
    recorded = AuditEvent.objects.get(case=case, event="case_recorded")
    assert recorded.actor is None and recorded.data["via"] == PUBLIC_FORM


@pytest.mark.parametrize(
    ("consent", "relationship", "detail", "deceased"),
    [
        ("agrees", Relationship.RELATIVE, "", False),
        ("child", Relationship.RELATIVE, "", False),
        ("lacks_capacity", Relationship.LACKS_CAPACITY, "Relative", False),
        ("died", Relationship.BEREAVED, "Relative", True),
        ("not_yet", Relationship.RELATIVE, "", False),
    ],
)
def test_a_complaint_for_someone_else_records_the_patient_and_the_consent_answer(
    org_a, browser, frozen, consent, relationship, detail, deceased
):
    steps = [
        ("kind", {"kind": "concern"}),
        ("about", {"about": "someone_else"}),
        (
            "person",
            {
                "patient_first_name": "Sam",
                "patient_last_name": "Example",
                "patient_date_of_birth-day": "3",
                "patient_date_of_birth-month": "4",
                "patient_date_of_birth-year": "1940",
            },
        ),
        ("relationship", {"relationship": "relative"}),
        ("consent", {"consent": consent}),
        *SELF_COMPLAINT[2:],
    ]
    fill(browser, "WAL", steps)
    assert send(browser, "WAL").status_code == 302
    case = Case.objects.get()
    assert case.kind == "concern" and case.consent_state == ConsentState.NEEDED
    assert case.consent_note.startswith("The sender")
    roles = {p.role: p for p in case.parties.select_related("person")}
    assert set(roles) == {PartyRole.COMPLAINANT, PartyRole.PATIENT, PartyRole.REPRESENTATIVE}
    assert roles[PartyRole.REPRESENTATIVE].relationship == relationship
    assert roles[PartyRole.REPRESENTATIVE].relationship_detail == detail
    patient = roles[PartyRole.PATIENT].person
    assert (patient.first_name, patient.date_of_birth) == ("Sam", date(1940, 4, 3))
    assert patient.deceased is deceased
    page = browser.get("/feedback/WAL/sent/").content.decode()
    assert "we will need their permission" in page


def test_something_else_as_a_relationship_needs_saying_what(org_a, browser, frozen):
    fill(
        browser,
        "WAL",
        [
            ("kind", {"kind": "complaint"}),
            ("about", {"about": "someone_else"}),
            ("person", {"patient_first_name": "Sam", "patient_last_name": "Ex"}),
        ],
    )
    page = answer(browser, "WAL", "relationship", {"relationship": "other"})
    assert page.status_code == 200 and "Enter your relationship to them" in page.content.decode()
    moved = answer(
        browser, "WAL", "relationship", {"relationship": "other", "relationship_other": "Neighbour"}
    )
    assert moved["Location"] == "/feedback/WAL/consent/"


def test_an_anonymous_complaint_keeps_no_contact_details_and_says_we_cannot_reply(
    org_a, browser, frozen
):
    steps = [s for s in SELF_COMPLAINT if s[0] not in ("contact", "details", "needs")]
    fill(browser, "WAL", [*steps, ("contact", {"contact_by": "none"})])
    # The details pages do not apply any more.
    assert browser.get("/feedback/WAL/details/")["Location"] == "/feedback/WAL/check/"
    send(browser, "WAL")
    case = Case.objects.get()
    assert case.anonymous and not case.parties.exists()
    assert case.consent_state == ConsentState.NOT_NEEDED
    assert "we cannot reply to you" in browser.get("/feedback/WAL/sent/").content.decode()


def test_a_compliment_skips_the_complaint_questions_and_is_closed_at_once(org_a, browser, frozen):
    fill(
        browser,
        "WAL",
        [
            ("kind", {"kind": "compliment"}),
            ("what", {"description": "The nurse on ward 3 was wonderful."}),
            ("when", {"when_known": "not_sure"}),
            ("where", {"service": "Ward 3"}),
            ("contact", {"contact_by": "none"}),
        ],
    )
    assert browser.get("/feedback/WAL/about/")["Location"] == "/feedback/WAL/check/"
    send(browser, "WAL")
    case = Case.objects.get()
    assert case.kind == "compliment" and case.status == Status.CLOSED
    assert case.event_date is None
    page = browser.get("/feedback/WAL/sent/").content.decode()
    assert "We do not usually reply to compliments" in page


def test_a_complaint_made_after_the_time_limit_is_accepted_and_flagged(org_a, browser, frozen):
    steps = dict(SELF_COMPLAINT)
    steps["when"] = {
        "when_known": "date",
        "event_date-day": "1",
        "event_date-month": "2",
        "event_date-year": "2024",
    }
    fill(browser, "WAL", list(steps.items()))
    assert send(browser, "WAL").status_code == 302
    case = Case.objects.get()
    assert case.out_of_time
    page = browser.get("/feedback/WAL/sent/").content.decode()
    assert "more than 12 months ago" in page


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (
            {"event_date-day": "31", "event_date-month": "2", "event_date-year": "2026"},
            "The date it happened must be a real date",
        ),
        (
            {"event_date-day": "1", "event_date-month": "1", "event_date-year": "2027"},
            "The date it happened must be today or in the past",
        ),
        (
            {"event_date-day": "", "event_date-month": "1", "event_date-year": "2026"},
            "The date it happened must include a day",
        ),
    ],
)
def test_a_wrong_date_says_how_to_fix_it_and_keeps_what_was_typed(
    org_a, browser, frozen, day, message
):
    fill(browser, "WAL", SELF_COMPLAINT[:3])
    page = answer(browser, "WAL", "when", {"when_known": "date", **day})
    html = page.content.decode()
    assert message in html
    assert f'value="{day["event_date-month"]}"' in html
    # The error summary's link lands on the day box, the one element with that id.
    assert 'href="#event_date"' in html and html.count('id="event_date"') == 1


def test_the_change_links_return_to_check_your_answers(org_a, browser, frozen):
    fill(browser, "WAL", SELF_COMPLAINT)
    check = browser.get("/feedback/WAL/check/").content.decode()
    assert 'href="/feedback/WAL/what/?change=1"' in check
    changed = answer(browser, "WAL", "what", {"description": "A different account."}, change=True)
    assert changed["Location"] == "/feedback/WAL/check/"
    assert "A different account." in browser.get("/feedback/WAL/check/").content.decode()

    # A change that opens new questions asks them before returning to the check page.
    changed = answer(browser, "WAL", "about", {"about": "someone_else"}, change=True)
    assert changed["Location"] == "/feedback/WAL/person/?change=1"
    back = browser.get("/feedback/WAL/person/?change=1").content.decode()
    assert 'href="/feedback/WAL/check/"' in back  # the back link


def test_the_check_page_sends_people_to_the_first_unanswered_question(org_a, browser, frozen):
    fill(browser, "WAL", SELF_COMPLAINT[:2])
    assert browser.get("/feedback/WAL/check/")["Location"] == "/feedback/WAL/what/"
    assert not Case.objects.exists()


def test_the_form_needs_a_csrf_token(org_a, browser, frozen):
    browser.get("/feedback/WAL/kind/")
    assert browser.post("/feedback/WAL/kind/", {"kind": "complaint"}).status_code == 403


def test_an_unknown_organisation_is_not_found(db, browser):
    assert browser.get("/feedback/NOPE/").status_code == 404


def test_a_back_link_keeps_the_answers(org_a, browser, frozen):
    fill(browser, "WAL", SELF_COMPLAINT[:3])
    page = browser.get("/feedback/WAL/what/").content.decode()
    assert "Nobody called me back" in page
    assert 'href="/feedback/WAL/about/"' in page
    assert csrf(browser)


def test_a_suggestion_asks_only_what_it_is_and_how_to_reply(org_a, browser, frozen):
    fill(
        browser,
        "WAL",
        [
            ("kind", {"kind": "suggestion"}),
            ("what", {"description": "Please add more seats in the waiting room."}),
            ("contact", {"contact_by": "none"}),
        ],
    )
    send(browser, "WAL")
    case = Case.objects.get()
    assert case.kind == "suggestion" and case.status == Status.RECEIVED
    assert (
        "We do not usually reply to suggestions"
        in browser.get("/feedback/WAL/sent/").content.decode()
    )
