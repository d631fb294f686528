"""The status page: the reference and the code show the stage and the next date, and
nothing else; a wrong code looks like an unknown reference; checks are rate limited."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from candour.cases.handling import acknowledge_case
from candour.cases.models import Case

from .conftest import SELF_COMPLAINT, csrf, fill, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()


def submitted(browser) -> tuple[Case, str]:
    fill(browser, "WAL", SELF_COMPLAINT)
    send(browser, "WAL")
    page = browser.get("/feedback/WAL/sent/").content.decode()
    secret = re.search(r'id="status-code">([A-Z0-9-]+)<', page).group(1)
    return Case.objects.get(), secret


def look_up(browser, reference, secret):
    browser.get("/feedback/status/")
    return browser.post(
        "/feedback/status/",
        {"reference": reference, "secret": secret, "csrfmiddlewaretoken": csrf(browser)},
    )


def test_it_shows_only_the_stage_and_the_next_date(org_a, alice, browser, frozen):
    case, secret = submitted(browser)
    page = look_up(browser, case.reference.lower(), secret.lower()).content.decode()
    main = page.split('id="maincontent"')[1].split("</main>")[0]
    assert "Received" in main
    assert "We will acknowledge it by" in main and "Thu 5 Nov 2026" in main
    for private in ("Ada", "Example", "blood test", "High Street", "receptionist"):
        assert private not in main

    acknowledge_case(case, by=alice, method="email")
    page = look_up(browser, case.reference, secret).content.decode()
    assert "We are looking into it" in page and "We will respond by" in page


def test_a_wrong_code_gets_the_same_answer_as_an_unknown_reference(org_a, browser, frozen):
    case, secret = submitted(browser)
    wrong = look_up(browser, case.reference, "ABCD-EFGH-JKLM-NPQR").content.decode()
    unknown = look_up(browser, "WAL-2026-09999", secret).content.decode()
    message = "We could not find a case with this reference and code"
    assert message in wrong and message in unknown
    assert "We will acknowledge" not in wrong


def test_status_checks_are_rate_limited(org_a, browser, frozen, settings):
    settings.CANDOUR_PUBLIC_STATUS_CHECKS_PER_HOUR = 3
    case, secret = submitted(browser)
    for _ in range(3):
        look_up(browser, case.reference, "WRONG-CODE")
    limited = look_up(browser, case.reference, secret)
    assert limited.status_code == 429
    assert "We will acknowledge" not in limited.content.decode()


def test_empty_answers_say_what_to_enter(db, browser):
    page = look_up(browser, "", "").content.decode()
    assert "Enter your reference, like WAL-2026-00042" in page
    assert "Enter the code we gave you with your reference" in page
