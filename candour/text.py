"""What counts as text in Candour: any character a person can type, and none of the invisible
ones that cannot be kept; and the largest whole number a request may give.

PostgreSQL refuses NUL in text; half of a UTF-16 surrogate pair (a "lone surrogate", which a
JSON string can spell as \\ud800) cannot be written as UTF-8 by either database; and the other
C0 control characters, with U+FFFE and U+FFFF, have no place in XML, so a Word letter that
merged them in could not be made. Tab, line feed and carriage return are text.

The rule is checked once, at the edge of every request (candour/config/edge.py), and the API
schema states it as a pattern on every string it accepts (candour/api/urls.py). Pure
functions: no Django here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff"
_SURROGATE = "\\ud800-\\udfff"
_REFUSED = re.compile(f"[{_CONTROL}{_SURROGATE}]")

# For schemas: text with none of the control characters. Surrogates are left out of the
# pattern because a JavaScript regular expression without the u flag sees every emoji as two
# of them; a JSON document that is valid UTF-8, as RFC 8259 asks, cannot hold a lone one.
PATTERN = f"^[^{_CONTROL}]*$"
# Text that must say something: at least one character that is not white space.
SAID_PATTERN = f"^[^{_CONTROL}]*[^{_CONTROL}\\s][^{_CONTROL}]*$"

# Whole numbers too: the largest id, number or offset a request may give, PostgreSQL's
# integer, so that no database is ever handed one it cannot hold.
MAX_NUMBER = 2**31 - 1


def whole_number(raw: str, high: int = MAX_NUMBER) -> int | None:
    """A whole number typed in a form or an address, or None: ASCII digits only ('²' is a
    digit to str.isdigit() but not to int()), and no larger than `high`."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and int(raw) <= high:
        return int(raw)
    return None


NAMES = {"\x00": "NUL", "\x0b": "vertical tab", "\x0c": "form feed"}


def _name(character: str) -> str:
    return NAMES.get(character) or f"U+{ord(character):04X}"


def problem(value: str) -> str | None:
    """What is wrong with `value` as text, as the end of a sentence that starts with the
    field's name; None when nothing is."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    character = found.group()
    if "\ud800" <= character <= "\udfff":
        return (
            f"remove the broken character ({_name(character)}, half of a pair that makes one "
            "character): retype the text, or send it encoded as UTF-8"
        )
    return (
        f"remove the invisible control character ({_name(character)}): retype the text, "
        "or paste it as plain text"
    )


def printable(name: str) -> str:
    """A field name fit to show, with any refused character written as its code."""
    return _REFUSED.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def problems_in(value, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, problem) for every string in a parsed JSON value, keys included; fields are
    dotted paths (`complainant.first_name`, `issues.0`), as the API names fields."""
    if isinstance(value, str):
        found = problem(value)
        if found:
            yield path or "body", found
    elif isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            where = f"{path}.{printable(key)}" if path else printable(key)
            found = problem(key)
            if found:
                yield where, f"the field's name: {found}"
            yield from problems_in(item, where)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from problems_in(item, f"{path}.{number}" if path else str(number))


def first_problem(pairs: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The first (field, problem) among (name, value) pairs such as a query string's."""
    for name, value in pairs:
        found = problem(name)
        if found:
            return printable(name), f"the field's name: {found}"
        found = problem(value)
        if found:
            return name, found
    return None


def said_pattern(at_least: int = 1) -> str:
    """For schemas: text with at least `at_least` characters once the white space around it
    is taken away (the domain's `.strip()`), and none of the control characters."""
    if at_least <= 1:
        return SAID_PATTERN
    some, none = f"[^{_CONTROL}\\s]", f"[^{_CONTROL}]"
    return f"^{none}*{some}{none}{{{at_least - 2},}}{some}{none}*$"
