"""A limit on survey keys tried from one client address (the public page /survey/, ADR 0025):
80 random bits are beyond guessing, but a page that answers "no such key" without limit
invites trying, and fills the logs.

Every attempt takes a slot of the address's hour before its key is looked up, by one UPDATE
that only succeeds below the limit (`tried < limit`), so that workers answering at once
cannot overshoot it; a key that matched gives its slot back. So the count is of keys that
did not match, and once it reaches the limit every key from that address is refused until
the hour ends. The rows live in the database every worker shares (the Django cache's
increments are a read then a write, which concurrent requests can overtake).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from candour.cases.closure_models import SurveyKeyAttempts
from candour.config.transactions import atomic

HOUR = 3600


def _hour(now: float) -> int:
    return int(now) // HOUR


def take(address: str) -> tuple[int | None, int]:
    """Take a slot for one key attempt from `address`: (None, hour) when it may try, or
    (seconds until it may, hour) when its keys that did not match this hour reached the
    limit (CANDOUR_PUBLIC_SURVEY_KEY_FAILURES_PER_HOUR)."""
    now = time.time()
    hour = _hour(now)
    if _taken(address[:64], hour, settings.CANDOUR_PUBLIC_SURVEY_KEY_FAILURES_PER_HOUR):
        return None, hour
    return HOUR - int(now) % HOUR, hour


@atomic
def _taken(address: str, hour: int, limit: int) -> bool:
    rows = SurveyKeyAttempts.objects.filter(address=address, hour=hour)
    if not rows.exists():
        try:
            with transaction.atomic():
                SurveyKeyAttempts.objects.create(address=address, hour=hour)
        except IntegrityError:  # another worker made it first
            pass
        # Hours gone by are no longer read.
        SurveyKeyAttempts.objects.filter(address=address, hour__lt=hour).delete()
    return bool(rows.filter(tried__lt=limit).update(tried=F("tried") + 1))


def give_back(address: str, hour: int) -> None:
    """The key matched: its attempt does not count."""
    SurveyKeyAttempts.objects.filter(address=address[:64], hour=hour, tried__gt=0).update(
        tried=F("tried") - 1
    )
