"""Many people writing at once: no deadlock, no lost or doubled write, one unbroken audit
chain (docs/adr/0016). Real threads, each with its own database connection, real commits.

On PostgreSQL every write path takes its locks in one order: the case row (FOR NO KEY
UPDATE, never its organisation), the case's own rows, a reference number, the audit chain's
head last. On SQLite an IMMEDIATE transaction takes the whole database's write lock first, so
writers queue instead.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from candour.audit.chain import record, verify
from candour.audit.models import AuditEvent
from candour.cases import handling, investigation
from candour.cases.models import Case
from candour.cases.workflow import lock

from ..conftest import make_case

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(threads: int, work) -> list[BaseException]:
    """`work(n)` in `threads` threads started together; the errors they raised."""
    start = threading.Barrier(threads)
    errors: list[BaseException] = []
    guard = threading.Lock()

    def run(n: int) -> None:
        try:
            start.wait(timeout=30)
            work(n)
        except BaseException as error:
            with guard:
                errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    assert not any(worker.is_alive() for worker in workers), "a writing thread hung"
    return errors


def test_a_team_recording_post_at_once_loses_nothing_and_never_deadlocks(org_a, alice, frozen):
    """Eight people each record three cases as the post arrives: record, acknowledge, add an
    issue, assign a handler (the intake mix that deadlocked on PostgreSQL when a case lock
    also locked its organisation row)."""
    references: list[str] = []
    guard = threading.Lock()

    def intake(_n: int) -> None:
        for _ in range(3):
            case = make_case(org_a, alice)
            handling.acknowledge_case(case, by=alice, method="letter")
            investigation.add_issue(case, by=alice, description="The call was not returned.")
            handling.assign_handler(case, by=alice, handler=alice)
            with guard:
                references.append(case.reference)

    errors = run_at_once(8, intake)

    assert errors == []
    assert len(references) == len(set(references)) == 24
    cases = Case.objects.filter(reference__in=references)
    assert cases.count() == 24
    assert set(cases.values_list("handler__username", flat=True)) == {"alice"}
    assert all(c.acknowledged_at is not None for c in cases)
    assert all(c.issues.count() == 2 for c in cases)
    events = Counter(AuditEvent.objects.values_list("event", flat=True))
    for event in ("case_recorded", "case_acknowledged", "issue_added", "handler_assigned"):
        assert events[event] == 24, event
    result = verify()
    assert result.ok, result.problems


def test_people_working_the_same_cases_at_once_each_see_their_change_made_once(
    org_a, alice, frozen
):
    """Six people add issues to the same three cases at once: every issue is numbered once
    and written once, each with its audit event."""
    cases = [make_case(org_a, alice) for _ in range(3)]

    def add_issues(n: int) -> None:
        for case in cases:
            investigation.add_issue(case, by=alice, description=f"Issue from person {n}")

    errors = run_at_once(6, add_issues)

    assert errors == []
    for case in cases:
        numbers = sorted(case.issues.values_list("number", flat=True))
        assert numbers == list(range(1, 8))  # the one it was recorded with, and six more
    assert AuditEvent.objects.filter(event="issue_added").count() == 18
    assert verify().ok


def test_a_case_lock_leaves_its_organisation_free_for_new_cases_and_events(org_a, alice, frozen):
    """While one person holds a case (inside their transaction), another records a new case
    in the same organisation and an event on the held case. On PostgreSQL neither waits: the
    case lock is FOR NO KEY UPDATE on the case row alone, so the new rows' foreign key checks
    (FOR KEY SHARE on the organisation and the case) pass at once. On SQLite the second
    writer waits for the first transaction's database lock, then succeeds."""
    held = make_case(org_a, alice)
    holding, release = threading.Event(), threading.Event()
    finished = {}

    def holder() -> None:
        with transaction.atomic():
            lock(held)
            holding.set()
            release.wait(timeout=60)

    def writer() -> None:
        holding.wait(timeout=30)
        with transaction.atomic():
            new = make_case(org_a, alice)
            record("note_added", actor=alice, case=held, note="written while the case was held")
        finished["reference"] = new.reference
        finished["while_held"] = not release.is_set()

    threads = [threading.Thread(target=holder), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    writer_thread = threads[1]
    writer_thread.join(timeout=5)
    if connection.vendor == "postgresql":
        assert not writer_thread.is_alive(), "the second writer waited for the case lock"
        assert finished["while_held"] is True
    else:
        assert writer_thread.is_alive(), "SQLite let two writers in at once"
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert Case.objects.filter(reference=finished["reference"]).exists()
    assert AuditEvent.objects.filter(event="note_added", case=held).count() == 1
    assert verify().ok


def test_administrators_saving_one_letter_template_at_once_get_a_version_each(org_b, bob, frozen):
    """Four administrators save the same kind of letter at once: versions 1 to 4, each once,
    each with its audit event (the numbers are taken as the case references are)."""
    from candour.letters import templates
    from candour.letters.models import LetterTemplate

    templates.install_presets(org_b, "gp-practice")

    def save(n: int) -> None:
        templates.save_template(
            org_b,
            "holding",
            subject=f"Holding letter, version from administrator {n}",
            sections=[["body", "We are still looking into your complaint."]],
            by=bob,
        )

    errors = run_at_once(4, save)

    assert errors == []
    versions = LetterTemplate.objects.filter(organisation=org_b, kind="holding")
    assert sorted(versions.values_list("version", flat=True)) == [1, 2, 3, 4, 5]
    assert AuditEvent.objects.filter(event="letter_template_saved").count() == 4
    assert verify().ok


def test_colleagues_naming_the_same_new_theme_at_once_share_one_theme(org_a, alice, frozen):
    """Four handlers record lessons on their own cases at the same moment, each naming a
    theme the organisation has not used before: one theme, four lessons under it."""
    from candour.cases.actions import record_lesson
    from candour.organisations.models import Theme

    cases = [make_case(org_a, alice) for _ in range(4)]

    def learn(n: int) -> None:
        record_lesson(cases[n], by=alice, text="Call backs are now logged.", themes=["Call backs"])

    errors = run_at_once(4, learn)

    assert errors == []
    theme = Theme.objects.get(organisation=org_a, name="Call backs")
    assert sorted(theme.lessons.values_list("case__reference", flat=True)) == sorted(
        c.reference for c in cases
    )
    assert AuditEvent.objects.filter(event="lesson_recorded").count() == 4
