"""What counts as text (candour.text), and the API schema's patterns saying the same."""

from __future__ import annotations

import re

import pytest

from candour import text
from candour.api.schemas import DAY_PATTERN, MOMENT_PATTERN
from candour.calendars import FIRST_YEAR, LAST_YEAR


@pytest.mark.parametrize(
    "value",
    ["", "Plain words.", "Tab\there, lines\nand\r\nreturns", "Zoë, Siân, Łukasz 😀", "\x7f\x85"],
)
def test_text_a_person_can_type_is_text(value):
    assert text.problem(value) is None
    assert re.search(text.PATTERN, value)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("a\x00b", "NUL"),
        ("a\x0bb", "vertical tab"),
        ("a\x1fb", "U+001F"),
        ("a\uffffb", "U+FFFF"),
        ("a\ud800b", "U+D800"),
    ],
)
def test_characters_that_cannot_be_kept_are_named(value, named):
    assert f"({named}" in text.problem(value)
    if not "\ud800" <= value[1] <= "\udfff":
        assert not re.search(text.PATTERN, value)


def test_json_is_searched_to_the_field_with_the_problem():
    body = {"complainant": {"first_name": "Ada", "last_name": "Ex\x00"}, "issues": ["ok", "\x01"]}
    found = list(text.problems_in(body))
    assert [field for field, _ in found] == ["complainant.last_name", "issues.1"]


def test_a_bad_field_name_is_shown_escaped():
    (found,) = text.problems_in({"na\x00me": "x"})
    assert found[0] == "na\\u0000me" and found[1].startswith("the field's name: ")


@pytest.mark.parametrize(("at_least", "value", "matches"), [
    (1, "  x ", True), (1, " \n\t ", False), (1, "", False),
    (10, "  0123456789  ", True), (10, " 012345678 ", False),
])  # fmt: skip
def test_the_said_pattern_is_the_domains_strip(at_least, value, matches):
    assert bool(re.search(text.said_pattern(at_least), value)) is matches
    assert (len(value.strip()) >= at_least) is matches


def test_the_api_date_patterns_take_the_years_candour_takes():
    for year, taken in [(FIRST_YEAR - 1, False), (FIRST_YEAR, True), (LAST_YEAR, True),
                        (LAST_YEAR + 1, False)]:  # fmt: skip
        day = f"{year:04}-01-31"
        assert bool(re.fullmatch(DAY_PATTERN, day)) is taken, day
        assert bool(re.fullmatch(MOMENT_PATTERN, f"{day}T09:15:00Z")) is taken
    assert not re.fullmatch(MOMENT_PATTERN, "2026-03-27T09:15:00")  # no time zone
