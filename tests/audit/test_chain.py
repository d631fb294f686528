"""The hash-chained audit trail: it verifies after real work, and every kind of tampering is
caught by verify() with a message that says which event."""

from __future__ import annotations

from itertools import pairwise

import pytest

from candour.audit.chain import GENESIS, digest, record, verify
from candour.audit.models import AuditChainHead, AuditEvent
from candour.cases.access import open_case
from candour.cases.handling import acknowledge_case, close_case, grade_case
from candour.cases.investigation import record_finding, record_outcome

from ..conftest import make_case


@pytest.fixture
def worked_case(org_a, alice, ivan, frozen):
    """A complaint taken from receipt to closure by the real actions, read along the way."""
    case = make_case(org_a, alice)
    case = acknowledge_case(case, by=alice, method="email")
    case = grade_case(case, by=alice, level=2)
    open_case(ivan, case.reference)
    record_finding(case, by=ivan, issue_number=1, finding="upheld", summary="No call was made.")
    case = record_outcome(case, by=alice, summary="We apologise.")
    return close_case(case, by=alice)


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


def test_editing_an_events_data_is_caught_and_named(worked_case):
    graded = worked_case.audit_events.get(event="case_graded")
    data = dict(graded.data, after={"grade": 4})
    AuditEvent.objects.filter(pk=graded.pk).update(data=data)

    assert verify().problems == [f"event {graded.sequence}: content changed after it was written"]


@pytest.mark.parametrize(
    "change",
    [
        {"event": "case_closed"},
        {"actor_id": None},
        {"case_id": None},
        {"organisation_id": 999},
    ],
    ids=["event name", "actor", "case", "organisation"],
)
def test_editing_any_hashed_column_is_caught(worked_case, change):
    target = worked_case.audit_events.get(event="case_acknowledged")
    AuditEvent.objects.filter(pk=target.pk).update(**change)
    assert verify().problems == [f"event {target.sequence}: content changed after it was written"]


def test_rewriting_an_event_and_its_hash_is_caught_at_the_next_event(worked_case):
    target = worked_case.audit_events.get(event="case_graded")
    data = dict(target.data, after={"grade": 4})
    forged = digest(
        target.prev_hash,
        sequence=target.sequence,
        at=target.at,
        actor_id=target.actor_id,
        organisation_id=target.organisation_id,
        case_id=target.case_id,
        event=target.event,
        data=data,
    )
    AuditEvent.objects.filter(pk=target.pk).update(data=data, hash=forged)

    assert verify().problems == [
        f"event {target.sequence + 1}: does not follow the event before it"
    ]


def test_deleting_an_event_in_the_middle_is_caught_and_named(worked_case):
    target = worked_case.audit_events.get(event="case_viewed")
    AuditEvent.objects.filter(pk=target.pk).delete()

    assert verify().problems == [
        f"event {target.sequence} missing (deleted?)",
        f"event {target.sequence + 1}: does not follow the event before it",
    ]


def test_deleting_the_last_event_is_caught_by_the_head(worked_case):
    last = AuditEvent.objects.latest("sequence")
    last.delete()

    assert verify().problems == [
        f"the chain ends at event {last.sequence - 1} but its head records event "
        f"{last.sequence}: events at the end were deleted or the head was changed"
    ]


def test_editing_the_chain_head_is_caught(worked_case):
    last = AuditEvent.objects.latest("sequence")
    AuditChainHead.objects.filter(pk=1).update(hash="f" * 64)

    assert verify().problems == [
        f"the chain ends at event {last.sequence} but its head records event "
        f"{last.sequence}: events at the end were deleted or the head was changed"
    ]


def test_deleting_the_chain_head_and_the_last_event_is_caught(worked_case):
    last = AuditEvent.objects.latest("sequence")
    last.delete()
    AuditChainHead.objects.all().delete()

    assert verify().problems == [
        f"the chain ends at event {last.sequence - 1} but its head is missing: it was "
        "deleted, so events at the end may have been deleted too"
    ]


@pytest.mark.django_db(transaction=True)
def test_an_empty_trail_without_a_head_verifies():
    # A flushed database has neither; the first event creates the head.
    AuditChainHead.objects.all().delete()
    assert verify().ok


def test_moving_the_chain_head_back_is_caught(worked_case):
    last = AuditEvent.objects.latest("sequence")
    previous = AuditEvent.objects.get(sequence=last.sequence - 1)
    AuditChainHead.objects.filter(pk=1).update(sequence=previous.sequence, hash=previous.hash)

    assert verify().problems == [
        f"the chain ends at event {last.sequence} but its head records event "
        f"{previous.sequence}: events at the end were deleted or the head was changed"
    ]


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
        (None, None, "system_event", {}),
        (7, 3, "case_recorded", {"reference": "EXHT-2026-00001", "kind": "complaint"}),
        (12, 5, "finding_recorded", {"after": {"finding": "upheld"}, "issue": 2, "n": None}),
        (
            1,
            2,
            "note_added",
            {"text": "\u0174ales \u2013 \u201cquoted\u201d \\ back\nslash\t", "ok": True},
        ),
    ]
    for sequence, (actor_id, org_id, event, data) in enumerate(events, start=41):
        for at in (
            datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC),
            datetime(2026, 7, 1, 9, 30, tzinfo=london_summer),
        ):
            before, after = chain.content_parts(
                at=at,
                actor_id=actor_id,
                organisation_id=org_id,
                event=event,
                data_json=chain.canonical_json(data),
            )
            joined = before + str(900 + sequence) + after + str(sequence) + "}"
            fields = {
                "sequence": sequence,
                "at": at,
                "actor_id": actor_id,
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
            expected = json.dumps(local.astimezone(UTC).isoformat(timespec="microseconds"))
            assert chain._at_json(local) == expected
