"""The worklist page's queues, filters with their counts, sorts and bad input, through the
real view with a signed-in, verified user."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from candour.cases.handling import acknowledge_case, assign_investigator, grade_case
from candour.cases.listing import COUNTED_QUEUES, Queue, queue_labels
from candour.cases.models import Case, Kind, Status
from candour.cases.people import PersonDetails
from candour.letters.signoff import start_letter

from ..conftest import make_case, sign_in

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00


def get(client, expect=200, **params) -> str:
    response = client.get(reverse("web:worklist"), params)
    assert response.status_code == expect, response.content.decode()[:800]
    return response.content.decode()


# A case's reference in the worklist, after the heading a phone shows beside it.
CASE_LINK = (
    r'<td class="nhsuk-table__cell">(?:<span class="nhsuk-table-responsive__heading"[^<]*</span>'
    r'<span>)?<a href="/cases/([^/]+)/">'
)


def listed(text: str) -> set[str]:
    return set(re.findall(CASE_LINK, text))


def queue_count(text: str, queue: Queue, organisations=()) -> int:
    """The count beside a queue's name, as the organisations' policies name it."""
    label = queue_labels(organisations)[queue].replace("'", "&#39;")
    found = re.search(re.escape(label) + r' <span class="candour-count">([\d,]+)</span>', text)
    assert found, f"no count for {label}"
    return int(found.group(1).replace(",", ""))


@pytest.fixture
def desk(org_a, org_b, alice, ivan, bob):
    new = make_case(org_a, alice, service="Reception")
    ivans = acknowledge_case(make_case(org_a, alice, service="Pharmacy"), by=alice, method="email")
    ivans = grade_case(ivans, by=alice, level=2)
    ivans = assign_investigator(ivans, by=alice, investigator=ivan)
    waiting = make_case(
        org_a, alice, relationship="relative", patient=PersonDetails(first_name="Tom")
    )
    comment = make_case(org_a, alice, kind=Kind.COMMENT, service="Reception")
    overdue = make_case(org_a, alice)
    Case.objects.filter(pk=overdue.pk).update(next_due=date(2026, 10, 20))
    closed = make_case(org_a, alice)
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED, next_due=None)
    elsewhere = make_case(org_b, bob)
    start_letter(ivans, "acknowledgement", by=alice)
    start_letter(elsewhere, "acknowledgement", by=bob)
    return {
        "new": new,
        "ivans": ivans,
        "waiting": waiting,
        "comment": comment,
        "overdue": overdue,
        "closed": closed,
        "b": elsewhere,
    }


def refs(desk, *names) -> set[str]:
    return {desk[n].reference for n in names}


def test_each_queue_lists_what_its_name_says(client, alice, ivan, desk):
    signed_in = sign_in(client, alice)
    assert listed(get(signed_in)) == refs(desk, "new", "ivans", "waiting", "comment", "overdue")
    assert listed(get(signed_in, queue="team")) == refs(desk, "ivans")
    assert listed(get(signed_in, queue="unassigned")) == refs(
        desk, "new", "waiting", "comment", "overdue"
    )
    assert listed(get(signed_in, queue="awaiting_acknowledgement")) == refs(
        desk, "new", "waiting", "overdue"
    )
    assert listed(get(signed_in, queue="awaiting_consent")) == refs(desk, "waiting")
    assert listed(get(signed_in, queue="awaiting_sign_off")) == refs(desk, "ivans")
    assert listed(get(signed_in, queue="overdue")) == refs(desk, "overdue")
    assert listed(get(signed_in, queue="closed")) == refs(desk, "closed")
    assert listed(get(signed_in, queue="all")) == refs(
        desk, "new", "ivans", "waiting", "comment", "overdue", "closed"
    )
    # Acknowledgement of the new ones is due Thu 5 Nov (3 working days): within 5 working
    # days, not within 2; Ivan's case is acknowledged and next due weeks away.
    due_soon = listed(get(signed_in, queue="due_soon", due_within="5"))
    assert refs(desk, "new", "waiting") <= due_soon
    assert not due_soon & refs(desk, "ivans", "overdue", "closed")
    assert not listed(get(signed_in, queue="due_soon", due_within="2")) & refs(desk, "new")
    assert listed(get(sign_in(client, ivan), queue="mine")) == refs(desk, "ivans")


def test_the_counts_beside_the_queues_are_the_rows_they_list(client, alice, org_a, desk):
    signed_in = sign_in(client, alice)
    for due_within in ("1", "5", "20"):
        home = get(signed_in, due_within=due_within)
        for queue in COUNTED_QUEUES:
            shown = queue_count(home, queue, [org_a])
            rows = listed(get(signed_in, queue=queue.value, due_within=due_within))
            assert shown == len(rows), (queue, due_within)


def test_each_filter_narrows_the_queue_and_its_count_matches(client, alice, desk):
    signed_in = sign_in(client, alice)
    home = get(signed_in)
    cases = [
        ("kind", "comment", "Comment", refs(desk, "comment")),
        ("status", "open", "Open", refs(desk, "ivans")),
        ("grade", "2", "Grade 2", refs(desk, "ivans")),
        ("stage", "1", "Stage 1", refs(desk, "new", "ivans", "waiting", "comment", "overdue")),
        ("service", "Reception", "Reception", refs(desk, "new", "comment")),
    ]
    for field, value, label, expected in cases:
        option = re.search(
            rf'<option value="{re.escape(value)}"[^>]*>{re.escape(label)} \((\d+)\)</option>',
            home,
        )
        assert option, (field, value)
        assert int(option.group(1)) == len(expected), field
        assert listed(get(signed_in, **{field: value})) == expected, field


def test_filters_combine_and_the_counts_follow_the_other_filters(client, alice, desk):
    signed_in = sign_in(client, alice)
    text = get(signed_in, kind="complaint", service="reception")
    assert listed(text) == refs(desk, "new")
    # The kind counts are those of the Reception cases, whatever kind is chosen now.
    assert re.search(r'<option value="comment"[^>]*>Comment \(1\)</option>', text)
    assert re.search(r'<option value="complaint"[^>]*selected[^>]*>Formal complaint \(1\)', text)


def test_the_columns_sort_and_say_how(client, alice, desk):
    signed_in = sign_in(client, alice)
    by_reference = get(signed_in, sort="reference", queue="all")
    order = re.findall(CASE_LINK, by_reference)
    assert order == sorted(order)
    assert 'aria-sort="ascending"' in by_reference
    by_due = get(signed_in, sort="next_due")
    order = re.findall(CASE_LINK, by_due)
    assert order[0] == desk["overdue"].reference
    newest = get(signed_in, sort="-received_at", queue="all")
    assert 'aria-sort="descending"' in newest


def test_the_due_date_shows_its_tag_and_rule(client, alice, desk):
    text = get(sign_in(client, alice), queue="overdue")
    assert "20 Oct 2026" in text or "20 October 2026" in text
    assert "nhsuk-tag--red" in text
    assert '<span class="nhsuk-body-s candour-rule">the date has passed</span>' in text
    # The rule is shown, so a screen reader is not given it a second time as hidden text.
    assert ": the date has passed</span>" not in text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"queue": "everything"}, "queue", "Choose a queue from the list"),
        ({"sort": "colour"}, "sort", "Choose a sort from the column headings"),
        ({"grade": "x"}, "grade", "Choose a grade from the list"),
        ({"stage": "12"}, "stage", "Choose a stage from the list"),
        ({"due_within": "-3"}, "due_within", "Enter the number of working days"),
        ({"due_within": "999"}, "due_within", "Enter the number of working days"),
    ],
)
def test_bad_input_says_what_to_fix_and_shows_the_first_page(
    client, alice, desk, params, field, message
):
    text = get(sign_in(client, alice), expect=400, **params)
    assert "There is a problem" in text
    assert message in text
    assert listed(text) == refs(desk, "new", "ivans", "waiting", "comment", "overdue")


def test_an_outsider_sees_nothing_of_it_in_any_queue_or_count(client, bob, desk):
    signed_in = sign_in(client, bob)
    for queue in Queue:
        assert listed(get(signed_in, queue=queue.value)) <= refs(desk, "b")
    assert queue_count(get(signed_in), Queue.OPEN) == 1
