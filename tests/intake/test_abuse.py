"""Protection against abuse that does not hurt real people: the honeypot, rate limits per
address, size limits, and the staff pages still guarded."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from candour.cases.models import Case

from .conftest import SELF_COMPLAINT, answer, csrf, fill, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()


def test_the_honeypot_is_hidden_from_people_and_screen_readers(org_a, browser, frozen):
    page = browser.get("/feedback/WAL/kind/").content.decode()
    assert '<div class="candour-honeypot" aria-hidden="true">' in page
    assert 'name="website" value="" tabindex="-1" autocomplete="off"' in page


def test_a_form_with_the_honeypot_filled_in_is_not_accepted(org_a, browser, frozen):
    response = answer(browser, "WAL", "kind", {"kind": "complaint", "website": "http://spam"})
    assert response.status_code == 400
    assert "We could not accept this form" in response.content.decode()
    fill(browser, "WAL", SELF_COMPLAINT)
    browser.get("/feedback/WAL/check/")
    sent = browser.post(
        "/feedback/WAL/check/", {"csrfmiddlewaretoken": csrf(browser), "website": "x"}
    )
    assert sent.status_code == 400 and not Case.objects.exists()


def test_submissions_are_limited_per_address_and_the_page_says_when_and_how_else(
    org_a, browser, frozen, settings
):
    settings.CANDOUR_PUBLIC_SUBMISSIONS_PER_HOUR = 2
    org_a.telephone, org_a.email = "01632 960 000", "feedback@example.invalid"
    org_a.save()
    for _ in range(2):
        fill(browser, "WAL", SELF_COMPLAINT)
        assert send(browser, "WAL").status_code == 302
    fill(browser, "WAL", SELF_COMPLAINT)
    limited = send(browser, "WAL")
    page = limited.content.decode()
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert "You can try again after 10:00 on Mon 2 Nov 2026" in page
    assert "01632 960 000" in page and "feedback@example.invalid" in page
    assert Case.objects.count() == 2
    # The answers are kept: after the hour the same person can send them.
    frozen.shift(3600)
    assert send(browser, "WAL").status_code == 302
    assert Case.objects.count() == 3


def test_another_address_is_not_limited(org_a, browser, frozen, settings):
    settings.CANDOUR_PUBLIC_SUBMISSIONS_PER_HOUR = 1
    fill(browser, "WAL", SELF_COMPLAINT)
    send(browser, "WAL")
    from django.test import Client

    other = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.7")
    fill(other, "WAL", SELF_COMPLAINT)
    assert send(other, "WAL").status_code == 302


def test_an_answer_over_its_length_says_how_long_it_may_be_and_is_kept(org_a, browser, frozen):
    fill(browser, "WAL", SELF_COMPLAINT[:2])
    long = "x" * 8001
    page = answer(browser, "WAL", "what", {"description": long})
    assert page.status_code == 200
    assert "Your answer must be 8,000 characters or fewer" in page.content.decode()
    assert long in page.content.decode()


def test_a_request_over_the_size_limit_is_refused_with_a_page_that_says_so(org_a, browser, frozen):
    browser.get("/feedback/WAL/what/")
    response = browser.post(
        "/feedback/WAL/what/",
        {"description": "x" * 200_000, "csrfmiddlewaretoken": csrf(browser)},
    )
    assert response.status_code == 413
    assert "Your answer was too long" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"first_name": "", "last_name": "E", "email": "a@example.invalid"},
            "Enter your first name",
        ),
        (
            {"first_name": "A", "last_name": "E", "email": "not an email"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        (
            {"first_name": "A", "last_name": "E", "email": ""},
            "Enter your email address, or go back and choose another way",
        ),
    ],
)
def test_contact_details_say_how_to_fix_them(org_a, browser, frozen, data, message):
    fill(browser, "WAL", SELF_COMPLAINT[:7])
    page = answer(browser, "WAL", "details", data).content.decode()
    assert message in page


def test_the_staff_pages_are_still_guarded(org_a, alice, browser, frozen):
    response = browser.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert browser.get("/cases/WAL-2026-00001/")["Location"].startswith("/sign-in/")


def test_a_signed_in_member_of_staff_sees_no_staff_navigation_on_the_public_form(
    org_a, alice, client, frozen
):
    from ..conftest import sign_in

    sign_in(client, alice)
    page = client.get("/feedback/WAL/").content.decode()
    assert "Sign out" not in page and "Worklist" not in page
