"""The public survey page (/survey/, ADR 0025) limits survey keys that did not match, per
client address and hour, in the database every worker shares: past the limit it answers 429
with when to try again, even for a right key; a right key is never counted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from candour.cases import key_attempts, surveys
from candour.cases.closure_models import SurveyKeyAttempts
from candour.cases.models import Status

from ..cases.conftest import reach

pytestmark = pytest.mark.django_db

WRONG = "AAAA-BBBB-CCCC-DDDD"


def attempt(client: Client, key: str, address: str = "192.0.2.10"):
    return client.post(reverse("web:survey-answer"), {"key": key}, REMOTE_ADDR=address)


def test_keys_that_did_not_match_are_limited_per_address(frozen, org_a, alice, settings):
    settings.CANDOUR_PUBLIC_SURVEY_KEY_FAILURES_PER_HOUR = 3
    case = reach(org_a, alice, Status.CLOSED)
    key = surveys.send_survey(case, by=alice, offer="sent", channel="online").link_key
    # Right keys are not counted: more of them than the limit all open the survey.
    for _ in range(5):
        assert attempt(Client(), key).status_code == 200
    # Three wrong keys, from fresh clients (no session in common): the fourth try is refused.
    for _ in range(3):
        assert attempt(Client(), WRONG).status_code == 400
    refused = attempt(Client(), WRONG)
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "too many keys that did not match have been tried from your connection" in text
    assert "Try again after 10:00" in text  # frozen at 09:00 UK time
    assert refused["Retry-After"] == "3600"
    # Even the right key waits: else guessing would go on, the right key's turn included.
    assert attempt(Client(), key).status_code == 429
    # Another address is not held up; the next hour starts afresh.
    assert attempt(Client(), key, address="192.0.2.99").status_code == 200
    frozen.shift(timedelta(hours=1))
    assert attempt(Client(), key).status_code == 200
    assert attempt(Client(), WRONG).status_code == 400
    assert SurveyKeyAttempts.objects.filter(address="192.0.2.10").count() == 1  # old hour gone


def test_the_proxy_header_names_the_address_counted(frozen, org_a, settings):
    settings.CANDOUR_PUBLIC_SURVEY_KEY_FAILURES_PER_HOUR = 1
    settings.CANDOUR_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    client = Client()
    url = reverse("web:survey-answer")
    assert client.post(url, {"key": WRONG}, HTTP_X_REAL_IP="198.51.100.1").status_code == 400
    assert client.post(url, {"key": WRONG}, HTTP_X_REAL_IP="198.51.100.1").status_code == 429
    assert client.post(url, {"key": WRONG}, HTTP_X_REAL_IP="198.51.100.2").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_workers_answering_at_once_do_not_overshoot_the_limit(settings):
    settings.CANDOUR_PUBLIC_SURVEY_KEY_FAILURES_PER_HOUR = 5

    def one(_):
        try:
            return key_attempts.take("203.0.113.7")[0] is None
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        allowed = list(pool.map(one, range(24)))
    assert allowed.count(True) == 5
    assert SurveyKeyAttempts.objects.get(address="203.0.113.7").tried == 5
