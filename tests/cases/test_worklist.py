"""The worklist's queues and counts (candour.cases.listing): what each queue holds, that it
counts what it lists, and that it never reaches past the user's organisations."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candour.cases import listing
from candour.cases.handling import acknowledge_case, assign_investigator
from candour.cases.listing import Queue
from candour.cases.models import Case, Status
from candour.cases.people import PersonDetails
from candour.organisations.setup import add_closure_day
from tests.conftest import at, make_case, organisation

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00


def refs(user, **filters) -> set[str]:
    found, cursor, seen = None, None, set()
    while found is None or cursor:
        found = listing.page(user, limit=3, cursor=cursor, **filters)
        seen |= {c.reference for c in found.cases}
        cursor = found.next_cursor
    return seen


@pytest.fixture
def desk(org_a, org_b, alice, ivan, bob):
    """A commissioner's desk: a new complaint, one acknowledged and given to Ivan, one from a
    relative waiting for consent, a comment on record, and a practice's case elsewhere."""
    new = make_case(org_a, alice)
    ivans = acknowledge_case(make_case(org_a, alice), by=alice, method="email")
    ivans = assign_investigator(ivans, by=alice, investigator=ivan)
    waiting = make_case(
        org_a, alice, relationship="relative", patient=PersonDetails(first_name="Tom")
    )
    comment = make_case(org_a, alice, kind="comment")
    elsewhere = make_case(org_b, bob)
    return {"new": new, "ivans": ivans, "waiting": waiting, "comment": comment, "b": elsewhere}


def test_each_queue_holds_what_its_name_says(alice, ivan, desk):
    r = {k: c.reference for k, c in desk.items()}
    assert refs(alice, queue="open") == {r["new"], r["ivans"], r["waiting"], r["comment"]}
    assert refs(ivan, queue="mine") == {r["ivans"]}
    assert refs(alice, queue="mine") == set()
    assert refs(alice, queue="team") == {r["ivans"]}
    assert refs(alice, queue="unassigned") == {r["new"], r["waiting"], r["comment"]}
    # A comment needs no acknowledgement.
    assert refs(alice, queue="awaiting_acknowledgement") == {r["new"], r["waiting"]}
    assert refs(alice, queue="awaiting_consent") == {r["waiting"]}
    assert refs(alice, queue="overdue") == set()


def test_an_outsider_sees_none_of_it_in_any_queue(bob, desk):
    for queue in Queue:
        assert refs(bob, queue=queue) <= {desk["b"].reference}
    assert listing.queue_counts(bob)[Queue.OPEN] == 1


def test_a_case_past_its_acknowledgement_date_is_overdue(alice, desk, frozen):
    # Received Mon 2 Nov: acknowledgement due Thu 5 Nov (3 working days).
    frozen.move_to(at(date(2026, 11, 6), 9))
    overdue = refs(alice, queue="overdue")
    assert desk["new"].reference in overdue
    assert desk["ivans"].reference not in overdue


def test_due_soon_counts_working_days_on_each_organisations_own_calendar(db, alice):
    """Thu 26 Nov 2026, two working days ahead: Mon 30 Nov in England, but Tue 1 Dec in
    Scotland, where 30 Nov is St Andrew's Day; and Fri 27 Nov is a closure day at one
    English practice, which pushes it to Tue 1 Dec there too."""
    from candour.organisations.setup import add_member

    england = organisation("Example Practice", "EXE", "practice", "gp-practice")
    closed = organisation("Closed Friday Practice", "EXC", "practice", "gp-practice")
    scotland = organisation("Example Practice North", "EXS", "practice", "gp-practice")
    scotland.nation = "SCT"
    scotland.save()
    for org in (england, closed, scotland):
        add_member(alice, org, "Executive Manager")
    add_closure_day(closed, date(2026, 11, 27), "Staff training", by=alice)
    cases = {}
    with time_machine.travel(at(date(2026, 11, 25), 9), tick=False):
        for org in (england, closed, scotland):
            cases[org.code] = make_case(org, alice)
    Case.objects.filter(pk__in=[c.pk for c in cases.values()]).update(next_due=date(2026, 12, 1))
    with time_machine.travel(at(date(2026, 11, 26), 9), tick=False):
        due = refs(alice, queue="due_soon", due_within=2)
        counted = listing.queue_counts(alice, due_within=2)[Queue.DUE_SOON]
    assert due == {cases["EXC"].reference, cases["EXS"].reference}
    assert counted == 2


def test_the_counts_are_the_lengths_of_the_queues(alice, ivan, desk):
    for user in (alice, ivan):
        counts = listing.queue_counts(user)
        for queue, n in counts.items():
            assert n == len(refs(user, queue=queue)), queue


def test_the_queue_counts_read_only_the_open_cases_counts_index(alice, desk):
    """The open statuses are written into the SQL as the partial index's condition writes
    them, so the database can read the open cases' counts index alone (a bound parameter
    never matches a partial index on SQLite, which then read every open case's row); and so
    are the sign-off statuses, for the letters' partial index."""
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        listing.queue_counts(alice)
    sql, params = sent[-1]
    assert "\"status\" IN ('received', 'open', 'paused')" in sql
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "COVERING INDEX case_open_counts" in plan, plan
        # and the cases with a letter in sign-off, from the few letters still in chains
        assert "USING INDEX letter_in_sign_off" in plan, plan


def test_the_organisation_switcher_narrows_but_never_widens(rita, hugo, region, site, org_a):
    in_region = make_case(region, rita)
    at_site = make_case(site, hugo)
    assert refs(rita, queue="open") == {in_region.reference, at_site.reference}
    assert refs(rita, queue="open", within=site.pk) == {at_site.reference}
    assert refs(hugo, queue="open", within=region.pk) == set()
    assert refs(rita, queue="open", within=org_a.pk) == set()


def test_the_filters_counts_add_up_to_the_queue(alice, desk):
    facets = listing.facet_counts(alice, queue="open")
    assert facets["kind"] == {"complaint": 3, "comment": 1}
    assert sum(facets["status"].values()) == 4
    assert refs(alice, queue="open", kind="comment") == {desk["comment"].reference}
    assert refs(alice, queue="open", status="open") == {desk["ivans"].reference}


def test_a_status_filter_keeps_each_queue_to_its_cases_with_that_status(alice, desk):
    # On PostgreSQL a chosen open status stands in for the queue's open statuses (Scope.where).
    statuses = dict(Case.objects.values_list("reference", "status"))
    found = set()
    for queue in Queue:
        every = refs(alice, queue=queue)
        for status in Status:
            chosen = {r for r in every if statuses[r] == status}
            assert refs(alice, queue=queue, status=status) == chosen, (queue, status)
            found |= {status} if chosen else set()
    assert {Status.RECEIVED, Status.OPEN} <= found


@pytest.mark.parametrize("share", [0.2, 0.9])
@pytest.mark.parametrize("q", ["", "results"])
@pytest.mark.parametrize("queue", ["all", "open"])
@pytest.mark.parametrize("sort", list(listing.SORTS))
def test_every_sort_pages_through_every_case_once_in_order(
    alice, rita, region, site, hugo, sort, queue, q, share, monkeypatch
):
    """Across two organisations (one walk each, merged) and with undated cases last; and so
    for a word every case has, checked row by row, when on SQLite each organisation's walk
    names its sort's index, unless (outside the open queues) the two organisations hold so
    much of all cases (`share`) that one walk of every case reads less."""
    monkeypatch.setattr(listing, "SEARCH_LIST_LIMIT", 0)
    monkeypatch.setattr(listing, "share_of_cases", lambda ids: share)
    from candour.organisations.setup import add_member

    add_member(alice, region, "Regional Governance Manager")
    made = [make_case(site, hugo) for _ in range(4)] + [make_case(region, rita) for _ in range(3)]
    dates = [date(2026, 11, d) for d in (9, 5, 9, 20)] + [None, date(2026, 11, 5), None]
    for case, day in zip(made, dates, strict=True):
        Case.objects.filter(pk=case.pk).update(next_due=day)
    seen, cursor = [], None
    while True:
        with CaptureQueriesContext(connection) as ctx:
            found = listing.page(rita, sort=sort, limit=2, cursor=cursor, queue=queue, q=q)
        seen += found.cases
        cursor = found.next_cursor
        if not cursor:
            break
        walks = " ".join(query["sql"] for query in ctx.captured_queries)
        branched = queue == "open" or 2 * share <= 1
        if connection.vendor == "sqlite" and q and sort in listing.BRANCHING_SORTS and branched:
            index = listing.WALK_INDEXES[queue == "open"].get(sort)
            assert f"INDEXED BY {index or listing.WALK_INDEXES[False][sort]}" in walks
        else:
            assert "INDEXED BY" not in walks
    assert sorted(c.pk for c in seen) == sorted(c.pk for c in made)
    if sort == "next_due":
        keys = [(c.next_due is None, c.next_due or date.min, c.pk) for c in seen]
        assert keys == sorted(keys)
    if sort == "reference":
        assert [c.reference for c in seen] == sorted(c.reference for c in made)


def test_the_share_of_cases_is_read_from_the_reference_counters(org_a, org_b, alice, bob):
    for _ in range(3):
        make_case(org_a, alice)
    make_case(org_b, bob)
    assert listing.share_of_cases({org_a.pk}) == 0.75
    assert listing.share_of_cases({org_a.pk, org_b.pk}) == 1.0
    assert listing.share_of_cases(set()) == 0.0


def test_an_unknown_queue_or_sort_is_refused_with_what_to_choose(alice):
    from candour.cases.intake import InvalidCase

    with pytest.raises(InvalidCase, match="queue: is not a queue; choose one of open, mine"):
        listing.page(alice, queue="everything")
    with pytest.raises(InvalidCase, match="sort: is not a sort; choose one of response_due"):
        listing.page(alice, sort="colour")
