"""Search through the staff application: the header's box and the worklist's, results in the
worklist's table, scoped to the user's cases, R8, and a date that is not a date."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from candour.cases.people import PersonDetails

from ..conftest import make_case, sign_in

pytestmark = pytest.mark.usefixtures("frozen")


def listed(text: str) -> set[str]:
    return set(
        re.findall(
            r'<td class="nhsuk-table__cell">(?:<span class="nhsuk-table-responsive__heading"'
            r'[^<]*</span><span>)?<a href="/cases/([^/]+)/">',
            text,
        )
    )


def search(client, q, expect=200, **params) -> str:
    response = client.get(reverse("web:worklist"), {"q": q, **params})
    assert response.status_code == expect, response.content.decode()[:800]
    return response.content.decode()


@pytest.fixture
def people(org_a, org_b, alice, bob):
    jo = make_case(
        org_a,
        alice,
        description="Nobody explained the side effects of my new inhaler.",
        complainant=PersonDetails(
            first_name="Jo",
            last_name="Pemberton",
            postcode="WS3 2PL",
            date_of_birth=date(1980, 3, 12),
            nhs_number="9434765919",
        ),
    )
    hidden = make_case(
        org_a,
        alice,
        confidential=True,
        description="About the inhaler clinic.",
        complainant=PersonDetails(first_name="Nell", last_name="Quayle", postcode="WS4 1AA"),
    )
    theirs = make_case(
        org_b,
        bob,
        description="My inhaler prescription was lost.",
        complainant=PersonDetails(first_name="Ray", last_name="Pemberton", postcode="B1 1AA"),
    )
    return {"jo": jo, "hidden": hidden, "theirs": theirs}


def test_the_header_has_a_search_box_on_every_staff_page(client, alice, people):
    signed_in = sign_in(client, alice)
    for url in (reverse("web:worklist"), reverse("web:case", args=[people["jo"].reference])):
        text = signed_in.get(url).content.decode()
        assert 'action="/"' in text and 'name="q"' in text and 'id="search-field"' in text


@pytest.mark.parametrize(
    "q",
    [
        "Pemberton",
        "jo pem",
        "943 476 5919",
        "12/03/1980",
        "12 March 1980",
        "1980-03-12",
        "WS3 2PL",
        "ws32pl",
        "side effects",
    ],
)
def test_it_finds_by_each_key_in_the_worklist_table(client, alice, people, q):
    text = search(sign_in(client, alice), q)
    assert listed(text) == {people["jo"].reference}
    assert "Cases matching" in text and "Pemberton" in text


def test_it_finds_by_reference(client, alice, people):
    assert listed(search(sign_in(client, alice), people["jo"].reference)) == {
        people["jo"].reference
    }


def test_free_text_finds_every_case_of_the_user_with_the_word(client, alice, bob, people):
    assert listed(search(sign_in(client, alice), "inhaler")) == {
        people["jo"].reference,
        people["hidden"].reference,
    }
    assert listed(search(sign_in(client, bob), "inhaler")) == {people["theirs"].reference}


def test_r8_hides_a_confidential_case_from_a_search_by_who_complained(client, alice, ivan, people):
    assert listed(search(sign_in(client, alice), "Quayle")) == {people["hidden"].reference}
    for q in ("Quayle", "Nell", "WS4 1AA", "inhaler clinic"):
        assert listed(search(sign_in(client, ivan), q)) == set(), q


def test_an_outsider_finds_nothing_of_another_organisation(client, bob, people):
    signed_in = sign_in(client, bob)
    for q in (
        people["jo"].reference,
        "Jo Pemberton",
        "9434765919",
        "12/03/1980",
        "WS3 2PL",
        "WS3",
        "side effects",
        "Quayle",
    ):
        assert listed(search(signed_in, q)) == set(), q
    assert "There are no cases to show matching this search" in search(signed_in, "Quayle")


def test_a_date_that_is_not_a_date_says_how_to_write_one_and_shows_the_first_page(
    client, alice, people
):
    text = search(sign_in(client, alice), "31/02/1980", expect=400)
    assert "There is a problem" in text
    assert "is not a real date; write a date of birth like 12/03/1980" in text
    assert listed(text) == {people["jo"].reference, people["hidden"].reference}


def test_a_search_can_be_narrowed_by_queue_and_filters(client, alice, people):
    signed_in = sign_in(client, alice)
    assert listed(search(signed_in, "inhaler", queue="closed")) == set()
    assert listed(search(signed_in, "inhaler", kind="concern")) == set()
    text = search(signed_in, "inhaler", queue="open")
    assert listed(text) == {people["jo"].reference, people["hidden"].reference}
