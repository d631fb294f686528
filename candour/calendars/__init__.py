"""Working-day arithmetic for UK complaints deadlines: pure functions, no rules of the case.

A working day is any day except Saturday, Sunday and the bank holidays of the organisation's
nation (England and Wales, Scotland, Northern Ireland), plus any closure days the organisation
adds (REGULATIONS.md §1.6, §7). Bank holidays come from the `holidays` package, always with the
nation: without it the package omits Easter Monday and the late summer bank holiday.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

# The years a date given to Candour may fall in: wide enough for any date of birth or
# deadline, narrow enough that a time zone or a count of working days never runs past what a
# date can hold. The API's date patterns (candour/api/schemas.py) say the same.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class Nation(StrEnum):
    ENGLAND = "ENG"
    WALES = "WLS"
    SCOTLAND = "SCT"
    NORTHERN_IRELAND = "NIR"


NATION_LABELS = {
    Nation.ENGLAND: "England",
    Nation.WALES: "Wales",
    Nation.SCOTLAND: "Scotland",
    Nation.NORTHERN_IRELAND: "Northern Ireland",
}


@lru_cache(maxsize=512)
def _bank_holidays(nation: Nation, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv=str(nation), years=year))


def bank_holidays(nation: Nation | str, year: int) -> dict[date, str]:
    """The bank holidays of one nation in one year, with their names."""
    return dict(holidays.country_holidays("GB", subdiv=str(Nation(nation)), years=year))


@dataclass(frozen=True)
class WorkingCalendar:
    """The working days of one organisation: its nation's bank holidays and its closures."""

    nation: Nation = Nation.ENGLAND
    closures: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def for_nation(cls, nation: Nation | str, closures: Iterable[date] = ()) -> WorkingCalendar:
        return cls(Nation(nation), frozenset(closures))

    def is_bank_holiday(self, day: date) -> bool:
        return day in _bank_holidays(self.nation, day.year)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in _bank_holidays(self.nation, day.year)
            and day not in self.closures
        )

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start`; `start` itself never counts.

        Received Tue 23 Dec 2025, 3 working days: Wed 24 (1), Mon 29 (2), Tue 30 (3).
        With days == 0 the answer is `start` if it is a working day, else the next one.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start).

        The inverse of add_working_days: working_days_between(s, add_working_days(s, n)) == n.
        """
        if end <= start:
            return 0
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)


def add_calendar_months(start: date, months: int) -> date:
    """The last day of a period of `months` calendar months beginning on `start`.

    The day of receipt is day 1 (REGULATIONS.md §1.6, "commencing on the day"): received
    10 January, six months → 9 July. Where the month is shorter, the period ends on the last
    day of that month before the corresponding day: 31 August + 6 months → 28 February.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    if months == 0:
        return start
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = _calendar.monthrange(year, month)[1]
    if start.day > last_day:
        # The corresponding day does not exist; the period ends on the month's last day.
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)


def add_hours(start: datetime, hours: int) -> datetime:
    if hours < 0:
        raise ValueError("hours must not be negative")
    return start + timedelta(hours=hours)
