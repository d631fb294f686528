"""The worklist (the signed-in home page): only the user's organisations' cases, R8 on the
complainant, the red/amber/green tag from the deadline rule, filters and the next page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from candour.calendars import WorkingCalendar
from candour.cases.deadlines import Urgency, urgency
from candour.cases.models import Case, Kind, Status
from candour.organisations.setup import add_member

from ..conftest import make_case, sign_in, user


def page(client, **params) -> str:
    response = client.get(reverse("web:worklist"), params)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def test_the_worklist_is_the_home_page_and_shows_the_organisations_cases(
    client, org_a, alice, frozen
):
    case = make_case(org_a, alice)
    text = page(sign_in(client, alice))
    assert f'href="/cases/{case.reference}/"' in text
    assert "Ada Example" in text
    assert "Formal complaint</span></td>" in text


def test_an_outsider_sees_nothing_of_another_organisations_cases(
    client, org_a, alice, bob, org_b, frozen
):
    theirs = make_case(org_a, alice)
    mine = make_case(org_b, bob)
    text = page(sign_in(client, bob))
    assert mine.reference in text
    assert theirs.reference not in text
    assert "Ada Example" in text  # bob's own case has the same synthetic complainant


def test_a_regional_user_sees_the_sites_cases(client, site, hugo, rita, org_a, alice, frozen):
    at_site = make_case(site, hugo)
    elsewhere = make_case(org_a, alice)
    text = page(sign_in(client, rita))
    assert at_site.reference in text
    assert elsewhere.reference not in text


def test_a_confidential_complainant_is_hidden_from_staff_without_need_to_know(
    client, org_a, alice, ivan, frozen
):
    make_case(org_a, alice, confidential=True)
    assert "Ada Example" not in page(sign_in(client, ivan))
    assert "Confidential" in page(sign_in(client, ivan))
    assert "Ada Example" in page(sign_in(client, alice))


def test_filters_by_status_and_kind(client, org_a, alice, frozen):
    complaint = make_case(org_a, alice)
    concern = make_case(org_a, alice, kind=Kind.CONCERN)
    signed_in = sign_in(client, alice)
    text = page(signed_in, kind=Kind.CONCERN)
    assert concern.reference in text and complaint.reference not in text
    text = page(signed_in, status=Status.CLOSED)
    assert complaint.reference not in text and "There are no cases to show" in text


def test_an_unknown_filter_value_says_what_to_do(client, org_a, alice, frozen):
    response = sign_in(client, alice).get(reverse("web:worklist"), {"status": "nonsense"})
    assert response.status_code == 400
    assert "Choose a status from the list" in response.content.decode()


def test_the_next_page_link_walks_on_without_repeating_a_case(client, org_a, alice, frozen):
    from candour.web import views

    made = {make_case(org_a, alice).reference for _ in range(views.PAGE_SIZE + 2)}
    signed_in = sign_in(client, alice)
    first = signed_in.get(reverse("web:worklist"))
    text = first.content.decode()
    seen = {r for r in made if r in text}
    assert len(seen) == views.PAGE_SIZE
    next_href = text.split('nhsuk-pagination__link--next" href="')[1].split('"')[0]
    second = signed_in.get(next_href.replace("&amp;", "&")).content.decode()
    rest = {r for r in made if r in second}
    assert rest == made - seen


def test_a_broken_cursor_shows_the_first_page_with_a_message(client, org_a, alice, frozen):
    make_case(org_a, alice)
    response = sign_in(client, alice).get(reverse("web:worklist"), {"cursor": "garbage"})
    assert response.status_code == 400
    assert "That page link no longer works" in response.content.decode()


def test_the_organisation_switcher_narrows_to_one_organisation_and_never_widens(
    client, org_a, alice, region, site, hugo, org_b, bob, frozen
):
    add_member(alice, region, "Regional Governance Manager")
    in_a = make_case(org_a, alice)
    at_site = make_case(site, hugo)
    in_b = make_case(org_b, bob)
    signed_in = sign_in(client, alice)
    text = page(signed_in)
    assert in_a.reference in text and at_site.reference in text and "Working in" in text

    signed_in.post(reverse("web:choose-organisation"), {"organisation": region.pk})
    text = page(signed_in)
    assert at_site.reference in text and in_a.reference not in text

    # Choosing an organisation the user has no role in is ignored: all of theirs again.
    signed_in.post(reverse("web:choose-organisation"), {"organisation": org_b.pk})
    text = page(signed_in)
    assert in_b.reference not in text
    assert in_a.reference in text and at_site.reference in text


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2026, 10, 30), Urgency.OVERDUE),  # Friday before
        (date(2026, 11, 2), Urgency.DUE_SOON),  # today
        (date(2026, 11, 5), Urgency.DUE_SOON),  # Thursday: 3 working days on
        (date(2026, 11, 6), Urgency.LATER),  # Friday: 4 working days on
        (None, None),
    ],
)
def test_urgency_is_overdue_due_within_three_working_days_or_later(due, expected):
    today = date(2026, 11, 2)  # a Monday
    assert urgency(due, today, WorkingCalendar.for_nation("ENG")) == expected


def test_the_urgency_counts_working_days_across_christmas():
    # Tue 23 Dec 2025: Wed 24 (1), Mon 29 (2), Tue 30 (3): Tue 30 is due soon, Wed 31 is not.
    calendar = WorkingCalendar.for_nation("ENG")
    assert urgency(date(2025, 12, 30), date(2025, 12, 23), calendar) == Urgency.DUE_SOON
    assert urgency(date(2025, 12, 31), date(2025, 12, 23), calendar) == Urgency.LATER


def test_the_worklist_tags_an_overdue_case_red(client, org_a, alice, frozen):
    case = make_case(org_a, alice)
    Case.objects.filter(pk=case.pk).update(next_due=date(2026, 10, 1))
    text = page(sign_in(client, alice))
    assert 'nhsuk-tag nhsuk-tag--red" title="the date has passed">Overdue' in text


def test_the_worklist_is_a_fixed_number_of_queries(
    client, org_a, alice, frozen, django_assert_max_num_queries
):
    for _ in range(10):
        make_case(org_a, alice)
    signed_in = sign_in(client, alice)
    signed_in.get(reverse("web:worklist"))
    # Session, user and device; scope; the page and its parties; calendars; queue counts,
    # with the user's roles and the letters in sign-off for "Awaiting my sign-off", and the
    # referrals awaiting Ombudsman information; filter counts; the switcher; the restrictions
    # due for review (issue 17); the parts of joint complaints due from the user's
    # organisations, and those its joint complaints await (R31); the policy that names the
    # escalation body's queue: 23, whatever the number of cases.
    with django_assert_max_num_queries(23):
        signed_in.get(reverse("web:worklist"))


def test_a_user_with_no_organisation_sees_an_empty_worklist(client, org_a, alice, frozen):
    make_case(org_a, alice)
    assert "There are no cases to show" in page(sign_in(client, user("nobody")))


def test_each_user_sees_their_own_header_though_it_is_remembered(
    client, org_a, org_b, alice, bob, frozen
):
    # The header is rendered once per set of parameters (candour.web.jinja.remembered): the
    # signed-in user's name is one of them, so nobody sees another's.
    alice.first_name, alice.last_name = "Alice", "Ashdown"
    alice.save()
    for _ in range(2):
        text = page(sign_in(client, alice))
        assert "Alice Ashdown" in text
        client.logout()
        text = page(sign_in(client, bob))
        assert "Alice Ashdown" not in text and ">bob<" in text.replace("\n", "").replace(" ", "")
        client.logout()


def test_remembered_output_is_keyed_by_every_parameter_and_told_apart_from_undefined():
    from jinja2 import ChainableUndefined

    from candour.web import jinja

    calls = []

    class Echo:
        name = "echo"

        def __call__(self, params):
            calls.append(params)
            return repr(sorted(params))

    echo = Echo()
    first = jinja.remembered(echo, {"a": "x", "b": [1, {"c": True}]})
    assert jinja.remembered(echo, {"b": [1, {"c": True}], "a": "x"}) == first
    assert len(calls) == 1
    jinja.remembered(echo, {"a": "x", "b": [1, {"c": False}]})
    jinja.remembered(echo, {"a": ChainableUndefined(), "b": [1, {"c": True}]})
    jinja.remembered(echo, {"a": "", "b": [1, {"c": True}]})
    assert len(calls) == 4
