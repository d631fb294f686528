"""Writing to and checking the hash-chained audit trail.

`record()` is the only way in. It must run inside the caller's transaction so that the
change and its audit event commit or fail together.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from json.encoder import c_make_encoder, encode_basestring

from django.db import transaction
from django.utils import timezone

from candour.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _plain(value) -> str:
    # ISO 8601 for dates and times, as changes.apply writes before/after values, so that one
    # event does not say "2026-11-10T09:00:00+00:00" and the next "2026-11-10 09:00:00+00:00".
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _canonical(value) -> object:
    """Plain JSON values only, so the hash is the same before and after the database."""
    return json.loads(json.dumps(value, default=_plain, sort_keys=True))


def digest(prev_hash: str, *, sequence, at, actor_id, organisation_id, case_id, event, data) -> str:
    return link(
        prev_hash,
        content(
            sequence=sequence,
            at=at,
            actor_id=actor_id,
            organisation_id=organisation_id,
            case_id=case_id,
            event=event,
            data=data,
        ),
    )


def link(prev_hash: str, content: str) -> str:
    """An event's hash: SHA-256 of the hash before it and the event's canonical content."""
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def content(*, sequence, at, actor_id, organisation_id, case_id, event, data) -> str:
    """An event's canonical content, the JSON its hash covers: keys sorted, no spaces."""
    return json.dumps(
        {
            "sequence": sequence,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "organisation": organisation_id,
            "case": case_id,
            "event": event,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def canonical_json(data) -> str:
    """`data` as `content` writes it inside an event: keys sorted, no spaces. The same text
    as `json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
    (tested), from one encoder made once instead of one per call: a bulk load encodes
    millions of events."""
    return "".join(_canonical_encode(data, 0))


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
if c_make_encoder is not None:
    # What `_CANONICAL.encode` builds on every call; no circular-reference check (audit data
    # are plain trees of dicts, lists and scalars; a cycle would still fail, as a RecursionError).
    _canonical_encode = c_make_encoder(
        None,
        _CANONICAL.default,
        encode_basestring,
        None,
        _CANONICAL.key_separator,
        _CANONICAL.item_separator,
        True,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan
    )
else:  # pragma: no cover - CPython always has the C encoder

    def _canonical_encode(data, _level):
        return _CANONICAL.iterencode(data)


def content_parts(*, at, actor_id, organisation_id, event, data_json: str) -> tuple[str, str]:
    """`content` split around the two values a bulk loader learns last, the case id and the
    sequence, so that the writing process only joins strings and hashes:
    content = parts[0] + str(case_id) + parts[1] + str(sequence) + "}".
    `data_json` is `canonical_json(data)`. (Keys in sorted order: actor, at, case, data,
    event, organisation, sequence.)"""
    return (
        f'{{"actor":{_json_scalar(actor_id)},"at":{_at_json(at)},"case":',
        f',"data":{data_json},"event":{encode_basestring(event)},'
        f'"organisation":{_json_scalar(organisation_id)},"sequence":',
    )


@lru_cache(maxsize=4096)
def _at_json(at: datetime) -> str:
    """An event's time as `content` writes it, JSON-quoted. Cached: a loader gives several
    events the same moment, and the text depends only on the instant (equal datetimes are the
    same instant, whatever their zones), so a cached answer is always the right one."""
    return encode_basestring(at.astimezone(UTC).isoformat(timespec="microseconds"))


def _json_scalar(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def record(
    event: str,
    *,
    actor=None,
    case=None,
    organisation_id: int | None = None,
    at: datetime | None = None,
    before: dict | None = None,
    after: dict | None = None,
    **details,
) -> AuditEvent:
    """Append one event. `before`/`after` hold the changed fields' old and new values."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the transaction it audits")
    at = at or timezone.now()
    data = dict(details)
    if before is not None:
        data["before"] = before
    if after is not None:
        data["after"] = after
    data = _canonical(data)
    if case is not None and organisation_id is None:
        organisation_id = case.organisation_id
    head = _locked_head()
    sequence = head.sequence + 1
    actor_id = actor.pk if actor is not None else None
    row = AuditEvent(
        sequence=sequence,
        at=at,
        actor_id=actor_id,
        actor_label=(actor.get_username() if actor is not None else "system")[:150],
        organisation_id=organisation_id,
        case_id=case.pk if case is not None else None,
        event=event,
        data=data,
        prev_hash=head.hash,
    )
    row.hash = digest(
        head.hash,
        sequence=sequence,
        at=at,
        actor_id=actor_id,
        organisation_id=organisation_id,
        case_id=row.case_id,
        event=event,
        data=data,
    )
    row.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(sequence=sequence, hash=row.hash)
    return row


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@dataclass
class VerifyResult:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(batch_size: int = 5000, max_problems: int = 50) -> VerifyResult:
    """Walk the chain from the first event and report every break."""
    problems: list[str] = []
    prev = GENESIS
    expected = 0
    checked = 0
    fields = (
        "sequence",
        "at",
        "actor_id",
        "organisation_id",
        "case_id",
        "event",
        "data",
        "prev_hash",
        "hash",
    )
    last_seen = 0
    while len(problems) < max_problems:
        batch = list(
            AuditEvent.objects.filter(sequence__gt=last_seen)
            .order_by("sequence")
            .values_list(*fields)[:batch_size]
        )
        if not batch:
            break
        for sequence, at, actor_id, org_id, case_id, event, data, prev_hash, stored in batch:
            expected += 1
            checked += 1
            if sequence != expected:
                problems.append(
                    f"event {expected}"
                    + (f" to {sequence - 1}" if sequence - 1 > expected else "")
                    + " missing (deleted?)"
                )
                expected = sequence
            if prev_hash != prev:
                problems.append(f"event {sequence}: does not follow the event before it")
            computed = digest(
                prev_hash,
                sequence=sequence,
                at=at,
                actor_id=actor_id,
                organisation_id=org_id,
                case_id=case_id,
                event=event,
                data=data,
            )
            if computed != stored:
                problems.append(f"event {sequence}: content changed after it was written")
            prev = stored
            last_seen = sequence
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and last_seen and len(problems) < max_problems:
        # Without the head, deleting the newest events would leave no trace.
        problems.append(
            f"the chain ends at event {last_seen} but its head is missing: it was deleted, "
            "so events at the end may have been deleted too"
        )
    if head is not None and len(problems) < max_problems:
        if head.sequence != last_seen or (last_seen and head.hash != prev):
            problems.append(
                f"the chain ends at event {last_seen} but its head records event "
                f"{head.sequence}: events at the end were deleted or the head was changed"
            )
    return VerifyResult(checked=checked, problems=problems[:max_problems])
