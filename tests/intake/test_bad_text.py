"""The public form and the status page given text that cannot be kept (refused with a page
naming the answer, earlier answers kept), and names as long as the form allows. Issue 15."""

from __future__ import annotations

import pytest

from candour.cases.models import Person

from ..web.test_bad_input import refused
from .conftest import SELF_COMPLAINT, answer, fill, send

pytestmark = pytest.mark.usefixtures("frozen")


def test_a_nul_in_the_public_form_is_refused_and_earlier_answers_are_kept(org_a, browser):
    fill(browser, "WAL", SELF_COMPLAINT[:2])
    refused(answer(browser, "WAL", "what", {"description": "Nobody\x00 called"}), "description")
    assert answer(browser, "WAL", "what", {"description": "Nobody called"}).status_code == 302


def test_a_nul_on_the_status_page_is_refused(db, browser):
    browser.get("/feedback/status/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/feedback/status/",
        {"reference": "WAL-2026-00001\x00", "secret": "x", "csrfmiddlewaretoken": token},
    )
    refused(response, "reference")


@pytest.mark.parametrize("length", [101, 200])
def test_a_name_of_up_to_200_characters_on_the_last_step_is_kept(org_a, browser, length):
    name = "Ngozi-" + "N" * (length - 6)
    details = {"first_name": name, "last_name": name, "email": "ada@example.invalid"}
    steps = [(slug, details if slug == "details" else data) for slug, data in SELF_COMPLAINT]
    fill(browser, "WAL", steps)
    sent = send(browser, "WAL")
    assert sent.status_code == 302, sent.content.decode()[:2000]
    person = Person.objects.get()
    assert person.first_name == name and person.last_name == name


def test_a_name_over_200_characters_is_refused_on_its_page(org_a, browser):
    fill(browser, "WAL", SELF_COMPLAINT[:-2])
    details = {"first_name": "N" * 201, "last_name": "Example", "email": "ada@example.invalid"}
    page = answer(browser, "WAL", "details", details).content.decode()
    assert "First name must be 200 characters or fewer" in page
