"""Dispatch of a signed letter (R27): channel, date, by whom, and copies to the staff named
in the response (seed 001 §11). A letter to a representative is held while the patient's
consent is in dispute or the patient has withdrawn them (R13: case.representative_on_hold)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from candour.audit.chain import record
from candour.cases.handling import record_holding_letter
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.investigation import send_response
from candour.cases.models import ContactChannel, PartyRole, Status
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.config.transactions import atomic
from candour.letters.models import CHANNEL_LABELS, Dispatch, LetterStatus
from candour.letters.signoff import chain_of, lock_letter, roles_held
from candour.organisations.policy import DispatchChannel, LetterKind


@atomic
def dispatch_letter(
    letter, *, by, channel: str, sent_on: date | None = None, sent_at: datetime | None = None
) -> Dispatch:
    """Record that the signed letter was sent, how and when: `sent_at` (now if not given;
    not before it was signed), or only the day, `sent_on`, taken as the end of that day (or
    now, today). Sending a final response is the case's response, at that time (R22)."""
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
            "representative is on hold until the patient's wishes are clarified (R13). Record "
            "the patient's consent or that the representative may act again, or start a letter "
            "to the patient instead."
        )
    version = letter.signed_version
    sent_at, sent_on = _when_sent(case, version, sent_at, sent_on)
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
        sent_at=sent_at,
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
        # R22, R26: the signed final response is the case's response, dated when it was sent.
        send_response(
            case, by=by, at=sent_at, summary=_summary(version, channel, sent_on), letter=letter.pk
        )
    if letter.kind == LetterKind.HOLDING:
        record_holding_letter(
            case,
            by=by,
            at=sent_at,
            method=UPDATE_METHODS.get(channel, ContactChannel.POST),
            response_date=case.agreed_response_date,
        )
    return sent


# How the complainant was updated (R19), by how the letter went.
UPDATE_METHODS = {
    DispatchChannel.EMAIL: ContactChannel.EMAIL,
    DispatchChannel.HAND_DELIVERY: ContactChannel.IN_PERSON,
}


def _when_sent(case, version, sent_at: datetime | None, sent_on: date | None):
    """When the letter was sent, and its day: `sent_at` by the rule of every time on a case
    (when_on_case), not before the letter was signed; a day alone is the end of that day, or
    now if it is today (a date-only rule judges it the same at any time of the day; a rule in
    hours, no earlier than it may have been)."""
    today = timezone.localdate()
    if sent_at is None and sent_on is not None and sent_on != today:
        if sent_on > today:
            raise InvalidCase("sent_on", "is in the future")
        end = datetime.combine(sent_on, time(23, 59))
        sent_at = timezone.make_aware(end, timezone.get_default_timezone())
        if sent_at < version.signed_at:
            raise InvalidCase("sent_on", "is before the letter was signed")
    sent_at = when_on_case(
        case, sent_at, "sent_at", after=version.signed_at, what="the letter was signed"
    )
    day = timezone.localtime(sent_at).date()
    if sent_on is not None and sent_on != day:
        raise InvalidCase("sent_on", f"is not the day of sent_at ({day:%d %B %Y})")
    return sent_at, day


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
