"""Checkpoints: the audit chain's head, signed with the audit key and appended to a file
outside the database (docs/adr/0014).

The chain is keyed, so nobody without the key can forge or rewrite events; but someone who
can write to the database could still delete its newest events (or all of them) and move
the head back to match. A checkpoint records where the chain had got to, somewhere they
cannot reach: `verify` requires every checkpointed event to be still there with the same
hash, and the chain to reach the newest checkpoint.

One checkpoint is written after every commit that appended events (`after_commit`, called
by `record()` and the bulk loaders), and on demand by `candour audit checkpoint`. Each is one
JSON line, written with a single append under an exclusive lock and flushed to disk, so
several server processes can write at once; their lines may arrive out of order, which does
not matter: what counts is every line's own content, and the highest sequence among them.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from candour.audit.keys import AuditKeys, keys
from candour.audit.models import AuditChainHead

logger = logging.getLogger("candour.audit")

HASH = re.compile(r"^[0-9a-f]{64}$")
FIELDS = {"at", "hash", "key", "sequence", "signature"}


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str
    at: str  # when it was written, ISO 8601 in UTC
    line: int = 0  # where it was read from, for messages

    def where(self) -> str:
        return f"the checkpoint of {self.at} (line {self.line})"


def path() -> Path:
    return Path(settings.CANDOUR_AUDIT_CHECKPOINT_FILE)


def signature(sequence: int, hash: str, at: str, key: bytes) -> str:
    return hmac.digest(key, f"{sequence}|{hash}|{at}".encode(), "sha256").hex()


def write(sequence: int, hash: str, *, to: Path | None = None) -> Checkpoint:
    """Append a signed checkpoint of the chain at `sequence` (whose event has `hash`)."""
    audit_keys = keys()
    at = timezone.now().astimezone(UTC).isoformat(timespec="milliseconds")
    line = json.dumps(
        {
            "at": at,
            "hash": hash,
            "key": audit_keys.id,
            "sequence": sequence,
            "signature": signature(sequence, hash, at, audit_keys.checkpoints),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    _append(to or path(), (line + "\n").encode())
    return Checkpoint(sequence, hash, at)


def write_head(*, to: Path | None = None) -> Checkpoint | None:
    """Checkpoint the head as committed now; nothing while the chain is empty."""
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
    if head is None or not head[0]:
        return None
    return write(*head, to=to)


def after_commit(using: str | None = None) -> None:
    """Checkpoint the head once the current transaction commits: once per transaction,
    however many events it appends. The head is read after the commit, so the checkpoint
    is always of a committed chain (never of events a rolled-back savepoint took away)."""
    connection = transaction.get_connection(using)
    if not any(func is _write_committed_head for _, func, _ in connection.run_on_commit):
        connection.on_commit(_write_committed_head, robust=True)


def _write_committed_head() -> None:
    try:
        write_head()
    except OSError as error:
        # The change is committed and must stand; the events stay anchored in the database
        # only until a checkpoint is written again.
        logger.error(
            "Could not write the audit checkpoint to %s (%s). The events since the last "
            "checkpoint are anchored only inside the database until `candour audit "
            "checkpoint` succeeds.",
            path(),
            error,
        )


def _append(to: Path, data: bytes) -> None:
    to.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(to, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        # O_APPEND puts each write at the end; the lock keeps a line whole where writers
        # could otherwise interleave (network file systems). The line is on disk before the
        # request that caused it returns (4 ms here; docs/adr/0014), but other writers need
        # not wait for that.
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        written = 0
        while written < len(data):
            written += os.write(descriptor, data[written:])
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read(source: Path, audit_keys: AuditKeys | None = None) -> Iterator[Checkpoint | str]:
    """Each checkpoint in the file, checked: a `Checkpoint`, or a sentence saying what is
    wrong with its line (cut short, not a checkpoint, signed with another key, forged)."""
    audit_keys = audit_keys or keys()
    with open(source, "rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            if not raw.endswith(b"\n"):
                yield f"checkpoint line {number}: cut short (the file ends inside it)"
                continue
            try:
                fields = json.loads(raw)
                checkpoint = _parse(fields, number)
            except (ValueError, TypeError):
                yield f"checkpoint line {number}: not a checkpoint"
                continue
            expected = signature(
                checkpoint.sequence, checkpoint.hash, checkpoint.at, audit_keys.checkpoints
            )
            if not hmac.compare_digest(expected, fields["signature"]):
                if fields["key"] != audit_keys.id:
                    yield (
                        f"checkpoint line {number}: signed with another key (key id "
                        f"{fields['key']}; this server's is {audit_keys.id})"
                    )
                else:
                    yield (
                        f"checkpoint line {number}: its signature does not match what it "
                        "says (forged or altered)"
                    )
                continue
            yield checkpoint


def _parse(fields, number: int) -> Checkpoint:
    if not isinstance(fields, dict) or set(fields) != FIELDS:
        raise ValueError("not a checkpoint's fields")
    sequence, hash, at = fields["sequence"], fields["hash"], fields["at"]
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise ValueError("sequence")
    if not (isinstance(hash, str) and HASH.match(hash)):
        raise ValueError("hash")
    if not all(isinstance(fields[k], str) for k in ("at", "key", "signature")):
        raise ValueError("text fields")
    return Checkpoint(sequence, hash, at, number)
