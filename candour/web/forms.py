"""The staff pages' forms: fields, parsing a POST into typed values, and turning the domain's
refusals into messages beside the field they are about.

Only types are checked here (is this a date?). Every rule (is it required, is it in the past,
may this person do it) belongs to the domain function the form calls; its InvalidCase names
the field, which is also the form field's name and id, so the error summary links to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.http import QueryDict
from django.utils import timezone

from candour.calendars import FIRST_YEAR, LAST_YEAR
from candour.cases.people import InvalidPerson
from candour.cases.workflow import CaseError

# A choice: (value, label) or (value, label, hint).
Choice = tuple


@dataclass(frozen=True)
class Field:
    """One input. `kind`: text, textarea, select, radios, date, datetime, checkbox, email,
    tel. `choices` may be a callable given the form's context (the case, the user)."""

    name: str
    label: str
    kind: str = "text"
    hint: str = ""
    choices: Sequence[Choice] | Callable[..., Sequence[Choice]] = ()
    default: str | Callable[[], str] = ""
    needed: bool = False  # a date or number the domain cannot do without (a type, not a rule)
    short: str = ""  # what messages call it: "Reason is empty; …"
    width: str = ""  # nhsuk-input--width-N
    max_length: int = 0  # the database column's, so PostgreSQL never refuses what was taken

    @property
    def called(self) -> str:
        return self.short or self.name.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def now_local() -> str:
    """The datetime-local input's value for now, in London time."""
    return f"{timezone.localtime():%Y-%m-%dT%H:%M}"


def _date(raw: str) -> date:
    return date.fromisoformat(raw)


def _datetime(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Form:
    """A list of fields with what was entered (`values`, always re-shown), what it means
    (`data`) and what is wrong with it (`errors`, field name -> message)."""

    def __init__(
        self,
        fields: Sequence[Field],
        post: QueryDict | None = None,
        *,
        aliases: dict[str, str] | None = None,
        **context,
    ):
        self.fields = list(fields)
        self.aliases = aliases or {}
        self.context = context
        self.by_name = {f.name: f for f in self.fields}
        self.errors: dict[str, str] = {}
        self.data: dict = {}
        self.values: dict[str, str] = {}
        if post is None:
            for f in self.fields:
                default = f.default() if callable(f.default) else f.default
                self.values[f.name] = default
            return
        for f in self.fields:
            raw = post.get(f.name, "")
            raw = raw if f.kind == "textarea" else raw.strip()
            self.values[f.name] = raw
            self.data[f.name] = self._parse(f, raw)

    def _parse(self, f: Field, raw: str):
        if f.kind == "checkbox":
            return bool(raw)
        if f.max_length and len(raw) > f.max_length:
            self.errors[f.name] = f"{f.called} must be {f.max_length} characters or fewer"
            return raw
        if f.kind not in ("date", "datetime"):
            return raw
        if not raw:
            if f.needed:
                self.errors[f.name] = f"Enter {f.called.lower()}"
            return None
        try:
            value = _date(raw) if f.kind == "date" else _datetime(raw)
        except ValueError:
            value = None
        if value is not None and FIRST_YEAR <= value.year <= LAST_YEAR:
            return value
        example = "2026-03-27" if f.kind == "date" else "2026-03-27 14:30"
        self.errors[f.name] = f"{f.called} must be a real date, for example {example}"
        return None

    @property
    def valid(self) -> bool:
        return not self.errors

    def choices(self, f: Field) -> list[dict]:
        """The choices as the design system's items, with the entered one selected."""
        options = f.choices(**self.context) if callable(f.choices) else f.choices
        items = []
        for choice in options:
            value, label, hint = (*choice, "")[:3]
            items.append({"value": value, "text": label, "hint": hint or None})
        return items

    def refuse(self, error: CaseError | InvalidPerson) -> None:
        """Put the domain's message beside the field it names, or the first field."""
        named = getattr(error, "field", None)
        field = self.aliases.get(named, named)
        if field in self.by_name and self._unanswered(self.by_name[field]):
            # Nothing chosen: the domain lists the values it takes ("must be one of
            # written, email"), which are the keys behind the options, not what to do.
            self.errors[field] = self._choose(self.by_name[field])
        elif field in self.by_name:
            message = str(error).split(": ", 1)[-1]
            aliased = named.replace("_", " ").capitalize()
            called = self.by_name[field].called if field == named else aliased
            self.errors[field] = f"{called} {message}"
        else:
            message = str(error).split(": ", 1)[-1] if named else str(error)
            message = message[:1].upper() + message[1:]
            self.errors[self.fields[0].name if self.fields else "submit"] = message

    def _unanswered(self, f: Field) -> bool:
        return f.kind in ("radios", "select") and not self.values.get(f.name)

    @staticmethod
    def _choose(f: Field) -> str:
        """ "How was consent given? Choose one." beside options left unchosen."""
        return f"{f.label} Choose one." if f.label.endswith("?") else f"{f.label}: choose one."
