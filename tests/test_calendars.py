"""Working days and calendar months (REGULATIONS.md §1.4, §1.6, §7): hand-worked examples
for each nation, then properties that must hold for any date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from candour.calendars import Nation, WorkingCalendar, add_calendar_months
from candour.organisations.models import ClosureDay
from candour.organisations.setup import add_closure_day

from .conftest import organisation

ENGLAND = WorkingCalendar.for_nation(Nation.ENGLAND)
WALES = WorkingCalendar.for_nation(Nation.WALES)
SCOTLAND = WorkingCalendar.for_nation(Nation.SCOTLAND)
NORTHERN_IRELAND = WorkingCalendar.for_nation(Nation.NORTHERN_IRELAND)


# --- hand-worked examples ------------------------------------------------------------------


def test_it_acknowledges_by_the_third_working_day_after_christmas():
    # Received Tue 23 Dec 2025: Wed 24 is day 1; 25, 26 and the weekend do not count;
    # Mon 29 is day 2; Tue 30 is day 3.
    assert ENGLAND.add_working_days(date(2025, 12, 23), 3) == date(2025, 12, 30)


def test_christmas_eve_and_new_years_eve_are_working_days():
    # REGULATIONS.md §1.6: not excluded by the 1971 Act.
    assert ENGLAND.is_working_day(date(2025, 12, 24))
    assert ENGLAND.is_working_day(date(2025, 12, 31))
    assert not ENGLAND.is_working_day(date(2025, 12, 25))
    assert not ENGLAND.is_working_day(date(2025, 12, 26))


def test_a_saturday_receipt_is_acknowledged_by_the_wednesday():
    # Sat 7 Mar 2026: Mon 9 is day 1, Tue 10 day 2, Wed 11 day 3.
    assert ENGLAND.add_working_days(date(2026, 3, 7), 3) == date(2026, 3, 11)


@pytest.mark.parametrize(
    ("calendar", "due"),
    [
        # Good Friday 3 Apr and Easter Monday 6 Apr 2026 do not count in England and Wales.
        (ENGLAND, date(2026, 4, 9)),
        (WALES, date(2026, 4, 9)),
        (NORTHERN_IRELAND, date(2026, 4, 9)),
        # Easter Monday is not a bank holiday in Scotland; Good Friday is.
        (SCOTLAND, date(2026, 4, 8)),
    ],
    ids=["England", "Wales", "Northern Ireland", "Scotland"],
)
def test_easter_2026_moves_the_acknowledgement_of_a_complaint_received_on_maundy_thursday(
    calendar, due
):
    assert calendar.add_working_days(date(2026, 4, 2), 3) == due


def test_scotland_keeps_the_second_of_january():
    # Received Wed 31 Dec 2025. England: Fri 2 Jan (1), Mon 5 (2), Tue 6 (3).
    assert ENGLAND.add_working_days(date(2025, 12, 31), 3) == date(2026, 1, 6)
    # Scotland: 1 and 2 January are holidays, so Mon 5 (1), Tue 6 (2), Wed 7 (3).
    assert not SCOTLAND.is_working_day(date(2026, 1, 2))
    assert SCOTLAND.add_working_days(date(2025, 12, 31), 3) == date(2026, 1, 7)


def test_scotland_keeps_st_andrews_day_on_the_monday_when_it_falls_on_a_sunday():
    # 30 Nov 2025 is a Sunday; Mon 1 Dec is the substitute day in Scotland only.
    assert not SCOTLAND.is_working_day(date(2025, 12, 1))
    assert ENGLAND.is_working_day(date(2025, 12, 1))
    # Received Fri 28 Nov 2025.
    assert ENGLAND.add_working_days(date(2025, 11, 28), 3) == date(2025, 12, 3)
    assert SCOTLAND.add_working_days(date(2025, 11, 28), 3) == date(2025, 12, 4)
    # In 2026 it falls on Monday 30 November itself.
    assert not SCOTLAND.is_working_day(date(2026, 11, 30))


def test_northern_ireland_keeps_st_patricks_day():
    # Received Mon 16 Mar 2026; Tue 17 March is a holiday in Northern Ireland only.
    assert ENGLAND.add_working_days(date(2026, 3, 16), 3) == date(2026, 3, 19)
    assert NORTHERN_IRELAND.add_working_days(date(2026, 3, 16), 3) == date(2026, 3, 20)


def test_northern_ireland_keeps_the_twelfth_of_july():
    # Received Fri 9 Jul 2027; Mon 12 July is a holiday in Northern Ireland only.
    assert ENGLAND.add_working_days(date(2027, 7, 9), 3) == date(2027, 7, 14)
    assert NORTHERN_IRELAND.add_working_days(date(2027, 7, 9), 3) == date(2027, 7, 15)
    # 12 July 2026 is a Sunday; Monday 13 July is the substitute.
    assert not NORTHERN_IRELAND.is_working_day(date(2026, 7, 13))
    assert ENGLAND.is_working_day(date(2026, 7, 13))


def test_an_organisations_closure_day_is_not_a_working_day():
    # A practice training afternoon closes the practice on Wed 24 Dec 2025.
    practice = WorkingCalendar.for_nation(Nation.ENGLAND, closures=[date(2025, 12, 24)])
    assert not practice.is_working_day(date(2025, 12, 24))
    # Mon 29 (1), Tue 30 (2), Wed 31 (3).
    assert practice.add_working_days(date(2025, 12, 23), 3) == date(2025, 12, 31)


def test_closure_days_recorded_for_an_organisation_and_for_its_nation_both_count(db):
    org = organisation("Minster Medical Group", "MMG", "practice", "gp-practice")
    other = organisation("Elsewhere Practice", "ELS", "practice", "gp-practice")
    add_closure_day(org, date(2025, 12, 24), "Staff training", by=None)
    # A day proclaimed for the whole of England that the holidays package does not know yet.
    ClosureDay.objects.create(nation=Nation.ENGLAND, date=date(2025, 12, 29), reason="Proclaimed")

    calendar = org.working_calendar()
    assert not calendar.is_working_day(date(2025, 12, 24))
    assert not calendar.is_working_day(date(2025, 12, 29))
    # Tue 30 (1), Wed 31 (2), Fri 2 Jan (3).
    assert calendar.add_working_days(date(2025, 12, 23), 3) == date(2026, 1, 2)
    # The other practice keeps its own calendar: only the national day is closed.
    assert other.working_calendar().add_working_days(date(2025, 12, 23), 3) == date(2025, 12, 31)


def test_no_working_days_means_the_same_day_if_it_is_a_working_day_else_the_next():
    assert ENGLAND.add_working_days(date(2026, 3, 10), 0) == date(2026, 3, 10)
    assert ENGLAND.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)


def test_a_negative_number_of_working_days_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        ENGLAND.add_working_days(date(2026, 3, 10), -1)


def test_working_days_between_counts_after_the_start_up_to_and_including_the_end():
    assert ENGLAND.working_days_between(date(2025, 12, 23), date(2025, 12, 30)) == 3
    assert ENGLAND.working_days_between(date(2025, 12, 30), date(2025, 12, 23)) == 0


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        # REGULATIONS.md §1.6: the day of receipt is day 1, so 10 Jan + 6 months → 9 Jul.
        (date(2026, 1, 10), 6, date(2026, 7, 9)),
        # The corresponding day does not exist: the period ends on the last day of February.
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        # Across a year end.
        (date(2026, 11, 2), 6, date(2027, 5, 1)),
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
    ],
)
def test_calendar_months_end_the_day_before_the_corresponding_day(start, months, end):
    assert add_calendar_months(start, months) == end


def test_a_negative_number_of_months_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        add_calendar_months(date(2026, 1, 10), -1)


# --- properties ----------------------------------------------------------------------------

CALENDARS = st.sampled_from(list(Nation)).flatmap(
    lambda nation: st.frozensets(
        st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)), max_size=15
    ).map(lambda closures: WorkingCalendar.for_nation(nation, closures))
)
STARTS = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
NEAR_STARTS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
ANY_START = st.one_of(STARTS, NEAR_STARTS)
DAYS = st.integers(min_value=1, max_value=80)


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=ANY_START, n=DAYS)
def test_adding_working_days_lands_on_a_working_day_strictly_after_the_start(calendar, start, n):
    due = calendar.add_working_days(start, n)
    assert calendar.is_working_day(due)
    assert due > start


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=ANY_START, n=DAYS, more=st.integers(min_value=1, max_value=30))
def test_adding_more_working_days_always_lands_later(calendar, start, n, more):
    assert calendar.add_working_days(start, n) < calendar.add_working_days(start, n + more)


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=ANY_START, n=DAYS)
def test_working_days_between_undoes_adding_working_days(calendar, start, n):
    # n == 0 is left out on purpose: add_working_days(s, 0) rolls a non-working start forward
    # to the next working day (see the hand example above), which is one working day away.
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=ANY_START, n=DAYS)
def test_every_day_skipped_on_the_way_is_not_a_working_day(calendar, start, n):
    # Exactly n working days after the start: the n-th, and none skipped by mistake.
    due = calendar.add_working_days(start, n)
    between = [start + timedelta(days=i) for i in range(1, (due - start).days + 1)]
    assert sum(calendar.is_working_day(d) for d in between) == n


@settings(max_examples=500, deadline=None)
@given(
    first=STARTS,
    gap=st.integers(min_value=0, max_value=400),
    months=st.integers(min_value=1, max_value=48),
)
def test_calendar_months_never_go_backwards_as_the_start_moves_on(first, gap, months):
    second = first + timedelta(days=gap)
    assert add_calendar_months(first, months) <= add_calendar_months(second, months)


@settings(max_examples=500, deadline=None)
@given(start=STARTS, months=st.integers(min_value=1, max_value=48))
def test_calendar_months_end_just_before_the_corresponding_day_or_at_the_months_end(start, months):
    end = add_calendar_months(start, months)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day_after = end + timedelta(days=1)
    try:
        corresponding = date(year, month, start.day)
    except ValueError:
        # No such day (31 Aug + 6 months): the period runs to the end of that month.
        assert (day_after.year, day_after.month, day_after.day) == (
            (year, month + 1, 1) if month < 12 else (year + 1, 1, 1)
        )
    else:
        assert day_after == corresponding
    assert end >= start
