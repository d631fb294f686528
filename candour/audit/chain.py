"""Writing to and checking the hash-chained audit trail (docs/adr/0004, 0014).

`record()` is the only way in. It must run inside the caller's transaction so that the
change and its audit event commit or fail together.

Each event's hash is an HMAC-SHA256, under a key kept outside the database (`keys.py`), of
the hash before it and the event's canonical content: everything a timeline shows of it. The
chain's head is checkpointed, signed, to a file outside the database (`checkpoints.py`), and
`verify()` holds the chain against those checkpoints too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from json.encoder import c_make_encoder, encode_basestring
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from candour.audit import checkpoints, legacy
from candour.audit.keys import keys
from candour.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
RESEALED = "audit_trail_resealed"  # reseal.py


# Keys of an event's data naming a record about a person, across cases, that the event is
# about (candour/cases/person_records.py): the restriction of the persistent contact
# procedure, the high service user plan. An event has at most one.
SUBJECT_KEYS = ("restriction", "service_user_plan")


def subject_of(data: dict) -> str | None:
    """The value of an event's `subject` column, from its data: "restriction:12" where the
    data has restriction 12. The column is only ever this (record, migration audit 0005),
    so `verify` holds every row's column against its hashed data."""
    for key in SUBJECT_KEYS:
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{key}:{value}"
    return None


def _plain(value) -> str:
    # ISO 8601 for dates and times, as changes.apply writes before/after values, so that one
    # event does not say "2026-11-10T09:00:00+00:00" and the next "2026-11-10 09:00:00+00:00".
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _canonical(value) -> object:
    """Plain JSON values only, so the hash is the same before and after the database."""
    return json.loads(json.dumps(value, default=_plain, sort_keys=True))


def digest(
    prev_hash: str,
    *,
    sequence,
    at,
    actor_id,
    actor_label,
    organisation_id,
    case_id,
    event,
    data,
) -> str:
    return link(
        prev_hash,
        content(
            sequence=sequence,
            at=at,
            actor_id=actor_id,
            actor_label=actor_label,
            organisation_id=organisation_id,
            case_id=case_id,
            event=event,
            data=data,
        ),
    )


def link(prev_hash: str, content: str) -> str:
    """An event's hash: HMAC-SHA256, under the audit key, of the hash before it and the
    event's canonical content (docs/adr/0014)."""
    return linker()(prev_hash + content)


def linker() -> Callable[[str], str]:
    """`link` as one function of the joined text, for the current key: what a bulk loader
    calls millions of times. The key comes from outside the database (`keys.py`)."""
    return _hmac_sha256(keys().events)


@lru_cache(maxsize=8)
def _hmac_sha256(key: bytes) -> Callable[[str], str]:
    # HMAC (RFC 2104) with the key's inner and outer blocks hashed once, not on every call:
    # 1.0 µs an event instead of 2.3 µs for hmac.digest (plain SHA-256 took 0.4 µs).
    # Tested against the standard library's hmac.
    if len(key) > 64:  # longer than SHA-256's block: hashed first, as RFC 2104 says
        key = hashlib.sha256(key).digest()
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def hmac_sha256(text: str) -> str:
        first = inner.copy()
        first.update(text.encode())
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()

    return hmac_sha256


def to_the_millisecond(at: datetime) -> datetime:
    """An event's time as it is stored and hashed. Django's JSON serialisation (dumpdata)
    keeps milliseconds, so a time with finer digits would come back changed from a backup
    made that way, and its event would no longer verify."""
    extra = at.microsecond % 1000
    return at.replace(microsecond=at.microsecond - extra) if extra else at


def content(*, sequence, at, actor_id, actor_label, organisation_id, case_id, event, data) -> str:
    """An event's canonical content, the JSON its hash covers: keys sorted, no spaces. It
    holds every stored column a timeline shows, the actor's name among them; the previous
    hash is covered too, as the text the content is appended to (`link`)."""
    return json.dumps(
        {
            "sequence": sequence,
            "at": at.astimezone(UTC).isoformat(timespec="milliseconds"),
            "actor": actor_id,
            "actor_label": actor_label,
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


def content_parts(
    *, at, actor_id, actor_label: str, organisation_id, event, data_json: str
) -> tuple[str, str]:
    """`content` split around the two values a bulk loader learns last, the case id and the
    sequence, so that the writing process only joins strings and hashes:
    content = parts[0] + str(case_id) + parts[1] + str(sequence) + "}".
    `data_json` is `canonical_json(data)`; `at` is already `to_the_millisecond`. (Keys in
    sorted order: actor, actor_label, at, case, data, event, organisation, sequence.)"""
    return (
        f'{{"actor":{_json_scalar(actor_id)},"actor_label":{encode_basestring(actor_label)},'
        f'"at":{_at_json(at)},"case":',
        f',"data":{data_json},"event":{encode_basestring(event)},'
        f'"organisation":{_json_scalar(organisation_id)},"sequence":',
    )


@lru_cache(maxsize=4096)
def _at_json(at: datetime) -> str:
    """An event's time as `content` writes it, JSON-quoted. Cached: a loader gives several
    events the same moment, and the text depends only on the instant (equal datetimes are the
    same instant, whatever their zones), so a cached answer is always the right one."""
    # Microseconds cut to milliseconds by hand: 0.5 µs faster than timespec="milliseconds",
    # the same text (tested).
    text = at.astimezone(UTC).isoformat(timespec="microseconds")
    return f'"{text[:23]}{text[26:]}"'


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
    """Append one event. `before`/`after` hold the changed fields' old and new values.
    Once the transaction commits, the chain's head is checkpointed (`checkpoints.py`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the transaction it audits")
    at = to_the_millisecond(at or timezone.now())
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
        subject=subject_of(data),
        prev_hash=head.hash,
    )
    row.hash = digest(
        head.hash,
        sequence=sequence,
        at=at,
        actor_id=actor_id,
        actor_label=row.actor_label,
        organisation_id=organisation_id,
        case_id=row.case_id,
        event=event,
        data=data,
    )
    row.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(sequence=sequence, hash=row.hash)
    checkpoints.after_commit()
    return row


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


# --- checking the chain -----------------------------------------------------------------------

CHANGED = "content changed after it was written"
UNKEYED = (
    "hashed the old way, without the audit key (plain SHA-256), which anyone with the "
    "database can do: written or rewritten outside Candour"
)
UNLINKED = "does not follow the event before it"
FINER_TIME = "its time has digits below the millisecond, which Candour never writes"
SUBJECT_CHANGED = (
    "its subject column does not say what its data says (changed after it was written): the "
    "history of the record it is about reads from that column"
)


@dataclass
class VerifyResult:
    checked: int
    problems: list[str]
    notes: list[str] = field(default_factory=list)
    checkpoints: int = 0  # valid checkpoints read
    newest_checkpoint: checkpoints.Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


class Problems:
    """Problems in the order found; the same problem at consecutive events is one line
    ("events 12 to 40: ..."), so that a chain rewritten from one event on reads as one
    problem where it starts, not fifty."""

    def __init__(self, limit: int):
        self.limit = limit
        self.runs: list[list] = []  # [first sequence, last sequence, text]; None: no event

    @property
    def full(self) -> bool:
        return len(self.runs) >= self.limit

    def at(self, sequence: int, text: str) -> None:
        last = self.runs[-1] if self.runs else None
        if last and last[2] == text and last[1] is not None and last[1] == sequence - 1:
            last[1] = sequence
        elif not self.full:
            self.runs.append([sequence, sequence, text])

    def add(self, text: str) -> None:
        if not self.full:
            self.runs.append([None, None, text])

    def lines(self) -> list[str]:
        def where(first, last):
            return f"event {first}: " if first == last else f"events {first} to {last}: "

        return [
            text if first is None else where(first, last) + text for first, last, text in self.runs
        ]


FIELDS = (
    "sequence",
    "at",
    "actor_id",
    "actor_label",
    "organisation_id",
    "case_id",
    "event",
    "data",
    "prev_hash",
    "hash",
)


# What `verify` reads of each event: FIELDS with the subject column before the two hashes
# (`walk` reads those last).
VERIFIED = (*FIELDS[:-2], "subject", *FIELDS[-2:])


def unpack(row: tuple) -> tuple[dict, str, str, str]:
    """A row of `FIELDS` as (the fields `legacy.digest` hashes, the actor's name, the
    previous hash, the stored hash)."""
    sequence, at, actor_id, label, org_id, case_id, event, data, prev_hash, stored = row
    fields = {
        "sequence": sequence,
        "at": at,
        "actor_id": actor_id,
        "organisation_id": org_id,
        "case_id": case_id,
        "event": event,
        "data": data,
    }
    return fields, label, prev_hash, stored


def events_in_order(queryset, batch_size: int = 5000, fields=FIELDS):
    """Every event's `fields`, in sequence order, read a batch at a time."""
    last_seen = 0
    while True:
        batch = list(
            queryset.filter(sequence__gt=last_seen)
            .order_by("sequence")
            .values_list(*fields)[:batch_size]
        )
        if not batch:
            return
        yield from batch
        last_seen = batch[-1][0]


def verify(
    batch_size: int = 5000, max_problems: int = 50, checkpoint_file: Path | None = None
) -> VerifyResult:
    """Walk the chain from the first event, then hold it against the checkpoints, and report
    every break: which event, and what happened to it."""
    problems = Problems(max_problems)
    notes: list[str] = []
    sign = linker()

    def seal_problem(row) -> str | None:
        subject, row = row[-3], row[:-3] + row[-2:]
        fields, label, prev_hash, stored = unpack(row)
        if sign(prev_hash + content(actor_label=label, **fields)) != stored:
            return UNKEYED if legacy.digest(prev_hash, **fields) == stored else CHANGED
        if fields["at"].microsecond % 1000:
            return FINER_TIME
        if subject != subject_of(fields["data"]):
            return SUBJECT_CHANGED
        found = fields["data"].get("problems_found") if fields["event"] == RESEALED else None
        if found:
            notes.append(
                f"event {fields['sequence']} records that the trail was resealed on "
                f"{fields['at']:%d %b %Y} despite {len(found)} problem(s) found in it then; "
                "they are listed in that event"
            )
        return None

    checked, last_seen, last_hash = walk(
        events_in_order(AuditEvent.objects, batch_size, VERIFIED), seal_problem, problems
    )
    if problems.runs == [[1, last_seen, CHANGED]] and last_seen > 1:
        problems.runs[0][2] += (
            f" (every event: was the trail sealed with another key? This server's key id is "
            f"{keys().id}, and `candour audit verify` names the key of each checkpoint "
            "signed with another)"
        )
    check_head(AuditChainHead, last_seen, last_hash, problems)
    result = VerifyResult(checked=checked, problems=[], notes=notes)
    _check_checkpoints(Path(checkpoint_file or checkpoints.path()), last_seen, problems, result)
    result.problems = problems.lines()
    return result


def walk(rows, seal_problem: Callable[[tuple], str | None], problems: Problems):
    """Follow `rows` (`events_in_order`) from the first event: no sequence missing, each
    event linked to the one before, each sealed as `seal_problem` judges. Returns how many
    were checked, the last sequence and its hash."""
    prev = GENESIS
    expected = checked = last_seen = 0
    for row in rows:
        sequence, prev_hash, stored = row[0], row[-2], row[-1]
        expected += 1
        checked += 1
        if sequence != expected:
            problems.add(
                f"event {expected}"
                + (f" to {sequence - 1}" if sequence - 1 > expected else "")
                + " missing (deleted?)"
            )
            expected = sequence
        if prev_hash != prev:
            problems.at(sequence, UNLINKED)
        text = seal_problem(row)
        if text:
            problems.at(sequence, text)
        prev = stored
        last_seen = sequence
        if problems.full:
            break
    return checked, last_seen, prev


def check_head(head_model, last_seen: int, last_hash: str, problems: Problems) -> None:
    head = head_model.objects.filter(pk=1).first()
    if head is None and last_seen:
        # Without the head, deleting the newest events would leave no trace in the database.
        problems.add(
            f"the chain ends at event {last_seen} but its head is missing: it was deleted, "
            "so events at the end may have been deleted too"
        )
    if head is not None:
        if head.sequence != last_seen or (last_seen and head.hash != last_hash):
            problems.add(
                f"the chain ends at event {last_seen} but its head records event "
                f"{head.sequence}: events at the end were deleted or the head was changed"
            )


# Checkpoints looked up in one query: under SQLite's oldest limit of 999 parameters.
CHECKPOINTS_A_QUERY = 900


def _check_checkpoints(
    source: Path, last_seen: int, problems: Problems, result: VerifyResult
) -> None:
    """Every checkpoint signed with the key; every checkpointed event still there with the
    hash it had; the chain reaching the newest checkpoint."""
    if not source.exists():
        if last_seen:
            result.notes.append(
                f"There is no checkpoint file at {source}: the trail is anchored only inside "
                "the database, so deleting its newest events, or all of them, would not be "
                "caught. `candour audit checkpoint` writes one."
            )
        return
    held = _HeldAgainstTheChain()
    pending: list[checkpoints.Checkpoint] = []
    for item in checkpoints.read(source):
        if isinstance(item, str):
            problems.add(item)
            continue
        result.checkpoints += 1
        pending.append(item)
        if len(pending) >= CHECKPOINTS_A_QUERY:
            held.compare(pending)
    held.compare(pending)
    newest = result.newest_checkpoint = held.newest
    if held.first_differing:
        problems.add(held.rewritten())
    if newest is None:
        if last_seen:
            result.notes.append(
                f"The checkpoint file {source} holds no checkpoint: the trail is anchored only "
                "inside the database."
            )
    elif newest.sequence > last_seen:
        problems.add(
            f"the trail is empty but {newest.where()} records event {newest.sequence}: "
            f"events 1 to {newest.sequence} were deleted"
            if not last_seen
            else f"the chain ends at event {last_seen} but {newest.where()} records event "
            f"{newest.sequence}: events {last_seen + 1} to {newest.sequence} were deleted"
        )
    elif newest.sequence < last_seen:
        result.notes.append(
            f"events {newest.sequence + 1} to {last_seen} are newer than the newest checkpoint "
            f"({newest.at}): until the next one they are anchored only inside the database"
        )


class _HeldAgainstTheChain:
    """Checkpoints compared with the events they name, a batch at a time (a busy server
    writes hundreds of thousands a year). Only someone with the key can rewrite the chain so
    that it still verifies, and then every checkpointed event from the first rewritten one on
    differs: the first that differs, and the last checkpointed event still as it was before
    it, say where the rewrite began."""

    def __init__(self):
        self.newest: checkpoints.Checkpoint | None = None
        self.first_differing: checkpoints.Checkpoint | None = None
        self.differing = 0
        self.last_matching = 0

    def compare(self, pending: list[checkpoints.Checkpoint]) -> None:
        stored = dict(
            AuditEvent.objects.filter(sequence__in={c.sequence for c in pending}).values_list(
                "sequence", "hash"
            )
        )
        for checkpoint in pending:
            if self.newest is None or checkpoint.sequence > self.newest.sequence:
                self.newest = checkpoint
            found = stored.get(checkpoint.sequence)
            if found is None:
                continue  # deleted: the walk names it, or the newest checkpoint does
            if found == checkpoint.hash:
                self.last_matching = max(self.last_matching, checkpoint.sequence)
                continue
            self.differing += 1
            first = self.first_differing
            if first is None or checkpoint.sequence < first.sequence:
                self.first_differing = checkpoint
        pending.clear()

    def rewritten(self) -> str:
        first = self.first_differing
        text = f"event {first.sequence}: its hash is not the one {first.where()} recorded"
        if self.differing > 1:
            text += f", and {self.differing - 1} later checkpoint(s) do not match either"
        if self.last_matching >= first.sequence:
            return text + ": the trail was rewritten at this event or before it"
        since = self.last_matching + 1
        if since == first.sequence:
            return text + ": the trail was rewritten from this event on"
        return text + f": the trail was rewritten from an event between {since} and this one on"
