"""Tampering with the audit trail directly in the database (and with its checkpoint file), kind
by kind: `verify` fails and names the place, or, where the defences end, the test says so.

The attacker here can write to the database but holds neither the audit key nor the
checkpoint file, except where a test says otherwise (docs/adr/0014)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pytest

from candour.audit import chain, checkpoints, legacy
from candour.audit.chain import GENESIS, content, digest, verify
from candour.audit.keys import keys
from candour.audit.models import AuditChainHead, AuditEvent

CHANGED = "content changed after it was written"
UNKEYED = (
    "hashed the old way, without the audit key (plain SHA-256), which anyone with the "
    "database can do: written or rewritten outside Candour"
)
UNLINKED = "does not follow the event before it"


def newest() -> AuditEvent:
    return AuditEvent.objects.latest("sequence")


def checkpoint_file() -> Path:
    return checkpoints.path()


def lines() -> list[str]:
    return checkpoint_file().read_text().splitlines()


def fields_of(event: AuditEvent) -> dict:
    return {
        "sequence": event.sequence,
        "at": event.at,
        "actor_id": event.actor_id,
        "organisation_id": event.organisation_id,
        "case_id": event.case_id,
        "event": event.event,
        "data": event.data,
    }


def server_seal(prev_hash: str, event: AuditEvent) -> str:
    return digest(prev_hash, actor_label=event.actor_label, **fields_of(event))


def unkeyed_seal(prev_hash: str, event: AuditEvent) -> str:
    # What anyone could do before docs/adr/0014.
    return legacy.digest(prev_hash, **fields_of(event))


def own_key_seal(prev_hash: str, event: AuditEvent) -> str:
    # HMAC-SHA256 as Candour does it, under a key the attacker made up.
    text = content(actor_label=event.actor_label, **fields_of(event))
    return hmac.new(b"a guess" * 8, (prev_hash + text).encode(), hashlib.sha256).hexdigest()


def rewrite_from(sequence: int, seal, **change) -> None:
    """Change event `sequence`, then relink and reseal it and every later event with `seal`,
    and move the head to match: a whole-chain rewrite from that event on."""
    before = AuditEvent.objects.filter(sequence=sequence - 1).first()
    prev = before.hash if before else GENESIS
    for event in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence"):
        if event.sequence == sequence:
            for name, value in change.items():
                setattr(event, name, value)
        event.prev_hash, event.hash = prev, seal(prev, event)
        AuditEvent.objects.filter(pk=event.pk).update(
            prev_hash=event.prev_hash,
            hash=event.hash,
            **(change if event.sequence == sequence else {}),
        )
        prev = event.hash
    AuditChainHead.objects.filter(pk=1).update(hash=prev)


# --- every column an event stores -------------------------------------------------------------

# A new column must be added here, and to the hashed content if a timeline shows it.
CHANGES = {
    "sequence": lambda e: {"sequence": e.sequence + 1000},
    "at": lambda e: {"at": e.at + timedelta(minutes=1)},
    "actor": lambda e: {"actor_id": None},
    "actor_label": lambda e: {"actor_label": "trust.chief"},
    "organisation_id": lambda e: {"organisation_id": 999},
    "case": lambda e: {"case_id": None},
    "event": lambda e: {"event": "case_closed"},
    "data": lambda e: {"data": dict(e.data, after={"grade": 4})},
    # Not hashed: repeated from the data, and held against it (chain.subject_of).
    "subject": lambda e: {"subject": "restriction:1"},
    "prev_hash": lambda e: {"prev_hash": "f" * 64},
    "hash": lambda e: {"hash": "f" * 64},
}


def test_every_column_an_event_stores_is_checked():
    columns = {f.name for f in AuditEvent._meta.concrete_fields} - {"id"}
    assert columns == set(CHANGES)


@pytest.mark.parametrize("column", sorted(CHANGES))
def test_changing_any_column_of_an_event_is_caught_and_named(worked_case, column):
    target = worked_case.audit_events.get(event="case_graded")
    AuditEvent.objects.filter(pk=target.pk).update(**CHANGES[column](target))
    problems = verify().problems
    assert problems
    named = target.sequence + (1000 if column == "sequence" else 0)
    assert f"event {target.sequence}" in problems[0] or f"event {named}" in problems[0]


# --- one test per kind of tampering -------------------------------------------------------------


def test_changing_an_events_data_is_caught_and_named(worked_case):
    graded = worked_case.audit_events.get(event="case_graded")
    AuditEvent.objects.filter(pk=graded.pk).update(data=dict(graded.data, after={"grade": 4}))
    assert verify().problems == [f"event {graded.sequence}: {CHANGED}"]


def test_changing_the_actors_name_the_timeline_shows_is_caught(worked_case):
    # Issue 15: "recorded by trust.chief" passed verify while only the actor id was hashed.
    closed = worked_case.audit_events.get(event="case_closed")
    AuditEvent.objects.filter(pk=closed.pk).update(actor_label="trust.chief")
    assert verify().problems == [f"event {closed.sequence}: {CHANGED}"]


def test_changing_when_an_event_happened_is_caught(worked_case):
    acknowledged = worked_case.audit_events.get(event="case_acknowledged")
    AuditEvent.objects.filter(pk=acknowledged.pk).update(at=acknowledged.at - timedelta(days=3))
    assert verify().problems == [f"event {acknowledged.sequence}: {CHANGED}"]


def test_adding_digits_below_the_millisecond_to_a_time_is_caught(worked_case):
    # Milliseconds are what is hashed (and what a JSON backup keeps); nothing finer is written.
    acknowledged = worked_case.audit_events.get(event="case_acknowledged")
    AuditEvent.objects.filter(pk=acknowledged.pk).update(
        at=acknowledged.at + timedelta(microseconds=7)
    )
    assert verify().problems == [
        f"event {acknowledged.sequence}: its time has digits below the millisecond, which "
        "Candour never writes"
    ]


def test_renaming_an_event_is_caught(worked_case):
    graded = worked_case.audit_events.get(event="case_graded")
    AuditEvent.objects.filter(pk=graded.pk).update(event="case_closed")
    assert verify().problems == [f"event {graded.sequence}: {CHANGED}"]


@pytest.mark.parametrize(
    "change", [{"case_id": None}, {"organisation_id": 999}], ids=["case", "organisation"]
)
def test_moving_an_event_to_another_case_or_organisation_is_caught(worked_case, change):
    acknowledged = worked_case.audit_events.get(event="case_acknowledged")
    AuditEvent.objects.filter(pk=acknowledged.pk).update(**change)
    assert verify().problems == [f"event {acknowledged.sequence}: {CHANGED}"]


def test_deleting_an_event_in_the_middle_is_caught_and_named(worked_case):
    viewed = worked_case.audit_events.get(event="case_viewed")
    AuditEvent.objects.filter(pk=viewed.pk).delete()
    assert verify().problems == [
        f"event {viewed.sequence} missing (deleted?)",
        f"event {viewed.sequence + 1}: {UNLINKED}",
    ]


def test_swapping_two_events_is_caught_at_both(worked_case):
    first = worked_case.audit_events.get(event="case_acknowledged")
    second = worked_case.audit_events.get(event="case_graded")
    assert second.sequence == first.sequence + 1
    AuditEvent.objects.filter(pk=first.pk).update(sequence=0)
    AuditEvent.objects.filter(pk=second.pk).update(sequence=first.sequence)
    AuditEvent.objects.filter(pk=first.pk).update(sequence=second.sequence)
    assert verify().problems == [
        f"event {first.sequence}: {UNLINKED}",
        f"event {first.sequence}: {CHANGED}",
        f"event {second.sequence}: {UNLINKED}",
        f"event {second.sequence}: {CHANGED}",
        # The next event follows what was the second, now first.
        f"event {second.sequence + 1}: {UNLINKED}",
    ]


def test_appending_a_forged_event_is_caught(worked_case):
    last = newest()
    forged = AuditEvent(
        sequence=last.sequence + 1,
        at=last.at,
        actor_id=last.actor_id,
        actor_label="trust.chief",
        organisation_id=last.organisation_id,
        case_id=last.case_id,
        event="case_reopened",
        data={},
        prev_hash=last.hash,
    )
    forged.hash = unkeyed_seal(last.hash, forged)
    forged.save()
    AuditChainHead.objects.filter(pk=1).update(sequence=forged.sequence, hash=forged.hash)
    assert verify().problems == [f"event {forged.sequence}: {UNKEYED}"]


# --- the end of the chain: the head and the checkpoints ------------------------------------------


def test_deleting_the_newest_events_and_moving_the_head_back_is_caught(checkpointed_case):
    last = newest()
    AuditEvent.objects.filter(sequence__gt=last.sequence - 2).delete()
    kept = newest()
    AuditChainHead.objects.filter(pk=1).update(sequence=kept.sequence, hash=kept.hash)

    at = json.loads(lines()[-1])["at"]
    assert verify().problems == [
        f"the chain ends at event {kept.sequence} but the checkpoint of {at} (line "
        f"{len(lines())}) records event {last.sequence}: events {kept.sequence + 1} to "
        f"{last.sequence} were deleted"
    ]


def test_without_checkpoints_deleting_the_newest_events_is_not_caught(worked_case):
    # The limit of a chain anchored only in the database it protects: verify says so.
    assert not checkpoint_file().exists()
    AuditEvent.objects.filter(sequence=newest().sequence).delete()
    kept = newest()
    AuditChainHead.objects.filter(pk=1).update(sequence=kept.sequence, hash=kept.hash)

    result = verify()
    assert result.ok
    assert result.notes == [
        f"There is no checkpoint file at {checkpoint_file()}: the trail is anchored only inside "
        "the database, so deleting its newest events, or all of them, would not be caught. "
        "`candour audit checkpoint` writes one."
    ]


def test_deleting_everything_is_caught(checkpointed_case):
    last = newest()
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()

    at = json.loads(lines()[-1])["at"]
    assert verify().problems == [
        f"the trail is empty but the checkpoint of {at} (line {len(lines())}) records event "
        f"{last.sequence}: events 1 to {last.sequence} were deleted"
    ]


def test_deleting_the_head_is_caught(worked_case):
    AuditChainHead.objects.all().delete()
    assert verify().problems == [
        f"the chain ends at event {newest().sequence} but its head is missing: it was deleted, "
        "so events at the end may have been deleted too"
    ]


def test_deleting_the_head_and_the_newest_event_is_caught_by_both(checkpointed_case):
    last = newest()
    last.delete()
    AuditChainHead.objects.all().delete()
    at = json.loads(lines()[-1])["at"]
    assert verify().problems == [
        f"the chain ends at event {last.sequence - 1} but its head is missing: it was deleted, "
        "so events at the end may have been deleted too",
        f"the chain ends at event {last.sequence - 1} but the checkpoint of {at} (line "
        f"{len(lines())}) records event {last.sequence}: events {last.sequence} to "
        f"{last.sequence} were deleted",
    ]


def test_editing_the_head_is_caught(worked_case):
    last = newest()
    AuditChainHead.objects.filter(pk=1).update(hash="f" * 64)
    assert verify().problems == [
        f"the chain ends at event {last.sequence} but its head records event "
        f"{last.sequence}: events at the end were deleted or the head was changed"
    ]


# --- rewriting the chain -------------------------------------------------------------------------


def test_rewriting_an_event_and_every_later_hash_the_old_way_is_caught_where_it_starts(
    worked_case,
):
    # Before docs/adr/0014 this passed verify: the hash was SHA-256 with no key.
    graded = worked_case.audit_events.get(event="case_graded")
    rewrite_from(graded.sequence, unkeyed_seal, data=dict(graded.data, after={"grade": 4}))
    assert verify().problems == [f"events {graded.sequence} to {newest().sequence}: {UNKEYED}"]


def test_rewriting_with_a_key_of_ones_own_is_caught_where_it_starts(worked_case):
    graded = worked_case.audit_events.get(event="case_graded")
    rewrite_from(graded.sequence, own_key_seal, actor_label="trust.chief")
    assert verify().problems == [f"events {graded.sequence} to {newest().sequence}: {CHANGED}"]


@pytest.mark.parametrize("a_query", [900, 2], ids=["one query", "checkpoints two a query"])
def test_rewriting_with_the_servers_own_key_is_caught_by_the_checkpoints(
    checkpointed_case, monkeypatch, a_query
):
    # Someone who has taken the key from the server can rewrite a chain that verifies; what
    # they cannot rewrite is the checkpoint file kept elsewhere. (Read a few at a time, the
    # checkpoints say the same.)
    monkeypatch.setattr(chain, "CHECKPOINTS_A_QUERY", a_query)
    graded = checkpointed_case.audit_events.get(event="case_graded")
    rewrite_from(graded.sequence, server_seal, data=dict(graded.data, after={"grade": 4}))

    line = next(
        n for n, text in enumerate(lines(), 1) if json.loads(text)["sequence"] == graded.sequence
    )
    # One checkpoint after each commit; a commit may append several events (the dispatch of
    # the final response and the response it makes).
    later = len(lines()) - line
    at = json.loads(lines()[line - 1])["at"]
    assert verify().problems == [
        f"event {graded.sequence}: its hash is not the one the checkpoint of {at} (line {line}) "
        f"recorded, and {later} later checkpoint(s) do not match either: the trail was "
        "rewritten from this event on"
    ]


def test_a_rewrite_between_two_checkpoints_is_placed_between_them(worked_case):
    first = worked_case.audit_events.get(event="case_recorded")
    checkpoints.write(first.sequence, first.hash)
    checkpoints.write_head()
    outcome = worked_case.audit_events.get(event="outcome_recorded")
    rewrite_from(outcome.sequence, server_seal, data={"summary": "Nothing to apologise for."})

    at = json.loads(lines()[1])["at"]
    assert verify().problems == [
        f"event {newest().sequence}: its hash is not the one the checkpoint of {at} (line 2) "
        f"recorded: the trail was rewritten from an event between {first.sequence + 1} and "
        "this one on"
    ]


# --- the checkpoint file --------------------------------------------------------------------------


def test_a_forged_checkpoint_line_is_caught(checkpointed_case):
    last = newest()
    forged = {
        "at": "2030-01-01T00:00:00.000+00:00",
        "hash": "0" * 64,
        "key": keys().id,
        "sequence": last.sequence + 5,
        "signature": "0" * 64,
    }
    with checkpoint_file().open("a") as out:
        out.write(json.dumps(forged) + "\n")
    assert verify().problems == [
        f"checkpoint line {len(lines())}: its signature does not match what it says (forged or "
        "altered)"
    ]


def test_an_altered_checkpoint_line_is_caught(checkpointed_case):
    text = lines()
    first = json.loads(text[0])
    text[0] = json.dumps(dict(first, sequence=first["sequence"] + 1))
    checkpoint_file().write_text("\n".join(text) + "\n")
    assert verify().problems == [
        "checkpoint line 1: its signature does not match what it says (forged or altered)"
    ]


def test_a_checkpoint_signed_with_another_key_is_caught_and_the_key_named(
    checkpointed_case, settings
):
    settings.CANDOUR_AUDIT_KEY = "another key, another server: " + "x" * 32
    other = keys().id
    checkpoints.write_head()
    settings.CANDOUR_AUDIT_KEY = ""
    assert verify().problems == [
        f"checkpoint line {len(lines())}: signed with another key (key id {other}; this "
        f"server's is {keys().id})"
    ]


def test_a_line_that_is_not_a_checkpoint_is_caught(checkpointed_case):
    with checkpoint_file().open("a") as out:
        out.write('{"sequence": "many"}\n')
    assert verify().problems == [f"checkpoint line {len(lines())}: not a checkpoint"]


def test_truncating_the_checkpoint_file_inside_a_line_is_caught(checkpointed_case):
    data = checkpoint_file().read_bytes()
    checkpoint_file().write_bytes(data[:-20])
    assert verify().problems == [
        f"checkpoint line {len(lines())}: cut short (the file ends inside it)"
    ]


def test_truncating_the_checkpoint_file_to_whole_lines_loses_only_their_anchoring(
    checkpointed_case,
):
    # What is not caught: lines removed whole leave no trace in the file itself. The chain
    # is still checked against the checkpoints left, and verify says which events only the
    # database now vouches for; deleting those events as well would go unnoticed, which is
    # why the file belongs where the database's users cannot write (docs/adr/0014).
    kept = lines()[:3]
    checkpoint_file().write_text("\n".join(kept) + "\n")
    anchored = json.loads(kept[-1])
    last = newest()

    result = verify()
    assert result.ok
    assert result.notes == [
        f"events {anchored['sequence'] + 1} to {last.sequence} are newer than the newest "
        f"checkpoint ({anchored['at']}): until the next one they are anchored only inside the "
        "database"
    ]
    AuditEvent.objects.filter(sequence__gt=anchored["sequence"]).delete()
    AuditChainHead.objects.filter(pk=1).update(sequence=anchored["sequence"], hash=anchored["hash"])
    assert verify().ok


def test_emptying_the_checkpoint_file_is_noted(checkpointed_case):
    checkpoint_file().write_text("")
    result = verify()
    assert result.ok
    assert result.notes == [
        f"The checkpoint file {checkpoint_file()} holds no checkpoint: the trail is anchored "
        "only inside the database."
    ]
