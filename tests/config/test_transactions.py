"""A write the database ends for a lock conflict is tried again, never shown as an error
(candour.config.transactions, docs/adr/0016)."""

from __future__ import annotations

import threading
from collections import Counter

import psycopg.errors
import pytest
from django.db import OperationalError, connection, transaction

from candour.audit.chain import record, verify
from candour.audit.models import AuditEvent
from candour.cases.workflow import lock
from candour.config.transactions import ATTEMPTS, atomic

from ..conftest import make_case


def failing(times: int, cause: Exception):
    """A write function that the database ends `times` times with `cause`, then succeeds."""
    calls = Counter()

    @atomic
    def write() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError(str(cause)) from cause
        return "written"

    return write, calls


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_or_serialisation_failure_is_tried_again_until_it_succeeds():
    write, calls = failing(2, psycopg.errors.DeadlockDetected("deadlock detected"))
    assert write() == "written"
    assert calls["n"] == 3

    write, calls = failing(1, psycopg.errors.SerializationFailure("could not serialize"))
    assert write() == "written"
    assert calls["n"] == 2


@pytest.mark.django_db(transaction=True)
def test_it_gives_up_after_the_last_attempt_with_the_databases_error():
    write, calls = failing(ATTEMPTS, psycopg.errors.DeadlockDetected("deadlock detected"))
    with pytest.raises(OperationalError, match="deadlock detected"):
        write()
    assert calls["n"] == ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_tried_again():
    write, calls = failing(1, psycopg.errors.DiskFull("could not extend file"))
    with pytest.raises(OperationalError, match="could not extend file"):
        write()
    assert calls["n"] == 1


@pytest.mark.django_db
def test_inside_another_transaction_the_failure_goes_up_to_the_outermost():
    """An inner savepoint cannot outlive the failed transaction, so only the outermost
    write function may run again."""
    write, calls = failing(1, psycopg.errors.DeadlockDetected("deadlock detected"))
    with pytest.raises(OperationalError), transaction.atomic():
        write()
    assert calls["n"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_people_locking_two_cases_in_opposite_orders_both_succeed(org_a, alice, frozen):
    """A real deadlock on PostgreSQL: each holds one case and waits for the other's. The
    database ends one transaction; it runs again and both writes land, once each. On SQLite
    the second writer waits for the first's database lock, so each runs once."""
    first, second = make_case(org_a, alice), make_case(org_a, alice)
    calls: Counter = Counter()
    both_hold_one = threading.Barrier(2)
    errors: list[BaseException] = []

    @atomic
    def take_both(name: str, one, other) -> None:
        calls[name] += 1
        lock(one)
        if connection.vendor == "postgresql" and calls[name] == 1:
            both_hold_one.wait(timeout=30)
        lock(other)
        record("note_added", actor=alice, case=one, note=f"{name} held both cases")

    def person(name: str, one, other) -> None:
        try:
            take_both(name, one, other)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=person, args=("ann", first, second)),
        threading.Thread(target=person, args=("ben", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    expected_calls = 3 if connection.vendor == "postgresql" else 2
    assert sum(calls.values()) == expected_calls
    notes = AuditEvent.objects.filter(event="note_added").values_list("data__note", flat=True)
    assert sorted(notes) == ["ann held both cases", "ben held both cases"]
    assert verify().ok
