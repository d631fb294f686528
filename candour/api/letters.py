"""Letters: /api/v1/cases/{reference}/letters and /api/v1/letters/{id}/...

Thin: each endpoint finds the case or letter through the access modules (a letter of a case
you cannot see is 404), calls one domain function and returns the letter as it now is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from candour import text as text_rule
from candour.api.errors import NotFound
from candour.api.schemas import (
    MAX_NUMBER,
    READ_ERRORS,
    WRITE_ERRORS,
    Day,
    Input,
    Message,
    Moment,
    NumberInPath,
    Reference,
    file_response,
    said,
)
from candour.cases.access import get_case
from candour.cases.intake import InvalidCase
from candour.letters import render, signoff, templates
from candour.letters.access import LetterNotFound, get_letter, letters_for
from candour.letters.dispatch import dispatch_letter
from candour.letters.merge import MERGE_FIELDS
from candour.organisations.access import organisation_ids_for
from candour.organisations.models import Organisation
from candour.organisations.policy import DispatchChannel, LetterKind

router = Router(tags=["letters"])


class StepOut(Schema):
    key: str
    label: str
    roles: list[str]
    arrived_at: datetime
    due: date | None
    basis: str
    state: str | None
    left_at: datetime | None = None
    left_how: str = ""


class VersionOut(Schema):
    number: int
    subject: str
    sections: list[list[str]]
    text_hash: str
    signed_at: datetime | None
    signed_by: str | None


class LetterOut(Schema):
    id: int
    case: str
    kind: str
    stage: int
    status: str
    chain: str
    template_version: int
    step: StepOut | None
    held_by: list[str]
    waiting_for: list[str]
    days_at_step: int
    latest: VersionOut
    signed: VersionOut | None
    history: list[StepOut]


class StartIn(Input):
    kind: LetterKind
    to: Literal["", "complainant", "patient"] = Field(
        "",
        description="Who it is addressed to: the complainant (their representative where one "
        "speaks for the patient) or the patient. Left empty: the complainant's side, or the "
        "patient while correspondence with the representative is on hold (R13).",
    )
    staff_named: list[Annotated[str, Field(max_length=150)]] = Field(
        default_factory=list, max_length=20, description="Usernames of staff named in it."
    )


Section = Annotated[
    tuple[Annotated[str, Field(max_length=80)], str],
    Field(description="[name, text]"),
]


class ReviseIn(Input):
    sections: list[Section] = Field(
        max_length=40, description="The sections that change; the others keep their text."
    )
    subject: str | None = Field(
        None,
        max_length=200,
        description="The subject line; the latest version's if left out.",
        json_schema_extra={"pattern": text_rule.SAID_PATTERN},
    )


class CommentIn(Input):
    text: str = said()


class ApproveIn(Input):
    comment: str = ""


class SendBackIn(Input):
    to_step: str = Field(max_length=40, description="The key of an earlier step.")
    reason: str = said()


class DispatchIn(Input):
    channel: DispatchChannel
    sent_at: Moment | None = Field(
        None,
        description="When it was sent, with a time zone; now if left out. Not in the future, "
        "nor before the letter was signed. A final response's is the case's response time.",
    )
    sent_on: Day | None = Field(
        None,
        description="The day it was sent, if `sent_at` is left out: the end of that day (now, "
        "if today); with `sent_at`, it must be its day. Not in the future.",
    )


def _version(v) -> dict | None:
    if v is None:
        return None
    by = v.signed_by
    return {
        "number": v.number,
        "subject": v.subject,
        "sections": v.sections,
        "text_hash": v.text_hash,
        "signed_at": v.signed_at,
        "signed_by": (by.get_full_name() or by.get_username()) if by else None,
    }


def _step(s) -> dict | None:
    if s is None:
        return None
    return {**s.__dict__, "state": s.state.value if s.state else None}


def _out(letter) -> dict:
    here = signoff.where(letter)
    return {
        "id": letter.pk,
        "case": letter.case.reference,
        "kind": letter.kind,
        "stage": letter.stage,
        "status": letter.status,
        "chain": letter.chain["name"],
        "template_version": letter.template.version,
        "step": _step(here.step),
        "held_by": here.held_by,
        "waiting_for": here.waiting_for,
        "days_at_step": here.days_there,
        "latest": _version(letter.versions.order_by("-number").first()),
        "signed": _version(letter.signed_version),
        "history": [_step(s) for s in signoff.history(letter)],
    }


def _letter(request, pk: int):
    try:
        return get_letter(request.auth, pk)
    except LetterNotFound as error:
        raise NotFound(str(error)) from None


def _staff(usernames: list[str]) -> list:
    users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=usernames)}
    missing = [n for n in usernames if n not in users]
    if missing:
        raise InvalidCase("staff_named", f"{', '.join(missing)} is not on the staff here")
    return [users[n] for n in usernames]


@router.get(
    "/cases/{reference}/letters",
    response={200: list[LetterOut], **READ_ERRORS},
    summary="A case's letters",
)
def case_letters(request, reference: Reference):
    case = get_case(request.auth, reference)
    return [_out(x) for x in letters_for(request.auth).filter(case=case).order_by("pk")]


@router.post(
    "/cases/{reference}/letters",
    response={201: LetterOut, **WRITE_ERRORS},
    summary="Start a letter",
)
def start(request, reference: Reference, payload: StartIn):
    """Start a letter from the organisation's current template, at the first step of the
    sign-off chain its policy gives for this kind of letter at the case's stage."""
    case = get_case(request.auth, reference)
    letter = signoff.start_letter(
        case, payload.kind, by=request.auth, to=payload.to, staff_named=_staff(payload.staff_named)
    )
    return Status(201, _out(letter))


@router.get("/letters/{pk}", response={200: LetterOut, **READ_ERRORS}, summary="A letter")
def letter_detail(request, pk: NumberInPath):
    return _out(_letter(request, pk))


@router.post(
    "/letters/{pk}/revise",
    response={200: LetterOut, **WRITE_ERRORS},
    summary="Change the text (a new version)",
)
def revise(request, pk: NumberInPath, payload: ReviseIn):
    letter = _letter(request, pk)
    signoff.revise(letter, by=request.auth, sections=payload.sections, subject=payload.subject)
    return _out(_letter(request, pk))


@router.post(
    "/letters/{pk}/comment",
    response={200: LetterOut, **WRITE_ERRORS},
    summary="Comment at the current step",
)
def comment(request, pk: NumberInPath, payload: CommentIn):
    signoff.comment(_letter(request, pk), by=request.auth, text=payload.text)
    return _out(_letter(request, pk))


@router.post(
    "/letters/{pk}/approve",
    response={200: LetterOut, **WRITE_ERRORS},
    summary="Approve at the current step",
)
def approve(request, pk: NumberInPath, payload: ApproveIn):
    signoff.approve(_letter(request, pk), by=request.auth, text=payload.comment)
    return _out(_letter(request, pk))


@router.post(
    "/letters/{pk}/send-back",
    response={200: LetterOut, **WRITE_ERRORS},
    summary="Send back to an earlier step",
)
def send_back(request, pk: NumberInPath, payload: SendBackIn):
    signoff.send_back(
        _letter(request, pk), by=request.auth, to_step=payload.to_step, reason=payload.reason
    )
    return _out(_letter(request, pk))


@router.post(
    "/letters/{pk}/dispatch",
    response={200: LetterOut, **WRITE_ERRORS},
    summary="Record that the signed letter was sent",
)
def dispatch(request, pk: NumberInPath, payload: DispatchIn):
    dispatch_letter(
        _letter(request, pk),
        by=request.auth,
        channel=payload.channel,
        sent_on=payload.sent_on,
        sent_at=payload.sent_at,
    )
    return _out(_letter(request, pk))


VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=MAX_NUMBER, description="A version's number; the latest if left out."),
]
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/letters/{pk}/pdf", summary="The letter as PDF", **file_response("application/pdf"))
def as_pdf(request, pk: NumberInPath, version: VersionQuery = None):
    return _file(request, pk, version, "pdf", "application/pdf", render.pdf)


@router.get(
    "/letters/{pk}/docx", summary="The letter as an editable Word document", **file_response(WORD)
)
def as_docx(request, pk: NumberInPath, version: VersionQuery = None):
    return _file(request, pk, version, "docx", WORD, render.docx)


def _file(request, pk, number, extension, mime, make):
    letter = _letter(request, pk)
    chosen = None
    if number is not None:
        chosen = letter.versions.filter(number=number).first()
        if chosen is None:
            raise NotFound(f"Letter {pk} has no version {number}.")
    response = HttpResponse(make(letter, request.auth, chosen), content_type=mime)
    name = f"{letter.case.reference}-{letter.kind}-{letter.pk}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class TemplateOut(Schema):
    organisation: str
    kind: str
    version: int
    subject: str
    sections: list[list[str]]
    source: str


class TemplateIn(Input):
    organisation: str = Field(max_length=12, description="The organisation's code.")
    kind: LetterKind
    subject: str = said(200)
    sections: list[Section] = Field(max_length=40, json_schema_extra={"minItems": 1})


def _organisation(request, code: str) -> Organisation:
    found = Organisation.objects.filter(
        code=code.upper(), pk__in=organisation_ids_for(request.auth)
    ).first()
    if found is None:
        raise NotFound(f"There is no organisation {code} that you can see.")
    return found


def _template(t) -> dict:
    return {
        "organisation": t.organisation.code,
        "kind": t.kind,
        "version": t.version,
        "subject": t.subject,
        "sections": t.sections,
        "source": t.source,
    }


@router.get(
    "/letter-templates/merge-fields",
    response={200: dict[str, str], 401: Message},
    summary="The merge fields templates may use",
)
def merge_fields(request):
    return MERGE_FIELDS


@router.get(
    "/letter-templates",
    response={200: list[TemplateOut], **READ_ERRORS},
    summary="An organisation's current letter templates",
)
def list_templates(request, organisation: Annotated[str, Query(max_length=12)]):
    """The template in force for each kind of letter: the organisation's own newest version,
    else the nearest organisation above it that has one."""
    found = _organisation(request, organisation)
    return [_template(templates.current_template(found, kind)) for kind in LetterKind]


@router.post(
    "/letter-templates",
    response={201: TemplateOut, **WRITE_ERRORS},
    summary="Save a new version of a letter template",
)
def save_template(request, payload: TemplateIn):
    """An administrator's change: a new version. Letters already started keep theirs."""
    found = _organisation(request, payload.organisation)
    saved = templates.save_template(
        found, payload.kind, subject=payload.subject, sections=payload.sections, by=request.auth
    )
    return Status(201, _template(saved))
