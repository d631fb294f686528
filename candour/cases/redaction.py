"""Taking a case's identifying details out of free text, for anonymised case studies (R37;
seed 004: "case studies using anonymised individual complaints").

`Sensitive.of(case)` gathers what identifies the people on a case: the names of everyone on
it (its people, the staff involved, the staff who handled it), their addresses, postcodes,
phone numbers, email addresses, NHS numbers and dates of birth, and the case's reference.
`redact` replaces them, and anything shaped like one (a UK postcode, a ten-digit NHS number,
a phone number, an email address), in a text, and turns every full date into its month and
year (a date of birth is removed). `leaks` lists what is still there: approval refuses a case
study while it finds anything.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

MONTHS = list(calendar.month_name)[1:]
_MONTH_WORD = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
_ORDINAL = r"(?:st|nd|rd|th)?"

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)
NHS_NUMBER = re.compile(r"(?<![\d-])\d{3}[\s-]?\d{3}[\s-]?\d{4}(?![\d-])")
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|0)\d(?:[\s-]?\d){8,9}(?!\d)")
STREET = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){1,3}(?:Road|Street|Lane|Avenue|Close|Drive|"
    r"Way|Crescent|Place|Court|Gardens|Terrace|Grove|Hill|Rise|Row|Square|Walk|Mews|Rd|St|Ave)"
    r"\b\.?"
)
NUMERIC_DATE = re.compile(r"\b(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b")
ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b")
DAY_MONTH = re.compile(
    rf"\b{_WEEKDAY}(?:the\s+)?(?P<d>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH_WORD}"
    r"(?:,?\s+(?P<y>\d{4}))?\b",
    re.I,
)
MONTH_DAY = re.compile(
    rf"\b{_WEEKDAY}{_MONTH_WORD}\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORDINAL}(?:,?\s+(?P<y>\d{{4}}))?\b",
    re.I,
)
DATE_PATTERNS = (ISO_DATE, NUMERIC_DATE, DAY_MONTH, MONTH_DAY)
# Words of a name too short or too common to stand for the person on their own.
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "rev"}
NAME = "[name]"


def _month_number(word: str) -> int:
    word = word.rstrip(".").lower()[:3]
    return next(i + 1 for i, m in enumerate(MONTHS) if m.lower().startswith(word))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass
class Sensitive:
    """What identifies the people on one case."""

    names: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    nhs_numbers: set[str] = field(default_factory=set)
    births: set[date] = field(default_factory=set)
    dates: set[date] = field(default_factory=set)
    references: set[str] = field(default_factory=set)

    def add_name(self, *parts: str) -> None:
        words = [w.strip(".,") for p in parts if p for w in p.split()]
        words = [w for w in words if len(w) > 1 and w.lower() not in TITLES]
        if len(words) > 1:
            self.names.add(" ".join(words))
        self.names.update(words)

    def add_person(self, person) -> None:
        self.add_name(person.first_name, person.last_name)
        for line in re.split(r"[\n,]", person.address or ""):
            line = line.strip()
            if len(line) >= 4:
                self.addresses.add(line)
        for value, into in (
            (person.postcode, self.postcodes),
            (person.email, self.emails),
        ):
            if value:
                into.add(value.strip())
        for phone in (person.telephone, person.mobile):
            if len(_digits(phone or "")) >= 6:
                self.phones.add(_digits(phone))
        if person.nhs_number:
            self.nhs_numbers.add(_digits(person.nhs_number))
        if person.date_of_birth:
            self.births.add(person.date_of_birth)

    def add_user(self, user) -> None:
        if user is not None:
            self.add_name(user.first_name, user.last_name)

    @classmethod
    def of(cls, case) -> Sensitive:
        found = cls(references={case.reference})
        for party in case.parties.select_related("person"):
            found.add_person(party.person)
        for member in case.staff.all():
            found.add_name(member.name)
        for user in (case.handler, case.investigator, case.recorded_by):
            found.add_user(user)
        for action in case.actions.select_related("owner"):
            found.add_user(action.owner)
        for entry in case.contacts.all():
            found.add_name(entry.with_whom)
        for text in (case.call_handler, case.passed_on_to):
            found.add_name(text)
        found.add_name(*named_in(case.staff_involved or ""))
        for value in (
            case.received_at,
            case.event_date,
            case.acknowledged_at,
            case.responded_at,
            case.closed_at,
            *(i.found_at for i in case.issues.all()),
        ):
            if value:
                found.dates.add(timezone.localdate(value) if isinstance(value, datetime) else value)
        found.dates |= found.births
        return found


# Capitalised words that are not names, in "staff involved" free text.
NOT_NAMES = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "of",
    "on",
    "at",
    "in",
    "to",
    "with",
    "our",
    "their",
    "his",
    "her",
    "staff",
    "nurse",
    "doctor",
    "receptionist",
    "reception",
    "manager",
    "team",
    "gp",
    "practice",
    "ward",
    "clinic",
    "service",
    "department",
    "consultant",
    "pharmacist",
    "duty",
    "practitioner",
    "healthcare",
    "assistant",
    "unknown",
    "not",
    "known",
    "lead",
    "senior",
}
TITLE_WORDS = TITLES | {"nurse", "doctor", "sister", "matron", "receptionist", "consultant"}


def named_in(text: str) -> list[str]:
    """The names in a free-text list of staff ("Dr Patel, Nurse Jones and Sam Lee"): a
    capitalised word after a title, and two capitalised words together."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*|[^A-Za-z\s]", text)
    names = []
    for i, word in enumerate(words):
        capital = word[:1].isupper() and word.lower() not in NOT_NAMES
        if not capital or word.lower() in TITLE_WORDS:
            continue
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if (
            before.lower().rstrip(".") in TITLE_WORDS
            or (after[:1].isupper() and after.lower() not in NOT_NAMES | TITLE_WORDS)
            or (before[:1].isupper() and before.lower() not in NOT_NAMES | TITLE_WORDS)
        ):
            names.append(word)
    return names


def _date_or_none(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _dates(sensitive: Sensitive):
    """The replacement for a date found in text: its month and year, or "[date of birth]"."""

    def replace(match: re.Match) -> str:
        parts = match.groupdict()
        month_word = parts.get("month")
        try:
            month = _month_number(month_word) if month_word else int(parts["m"])
            day = int(parts["d"])
        except (ValueError, StopIteration):
            return "[date]"
        if not 1 <= month <= 12:
            return "[date]"
        year = parts.get("y")
        year_n = int(year) if year else None
        if year_n is not None and year_n < 100:
            year_n += 2000 if year_n < 70 else 1900
        whole = _date_or_none(year_n, month, day) if year_n else None
        if whole in sensitive.births or (
            not year_n and any((b.month, b.day) == (month, day) for b in sensitive.births)
        ):
            return "[date of birth]"
        return f"{MONTHS[month - 1]} {year_n}" if year_n else MONTHS[month - 1]

    return replace


def _words(values, *, longest_first=True) -> re.Pattern | None:
    values = sorted({v for v in values if v}, key=len, reverse=longest_first)
    if not values:
        return None
    alternatives = "|".join(r"\s*".join(map(re.escape, v.split())) for v in values)
    return re.compile(rf"(?<![\w]){'(?:' + alternatives + ')'}(?![\w])", re.I)


def redact(text: str, sensitive: Sensitive) -> str:
    """`text` with the case's identifying details taken out (see the module's docstring)."""
    if not text:
        return ""
    text = EMAIL.sub("[email]", text)
    pattern = _words(sensitive.references)
    if pattern:
        text = pattern.sub("[reference]", text)
    pattern = _words(sensitive.addresses)
    if pattern:
        text = pattern.sub("[address]", text)
    text = STREET.sub("[address]", text)
    text = POSTCODE.sub("[postcode]", text)
    for date_pattern in DATE_PATTERNS:
        text = date_pattern.sub(_dates(sensitive), text)
    text = NHS_NUMBER.sub("[NHS number]", text)
    text = PHONE.sub("[phone number]", text)
    pattern = _words(sensitive.names)
    if pattern:
        text = pattern.sub(NAME, text)
    text = re.sub(r"\[name\](?:\s+\[name\])+", NAME, text)
    text = re.sub(r"\[address\](?:,?\s*\[address\])+", "[address]", text)
    return text


def _date_texts(day: date) -> list[str]:
    """A day as people write it, for `leaks` to look for."""
    month = MONTHS[day.month - 1]
    return [
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%d/%m/%y}",
        day.isoformat(),
        f"{day.day} {month}",
        f"{day.day} {month[:3]}",
        f"{month} {day.day}",
    ]


def leaks(text: str, sensitive: Sensitive) -> list[str]:
    """What in `text` still identifies someone on the case, in words: empty when none."""
    if not text:
        return []
    found = []
    names = _words(sensitive.names)
    for match in names.finditer(text) if names else ():
        found.append(f"the name {match.group(0)!r}")
    for what, values in (
        ("the address", sensitive.addresses),
        ("the case's reference", sensitive.references),
        ("the email address", sensitive.emails),
    ):
        pattern = _words(values)
        for match in pattern.finditer(text) if pattern else ():
            found.append(f"{what} {match.group(0)!r}")
    squashed = re.sub(r"\s", "", text).upper()
    for postcode in sensitive.postcodes:
        if re.sub(r"\s", "", postcode).upper() in squashed:
            found.append(f"the postcode {postcode!r}")
    numbers = [_digits(run) for run in re.findall(r"\+?\d[\d\s()-]*\d", text)]
    for number in sensitive.nhs_numbers | sensitive.phones:
        if number and any(number in run for run in numbers):
            found.append("an NHS number or phone number of the case")
    for day in sensitive.dates:
        pattern = _words(_date_texts(day))
        for match in pattern.finditer(text) if pattern else ():
            found.append(f"the date {match.group(0)!r}")
    for what, pattern in (
        ("a postcode", POSTCODE),
        ("an email address", EMAIL),
        ("an NHS number", NHS_NUMBER),
        ("a phone number", PHONE),
        *(("a full date", p) for p in DATE_PATTERNS),
    ):
        for match in pattern.finditer(text):
            found.append(f"{what} {match.group(0)!r}")
    return list(dict.fromkeys(found))
