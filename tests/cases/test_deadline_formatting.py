"""The deadline engine's date formatting and local-time conversion give exactly what Django's
and strftime's slower forms give (they were replaced for the demo loader's speed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from candour.cases import deadlines


def test_fmt_is_strftime_s_day_month_year_for_every_day_of_a_decade():
    day = date(2020, 1, 1)
    while day < date(2031, 1, 1):
        assert deadlines.fmt(day) == f"{day:%a} {day.day} {day:%b %Y}"
        day += timedelta(days=1)
    assert deadlines.fmt(date(2025, 12, 23)) == "Tue 23 Dec 2025"


def test_local_is_localtime_across_the_clocks_changing():
    # Every quarter hour through both changes of 2026 (29 March and 25 October, at 01:00 UTC).
    for start in (datetime(2026, 3, 28, 22, tzinfo=UTC), datetime(2026, 10, 24, 22, tzinfo=UTC)):
        for step in range(4 * 8):
            at = start + timedelta(minutes=15 * step)
            assert deadlines.local(at) == timezone.localtime(at)
            assert deadlines.local(at).utcoffset() == timezone.localtime(at).utcoffset()
    assert deadlines.local(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)).date() == date(2026, 7, 2)


def test_local_refuses_a_naive_datetime_as_localtime_does():
    with pytest.raises(ValueError):
        deadlines.local(datetime(2026, 7, 1, 12, 0))
