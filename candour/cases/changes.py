"""The one way a domain function changes a case: set fields, move status, refresh the
deadlines, save, and write the audit event with old and new values, all in the caller's
transaction (STYLE.md, "One state change, one function")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from candour.audit.chain import record
from candour.cases import deadlines
from candour.cases.models import Case
from candour.cases.workflow import TRANSITIONS


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


# The detail an event keeps, beside its own time, for when what it records happened.
HAPPENED_AT = "happened_at"
# An entry made this long after what it records is late: when_on_case's grace for a clock
# that runs fast, and more than the minute a person rounds a time to.
LATE_AFTER = timedelta(minutes=5)


def apply(
    case: Case,
    action: str,
    *,
    by,
    event: str,
    changes: dict | None = None,
    at: datetime | date | None = None,
    before: dict | None = None,
    after: dict | None = None,
    **details,
) -> Case:
    """Apply `changes` to a locked case for the transition `action` and audit it as `event`.

    `at` is when the thing happened, for an action that records something that happened: the
    event keeps it as `happened_at` beside its own time (when it was recorded), so that a late
    entry shows as one on the timeline (R17, R22). `before` and `after` add the old and new
    values of what else the caller changed (a person's details) to the event's, beside the
    case's own."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply() must run inside the domain function's transaction")
    changes = dict(changes or {})
    to_status = TRANSITIONS[action].to_status
    if to_status is not None and to_status != case.status:
        changes["status"] = to_status
    before = {**(before or {}), **{k: _plain(getattr(case, k)) for k in changes}}
    for field, value in changes.items():
        setattr(case, field, value)
    moved = deadlines.refresh(case)
    fields = sorted(set(changes) | set(moved))
    if fields:
        case.save(update_fields=[_column(f) for f in fields])
    after = {**(after or {}), **{k: _plain(getattr(case, k)) for k in changes}}
    if at is not None:
        details[HAPPENED_AT] = at
    record(event, actor=by, case=case, before=before, after=after, **details)
    return case


def _column(field: str) -> str:
    return (
        field[:-3] if field.endswith("_id") and field[:-3] in {"handler", "investigator"} else field
    )


def happened_at(event) -> datetime | date:
    """When what an audit event records happened: its `happened_at` (a time, or a day for the
    steps counted in days), else the event's own time."""
    value = (event.data or {}).get(HAPPENED_AT)
    if not isinstance(value, str):
        return event.at
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return event.at


def recorded_late(event) -> bool:
    """Whether the event was recorded later than what it records happened: by more than
    LATE_AFTER, or, for a day, on a later day (in UK time)."""
    happened = happened_at(event)
    if isinstance(happened, datetime):
        return event.at - happened > LATE_AFTER
    return timezone.localdate(event.at) > happened
