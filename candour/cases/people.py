"""People on a case: complainant, patient, representative (R11), their contact preferences
(R9), and NHS number validation."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from candour.cases.models import AccessibleFormat, ContactChannel, Person


class InvalidPerson(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def normalise_nhs_number(value: str) -> str:
    return "".join(ch for ch in value if not ch.isspace() and ch != "-")


def nhs_number_is_valid(value: str) -> bool:
    """The NHS number check digit (Modulus 11): weights 10..2 on the first nine digits;
    11 - (sum mod 11) is the check digit, 11 means 0, and 10 means the number is invalid."""
    digits = normalise_nhs_number(value)
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


@dataclass
class PersonDetails:
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    address: str = ""
    postcode: str = ""
    telephone: str = ""
    mobile: str = ""
    email: str = ""
    date_of_birth: date | None = None
    nhs_number: str = ""
    deceased: bool = False
    preferred_channel: str = ""
    language: str = ""
    interpreter_needed: bool = False
    accessible_format: str = ""
    times_to_avoid: str = ""

    @classmethod
    def from_mapping(cls, data: dict | None) -> PersonDetails | None:
        if not data:
            return None
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise InvalidPerson(sorted(unknown)[0], "is not a field of a person")
        return cls(**data)

    def validated(self, today: date, where: str = "") -> PersonDetails:
        """Checked and tidied; a refusal names the field under `where` ("patient.nhs_number"),
        or alone when `where` is empty (a form or request about one person)."""

        def named(field: str) -> str:
            return f"{where}.{field}" if where else field

        if self.nhs_number:
            self.nhs_number = normalise_nhs_number(self.nhs_number)
            if not nhs_number_is_valid(self.nhs_number):
                raise InvalidPerson(
                    named("nhs_number"),
                    "is not a valid NHS number; it has 10 digits and the last is a check digit. "
                    "Check it against the letter or card it came from, or leave it blank.",
                )
        if self.date_of_birth and self.date_of_birth > today:
            raise InvalidPerson(named("date_of_birth"), "is in the future")
        if self.postcode:
            self.postcode = " ".join(self.postcode.upper().split())
        for field, choices in (
            ("preferred_channel", ContactChannel),
            ("accessible_format", AccessibleFormat),
        ):
            if getattr(self, field) not in ("", *choices.values):
                allowed = ", ".join(v for v in choices.values if v)
                raise InvalidPerson(named(field), f"must be one of {allowed}, or empty")
        return self


def create_person(organisation, details: PersonDetails) -> Person:
    return Person.objects.create(organisation=organisation, **details.__dict__)
