"""Audit events about a record kept about a person, across their cases (ADR 0023): a
persistent contact procedure (candour.cases.restrictions) or a high service user plan
(candour.cases.high_users). Each such model names the key its events carry
(`AUDIT_KEY`, one of audit.chain.SUBJECT_KEYS); `record` writes the record's id under it,
and the audit trail repeats it in the event's indexed `subject` column, which `history`
reads (one index range, however large the trail)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from candour.audit.chain import SUBJECT_KEYS, record
from candour.audit.models import AuditEvent


def _subject(about) -> tuple[str, int]:
    key = about.AUDIT_KEY
    if key not in SUBJECT_KEYS:  # pragma: no cover - a programming error
        raise ValueError(f"{key} is not among the audit trail's subject keys")
    return key, about.pk


def record_about(
    event: str, about, by, *, case=None, at: datetime | None = None, **details
) -> AuditEvent:
    """One audit event about `about` (a procedure or a plan), written at its organisation
    (and on `case` where given), with its id and reference, and `at` as when it happened
    where that is not now. Call it inside the step's transaction."""
    key, pk = _subject(about)
    return record(
        event,
        actor=by,
        case=case,
        organisation_id=about.organisation_id,
        reference=about.reference,
        **{key: pk},
        **({"happened_at": at} if at is not None else {}),
        **details,
    )


def history(about) -> QuerySet:
    """The events about `about`, oldest first, through the index on the subject column."""
    key, pk = _subject(about)
    return (
        AuditEvent.objects.filter(subject=f"{key}:{pk}")
        .select_related("actor")
        .order_by("sequence")
    )
