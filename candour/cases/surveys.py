"""The satisfaction survey after closure (R37).

Seed 003 §11.2: "Introduce a patient satisfaction/experience survey." Seed 004 (Reporting and
Recording Complaints): the annual report includes "whether complainants and staff were
satisfied with the process and outcomes" and "the results of the annual patient satisfaction
survey".

When a stage of a case ends (responded or closed), staff record that its survey was sent
(how and when) or offered and declined (`send_survey`). The questions are the
organisation's policy's (`Policy.survey`), kept on the survey as they were when it was sent.
The answers come back on paper or by phone and staff record them with the day they were
received (`record_answers`), or the complainant answers through a link whose key is shown
once when the survey is sent (`answer_online`, the public door of ADR 0008). The reports
count surveys sent, declined and answered, and each answer (candour.reporting.satisfaction).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from candour.cases import status as status_keys
from candour.cases.changes import apply
from candour.cases.closure_models import (
    Survey,
    SurveyAnswer,
    SurveyAnsweredVia,
    SurveyChannel,
    SurveyOffer,
)
from candour.cases.intake import InvalidCase, when_on_case
from candour.cases.models import Case, Status
from candour.cases.workflow import ensure_can, lock
from candour.config.transactions import atomic

ANSWER_LIMIT = 2000


def questions_for(case: Case) -> list[dict]:
    """The survey's questions from the case's organisation's policy, as data to keep."""
    return [
        {"key": q.key, "text": q.text, "answers": list(q.answers), "satisfied": list(q.satisfied)}
        for q in case.organisation.policy.survey.questions
    ]


@atomic
def send_survey(
    case: Case,
    *,
    by,
    offer: str,
    channel: str,
    at: datetime | None = None,
    note: str = "",
) -> Survey:
    """Record that the satisfaction survey of the case's current stage was sent (`offer`
    "sent", by `channel`, at `at`) or offered and declined ("declined"). Allowed once the
    stage has been answered or closed, once a stage. A survey sent with a link to answer
    online gets a key, returned once as `survey.link_key` (only its hash is kept). Writes
    survey_sent or survey_declined."""
    case = lock(case)
    ensure_can(case, "send_survey", by)
    if offer not in SurveyOffer.values:
        raise InvalidCase("offer", "choose whether the survey was sent, or offered and declined")
    if channel not in SurveyChannel.values:
        raise InvalidCase("channel", f"must be one of {', '.join(SurveyChannel.values)}")
    if offer == SurveyOffer.DECLINED and channel == SurveyChannel.ONLINE:
        raise InvalidCase(
            "channel", "say how the survey was offered (post, email, phone or in person)"
        )
    note = note.strip()
    ended = case.closed_at if case.status == Status.CLOSED else case.responded_at
    at = when_on_case(
        case,
        at,
        "at",
        **({"after": ended, "what": "the stage was answered or closed"} if ended else {}),
    )
    key = status_keys._new_secret() if channel == SurveyChannel.ONLINE else ""
    survey = Survey.objects.create(
        case=case,
        stage=case.stage,
        offer=offer,
        channel=channel,
        offered_at=at,
        questions=questions_for(case),
        note=note,
        recorded_at=timezone.now(),
        recorded_by=by,
        key_hash=status_keys._hash(key) if key else "",
    )
    apply(
        case,
        "send_survey",
        by=by,
        event="survey_sent" if offer == SurveyOffer.SENT else "survey_declined",
        at=at,
        stage=case.stage,
        channel=channel,
        note=note,
    )
    survey.link_key = key
    return survey


def _answers(survey: Survey, answers: dict[str, str]) -> list[SurveyAnswer]:
    """The answers given, checked against the survey's own questions: a choice must be one
    of the question's answers; a question left unanswered is left out; at least one answer."""
    known = {q["key"]: q for q in survey.questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InvalidCase(unknown[0], "is not a question of this survey")
    rows = []
    for key, question in known.items():
        given = (answers.get(key) or "").strip()
        if not given:
            continue
        if question["answers"] and given not in question["answers"]:
            raise InvalidCase(key, f"must be one of {', '.join(question['answers'])}")
        if len(given) > ANSWER_LIMIT:
            raise InvalidCase(key, f"must be {ANSWER_LIMIT} characters or fewer")
        satisfied = given in question["satisfied"] if question["answers"] else None
        rows.append(
            SurveyAnswer(
                survey=survey,
                question=key,
                text=question["text"][:300],
                answer=given,
                satisfied=satisfied,
            )
        )
    if not rows:
        raise InvalidCase(next(iter(known)), "is empty; give the answer to at least one question")
    return rows


def _save_answers(case, survey, rows, *, by, at, via) -> Survey:
    SurveyAnswer.objects.bulk_create(rows)
    survey.answered_at = at
    survey.answered_via = via
    survey.answers_recorded_by = by
    survey.key_hash = ""  # a link answers once
    survey.save(update_fields=["answered_at", "answered_via", "answers_recorded_by", "key_hash"])
    apply(
        case,
        "record_survey_answers",
        by=by,
        event="survey_answered",
        at=at,
        stage=survey.stage,
        via=via,
        answers={r.question: r.answer for r in rows},
    )
    return survey


def awaiting(case: Case) -> Survey | None:
    """The survey sent and awaiting its answers, the latest stage's first."""
    return (
        case.surveys.filter(offer=SurveyOffer.SENT, answered_at__isnull=True)
        .order_by("-stage")
        .first()
    )


@atomic
def record_answers(
    case: Case, *, by, answers: dict[str, str], received_at: datetime | None = None
) -> Survey:
    """Record the complainant's answers to the survey sent and awaiting them (from a paper or
    phone survey), with when they were received: now if not given, never in the future nor
    before the survey was sent. Writes survey_answered."""
    case = lock(case)
    ensure_can(case, "record_survey_answers", by)
    survey = awaiting(case)
    rows = _answers(survey, answers)
    at = when_on_case(
        case, received_at, "received_at", after=survey.offered_at, what="the survey was sent"
    )
    return _save_answers(case, survey, rows, by=by, at=at, via=SurveyAnsweredVia.STAFF)


class SurveyNotFound(LookupError):
    """No survey awaits answers at that link: unknown, already answered, or mistyped."""


def by_key(key: str) -> Survey:
    """The survey awaiting answers through the link with `key`; SurveyNotFound otherwise,
    the same whether the key is unknown or its survey was answered."""
    if not key or len(status_keys._normalise(key)) != status_keys.SECRET_LENGTH:
        raise SurveyNotFound(key)
    survey = (
        Survey.objects.filter(key_hash=status_keys._hash(key), answered_at__isnull=True)
        .select_related("case__organisation")
        .first()
    )
    if survey is None:
        raise SurveyNotFound(key)
    return survey


@atomic
def answer_online(key: str, answers: dict[str, str]) -> Survey:
    """The complainant's own answers through the survey's link (no staff user: the public
    door of ADR 0008). Received now. Writes survey_answered with no actor."""
    survey = by_key(key)
    case = lock(survey.case)
    ensure_can(case, "record_survey_answers", None)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.answered_at is not None:
        raise SurveyNotFound(key)
    rows = _answers(survey, answers)
    return _save_answers(
        case, survey, rows, by=None, at=timezone.now(), via=SurveyAnsweredVia.ONLINE
    )
