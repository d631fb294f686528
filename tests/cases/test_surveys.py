"""The satisfaction survey after closure (R37): sent or offered at closure, answered on paper,
by phone or online, its questions from the organisation's policy.

Seed 003 §11.2: "Introduce a patient satisfaction/experience survey."
Seed 004, Reporting and Recording Complaints: the annual report includes "whether
complainants and staff were satisfied with the process and outcomes; and The results of the
annual patient satisfaction survey."
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from candour.audit.models import AuditEvent
from candour.cases import surveys
from candour.cases.changes import happened_at
from candour.cases.closure_models import Survey
from candour.cases.intake import InvalidCase
from candour.cases.models import Status
from candour.cases.workflow import PermissionDenied, TransitionNotAllowed, allowed_actions
from candour.organisations.policy import PRESETS, PolicyError, preset, validate_policy

from .conftest import events, reach, reload, snapshot

pytestmark = pytest.mark.usefixtures("frozen")

SEED_003 = "11.2 Introduce a patient satisfaction/experience survey."
SEED_004 = (
    "whether complainants and staff were satisfied with the process and outcomes; and "
    "The results of the annual patient satisfaction survey."
)
HANDLED = "How satisfied were you with the way your complaint was handled?"


@pytest.fixture
def closed(org_a, alice):
    return reach(org_a, alice, Status.CLOSED, received_at=timezone.now() - timedelta(days=3))


def test_every_preset_asks_the_seeds_questions_and_a_policy_may_change_them():
    """004: satisfied "with the process and outcomes": every preset's survey asks about the
    handling and the outcome, and counts the first two of five answers as satisfied."""
    assert "satisfaction/experience survey" in SEED_003
    assert "satisfied with the process and outcomes" in SEED_004
    for name in PRESETS:
        survey = validate_policy(preset(name)).survey
        handling = survey.question("handling")
        assert handling.text == HANDLED
        assert handling.satisfied == ["Very satisfied", "Satisfied"]
        assert survey.question("outcome").answers[-1] == "Very dissatisfied"
        assert survey.question("comments").answers == []  # free text
    data = preset("private-clinic")
    data["survey"] = {
        "questions": [
            {"key": "kind", "text": "Were we kind to you?", "answers": ["Yes", "No"],
             "satisfied": ["Yes"]},
        ]
    }  # fmt: skip
    assert [q.key for q in validate_policy(data).survey.questions] == ["kind"]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (
            {"key": "kind", "text": "Were we kind?", "answers": ["Yes"], "satisfied": ["Very"]},
            "survey.questions.0: satisfied: 'Very' is not one of the answers (Yes)",
        ),
        ({"key": "Bad key", "text": "Were we kind?"}, "survey.questions.0.key: String should"),
    ],
)
def test_a_survey_question_that_makes_no_sense_is_refused_saying_what_to_fix(question, message):
    data = preset("commissioner")
    data["survey"] = {"questions": [question]}
    with pytest.raises(PolicyError) as refused:
        validate_policy(data)
    assert str(refused.value).startswith(message)


def test_repeated_question_keys_are_refused():
    data = preset("commissioner")
    question = {"key": "kind", "text": "Were we kind?"}
    data["survey"] = {"questions": [question, question]}
    with pytest.raises(PolicyError, match="the key kind is used more than once"):
        validate_policy(data)


def test_the_survey_is_sent_at_closure_with_how_and_when(closed, alice, frozen):
    """003 §11.2; R37: sent or offered at closure. The questions are kept as they were."""
    assert "send_survey" in allowed_actions(closed, alice)
    frozen.shift(timedelta(hours=2))
    sent_at = timezone.now() - timedelta(minutes=10)
    survey = surveys.send_survey(closed, by=alice, offer="sent", channel="post", at=sent_at)
    assert (survey.stage, survey.offer, survey.channel) == (1, "sent", "post")
    assert survey.offered_at == sent_at
    assert [q["key"] for q in survey.questions] == ["handling", "outcome", "informed", "comments"]
    assert survey.link_key == ""
    event = AuditEvent.objects.filter(case=closed).latest("sequence")
    assert event.event == "survey_sent"
    assert event.actor == alice
    assert happened_at(event) == sent_at
    assert event.data["channel"] == "post"
    # One survey a stage: the page no longer offers another.
    assert "send_survey" not in allowed_actions(reload(closed), alice)
    before = snapshot(closed)
    with pytest.raises(TransitionNotAllowed, match="the satisfaction survey of stage 1 is"):
        surveys.send_survey(closed, by=alice, offer="declined", channel="phone")
    assert snapshot(closed) == before


def test_offered_and_declined_is_recorded_and_awaits_no_answers(closed, alice):
    surveys.send_survey(closed, by=alice, offer="declined", channel="phone", note="Not now.")
    assert events(closed)[-1] == "survey_declined"
    assert surveys.awaiting(closed) is None
    with pytest.raises(TransitionNotAllowed, match="no satisfaction survey sent and awaiting"):
        surveys.record_answers(closed, by=alice, answers={"handling": "Satisfied"})


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"at": "future"}, "at", "is in the future"),
        ({"at": "before closing"}, "at", "is before the stage was answered or closed"),
        ({"offer": "maybe"}, "offer", "choose whether the survey was sent"),
        ({"channel": "pigeon"}, "channel", "must be one of post, email, phone"),
        ({"offer": "declined", "channel": "online"}, "channel", "say how the survey was offered"),
    ],
)
def test_a_survey_is_refused_with_what_to_fix(closed, alice, change, field, message):
    given = {"offer": "sent", "channel": "email", **change}
    if given.get("at") == "future":
        given["at"] = timezone.now() + timedelta(hours=1)
    elif given.get("at") == "before closing":
        given["at"] = reload(closed).closed_at - timedelta(hours=1)
    before = snapshot(closed)
    with pytest.raises(InvalidCase) as refused:
        surveys.send_survey(closed, by=alice, **given)
    assert refused.value.field == field
    assert message in str(refused.value)
    assert snapshot(closed) == before
    assert not Survey.objects.exists()


def test_no_survey_before_the_case_is_answered_nor_by_another_organisation(
    org_a, alice, closed, bob
):
    open_case = reach(org_a, alice, Status.OPEN)
    with pytest.raises(TransitionNotAllowed, match="cannot be given a satisfaction survey"):
        surveys.send_survey(open_case, by=alice, offer="sent", channel="post")
    with pytest.raises(PermissionDenied):
        surveys.send_survey(closed, by=bob, offer="sent", channel="post")


def test_staff_record_the_answers_with_the_day_they_came_back(closed, alice, frozen):
    """R37: the complainant's answers from a paper or phone survey, with when received."""
    sent_at = timezone.now()
    surveys.send_survey(closed, by=alice, offer="sent", channel="post", at=sent_at)
    frozen.shift(timedelta(days=9))
    received = timezone.now() - timedelta(days=2)
    survey = surveys.record_answers(
        closed,
        by=alice,
        answers={"handling": "Very satisfied", "outcome": "Dissatisfied", "comments": "Slow."},
        received_at=received,
    )
    assert survey.answered_at == received
    assert survey.answered_via == "staff"
    got = {a.question: (a.answer, a.satisfied) for a in survey.answers.all()}
    assert got == {
        "handling": ("Very satisfied", True),
        "outcome": ("Dissatisfied", False),
        "comments": ("Slow.", None),
    }
    event = AuditEvent.objects.filter(case=closed).latest("sequence")
    assert event.event == "survey_answered"
    assert happened_at(event) == received
    assert event.data["answers"]["handling"] == "Very satisfied"


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"handling": "Fine"}, "handling", "must be one of Very satisfied, Satisfied"),
        ({"speed": "Quick"}, "speed", "is not a question of this survey"),
        ({"handling": " "}, "handling", "give the answer to at least one question"),
    ],
)
def test_answers_are_checked_against_the_survey_questions(closed, alice, answers, field, message):
    surveys.send_survey(closed, by=alice, offer="sent", channel="post")
    with pytest.raises(InvalidCase) as refused:
        surveys.record_answers(closed, by=alice, answers=answers)
    assert (refused.value.field, message in str(refused.value)) == (field, True)


def test_answers_cannot_be_received_before_the_survey_was_sent(closed, alice, frozen):
    sent_at = timezone.now()
    surveys.send_survey(closed, by=alice, offer="sent", channel="post", at=sent_at)
    with pytest.raises(InvalidCase, match="received_at: is before the survey was sent"):
        surveys.record_answers(
            closed,
            by=alice,
            answers={"handling": "Satisfied"},
            received_at=sent_at - timedelta(hours=1),
        )


def test_the_complainant_answers_once_through_the_link(closed, alice):
    """The public door (ADR 0008): the key is shown once; only its hash is kept."""
    survey = surveys.send_survey(closed, by=alice, offer="sent", channel="online")
    key = survey.link_key
    assert len(key.replace("-", "")) == 16
    assert key not in str(Survey.objects.values().get())
    with pytest.raises(surveys.SurveyNotFound):
        surveys.by_key("AAAA-BBBB-CCCC-DDDD")
    assert surveys.by_key(key.lower()).pk == survey.pk
    answered = surveys.answer_online(key, {"outcome": "Satisfied"})
    assert answered.answered_via == "online"
    event = AuditEvent.objects.filter(case=closed).latest("sequence")
    assert (event.event, event.actor) == ("survey_answered", None)
    with pytest.raises(surveys.SurveyNotFound):
        surveys.answer_online(key, {"outcome": "Very satisfied"})
    assert answered.answers.get().answer == "Satisfied"
