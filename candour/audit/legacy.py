"""The audit chain as Candour sealed it before docs/adr/0014: plain SHA-256 of the previous
hash and the event's content, without a key, without the actor's name, times to the
microsecond. Kept to check an old chain before it is resealed (`reseal.py`), and so that
`verify` can say that an event was hashed this way (anyone with the database can do it)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC


def digest(prev_hash: str, *, sequence, at, actor_id, organisation_id, case_id, event, data) -> str:
    content = json.dumps(
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
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()
