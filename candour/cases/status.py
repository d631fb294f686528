"""What the person who sent feedback may see of it on the public status page: its stage
and its next date, nothing else (no names, no details).

They prove they may see it with the case reference and a secret given to them when it was
recorded (and again in the acknowledgement, by issuing a new key). The secret has 80 random
bits and only its SHA-256 hash is stored, so a copy of the database does not reveal it.
A wrong secret and an unknown reference give the same answer, so nobody can probe which
references exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from candour.audit.chain import record
from candour.cases.models import Case, Kind, Status, StatusKey
from candour.cases.workflow import RESPONDING_KINDS
from candour.config.transactions import atomic

# No 0/O or 1/I, so a secret read from a letter can be typed back without doubt.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SECRET_LENGTH = 16  # 16 symbols of 32: 80 bits


def _normalise(secret: str) -> str:
    return "".join(ch for ch in secret.upper() if ch.isalnum())


def _hash(secret: str) -> str:
    return hashlib.sha256(_normalise(secret).encode()).hexdigest()


def _new_secret() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, SECRET_LENGTH, 4))


@atomic
def issue_status_key(case: Case, *, by, **audit_details) -> str:
    """Give the case a new status secret (replacing any earlier one) and return it, to be
    shown or sent to the complainant once. Writes status_key_issued (without the secret)."""
    secret = _new_secret()
    now = timezone.now()
    StatusKey.objects.update_or_create(
        case=case, defaults={"key_hash": _hash(secret), "issued_at": now}
    )
    record("status_key_issued", actor=by, case=case, at=now, **audit_details)
    return secret


@dataclass(frozen=True)
class PublicStatus:
    """The stage of a case and its next date, in words for the person who sent it."""

    reference: str
    stage: str
    next_label: str = ""  # "We will respond by", "Closed on" …
    next_date: date | None = None


def _day(value) -> date | None:
    return timezone.localdate(value) if value else None


def public_status(case: Case) -> PublicStatus:
    ref = case.reference
    if case.status == Status.CLOSED:
        return PublicStatus(ref, "Closed", "Closed on", _day(case.closed_at))
    if case.status == Status.WITHDRAWN:
        return PublicStatus(ref, "Withdrawn", "Withdrawn on", _day(case.withdrawn_at))
    if case.status == Status.RESPONDED:
        return PublicStatus(ref, "We have sent our response", "Sent on", _day(case.responded_at))
    if case.kind not in RESPONDING_KINDS:
        what = Kind(case.kind).label.lower()
        return PublicStatus(ref, f"Received: we have passed your {what} on")
    if case.status == Status.RECEIVED:
        return PublicStatus(ref, "Received", "We will acknowledge it by", case.acknowledge_due)
    if case.status == Status.PAUSED:
        return PublicStatus(ref, "On hold: we will write to you before we carry on")
    if not case.consent_satisfied:
        return PublicStatus(ref, "Waiting for the patient's consent before we can look into it")
    return PublicStatus(ref, "We are looking into it", "We will respond by", case.response_due)


@atomic
def status_for(reference: str, secret: str) -> PublicStatus | None:
    """The public status of the case with this reference, if `secret` is its status key;
    None otherwise, whether the reference exists or not. Writes status_viewed_publicly."""
    key = (
        StatusKey.objects.select_related("case")
        .filter(case__reference=reference.strip().upper())
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    record("status_viewed_publicly", actor=None, case=key.case)
    return public_status(key.case)
