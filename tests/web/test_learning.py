"""The list of lessons learned and actions across cases (R35) at /learning/."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from candour.cases.actions import add_action, learning_options, record_lesson

from ..conftest import make_case, sign_in

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026


def page(client, **params) -> str:
    response = client.get(reverse("web:learning"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def learned(org_a, alice, ivan, org_b, bob):
    phones = make_case(org_a, alice, service="Reception")
    ward = make_case(org_a, alice, service="Cardiology")
    theirs = make_case(org_b, bob, service="Physiotherapy")
    record_lesson(
        phones, by=alice, text="Answer the telephone within ten rings.", themes=["Access"]
    )
    record_lesson(
        ward,
        by=alice,
        text="Explain discharge medicines in plain English.",
        themes=["Communication"],
    )
    record_lesson(theirs, by=bob, text="Private lesson of another practice.", themes=["Access"])
    add_action(
        ward,
        by=alice,
        description="Discharge leaflet rewritten with patients.",
        owner=ivan,
        due=date(2026, 12, 1),
        themes=["Communication"],
    )
    add_action(
        theirs, by=bob, description="Secret action elsewhere.", owner=bob, due=date(2026, 12, 1)
    )
    return phones, ward, theirs


def test_it_lists_the_lessons_of_the_users_cases_and_none_of_anyone_elses(client, learned, alice):
    phones, ward, theirs = learned
    text = page(sign_in(client, alice))
    assert f'href="/cases/{phones.reference}/"' in text
    assert f'href="/cases/{ward.reference}/"' in text
    assert "Answer the telephone within ten rings." in text
    assert "Explain discharge medicines in plain English." in text
    assert "Private lesson of another practice." not in text
    assert theirs.reference not in text
    assert "2 lessons" in text
    assert "Physiotherapy" not in text  # nor another organisation's services as a filter


def test_an_outsider_sees_only_their_own(client, learned, bob):
    text = page(sign_in(client, bob))
    assert "Private lesson of another practice." in text
    assert "ten rings" not in text and "Reception" not in text
    text = page(client, show="actions")
    assert "Secret action elsewhere." in text
    assert "Discharge leaflet" not in text


def test_it_filters_by_theme_service_words_and_date(client, learned, alice):
    sign_in(client, alice)
    by_theme = page(client, theme="communication")
    assert "discharge medicines" in by_theme and "ten rings" not in by_theme
    by_service = page(client, service="Reception")
    assert "ten rings" in by_service and "discharge medicines" not in by_service
    by_words = page(client, q="telephone")
    assert "ten rings" in by_words and "1 lesson" in by_words
    assert "Nothing matches" in page(client, since="2026-11-03")
    assert "2 lessons" in page(client, since="2026-11-02", until="2/11/2026")
    assert "Nothing matches" in page(client, until="1/11/2026")


def test_it_lists_actions_with_their_due_date_and_status(client, learned, alice):
    text = page(sign_in(client, alice), show="actions")
    assert "Discharge leaflet rewritten with patients." in text
    assert "Tue 1 Dec 2026" in text and "Open" in text
    assert "1 action" in text


def test_a_date_that_is_not_a_date_says_how_to_write_it(client, learned, alice):
    text = page(sign_in(client, alice), since="31/02/2026")
    assert "From: enter a real date, for example 31/3/2026" in text
    assert "2 lessons" in text  # shown without the date
    text = page(client, since="2026-12-01", until="2026-11-01")
    assert "To: must be the same as or after From" in text


def test_it_pages_twenty_at_a_time(client, org_a, alice):
    case = make_case(org_a, alice, service="Reception")
    for n in range(23):
        record_lesson(case, by=alice, text=f"Lesson number {n}.", themes=["Access"])
    sign_in(client, alice)
    first = page(client, theme="Access")
    assert "23 lessons" in first and "Page 2 of 2" in first
    assert "page=2" in first and "theme=Access" in first
    second = page(client, theme="Access", page=2)
    assert second.count("Lesson number") == 3


def test_the_filters_offer_only_the_users_themes_and_services(learned, alice, bob):
    assert learning_options(alice) == {
        "themes": ["Access", "Communication"],
        "services": ["Cardiology", "Reception"],
    }
    assert learning_options(bob) == {"themes": ["Access"], "services": ["Physiotherapy"]}
