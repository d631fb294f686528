"""Case references never repeat, even when several people record cases for the same
organisation at the same moment (intake.next_reference). Real threads, real commits: the
test database is a file on SQLite (IMMEDIATE transactions) or a PostgreSQL database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from candour.audit.chain import verify
from candour.audit.models import AuditEvent
from candour.cases.models import Case, CaseSequence

from ..conftest import make_case

THREADS = 8
EACH = 3


def record_at_once(org, by, threads: int = THREADS, each: int = EACH) -> tuple[list, list]:
    start = threading.Barrier(threads)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work():
        try:
            start.wait(timeout=30)
            for _ in range(each):
                case = make_case(org, by)
                with lock:
                    references.append(case.reference)
        except BaseException as error:  # reported below, with the thread's traceback lost
            with lock:
                errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a recording thread hung"
    return references, errors


@pytest.mark.django_db(transaction=True)
def test_references_are_unique_when_cases_are_recorded_at_the_same_time(org_a, alice, frozen):
    references, errors = record_at_once(org_a, alice)

    assert errors == []
    expected = {f"WAL-2026-{n:05d}" for n in range(1, THREADS * EACH + 1)}
    assert sorted(references) == sorted(expected)
    assert set(Case.objects.values_list("reference", flat=True)) == expected
    assert CaseSequence.objects.get(organisation=org_a, year=2026).last_number == THREADS * EACH
    # Every case has its recording event, and the chain is still one unbroken line.
    assert AuditEvent.objects.filter(event="case_recorded").count() == THREADS * EACH
    result = verify()
    assert result.ok, result.problems


@pytest.mark.django_db(transaction=True)
def test_the_sequence_continues_after_cases_already_recorded(org_a, alice, frozen):
    first = make_case(org_a, alice)
    assert first.reference == "WAL-2026-00001"
    references, errors = record_at_once(org_a, alice, threads=4, each=2)

    assert errors == []
    assert sorted(references) == [f"WAL-2026-{n:05d}" for n in range(2, 10)]


def test_each_organisation_and_year_has_its_own_sequence(org_a, alice, org_b, bob, frozen):
    from datetime import date

    from ..conftest import at

    assert make_case(org_a, alice).reference == "WAL-2026-00001"
    assert make_case(org_b, bob).reference == "MMG-2026-00001"
    assert make_case(org_a, alice).reference == "WAL-2026-00002"
    # The year is the year of receipt in London, not of recording.
    late = make_case(org_a, alice, received_at=at(date(2025, 12, 31), 23, 30))
    assert late.reference == "WAL-2025-00001"
