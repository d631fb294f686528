"""The one way a domain function changes a case: set fields, move status, refresh the
deadlines, save, and write the audit event with old and new values, all in the caller's
transaction (STYLE.md, "One state change, one function")."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

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


HAPPENED_AT = "happened_at"


def apply(
    case: Case,
    action: str,
    *,
    by,
    event: str,
    changes: dict | None = None,
    at: datetime | date | None = None,
    **details,
) -> Case:
    """Apply `changes` to a locked case for the transition `action` and audit it as `event`.

    `at` is when the thing happened, for an action that records something that happened: the
    event keeps it as `happened_at` beside its own time (when it was recorded), so that a late
    entry shows as one on the timeline (R17, R22)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply() must run inside the domain function's transaction")
    changes = dict(changes or {})
    to_status = TRANSITIONS[action].to_status
    if to_status is not None and to_status != case.status:
        changes["status"] = to_status
    before = {k: _plain(getattr(case, k)) for k in changes}
    for field, value in changes.items():
        setattr(case, field, value)
    moved = deadlines.refresh(case)
    fields = sorted(set(changes) | set(moved))
    if fields:
        case.save(update_fields=[_column(f) for f in fields])
    after = {k: _plain(getattr(case, k)) for k in changes}
    if at is not None:
        details[HAPPENED_AT] = at
    record(event, actor=by, case=case, before=before, after=after, **details)
    return case


def _column(field: str) -> str:
    return (
        field[:-3] if field.endswith("_id") and field[:-3] in {"handler", "investigator"} else field
    )
