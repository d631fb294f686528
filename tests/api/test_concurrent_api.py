"""Every write path at once through the API: people in two organisations walk cases from
receipt to the next stage and final responses through their sign-off chains at the same
time, each in their own thread with their own database connection (docs/adr/0016). Nothing
fails, nothing is written twice, and the audit chain is one unbroken line."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from django.db import connection

from candour.audit.chain import verify
from candour.audit.models import AuditEvent
from candour.cases.handling import acknowledge_case
from candour.cases.investigation import record_finding
from candour.letters.models import Letter

from ..conftest import make_case
from . import test_actions, test_letters
from .conftest import Api, events

pytestmark = pytest.mark.django_db(transaction=True)

LIFECYCLES = 3
LETTERS = 3


def test_lifecycles_and_sign_off_chains_at_once(
    org_a, alice, ivan, org_b, bob, frozen, partner, director
):
    gp_cases = []
    for _ in range(LETTERS):
        case = acknowledge_case(make_case(org_b, bob), by=bob, method="letter")
        record_finding(case, by=bob, issue_number=1, finding="upheld", summary="No call made.")
        gp_cases.append(case)
    # The clock is frozen for the whole process: the walks do not move it (a case paused and
    # resumed at the same moment is still a pause and a resumption).
    still = SimpleNamespace(shift=lambda _delta: None)

    def lifecycle() -> None:
        test_actions.test_a_verbal_complaint_for_a_relative_goes_from_receipt_to_the_next_stage(
            Api(alice), Api(ivan), ivan, still, director
        )

    def letter(case) -> None:
        test_letters.test_a_final_response_through_the_api(case, partner, bob, alice)

    jobs = [lifecycle] * LIFECYCLES + [lambda case=case: letter(case) for case in gp_cases]
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            start.wait(timeout=30)
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not any(thread.is_alive() for thread in threads), "a walk hung"
    assert errors == []
    # Each lifecycle walk asserted its own case's events, in order. The letters' cases each
    # have the same events as one another, each once: none lost, none doubled.
    # Each lifecycle's case answered by its own signed final response too (R26).
    assert Letter.objects.filter(status="dispatched").count() == LETTERS + LIFECYCLES
    assert Letter.objects.filter(status="dispatched", case__in=gp_cases).count() == LETTERS
    letter_events = [events(case) for case in gp_cases]
    assert "letter_dispatched" in letter_events[0]
    assert letter_events == [letter_events[0]] * LETTERS
    lifecycle_cases = org_a.cases.all()
    assert lifecycle_cases.count() == LIFECYCLES
    assert AuditEvent.objects.filter(case__in=lifecycle_cases).count() == LIFECYCLES * len(
        events(lifecycle_cases[0])
    )
    result = verify()
    assert result.ok, result.problems
