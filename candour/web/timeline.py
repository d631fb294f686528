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


# --- every other event: its fields in words --------------------------------------------------
#
# An event's data is what the domain recorded, keyed by field name. A person reads each as a
# sentence: "Status changed from Received, awaiting acknowledgement to Open", "Acknowledged by
# email", not "status: received → open". What a field is called, and what its coded values
# are called, come from the models' own choices wherever they have them.

# Kept for the audit trail's integrity or the machinery, not for a reader of the case.
UNSAID = {
    "text_hash",
    "sha256",
    "template_version",
    "version",
    "met",
    "provider_organisation",  # an id; provider_name names it
    HAPPENED_AT,
}

# How a field reads: with "{}" where its value goes. A change reads "<this> (was <before>)".
SAID_AS = {
    "acknowledged_at": "Acknowledged on {}",
    "acknowledgement_method": "Acknowledged by {}",
    "agreed_response_date": "Response date agreed: {}",
    "body": "Body told: {}",
    "channel": "By {}",
    "closed_at": "Closed on {}",
    "consent_method": "Consent given by {}",
    "consent_received_at": "Consent received on {}",
    "consent_requested_at": "Consent asked for on {}",
    "consent_state": "Consent: {}",
    "copies": "Copies to {}",
    "chain": "Signed off by the chain '{}'",
    "description": "{}",
    "detail": "{}",
    "due": "Due by {}",
    "evidence": "Evidence: {}",
    "extensions": "Extensions agreed: {}",
    "escalation": "Next, if the complainant is not satisfied: {}",
    "finding": "Finding: {}",
    "forwarded_to_provider_at": "Forwarded on {}",
    "finding_summary": "{}",
    "grade": "Grade {}",
    "grade_name": "Graded as {}",
    "handler": "Handler: {}",
    "investigator": "Investigator: {}",
    "issues": "Issues raised: {}",
    "kind": "Kind: {}",
    "last_update_at": "Complainant last updated on {}",
    "late_decision": "Decision: {}",
    "late_decision_reason": "Because: {}",
    "method": "By {}",
    "next_step": "Next step: {}",
    "letter": "Letter {}",
    "note": "Note: {}",
    "outcome": "Outcome: {}",
    "outcome_summary": "{}",
    "owner": "Owned by {}",
    "paused_at": "Paused on {}",
    "paused_since": "Paused since {}",
    "reason": "Reason: {}",
    "provider": "Provider: {}",
    "provider_name": "Provider: {}",
    "provider_reference": "The provider's case: {}",
    "received_at": "Received on {}",
    "representative_withdrawn_at": "The patient withdrew the representative on {}",
    "share_consent": "Consent to share with the provider: {}",
    "share_consent_at": "Agreed on {}",
    "share_consent_note": "Note: {}",
    "reference": "Reference {}",
    "responded_at": "Response sent on {}",
    "roles": "As {}",
    "sent_on": "Sent on {}",
    "stage": "Stage {}",
    "stage_name": "Now at: {}",
    "stage_started_at": "Stage started on {}",
    "status": "Status: {}",
    "step": "At the step: {}",
    "suggested_owner": "The policy suggests it is owned by the {}",
    "summary": "{}",
    "text": "{}",
    "their_reference": "Their reference: {}",
    "themes": "Themes: {}",
    "to_step": "Sent back to the step: {}",
    "waiting_for": "Now waiting for {}",
    "withdrawn_at": "Withdrawn on {}",
}
# A yes-or-no field: what it reads as when yes, and when no ("" for nothing).
SAID_IF = {
    "after_signing": ("Revised after it was signed", ""),
    "late": ("Later than its deadline", ""),
    "medical_in_confidence": ("Marked medical in confidence", ""),
    "out_of_time": ("Made after the time limit", ""),
    "pause": ("The case is paused while it runs", ""),
    "pause_offered": ("Pausing the case was offered", ""),
    "promised": ("Promised to the complainant", "Not promised to the complainant"),
    "representative_on_hold": (
        "Letters to the representative are held",
        "Letters to the representative are not held",
    ),
}
# The events whose heading names the item they are about: "Letter 3 signed".
HEADINGS = {
    "action_added": ("number", "Action {} added"),
    "action_cancelled": ("number", "Action {} cancelled"),
    "action_completed": ("number", "Action {} recorded as done"),
    "action_verified": ("number", "Action {} checked to work"),
    "finding_recorded": ("issue", "Finding recorded on issue {}"),
    "issue_added": ("issue", "Issue {} added"),
    "lesson_recorded": ("lesson", "Lesson {} recorded"),
    "letter_approved": ("letter", "Letter {} approved"),
    "letter_dispatched": ("letter", "Letter {} sent"),
    "letter_revised": ("letter", "Letter {} revised"),
    "letter_sent_back": ("letter", "Letter {} sent back"),
    "letter_signed": ("letter", "Letter {} signed"),
    "letter_started": ("letter", "Letter {} started"),
    "referral_made": ("number", "Referral {} recorded as made"),
    "referral_raised": ("number", "Referral {} raised"),
    "statement_received": ("number", "Statement {} received"),
    "statement_reminder_sent": ("number", "Reminder sent for statement {}"),
    "statement_requested": ("number", "Statement {} asked for"),
}


# Events whose name does not read well as a heading.
NAMED = {
    "forwarded_to_provider": "Forwarded to the provider",
    "late_complaint_decided": "Decision on a late complaint",
    "representative_reinstated": "Representative may act again",
    "representative_withdrawn": "Representative withdrawn by the patient",
    "share_consent_recorded": "Consent to share with the provider recorded",
}


def _choices() -> dict[str, dict[str, str]]:
    """{field name: {stored value: its label}} from every model of the cases and letters apps
    with choices, so that "partly_upheld" reads "Partly upheld"."""
    from django.apps import apps

    found: dict[str, dict[str, str]] = {}
    for label in ("cases", "letters"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                for value, text in getattr(field, "flatchoices", None) or ():
                    found.setdefault(field.name, {}).setdefault(str(value), str(text))
    return found


_CHOICES: dict[str, dict[str, str]] = {}


def _shown(key: str, value, people: dict) -> str:
    if key in PEOPLE:
        value = people.get(value, value)
    if isinstance(value, str) and value:
        if not _CHOICES:
            _CHOICES.update(_choices())
        label = _CHOICES.get(key, {}).get(value)
        if label is not None:
            # Mid-sentence ("Acknowledged by email"), except after a colon or for an acronym.
            if SAID_AS.get(key, "{}").endswith(": {}") or not label[1:2].islower():
                return label
            return label[:1].lower() + label[1:]
    return _value(value)


def _sentence(key: str, value, people: dict) -> str:
    if isinstance(value, bool) and key in SAID_IF:
        return SAID_IF[key][0 if value else 1]
    shown = _shown(key, value, people)
    said = SAID_AS.get(key)
    return said.format(shown) if said else f"{words(key)}: {shown}"


def _said(event: str, data: dict, people: dict) -> tuple[str, list[str]]:
    """The heading and the sentences of an event the timeline has no teller of its own for."""
    what = NAMED.get(event) or words(event)
    skip = set(UNSAID)
    if event in HEADINGS:
        key, heading = HEADINGS[event]
        if data.get(key) not in (None, ""):
            what, _ = heading.format(data[key]), skip.add(key)
    before, after = data.get("before") or {}, data.get("after") or {}
    lines = []
    for key, now in after.items():
        was = before.get(key)
        if key in skip or was == now or (was in (None, "") and now in (None, "")):
            continue
        if now in (None, ""):
            line = f"No longer recorded: {_sentence(key, was, people)}"
        else:
            line = _sentence(key, now, people)
            if was not in (None, "", [], False) and not isinstance(now, bool):
                line += f" (was {_shown(key, was, people)})"
        if line:
            lines.append(line)
    for key, value in data.items():
        if key in skip or key in ("before", "after") or isinstance(value, dict):
            continue
        if value in (None, "", []) and key not in SAID_IF:
            continue
        line = _sentence(key, value, people)
        if line and line.lower() not in " ".join(lines).lower():  # said by another line
            lines.append(line)
    return what, lines


TOLD = {
    "contact_logged": _contact_logged,
    "details_corrected": _corrected,
    "person_corrected": _corrected,
    "person_added": _added,
}


def names(events) -> dict:
    """{user id: name} for every colleague who made a change or whom a change names, in one
    query: their full name where they have one, else their username."""
    ids = {
        side.get(key)
        for event in events
        for side in (event.data.get("before") or {}, event.data.get("after") or {})
        for key in PEOPLE
        if isinstance(side.get(key), int)
    } | {event.actor_id for event in events if event.actor_id}
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


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
            what, lines = _said(event.event, data, people)
        entry = Entry(event.at, what, people.get(event.actor_id) or event.actor_label, lines)
        if recorded_late(event):
            entry.happened = _value(happened_at(event).isoformat())
        out.append(entry)
    return {"entries": out, "reads": reads}
