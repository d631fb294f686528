"""After closure (R37): the satisfaction survey and anonymised case studies.

- /api/v1/cases/{reference}/surveys: a case's surveys; POST .../survey records one sent (or
  offered and declined), POST .../survey/answers the answers received.
- /api/v1/cases/{reference}/case-studies: draft one from the closed case; edit, approve and
  withdraw it by number.
- /api/v1/case-studies: the case studies you may read: those of the cases you see, and the
  approved ones across your organisation tree, which never name the case they came from.

Thin: cases are found through cases.access (a case you cannot see is 404); the rules are in
candour.cases.surveys and candour.cases.case_studies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status

from candour.api.errors import NotFound
from candour.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Input,
    NumberInPath,
    Reference,
    When,
    performs,
    said,
)
from candour.cases import case_studies, surveys
from candour.cases.access import get_case
from candour.cases.closure_models import CaseStudy, Survey

router = Router(tags=["after closure"])
studies_router = Router(tags=["after closure"])


class SurveyIn(Input):
    offer: Literal["sent", "declined"] = Field(
        description="sent: the survey went to the complainant; declined: offered, and declined."
    )
    channel: Literal["post", "email", "phone", "in_person", "online"] = Field(
        description="How it was sent or offered; online: with a link to answer online, whose "
        "key is returned once as link_key."
    )
    at: When = None
    note: str = Field("", max_length=2000)


AnswerText = Annotated[str, Field(max_length=surveys.ANSWER_LIMIT)]
QuestionKey = Annotated[str, Field(max_length=40)]


class AnswersIn(Input):
    answers: dict[QuestionKey, AnswerText] = Field(
        description="Each question's key (from the survey's questions) to its answer; a choice "
        "must be one of the question's answers. At least one.",
        json_schema_extra={"minProperties": 1, "maxProperties": 20},
    )
    received_at: When = None


class QuestionOut(Schema):
    key: str
    text: str
    answers: list[str]
    satisfied: list[str]


class AnswerOut(Schema):
    question: str
    text: str
    answer: str
    satisfied: bool | None


class SurveyOut(Schema):
    stage: int
    offer: str
    channel: str
    offered_at: datetime
    note: str
    questions: list[QuestionOut]
    answered_at: datetime | None
    answered_via: str
    answers: list[AnswerOut]
    link_key: str | None = Field(
        None, description="Only when just sent with a link: the key to give the complainant."
    )


class CaseStudyEditIn(Input):
    title: str | None = Field(None, max_length=200)
    service: str | None = Field(None, max_length=200)
    what_happened: str | None = Field(None, max_length=20000)
    what_we_found: str | None = Field(None, max_length=20000)
    what_changed: str | None = Field(None, max_length=20000)


class WithdrawStudyIn(Input):
    reason: str = said(2000)


class CaseStudyOut(Schema):
    id: int
    number: int
    status: str
    reference: str | None = Field(
        description="The case it came from, only if you may see that case."
    )
    organisation: str
    title: str
    period: str
    service: str
    what_happened: str
    what_we_found: str
    what_changed: str
    approved_at: datetime | None


def survey_out(survey: Survey, link_key: str = "") -> dict:
    return {
        "stage": survey.stage,
        "offer": survey.offer,
        "channel": survey.channel,
        "offered_at": survey.offered_at,
        "note": survey.note,
        "questions": survey.questions,
        "answered_at": survey.answered_at,
        "answered_via": survey.answered_via,
        "answers": [
            {"question": a.question, "text": a.text, "answer": a.answer, "satisfied": a.satisfied}
            for a in survey.answers.all()
        ],
        "link_key": link_key or None,
    }


def study_out(user, study: CaseStudy) -> dict:
    return {
        "id": study.pk,
        "number": study.number,
        "status": study.status,
        "reference": study.case.reference if case_studies.sees_case(user, study) else None,
        "organisation": study.organisation.name,
        "approved_at": study.approved_at,
        "period": study.period,
        **study.texts(),
    }


@router.get("/{reference}/surveys", response={200: list[SurveyOut], **READ_ERRORS})
def case_surveys(request, reference: Reference):
    """The case's satisfaction surveys, a stage each, with their answers (R37)."""
    case = get_case(request.auth, reference)
    return [survey_out(s) for s in case.surveys.prefetch_related("answers")]


@router.post(
    "/{reference}/survey",
    response={201: SurveyOut, **WRITE_ERRORS},
    summary="Record the satisfaction survey as sent, or offered and declined",
    **performs("send_survey"),
)
def send_survey(request, reference: Reference, payload: SurveyIn):
    """Once the stage is answered or closed (R37; 003 §11.2, 004): sent (how and when), or
    offered and declined. Its questions are the organisation's policy's."""
    survey = surveys.send_survey(
        get_case(request.auth, reference), by=request.auth, **payload.model_dump()
    )
    return Status(201, survey_out(survey, survey.link_key))


@router.post(
    "/{reference}/survey/answers",
    response={200: SurveyOut, **WRITE_ERRORS},
    summary="Record the answers to the satisfaction survey",
    **performs("record_survey_answers"),
)
def record_answers(request, reference: Reference, payload: AnswersIn):
    """The complainant's answers from a paper or phone survey, with the day they were
    received (now if left out; not before the survey was sent)."""
    survey = surveys.record_answers(
        get_case(request.auth, reference),
        by=request.auth,
        answers=payload.answers,
        received_at=payload.received_at,
    )
    return survey_out(survey)


def _study(request, reference: str, number: int) -> CaseStudy:
    return case_studies.study_of(get_case(request.auth, reference), number)


@router.get("/{reference}/case-studies", response={200: list[CaseStudyOut], **READ_ERRORS})
def case_case_studies(request, reference: Reference):
    """The case studies drawn from the case, drafts included."""
    case = get_case(request.auth, reference)
    return [study_out(request.auth, s) for s in case.case_studies.select_related("organisation")]


@router.post(
    "/{reference}/case-studies",
    response={201: CaseStudyOut, **WRITE_ERRORS},
    summary="Draft an anonymised case study from the closed case",
    **performs("draft_case_study"),
)
def draft(request, reference: Reference):
    """A draft written from the case's free text with names, dates (to month and year), NHS
    numbers, addresses, postcodes, phone numbers and emails taken out (seed 004)."""
    study = case_studies.draft_case_study(get_case(request.auth, reference), by=request.auth)
    return Status(201, study_out(request.auth, study))


@router.post(
    "/{reference}/case-studies/{number}",
    response={200: CaseStudyOut, **WRITE_ERRORS},
    summary="Edit a draft case study",
    **performs("edit_case_study"),
)
def edit(request, reference: Reference, number: NumberInPath, payload: CaseStudyEditIn):
    """Change the draft's texts; a text left out stays."""
    texts = payload.model_dump(exclude_none=True)
    found = _study(request, reference, number)
    study = case_studies.edit_case_study(found, by=request.auth, **texts)
    return study_out(request.auth, study)


@router.post(
    "/{reference}/case-studies/{number}/approve",
    response={200: CaseStudyOut, **WRITE_ERRORS},
    summary="Approve a case study for use outside the organisation",
    **performs("approve_case_study"),
)
def approve(request, reference: Reference, number: NumberInPath):
    """By a second person with sign-off, not whoever drafted or last edited it; refused while
    anything identifying is left in it."""
    study = case_studies.approve_case_study(_study(request, reference, number), by=request.auth)
    return study_out(request.auth, study)


@router.post(
    "/{reference}/case-studies/{number}/withdraw",
    response={200: CaseStudyOut, **WRITE_ERRORS},
    summary="Withdraw a case study",
    **performs("withdraw_case_study"),
)
def withdraw(request, reference: Reference, number: NumberInPath, payload: WithdrawStudyIn):
    """Take it out of use, with the reason."""
    study = case_studies.withdraw_case_study(
        _study(request, reference, number), by=request.auth, reason=payload.reason
    )
    return study_out(request.auth, study)


class StudyPage(Schema):
    offset: int = Field(0, ge=0, le=100000)
    limit: int = Field(50, ge=1, le=200)


@studies_router.get("", response={200: list[CaseStudyOut], **READ_ERRORS})
def studies(request, page: Query[StudyPage]):
    """The case studies you may read, newest approved first: every one of the cases you see,
    and the approved ones across your organisation tree (without their case)."""
    found = case_studies.studies_for(request.auth).select_related("case")
    return [study_out(request.auth, s) for s in found[page.offset : page.offset + page.limit]]


@studies_router.get("/{study_id}", response={200: CaseStudyOut, **READ_ERRORS})
def study(request, study_id: NumberInPath):
    """One case study you may read."""
    try:
        found = case_studies.get_study(request.auth, study_id)
    except case_studies.CaseStudyNotFound as error:
        raise NotFound(str(error)) from None
    return study_out(request.auth, found)
