"""`candour demo`: what a demo load leaves in the database, and that it is what the domain
would have written."""

from __future__ import annotations

import copy
import random
import re
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Max

from candour import demo
from candour.audit.chain import verify
from candour.audit.models import AuditChainHead, AuditEvent
from candour.calendars import WorkingCalendar
from candour.cases import deadlines, responses
from candour.cases.intake import record_case
from candour.cases.models import (
    Case,
    CaseParty,
    Issue,
    Kind,
    Pause,
    Person,
    StageResponse,
    Status,
)
from candour.cases.people import nhs_number_is_valid
from candour.organisations.models import Organisation

from ..conftest import new_case
from .conftest import NOW


def test_it_puts_cases_in_every_demo_organisation(loaded):
    per_org = dict(Case.objects.values_list("organisation__code").annotate(n=Count("id")))
    assert set(per_org) == {spec.code for spec in demo.ORGANISATIONS}
    assert sum(per_org.values()) == 200 == loaded.cases
    assert loaded.rows["cases"] == 200


def test_it_makes_an_organisation_for_every_preset_with_logins(demo_orgs):
    presets = set(Organisation.objects.values_list("policy_record__preset", flat=True))
    assert {"gp-practice", "commissioner", "private-clinic", "national-provider"} <= presets
    assert "nhs-england-2009" in presets
    assert Organisation.objects.get(code="ESHB").nation == "WLS"
    assert Organisation.objects.get(code="ESHM").policy.name.startswith("National")
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="moor.hoh").check_password(demo.DEMO_PASSWORD)


def test_the_audit_chain_verifies_after_a_demo_load_and_continues(loaded, demo_orgs):
    result = verify()
    assert result.ok, result.problems
    head = AuditChainHead.objects.get(pk=1)
    assert head.sequence == AuditEvent.objects.count() == result.checked
    assert AuditEvent.objects.filter(event="case_recorded").count() == 200
    # A domain function writing after the load continues the same chain.
    manager = get_user_model().objects.get(username="trust.manager")
    record_case(demo_orgs["EXHT"], new_case(), by=manager)
    assert verify().ok


def test_every_case_has_its_recorded_event_first_and_events_matching_its_state(loaded):
    events = {}
    for case_id, event in AuditEvent.objects.filter(case__isnull=False).values_list(
        "case_id", "event"
    ):
        events.setdefault(case_id, []).append(event)
    for case in Case.objects.all():
        names = events[case.pk]
        assert names[0] == "case_recorded"
        if case.acknowledged_at:
            assert "case_acknowledged" in names
        if case.status == Status.PAUSED:
            assert names[-1] == "case_paused"
        if case.responded_at:
            # Every demo policy signs its final response off (R26): the outcome is recorded,
            # then the response is sent.
            assert names.index("outcome_recorded") < names.index("response_sent")
        if case.status == Status.WITHDRAWN:
            assert names[-1] == "case_withdrawn"
        if case.status == Status.CLOSED and case.kind == Kind.COMPLAINT and case.responded_at:
            assert names[-1] == "case_closed"


def test_the_demo_covers_the_lifecycle(loaded):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {Status.OPEN, Status.CLOSED, Status.RESPONDED} <= statuses
    kinds = set(Case.objects.values_list("kind", flat=True))
    assert {Kind.COMPLAINT, Kind.CONCERN, Kind.COMPLIMENT} <= kinds
    outcomes = set(Case.objects.exclude(outcome="").values_list("outcome", flat=True))
    assert {"upheld", "partly_upheld", "not_upheld"} & outcomes
    received = Case.objects.values_list("received_at", flat=True)
    assert min(received) > NOW - timedelta(days=560)
    assert max(received) <= NOW
    assert Issue.objects.values("case").distinct().count() == 200


def test_a_recent_load_has_cases_waiting_for_acknowledgement_and_for_consent(demo_orgs):
    demo.load_cases(120, seed=2, now=NOW, months=1)
    assert Case.objects.filter(status=Status.RECEIVED).exists()
    waiting = Case.objects.filter(consent_state="requested", status=Status.OPEN)
    assert waiting.exists()
    # The commissioner's response clock waits for consent (002 §10.5.1 VI): no date yet.
    assert not waiting.filter(organisation__code="EXICB", response_due__isnull=False).exists()


def test_demo_deadlines_equal_what_the_domain_computes(loaded):
    """The stored dates of every demo case (200 is cheap enough) are what deadlines.for_case,
    with the organisation's own calendar, computes from the saved rows."""
    compared = set()
    for case in Case.objects.select_related("organisation").prefetch_related("pauses"):
        computed = deadlines.for_case(case, now=NOW)
        again = copy.copy(case)
        assert deadlines.refresh(again, computed) == [], case.reference
        # A case withdrawn or closed before it was acknowledged no longer owes anything.
        owes = case.acknowledged_at or case.status not in (Status.CLOSED, Status.WITHDRAWN)
        if case.kind in (Kind.COMPLAINT, Kind.MP_ENQUIRY, Kind.CONCERN) and owes:
            assert computed, case.reference
        compared.add((case.status, case.organisation.code))
    assert len({status for status, _ in compared}) >= 4
    assert len({code for _, code in compared}) == len(demo.ORGANISATIONS)
    assert Pause.objects.exists()
    assert Case.objects.exclude(response_due=None).exists()


RESPONSE_FIELDS = [f for f in demo.RESPONSE_COLUMNS if f != "case_id"]


def test_demo_verdicts_and_responses_are_what_the_domain_writes(loaded):
    """Every demo case's stored verdicts are the deadline engine's on its saved rows; each
    answered case has the stage response the responding domain function keeps, dated as its
    response_sent event; the acknowledgement's `late` is the engine's verdict too (to the
    minute for the clinic's 48 hours, not by the date)."""
    acks = {
        e.case_id: e.data["late"]
        for e in AuditEvent.objects.filter(event="case_acknowledged").only("case_id", "data")
    }
    sent = {
        e.case_id: e.data["after"]["responded_at"]
        for e in AuditEvent.objects.filter(event="response_sent").only("case_id", "data")
    }
    kept = {r.case_id: r for r in StageResponse.objects.all()}
    verdicts = set()
    for case in Case.objects.select_related("organisation").prefetch_related("pauses", "issues"):
        clocks = {d.key: d for d in deadlines.case_clocks(case, now=NOW)}
        ack = clocks.get("acknowledge")
        answer = clocks.get("response")
        assert case.acknowledge_met == (ack.met if ack else None), case.reference
        if case.kind != Kind.CONCERN:
            assert case.response_met == (answer.met if answer else None), case.reference
        if case.pk in acks:
            assert acks[case.pk] is (case.acknowledge_met is False), case.reference
            verdicts.add(("ack", case.organisation.code, case.acknowledge_met))
        if case.responded_at is None:
            assert case.pk not in kept and case.pk not in sent
            continue
        expected = responses.response_of(case)
        row = kept[case.pk]
        assert [getattr(row, f) for f in RESPONSE_FIELDS] == [
            getattr(expected, f) for f in RESPONSE_FIELDS
        ], case.reference
        assert row.met is case.response_met is answer.met
        assert sent[case.pk] == case.responded_at.isoformat()
        verdicts.add(("response", case.organisation.code, row.met))
    assert len(kept) == Case.objects.exclude(responded_at=None).count() > 20
    # Met and missed both occur, and the clinic's acknowledgements in hours are among them.
    assert {v for _, _, v in verdicts} == {True, False}
    assert any(code == "EXSC" for kind, code, _ in verdicts if kind == "ack")


def test_references_continue_after_a_demo_load(loaded, demo_orgs):
    pattern = re.compile(r"^[A-Z]+-20\d\d-\d{5}$")
    references = list(Case.objects.values_list("reference", flat=True))
    assert all(pattern.match(r) for r in references)
    assert len(set(references)) == len(references)
    trust = demo_orgs["EXHT"]
    manager = get_user_model().objects.get(username="trust.manager")
    case = record_case(trust, new_case(), by=manager)
    year = case.received_at.year
    numbers = [
        int(r.rsplit("-", 1)[1])
        for r in Case.objects.filter(organisation=trust, reference__contains=f"-{year}-")
        .exclude(pk=case.pk)
        .values_list("reference", flat=True)
    ]
    assert case.reference == f"EXHT-{year}-{max(numbers, default=0) + 1:05d}"


def test_references_rise_with_receipt_within_an_organisation(loaded):
    for org_id in Case.objects.values_list("organisation", flat=True).distinct():
        rows = list(
            Case.objects.filter(organisation_id=org_id)
            .order_by("received_at")
            .values_list("reference", flat=True)
        )
        by_year = {}
        for reference in rows:
            _, year, number = reference.rsplit("-", 2)
            by_year.setdefault(year, []).append(int(number))
        for numbers in by_year.values():
            assert numbers == sorted(numbers)


def test_a_second_load_adds_to_the_first(loaded):
    again = demo.load_cases(30, seed=8, now=NOW, batch_size=16)
    assert Case.objects.count() == 230 == 200 + again.cases
    assert verify().ok
    assert Person.objects.count() == loaded.rows["people"] + again.rows["people"]


def test_demo_people_are_synthetic(loaded):
    numbers = [n for n in Person.objects.values_list("nhs_number", flat=True) if n]
    assert numbers
    assert all(n.startswith("999") and nhs_number_is_valid(n) for n in numbers)
    assert all(
        e.endswith("@example.invalid") for e in Person.objects.values_list("email", flat=True)
    )
    assert CaseParty.objects.filter(role="representative").exists()


def test_if_empty_is_idempotent(db, capsys):
    call_command("demo", "--cases", "40", "--if-empty", "--workers", "0", "--batch-size", "16")
    first = capsys.readouterr().out
    counts = (Case.objects.count(), AuditEvent.objects.count(), Person.objects.count())
    call_command("demo", "--cases", "40", "--if-empty", "--workers", "0")
    second = capsys.readouterr().out
    assert counts[0] == 40
    assert (Case.objects.count(), AuditEvent.objects.count(), Person.objects.count()) == counts
    assert "nothing loaded" in second
    for out in (first, second):
        assert "http://127.0.0.1:8000/" in out
        assert "moor.hoh" in out and demo.DEMO_PASSWORD in out
    assert verify().ok


def test_planning_processes_make_the_same_cases(demo_orgs):
    """Batches have their own random streams: forked planners load the same data."""

    def shape(cases):
        return sorted(
            (c.organisation_id, c.kind, c.status, c.received_at, c.response_due, c.next_due)
            for c in cases
        )

    demo.load_cases(60, seed=5, now=NOW, batch_size=16, workers=0)
    first = shape(Case.objects.all())
    highest = Case.objects.aggregate(m=Max("pk"))["m"]
    demo.load_cases(60, seed=5, now=NOW, batch_size=16, workers=2)
    assert shape(Case.objects.filter(pk__gt=highest)) == first
    assert verify().ok


def test_the_precomputed_calendar_gives_the_calendar_s_answers():
    rng = random.Random(11)
    first, last = date(2024, 1, 1), date(2027, 12, 31)
    for nation, closures in (("ENG", ()), ("WLS", ()), ("SCT", (date(2025, 12, 29),))):
        base = WorkingCalendar.for_nation(nation, closures)
        fast = demo.PrecomputedCalendar(base, first, last)
        for _ in range(400):
            # Some starts fall outside the table, to check it asks the calendar there.
            start = date(2023, 11, 1) + timedelta(days=rng.randrange(1600))
            days = rng.choice((0, 1, 3, 10, 25, 60))
            assert fast.add_working_days(start, days) == base.add_working_days(start, days)
            end = start + timedelta(days=rng.randrange(-5, 90))
            assert fast.working_days_between(start, end) == base.working_days_between(start, end)
            assert fast.is_working_day(start) == base.is_working_day(start)


def test_a_planned_case_is_what_the_model_makes_from_the_same_values():
    values = {
        "organisation_id": 3,
        "kind": Kind.COMPLAINT,
        "received_at": NOW,
        "event_date": date(2026, 10, 1),
        "handler_id": 7,
        "description": "Synthetic.",
    }
    fast, model = demo.new_case(**values), Case(**values)
    assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
        k: v for k, v in model.__dict__.items() if k != "_state"
    }
    assert fast._state.adding and fast._state.db is None
    assert fast.pk is None and fast.organisation_id == 3 and fast.status == Status.RECEIVED


def test_a_load_puts_the_connection_s_settings_back(demo_orgs):
    from django.db import connection

    def settings():
        if connection.vendor != "sqlite":
            return None
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA wal_autocheckpoint")
            return cache, cursor.fetchone()[0]

    before = settings()
    demo.load_cases(20, seed=3, now=NOW, batch_size=8)
    assert settings() == before


def test_the_cached_database_text_of_a_moment_is_the_uncached_one():
    """The loader caches the stored text of its datetimes; equal instants in different zones
    share an entry, so the SQLite text (UTC) must depend on the instant alone, and the ISO
    text (which shows the zone) is cached only for UTC datetimes."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    rng = random.Random(4)
    zones = [UTC, ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")]
    base = datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    for _ in range(3000):
        at = base + timedelta(
            seconds=rng.randrange(-(10**7), 10**7),
            microseconds=rng.choice((0, rng.randrange(10**6))),
        )
        for zone in zones:
            moment = at.astimezone(zone)
            naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
            assert demo._sqlite_datetime(moment) == str(naive_utc)
            assert demo._iso(moment) == moment.isoformat()
