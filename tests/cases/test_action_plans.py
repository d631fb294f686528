"""Action plans and learning (R28, R35): actions with owners, due dates, evidence and a check
that the change works; promised actions keep a case open; lessons with reusable themes; the
list of lessons and actions across the cases a user may see."""

from __future__ import annotations

from datetime import date

import pytest

from candour.cases.actions import (
    actions_for,
    add_action,
    cancel_action,
    complete_action,
    lessons_for,
    record_lesson,
    verify_action,
)
from candour.cases.deadlines import for_case
from candour.cases.handling import close_case
from candour.cases.intake import InvalidCase
from candour.cases.models import ActionStatus, CaseAction, Lesson, Status
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed
from candour.organisations.models import Theme
from candour.organisations.setup import add_member

from ..conftest import at, make_case, user
from .conftest import last_event, reach, reload, snapshot

NOW = "2026-11-02T09:00:00+00:00"
pytestmark = pytest.mark.usefixtures("frozen")


def plan(case, by, owner, **overrides):
    fields = {
        "description": "Reception to call back about every test result within one working day.",
        "owner": owner,
        "due": date(2026, 11, 30),
        "themes": ["Communication"],
    }
    fields.update(overrides)
    return add_action(case, by=by, **fields)


def full_snapshot(case) -> dict:
    return {
        **snapshot(case),
        "actions": list(CaseAction.objects.order_by("pk").values()),
        "lessons": list(Lesson.objects.order_by("pk").values()),
        "themes": list(Theme.objects.order_by("pk").values()),
    }


# --- actions ---------------------------------------------------------------------------------


def test_an_action_has_an_owner_a_due_date_and_a_deadline_of_its_own(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    action = plan(case, alice, ivan)

    assert (action.number, action.status, action.owner, action.promised) == (
        1,
        ActionStatus.OPEN,
        ivan,
        True,
    )
    assert [t.name for t in action.themes.all()] == ["Communication"]
    event = last_event(case)
    assert (event.event, event.actor) == ("action_added", alice)
    assert event.data == {
        "before": {},
        "after": {},
        "number": 1,
        "description": action.description,
        "owner": "ivan",
        "due": "2026-11-30",
        "promised": True,
        "themes": ["Communication"],
    }
    deadline = next(d for d in for_case(reload(case)) if d.key == "action_1")
    assert deadline.due == date(2026, 11, 30)
    assert deadline.basis == "due date set when the action was agreed on Mon 2 Nov 2026"
    assert deadline.state == "pending"


def test_an_action_due_before_everything_else_is_the_cases_next_due_date(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    assert reload(case).next_due > date(2026, 11, 4)
    plan(case, alice, ivan, due=date(2026, 11, 4))
    assert reload(case).next_due == date(2026, 11, 4)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": "  "}, "description", "is empty; say what will be done"),
        ({"due": date(2026, 11, 1)}, "due", "is in the past"),
        ({"owner": None}, "owner", "must be a person with a role at Walsall Commissioning"),
    ],
)
def test_a_bad_action_is_refused_naming_the_field_and_nothing_is_written(
    org_a, alice, overrides, field, message
):
    case = reach(org_a, alice, Status.OPEN)
    before = full_snapshot(case)

    with pytest.raises(InvalidCase) as error:
        plan(case, alice, overrides.pop("owner", alice), **overrides)

    assert (error.value.field, str(error.value)) == (field, f"{field}: {message}")
    assert full_snapshot(case) == before


def test_an_owner_in_another_organisation_is_refused(org_a, alice, bob):
    case = reach(org_a, alice, Status.OPEN)
    before = full_snapshot(case)
    with pytest.raises(InvalidCase, match="owner: must be a person with a role at Walsall"):
        plan(case, alice, bob)
    assert full_snapshot(case) == before


def test_the_owner_completes_an_action_with_evidence_and_a_handler_checks_it_works(
    org_a, alice, ivan, frozen
):
    case = reach(org_a, alice, Status.RESPONDED)
    plan(case, alice, ivan)
    frozen.move_to(at(date(2026, 11, 20), 11))

    # Ivan is an investigating officer: he may not handle cases, but the action is his.
    action = complete_action(case, by=ivan, number=1, evidence="Call-back protocol v2 issued.")
    assert (action.status, action.completed_by) == (ActionStatus.DONE, ivan)
    event = last_event(case)
    assert (event.event, event.actor) == ("action_completed", ivan)
    assert event.data == {
        "before": {},
        "after": {},
        "number": 1,
        "evidence": "Call-back protocol v2 issued.",
        "happened_at": "2026-11-20T11:00:00+00:00",
        "late": False,
    }
    deadline = next(d for d in for_case(reload(case)) if d.key == "action_1")
    assert (deadline.state, deadline.met) == ("met", True)

    action = verify_action(case, by=alice, number=1, check="Audit of 20 results: all called.")
    assert (action.status, action.verified_by) == (ActionStatus.VERIFIED, alice)
    assert action.verified_at == at(date(2026, 11, 20), 11)
    event = last_event(case)
    assert event.event == "action_verified"
    assert event.data["check"] == "Audit of 20 results: all called."
    assert event.data["completed_by"] == "ivan"


def test_an_action_done_after_its_due_date_is_missed_and_marked_late(org_a, alice, ivan, frozen):
    case = reach(org_a, alice, Status.OPEN)
    plan(case, alice, ivan, due=date(2026, 11, 10))
    frozen.move_to(at(date(2026, 11, 11), 9))
    complete_action(case, by=alice, number=1, evidence="Done a day late.")

    assert last_event(case).data["late"] is True
    deadline = next(d for d in for_case(reload(case)) if d.key == "action_1")
    assert (deadline.state, deadline.met) == ("missed", False)


def test_only_the_owner_or_a_handler_may_complete_an_action(org_a, alice, ivan):
    other = user("otto")
    add_member(other, org_a, "Investigating Officer")
    case = reach(org_a, alice, Status.OPEN)
    plan(case, alice, ivan)
    before = full_snapshot(case)

    with pytest.raises(PermissionDenied, match="Only the owner of action 1, or someone who"):
        complete_action(case, by=other, number=1, evidence="Not mine to do.")
    assert full_snapshot(case) == before


def test_an_action_cannot_be_checked_before_it_is_done_nor_done_twice(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    plan(case, alice, ivan)
    before = full_snapshot(case)
    with pytest.raises(TransitionNotAllowed) as error:
        verify_action(case, by=alice, number=1, check="Looks fine.")
    assert str(error.value) == (
        f"{case.reference}: action 1 is open; record it as done, with its evidence, before "
        "checking that it works."
    )
    assert full_snapshot(case) == before

    complete_action(case, by=ivan, number=1, evidence="Protocol issued.")
    before = full_snapshot(case)
    with pytest.raises(TransitionNotAllowed, match="only an open action can be completed"):
        complete_action(case, by=ivan, number=1, evidence="Again.")
    with pytest.raises(InvalidCase, match="number: there is no action 2"):
        complete_action(case, by=ivan, number=2, evidence="Which one?")
    assert full_snapshot(case) == before


def test_someone_from_another_organisation_can_do_nothing_to_an_action(org_a, alice, ivan, bob):
    case = reach(org_a, alice, Status.OPEN)
    plan(case, alice, ivan)
    before = full_snapshot(case)
    for call in (
        lambda: plan(case, bob, bob),
        lambda: complete_action(case, by=bob, number=1, evidence="x"),
        lambda: verify_action(case, by=bob, number=1, check="x"),
        lambda: cancel_action(case, by=bob, number=1, reason="x"),
        lambda: record_lesson(case, by=bob, text="x", themes=["x"]),
    ):
        with pytest.raises(PermissionDenied, match="You do not have a role at Walsall"):
            call()
    assert full_snapshot(case) == before


# --- closing: R28 ---------------------------------------------------------------------------


def test_a_case_with_an_open_promised_action_cannot_close_until_it_is_done_and_checked(
    org_a, alice, ivan, frozen
):
    case = reach(org_a, alice, Status.RESPONDED)
    plan(case, alice, ivan)
    plan(case, alice, alice, description="Add call-backs to the reception induction.")
    before = full_snapshot(case)

    with pytest.raises(TransitionNotAllowed) as error:
        close_case(case, by=alice)
    assert str(error.value) == (
        f"{case.reference} cannot be closed while promised actions are outstanding: action 1 "
        "(Reception to call back about every test result within one…) is open; action 2 "
        "(Add call-backs to the reception induction.) is open. Complete each and check that "
        "it works, or cancel it with a reason, first."
    )
    assert full_snapshot(case) == before

    frozen.move_to(at(date(2026, 11, 16), 10))
    complete_action(case, by=ivan, number=1, evidence="Call-back protocol v2 issued.")
    cancel_action(case, by=alice, number=2, reason="The induction is being rewritten in 2027.")
    with pytest.raises(TransitionNotAllowed, match=r"action 1 .* is done but not yet checked"):
        close_case(case, by=alice)
    assert reload(case).status == Status.RESPONDED

    verify_action(case, by=alice, number=1, check="Audit of 20 results: all called back.")
    close_case(case, by=alice, note="Told the complainant what changed, by letter.")

    case = reload(case)
    assert case.status == Status.CLOSED
    event = last_event(case)
    assert event.event == "case_closed"
    assert event.data == {
        "happened_at": "2026-11-16T10:00:00+00:00",
        "before": {"closed_at": None, "status": "responded"},
        "after": {"closed_at": "2026-11-16T10:00:00+00:00", "status": "closed"},
        "note": "Told the complainant what changed, by letter.",
        "actions_completed": [
            {
                "number": 1,
                "description": "Reception to call back about every test result within one "
                "working day.",
                "evidence": "Call-back protocol v2 issued.",
                "completed_at": "2026-11-16T10:00:00+00:00",
                "verified_by": "alice",
                "verified_at": "2026-11-16T10:00:00+00:00",
            }
        ],
        "actions_cancelled": [
            {
                "number": 2,
                "description": "Add call-backs to the reception induction.",
                "reason": "The induction is being rewritten in 2027.",
            }
        ],
    }


def test_an_action_not_promised_to_the_complainant_does_not_keep_the_case_open(org_a, alice, ivan):
    case = reach(org_a, alice, Status.RESPONDED)
    plan(case, alice, ivan, promised=False)
    close_case(case, by=alice)
    assert reload(case).status == Status.CLOSED
    assert "actions_completed" not in last_event(case).data
    # It can still be done after the case has closed.
    complete_action(case, by=ivan, number=1, evidence="Protocol issued.")
    assert last_event(case).event == "action_completed"


def test_cancelling_needs_a_reason_and_a_finished_action_cannot_be_cancelled(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    plan(case, alice, ivan)
    with pytest.raises(InvalidCase, match="reason: is empty"):
        cancel_action(case, by=alice, number=1, reason=" ")
    complete_action(case, by=ivan, number=1, evidence="Protocol issued.")
    verify_action(case, by=alice, number=1, check="Audited.")
    before = full_snapshot(case)
    with pytest.raises(TransitionNotAllowed, match="action 1 is done and checked and cannot"):
        cancel_action(case, by=alice, number=1, reason="Changed our minds.")
    assert full_snapshot(case) == before


def test_a_cancelled_action_has_no_deadline(org_a, alice, ivan):
    case = reach(org_a, alice, Status.OPEN)
    plan(case, alice, ivan, due=date(2026, 11, 3))
    cancel_action(case, by=alice, number=1, reason="Duplicate of the practice-wide action.")
    case = reload(case)
    assert "action_1" not in [d.key for d in for_case(case)]
    assert case.next_due != date(2026, 11, 3)


# --- lessons and themes ---------------------------------------------------------------------


def test_a_lesson_has_themes_that_are_reused_by_name(org_a, alice):
    case = reach(org_a, alice, Status.CLOSED)
    lesson = record_lesson(
        case, by=alice, text="Results need an owner.", themes=["Communication", "Test results"]
    )
    again = record_lesson(
        case, by=alice, text="Say who will call.", themes=["  communication ", "COMMUNICATION"]
    )

    assert [t.name for t in again.themes.all()] == ["Communication"]
    assert again.themes.get() == lesson.themes.get(name="Communication")
    assert Theme.objects.filter(organisation=org_a).count() == 2
    event = last_event(case)
    assert (event.event, event.actor) == ("lesson_recorded", alice)
    assert event.data == {
        "happened_at": "2026-11-02T09:00:00+00:00",
        "before": {},
        "after": {},
        "lesson": 2,
        "text": "Say who will call.",
        "themes": ["Communication"],
    }


def test_a_lesson_needs_text_and_a_theme(org_a, alice):
    case = reach(org_a, alice, Status.OPEN)
    before = full_snapshot(case)
    with pytest.raises(InvalidCase, match="themes: is empty"):
        record_lesson(case, by=alice, text="Something.", themes=[" "])
    with pytest.raises(InvalidCase, match="text: is empty"):
        record_lesson(case, by=alice, text="", themes=["Communication"])
    assert full_snapshot(case) == before


def test_themes_belong_to_each_organisation(org_a, alice, org_b, bob):
    record_lesson(reach(org_a, alice, Status.OPEN), by=alice, text="A.", themes=["Access"])
    record_lesson(make_case(org_b, bob), by=bob, text="B.", themes=["access"])
    assert sorted(Theme.objects.values_list("organisation__code", "name")) == [
        ("MMG", "access"),
        ("WAL", "Access"),
    ]


# --- across cases ---------------------------------------------------------------------------


def test_the_list_of_lessons_and_actions_is_scoped_and_filtered(org_a, alice, ivan, org_b, bob):
    phones = reach(org_a, alice, Status.OPEN, service="Telephones")
    pharmacy = reach(org_a, alice, Status.OPEN, service="Pharmacy")
    elsewhere = make_case(org_b, bob, service="Telephones")
    record_lesson(phones, by=alice, text="Answer within ten rings.", themes=["Access"])
    record_lesson(pharmacy, by=alice, text="Check the dose twice.", themes=["Safety"])
    record_lesson(elsewhere, by=bob, text="Hidden from Walsall.", themes=["Access"])
    plan(phones, alice, ivan, themes=["Access"])
    plan(pharmacy, alice, alice, description="Second check on every dose.", themes=["Safety"])

    assert [x.text for x in lessons_for(alice)] == [
        "Check the dose twice.",
        "Answer within ten rings.",
    ]
    assert [x.text for x in lessons_for(alice, theme="access")] == ["Answer within ten rings."]
    assert [x.text for x in lessons_for(alice, service="Pharmacy")] == ["Check the dose twice."]
    assert [x.text for x in lessons_for(alice, q="dose")] == ["Check the dose twice."]
    assert [x.text for x in lessons_for(bob)] == ["Hidden from Walsall."]
    assert list(lessons_for(alice, since=date(2026, 11, 3))) == []
    assert len(lessons_for(alice, until=date(2026, 11, 2))) == 2

    assert [a.case for a in actions_for(alice, theme="Safety")] == [pharmacy]
    assert [a.case for a in actions_for(alice, service="Telephones")] == [phones]
    assert list(actions_for(bob)) == []
    assert len(actions_for(alice, outstanding=True)) == 2
    assert list(actions_for(alice, status="verified")) == []
    with pytest.raises(InvalidCase, match="status: must be one of"):
        actions_for(alice, status="finished")


def test_a_concern_with_a_promised_action_cannot_be_resolved_informally_until_it_is_done(
    org_a, alice
):
    from candour.cases.intake import resolve_informally

    concern = make_case(org_a, alice, kind="concern")
    plan(concern, alice, alice, due=date(2026, 11, 3))
    before = full_snapshot(concern)
    with pytest.raises(TransitionNotAllowed, match="cannot be closed while promised actions"):
        resolve_informally(concern, by=alice, resolution="Rebooked the appointment.")
    assert full_snapshot(concern) == before
    complete_action(concern, by=alice, number=1, evidence="Rebooked.")
    verify_action(concern, by=alice, number=1, check="Attended.")
    assert resolve_informally(concern, by=alice, resolution="Rebooked.").status == Status.CLOSED
