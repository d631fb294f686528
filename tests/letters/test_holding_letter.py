"""Keeping the complainant informed (R19, R20): a holding letter names the response date
agreed with the complainant, so it cannot start without one; sending it is an update to the
complainant, and, when the date it names is past the six-month point, the six-month letter
the 2009 Regulations ask for (reg 14(4))."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from candour.audit.models import AuditEvent
from candour.cases import deadlines
from candour.cases.changes import recorded_late
from candour.cases.handling import acknowledge_case, agree_extension, agree_response_date
from candour.cases.models import Case
from candour.cases.workflow import TransitionNotAllowed
from candour.letters import signoff
from candour.letters.dispatch import dispatch_letter
from candour.letters.models import Letter

from ..conftest import at, make_case, organisation, sign_in
from .conftest import events, last_event, member

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026, 09:00

RECEIVED = at(date(2026, 11, 2), 9)
SIX_MONTHS = date(2027, 5, 1)  # six months beginning on the day of receipt (reg 14)


def deadline(case, key: str) -> deadlines.Deadline:
    return {d.key: d for d in deadlines.for_case(Case.objects.get(pk=case.pk))}[key]


def acknowledged(org, by) -> Case:
    return acknowledge_case(make_case(org, by), by=by, method="letter")


def holding_letter(case, by, **dispatch) -> Letter:
    """Start, fill in, sign and (with `dispatch`) send a holding letter."""
    letter = signoff.start_letter(case, "holding", by=by)
    body = letter.versions.get().section("body")
    body = body.replace("[[say why, plainly]]", "we are waiting for the ward's records")
    signoff.revise(letter, by=by, sections=[["body", body]])
    signoff.approve(letter, by=by)
    if dispatch:
        dispatch_letter(letter, by=by, **dispatch)
    return letter


def text(letter) -> str:
    return " ".join(t for _, t in letter.versions.order_by("-number").first().sections)


# --- starting it --------------------------------------------------------------------------


def test_a_holding_letter_cannot_start_without_an_agreed_response_date(org_a, alice):
    case = acknowledged(org_a, alice)
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as refused:
        signoff.start_letter(case, "holding", by=alice)
    assert str(refused.value) == (
        f"{case.reference} has no agreed response date. A holding letter tells the complainant "
        "when to expect the response: agree a response date or an extension with them first."
    )
    assert not Letter.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_holding_letter_is_for_a_complaint_awaiting_its_response(org_a, alice):
    case = make_case(org_a, alice)  # received, not yet acknowledged
    with pytest.raises(TransitionNotAllowed, match="still awaiting its response"):
        signoff.start_letter(case, "holding", by=alice)
    assert not Letter.objects.exists()


@pytest.mark.parametrize("how", ["agreed", "extended"])
def test_a_holding_letter_names_the_date_agreed_with_the_complainant(org_a, alice, how):
    case = acknowledged(org_a, alice)
    case = agree_response_date(case, by=alice, response_date=date(2026, 12, 1))
    if how == "extended":
        case = agree_extension(case, by=alice, new_date=date(2027, 1, 8), reason="By phone.")
    letter = signoff.start_letter(case, "holding", by=alice)
    words = text(letter)
    named = "1 December 2026" if how == "agreed" else "8 January 2027"
    assert f"we now expect to respond by {named}." in words
    for empty in (" by ,", " by .", " by  ", "[[new date]]"):
        assert empty not in words


def test_other_letters_start_without_an_agreed_date(org_a, alice):
    case = acknowledged(org_a, alice)
    assert signoff.start_letter(case, "acknowledgement", by=alice).kind == "acknowledgement"


# --- sending it: an update to the complainant (R19) ----------------------------------------


def test_sending_a_holding_letter_is_an_update_that_moves_the_next_update_on(frozen, org_a, alice):
    # The commissioner updates every 20 working days (004-style repeating rule).
    case = agree_response_date(
        acknowledged(org_a, alice), by=alice, response_date=date(2026, 12, 1)
    )
    assert deadline(case, "update").due == date(2026, 11, 30)
    frozen.move_to(at(date(2026, 11, 20), 14))
    holding_letter(case, alice, channel="email")
    case = Case.objects.get(pk=case.pk)
    assert case.last_update_at == at(date(2026, 11, 20), 14)
    update = deadline(case, "update")
    assert update.basis == "20 working days after the last update on Fri 20 Nov 2026"
    assert update.due == date(2026, 12, 18)
    event = last_event(case)
    assert event.event == "complainant_updated"
    assert event.data["method"] == "email"
    assert (
        event.data["note"] == "Holding letter sent; the response is now expected by Tue 1 Dec 2026."
    )
    assert events(case)[-2:] == ["letter_dispatched", "complainant_updated"]


def test_sending_a_holding_letter_meets_a_single_update_deadline(frozen, db):
    clinic = organisation("Luxira Aesthetics", "LUX", "clinic", "private-clinic")
    manager = member("cara", clinic, "Complaints Manager")
    case = agree_response_date(
        acknowledged(clinic, manager), by=manager, response_date=date(2026, 12, 20)
    )
    frozen.move_to(at(date(2026, 11, 19), 11))
    holding_letter(case, manager, channel="post")
    update = deadline(case, "update")
    assert (update.state, update.completed_at) == ("met", at(date(2026, 11, 19), 11))
    assert update.due == date(2026, 11, 22)


def test_a_holding_letter_sent_on_an_earlier_day_is_an_update_on_that_day(frozen, org_a, alice):
    case = agree_response_date(
        acknowledged(org_a, alice), by=alice, response_date=date(2026, 12, 1)
    )
    frozen.move_to(at(date(2026, 11, 20), 9))
    letter = holding_letter(case, alice)
    frozen.move_to(at(date(2026, 11, 24), 10))
    dispatch_letter(letter, by=alice, channel="post", sent_on=date(2026, 11, 20))
    case = Case.objects.get(pk=case.pk)
    assert deadlines.local(case.last_update_at).date() == date(2026, 11, 20)
    event = last_event(case)
    assert event.event == "complainant_updated" and recorded_late(event)


# --- and the six-month letter (R20) --------------------------------------------------------


def extended_past_six_months(org, by, frozen) -> Case:
    case = agree_response_date(acknowledged(org, by), by=by, response_date=date(2026, 12, 1))
    frozen.move_to(at(date(2027, 4, 20), 10))
    return agree_extension(case, by=by, new_date=date(2027, 6, 1), reason="Awaiting a review.")


def test_a_holding_letter_naming_a_date_past_six_months_meets_the_six_month_review(
    frozen, org_a, alice
):
    case = extended_past_six_months(org_a, alice, frozen)
    review = deadline(case, "six_month_review")
    assert (review.due, review.state) == (SIX_MONTHS, "pending")
    holding_letter(case, alice, channel="post")
    review = deadline(case, "six_month_review")
    assert (review.state, review.completed_at) == ("met", at(date(2027, 4, 20), 10))
    assert events(case)[-3:] == [
        "letter_dispatched",
        "complainant_updated",
        "six_month_letter_sent",
    ]
    assert last_event(case).data["response_date"] == "2027-06-01"
    # Still met once the six months have passed and the response is still to come.
    frozen.move_to(at(date(2027, 5, 20), 10))
    assert deadline(case, "six_month_review").state == "met"


def test_a_six_month_letter_sent_after_the_six_months_misses_it(frozen, org_a, alice):
    case = extended_past_six_months(org_a, alice, frozen)
    letter = holding_letter(case, alice)
    frozen.move_to(at(date(2027, 5, 4), 10))
    assert deadline(case, "six_month_review").state == "overdue"
    dispatch_letter(letter, by=alice, channel="post")
    review = deadline(case, "six_month_review")
    assert (review.state, review.completed_at) == ("missed", at(date(2027, 5, 4), 10))


def test_a_holding_letter_within_six_months_is_not_the_six_month_letter(frozen, org_a, alice):
    case = agree_response_date(
        acknowledged(org_a, alice), by=alice, response_date=date(2026, 12, 1)
    )
    frozen.move_to(at(date(2026, 11, 20), 10))
    case = agree_extension(case, by=alice, new_date=date(2027, 1, 15), reason="Records awaited.")
    holding_letter(case, alice, channel="post")
    assert "six_month_letter_sent" not in events(case)
    assert Case.objects.get(pk=case.pk).six_month_letter_at is None
    frozen.move_to(at(date(2027, 5, 3), 10))
    assert deadline(case, "six_month_review").state == "overdue"


def test_the_first_six_month_letter_counts(frozen, org_a, alice):
    case = extended_past_six_months(org_a, alice, frozen)
    holding_letter(case, alice, channel="post")
    frozen.move_to(at(date(2027, 5, 25), 10))
    case = agree_extension(case, by=alice, new_date=date(2027, 7, 1), reason="More records.")
    holding_letter(case, alice, channel="post")
    assert events(case).count("six_month_letter_sent") == 1
    review = deadline(case, "six_month_review")
    assert (review.state, review.completed_at) == ("met", at(date(2027, 4, 20), 10))


def test_the_rule_for_the_six_month_letter(org_a, alice):
    case = acknowledged(org_a, alice)
    assert deadlines.six_month_point(case, org_a.policy, org_a.working_calendar()) == (
        SIX_MONTHS,
        None,
    )
    assert not deadlines.tells_of_delay_past_six_months(case, None)
    assert not deadlines.tells_of_delay_past_six_months(case, SIX_MONTHS)
    assert deadlines.tells_of_delay_past_six_months(case, SIX_MONTHS + timedelta(days=1))


# --- through the staff pages and the API ----------------------------------------------------


def test_the_case_page_shows_the_holding_letter_meeting_the_update_and_six_month_deadlines(
    client, frozen, org_a, alice
):
    case = extended_past_six_months(org_a, alice, frozen)
    holding_letter(case, alice, channel="post")
    page = sign_in(client, alice).get(reverse("web:case", args=[case.reference]))
    rows = re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', page.content.decode(), re.S)
    six = next(r for r in rows if "Six-month review" in r)
    assert "Met on Tue 20 Apr 2027" in re.sub(r"\s+", " ", six)
    update = next(r for r in rows if "Update the complainant" in r)
    assert "the last update on Tue 20 Apr 2027" in update


def test_the_letters_page_asks_for_an_agreed_date_first(client, org_a, alice):
    case = acknowledged(org_a, alice)
    response = sign_in(client, alice).post(
        reverse("web:letters", args=[case.reference]), {"kind": "holding"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#kind"' in text
    assert "agree a response date or an extension with them first" in text
    assert not Letter.objects.exists()


def test_the_api_refuses_a_holding_letter_without_an_agreed_date(org_a, alice):
    from tests.api.conftest import Api

    case = acknowledged(org_a, alice)
    response = Api(alice).post(f"/cases/{case.reference}/letters", {"kind": "holding"})
    assert response.status_code == 409
    assert "agree a response date or an extension with them first" in response.json()["detail"]
    assert not Letter.objects.exists()
