"""Write transactions that try again when the database ends them for a lock conflict.

Candour's write paths take their locks in one order (docs/adr/0016), so PostgreSQL should not
find a deadlock among them; but a lock order is a convention, and PostgreSQL may still end a
transaction with a deadlock (SQLSTATE 40P01) or a serialisation failure (40001) — a path
added later, an administrator's edit in the admin, a bulk job. Such a transaction wrote
nothing: running it again is safe and almost always succeeds, so a member of staff never sees
a server error for it.

`atomic` is `transaction.atomic` for a domain write function. Only the outermost transaction
can be tried again (an inner one's savepoint cannot outlive the failed transaction), so inside
another transaction it is a plain savepoint and the failure goes up to the outermost.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)

# PostgreSQL's deadlock_detected and serialization_failure.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 5

P = ParamSpec("P")
R = TypeVar("R")


def retryable(error: BaseException) -> bool:
    """Whether the database ended the transaction for a lock conflict that a second try can
    get past (Django's OperationalError wraps the driver's error as its cause)."""
    cause = error.__cause__ or error
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` in a transaction; as the outermost one, up to ATTEMPTS times while the
    database ends it with a deadlock or a serialisation failure, after a short random pause
    (so that the transactions that met do not meet again)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as error:
                if attempt == ATTEMPTS or not retryable(error):
                    raise
                logger.warning(
                    "%s: %s; trying again (attempt %d of %d)",
                    func.__qualname__,
                    str(error.__cause__ or error).splitlines()[0],
                    attempt + 1,
                    ATTEMPTS,
                )
                time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper
