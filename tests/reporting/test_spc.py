"""XmR charts in the Making Data Count style (candour/reporting/spc.py) on hand-made series,
and properties that hold for any series."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candour.reporting.spc import (
    MIN_POINTS,
    Rule,
    Variation,
    moving_ranges,
    shift,
    trend,
    two_of_three,
    xmr,
)

STEADY = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13]  # mean 11.5, mR-bar 2 (approx.)


def test_it_works_out_the_mean_moving_ranges_and_limits_by_hand():
    chart = xmr([10, 12, 11, 15, 12])
    # mean 60 / 5 = 12; moving ranges 2, 1, 4, 3: mean 2.5; limits 12 ± 2.66 x 2.5 = 6.65
    assert chart.mean == 12
    assert moving_ranges(chart.values) == [2, 1, 4, 3]
    assert [p.moving_range for p in chart.points] == [None, 2, 1, 4, 3]
    assert chart.mean_moving_range == 2.5
    assert chart.upper == pytest.approx(18.65)
    assert chart.lower == pytest.approx(5.35)
    assert chart.special_causes == []


def test_a_steady_series_is_common_cause_only():
    chart = xmr(STEADY)
    assert chart.special_causes == []
    assert all(p.variation is Variation.COMMON for p in chart.points)
    assert "Common cause variation only" in chart.summary()
    assert not chart.few_points


def test_a_point_above_the_upper_limit_is_special_cause():
    values = [*STEADY, 30]
    chart = xmr(values)
    assert chart.points[-1].rules == {Rule.OUTSIDE}
    assert chart.points[-1].value > chart.upper
    assert chart.special_causes == [len(values) - 1]


def test_a_point_below_the_lower_limit_is_special_cause():
    chart = xmr([*STEADY, -10])
    assert Rule.OUTSIDE in chart.points[-1].rules


def test_a_point_exactly_on_a_limit_is_not_outside():
    # mean 1, moving ranges all 0 except... build the limit by hand: values 0, 2 alternate.
    assert shift([0, 2, 0, 2], 1) == set()
    chart = xmr([0, 2, 0, 2, 0, 2])
    # mR-bar 2, limits 1 ± 5.32: nothing near them
    assert Rule.OUTSIDE not in {r for p in chart.points for r in p.rules}


def test_seven_points_above_the_mean_are_a_shift_and_six_are_not():
    assert shift([5, 5, 5, 5, 5, 5, 5], 0) == set(range(7))
    assert shift([5, 5, 5, 5, 5, 5], 0) == set()
    assert shift([-1, 5, 5, 5, 5, 5, 5, 5, -1], 0) == set(range(1, 8))
    assert shift([-5] * 8, 0) == set(range(8))


def test_a_point_on_the_mean_ends_a_run():
    # NHS-R's "plot the dots": sign(value - mean) is 0 on the mean, and a run needs the
    # same non-zero sign throughout.
    assert shift([1, 1, 1, 1, 1, 1, 0, 1], 0) == set()
    assert shift([1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1], 0) == set(range(4, 11))
    assert shift([0] * 9, 0) == set()


def test_a_point_on_the_other_side_breaks_a_run():
    assert shift([1, 1, 1, -1, 1, 1, 1, 1], 0) == set()


def test_six_rising_points_are_a_trend_and_five_are_not():
    assert trend([1, 2, 3, 4, 5, 6]) == set(range(6))
    assert trend([1, 2, 3, 4, 5]) == set()
    assert trend([9, 8, 7, 6, 5, 4, 10]) == set(range(6))
    assert trend([5, 1, 2, 3, 4, 5, 6, 2]) == set(range(1, 7))


def test_a_repeated_value_ends_a_trend():
    assert trend([1, 2, 2, 3, 4, 5, 6]) == set()
    assert trend([1, 2, 3, 3, 4, 5, 6, 7, 8]) == set(range(3, 9))
    assert trend([1, 1, 1, 2, 3, 4, 5, 6]) == set(range(2, 8))
    assert trend([4] * 10) == set()


def test_a_turning_point_ends_one_trend_and_starts_the_next():
    values = [1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1]
    assert trend(values) == set(range(11))


def test_two_of_three_beyond_two_sigma_on_the_same_side():
    # mean 0, mR-bar 3: two sigma = 2/3 x 2.66 x 3 = 5.32
    assert two_of_three([1, 6, 1, 6, 1], 0, 3) == {1, 3}
    assert two_of_three([1, 6, 1, 1, 6], 0, 3) == set()  # 2 in 4, not in 3
    assert two_of_three([0, 6, 6], 0, 3) == set()  # one on the mean
    assert two_of_three([0, 6, -6, 0], 0, 3) == set()  # opposite sides
    # all three of the window on the same side of the mean: 6, -1, 6 is not enough
    assert two_of_three([6, -1, 6], 0, 3) == set()
    assert two_of_three([6, 1, 6], 0, 3) == {0, 2}
    assert two_of_three([-6, -1, -6], 0, 3) == {0, 2}
    # a point beyond the limit (2.66 x 3 = 7.98) is the outside rule's, not this one's
    assert two_of_three([6, 1, 9], 0, 3) == set()
    assert two_of_three([6, 6, 6], 0, 0) == set()


def test_a_constant_series_has_limits_on_the_mean_and_no_special_cause():
    chart = xmr([4] * 15)
    assert chart.mean == chart.upper == chart.lower == 4
    assert chart.mean_moving_range == 0
    assert chart.special_causes == []


def test_fewer_than_twelve_points_say_the_limits_are_provisional():
    chart = xmr([3, 4, 5])
    assert chart.few_points
    assert f"at least {MIN_POINTS}" in chart.summary()
    assert not xmr(STEADY).few_points


def test_one_point_and_no_points():
    one = xmr([7])
    assert (one.mean, one.upper, one.lower, one.special_causes) == (7, 7, 7, [])
    empty = xmr([])
    assert empty.mean is None and empty.points == []
    assert empty.summary() == "There are no figures to chart."


def test_improvement_and_concern_follow_the_measures_direction():
    values = [*STEADY, 30]
    assert xmr(values, improvement="up").points[-1].variation is Variation.IMPROVEMENT
    assert xmr(values, improvement="down").points[-1].variation is Variation.CONCERN
    assert xmr(values).points[-1].variation is Variation.NEUTRAL
    falling = [9, 8, 7, 6, 5, 4]
    assert {p.variation for p in xmr(falling, improvement="down").points} == {Variation.IMPROVEMENT}
    with pytest.raises(ValueError):
        xmr(values, improvement="sideways")


def test_the_summary_names_the_rules_met():
    text = xmr([*STEADY, 30]).summary()
    assert "1 of 13 points show special cause variation" in text
    assert "outside the process limits" in text


series = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=40,
)


@given(series)
def test_limits_are_symmetric_about_the_mean_and_contain_it(values):
    chart = xmr(values)
    assert chart.lower <= chart.mean <= chart.upper
    assert math.isclose(chart.upper - chart.mean, chart.mean - chart.lower, abs_tol=1e-6)
    assert len(chart.points) == len(values)


@given(series)
def test_a_point_is_outside_exactly_when_it_is_beyond_a_limit(values):
    chart = xmr(values)
    for p in chart.points:
        assert (Rule.OUTSIDE in p.rules) == (p.value > chart.upper or p.value < chart.lower)


@given(series)
def test_every_shift_has_seven_points_on_one_side(values):
    chart = xmr(values)
    flagged = sorted(i for i, p in enumerate(chart.points) if Rule.SHIFT in p.rules)

    # Flagged points come in unbroken blocks of 7 or more on one side (strictly).
    def side(i):
        return (chart.points[i].value > chart.mean) - (chart.points[i].value < chart.mean)

    blocks: list[list[int]] = []
    for i in flagged:
        assert side(i) != 0
        if blocks and blocks[-1][-1] == i - 1 and side(i) == side(blocks[-1][-1]):
            blocks[-1].append(i)
        else:
            blocks.append([i])
    for block in blocks:
        assert len(block) >= 7


@given(series)
def test_reversing_a_series_keeps_its_trends(values):
    forward = trend(values)
    backward = {len(values) - 1 - i for i in trend(values[::-1])}
    assert forward == backward


@given(series, st.floats(min_value=-1e3, max_value=1e3, allow_nan=False))
def test_adding_a_constant_moves_the_limits_and_keeps_the_flags(values, k):
    values = [round(v) for v in values]  # whole numbers, so adding k is exact enough
    k = round(k)
    a, b = xmr(values), xmr([v + k for v in values])
    assert [p.rules for p in a.points] == [p.rules for p in b.points]
    assert math.isclose(b.mean, a.mean + k, abs_tol=1e-6)


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=2, max_size=30))
def test_a_strictly_rising_series_of_six_or_more_is_all_trend(values):
    rising = sorted(set(values))
    if len(rising) >= 6:
        assert trend(rising) == set(range(len(rising)))
    else:
        assert trend(rising) == set()


def test_limits_beyond_what_the_measure_can_take_are_drawn_at_its_edge():
    # a percentage: mean 90, mR-bar 25, limits 23.5 to 156.5 before the cut
    chart = xmr([100, 100, 50, 100, 100], floor=0, ceiling=100)
    assert (chart.lower, chart.upper) == (pytest.approx(23.5), 100)
    assert chart.special_causes == []
    counts = xmr([0, 5, 0, 5, 0], floor=0)
    assert counts.lower == 0
