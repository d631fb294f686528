"""Moving a trail sealed the old way (`legacy.py`: plain SHA-256, no key, the actor's name not
covered) to the keyed hash of `chain.py` (docs/adr/0014).

Run by the migration `audit 0004` on `candour migrate`, and by `candour audit reseal`. It
checks the old chain from its first event to its head, exactly as `verify` did before; if it
is intact, it rehashes every event under the key in one transaction holding the head's lock,
and appends an `audit_trail_resealed` event saying what it did, with the old head's hash (to
compare with any copy of it kept elsewhere). Times are cut to the millisecond on the way
(they are stored and hashed so; the event says how many changed, by less than a
millisecond each).

A broken old chain is not resealed unless asked to (`candour audit reseal
--despite-problems`), and then the problems found go into that event, so resealing cannot
launder them: `verify` mentions them for as long as the trail exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from candour.audit import checkpoints, legacy
from candour.audit.chain import (
    CHANGED,
    FIELDS,
    GENESIS,
    RESEALED,
    Problems,
    check_head,
    content,
    digest,
    events_in_order,
    linker,
    to_the_millisecond,
    unpack,
    walk,
)


class OldChainBroken(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"The audit trail, checked as it was sealed before (without the key), has "
            f"{len(problems)} problem(s): " + "; ".join(problems[:5])
        )


@dataclass
class ResealResult:
    events: int  # events rehashed; 0 when there was nothing to do
    problems: list[str]
    already_keyed: bool = False


def reseal(event_model=None, head_model=None, *, despite_problems: bool = False) -> ResealResult:
    """Reseal the trail under the key. The models are the migration's historical ones, or
    else the current ones."""
    if event_model is None:
        from candour.audit.models import AuditChainHead, AuditEvent

        event_model, head_model = AuditEvent, AuditChainHead
    with transaction.atomic():
        head = head_model.objects.select_for_update().filter(pk=1).first()
        first = event_model.objects.order_by("sequence").values_list(*FIELDS).first()
        if first is None:
            return ResealResult(0, [])
        if _keyed(first):
            return ResealResult(0, [], already_keyed=True)
        problems = Problems(limit=1000)
        walk(events_in_order(event_model.objects), _legacy_problem, problems)
        last = event_model.objects.order_by("-sequence").values_list("sequence", "hash").first()
        check_head(head_model, *last, problems)
        found = problems.lines()
        if found and not despite_problems:
            raise OldChainBroken(found)
        count, truncated, prev = _rehash(event_model)
        data = {
            "events": count,
            "previous_algorithm": "SHA-256 without a key",
            "algorithm": "HMAC-SHA256 with the audit key",
            "previous_head": {"sequence": last[0], "hash": last[1]},
            "times_cut_to_the_millisecond": truncated,
        }
        if found:
            data["problems_found"] = found
        _append(event_model, head_model, head, last[0] + 1, prev, data)
    return ResealResult(count, found)


def _keyed(row) -> bool:
    fields, label, prev_hash, stored = unpack(row)
    return stored == digest(prev_hash, actor_label=label, **fields)


def _legacy_problem(row) -> str | None:
    fields, _, prev_hash, stored = unpack(row)
    return None if legacy.digest(prev_hash, **fields) == stored else CHANGED


def _rehash(event_model) -> tuple[int, int, str]:
    sign = linker()
    table = connection.ops.quote_name(event_model._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    sql = f"UPDATE {table} SET at = %s, prev_hash = %s, hash = %s WHERE sequence = %s"
    prev, count, truncated, updates = GENESIS, 0, 0, []
    for row in events_in_order(event_model.objects):
        fields, label, _, _ = unpack(row)
        at = to_the_millisecond(fields["at"])
        truncated += at != fields["at"]
        new = sign(prev + content(actor_label=label, **dict(fields, at=at)))
        updates.append((adapt(at), prev, new, fields["sequence"]))
        prev = new
        count += 1
        if len(updates) >= 5000:
            _update(sql, updates)
    _update(sql, updates)
    return count, truncated, prev


def _update(sql: str, updates: list) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(sql, updates)
    updates.clear()


def _append(event_model, head_model, head, sequence: int, prev: str, data: dict) -> None:
    # As chain.record appends (it cannot be called here: a migration has its own models).
    at = to_the_millisecond(timezone.now())
    fields = {
        "sequence": sequence,
        "at": at,
        "actor_id": None,
        "actor_label": "system",
        "organisation_id": None,
        "case_id": None,
        "event": RESEALED,
        "data": data,
    }
    hash = digest(prev, **fields)
    event_model.objects.create(prev_hash=prev, hash=hash, **fields)
    if head is None:
        head_model.objects.create(pk=1, sequence=sequence, hash=hash)
    else:
        head_model.objects.filter(pk=1).update(sequence=sequence, hash=hash)
    checkpoints.after_commit()
