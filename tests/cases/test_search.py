"""Search (candour.cases.listing.search): by reference, name, NHS number, date of birth,
postcode and the complaint's words, on both databases; scoped to the user's cases; R8 for
confidential complainants; and both ways of matching (a list of ids, or a check per row)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from candour.cases import fulltext, listing
from candour.cases.consent import approve_summary
from candour.cases.intake import InvalidCase
from candour.cases.investigation import add_issue
from candour.cases.people import PersonDetails
from tests.conftest import make_case

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00


def found(user, q: str, **filters) -> set[str]:
    seen, cursor = set(), None
    while True:
        page = listing.page(user, q=q, limit=5, cursor=cursor, **filters)
        seen |= {c.reference for c in page.cases}
        cursor = page.next_cursor
        if not cursor:
            return seen


@pytest.fixture(params=["listed", "row by row", "words known to be common"])
def way(request, monkeypatch):
    """Every search runs each way: with the matching ids listed; (as for a common word at a
    million cases) checked on each case walked in order; and with the words checked that way
    from the start, as when PostgreSQL's statistics say they are common (the decision itself
    is tested below with real statistics)."""
    if request.param == "row by row":
        monkeypatch.setattr(listing, "SEARCH_LIST_LIMIT", 0)
    if request.param == "words known to be common":
        monkeypatch.setattr(fulltext, "surely_common", lambda text, limit: bool(text.strip()))
    return request.param


@pytest.fixture
def cases(org_a, org_b, alice, bob):
    grace = make_case(
        org_a,
        alice,
        description="The receptionist was rude when I asked about my X-ray.",
        desired_outcome="A written apology from the practice manager.",
        complainant=PersonDetails(
            first_name="Grace",
            last_name="O'Hara",
            postcode="WS2 8QT",
            date_of_birth=date(1980, 3, 12),
            nhs_number="943 476 5919",
        ),
        issues=["Attitude of reception staff"],
    )
    omar = make_case(
        org_a,
        alice,
        channel="phone",
        description="Diagnosis of my fracture was delayed by three weeks.",
        complainant=PersonDetails(first_name="Omar", last_name="Haddad", postcode="DY1 4AB"),
        issues=["Delayed diagnosis"],
    )
    secret = make_case(
        org_a,
        alice,
        confidential=True,
        description="A confidential matter about physiotherapy referrals.",
        complainant=PersonDetails(
            first_name="Quentin",
            last_name="Marlowe",
            postcode="WS9 9ZZ",
            date_of_birth=date(1975, 7, 1),
            nhs_number="9434765870",
        ),
    )
    theirs = make_case(
        org_b,
        bob,
        description="The receptionist was rude about my X-ray.",
        complainant=PersonDetails(
            first_name="Grace",
            last_name="O'Hara",
            postcode="WS2 8QT",
            date_of_birth=date(1980, 3, 12),
            nhs_number="9434765919",
        ),
    )
    return {"grace": grace, "omar": omar, "secret": secret, "theirs": theirs}


def refs(cases, *names) -> set[str]:
    return {cases[n].reference for n in names}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("grace", ["grace"]),
        ("GRACE o'hara", ["grace"]),
        ("o'har", ["grace"]),
        ("Haddad", ["omar"]),
        ("om had", ["omar"]),
        ("9434765919", ["grace"]),
        ("943 476 5919", ["grace"]),
        ("12/03/1980", ["grace"]),
        ("12-3-1980", ["grace"]),
        ("12 March 1980", ["grace"]),
        ("12 mar 1980", ["grace"]),
        ("1980-03-12", ["grace"]),
        ("ws2 8qt", ["grace"]),
        ("WS28QT", ["grace"]),
        ("WS2", ["grace"]),
        ("DY1", ["omar"]),
        ("receptionist rude", ["grace"]),  # description
        ("apology", ["grace"]),  # desired outcome
        ("attitude", ["grace"]),  # an issue
        ("delay", ["omar"]),  # "delayed", stemmed
        ("fractures", ["omar"]),
        ("rude fracture", []),  # every word must be there
        ("hippopotamus", []),
    ],
)
def test_it_finds_by_each_key(alice, cases, way, q, expected):
    assert found(alice, q) == refs(cases, *expected)


def test_it_finds_by_reference_and_its_start(alice, cases, way):
    assert found(alice, cases["omar"].reference) == refs(cases, "omar")
    assert found(alice, cases["omar"].reference.lower()) == refs(cases, "omar")
    assert found(alice, "WAL-2026") == refs(cases, "grace", "omar", "secret")


def test_words_written_later_are_found(alice, cases, way):
    add_issue(cases["omar"], by=alice, description="Plaster cast was too tight")
    assert found(alice, "plaster") == refs(cases, "omar")
    approve_summary(cases["omar"], by=alice, summary="Caller worried about a tendon.")
    assert found(alice, "tendon") == refs(cases, "omar")
    assert found(alice, "fracture") == refs(cases, "omar")  # the description is still there


def test_r8_a_confidential_complainant_is_found_only_by_those_who_may_see_them(
    alice, ivan, cases, way
):
    for q in ("Marlowe", "quentin", "9434765870", "01/07/1975", "WS9 9ZZ", "physiotherapy"):
        assert found(alice, q) == refs(cases, "secret"), q
        assert found(ivan, q) == set(), q
    # The reference is not an identity: staff who may see the case find it by reference.
    assert found(ivan, cases["secret"].reference) == refs(cases, "secret")


def test_an_outsider_finds_nothing_of_another_organisation_by_any_key(bob, cases, way):
    other = cases["grace"]
    for q in (
        other.reference,
        "WAL",
        "Haddad",
        "Omar",
        "DY1 4AB",
        "DY1",
        "fracture",
        "delayed",
        "Marlowe",
        "9434765870",
        "01/07/1975",
        "physiotherapy referrals",
    ):
        assert found(bob, q) == set(), q
    # Bob's own case shares Grace's details and words: only his is found.
    for q in ("Grace O'Hara", "9434765919", "12/03/1980", "WS2 8QT", "receptionist rude"):
        assert found(bob, q) == refs(cases, "theirs"), q


def test_search_keeps_to_the_queue_and_filters(alice, cases, way):
    assert found(alice, "WS2", queue="open") == refs(cases, "grace")
    assert found(alice, "WS2", queue="closed") == set()
    assert found(alice, "fracture", kind="concern") == set()


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("31/02/1980", "'31/02/1980' is not a real date; write a date of birth like 12/03/1980"),
        ("12/03/80", "give the year of birth in full, like 12/03/1980"),
        ("30 February 1990", "is not a real date"),
    ],
)
def test_a_malformed_date_says_how_to_write_it(alice, cases, q, message):
    with pytest.raises(InvalidCase, match=message):
        listing.page(alice, q=q)


def test_the_full_text_index_is_in_place_after_every_migration(db):
    """On SQLite, a later migration that rebuilds cases_case or cases_issue (as SQLite's
    schema editor does to alter a column) drops their triggers: this fails until that
    migration puts them back (docs/adr/0006). On PostgreSQL, the two GIN indexes."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            for table in (fulltext.SQLITE_CASE_TABLE, fulltext.SQLITE_ISSUE_TABLE):
                assert {f"{table}_insert", f"{table}_update", f"{table}_delete"} <= triggers
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%to_tsvector%'")
            assert {row[0] for row in cursor.fetchall()} == {
                "case_text_search",
                "issue_text_search",
            }


def test_a_search_across_several_organisations_walks_each_and_keeps_the_order(
    rita, hugo, region, site, way
):
    made = [make_case(site, hugo, description="Wheelchair access was refused.") for _ in range(3)]
    made += [make_case(region, rita, description="Wheelchair was broken.") for _ in range(3)]
    make_case(site, hugo, description="Something else entirely.")
    seen, cursor = [], None
    while True:
        page = listing.page(rita, q="wheelchair", queue="all", limit=2, cursor=cursor)
        seen += page.cases
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(c.pk for c in seen) == sorted(c.pk for c in made)


def test_words_are_known_to_be_common_from_postgresqls_statistics_only_when_they_are(org_a, alice):
    for n in range(60):
        make_case(org_a, alice, description=f"Parking at the surgery was full, visit {n}.")
    make_case(org_a, alice, description="Pain in the zygomatic arch after the extraction.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    if connection.vendor != "postgresql":
        # SQLite lists a word's first ids from FTS5 cheaply, so it never skips listing them.
        assert not fulltext.surely_common("parking", 10)
        return
    assert fulltext.surely_common("parking", 10)
    assert fulltext.surely_common("parking surgery", 10)
    # Too few to be worth checking row by row, or too rare, or not there at all.
    assert not fulltext.surely_common("parking", 100)
    assert not fulltext.surely_common("zygomatic", 5)
    assert not fulltext.surely_common("dentist", 5)
    assert not fulltext.surely_common("", 5)
    # Either way, the search finds the same cases.
    assert len(found(alice, "parking")) == 60
