"""The contact log (issue 16): every call, email, letter or meeting with the complainant, or
with anyone about the case, numbered on its case, with when it happened and what was said.
A file that came with an entry (the email, the letter) is an attachment tied to it, added
through cases.attachments like any other file.

What an entry says of who it was with follows R8: on a confidential case, staff who may not
see who complained see "the complainant", never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from candour.audit.chain import record
from candour.cases.access import CONFIDENTIAL, WITHHELD, may_see_identity
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.models import (
    Case,
    ContactDirection,
    ContactEntry,
    ContactMethod,
    PartyRole,
)
from candour.cases.restrictions import check_contact
from candour.cases.workflow import ensure_can, lock
from candour.config.transactions import atomic


@atomic
def log_contact(
    case: Case,
    *,
    by,
    channel: str,
    direction: str,
    summary: str,
    happened_at: datetime | None = None,
    party: str = "",
    with_whom: str = "",
) -> ContactEntry:
    """Record a contact about the case: by what means (`channel`), which way (`direction`),
    with whom (`party`, the role of a person on the case, and/or `with_whom`, a name), when
    (`happened_at`: now if not given, never in the future nor before the case was received)
    and what was said. Allowed whatever the case's status: a call after closure is still a
    call. Writes contact_logged."""
    case = lock(case)
    ensure_can(case, "log_contact", by)
    if channel not in ContactMethod.values:
        raise InvalidCase("channel", f"must be one of {', '.join(ContactMethod.values)}")
    if direction not in ContactDirection.values:
        raise InvalidCase("direction", f"must be one of {', '.join(ContactDirection.values)}")
    summary = summary.strip()
    if not summary:
        raise InvalidCase("summary", "is empty; say what was said, asked or agreed")
    with_whom = " ".join(with_whom.split())
    if len(with_whom) > 200:
        raise InvalidCase("with_whom", "must be 200 characters or fewer")
    on_case = None
    if party:
        if party not in PartyRole.values:
            raise InvalidCase("party", f"must be one of {', '.join(PartyRole.values)}")
        on_case = case.parties.filter(role=party).first()
        if on_case is None:
            raise InvalidCase(
                "party",
                f"{case.reference} has no {PartyRole(party).label.lower()} recorded; "
                "name who it was with instead",
            )
    elif not with_whom:
        raise InvalidCase(
            "with_whom", "is empty; choose a person on the case, or give the name of who it was"
        )
    happened_at = when_on_case(case, happened_at, "happened_at")
    # R33: restrictions in force for the complainant (cases.restrictions).
    outside = check_contact(case, channel, direction, by)
    number = (case.contacts.aggregate(n=Max("number"))["n"] or 0) + 1
    entry = ContactEntry.objects.create(
        case=case,
        number=number,
        happened_at=happened_at,
        channel=channel,
        direction=direction,
        party=on_case,
        with_whom=with_whom,
        summary=summary,
        recorded_at=timezone.now(),
        recorded_by=by,
    )
    record(
        "contact_logged",
        actor=by,
        case=case,
        contact=number,
        happened_at=happened_at,
        channel=channel,
        direction=direction,
        role=party,
        with_whom=with_whom,
        summary=summary,
        **({"outside_restriction": outside} if outside else {}),
    )
    return entry


def entry_of(case: Case, number: int) -> ContactEntry:
    entry = case.contacts.filter(number=number).first()
    if entry is None:
        raise InvalidCase("contact", f"{case.reference} has no contact log entry {number}")
    return entry


@dataclass(frozen=True)
class Seen:
    """A contact log entry as one user may see it (R8)."""

    entry: ContactEntry
    party: str  # the role of the person on the case it was with, or ""
    name: str  # their name, or "Confidential"
    with_whom: str  # the name written in, or WITHHELD

    @property
    def who(self) -> str:
        """In words: "the complainant, Ada Example", "Dr Jones"."""
        role = f"the {PartyRole(self.party).label.lower()}" if self.party else ""
        if self.with_whom == WITHHELD or self.name == CONFIDENTIAL:
            return role or WITHHELD
        return ", ".join(p for p in (role, self.name, self.with_whom) if p)


def as_seen_by(user, case: Case) -> list[Seen]:
    """The case's contact log in order, with who each entry was with as `user` may see it: on
    a confidential case, someone who may not see who complained is shown the role alone and
    no name written in (the patient's name stays, as it does on the case)."""
    identity = may_see_identity(user, case)
    seen = []
    for entry in case.contacts.all():
        party = entry.party
        hidden = not identity and (party is None or party.role != PartyRole.PATIENT)
        seen.append(
            Seen(
                entry=entry,
                party=party.role if party else "",
                name=(CONFIDENTIAL if hidden else party.person.full_name) if party else "",
                with_whom=WITHHELD if hidden and entry.with_whom else entry.with_whom,
            )
        )
    return seen
