"""A case's audit events in words, for the case page's timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from candour.cases.deadlines import fmt

# Reads of the case are in the audit trail too (R38); the timeline counts them instead of
# listing every one.
READS = {"case_viewed"}


@dataclass
class Entry:
    at: datetime
    what: str
    who: str
    details: list[str]


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


def details(data: dict) -> list[str]:
    before, after = data.get("before") or {}, data.get("after") or {}
    lines = [
        f"{words(key)}: {_value(before.get(key))} → {_value(after[key])}"
        if key in before
        else f"{words(key)}: {_value(after[key])}"
        for key in after
    ]
    lines += [
        f"{words(key)}: {_value(value)}"
        for key, value in data.items()
        if key not in ("before", "after") and not isinstance(value, dict)
    ]
    return lines


def entries(events) -> dict:
    """{"entries": [...], "reads": n} from the case's audit events in order."""
    out, reads = [], 0
    for event in events:
        if event.event in READS:
            reads += 1
            continue
        out.append(Entry(event.at, words(event.event), event.actor_label, details(event.data)))
    return {"entries": out, "reads": reads}
