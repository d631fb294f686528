"""Checkpoints of the chain's head in a file outside the database: written once per committed
transaction that appended events, never for one rolled back, whole under concurrent writers,
and read back by `verify` and `candour audit`."""

from __future__ import annotations

import json
import logging
import multiprocessing

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from candour.audit import checkpoints
from candour.audit.chain import record, verify
from candour.audit.keys import keys
from candour.audit.models import AuditChainHead, AuditEvent

from ..conftest import make_case


def lines() -> list[dict]:
    path = checkpoints.path()
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def head() -> tuple[int, str]:
    return AuditChainHead.objects.values_list("sequence", "hash").get(pk=1)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_checkpointed_after_it_commits(org_a, alice):
    before = len(lines())
    make_case(org_a, alice)
    written = lines()
    assert len(written) == before + 1
    assert (written[-1]["sequence"], written[-1]["hash"]) == head()
    assert written[-1]["key"] == keys().id
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_transaction_with_several_events_writes_one_checkpoint(org_a, alice):
    before = len(lines())
    with transaction.atomic():
        for n in range(3):
            record("note_made", actor=alice, organisation_id=org_a.pk, n=n)
    assert len(lines()) == before + 1
    assert (lines()[-1]["sequence"], lines()[-1]["hash"]) == head()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_writes_no_checkpoint(org_a, alice):
    before, events = len(lines()), AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record("note_made", actor=alice, organisation_id=org_a.pk)
        raise RuntimeError("the change failed")
    assert (len(lines()), AuditEvent.objects.count()) == (before, events)


@pytest.mark.django_db(transaction=True)
def test_events_of_a_rolled_back_savepoint_are_not_checkpointed(org_a, alice):
    with transaction.atomic():
        record("note_made", actor=alice, organisation_id=org_a.pk)
        try:
            with transaction.atomic():
                record("note_made", actor=alice, organisation_id=org_a.pk, n=2)
                raise RuntimeError("the inner change failed")
        except RuntimeError:
            pass
    assert (lines()[-1]["sequence"], lines()[-1]["hash"]) == head()
    assert verify().ok


def _write_many(how_many: int) -> None:
    for n in range(how_many):
        checkpoints.write(n + 1, f"{n:064x}")


@pytest.mark.django_db(transaction=True)
def test_several_processes_writing_at_once_leave_whole_signed_lines():
    # As several gunicorn workers do: each line whole, each signature good, none lost.
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(150,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    read = list(checkpoints.read(checkpoints.path()))
    assert len(read) == 600
    assert all(isinstance(item, checkpoints.Checkpoint) for item in read), read[:3]


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_that_cannot_be_written_does_not_undo_the_change(
    org_a, alice, settings, tmp_path, caplog
):
    settings.CANDOUR_AUDIT_CHECKPOINT_FILE = str(tmp_path)  # a directory: cannot be opened
    with caplog.at_level(logging.ERROR, logger="candour.audit"):
        case = make_case(org_a, alice)
    assert case.audit_events.filter(event="case_recorded").exists()
    assert "Could not write the audit checkpoint" in caplog.text
    assert "candour audit checkpoint" in caplog.text


def test_candour_audit_checkpoint_writes_the_head(org_a, alice, capsys):
    make_case(org_a, alice)  # inside the test's transaction: nothing written after commit
    assert not checkpoints.path().exists()
    call_command("audit", "checkpoint")
    sequence, hash = head()
    assert [(c["sequence"], c["hash"]) for c in lines()] == [(sequence, hash)]
    assert f"event {sequence}" in capsys.readouterr().out


def test_candour_audit_checkpoint_on_an_empty_trail_writes_nothing(db, capsys):
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.update(sequence=0, hash="0" * 64)
    call_command("audit", "checkpoint")
    assert "nothing to checkpoint" in capsys.readouterr().out
    assert not checkpoints.path().exists()


def test_candour_audit_verify_says_what_it_checked_against(org_a, alice, capsys):
    make_case(org_a, alice)
    call_command("audit", "checkpoint")
    call_command("audit", "verify")
    sequence, _ = head()
    out = capsys.readouterr().out
    assert f"Audit trail intact: {sequence} events checked against 1 checkpoint(s)" in out


def test_candour_audit_verify_checks_against_a_copy_of_the_checkpoints(
    org_a, alice, tmp_path, capsys
):
    # The copy shipped to another machine is the one an attacker on this one cannot touch.
    make_case(org_a, alice)
    copy = tmp_path / "shipped.log"
    checkpoints.write_head(to=copy)
    AuditEvent.objects.filter(sequence=head()[0]).delete()
    AuditChainHead.objects.filter(pk=1).update(sequence=0, hash="0" * 64)
    with pytest.raises(CommandError, match="Audit trail broken"):
        call_command("audit", "verify", "--checkpoints", str(copy))
    assert "were deleted" in capsys.readouterr().err
