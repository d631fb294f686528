"""The hash-chained audit trail: what record() writes, and that it verifies after real work.
Tampering, kind by kind: test_tampering.py."""

from __future__ import annotations

from itertools import pairwise

import pytest

from candour.audit.chain import GENESIS, record, verify
from candour.audit.models import AuditChainHead, AuditEvent
from candour.cases.access import open_case

from ..conftest import make_case


def sequences() -> list[int]:
    return list(AuditEvent.objects.values_list("sequence", flat=True))


def test_the_chain_verifies_after_a_series_of_real_actions(worked_case):
    result = verify()
    assert result.ok, result.problems
    assert result.checked == AuditEvent.objects.count() > 7
    assert list(worked_case.audit_events.values_list("event", flat=True)) == [
        "case_recorded",
        "case_acknowledged",
        "case_graded",
        "case_viewed",
        "finding_recorded",
        "outcome_recorded",
        "letter_started",
        "letter_revised",
        "letter_approved",
        "letter_signed",
        "letter_dispatched",
        "response_sent",
        "case_closed",
    ]


def test_each_event_links_to_the_one_before_and_the_head_holds_the_last(worked_case):
    rows = list(AuditEvent.objects.order_by("sequence"))
    assert rows[0].prev_hash == GENESIS
    assert [r.sequence for r in rows] == list(range(1, len(rows) + 1))
    for before, after in pairwise(rows):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (rows[-1].sequence, rows[-1].hash)


@pytest.mark.django_db(transaction=True)
def test_an_empty_trail_without_a_head_verifies():
    # A flushed database has neither; the first event creates the head.
    AuditChainHead.objects.all().delete()
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_an_event_cannot_be_written_outside_a_transaction():
    # The change and its audit event must commit or fail together.
    with pytest.raises(RuntimeError, match="inside the transaction it audits"):
        record("something_happened")
    assert not AuditEvent.objects.exists()


def test_access_events_are_part_of_the_chain(org_a, alice, ivan, frozen):
    case = make_case(org_a, alice)
    open_case(ivan, case.reference, purpose="viewed")
    viewed = AuditEvent.objects.get(event="case_viewed")
    assert (viewed.case_id, viewed.actor_id, viewed.actor_label) == (case.pk, ivan.pk, "ivan")
    assert viewed.sequence == max(sequences())
    assert verify().ok


def test_content_parts_joined_are_the_content_the_hash_covers():
    """Bulk loaders build an event's content from parts made in another process; joined,
    they must be byte for byte what `content` (and so `digest`) uses."""
    from datetime import UTC, datetime, timedelta, timezone

    from candour.audit import chain

    london_summer = timezone(timedelta(hours=1))
    events = [
        (None, "system", None, "system_event", {}),
        (7, "trust.manager", 3, "case_recorded", {"reference": "EXHT-2026-00001"}),
        (12, "", 5, "finding_recorded", {"after": {"finding": "upheld"}, "issue": 2, "n": None}),
        (
            1,
            'Si\u00e2n "quoted" \\ \u2013',
            2,
            "note_added",
            {"text": "\u0174ales \u2013 \u201cquoted\u201d \\ back\nslash\t", "ok": True},
        ),
    ]
    for sequence, (actor_id, label, org_id, event, data) in enumerate(events, start=41):
        for at in (
            datetime(2026, 3, 29, 0, 59, 59, 123000, tzinfo=UTC),
            datetime(2026, 7, 1, 9, 30, tzinfo=london_summer),
        ):
            before, after = chain.content_parts(
                at=at,
                actor_id=actor_id,
                actor_label=label,
                organisation_id=org_id,
                event=event,
                data_json=chain.canonical_json(data),
            )
            joined = before + str(900 + sequence) + after + str(sequence) + "}"
            fields = {
                "sequence": sequence,
                "at": at,
                "actor_id": actor_id,
                "actor_label": label,
                "organisation_id": org_id,
                "case_id": 900 + sequence,
                "event": event,
                "data": data,
            }
            assert joined == chain.content(**fields)
            assert chain.link("ab" * 32, joined) == chain.digest("ab" * 32, **fields)


def test_canonical_json_is_json_dumps_with_the_canonical_options():
    """`canonical_json` reuses one encoder; its text must be `json.dumps`' own, on any data
    an event may hold (nested, unicode, escapes, numbers, enum members)."""
    import json
    import random

    from candour.audit import chain
    from candour.cases.models import Status

    rng = random.Random(5)
    scalars = [
        None,
        True,
        False,
        0,
        -7,
        2**40,
        1.5,
        "",
        "a\u2013\u201cb\u201d",
        '\\\n\t"x',
        Status.CLOSED,
    ]

    def value(depth):
        roll = rng.random()
        if depth > 3 or roll < 0.5:
            return rng.choice(scalars)
        if roll < 0.75:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {rng.choice("zyxabc") + str(i): value(depth + 1) for i in range(rng.randrange(5))}

    for _ in range(2000):
        data = value(0)
        expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert chain.canonical_json(data) == expected


def test_the_cached_time_of_an_event_is_the_one_content_writes():
    """`content_parts` caches an event time's text; equal instants in different zones give
    one cache entry, so the text must depend on the instant alone."""
    import json
    import random
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from candour.audit import chain

    rng = random.Random(9)
    zones = [UTC, ZoneInfo("Europe/London"), ZoneInfo("America/New_York")]
    base = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    for _ in range(3000):
        at = base + timedelta(
            seconds=rng.randrange(-(10**7), 10**7),
            microseconds=rng.choice((0, rng.randrange(10**6))),
        )
        for zone in zones:
            local = at.astimezone(zone)
            expected = json.dumps(local.astimezone(UTC).isoformat(timespec="milliseconds"))
            assert chain._at_json(local) == expected


def test_an_events_hash_is_the_standard_hmac_sha256_under_the_audit_key(worked_case):
    """`link` hashes the key's blocks once and reuses them; it must be HMAC (RFC 2104) as
    the standard library computes it, for keys of every length."""
    import hashlib
    import hmac

    from candour.audit import chain
    from candour.audit.keys import keys

    event = AuditEvent.objects.order_by("sequence").last()
    text = chain.content(
        sequence=event.sequence,
        at=event.at,
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        organisation_id=event.organisation_id,
        case_id=event.case_id,
        event=event.event,
        data=event.data,
    )
    expected = hmac.new(keys().events, (event.prev_hash + text).encode(), hashlib.sha256)
    assert event.hash == expected.hexdigest()
    # Nothing without the key: plain SHA-256 of the same text is not the hash.
    assert event.hash != hashlib.sha256((event.prev_hash + text).encode()).hexdigest()
    for length in (0, 1, 32, 63, 64, 65, 200):
        key = bytes(range(length % 256))[:length] or b""
        for message in ("", "a", "\u0174ales" * 50):
            assert (
                chain._hmac_sha256(key)(message)
                == hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
            )


def test_record_keeps_an_events_time_to_the_millisecond(org_a, alice):
    """What is stored is what is hashed, and a JSON backup (dumpdata) keeps milliseconds."""
    from datetime import UTC, datetime

    from django.db import transaction

    at = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)
    with transaction.atomic():
        row = record("something_noted", actor=alice, organisation_id=org_a.pk, at=at)
    stored = AuditEvent.objects.get(pk=row.pk)
    assert stored.at == datetime(2026, 11, 2, 9, 0, 0, 123000, tzinfo=UTC) == row.at
    assert verify().ok


def test_the_hash_covers_the_actors_name_as_the_timeline_shows_it(worked_case):
    from candour.audit import chain

    graded = worked_case.audit_events.get(event="case_graded")
    assert graded.actor_label == "alice"
    fields = {
        "sequence": graded.sequence,
        "at": graded.at,
        "actor_id": graded.actor_id,
        "organisation_id": graded.organisation_id,
        "case_id": graded.case_id,
        "event": graded.event,
        "data": graded.data,
    }
    assert chain.digest(graded.prev_hash, actor_label="alice", **fields) == graded.hash
    assert chain.digest(graded.prev_hash, actor_label="trust.chief", **fields) != graded.hash
