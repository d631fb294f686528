"""The time limit for making a complaint runs from the later of when the matter happened and
when the complainant learned of it (R7; issue 17).

Seed 002 §10.3.1: "Normally a concern or complaint should be made within 12 months from when
the matter being complained about occurred, or of discovering that there is a matter to
raise." REGULATIONS.md §1.4 (reg 12(1)): "12 months from the event or, if later, from when
the complainant learned of it". Intake asks both dates (the contact record sheet, the public
form and the API), the case page shows both, and a correction can change either."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import corrections, deadlines
from candour.cases.intake import InvalidCase
from candour.cases.models import Case
from tests.api.conftest import Api
from tests.intake.conftest import SELF_COMPLAINT, answer, fill, send

from ..conftest import make_case, sign_in
from .conftest import last_event, reload

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

# Walsall's limit is 12 calendar months (the commissioner preset, seed 002 §10.3.1).
HAPPENED = date(2025, 3, 10)  # more than 12 months before 2 Nov 2026
LEARNED = date(2026, 1, 20)  # within 12 months of it


def test_the_limit_runs_from_when_the_complainant_learned_of_it_if_later(org_a, alice):
    late = make_case(org_a, alice, event_date=HAPPENED)
    assert late.out_of_time
    known_later = make_case(org_a, alice, event_date=HAPPENED, learned_date=LEARNED)
    assert not known_later.out_of_time
    assert (known_later.event_date, known_later.learned_date) == (HAPPENED, LEARNED)
    assert deadlines.time_limit_from(known_later) == LEARNED
    recorded = AuditEvent.objects.get(case=known_later, event="case_recorded")
    assert recorded.data["out_of_time"] is False


def test_learning_of_it_more_than_12_months_ago_is_still_out_of_time(org_a, alice):
    case = make_case(org_a, alice, event_date=date(2024, 6, 1), learned_date=date(2025, 6, 1))
    assert case.out_of_time


def test_a_learned_date_alone_is_what_the_limit_runs_from(org_a, alice):
    assert make_case(org_a, alice, learned_date=date(2025, 1, 5)).out_of_time
    assert not make_case(org_a, alice, learned_date=date(2026, 1, 5)).out_of_time


@pytest.mark.parametrize(
    ("learned", "message"),
    [
        (date(2025, 3, 9), "learned_date: is before the date it happened"),
        (date(2026, 11, 3), "learned_date: is after the date of receipt"),
    ],
)
def test_a_learned_date_before_the_event_or_after_receipt_is_refused(
    org_a, alice, learned, message
):
    with pytest.raises(InvalidCase, match=message):
        make_case(org_a, alice, event_date=HAPPENED, learned_date=learned)
    assert not Case.objects.exists()


def test_correcting_the_learned_date_decides_the_time_limit_again(org_a, alice):
    case = make_case(org_a, alice, event_date=HAPPENED)
    assert case.out_of_time
    corrections.correct_details(
        case, by=alice, reason="She found out from her records in January.", learned_date=LEARNED
    )
    case = reload(case)
    assert case.learned_date == LEARNED and not case.out_of_time
    event = last_event(case)
    assert event.event == "details_corrected"
    assert event.data["before"] == {"learned_date": None, "out_of_time": True}
    assert event.data["after"] == {"learned_date": "2026-01-20", "out_of_time": False}
    with pytest.raises(InvalidCase, match="learned_date: is before the date it happened"):
        corrections.correct_details(
            case, by=alice, reason="Typed wrongly.", learned_date=date(2024, 1, 1)
        )


def test_the_api_takes_shows_and_corrects_both_dates(org_a, alice):
    api = Api(alice)
    body = {
        "organisation": "WAL",
        "kind": "complaint",
        "channel": "email",
        "received_at": "2026-11-02T08:00:00Z",
        "description": "My mother's fall was not recorded; I saw her records in January.",
        "complainant": {"first_name": "Ada", "last_name": "Example"},
        "event_date": "2025-03-10",
        "learned_date": "2026-01-20",
    }
    response = api.post("/cases", body)
    assert response.status_code == 201, response.content
    detail = response.json()
    assert (detail["event_date"], detail["learned_date"]) == ("2025-03-10", "2026-01-20")
    assert detail["out_of_time"] is False

    response = api.post("/cases", {**body, "learned_date": "2025-01-01"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["learned_date"]

    reference = detail["reference"]
    response = api.patch(f"/cases/{reference}", {"learned_date": None, "reason": "Not so."})
    assert response.status_code == 200, response.content
    assert response.json()["learned_date"] is None
    assert response.json()["out_of_time"] is True


def test_the_contact_record_sheet_asks_and_the_case_page_shows_both(client, org_a, alice):
    from tests.web.test_intake import CALL

    sign_in(client, alice)
    assert "When did they learn of it, if later?" in client.get(reverse("web:record")).text
    data = {**CALL, "organisation": org_a.pk, "event_date": "2025-03-10"}
    response = client.post(reverse("web:record"), {**data, "learned_date": "2026-01-20"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert (case.event_date, case.learned_date, case.out_of_time) == (HAPPENED, LEARNED, False)
    page = client.get(response.url).text
    assert "Date it happened" in page and "Mon 10 Mar 2025" in page
    assert "Date they learned of it" in page and "Tue 20 Jan 2026" in page
    assert "Within the time limit, counted from Tue 20 Jan 2026" in page

    refused = client.post(reverse("web:record"), {**data, "learned_date": "2025-01-01"})
    assert refused.status_code == 400
    assert "Date they learned of it is before the date it happened" in refused.text


def test_correcting_the_details_on_the_case_page_changes_the_learned_date(client, org_a, alice):
    case = make_case(org_a, alice, event_date=HAPPENED)
    sign_in(client, alice)
    url = reverse("web:case-action", args=[case.reference, "correct-details"])
    form = client.get(url).text
    assert 'name="learned_date"' in form
    response = client.post(
        url,
        {
            "description": case.description,
            "event_date": "2025-03-10",
            "learned_date": "2026-01-20",
            "channel": "letter",
            "received_at": "2026-11-02T09:00",
            "reason": "Found out from her records.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = reload(case)
    assert case.learned_date == LEARNED and not case.out_of_time


def test_the_public_form_asks_when_they_found_out(org_a, frozen):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    steps = dict(SELF_COMPLAINT)
    happened = {"event_date-day": "10", "event_date-month": "3", "event_date-year": "2025"}
    fill(browser, "WAL", list(steps.items())[:3])
    page = answer(
        browser,
        "WAL",
        "when",
        {
            "when_known": "date",
            **happened,
            "learned_date-day": "1",
            "learned_date-month": "1",
            "learned_date-year": "2025",
        },
    )
    assert "The date you found out must be the same as or after the date it happened" in (
        page.content.decode()
    )
    steps["when"] = {
        "when_known": "date",
        **happened,
        "learned_date-day": "20",
        "learned_date-month": "1",
        "learned_date-year": "2026",
    }
    fill(browser, "WAL", list(steps.items()))
    assert send(browser, "WAL").status_code == 302
    case = Case.objects.get()
    assert (case.event_date, case.learned_date, case.out_of_time) == (HAPPENED, LEARNED, False)
