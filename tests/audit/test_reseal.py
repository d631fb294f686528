"""A trail sealed before the audit key (plain SHA-256, the actor's name not covered, times to
the microsecond) is checked, then resealed under the key by the migration, saying so in the
trail; a broken one only when someone says so, and then the problems stay on record."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from candour.audit import legacy
from candour.audit.chain import GENESIS, verify
from candour.audit.models import AuditChainHead, AuditEvent

MIGRATION = importlib.import_module("candour.audit.migrations.0004_reseal_with_the_audit_key")


def seal_the_old_way() -> int:
    """Turn the trail into what an earlier Candour wrote: times to the microsecond, each
    event hashed with plain SHA-256. Returns how many events."""
    prev, count = GENESIS, 0
    for event in AuditEvent.objects.order_by("sequence"):
        event.at += timedelta(microseconds=event.sequence)
        event.prev_hash = prev
        event.hash = legacy.digest(
            prev,
            sequence=event.sequence,
            at=event.at,
            actor_id=event.actor_id,
            organisation_id=event.organisation_id,
            case_id=event.case_id,
            event=event.event,
            data=event.data,
        )
        event.save(update_fields=["at", "prev_hash", "hash"])
        prev, count = event.hash, count + 1
    AuditChainHead.objects.filter(pk=1).update(sequence=count, hash=prev)
    return count


def resealed_event() -> AuditEvent:
    return AuditEvent.objects.get(event="audit_trail_resealed")


def test_an_old_trail_fails_verify_as_unkeyed_until_it_is_resealed(worked_case):
    count = seal_the_old_way()
    assert verify().problems == [
        f"events 1 to {count}: hashed the old way, without the audit key (plain SHA-256), "
        "which anyone with the database can do: written or rewritten outside Candour"
    ]


def test_the_migration_reseals_an_intact_old_trail_and_records_it(worked_case):
    count = seal_the_old_way()
    old_head = AuditChainHead.objects.get(pk=1)

    MIGRATION.reseal_with_the_audit_key(apps, None)

    result = verify()
    assert result.ok, result.problems
    assert result.checked == count + 1
    event = resealed_event()
    assert (event.sequence, event.actor_id, event.actor_label) == (count + 1, None, "system")
    assert event.data == {
        "events": count,
        "previous_algorithm": "SHA-256 without a key",
        "algorithm": "HMAC-SHA256 with the audit key",
        "previous_head": {"sequence": count, "hash": old_head.hash},
        "times_cut_to_the_millisecond": count,
    }
    # Only the hashes and the sub-millisecond digits changed; the history is as it was.
    assert list(worked_case.audit_events.values_list("event", flat=True))[:2] == [
        "case_recorded",
        "case_acknowledged",
    ]
    assert not any(at.microsecond % 1000 for at in AuditEvent.objects.values_list("at", flat=True))


def test_a_trail_already_sealed_with_the_key_is_left_as_it_is(worked_case, capsys):
    before = list(AuditEvent.objects.values_list("sequence", "hash"))
    MIGRATION.reseal_with_the_audit_key(apps, None)
    call_command("audit", "reseal")
    assert "already sealed with the key" in capsys.readouterr().out
    assert list(AuditEvent.objects.values_list("sequence", "hash")) == before


def test_an_empty_trail_needs_no_key_to_migrate(db, settings):
    # A new installation migrates before any key is configured.
    AuditEvent.objects.all().delete()
    settings.DEBUG, settings.CANDOUR_AUDIT_KEY_FILE = False, ""
    MIGRATION.reseal_with_the_audit_key(apps, None)
    assert not AuditEvent.objects.exists()


def test_a_broken_old_trail_stops_the_migration_and_is_left_untouched(worked_case):
    seal_the_old_way()
    graded = worked_case.audit_events.get(event="case_graded")
    AuditEvent.objects.filter(pk=graded.pk).update(actor_id=None)
    before = list(AuditEvent.objects.values_list("sequence", "hash"))

    with pytest.raises(RuntimeError) as stopped:
        MIGRATION.reseal_with_the_audit_key(apps, None)
    message = str(stopped.value)
    assert f"event {graded.sequence}: content changed after it was written" in message
    assert "candour audit reseal --despite-problems" in message
    assert list(AuditEvent.objects.values_list("sequence", "hash")) == before


def test_resealing_a_broken_trail_when_told_to_keeps_its_problems_on_record(worked_case, capsys):
    seal_the_old_way()
    graded = worked_case.audit_events.get(event="case_graded")
    AuditEvent.objects.filter(pk=graded.pk).update(actor_id=None)

    with pytest.raises(CommandError, match="was not resealed"):
        call_command("audit", "reseal")
    call_command("audit", "reseal", "--despite-problems")
    assert "recording 1 problem(s)" in capsys.readouterr().out

    event = resealed_event()
    assert event.data["problems_found"] == [
        f"event {graded.sequence}: content changed after it was written"
    ]
    result = verify()
    assert result.ok
    assert result.notes[0] == (
        f"event {event.sequence} records that the trail was resealed on "
        f"{event.at:%d %b %Y} despite 1 problem(s) found in it then; they are listed in that "
        "event"
    )
    MIGRATION.reseal_with_the_audit_key(apps, None)  # then the migration has nothing to do
    assert AuditEvent.objects.filter(event="audit_trail_resealed").count() == 1
