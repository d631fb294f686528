"""A case's audit events in words, for the case page's timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

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


def entries(events) -> dict:
    """{"entries": [...], "reads": n} from the case's audit events in order."""
    events = list(events)
    people = names(events)
    out, reads = [], 0
    for event in events:
        if event.event in READS:
            reads += 1
            continue
        entry = Entry(event.at, words(event.event), event.actor_label, details(event.data, people))
        if recorded_late(event):
            entry.happened = _value(happened_at(event).isoformat())
        out.append(entry)
    return {"entries": out, "reads": reads}
