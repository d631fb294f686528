"""The audit trail's key: a secret kept outside the database (docs/adr/0014).

Every event's hash is an HMAC-SHA256 under a key derived from it, and every checkpoint of the
chain's head is signed under another, so someone who can write to the database but does not
hold the key cannot forge an event, rewrite the chain or sign a checkpoint.

The key comes from `CANDOUR_AUDIT_KEY` (the text itself) or else from the file named by
`CANDOUR_AUDIT_KEY_FILE`. In development (DEBUG) that file defaults to `audit.key` in the data
directory and is created, readable by its owner only, on first use; in production it must be
configured and is never created behind anyone's back (`candour audit createkey` makes one).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MINIMUM_LENGTH = 32  # characters of key text; `createkey` writes 64 hex digits (256 bits)


class AuditKeyMissing(ImproperlyConfigured):
    pass


@dataclass(frozen=True)
class AuditKeys:
    """Keys derived from the one secret, one per use, so that a checkpoint's signature can
    never stand in for an event's hash or the other way round."""

    events: bytes
    checkpoints: bytes
    id: str  # names the key without revealing it: printed by verify, written in checkpoints


def keys() -> AuditKeys:
    return _keys(settings.CANDOUR_AUDIT_KEY, settings.CANDOUR_AUDIT_KEY_FILE, settings.DEBUG)


@lru_cache(maxsize=8)
def _keys(key_text: str, key_file: str, debug: bool) -> AuditKeys:
    secret = _secret(key_text, key_file, debug).encode()

    def derive(purpose: bytes) -> bytes:
        return hmac.digest(secret, purpose, hashlib.sha256)

    return AuditKeys(
        events=derive(b"candour audit events"),
        checkpoints=derive(b"candour audit checkpoints"),
        id=derive(b"candour audit key id").hex()[:16],
    )


def _secret(key_text: str, key_file: str, debug: bool) -> str:
    if key_text:
        return _checked(key_text.strip(), "CANDOUR_AUDIT_KEY")
    if not key_file:
        raise AuditKeyMissing(
            "The audit trail's key is not configured: set CANDOUR_AUDIT_KEY_FILE to a file "
            "outside the data directory and its backups (create one with `candour audit "
            "createkey --path FILE`), or CANDOUR_AUDIT_KEY. docs/adr/0014"
        )
    path = Path(key_file)
    if not path.exists():
        if not debug:
            raise AuditKeyMissing(
                f"The audit trail's key file {path} does not exist. Restore it from its backup "
                "(every event is sealed with it), or for a new installation create it with "
                f"`candour audit createkey --path {path}`."
            )
        create_key_file(path, exist_ok=True)
    return _checked(path.read_text().strip(), f"the key file {path}")


def _checked(text: str, where: str) -> str:
    if len(text) < MINIMUM_LENGTH:
        raise AuditKeyMissing(
            f"The audit trail's key in {where} is {len(text)} characters long; it needs at "
            f"least {MINIMUM_LENGTH} (`candour audit createkey` writes 64 random hex digits)."
        )
    return text


def create_key_file(path: Path, *, exist_ok: bool = False) -> bool:
    """Write a new random key to `path`, readable and writable by its owner only. Never
    replaces a key: written beside it and then linked into place, so that two processes
    starting at once end up with the same key. Returns whether this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            if not exist_ok:
                raise
            return False
        return True
    finally:
        draft.unlink()
