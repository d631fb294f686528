"""Statistical process control in the style of NHS England's "Making Data Count" (MDC):
the XmR chart (individuals and moving range) of a series of monthly figures.

Pure functions on a list of numbers; no database, no drawing (candour/reporting/charts.py
draws what `xmr` returns).

- The mean is the mean of the points; a moving range is the absolute difference between a
  point and the one before it; the process limits are mean ± 2.66 x the mean moving range
  (2.66 = 3 / d2, d2 = 1.128 for ranges of two points: three sigma).
- Special-cause rules, each flagging the points that make it:
  1. `outside`: a point above the upper or below the lower process limit (strictly beyond).
  2. `shift`: a run of 7 or more consecutive points on one side of the mean. A point exactly
     on the mean is on neither side, so it ends a run: 6 above, one on the mean, 1 above is
     no shift.
  3. `trend`: 6 or more consecutive points each higher than the one before (or each lower).
     A point equal to the one before is neither, so it ends a trend.
  4. `two_of_three`: two out of three consecutive points near a process limit (beyond two
     sigma, two thirds of the way from the mean to the limit, but not beyond the limit),
     all three on the same side of the mean; the points near the limit are flagged.
  These are the conventions of the NHS-R community's "plot the dots" package
  (NHSRplotthedots, `ptd_calculate_point_type.R`), written to reproduce MDC's tool: a point's
  side of the mean is `sign(value - mean)` and a run needs the same non-zero sign throughout;
  a trend needs every step's `sign(diff)` to be the same non-zero sign; "two in three"
  needs the three signs to add up to ±3. The package counts a trend from 7 points; Candour
  keeps the 6 its reporting requirement sets (`TREND_LENGTH`).
- No moving range is screened out before the limits are worked out (some analysts remove
  moving ranges above 3.267 x the mean moving range first; MDC's tool does not).
- MDC advises at least 15 to 20 points for reliable limits; below `MIN_POINTS` (12) the
  chart is still drawn and `few_points` says the limits are provisional.

Whether a special cause is good news depends on the measure: `improvement` is "up", "down"
or None (neither, drawn in MDC's purple), so each flagged point is an improvement (blue) or
a concern (orange).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from statistics import fmean

LIMIT_FACTOR = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 6
MIN_POINTS = 12


class Rule(StrEnum):
    OUTSIDE = "outside"
    SHIFT = "shift"
    TREND = "trend"
    TWO_OF_THREE = "two_of_three"


RULE_LABELS = {
    Rule.OUTSIDE: "a point outside the process limits",
    Rule.SHIFT: f"a run of {RUN_LENGTH} or more points on one side of the mean",
    Rule.TREND: f"{TREND_LENGTH} or more points each higher (or each lower) than the last",
    Rule.TWO_OF_THREE: "two out of three points near a process limit (beyond two sigma)",
}


class Variation(StrEnum):
    """MDC's point colours: common cause grey, special cause improvement blue, concern
    orange, and purple where neither direction is better."""

    COMMON = "common"
    IMPROVEMENT = "improvement"
    CONCERN = "concern"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Point:
    value: float
    moving_range: float | None
    rules: frozenset[Rule]
    variation: Variation

    @property
    def special(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True)
class XmR:
    values: list[float]
    mean: float | None
    mean_moving_range: float | None
    upper: float | None
    lower: float | None
    points: list[Point] = field(default_factory=list)
    improvement: str | None = None

    @property
    def few_points(self) -> bool:
        return len(self.values) < MIN_POINTS

    @property
    def special_causes(self) -> list[int]:
        return [i for i, p in enumerate(self.points) if p.special]

    def summary(self) -> str:
        """What the chart shows, in words, for the chart's description and the page."""
        if not self.values:
            return "There are no figures to chart."
        parts = [f"Mean {self.mean:.1f}; process limits {self.lower:.1f} to {self.upper:.1f}."]
        special = self.special_causes
        if special:
            rules = sorted({r for i in special for r in self.points[i].rules})
            parts.append(
                f"{len(special)} of {len(self.values)} points show special cause variation: "
                + "; ".join(RULE_LABELS[r] for r in rules)
                + "."
            )
        else:
            parts.append("Common cause variation only: no special-cause rule is met.")
        if self.few_points:
            parts.append(
                f"Only {len(self.values)} points: the limits are provisional until there are "
                f"at least {MIN_POINTS}."
            )
        return " ".join(parts)


def moving_ranges(values: list[float]) -> list[float]:
    return [abs(b - a) for a, b in pairwise(values)]


def xmr(
    values,
    *,
    improvement: str | None = None,
    floor: float | None = None,
    ceiling: float | None = None,
) -> XmR:
    """The XmR chart of `values` (in order), with each point's special causes.

    `floor` and `ceiling` are the least and greatest values the measure can take (0 for a
    count; 0 and 100 for a percentage): a process limit beyond them is drawn at them, as
    MDC's tool does. No point can lie beyond such a limit, so the rules are unchanged; the
    two sigma lines of `two_of_three` are worked out before the limits are cut."""
    if improvement not in (None, "up", "down"):
        raise ValueError("improvement must be 'up', 'down' or None")
    values = [float(v) for v in values]
    if not values:
        return XmR([], None, None, None, None, [], improvement)
    mean = fmean(values)
    ranges = moving_ranges(values)
    mr_bar = fmean(ranges) if ranges else 0.0
    upper, lower = mean + LIMIT_FACTOR * mr_bar, mean - LIMIT_FACTOR * mr_bar
    if ceiling is not None:
        upper = min(upper, ceiling)
    if floor is not None:
        lower = max(lower, floor)
    rules: list[set[Rule]] = [set() for _ in values]
    for i in outside(values, upper, lower):
        rules[i].add(Rule.OUTSIDE)
    for i in shift(values, mean):
        rules[i].add(Rule.SHIFT)
    for i in trend(values):
        rules[i].add(Rule.TREND)
    for i in two_of_three(values, mean, mr_bar):
        rules[i].add(Rule.TWO_OF_THREE)
    points = [
        Point(
            v,
            ranges[i - 1] if i else None,
            frozenset(rules[i]),
            _variation(v, mean, rules[i], improvement, values, i),
        )
        for i, v in enumerate(values)
    ]
    return XmR(values, mean, mr_bar, upper, lower, points, improvement)


def outside(values: list[float], upper: float, lower: float) -> set[int]:
    return {i for i, v in enumerate(values) if v > upper or v < lower}


def _side(value: float, mean: float) -> int:
    return (value > mean) - (value < mean)


def shift(values: list[float], mean: float, length: int = RUN_LENGTH) -> set[int]:
    """Indexes in runs of `length` or more consecutive points on one side of the mean; a
    point on the mean is on neither side and ends a run."""
    return _runs([_side(v, mean) for v in values], length)


def trend(values: list[float], length: int = TREND_LENGTH) -> set[int]:
    """Indexes in trends of `length` or more consecutive points each higher (or each lower)
    than the one before; a repeated value ends a trend. A turning point ends one trend and
    begins the next, so it may be flagged with both."""
    steps = [_side(b, a) for a, b in pairwise(values)]
    flagged: set[int] = set()
    start = 0  # the first step of the current run of equal steps
    for i in range(1, len(steps) + 1):
        if i == len(steps) or steps[i] != steps[start]:
            # steps[start..i-1] join the points start..i; a trend of length points has
            # length - 1 steps.
            if steps[start] and i - start >= length - 1:
                flagged.update(range(start, i + 1))
            start = i
    return flagged


def _runs(signs: list[int], length: int) -> set[int]:
    """Indexes in runs of `length` or more equal, non-zero signs."""
    flagged: set[int] = set()
    start = 0
    for i in range(1, len(signs) + 1):
        if i == len(signs) or signs[i] != signs[start]:
            if signs[start] and i - start >= length:
                flagged.update(range(start, i))
            start = i
    return flagged


def two_of_three(values: list[float], mean: float, mr_bar: float) -> set[int]:
    """Points near a limit (beyond two sigma, 2/3 of the way to it, but not beyond it) where
    at least two of three consecutive points are near the same limit and all three are on
    that side of the mean. A point beyond a limit is the `outside` rule's, not this one's."""
    if mr_bar == 0:
        return set()
    two_sigma = 2 / 3 * LIMIT_FACTOR * mr_bar
    limit = LIMIT_FACTOR * mr_bar
    beyond = [
        (mean + two_sigma < v <= mean + limit) - (mean - limit <= v < mean - two_sigma)
        for v in values
    ]
    sides = [_side(v, mean) for v in values]
    flagged: set[int] = set()
    for i in range(len(values) - 2):
        for side in (1, -1):
            if any(s != side for s in sides[i : i + 3]):
                continue
            hits = [j for j in range(i, i + 3) if beyond[j] == side]
            if len(hits) >= 2:
                flagged.update(hits)
    return flagged


def _variation(value, mean, rules, improvement, values, i) -> Variation:
    if not rules:
        return Variation.COMMON
    if improvement is None:
        return Variation.NEUTRAL
    if rules == {Rule.TREND}:
        # A trend's direction is its slope, not its side of the mean.
        before = next((v for v in reversed(values[:i]) if v != value), None)
        after = next((v for v in values[i + 1 :] if v != value), None)
        rising = (before is not None and value > before) or (after is not None and after > value)
        up = rising
    else:
        up = value > mean
    good = up if improvement == "up" else not up
    return Variation.IMPROVEMENT if good else Variation.CONCERN
