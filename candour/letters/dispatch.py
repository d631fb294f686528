"""Dispatch of a signed letter (R27): channel, date, by whom, and copies to the staff named
in the response (seed 001 §11). A letter to a representative is held while the patient's
consent is in dispute (R13: case.representative_on_hold)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from candour.audit.chain import record
from candour.cases.handling import record_holding_letter
from candour.cases.intake import InvalidCase
from candour.cases.investigation import record_outcome
from candour.cases.models import ContactChannel, PartyRole, Status
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.config.transactions import atomic
from candour.letters.models import CHANNEL_LABELS, Dispatch, LetterStatus
from candour.letters.signoff import chain_of, lock_letter, roles_held
from candour.organisations.policy import DispatchChannel, LetterKind


@atomic
def dispatch_letter(letter, *, by, channel: str, sent_on: date | None = None) -> Dispatch:
    """Record that the signed letter was sent, how and when."""
    letter = lock_letter(letter)
    case = letter.case
    if letter.status == LetterStatus.DISPATCHED:
        raise TransitionNotAllowed("This letter has already been sent.")
    if letter.status != LetterStatus.READY:
        raise TransitionNotAllowed(
            "This letter has not finished its sign-off chain; it can be sent when it is signed "
            "and every step after the signature is done."
        )
    chain = chain_of(letter)
    options = {o.channel.value: o for o in chain.dispatch}
    if channel not in options:
        allowed = ", ".join(options)
        raise InvalidCase("channel", f"must be one of {allowed} for this letter")
    option = options[channel]
    if not roles_held(by, case, option.roles):
        raise PermissionDenied(
            f"Only the {' or the '.join(option.roles)} at {case.organisation.name} or above "
            f"may send this letter by {CHANNEL_LABELS[DispatchChannel(channel)].lower()}."
        )
    recipient = letter.recipient
    if (
        recipient is not None
        and recipient.role == PartyRole.REPRESENTATIVE
        and case.representative_on_hold
    ):
        raise TransitionNotAllowed(
            f"This letter is to {case.reference}'s representative, and correspondence with the "
            "representative is on hold while the patient's consent is in dispute (R13). Record "
            "the patient's consent, or start a letter to the patient instead."
        )
    today = timezone.localdate()
    sent_on = sent_on or today
    version = letter.signed_version
    if sent_on > today:
        raise InvalidCase("sent_on", "is in the future")
    if sent_on < timezone.localtime(version.signed_at).date():
        raise InvalidCase("sent_on", "is before the letter was signed")
    copies = [
        {"user": u.pk, "name": u.get_full_name() or u.get_username(), "email": u.email}
        for u in letter.staff_named.order_by("username")
    ]
    sent = Dispatch.objects.create(
        letter=letter,
        version=version,
        channel=channel,
        medical_in_confidence=option.medical_in_confidence,
        sent_on=sent_on,
        recorded_at=timezone.now(),
        by=by,
        recipient=recipient.person.full_name if recipient else "",
        copies=copies,
    )
    letter.status = LetterStatus.DISPATCHED
    letter.save(update_fields=["status"])
    record(
        "letter_dispatched",
        actor=by,
        case=case,
        letter=letter.pk,
        channel=channel,
        medical_in_confidence=option.medical_in_confidence,
        sent_on=sent_on,
        version=version.number,
        text_hash=version.text_hash,
        copies=[c["name"] for c in copies],
    )
    if responds(letter):
        record_outcome(case, by=by, summary=_summary(version, channel, sent_on))
    if letter.kind == LetterKind.HOLDING:
        record_holding_letter(
            case,
            by=by,
            at=sent_at(sent_on),
            method=UPDATE_METHODS.get(channel, ContactChannel.POST),
            response_date=case.agreed_response_date,
        )
    return sent


# How the complainant was updated (R19), by how the letter went.
UPDATE_METHODS = {
    DispatchChannel.EMAIL: ContactChannel.EMAIL,
    DispatchChannel.HAND_DELIVERY: ContactChannel.IN_PERSON,
}


def sent_at(sent_on: date) -> datetime:
    """The moment a letter sent on `sent_on` went, for the records that take a time: now if
    today; for an earlier day, its last minute, which is never before the letter was signed
    that day (the deadlines it meets are counted in days, so the day is what counts)."""
    if sent_on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(sent_on, time(23, 59)))


def responds(letter) -> bool:
    """Whether sending this letter is the case's response at its current stage: a final
    response of that stage while the case is still awaiting one (not already responded)."""
    case = letter.case
    return (
        letter.kind == LetterKind.FINAL_RESPONSE
        and letter.stage == case.stage
        and case.status in (Status.OPEN, Status.PAUSED)
    )


def _summary(version, channel: str, sent_on: date) -> str:
    how = CHANNEL_LABELS[DispatchChannel(channel)].lower()
    conclusions = version.section("conclusions").strip()
    sent = f"Final response (version {version.number}) sent by {how} on {sent_on:%d %B %Y}."
    return f"{sent} {conclusions}" if conclusions else sent
