"""The case list: order, pages, filters, search, identities and its query count."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candour.cases.handling import assign_handler
from candour.cases.people import PersonDetails
from tests.conftest import at, make_case

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def many(org_a, alice):
    """Cases received over the last weeks: some waiting for consent (no response date),
    some confidential, some anonymous, some with a handler."""
    cases = []
    for n in range(30):
        received = at(date(2026, 11, 2) - timedelta(days=n % 12), 8)
        extra = {}
        if n % 5 == 0:
            extra = {"relationship": "relative", "patient": PersonDetails(first_name="Pat")}
        if n % 7 == 0:
            extra["confidential"] = True
        if n % 11 == 0:
            extra.update(anonymous=True, complainant=None)
        case = make_case(org_a, alice, received_at=received, **extra)
        if n % 3 == 0:
            case = assign_handler(case, by=alice, handler=alice)
        cases.append(case)
    return cases


def walk(api, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.get("/cases", **params, **({"cursor": cursor} if cursor else {})).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def test_the_default_order_is_soonest_response_first_with_undated_cases_last(as_alice, many):
    items = walk(as_alice, limit=7)
    assert len(items) == len({i["reference"] for i in items}) == 30
    dues = [i["response_due"] for i in items]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated)
    assert dues[len(dated) :] == [None] * (30 - len(dated))
    assert 0 < len(dated) < 30


@pytest.mark.parametrize("sort", ["received_at", "-received_at", "reference"])
def test_every_sort_pages_through_every_case_once_in_order(as_alice, many, sort):
    items = walk(as_alice, sort=sort, limit=4)
    assert len({i["reference"] for i in items}) == 30
    key = sort.lstrip("-")
    values = [i[key] for i in items]
    assert values == sorted(values, reverse=sort.startswith("-"))


def test_the_count_is_given_only_when_asked(as_alice, many):
    assert as_alice.get("/cases").json()["count"] is None
    assert as_alice.get("/cases", count="true", limit=5).json()["count"] == 30


def test_it_filters_by_status_kind_and_organisation(as_alice, org_a, alice, many):
    make_case(org_a, alice, kind="concern")
    assert [c["kind"] for c in as_alice.get("/cases", kind="concern").json()["items"]] == [
        "concern"
    ]
    assert as_alice.get("/cases", status="closed").json()["items"] == []
    assert as_alice.get("/cases", organisation="wal", count="true").json()["count"] == 31


def test_the_list_shows_names_only_where_identity_may_be_seen(as_alice, as_ivan, many):
    for_alice = {i["reference"]: i for i in as_alice.get("/cases", limit=100).json()["items"]}
    for_ivan = {i["reference"]: i for i in as_ivan.get("/cases", limit=100).json()["items"]}
    for case in many:
        if case.anonymous:
            expected_alice = expected_ivan = "Anonymous"
        elif case.confidential:
            expected_alice, expected_ivan = "Ms Ada Example", "Confidential"
        else:
            expected_alice = expected_ivan = "Ms Ada Example"
        assert for_alice[case.reference]["complainant"] == expected_alice
        assert for_ivan[case.reference]["complainant"] == expected_ivan
        assert for_alice[case.reference]["handler"] == ("alice" if case.handler_id else None)


def queries_per_page(api, *limits) -> list[int]:
    api.get("/cases", limit=1)  # warm anything cached per process
    counts = []
    for limit in limits:
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/cases", limit=limit)
        assert response.status_code == 200
        counts.append(len(queries))
    return counts


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(as_alice, many):
    small, large = queries_per_page(as_alice, 5, 50)
    assert len(as_alice.get("/cases", limit=50).json()["items"]) == 30
    assert small == large


def test_search_finds_by_reference_name_nhs_number_and_postcode(as_alice, org_a, alice):
    wanted = make_case(
        org_a,
        alice,
        complainant=PersonDetails(first_name="Zoe", last_name="Quill", postcode="B1 2CD"),
        relationship="relative",
        patient=PersonDetails(first_name="Yan", last_name="Quill", nhs_number="9434765919"),
    )
    make_case(org_a, alice)
    for q in (wanted.reference, wanted.reference.lower(), "quill", "Zoe Quill", "yan"):
        found = as_alice.get("/cases", q=q).json()["items"]
        assert [c["reference"] for c in found] == [wanted.reference], q
    for q in ("943 476 5919", "b1 2cd", "B1"):
        found = as_alice.get("/cases", q=q).json()["items"]
        assert [c["reference"] for c in found] == [wanted.reference], q
    assert as_alice.get("/cases", q="Nobody").json()["items"] == []


def test_search_does_not_reveal_who_made_a_confidential_complaint(as_alice, as_ivan, org_a, alice):
    secret = make_case(
        org_a, alice, confidential=True, complainant=PersonDetails(last_name="Hidden")
    )
    assert [c["reference"] for c in as_alice.get("/cases", q="Hidden").json()["items"]] == [
        secret.reference
    ]
    assert as_ivan.get("/cases", q="Hidden").json()["items"] == []
    # The reference is not an identity: staff who may see the case find it by reference.
    by_reference = as_ivan.get("/cases", q=secret.reference).json()["items"]
    assert [c["complainant"] for c in by_reference] == ["Confidential"]


def test_a_limit_over_100_is_422_naming_the_limit(as_alice):
    response = as_alice.get("/cases", limit=101)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "limit"


@pytest.mark.parametrize("cursor", ["garbage", "WyJyZWZlcmVuY2UiLCJ4IiwxXQ"])
def test_a_bad_cursor_is_422_naming_the_cursor(as_alice, cursor):
    # The second is a valid cursor for sort=reference, not for the default sort.
    response = as_alice.get("/cases", cursor=cursor)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "cursor"


def test_an_unknown_status_is_422_naming_the_status(as_alice):
    response = as_alice.get("/cases", status="lost")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "status"


@pytest.fixture
def across_a_region(region, site, rita, hugo):
    """Cases in a region and a site below it, received on different days; the compliments
    have no response date. Rita, at the region, sees both organisations."""
    cases = []
    for n in range(24):
        org, by = (region, rita) if n % 3 == 0 else (site, hugo)
        kind = "compliment" if n % 5 == 0 else "complaint"
        received = at(date(2026, 11, 2) - timedelta(days=(n * 7) % 19), 3 + n % 5)
        cases.append(make_case(org, by, kind=kind, received_at=received))
    return cases


@pytest.mark.parametrize("sort", ["response_due", "received_at", "-received_at"])
def test_a_user_over_several_organisations_pages_in_one_order_across_them(
    rita, across_a_region, sort
):
    """Each organisation is walked on its own index (listing._walk); the merged pages must be
    exactly the order of one sort over all the user's cases."""
    from candour.cases import listing
    from candour.cases.models import Case

    field = sort.lstrip("-")
    expected = sorted(
        Case.objects.filter(pk__in=[c.pk for c in across_a_region]),
        key=lambda c: (getattr(c, field) is None, getattr(c, field) or date.min, c.pk),
        reverse=sort.startswith("-"),
    )
    seen, cursor = [], None
    while True:
        found = listing.page(rita, sort=sort, limit=5, cursor=cursor)
        seen += [c.reference for c in found.cases]
        if not (cursor := found.next_cursor):
            break
    assert seen == [c.reference for c in expected]
    assert {c.organisation.code for c in found.cases} <= {"SEHN", "SEHX"}


def test_a_user_over_several_organisations_pays_the_same_queries_for_any_page_size(
    as_rita, across_a_region
):
    small, large = queries_per_page(as_rita, 3, 30)
    assert len(as_rita.get("/cases", limit=30).json()["items"]) == 24
    assert small == large
