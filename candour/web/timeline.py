"""A case's audit events in words, for the case page's timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from candour.cases.access import WITHHELD, event_data_as_seen
from candour.cases.changes import HAPPENED_AT, happened_at, recorded_late
from candour.cases.deadlines import fmt

# Reads of the case are in the audit trail too (R38); the timeline counts them instead of
# listing every one.
READS = {"case_viewed"}
# Changes that name a colleague: the audit trail keeps the user's id, a person reads a name.
PEOPLE = ("handler", "investigator")


@dataclass
class Entry:
    at: datetime  # when it was recorded
    what: str
    who: str
    details: list[str]
    # When it happened, for an entry recorded late ("happened on X, recorded on Y").
    happened: str = ""


def words(name: str) -> str:
    """'consent_received' -> 'Consent received'."""
    return name.replace("_", " ").capitalize()


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _moment(text: str) -> str:
    """The audit trail keeps dates and times as ISO 8601 (audit.chain); a person reads
    "Wed 28 May 2025" or "Wed 28 May 2025 at 12:14", in UK time."""
    if ISO_DATE.match(text):
        return fmt(date.fromisoformat(text))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{fmt(moment.date())} at {moment:%H:%M}"


def _value(value) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, str) and (ISO_DATE.match(value) or ISO_MOMENT.match(value)):
        return _moment(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value).replace("_", " ")


def details(data: dict, people: dict | None = None) -> list[str]:
    """`people`: {user id: name} for the colleagues the change names (see `names`)."""
    people = people or {}
    before, after = data.get("before") or {}, data.get("after") or {}

    def shown(key, value):
        return _value(people.get(value, value) if key in PEOPLE else value)

    lines = [
        f"{words(key)}: {shown(key, before.get(key))} → {shown(key, after[key])}"
        if key in before
        else f"{words(key)}: {shown(key, after[key])}"
        for key in after
    ]
    lines += [
        f"{words(key)}: {_value(value)}"
        for key, value in data.items()
        if key not in ("before", "after", HAPPENED_AT) and not isinstance(value, dict)
    ]
    return lines


# --- events told as sentences ---------------------------------------------------------------

CONTACT_NOUNS = {
    "phone": "Telephone call",
    "email": "Email",
    "letter": "Letter",
    "meeting": "Meeting",
    "video_call": "Video call",
    "in_person": "Conversation in person",
    "text": "Text message",
}
CONTACT_WAYS = {"from_complainant": "from", "to_complainant": "to"}
# What a correction's event holds that its sentence already says, or a person does not read.
SAID = ("role", "person", "corrected_on", "also_on", "withheld")


def _whom(role: str) -> str:
    return f"the {role}" if role else ""


def _contact_logged(data: dict, people: dict) -> tuple[str, list[str]]:
    """ "Telephone call from the complainant, Ada Example", when it happened and what was said."""
    named, role = data.get("with_whom", ""), _whom(data.get("role", ""))
    # A name withheld on a confidential case (cases.access): the role alone, or that it was.
    names = (role or named.lower(),) if named == WITHHELD else (role, named)
    noun = CONTACT_NOUNS.get(data.get("channel", ""), "Contact")
    way = CONTACT_WAYS.get(data.get("direction", ""), "with")
    what = f"{noun} {way} {', '.join(n for n in names if n)}"
    return what, [f"Happened on {_value(data.get('happened_at'))}", data.get("summary", "")]


def _corrected(data: dict, people: dict) -> tuple[str, list[str]]:
    whose = f"{_whom(data['role'])}'s details" if data.get("role") else "the case's details"
    what = f"Corrected {whose}"
    if data.get("corrected_on"):
        what += f", on {data['corrected_on']}"
    return what, _lines(data, people)


def _added(data: dict, people: dict) -> tuple[str, list[str]]:
    return f"Added {_whom(data.get('role', '')) or 'a person'}", _lines(data, people)


def _lines(data: dict, people: dict) -> list[str]:
    if data.get("withheld"):
        return [data["withheld"]]
    lines = details({k: v for k, v in data.items() if k not in SAID}, people)
    if data.get("also_on"):
        lines.append(f"Also changed on {_value(data['also_on'])}: the same person")
    return lines


TOLD = {
    "contact_logged": _contact_logged,
    "details_corrected": _corrected,
    "person_corrected": _corrected,
    "person_added": _added,
}


def names(events) -> dict:
    """{user id: username} for every colleague the events' changes name, in one query."""
    ids = {
        side.get(key)
        for event in events
        for side in (event.data.get("before") or {}, event.data.get("after") or {})
        for key in PEOPLE
        if isinstance(side.get(key), int)
    }
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_username() for u in users}


def entries(events, *, identity_visible: bool = True) -> dict:
    """{"entries": [...], "reads": n} from the case's audit events in order, with what names
    a confidential complainant withheld unless `identity_visible` (R8)."""
    events = list(events)
    people = names(events)
    out, reads = [], 0
    for event in events:
        if event.event in READS:
            reads += 1
            continue
        data = event_data_as_seen(event.event, event.data, identity_visible=identity_visible)
        if event.event in TOLD:
            what, lines = TOLD[event.event](data, people)
        else:
            what, lines = words(event.event), details(data, people)
        entry = Entry(event.at, what, event.actor_label, lines)
        if recorded_late(event):
            entry.happened = _value(happened_at(event).isoformat())
        out.append(entry)
    return {"entries": out, "reads": reads}
