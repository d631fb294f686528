"""Rate limits per client address for the public pages, counted in Django's cache (the
database cache in settings, so every gunicorn worker shares the counts).

Fixed windows: simple, and a person who is limited is told exactly when the window ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    seconds: int


def submissions() -> Limit:
    return Limit("submit", settings.CANDOUR_PUBLIC_SUBMISSIONS_PER_HOUR, 3600)


def status_checks() -> Limit:
    return Limit("status", settings.CANDOUR_PUBLIC_STATUS_CHECKS_PER_HOUR, 3600)


def client_address(request) -> str:
    """The address to count against. Behind a reverse proxy every request comes from the
    proxy, so CANDOUR_CLIENT_ADDRESS_HEADER names the header it sets (X-Real-IP)."""
    header = settings.CANDOUR_CLIENT_ADDRESS_HEADER
    if header:
        value = request.META.get(header, "").split(",")[0].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(limit: Limit, address: str, now: float) -> str:
    return f"candour:rate:{limit.scope}:{address}:{int(now) // limit.seconds}"


def retry_after(limit: Limit, address: str) -> int | None:
    """Seconds until this address may try again, or None if it is under the limit."""
    now = time.time()
    used = cache.get(_key(limit, address, now), 0)
    if used < limit.count:
        return None
    return limit.seconds - int(now) % limit.seconds


def count(limit: Limit, address: str) -> None:
    now = time.time()
    key = _key(limit, address, now)
    if not cache.add(key, 1, timeout=limit.seconds + 60):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=limit.seconds + 60)
